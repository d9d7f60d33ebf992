"""`medkg build`, `sources list|fetch`, `info`, `graph stats|export`, `sparql`, `concepts`, `concept`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from kg.config import GraphConfig
from kg.errors import GraphNotBuilt, InputError, MedkgError
from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, console, print_json, settings_from

sources_app = typer.Typer(help="List and fetch the knowledge-graph sources.", no_args_is_help=True)
graph_app = typer.Typer(help="Inspect and export the graph.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(graph_app, name="graph")


def _progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<32}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=console)


@app.command("build")
def build_cmd(
    home: HomeOpt = None,
    config: ConfigOpt = None,
    sources: Annotated[Optional[str], typer.Option(help="Comma-separated sources to build (default: hpo + every optional source whose files are present).")] = None,
    mirror: Annotated[Optional[Path], typer.Option(help="A local folder laid out like the public origin, e.g. ../shared/data/kg-sources.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Build the graph store from the sources (atomic: a failed build keeps the previous graph)."""
    from kg.build import build_graph

    settings = settings_from(home, config)
    cfg = settings.graph
    if sources:
        cfg = GraphConfig(sources=tuple(s.strip() for s in sources.split(",") if s.strip()), mirror=cfg.mirror,
                          view_cache=cfg.view_cache)
    if mirror:
        cfg = GraphConfig(sources=cfg.sources, mirror=str(mirror), view_cache=cfg.view_cache)
    with _progress() as progress:
        task = progress.add_task("building graph", total=None)

        def report(desc: str, done: int, total: int) -> None:
            progress.update(task, description=desc, completed=done, total=total)

        result = build_graph(settings.home, cfg, progress=report)
    if json_out:
        print_json({"version": result.version.hash, "label": result.version.label, "seconds": round(result.seconds, 1),
                    "store": result.store or str(result.store_path), "stats": result.stats, "skipped": result.skipped})
        return
    where = f" on {result.store}" if result.store else ""
    console.print(f"[bold green]built[/] graph {result.version.hash}{where} in {result.seconds:.1f} s: {result.version.label}")
    if result.skipped:
        console.print(f"[dim]optional sources not built (files not found): {', '.join(result.skipped)}. "
                      f"Add them with `medkg sources fetch [--mirror DIR]` then `medkg build`; "
                      f"`medkg sources list` shows what each holds.[/]")
    console.print("Next: `medkg diagnose NOTE.txt` or `medkg graph stats`.")


