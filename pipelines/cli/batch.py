"""`medkg batch diagnose|extract INPUT --out FILE [--ray local|ADDRESS] [--workers N]`:
thin wrappers over :func:`pipelines.batch.run_batch`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, err_console, print_json, settings_from
from pipelines.cli.deidentify import DeidentifyOpt, ShiftDatesOpt

__all__ = ["batch_app", "batch_diagnose", "batch_extract"]

batch_app = typer.Typer(
    help="Run diagnose or extract over many inputs, in this process or on Ray workers (resumable).",
    no_args_is_help=True,
)
app.add_typer(batch_app, name="batch")

InputArg = Annotated[Path, typer.Argument(
    help="A folder of .txt notes (file name = id) or a JSONL file, one {\"id\": ..., \"note\": ...} object a line.",
    show_default=False)]
OutOpt = Annotated[Path, typer.Option("--out", help="The JSONL output; ids already in it are skipped (resume).",
                                      show_default=False)]
RayOpt = Annotated[Optional[str], typer.Option(
    "--ray", help="Run on Ray: 'local' starts a local Ray; an address (ray://HOST:10001, HOST:6379) joins a cluster. "
                  "Without it the batch runs in this process.", show_default=False)]
WorkersOpt = Annotated[Optional[int], typer.Option(
    "--workers", help="Ray actors, each loading the workspace once (default: the cluster's CPUs).", show_default=False)]
ChunkOpt = Annotated[int, typer.Option("--chunk-size", help="Inputs sent to a worker at a time.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="No progress bar.")]


def _summary(result, out: Path, json_out: bool) -> None:
    if json_out:
        print_json({**result.to_dict(), "out": str(out)})
        return
    err_console.print(
        f"batch {result.task}: wrote {result.written} lines ({result.errors} errors), skipped {result.skipped} "
        f"already in {out}; {result.engine}, {result.workers} worker(s), {result.seconds:.1f} s")


@batch_app.command("diagnose")
def batch_diagnose(
    input: InputArg,
    out: OutOpt,
    ray: RayOpt = None,
    workers: WorkersOpt = None,
    top: Annotated[int, typer.Option("--top", help="How many diagnoses (a JSONL line's top_k wins).")] = 10,
    no_literature: Annotated[bool, typer.Option("--no-literature", help="Skip the literature search.")] = False,
    ranker: Annotated[Optional[str], typer.Option(help="auto, lr, resnik or transformer.")] = None,
    chunk_size: ChunkOpt = 8,
    quiet: QuietOpt = False,
    deidentify: DeidentifyOpt = False,
    shift_dates: ShiftDatesOpt = False,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One report line per input, each with its id: the same JSON as `medkg diagnose --jsonl`.

    With --deidentify (or a line's "deidentify": true, or [privacy] deidentify) each note is
    de-identified first, as `medkg diagnose --deidentify` does."""
    from pipelines.batch import run_batch

    result = run_batch("diagnose", input, out, settings_from(home, config), ray=ray, workers=workers, ranker=ranker,
                       top_k=top, with_literature=not no_literature, chunk_size=chunk_size,
                       show_progress=not (quiet or json_out), deidentify=deidentify, shift_dates=shift_dates)
    _summary(result, out, json_out)


@batch_app.command("extract")
def batch_extract(
    input: InputArg,
    out: OutOpt,
    ray: RayOpt = None,
    workers: WorkersOpt = None,
    chunk_size: ChunkOpt = 32,
    quiet: QuietOpt = False,
    deidentify: DeidentifyOpt = False,
    shift_dates: ShiftDatesOpt = False,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One extraction line per note, each with its id: the same JSON as `medkg extract --json`
    (with --deidentify, `medkg extract --json --deidentify`)."""
    from pipelines.batch import run_batch

    result = run_batch("extract", input, out, settings_from(home, config), ray=ray, workers=workers,
                       chunk_size=chunk_size, show_progress=not (quiet or json_out), deidentify=deidentify,
                       shift_dates=shift_dates)
    _summary(result, out, json_out)
