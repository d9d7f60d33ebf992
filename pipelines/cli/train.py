"""`medkg train`: a thin wrapper over :func:`model.train.train` (see pipelines/cli/__init__.py)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, console, print_json, settings_from

__all__ = ["train_command"]


@app.command("train")
def train_command(
    profile: Annotated[Optional[str], typer.Option(
        "--profile", help="Training profile: default (~2 min on 2 cores), quick (~1 min) or tiny (tests). "
                          "Default: [model] train_profile.")] = None,
    epochs: Annotated[Optional[int], typer.Option("--epochs", help="Override the profile's number of epochs.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: [model] seed).")] = None,
    no_graph_bias: Annotated[bool, typer.Option("--no-graph-bias", help="Train the ablation without graph attention bias.")] = False,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Train the graph Transformer ranker on patients simulated from the graph; saves to MEDKG_HOME/models/graph-transformer."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kg.view import load_view
    from model.train import TrainConfig, train

    settings = settings_from(home, config)
    mc = settings.model
    over = {"candidates": mc.candidates, "default_frequency": mc.default_frequency,
            "seed": mc.seed if seed is None else seed}
    if no_graph_bias:
        over["graph_bias"] = False
    if epochs is not None:
        over["epochs"] = epochs
    cfg = TrainConfig.profile(profile or mc.train_profile, **over)
    G = load_view(settings.home)
    out = settings.home.models / "graph-transformer"
    with Progress(TextColumn("{task.description:<40}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, disable=json_out) as progress:
        task = progress.add_task("training", total=None)

        def report(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        result = train(G, out, cfg, progress=report, cache_dir=settings.home.models / "cache")
    info = {"folder": str(result.folder), "train_cases": result.train_cases, "val_cases": result.val_cases,
            "val_top1": result.val_top1, "val_top1_lr": result.val_top1_lr, "temperature": result.temperature,
            "seconds": round(result.seconds, 1), "peak_rss_mb": round(result.peak_rss_mb, 1), "epochs": result.epochs_run}
    if json_out:
        print_json(info)
        return
    console.print(f"trained the graph Transformer on {result.train_cases} simulated patients in {result.seconds:.0f} s "
                  f"(val top-1 {result.val_top1:.3f}, LR {result.val_top1_lr:.3f}; temperature {result.temperature:.2f}); "
                  f"saved to {result.folder}")
