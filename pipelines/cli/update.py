"""`medkg update FILE [--dry-run]`, `history`, `rollback VERSION`, `why S P O`.

Thin wrappers over :mod:`kg.update` (the HTTP API calls the same functions).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.config import Home
from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, console, print_json, print_rows, settings_from

_LIMIT = 50


def _home(home: Optional[Path], config: Optional[Path]) -> Home:
    return settings_from(home, config).home


def _print_statements(title: str, rows: list[dict], limit: int, extra: tuple[str, ...] = ()) -> None:
    caption = f"... and {len(rows) - limit} more (use --limit or --json)" if len(rows) > limit else ""
    print_rows(f"{title} ({len(rows)})", ("line", "subject", "predicate", "object", "strength", "evidence",
                                          "references", *extra),
               [(str(r.get("line") or ""), f"{r['subject']} {r.get('subject_label', '')}".strip(), r["predicate"],
                 f"{r['object']} {r.get('object_label', '')}".strip(), r.get("strength", ""),
                 r.get("evidence_level", ""), " ".join(r.get("references", [])[:3]),
                 *[str(r.get(k, "")) for k in extra]) for r in rows[:limit]],
               head=4, caption=caption)


def _print_plan(plan: dict, limit: int) -> None:
    g = plan["guideline"]
    c = plan["counts"]
    console.print(f"guideline [bold]{g['key']}[/] version [bold]{g['version']}[/]"
                  f"{' (' + g['date'] + ')' if g['date'] else ''}: {c['statements']} statements from {g['path']}")
    console.print(f"graph {plan['graph']} against graph version {plan['base_version']}")
    if plan["status"] == "already_applied":
        console.print("[green]already applied[/]: this file is the active version of its guideline; nothing to do")
        return
    if plan["status"] == "reactivate":
        console.print("[yellow]stored but inactive[/]: applying re-activates it")
    for s in plan["supersedes"]:
        console.print(f"supersedes {s['key']}@{s['version']} (deactivated; its dropped statements are retracted)")
    console.print(f"added {c['added']}, removed {c['removed']}, changed {c['changed']}, unchanged {c['unchanged']}, "
                  f"conflicts {c['conflicts']}, unknown ids {c['unknown_ids']}, new nodes {c['new_nodes']}")
    if plan["added"]:
        rows = [{**r, "also in": ", ".join(r.get("also_asserted_by", []))} for r in plan["added"]]
        extra = ("also in",) if any(r["also in"] for r in rows) else ()
        _print_statements("added", rows, limit, extra=extra)
    if plan["removed"]:
        _print_statements("removed (retracted)", plan["removed"], limit)
    if plan["changed"]:
        rows = [{**ch, "was": f"{ch['before']['strength']}/{ch['before']['evidence_level']} "
                              f"{' '.join(ch['before']['references'])}".strip()} for ch in plan["changed"]]
        _print_statements("changed", rows, limit, extra=("was",))
    if plan["conflicts"]:
        print_rows(f"conflicts ({len(plan['conflicts'])})", ("line", "statement", "contradicted by"),
                   [(str(ch["statement"]["line"]), f"{ch['statement']['subject']} {ch['statement']['predicate']} "
                     f"{ch['statement']['object']}", ch["reason"]) for ch in plan["conflicts"][:limit]], head=2)
    if plan["new_nodes"]:
        console.print("new nodes: " + ", ".join(f"{n['id']} {n['label']!r} ({n['category']})" for n in plan["new_nodes"]))
    if plan["unknown_ids"]:
        console.print(f"[red]ids not in the graph[/] ({len(plan['unknown_ids'])}): "
                      + ", ".join(f"{u['id']} (line {u['line']})" for u in plan["unknown_ids"][:limit])
                      + " -- use --allow-new with labels to add them")
    for w in plan["warnings"][:limit]:
        console.print(f"[yellow]warning[/]: {w}")


@app.command("update")
def update_cmd(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A guideline: .tsv/.csv table with a header block, or .ttl/.jsonld. "
                                              "Or `suggest TEXTFILE`: propose statements from free text.")],
    text_file: Annotated[Optional[Path], typer.Argument(metavar="[TEXTFILE]", show_default=False,
                                                        help="With `suggest`: the guideline's text.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="With `suggest`: write the TSV here (default: stdout).")] = None,
    citation: Annotated[str, typer.Option(help="With `suggest`: the citation to put on every row, e.g. PMID:31573350.")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the diff and conflicts; change nothing.")] = False,
    allow_new: Annotated[bool, typer.Option("--allow-new", help="Add ids not in the graph as new nodes (rows need a label).")] = False,
    allow_conflicts: Annotated[bool, typer.Option("--allow-conflicts", help="Apply even if statements contradict the graph.")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="tsv, csv, turtle or json-ld (default: from the extension).")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="Who applies it (default: the user name).")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows per table.")] = _LIMIT,
    home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
) -> None:
    """Apply a guideline version atomically (its own named graph; supersedes the older version of the same guideline).

    `medkg update G.tsv --dry-run` shows what would change; `medkg update G.tsv` applies it;
    `medkg update suggest TEXT.txt -o G.tsv` drafts a table from free text for you to review.
    """
    from kg.guidelines import parse_guideline
    from kg.update import apply_update, plan_update

    h = _home(home, config)
    if str(file) == "suggest" and not file.exists():
        _suggest(h, text_file, out, citation)
        return
    if text_file is not None:
        raise typer.BadParameter(f"unexpected second argument {str(text_file)!r} (only `update suggest TEXTFILE` takes two)")
    guideline = parse_guideline(file, format=format)
    if dry_run:
        plan = plan_update(h, guideline, allow_new=allow_new).to_dict()
        if json_out:
            print_json(plan)
        else:
            _print_plan(plan, limit)
            console.print("[dim]dry run: nothing was changed[/]")
        return
    result = apply_update(h, guideline, allow_new=allow_new, allow_conflicts=allow_conflicts, applied_by=by)
    if json_out:
        print_json(result.to_dict())
        return
    if result.status == "already_applied":
        console.print(f"[green]already applied[/]: {guideline.key}@{guideline.version} is active; "
                      f"graph {result.version.hash} unchanged")
        return
    _print_plan(result.plan.to_dict(), limit)
    console.print(f"[bold green]{result.status}[/] {guideline.key}@{guideline.version}: graph "
                  f"{result.previous_version.hash} -> [bold]{result.version.hash}[/] ({result.version.label})")
    console.print(f"Undo with `medkg rollback {result.previous_version.hash}`; see `medkg history`.")


def _suggest(h: Home, text_file: Optional[Path], out: Optional[Path], citation: str) -> None:
    """`medkg update suggest TEXTFILE`: candidate statements as a guideline table, for review."""
    import sys

    from kg.errors import InputError
    from kg.guidelines import write_table
    from kg.update import suggest
    from kg.view import load_view

    if text_file is None:
        raise InputError("usage: medkg update suggest TEXTFILE [--out FILE.tsv] [--citation PMID:...]")
    if not text_file.is_file():
        raise InputError(f"text file {text_file} does not exist")
    rows = suggest(load_view(h), text_file.read_text(encoding="utf-8"), source=citation)
    stem = "".join(c if c.isalnum() else "-" for c in text_file.stem.lower()).strip("-") or "text"
    table = write_table({"key": f"suggested/{stem}", "version": "draft"}, rows, comments=(
        f"SUGGESTED statements from {text_file.name} by simple sentence patterns: NOT reviewed, NOT applied.",
        "Check every row against the guideline, delete wrong ones, set key, version, date and citation,",
        "then run `medkg update THIS_FILE --dry-run`."))
    if out:
        out.write_text(table, encoding="utf-8")
        console.print(f"wrote {len(rows)} suggested statement(s) to {out}; review them before `medkg update {out} --dry-run`")
    else:
        sys.stdout.write(table)


@app.command("history")
def history_cmd(home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Graph versions over time (builds, guideline updates, rollbacks) and the stored guideline versions."""
    import json

    from kg.update import guideline_versions, history

    h = _home(home, config)
    entries = history(h)
    guidelines = guideline_versions(h)
    if json_out:
        print_json({"history": [{**e.__dict__, "active_graphs": list(e.active_graphs),
                                 "detail": _json_or_text(e.detail)} for e in entries],
                    "guidelines": [{"graph": g.iri, "key": g.name, "version": g.version, "active": g.active,
                                    "quads": g.quads, "content_hash": g.content_hash, **g.extra} for g in guidelines]})
        return
    rows = []
    for e in entries:
        d = _json_or_text(e.detail)
        if isinstance(d, dict) and "key" in d:
            what = (f"{d['key']}@{d['version']} by {d.get('applied_by', '?')}: +{d.get('added', 0)} "
                    f"-{d.get('removed', 0)} ~{d.get('changed', 0)}")
        elif isinstance(d, dict) and "to" in d:
            what = f"back to {d['to']} (seq {d.get('to_seq')})"
        else:
            what = e.detail if isinstance(e.detail, str) else json.dumps(e.detail)
        rows.append((str(e.seq), e.at, e.action, e.version, what[:100]))
    print_rows("history", ("seq", "at", "action", "graph version", "what"), rows, head=4)
    if guidelines:
        print_rows("guideline versions", ("guideline", "version", "date", "active", "statements", "applied", "by",
                                          "sha256"),
                   [(g.name, g.version, g.extra.get("date", ""), "yes" if g.active else "no",
                     g.extra.get("statements", ""), g.extra.get("applied_at", ""), g.extra.get("applied_by", ""),
                     g.extra.get("sha256", "")[:12]) for g in guidelines], head=2)
    console.print("Restore a version with `medkg rollback VERSION`.")


