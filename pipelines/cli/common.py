"""What every ``medkg`` subcommand shares: --home/--config options, settings, console, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional, Sequence

import typer
from rich.console import Console

from pipelines.config import Settings, load_settings

__all__ = ["HomeOpt", "ConfigOpt", "JsonOpt", "settings_from", "console", "err_console", "print_json", "print_rows"]

console = Console()
err_console = Console(stderr=True)

HomeOpt = Annotated[
    Optional[Path],
    typer.Option("--home", metavar="DIR", help="MEDKG_HOME directory (graph, sources, literature, models).", envvar="MEDKG_HOME", show_default=False),
]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", metavar="FILE", help="A medkg.toml with settings that override the home's.", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


def settings_from(home: Optional[Path], config: Optional[Path]) -> Settings:
    """Resolve settings from the common options (and MEDKG_* environment variables)."""
    return load_settings(home=home, config_file=config)


def print_json(data: Any) -> None:
    """Write JSON to stdout (no rich markup, so scripts can parse it)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_rows(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *, head: int = 1,
               caption: str = "", out: Console | None = None) -> None:
    """A table when it fits the terminal, else one block per row that wraps (readable at 80 columns).

    In the block layout the first ``head`` columns make the row's first line and the others follow,
    indented, as ``column: value``; empty values are left out. ``--json`` always has every field.
    """
    from rich.measure import Measurement
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    out = out or console
    table = Table(*headers, title=title, title_justify="left", caption=caption or None)
    for row in rows:
        table.add_row(*row)
    if Measurement.get(out, out.options.update_width(10_000), table).maximum <= out.width:
        out.print(table)
        return
    out.print(Text(title, style="bold"))
    for row in rows:
        out.print(Padding(Text("  ".join(str(x) for x in row[:head] if x)), (0, 0, 0, 2)))
        rest = "; ".join(f"{h}: {v}" for h, v in zip(headers[head:], row[head:]) if str(v).strip())
        if rest:
            out.print(Padding(Text(rest, style="dim"), (0, 0, 0, 6)))
    if caption:
        out.print(Text(caption, style="dim"))
