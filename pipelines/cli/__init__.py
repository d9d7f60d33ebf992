"""The ``medkg`` command line: one Typer app, one module per command group.

Each command is a thin wrapper over a library function. A :class:`kg.errors.MedkgError`
becomes one line on stderr and exit code 2, never a stack trace.
"""

from __future__ import annotations

import importlib
import sys

import typer

from kg.errors import MedkgError

__all__ = ["app", "main"]

app = typer.Typer(
    name="medkg",
    help="Knowledge-graph-augmented clinical reasoning: differential diagnosis with evidence paths.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its commands on `app` when imported.
COMMAND_MODULES = (
    "graph",       # build, sources, info, graph stats, sparql, concepts, concept
    "extract",     # extract
    "literature",  # literature add/stats/remove, search
    "diagnose",    # diagnose, schema
    "train",       # train
    "update",      # update, history, rollback, why
    "serve",       # serve
    "batch",       # batch diagnose/extract
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"pipelines.cli.{_name}")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except MedkgError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
