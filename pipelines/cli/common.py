"""What every ``medkg`` subcommand shares: --home/--config options, settings, console, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from pipelines.config import Settings, load_settings

__all__ = ["HomeOpt", "ConfigOpt", "JsonOpt", "settings_from", "console", "err_console", "print_json"]

console = Console()
err_console = Console(stderr=True)

HomeOpt = Annotated[
    Optional[Path],
    typer.Option("--home", help="MEDKG_HOME directory (graph, sources, literature, models).", envvar="MEDKG_HOME", show_default=False),
]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", help="A medkg.toml with settings that override the home's.", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


def settings_from(home: Optional[Path], config: Optional[Path]) -> Settings:
    """Resolve settings from the common options (and MEDKG_* environment variables)."""
    return load_settings(home=home, config_file=config)


def print_json(data: Any) -> None:
    """Write JSON to stdout (no rich markup, so scripts can parse it)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
