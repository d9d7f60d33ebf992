"""`medkg extract` through Typer's CliRunner, with the graph view loader patched."""

import json
import sys
import types

import networkx as nx
from typer.testing import CliRunner

from pipelines.cli import app


def _fake_view(monkeypatch):
    G = nx.MultiDiGraph()
    G.add_node("HP:0001945", category="PhenotypicFeature", label="Fever", synonyms=["Pyrexia"], lay_synonyms=[])
    G.add_node("HP:0012735", category="PhenotypicFeature", label="Cough", synonyms=[], lay_synonyms=[])
    G.add_node("HP:0000001", category="PhenotypicFeature", label="Obsolete thing", obsolete=True)
    module = types.ModuleType("kg.view")
    module.load_view = lambda home: G
    monkeypatch.setitem(sys.modules, "kg.view", module)


def test_extract_json(tmp_path, monkeypatch):
    _fake_view(monkeypatch)
    note = tmp_path / "n.txt"
    note.write_text("SYNTHETIC. 45 yo F. Denies fever. Has cough.")
    res = CliRunner().invoke(app, ["extract", str(note), "--json", "--home", str(tmp_path / "home")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [(f["concept_id"], f["negated"]) for f in data["findings"]] == [("HP:0001945", True), ("HP:0012735", False)]
    assert data["context"]["age_years"] == 45.0
    assert list((tmp_path / "home" / "graph" / "extractor").iterdir())  # the matcher was cached


def test_extract_table_from_stdin(tmp_path, monkeypatch):
    _fake_view(monkeypatch)
    res = CliRunner().invoke(app, ["extract", "-", "--home", str(tmp_path)], input="No pyrexia.")
    assert res.exit_code == 0, res.output
    assert "HP:0001945" in res.output and "absent" in res.output


def test_extract_empty_note_is_an_input_error(tmp_path, monkeypatch):
    _fake_view(monkeypatch)
    res = CliRunner().invoke(app, ["extract", "-", "--home", str(tmp_path)], input="")
    assert res.exit_code != 0 and "note stdin is empty" in str(res.exception)
