"""What every ``medkg`` subcommand shares: --home/--config options, settings, console, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional, Sequence

import typer
from rich.console import Console

from pipelines.config import Settings, load_settings

__all__ = ["HomeOpt", "ConfigOpt", "JsonOpt", "StoreOpt", "settings_from", "console", "err_console", "print_json",
           "print_rows", "add_store_option"]

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
StoreOpt = Annotated[
    Optional[str],
    typer.Option("--store", help="Keep the graph on this SPARQL server (http://HOST:PORT) instead of the home's "
                                 "folder (\\[graph] store, MEDKG_GRAPH_STORE).", show_default=False),
]
STORE_ENV = "MEDKG_GRAPH_STORE"


def _with_store_option(callback):
    """``callback`` with a ``--store`` option: for the call it sets MEDKG_GRAPH_STORE, which
    ``load_settings`` reads like any ``[graph] store`` setting (and restores it afterwards)."""
    import functools
    import inspect
    import os

    sig = inspect.signature(callback, eval_str=True)   # the modules use `from __future__ import annotations`
    if "home" not in sig.parameters or "store" in sig.parameters:
        return callback

    @functools.wraps(callback)
    def wrapper(*args, store: Optional[str] = None, **kwargs):
        if store is None:
            return callback(*args, **kwargs)
        before = os.environ.get(STORE_ENV)
        os.environ[STORE_ENV] = store
        try:
            return callback(*args, **kwargs)
        finally:
            if before is None:
                os.environ.pop(STORE_ENV, None)
            else:
                os.environ[STORE_ENV] = before

    params = list(sig.parameters.values())
    params.append(inspect.Parameter("store", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=StoreOpt))
    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__   # typing.get_type_hints would read the original's annotations
    return wrapper


def add_store_option(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its sub-apps) that takes ``--home`` a ``--store`` option."""
    for command in app.registered_commands:
        command.callback = _with_store_option(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            add_store_option(group.typer_instance)


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
