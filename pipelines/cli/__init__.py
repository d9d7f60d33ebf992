"""The ``medkg`` command line: one Typer app, one module per command group.

Each command is a thin wrapper over a library function. A :class:`kg.errors.MedkgError`
becomes one line on stderr and exit code 2, never a stack trace.
"""

from __future__ import annotations

import importlib
import sys

from typing import Annotated

import typer

from kg.errors import MedkgError

__all__ = ["app", "main", "package_version"]

app = typer.Typer(
    name="medkg",
    help="Knowledge-graph-augmented clinical reasoning: differential diagnosis with evidence paths.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)



def package_version() -> str:
    """medkg's installed version (``pyproject.toml``), e.g. ``0.1.0``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("medkg")
    except PackageNotFoundError:   # running from a checkout that is not installed
        return "unknown (not installed)"


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"medkg {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print medkg's version and exit.", is_eager=True,
                                          callback=_version_callback)] = False,
) -> None:
    """Knowledge-graph-augmented clinical reasoning: differential diagnosis with evidence paths.

    Every command takes --home DIR (default $MEDKG_HOME) and --config FILE. Commands that can
    reject their input (an empty or binary note, a malformed id) do so before loading anything.
    """


# Each module registers its commands on `app` when imported.
COMMAND_MODULES = (
    "graph",       # build, sources, info, graph stats, sparql, concepts, concept
    "extract",     # extract
    "deidentify",  # deidentify
    "literature",  # literature add/stats/remove, search
    "diagnose",    # diagnose, schema
    "train",       # train
    "update",      # update, history, rollback, why
    "serve",       # serve
    "batch",       # batch diagnose/extract
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"pipelines.cli.{_name}")

from pipelines.cli.common import add_store_option  # noqa: E402

add_store_option(app)   # `--store URL` on every command that takes --home


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
