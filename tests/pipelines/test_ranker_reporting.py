"""The ranker that `medkg info` announces is the one that ranks, and the report names the model's graph.

Issue 17: `info` said "the likelihood-ratio baseline ranks" while `diagnose` used the shipped
Transformer, and the report's `model_graph_version` always showed the current graph.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from model.choice import choose_ranker
from pipelines.cli import app
from tests.pipelines.conftest import build_tiny_home


def _train_tiny(G, folder, graph_version: str) -> None:
    """A tiny model trained on a copy of G that carries another graph version."""
    from model.train import TrainConfig, train

    other = G.copy()
    other.graph["version"] = graph_version
    train(other, folder, TrainConfig.profile("tiny", epochs=1))


def test_report_names_the_graph_the_model_was_trained_on(tmp_path):
    from pipelines.diagnose import diagnose
    from pipelines.workspace import Workspace

    home = build_tiny_home(tmp_path / "home", literature=False)
    ws = Workspace.open(home=home.root)
    _train_tiny(ws.graph, home.models / "graph-transformer", "0ther0graph0")
    report = diagnose(ws, hpo=["HP:0001166", "HP:0000098"], with_literature=False)
    assert report.ranker.startswith("graph-transformer")
    assert report.versions.model_graph_version == "0ther0graph0"
    assert report.versions.graph == ws.graph.graph["version"] != "0ther0graph0"
    from rich.console import Console

    from pipelines.render import render_report

    console = Console(width=120, record=True)
    render_report(report, console)
    assert "(trained on graph 0ther0graph0)" in console.export_text()


def test_baseline_reports_the_graph_it_ranks_on(tmp_path):
    from pipelines.diagnose import diagnose
    from pipelines.workspace import Workspace

    home = build_tiny_home(tmp_path / "home", literature=False)
    ws = Workspace.open(home=home.root, ranker="lr")
    report = diagnose(ws, hpo=["HP:0001166"], with_literature=False)
    assert report.ranker.startswith("likelihood-ratio")
    assert report.versions.model_graph_version == report.versions.graph


def test_info_names_the_ranker_diagnose_uses(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDKG_HOME", raising=False)
    home = build_tiny_home(tmp_path / "home", literature=False)
    runner = CliRunner()
    before = json.loads(runner.invoke(app, ["info", "--home", str(home.root), "--json"]).output)
    assert before["ranker"]["name"] == "likelihood-ratio"
    assert before["ranker"]["origin"] == "baseline"

    from pipelines.workspace import Workspace

    ws = Workspace.open(home=home.root)
    _train_tiny(ws.graph, home.models / "graph-transformer", ws.graph.graph["version"])
    result = runner.invoke(app, ["info", "--home", str(home.root), "--json"])
    after = json.loads(result.output)
    assert after["ranker"]["name"] == "graph-transformer" and after["ranker"]["origin"] == "home"
    assert Workspace.open(home=home.root).ranker.name == after["ranker"]["name"]
    text = runner.invoke(app, ["info", "--home", str(home.root)]).output
    assert "ranker: graph-transformer (model in" in text
    assert "likelihood-ratio baseline ranks" not in text


def test_shipped_model_is_chosen_only_for_its_own_graph(tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "config.json").write_text(json.dumps({"graph_version": "fe6257eb8783"}))
    models = tmp_path / "models"
    same = choose_ranker("fe6257eb8783", models, "auto", shipped=shipped)
    assert (same.name, same.origin, same.trained_graph_version) == ("graph-transformer", "shipped", "fe6257eb8783")
    assert "shipped model, trained on graph fe6257eb8783" in same.describe()
    other = choose_ranker("2dc7ce1bb810", models, "auto", shipped=shipped)
    assert (other.name, other.origin) == ("likelihood-ratio", "baseline")
    assert "no shipped model for graph 2dc7ce1bb810" in other.describe()
