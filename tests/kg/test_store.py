"""kg/store.py: named graphs, versions, transactions, history, read-only use; kg/sparql.py.

Every test that takes ``store`` runs twice: on the embedded folder and on a real Oxigraph
server (``kg/remote_store.py``, through SPARQL Query/Update and the Graph Store protocol).
"""

from __future__ import annotations

import pytest

from pathlib import Path

from kg.errors import ConfigError, GraphNotBuilt, InputError, StoreError
from kg.rdf import edge_quads, node_quads
from kg.records import Edge, Node, SourceData
from kg.sparql import MAX_QUERY_CHARS, run_sparql
from kg.remote_store import EndpointError, RemoteStore
from kg.store import (GraphInfo, GraphStore, StoreRef, current_store_path, guideline_graph_iri, open_store,
                      source_graph_iri)
from kg.vocab import BIOLINK, Category, Predicate

PF = Category.PHENOTYPIC_FEATURE
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _source(name="toy", version="1", label="Fever") -> SourceData:
    return SourceData(name, version, nodes=[Node("HP:0001945", PF, label, name),
                                            Node("OMIM:1", Category.DISEASE, "Toy disease", name)],
                      edges=[Edge("OMIM:1", Predicate.HAS_PHENOTYPE, "HP:0001945", name, version, ("PMID:1",))])


@pytest.fixture(params=["embedded", "remote"])
def store(request, tmp_path):
    if request.param == "embedded":
        st = GraphStore.create(tmp_path / "store")
    else:
        st = RemoteStore(request.getfixturevalue("sparql_store"))
    st.load_source(_source(), license="CC0", citation="Toy et al.")
    st.record_history("build")
    yield st
    if isinstance(st, RemoteStore) or hasattr(st, "_store"):
        st.close()


def _reopen(store, read_only: bool):
    """A second handle on the same store."""
    if isinstance(store, RemoteStore):
        return RemoteStore(store.endpoint, read_only=read_only)
    return GraphStore(store.path, read_only=read_only)


def _guideline(store: GraphStore, key="g", version="1", label="Fever (guideline)"):
    g = guideline_graph_iri(key, version)
    lines = node_quads(Node("HP:0001945", PF, label, "guideline"), g)
    lines += edge_quads(Edge("OMIM:1", Predicate.HAS_PHENOTYPE, "HP:0012735", "guideline", version), g)
    info = GraphInfo(g, "guideline", key, version, "hash-" + version + label, len(lines), True)
    return g, lines, info


# ---------------------------------------------------------------- graphs and versions
def test_graph_iris():
    assert source_graph_iri("hpo", "2025-01-16") == "urn:medkg:source:hpo:2025-01-16"
    assert source_graph_iri("my src", "v 1/2") == "urn:medkg:source:my_src:v_1%2F2"
    assert guideline_graph_iri("cap", "2019") == "urn:medkg:guideline:cap:2019"


def test_graphs_and_meta(store):
    (info,) = store.graphs()
    assert (info.iri, info.kind, info.name, info.version, info.active) == ("urn:medkg:source:toy:1", "source", "toy", "1", True)
    assert (info.license, info.citation) == ("CC0", "Toy et al.")
    assert info.quads == len(store.graph_lines(info.iri)) > 0
    assert len(info.content_hash) == 64
    assert store.active_graphs() == [info]
    v = store.version()
    assert len(v.hash) == 12 and v.label == "toy@1"
    assert str(v) == f"{v.hash} (toy@1)"


def test_remote_store_versions_match_the_embedded_store(tmp_path, sparql_store):
    """Same content, same content hashes and graph version on the server as in the folder."""
    emb = GraphStore.create(tmp_path / "a")
    rem = RemoteStore(sparql_store)
    for st in (emb, rem):
        st.load_source(_source(), license="CC0", citation="Toy et al.")
        st.load_source(_source("other", "2", label="Pyrexia"), license="", citation="", order=1)
        st.record_history("build")
    assert rem.graphs() == emb.graphs() and rem.version() == emb.version()
    assert rem.active_version() == emb.version()
    for info in emb.graphs():
        assert sorted(rem.graph_lines(info.iri)) == sorted(emb.graph_lines(info.iri))
    g, lines, info = _guideline(emb)
    assert rem.transaction(add={g: lines}, new_graphs=[info], action="apply") == \
        emb.transaction(add={g: lines}, new_graphs=[info], action="apply")
    assert [(h.version, h.active_graphs) for h in rem.history()] == [(h.version, h.active_graphs) for h in emb.history()]
    assert RemoteStore(sparql_store, read_only=True).version() == rem.version()
    emb.close()
    rem.close()


