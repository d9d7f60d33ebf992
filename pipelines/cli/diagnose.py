"""`medkg diagnose` and `medkg schema report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.errors import InputError
from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, console, err_console, print_json, settings_from
from pipelines.cli.deidentify import DeidentifyOpt, ShiftDatesOpt
from pipelines.inputs import read_note

schema_app = typer.Typer(help="Print JSON Schemas of medkg's outputs.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@app.command("diagnose")
def diagnose_cmd(
    notes: Annotated[Optional[list[str]], typer.Argument(metavar="NOTE", help="Note files (one report each), or - for stdin.")] = None,
    phenopacket: Annotated[Optional[Path], typer.Option(metavar="FILE", help="A GA4GH Phenopacket v2 JSON file.")] = None,
    hpo: Annotated[Optional[list[str]], typer.Option("--hpo", metavar="ID", help="A present phenotype id (repeatable), e.g. HP:0001166.")] = None,
    absent: Annotated[Optional[list[str]], typer.Option("--absent", metavar="ID", help="An explicitly absent phenotype id (repeatable).")] = None,
    top: Annotated[int, typer.Option("--top", metavar="N", help="How many diagnoses.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Print one report as JSON.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Print one JSON report per line (several inputs).")] = False,
    html: Annotated[Optional[Path], typer.Option("--html", metavar="FILE", help="Write a self-contained HTML report to this file.")] = None,
    no_literature: Annotated[bool, typer.Option("--no-literature", help="Skip the literature search.")] = False,
    ranker: Annotated[Optional[str], typer.Option(metavar="NAME", help="auto, lr, resnik or transformer.")] = None,
    deidentify: DeidentifyOpt = False,
    shift_dates: ShiftDatesOpt = False,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Rank diagnoses for a note (or phenopacket / HPO ids), with evidence paths, literature and treatments.

    With --deidentify each note is de-identified first; the report's findings quote the result."""
    from model.config import RANKERS
    from pipelines.inputs import check_finding_count, check_id, require_known

    # every check that can reject the input runs here, before the graph, extractor or ranker load
    settings = settings_from(home, config)
    limits = settings.input
    if json_out and jsonl:
        raise InputError("choose one of --json and --jsonl")
    if not 1 <= top <= 100:
        raise InputError(f"--top must be between 1 and 100, got {top}")
    if ranker is not None and ranker not in RANKERS:
        raise InputError(f"unknown ranker {ranker!r}; valid rankers: {', '.join(RANKERS)}")
    inputs: list[dict] = []
    for path in notes or []:
        inputs.append({"notes": [read_note(path, limits)]})
    if phenopacket is not None or hpo or absent:
        pp, n_features = None, 0
        if phenopacket is not None:
            try:
                pp = json.loads(Path(phenopacket).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise InputError(f"phenopacket file {phenopacket} does not exist") from None
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise InputError(f"phenopacket file {phenopacket} is not valid JSON: {err}") from None
            if not isinstance(pp, dict):
                raise InputError(f"phenopacket file {phenopacket} does not hold a JSON object (GA4GH Phenopacket v2)")
            features = pp.get("phenotypicFeatures")
            n_features = len(features) if isinstance(features, list) else 0
        check_finding_count(n_features + len(hpo or []) + len(absent or []), limits)
        ids = [check_id(i) for i in [*(hpo or []), *(absent or [])]]
        hpo_ids, absent_ids = ids[:len(hpo or [])], ids[len(hpo or []):]
        if ids:
            # a small look-up in the graph store (an ASK per id), not the whole graph
            missing = require_known(settings.home, ids, "id")
            for cid in missing:
                err_console.print(f"[yellow]warning[/]: {cid} is not in the graph; it will be ignored")
        inputs.append({"phenopacket": pp, "hpo": hpo_ids, "absent": absent_ids})
    if not inputs:
        raise InputError("nothing to diagnose: give note files, - for stdin, --phenopacket FILE or --hpo IDs")
    if json_out and len(inputs) > 1:
        raise InputError(f"--json prints one report but {len(inputs)} inputs were given; use --jsonl")

    deid_on, shift = settings.privacy.choose(deidentify, shift_dates)
    if deid_on:
        from kg.deid import deidentify_notes

        for inp in inputs:
            if inp.get("notes"):  # one input = one patient: one date shift for all its notes
                inp["notes"], _ = deidentify_notes(inp["notes"], shift_dates=shift)

    from pipelines.diagnose import diagnose
    from pipelines.workspace import Workspace

    ws = Workspace(settings, ranker=ranker)
    reports = [diagnose(ws, top_k=top, with_literature=not no_literature, **inp) for inp in inputs]
    if json_out or jsonl or html is not None:   # the terminal report prints them itself
        for r in reports:
            for warning in r.warnings:
                err_console.print(f"[bold yellow]warning:[/] {warning}")
    if html is not None:
        from pipelines.html import render_report_html

        html.write_text("\n".join(render_report_html(r) for r in reports[:1]), encoding="utf-8")
        if len(reports) > 1:
            for i, r in enumerate(reports[1:], start=2):
                html.with_name(f"{html.stem}-{i}{html.suffix}").write_text(render_report_html(r), encoding="utf-8")
    if json_out:
        sys.stdout.write(reports[0].model_dump_json(indent=2) + "\n")
    elif jsonl:
        for r in reports:
            sys.stdout.write(r.model_dump_json() + "\n")
    elif html is None:
        from pipelines.render import render_report

        for r in reports:
            render_report(r, console)
    else:
        console.print(f"wrote {html}")


@schema_app.command("report")
def schema_report() -> None:
    """The JSON Schema of the diagnosis report (the one model every output uses)."""
    from pipelines.report import DiagnosisReport

    print_json(DiagnosisReport.model_json_schema())