@sources_app.command("list")
def sources_list(home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """List the registered sources, their licences and whether their files are present."""
    from kg.sources.registry import list_sources, resolve_files

    settings = settings_from(home, config)
    roots = [settings.home.sources] + ([Path(settings.graph.mirror)] if settings.graph.mirror else [])
    rows = []
    for spec in list_sources():
        found = resolve_files(spec, roots)
        rows.append({"name": spec.name, "title": spec.title, "present": found is not None,
                     "packaged": spec.packaged, "license": spec.license, "citation": spec.citation,
                     "files": [f.relpath for f in spec.files], "homepage": spec.homepage})
    if json_out:
        print_json(rows)
        return
    table = Table("source", "present", "licence", "title")
    for r in rows:
        table.add_row(r["name"], "yes (packaged)" if r["packaged"] else ("yes" if r["present"] else "no"),
                      r["license"][:60], r["title"])
    console.print(table)


@sources_app.command("fetch")
def sources_fetch(
    names: Annotated[Optional[list[str]], typer.Argument(help="Sources to fetch (default: all optional sources).")] = None,
    mirror: Annotated[Optional[Path], typer.Option(help="Copy from this local folder instead of downloading.")] = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Download sources from their public origin, or copy them from a local mirror."""
    from kg.sources.registry import fetch_source, get_source, list_sources

    settings = settings_from(home, config)
    settings.home.ensure()
    specs = [get_source(n) for n in names] if names else [s for s in list_sources() if not s.packaged]
    for spec in specs:
        if spec.packaged:
            console.print(f"{spec.name}: ships inside a Python package, nothing to fetch")
            continue
        written = fetch_source(spec, settings.home.sources, mirror=mirror)
        console.print(f"{spec.name}: {len(written)} file(s) -> {settings.home.sources}")
    console.print("Next: `medkg build` to rebuild the graph with them.")


def _load(settings):
    from kg.view import load_view

    return load_view(settings.home)


@app.command("info")
def info_cmd(home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """What is built in this home: graph version, sources with licences and citations, models, literature."""
    from kg.store import open_store

    settings = settings_from(home, config)
    out: dict = {"home": str(settings.home.root), "graph": None}
    try:
        store = open_store(settings.home, read_only=True)
    except GraphNotBuilt as err:
        out["graph"] = None
        out["hint"] = str(err)
    else:
        try:
            version = store.version()
            out["graph"] = {"version": version.hash, "label": version.label, "store": store.location,
                            "graphs": [{"name": g.name, "kind": g.kind, "version": g.version, "active": g.active,
                                        "quads": g.quads, "license": g.license, "citation": g.citation}
                                       for g in store.graphs()]}
        finally:
            store.close()
    models = settings.home.models
    out["models"] = sorted(p.name for p in models.iterdir() if p.is_dir()) if models.exists() else []
    if out["graph"] is not None:
        from model.choice import choose_ranker

        # the same decision load_ranker makes for `diagnose`, from the model folders' config.json alone
        try:
            out["ranker"] = choose_ranker(out["graph"]["version"], models, settings.model.ranker).to_dict()
        except MedkgError as err:
            out["ranker"] = {"name": "", "description": f"none: {err}"}
    out["literature"] = sorted(p.name for p in settings.home.literature.iterdir()) if settings.home.literature.exists() else []
    if json_out:
        print_json(out)
        return
    console.print(f"home: {out['home']}")
    if out["graph"] is None:
        console.print(f"[yellow]{out.get('hint')}[/]")
        return
    console.print(f"graph version: [bold]{out['graph']['version']}[/] ({out['graph']['label']})")
    table = Table("graph", "kind", "version", "active", "quads", "licence / citation")
    for g in out["graph"]["graphs"]:
        table.add_row(g["name"], g["kind"], g["version"], "yes" if g["active"] else "no", f"{g['quads']:,}",
                      (g["license"] + ("\n" + g["citation"] if g["citation"] else ""))[:200])
    console.print(table)
    console.print(f"models in this home: {', '.join(out['models']) or 'none'}")
    console.print(f"ranker: [bold]{out['ranker']['description']}[/]")


@graph_app.command("stats")
def graph_stats_cmd(home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Counts of nodes by category and edges by predicate and source."""
    from kg.stats import graph_stats

    stats = graph_stats(_load(settings_from(home, config)))
    if json_out:
        print_json(stats)
        return
    console.print(f"graph {stats['version']}: {stats['nodes']:,} nodes, {stats['edges']:,} edges ({stats['version_label']})")
    for title, key in (("category", "nodes_by_category"), ("predicate", "edges_by_predicate"),
                       ("source predicate", "edges_by_source_and_predicate")):
        table = Table(title, "count")
        for k, v in stats[key].items():
            table.add_row(k, f"{v:,}")
        console.print(table)


@graph_app.command("export")
def graph_export_cmd(
    out: Annotated[Path, typer.Argument(help="Output file: .trig or .nq")],
    home: HomeOpt = None, config: ConfigOpt = None,
) -> None:
    """Export the active graphs (with provenance and meta) as TriG or N-Quads."""
    from kg.store import open_store

    settings = settings_from(home, config)
    store = open_store(settings.home, read_only=True)
    try:
        n = store.export(out)
    finally:
        store.close()
    console.print(f"wrote {n:,} quads to {out}")


def _read_arg(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.exists():
            raise InputError(f"query file {path} does not exist")
        return path.read_text(encoding="utf-8")
    return text


@app.command("sparql")
def sparql_cmd(
    query: Annotated[str, typer.Argument(help="A SPARQL query, @FILE, or - for stdin (read-only).")],
    home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 1000,
    version: Annotated[Optional[str], typer.Option(help="Query the graph as it was at this earlier version.")] = None,
) -> None:
    """Run a read-only SPARQL query over the active graphs (each source is also a named graph)."""
    from kg.sparql import run_sparql
    from kg.store import open_store

    settings = settings_from(home, config)
    store = open_store(settings.home, read_only=True)   # on a server, the query runs there (after the guard)
    try:
        graphs = None
        if version:
            entries = [e for e in store.history() if e.version.startswith(version)]
            if not entries:
                raise InputError(f"graph version {version!r} is not in the history (see `medkg history`)")
            graphs = list(entries[-1].active_graphs)
        result = run_sparql(store, _read_arg(query), limit=limit, graphs=graphs,
                            service_allowlist=settings.graph.service_allowlist)
    finally:
        store.close()
    if json_out:
        print_json(result)
        return
    if result["kind"] == "ask":
        console.print(str(result["boolean"]).lower())
        return
    table = Table(*result["variables"])
    for row in result["rows"]:
        table.add_row(*[str(row.get(v, "")) for v in result["variables"]])
    console.print(table)
    if result["truncated"]:
        console.print(f"[dim](first {limit} rows; use --limit)[/]")


@app.command("concepts")
def concepts_cmd(
    query: Annotated[str, typer.Argument(help="Words of a label or synonym, e.g. 'short stature'.")],
    home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="At most this many concepts.")] = 20,
    category: Annotated[Optional[str], typer.Option(help="Only this category, e.g. Disease, PhenotypicFeature, Drug.")] = None,
) -> None:
    """Find concepts by label or synonym."""
    if not query.strip():   # before the graph loads
        raise InputError("concept query is empty; give words of a label or synonym, e.g. 'short stature'")
    if limit < 1:
        raise InputError(f"--limit must be at least 1, got {limit}")
    from kg.lookup import ConceptIndex

    hits = ConceptIndex(_load(settings_from(home, config))).search(query, limit=limit, category=category)
    if json_out:
        print_json([h.__dict__ for h in hits])
        return
    table = Table("id", "label", "category", "matched")
    for h in hits:
        table.add_row(h.concept_id, h.label, h.category, h.matched)
    console.print(table)


@app.command("concept")
def concept_cmd(
    concept_id: Annotated[str, typer.Argument(help="A CURIE, e.g. HP:0001945 or OMIM:154700 (equivalent ids resolve).")],
    home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False,
    limit: Annotated[int, typer.Option(help="Show at most this many edges each way.")] = 50,
) -> None:
    """One node with its attributes and edges (with provenance)."""
    from pipelines.inputs import check_id, require_known

    settings = settings_from(home, config)
    require_known(settings.home, [check_id(concept_id)], "concept")   # before the graph loads
    from kg.ids import equivalents, resolve

    G = _load(settings)
    node = resolve(G, concept_id)
    data = dict(G.nodes[node])
    out_edges = [{"predicate": d["predicate"], "object": v, "object_label": G.nodes[v].get("label", ""),
                  "source": d.get("source"), "references": list(d.get("references", ()))}
                 for _, v, d in list(G.out_edges(node, data=True))[:limit]]
    in_edges = [{"subject": u, "subject_label": G.nodes[u].get("label", ""), "predicate": d["predicate"],
                 "source": d.get("source"), "references": list(d.get("references", ()))}
                for u, _, d in list(G.in_edges(node, data=True))[:limit]]
    out = {"id": node, "requested": concept_id, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in data.items()},
           "equivalents": sorted(equivalents(G, node) - {node}), "out_edges": out_edges, "in_edges": in_edges,
           "out_degree": G.out_degree(node), "in_degree": G.in_degree(node)}
    if json_out:
        print_json(out)
        return
    console.print(f"[bold]{node}[/] {data.get('label', '')} ({data.get('category', '')}, from {data.get('source', '?')})")
    if node != concept_id:
        console.print(f"[dim]{concept_id} resolves to {node}[/]")
    for key in ("synonyms", "lay_synonyms", "definition", "equivalents"):
        if out.get(key):
            console.print(f"{key}: {out[key] if isinstance(out[key], str) else ', '.join(out[key])}")
    table = Table("edge", "other", "source", "references")
    for e in out_edges:
        table.add_row(f"-{e['predicate']}->", f"{e['object']} {e['object_label']}", e["source"] or "", " ".join(e["references"][:4]))
    for e in in_edges:
        table.add_row(f"<-{e['predicate']}-", f"{e['subject']} {e['subject_label']}", e["source"] or "", " ".join(e["references"][:4]))
    console.print(table)
    console.print(f"[dim]{out['out_degree']} outgoing, {out['in_degree']} incoming edges (showing up to {limit} each)[/]")
