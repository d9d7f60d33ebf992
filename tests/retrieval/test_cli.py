"""tests for pipelines/cli/literature.py through typer.testing.CliRunner (hashing encoder via env)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDKG_RETRIEVAL_ENCODER", "hashing-64")
    monkeypatch.delenv("MEDKG_HOME", raising=False)
    runner = CliRunner()
    home = tmp_path / "home"

    def invoke(*args):
        return runner.invoke(app, [*args, "--home", str(home)])

    return invoke


def test_search_on_empty_home_says_how_to_add(run):
    result = run("search", "fever")
    assert result.exit_code == 0, result.output
    assert "no literature indexed; run `medkg literature add" in result.output
    result = run("search", "fever", "--json")
    assert json.loads(result.output)["hits"] == []


def test_add_stats_search_remove(run, fixtures):
    result = run("literature", "add", str(fixtures / "pubmed_sample.xml"), str(fixtures / "pubmedqa_sample.json"))
    assert result.exit_code == 0, result.output
    assert "added 4" in result.output

    stats = json.loads(run("literature", "stats", "--json").output)
    assert stats["documents"] == 4 and stats["by_id_type"] == {"pmid": 4} and stats["model"] == "hashing-64"
    assert "index_version" in run("literature", "stats").output

    result = run("search", "colchicine fever attacks", "--k", "2", "--json", "--mode", "bm25")
    data = json.loads(result.output)
    assert data["hits"][0]["curie"] == "PMID:33333333" and len(data["hits"]) == 2
    assert data["index_version"] == stats["index_version"]
    assert "PMID:11111111" in run("search", "aortic root dilatation").output

    result = run("literature", "remove", "33333333", "404")
    assert result.exit_code == 0 and "removed 1" in result.output and "404" in result.output
    ids = [h["id"] for h in json.loads(run("search", "colchicine", "--json").output)["hits"]]
    assert "33333333" not in ids


def test_errors_are_one_line_exit_2(tmp_path, fixtures, monkeypatch):
    # main() turns MedkgError into "error: ..." + exit 2; the CliRunner sees the exception itself
    from kg.errors import InputError

    monkeypatch.setenv("MEDKG_RETRIEVAL_ENCODER", "hashing-64")
    runner = CliRunner()
    result = runner.invoke(app, ["search", "", "--home", str(tmp_path)])
    assert isinstance(result.exception, InputError) and "empty query" in str(result.exception)
    result = runner.invoke(app, ["literature", "add", str(tmp_path / "x.docx"), "--home", str(tmp_path)])
    assert isinstance(result.exception, InputError) and "unknown literature file format" in str(result.exception)


def test_help_lists_commands():
    runner = CliRunner()
    out = runner.invoke(app, ["literature", "--help"]).output
    for command in ("add", "stats", "remove", "rebuild"):
        assert command in out
    assert "--mode" in runner.invoke(app, ["search", "--help"]).output