def test_remote_store_errors(sparql_store):
    with pytest.raises(GraphNotBuilt, match="no graph has been built on the SPARQL store .* run `medkg build --store"):
        open_store(StoreRef(Path("/tmp/none"), sparql_store))
    with pytest.raises(EndpointError, match="cannot reach the SPARQL store at http://127.0.0.1:9 .*is the server running"):
        RemoteStore("http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="must be empty .* or an http"):
        RemoteStore("ftp://x")
    with pytest.raises(InputError, match="must be a SELECT, ASK, CONSTRUCT or DESCRIBE"):
        RemoteStore(sparql_store).query("# sneaky\nINSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_version_changes_with_content_and_is_stable_across_reopen(tmp_path):
    a = GraphStore.create(tmp_path / "a")
    a.load_source(_source(), license="", citation="")
    b = GraphStore.create(tmp_path / "b")
    b.load_source(_source(), license="", citation="")
    c = GraphStore.create(tmp_path / "c")
    c.load_source(_source(label="Pyrexia"), license="", citation="")
    assert a.version() == b.version()          # same content, same version
    assert c.version().hash != a.version().hash  # one label differs
    assert c.version().label == a.version().label
    before = a.version()
    a.close()
    assert GraphStore(tmp_path / "a").version() == before
    assert GraphStore(tmp_path / "b", read_only=True).version() == before


def test_transaction_activation_restores_exact_version(store):
    v0 = store.version()
    g, lines, info = _guideline(store)
    v1 = store.transaction(add={g: lines}, new_graphs=[info], action="apply", detail="guideline g@1")
    assert v1 == store.version() and v1.hash != v0.hash
    assert set(v1.label.split(" + ")) == {"toy@1", "guideline:g@1"}
    v2 = store.transaction(set_active={g: False}, action="rollback")
    assert v2 == store.version() == v0          # exactly the earlier version
    v3 = store.transaction(set_active={g: True}, action="reapply")
    assert v3 == v1
    assert [h.action for h in store.history()] == ["build", "apply", "rollback", "reapply"]


def test_history_entries(store):
    g, lines, info = _guideline(store)
    store.transaction(add={g: lines}, new_graphs=[info], action="apply", detail="guideline g@1")
    hist = store.history()
    assert [h.seq for h in hist] == [1, 2]
    build, apply = hist
    assert build.action == "build" and build.active_graphs == ("urn:medkg:source:toy:1",)
    assert apply.version == store.version().hash and apply.label == store.version().label
    assert apply.detail == "guideline g@1"
    assert set(apply.active_graphs) == {"urn:medkg:source:toy:1", g}
    assert apply.at.endswith("Z") and len(apply.at) == 20


def test_failing_transaction_leaves_version_unchanged(store):
    v0, h0, graphs0 = store.version(), store.history(), store.graphs()
    g, lines, info = _guideline(store)
    broken = lines + [f"<urn:x> <urn:p> \"unterminated <{g}> ."]  # syntactically broken add line
    with pytest.raises(EndpointError if isinstance(store, RemoteStore) else SyntaxError):
        store.transaction(add={g: broken}, new_graphs=[info], action="apply")
    assert store.version() == v0 and store.history() == h0 and store.graphs() == graphs0
    assert store.graph_lines(g) == []


def test_transaction_errors(store):
    v0 = store.version()
    with pytest.raises(StoreError, match="graph urn:nope is not in the store"):
        store.transaction(set_active={"urn:nope": False}, action="x")
    g, lines, info = _guideline(store)
    with pytest.raises(StoreError, match="do not all belong to it"):
        store.transaction(add={"urn:other": lines}, action="x")
    assert store.version() == v0 and len(store.history()) == 1


def test_read_only_store_refuses_writes(store, tmp_path):
    ro = _reopen(store, read_only=True)
    store.close()
    g, lines, info = _guideline(ro)
    with pytest.raises(StoreError, match="is open read-only"):
        ro.transaction(add={g: lines}, new_graphs=[info], action="apply")
    with pytest.raises(StoreError, match="is open read-only"):
        ro.load_source(_source("other"), license="", citation="")
    with pytest.raises(StoreError, match="is open read-only"):
        ro.bulk_load_lines(lines)
    with pytest.raises(StoreError, match="is open read-only"):
        ro.record_history("x")
    assert len(ro.graphs()) == 1
    ro.close()


def test_create_and_open_errors(store, tmp_path):
    if isinstance(store, RemoteStore):
        pytest.skip("folder errors; test_remote_store_errors covers the server")
    with pytest.raises(StoreError, match="the folder is not empty"):
        GraphStore.create(store.path)
    with pytest.raises(GraphNotBuilt, match="does not exist: run `medkg build`"):
        GraphStore(tmp_path / "missing")
    with pytest.raises(GraphNotBuilt, match="no graph has been built in .* yet: run `medkg build`"):
        current_store_path(tmp_path / "home" / "graph")
    with pytest.raises(GraphNotBuilt):
        open_store(tmp_path / "home" / "graph")


# ---------------------------------------------------------------- SPARQL
def test_sparql_select(store):
    res = run_sparql(store, f"SELECT ?s ?l WHERE {{ ?s <{RDFS_LABEL}> ?l }} ORDER BY ?l")
    assert res["kind"] == "select" and res["variables"] == ["s", "l"] and not res["truncated"]
    assert res["rows"] == [{"s": "http://purl.obolibrary.org/obo/HP_0001945", "l": "Fever"},
                           {"s": "https://omim.org/entry/1", "l": "Toy disease"}]
    res = run_sparql(store, f"SELECT ?s ?l WHERE {{ ?s <{RDFS_LABEL}> ?l }}", limit=1)
    assert len(res["rows"]) == 1 and res["truncated"]
    res = run_sparql(store, "SELECT ?x WHERE { OPTIONAL { ?x <urn:none> ?y } }")
    assert res["rows"] == [{"x": None}]


def test_sparql_ask_and_construct(store):
    ask = f"ASK {{ ?d <{BIOLINK}has_phenotype> <http://purl.obolibrary.org/obo/HP_0001945> }}"
    assert run_sparql(store, ask) == {"kind": "ask", "boolean": True}
    assert run_sparql(store, "ASK { ?s <urn:none> ?o }")["boolean"] is False
    res = run_sparql(store, f"CONSTRUCT {{ ?s <urn:label> ?l }} WHERE {{ ?s <{RDFS_LABEL}> ?l }}")
    assert res["kind"] == "triples"
    assert {(r["p"], r["o"]) for r in res["rows"]} == {("urn:label", "Fever"), ("urn:label", "Toy disease")}


def test_sparql_graph_tells_the_source(store):
    g, lines, info = _guideline(store)
    store.transaction(add={g: lines}, new_graphs=[info], action="apply")
    q = (f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ <https://omim.org/entry/1> <{BIOLINK}has_phenotype> ?o }} }} ORDER BY ?g")
    rows = run_sparql(store, q)["rows"]
    assert rows == [{"g": g, "o": "http://purl.obolibrary.org/obo/HP_0012735"},
                    {"g": "urn:medkg:source:toy:1", "o": "http://purl.obolibrary.org/obo/HP_0001945"}]
    # only the active graphs are visible; a deactivated graph disappears from queries
    store.transaction(set_active={g: False}, action="rollback")
    assert [r["g"] for r in run_sparql(store, q)["rows"]] == ["urn:medkg:source:toy:1"]
    # the meta graph is not part of the queried data
    assert run_sparql(store, "ASK { ?s <https://w3id.org/medkg/vocab/kind> ?k }")["boolean"] is False
    # but an explicit list of graphs (an earlier version) can be queried
    assert len(run_sparql(store, q, graphs=[g])["rows"]) == 1


def test_sparql_provenance_is_queryable(store):
    q = ("SELECT ?src ?ref WHERE { ?st <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> "
         "<http://purl.obolibrary.org/obo/HP_0001945> ; <https://w3id.org/medkg/vocab/source> ?src ; "
         "<https://w3id.org/medkg/vocab/reference> ?ref }")
    assert run_sparql(store, q)["rows"] == [{"src": "toy", "ref": "PMID:1"}]


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "drop graph <urn:medkg:source:toy:1>",
    "CLEAR DEFAULT",
    "LOAD <http://example.org/x>",
    "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }",
    "PREFIX a: <urn:a:>\nPREFIX b: <urn:b:>\n  DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "BASE <http://example.org/>\nDROP ALL",
    "  WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_sparql_refuses_updates(store, update):
    v0 = store.version()
    n0 = len(store.graph_lines("urn:medkg:source:toy:1"))
    with pytest.raises(InputError, match="SPARQL updates are not allowed here"):
        run_sparql(store, update)
    assert store.version() == v0 and len(store.graph_lines("urn:medkg:source:toy:1")) == n0


def test_sparql_bad_input(store):
    with pytest.raises(InputError, match="SPARQL query is empty"):
        run_sparql(store, "  ")
    with pytest.raises(InputError, match="not a valid read-only SPARQL query"):
        run_sparql(store, "SELEC ?s WHERE { ?s ?p ?o }")
    with pytest.raises(InputError, match=rf"too long .* at most {MAX_QUERY_CHARS}"):
        run_sparql(store, "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_CHARS)


def test_sparql_update_hidden_after_prefix_is_refused_by_store(store):
    """A query whose update keyword the regex misses still cannot write: query() refuses updates."""
    v0 = store.version()
    with pytest.raises(InputError):
        run_sparql(store, "# comment\nINSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert store.version() == v0
    assert run_sparql(store, "ASK { <urn:a> <urn:b> <urn:c> }")["boolean"] is False
