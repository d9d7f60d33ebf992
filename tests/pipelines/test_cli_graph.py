"""pipelines/cli/graph.py through typer.testing.CliRunner on a toy MEDKG_HOME.

`build --sources hpo` is too slow for a unit test; tests/kg/test_sources_hpo.py has the
slow smoke test on the real HPO, and tests/kg/test_build.py builds from small fixtures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

KG_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kg-sources"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for key in ("MEDKG_HOME", "MEDKG_GRAPH_SOURCES", "MEDKG_GRAPH_MIRROR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture()
def cli(toy_home):
    runner = CliRunner()

    def invoke(*args, home=None):
        return runner.invoke(app, [*args, "--home", str(home or toy_home.root)])

    return invoke


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_info(cli, toy_home):
    out = _json(cli("info", "--json"))
    assert out["home"] == str(toy_home.root)
    assert [g["name"] for g in out["graph"]["graphs"]] == ["hpo", "pharmacotherapydb"]
    assert all(g["active"] and g["quads"] > 0 for g in out["graph"]["graphs"])
    assert out["graph"]["graphs"][0]["license"] == "toy licence (test data)"
    assert out["graph"]["graphs"][0]["citation"] == "toy citation"
    assert len(out["graph"]["version"]) == 12
    table = cli("info")
    assert table.exit_code == 0 and out["graph"]["version"] in table.stdout and "pharmacotherapydb" in table.stdout


def test_info_without_graph(cli, tmp_path):
    result = cli("info", home=tmp_path / "empty")
    assert result.exit_code == 0
    assert "no graph has been built" in result.stdout and "medkg build" in result.stdout
    assert _json(cli("info", "--json", home=tmp_path / "empty"))["graph"] is None


def test_graph_stats_json_matches_the_toy_graph(cli, toy_home):
    from kg.stats import graph_stats
    from kg.view import load_view

    stats = _json(cli("graph", "stats", "--json"))
    expected = graph_stats(load_view(toy_home))
    assert stats == json.loads(json.dumps(expected))
    assert stats["edges_by_predicate"]["lacks_phenotype"] == 1
    assert stats["nodes_by_category"]["Drug"] == 4
    table = cli("graph", "stats")
    assert table.exit_code == 0 and f"{stats['nodes']:,} nodes" in table.stdout


def test_sparql_json_and_table(cli):
    q = f'SELECT ?l WHERE {{ <http://purl.obolibrary.org/obo/HP_0001945> <{RDFS_LABEL}> ?l }}'
    out = _json(cli("sparql", q, "--json"))
    assert out == {"kind": "select", "variables": ["l"], "rows": [{"l": "Fever"}], "truncated": False}
    table = cli("sparql", q)
    assert table.exit_code == 0 and "Fever" in table.stdout
    ask = cli("sparql", "ASK { ?s ?p ?o }")
    assert ask.exit_code == 0 and ask.stdout.strip() == "true"
    limited = _json(cli("sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--json", "--limit", "3"))
    assert len(limited["rows"]) == 3 and limited["truncated"]


def test_sparql_from_file(cli, tmp_path):
    qfile = tmp_path / "q.rq"
    qfile.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    out = _json(cli("sparql", f"@{qfile}", "--json"))
    assert int(out["rows"][0]["n"]) > 100


def test_sparql_update_refused(cli):
    result = cli("sparql", "DELETE WHERE { ?s ?p ?o }")
    assert result.exit_code != 0
    assert "SPARQL updates are not allowed" in str(result.exception)


def test_main_turns_errors_into_one_line_and_exit_2(toy_home, monkeypatch, capsys):
    from pipelines.cli import main

    for argv, message in [
        (["sparql", "PREFIX x: <urn:x>\nDROP ALL"], "error: SPARQL updates are not allowed here (read-only endpoint); found 'DROP'"),
        (["concept", "HP:9999999"], "error: concept 'HP:9999999' is not in the graph"),
        (["sparql", "@/nonexistent/q.rq"], "error: query file /nonexistent/q.rq does not exist"),
    ]:
        monkeypatch.setattr(sys, "argv", ["medkg", *argv, "--home", str(toy_home.root)])
        with pytest.raises(SystemExit) as info:
            main()
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(message), err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_main_graph_not_built(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setattr(sys, "argv", ["medkg", "graph", "stats", "--home", str(tmp_path)])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no graph has been built in") and "medkg build" in err


def test_concepts(cli):
    hits = _json(cli("concepts", "fever", "--json"))
    assert hits[0]["concept_id"] == "HP:0001945" and hits[0]["exact"]
    assert "HP:0001954" not in [h["concept_id"] for h in hits]
    assert [h["concept_id"] for h in _json(cli("concepts", "pneumonia", "--json", "--category", "Disease"))] == ["DOID:552"]
    table = cli("concepts", "pyrexia")
    assert table.exit_code == 0 and "HP:0001945" in table.stdout


def test_concept_resolves_obsolete_id(cli):
    out = _json(cli("concept", "HP:0001954", "--json"))
    assert out["id"] == "HP:0001945" and out["requested"] == "HP:0001954"
    assert out["label"] == "Fever" and out["synonyms"] == ["Pyrexia"]
    assert {"predicate": "subclass_of", "object": "HP:0001939", "object_label": "Abnormality of metabolism/homeostasis",
            "source": "hpo", "references": []} in out["out_edges"]
    assert any(e["subject"] == "OMIM:999001" and e["predicate"] == "has_phenotype" for e in out["in_edges"])
    table = cli("concept", "HP:0001954")
    assert table.exit_code == 0 and "HP:0001954 resolves to HP:0001945" in table.stdout


def test_concept_equivalents(cli):
    out = _json(cli("concept", "OMIM:999001", "--json"))
    assert out["equivalents"] == ["DOID:552"]


def test_concept_unknown_is_an_error(cli):
    result = cli("concept", "HP:9999999")
    assert result.exit_code != 0
    assert "concept 'HP:9999999' is not in the graph" in str(result.exception)


def test_sources_list(cli, tmp_path):
    rows = _json(cli("sources", "list", "--json", home=tmp_path / "h"))
    by_name = {r["name"]: r for r in rows}
    assert by_name["hpo"]["packaged"] and by_name["hpo"]["present"]
    assert "Gargano" in by_name["hpo"]["citation"]
    assert not by_name["mondo"]["present"]
    assert {"disease-ontology", "symptom-ontology", "mondo", "pharmacotherapydb", "labeledin"} <= set(by_name)
    table = cli("sources", "list", home=tmp_path / "h")
    assert table.exit_code == 0 and "yes (packaged)" in table.stdout


def test_sources_fetch_from_mirror(cli, tmp_path):
    home = tmp_path / "h"
    result = cli("sources", "fetch", "symptom-ontology", "mondo", "--mirror", str(KG_FIXTURES), home=home)
    assert result.exit_code == 0, result.output
    assert "symptom-ontology: 1 file(s)" in result.stdout and "mondo: 6 file(s)" in result.stdout
    copied = home / "sources" / "symptom-ontology" / "symp.obo"
    assert copied.read_bytes() == (KG_FIXTURES / "symptom-ontology" / "symp.obo").read_bytes()
    assert not list((home / "sources").rglob("*.part"))
    rows = {r["name"]: r for r in _json(cli("sources", "list", "--json", home=home))}
    assert rows["symptom-ontology"]["present"] and rows["mondo"]["present"]
    assert not rows["labeledin"]["present"]
    hpo = cli("sources", "fetch", "hpo", home=home)
    assert hpo.exit_code == 0 and "ships inside a Python package" in hpo.stdout


def test_sources_fetch_errors(cli, tmp_path):
    result = cli("sources", "fetch", "mondo", "--mirror", str(tmp_path / "empty"), home=tmp_path / "h")
    assert result.exit_code != 0 and "not found in mirror" in str(result.exception)
    result = cli("sources", "fetch", "hpoo", home=tmp_path / "h")
    assert result.exit_code != 0 and "unknown source 'hpoo'; known sources: hpo" in str(result.exception)


def test_config_file_option(cli, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[graph]\nmirror = "{KG_FIXTURES}"\n')
    rows = {r["name"]: r for r in _json(cli("sources", "list", "--json", "--config", str(cfg), home=tmp_path / "h"))}
    assert rows["mondo"]["present"]           # found through the configured mirror
    bad = tmp_path / "bad.toml"
    bad.write_text("[graph\n")
    result = cli("sources", "list", "--config", str(bad), home=tmp_path / "h")
    assert result.exit_code != 0 and "bad.toml is not valid TOML" in str(result.exception)


def test_graph_export(cli, tmp_path):
    out = tmp_path / "toy.nq"
    result = cli("graph", "export", str(out))
    assert result.exit_code == 0 and "quads to" in result.stdout
    assert out.stat().st_size > 0


@pytest.mark.skip(reason="`build --sources hpo` parses the real HPO (too slow for a unit test); "
                         "test_sources_hpo.py::test_real_hpo_smoke and test_build.py cover it")
def test_build_hpo():  # pragma: no cover
    pass
