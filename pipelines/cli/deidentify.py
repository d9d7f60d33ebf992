"""`medkg deidentify FILE|-`: the note with its PHI replaced by typed placeholders (a thin wrapper over kg.deid)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, print_json, settings_from

__all__ = ["deidentify_cmd", "ShiftDatesOpt", "DeidentifyOpt"]

DeidentifyOpt = Annotated[bool, typer.Option(
    "--deidentify", help="Replace PHI (names, dates, ids, contacts, places, ages over 89) before extraction; "
                         "findings then refer to the de-identified text. Also on with \\[privacy] deidentify.")]
ShiftDatesOpt = Annotated[bool, typer.Option(
    "--shift-dates", help="Shift dates by one random offset per input (never stored) instead of [DATE]; "
                          "implies de-identification. Also on with \\[privacy] shift_dates.")]


@app.command("deidentify")
def deidentify_cmd(
    file: Annotated[str, typer.Argument(help="A clinical note (UTF-8 text file), or - to read standard input.")],
    json_out: JsonOpt = False,
    shift_dates: ShiftDatesOpt = False,
    home: HomeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print the note with PHI replaced by [NAME], [DATE], [ID], [PHONE], [EMAIL], [ADDRESS], [INSTITUTION],
    [URL], [IP]; ages over 89 become "≥90"/"90 or older". --json gives the spans with their types
    (offsets in both texts, never the PHI itself)."""
    from kg.deid import default_deidentifier
    from pipelines.inputs import read_note

    settings = settings_from(home, config)
    _, shift = settings.privacy.choose(True, shift_dates)
    _, text = read_note(file, settings.input)
    result = default_deidentifier().deidentify_many([text], shift_dates=shift)[0]
    if json_out:
        print_json(result.to_dict())
    else:
        sys.stdout.write(result.text if result.text.endswith("\n") else result.text + "\n")