def _json_or_text(text: str):
    import json

    try:
        return json.loads(text) if text else ""
    except ValueError:
        return text


@app.command("rollback")
def rollback_cmd(
    version: Annotated[str, typer.Argument(help="A graph version from `medkg history` (hash, prefix or seq number).")],
    home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
) -> None:
    """Restore the graph exactly as it was at VERSION (guideline graphs are (de)activated, nothing is deleted)."""
    from kg.update import rollback

    result = rollback(_home(home, config), version)
    if json_out:
        print_json({"version": result.hash, "label": result.label})
        return
    console.print(f"[bold green]graph is now[/] {result.hash} ({result.label})")


@app.command("why")
def why_cmd(
    subject: Annotated[str, typer.Argument(help="Subject id, e.g. RXNORM:723 (equivalent ids count).")],
    predicate: Annotated[str, typer.Argument(help="Predicate, e.g. treats (or '*' for any).")],
    object_: Annotated[str, typer.Argument(metavar="OBJECT", help="Object id, e.g. DOID:552.")],
    version: Annotated[Optional[str], typer.Option(help="Ask the graph as it was at this earlier version.")] = None,
    home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
) -> None:
    """Every source and guideline version that asserts SUBJECT PREDICATE OBJECT, with references."""
    from kg.update import why
    from kg.view import load_view
    from pipelines.inputs import check_id, require_known

    h = _home(home, config)
    ids = [check_id(subject), check_id(object_)]   # malformed ids fail before the graph loads
    if version is None:
        require_known(h, ids, "id")
    G = load_view(h, version=version)
    rows = why(G, subject, predicate, object_)
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print(f"no source or guideline in graph {G.graph.get('version')} asserts {subject} {predicate} {object_}")
        return
    print_rows(f"asserted by ({len(rows)})", ("source", "version", "kind", "edge", "strength / evidence",
                                               "references", "graph"),
               [(r["source"], r["source_version"], r["kind"], f"{r['subject']} {r['predicate']} {r['object']}",
                 "/".join(x for x in (r.get("strength", ""), r.get("evidence_level", "")) if x),
                 " ".join(r["references"][:4]), r["graph"]) for r in rows], head=3)
