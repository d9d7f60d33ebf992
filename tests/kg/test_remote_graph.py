"""The graph on a real Oxigraph server (``[graph] store``): build, update, rollback, history, why,
sparql (with the SERVICE guard), diagnose and info, through the library and the ``--store`` option.

The toy graph (tests/toy_graph.py, SYNTHETIC) is built into the server and into an embedded
folder: both must give the same content hashes and graph versions.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from kg.build import write_store
from kg.config import Home
from kg.remote_store import RemoteStore
from kg.store import store_ref
from kg.update import apply_update, history, plan_update, rollback, why
from kg.view import load_view
from pipelines.cli import app
from tests.kg.guideline_fixtures import AMOX, guideline_tsv
from tests.toy_graph import make_toy_home, toy_sources

runner = CliRunner()


@pytest.fixture()
def remote_home(tmp_path, sparql_store) -> Home:
    """A MEDKG_HOME whose graph (the toy graph) is on the Oxigraph server."""
    home = Home(tmp_path / "remote-home", store=sparql_store).ensure()
    write_store(home, toy_sources())
    return home


def test_build_on_the_server_matches_the_embedded_build(remote_home, tmp_path):
    local = make_toy_home(tmp_path / "local-home")
    with RemoteStore(remote_home.store) as rem:
        emb_hist = history(local)
        assert [h.version for h in rem.history()] == [h.version for h in emb_hist]
        assert rem.version().hash == emb_hist[-1].version
        assert rem.named_graphs() == {g.iri for g in rem.graphs()} | {"urn:medkg:meta"}   # nothing staged left
    G_remote, G_local = load_view(remote_home), load_view(local)
    assert G_remote.graph["version"] == G_local.graph["version"]
    assert sorted(G_remote.edges(keys=True)) == sorted(G_local.edges(keys=True))
    # the cached base view was written into the local graph/ folder, and a second load uses it
    assert list(remote_home.graph.glob("view-base-*.pickle"))
    cold = load_view(store_ref(remote_home), use_cache=False)
    assert sorted(cold.edges(keys=True, data="source")) == sorted(G_local.edges(keys=True, data="source"))


def test_rebuild_resends_nothing_unchanged_and_keeps_guidelines(remote_home, tmp_path, monkeypatch):
    (tmp_path / "g.tsv").write_text(guideline_tsv([AMOX.replace("DOID:552", "OMIM:999001")]))
    applied = apply_update(remote_home, tmp_path / "g.tsv", applied_by="test")
    sent = []
    monkeypatch.setattr(RemoteStore, "_post_triples", lambda self, g, text: sent.append(g))
    result = write_store(remote_home, toy_sources())
    assert sent == []                                   # same content: no Graph Store request at all
    assert result.version.hash == applied.version.hash  # guideline still active, same version
    assert [h.action for h in history(remote_home)] == ["build", "update", "build"]


def test_interrupted_build_leaves_the_previous_version(remote_home, monkeypatch):
    before = history(remote_home)[-1].version

    def changed():      # write_store consumes its list
        entries = toy_sources()
        hpo, lic, cit = entries[0]
        nodes = [dataclasses.replace(hpo.nodes[0], label="Changed")] + hpo.nodes[1:]
        entries[0] = (dataclasses.replace(hpo, nodes=nodes), lic, cit)
        return entries

    calls = []

    def fail_on_second(desc, done, total):
        calls.append(desc)
        if desc.startswith("writing pharmacotherapydb"):
            raise KeyboardInterrupt("interrupted")

    with pytest.raises(KeyboardInterrupt):
        write_store(remote_home, changed(), progress=fail_on_second)
    with RemoteStore(remote_home.store) as rem:
        assert rem.version().hash == before and len(rem.history()) == 1
        staged = [g for g in rem.named_graphs() if g.startswith("urn:medkg:staging:")]
        assert staged                                     # the changed hpo was staged, not published
    assert load_view(remote_home).nodes["HP:0000118"]["label"] == "Phenotypic abnormality"
    result = write_store(remote_home, changed())            # the next build publishes and drops the leftovers
    with RemoteStore(remote_home.store) as rem:
        assert not [g for g in rem.named_graphs() if g.startswith("urn:medkg:staging:")]
        assert rem.version() == result.version != before
    assert load_view(remote_home).nodes["HP:0000118"]["label"] == "Changed"


def test_update_rollback_why_on_the_server(remote_home, tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text(guideline_tsv([AMOX.replace("DOID:552", "OMIM:999001")]))
    v0 = history(remote_home)[-1].version
    plan = plan_update(remote_home, path)
    assert plan.status == "new" and [s.subject for s in plan.added] == ["DRUGBANK:DB01060"] and not plan.conflicts
    result = apply_update(remote_home, path, applied_by="test")
    assert result.status == "applied" and result.version.hash != v0
    assert apply_update(remote_home, path).status == "already_applied"
    rows = why(load_view(remote_home), "DRUGBANK:DB01060", "treats", "DOID:552")
    assert {r["source"] for r in rows} == {"pharmacotherapydb", "guideline:test-society/cap"}
    assert rollback(remote_home, v0).hash == v0
    assert {r["source"] for r in why(load_view(remote_home), "DRUGBANK:DB01060", "treats", "DOID:552")} == \
        {"pharmacotherapydb"}
    assert apply_update(remote_home, path).status == "reactivated"
    assert [h.action for h in history(remote_home)] == ["build", "update", "rollback", "reapply"]


def test_cli_commands_with_store_option(remote_home, tmp_path):
    """Every graph command with --store: info, update (dry run, apply), history, why, sparql, rollback, diagnose."""
    other = tmp_path / "other-home"                  # a second machine: nothing local but its caches

    def run(*args: str, code: int = 0):
        res = runner.invoke(app, [*args, "--home", str(other), "--store", remote_home.store], env={"COLUMNS": "200"})
        assert res.exit_code == code, (res.output, res.exception)
        return res.output

    info = json.loads(run("info", "--json"))
    assert info["graph"]["store"] == remote_home.store and info["graph"]["label"].startswith("hpo@toy-1")
    v0 = info["graph"]["version"]
    (tmp_path / "g.tsv").write_text(guideline_tsv([AMOX.replace("DOID:552", "OMIM:999001")]))
    assert "dry run: nothing was changed" in run("update", str(tmp_path / "g.tsv"), "--dry-run")
    assert "applied test-society/cap@1" in run("update", str(tmp_path / "g.tsv"))
    hist = json.loads(run("history", "--json"))["history"]
    assert [e["action"] for e in hist] == ["build", "update"]
    rows = json.loads(run("why", "DRUGBANK:DB01060", "treats", "DOID:552", "--json"))
    assert "guideline:test-society/cap" in {r["source"] for r in rows}
    q = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { <https://go.drugbank.com/drugs/DB01060> "
         "<https://w3id.org/biolink/vocab/treats> ?o } }")
    assert json.loads(run("sparql", q, "--json"))["rows"] == [{"n": "2"}]
    assert json.loads(run("sparql", q, "--json", "--version", v0))["rows"] == [{"n": "1"}]
    assert f"graph is now {v0}" in run("rollback", v0)
    assert json.loads(run("info", "--json"))["graph"]["version"] == v0
    note = tmp_path / "note.txt"
    note.write_text("SYNTHETIC NOTE.\nLong slender fingers and a dislocated lens.\n")
    report = json.loads(run("diagnose", str(note), "--json", "--no-literature", "--ranker", "lr"))
    assert report["versions"]["graph"] == v0 and report["diagnoses"][0]["id"] == "OMIM:154700"
    run("graph", "export", str(tmp_path / "out.nq"))
    exported = (tmp_path / "out.nq").read_text().splitlines()
    assert exported and all(line.endswith(">  .") or line.endswith("> .") for line in exported)
    assert any("urn:medkg:source:pharmacotherapydb:toy-1.0" in line for line in exported)
    # MEDKG_GRAPH_STORE is restored after each command: a plain call uses the (empty) home folder
    res = runner.invoke(app, ["info", "--json", "--home", str(other)])
    assert json.loads(res.output)["graph"] is None


def test_sparql_service_is_refused_before_anything_reaches_the_server(remote_home, monkeypatch):
    """On a server the query runs there, so SERVICE must be refused before the request is sent."""
    import httpx

    sent = []
    real = httpx.Client.post

    def spy(self, url, *args, **kwargs):
        sent.append((str(url), (kwargs.get("data") or {}).get("query", "")))
        return real(self, url, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "post", spy)
    attack = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    res = runner.invoke(app, ["sparql", attack, "--home", str(remote_home.root), "--store", remote_home.store])
    assert res.exit_code != 0 and "SERVICE" in str(res.exception or res.output)
    assert not [q for _, q in sent if "SERVICE" in q]


def test_build_streams_in_chunks_with_progress(tmp_path, sparql_store, monkeypatch):
    import kg.remote_store

    monkeypatch.setattr(kg.remote_store, "GSP_CHUNK_LINES", 100)
    posts = []
    real = RemoteStore._post_triples

    def count(self, graph, text):
        posts.append((graph, text.count("\n")))
        return real(self, graph, text)

    monkeypatch.setattr(RemoteStore, "_post_triples", count)
    seen = []
    home = Home(tmp_path / "h", store=sparql_store)
    result = write_store(home, toy_sources(), progress=lambda desc, done, total: seen.append(desc))
    per_graph = {i.iri: i.quads for i in result.sources}
    assert len(posts) > len(per_graph)                       # several requests per source, none over the chunk size
    assert max(n for _, n in posts) <= 100
    assert {g: sum(n for gg, n in posts if gg == g) for g in per_graph} == per_graph
    assert any("quads sent" in d for d in seen) and seen[-1] == "done"
