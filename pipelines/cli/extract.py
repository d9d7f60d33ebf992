"""`medkg extract FILE|-`: the concepts a note mentions, with assertions (a thin wrapper over kg.extract)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, console, print_json, settings_from
from pipelines.cli.deidentify import DeidentifyOpt, ShiftDatesOpt
from pipelines.inputs import read_note

__all__ = ["extract", "extractor_for_home"]


def extractor_for_home(home):
    """An extractor over the terms of the home's graph, its matcher cached under ``graph/extractor``."""
    from kg.extract import build_extractor
    from kg.terms import terms_from_graph

    view = importlib.import_module("kg.view")  # written alongside; imported late so tests can patch it
    G = view.load_view(home)
    return build_extractor(terms_from_graph(G), cache_dir=Path(home.graph) / "extractor")


@app.command("extract")
def extract(
    file: Annotated[str, typer.Argument(help="A clinical note (UTF-8 text file), or - to read standard input.")],
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
    deidentify: DeidentifyOpt = False,
    shift_dates: ShiftDatesOpt = False,
) -> None:
    """Find graph concepts in a note: findings with negation, uncertainty, time, experiencer and section.

    With --deidentify the extractor reads the de-identified note; --json adds it as "deidentified"."""
    settings = settings_from(home, config)
    _, data = read_note(file, settings.input)   # checked text: empty/binary/over-size notes fail before anything loads
    deid_on, shift = settings.privacy.choose(deidentify, shift_dates)
    deid = None
    if deid_on:
        from kg.deid import default_deidentifier

        deid = default_deidentifier().deidentify_many([data], shift_dates=shift)[0]
        data = deid.text
    extractor = extractor_for_home(settings.home)
    result = extractor.extract(data)
    if json_out:
        out = result.to_dict()
        if deid is not None:
            out["deidentified"] = deid.to_dict()
        print_json(out)
        return
    ctx = result.context
    console.print(f"patient: age {ctx.age_years if ctx.age_years is not None else '?'}, sex {ctx.sex or '?'}"
                  f"; {len(result.findings)} findings in {len(result.sections)} sections")
    table = Table("concept", "label", "text", "assertion", "trigger", "section")
    for f in result.findings:
        text = f.text if not f.value else f"{f.text} ({f.threshold})"
        table.add_row(f.concept_id, f.label, text, f.assertion, f.trigger, f.section)
    console.print(table)
