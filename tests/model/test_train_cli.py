"""tests for pipelines/cli/train.py through typer.testing.CliRunner (load_view monkeypatched)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipelines.cli import app
from tests.model.conftest import tiny_graph


def test_train_command(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDKG_HOME", raising=False)
    monkeypatch.setattr("kg.view.load_view", lambda home, *a, **k: tiny_graph())
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["train", "--profile", "tiny", "--epochs", "1", "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["train_cases"] > 0 and info["epochs"] == 1
    folder = home / "models" / "graph-transformer"
    assert (folder / "config.json").exists() and (folder / "model.safetensors").exists()
    from model.ranker import load_ranker

    r = load_ranker(tiny_graph(), home / "models", "auto")
    assert r.name == "graph-transformer"


def test_train_command_bad_profile(tmp_path, monkeypatch):
    monkeypatch.setattr("kg.view.load_view", lambda home, *a, **k: tiny_graph())
    result = CliRunner().invoke(app, ["train", "--profile", "huge", "--home", str(tmp_path)])
    assert result.exit_code != 0
    assert "valid profiles" in str(result.exception)


def test_help():
    result = CliRunner().invoke(app, ["train", "--help"])
    assert result.exit_code == 0 and "--profile" in result.output
