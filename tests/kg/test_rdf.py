"""kg/rdf.py: nodes and edges as N-Quads, escaping, and the export -> import round trip."""

from __future__ import annotations

import pytest

from kg.rdf import P, curie_from_iri, edge_quads, iri, literal, node_quads, unescape_literal
from kg.records import Edge, Node, SourceData
from kg.store import GraphStore
from kg.view import view_from_sources, view_from_store
from kg.vocab import EDGE_NS, PREFIXES, Category, Predicate

NASTY = [
    'say "hi"', "back\\slash", "trailing backslash\\", "new\nline", "cr\rlf\r\n", "tab\there",
    "é ñ ü ß", "日本語", "emoji 😀", "\\n is not a newline", '\\"', "bell\x07 del\x7f nul-ish\x01",
    "line sep\u2028para\u2029", "backspace\x08 formfeed\x0c", "<not an iri>", "a # b . c ;",
]


@pytest.mark.parametrize("text", NASTY)
def test_literal_escape_round_trip(text):
    lit = literal(text)
    assert lit.startswith('"') and lit.endswith('"')
    assert "\n" not in lit and "\r" not in lit
    assert unescape_literal(lit[1:-1]) == text


def test_unescape_n_triples_escapes():
    assert unescape_literal(r"a\u0007b\U0001F600c\t\b\f\'") == "a\x07b\U0001F600c\t\b\f'"
    assert unescape_literal("plain") == "plain"


@pytest.mark.parametrize("curie", [f"{p}:X1" for p in PREFIXES] + [
    "HP:0001945", "ICD10CM:E11.9", "MEDKG:guideline 1/a#b", "ISBN:978-0-19", "SNOMEDCT_US:386661006",
    "FOO:bar baz", "MESH:D003920?x=1",
])
def test_iri_round_trip(curie):
    text = iri(curie)
    assert text.startswith("<") and text.endswith(">")
    assert " " not in text
    assert curie_from_iri(text[1:-1]) == curie


def test_iri_uses_obo_purls():
    assert iri("HP:0001945") == "<http://purl.obolibrary.org/obo/HP_0001945>"
    assert curie_from_iri("http://example.org/x") == "http://example.org/x"


def test_node_quads():
    node = Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "hpo", synonyms=("Pyrexia",),
                lay_synonyms=("High temperature",), definition="Hot.", xrefs=("UMLS:C0015967",),
                alt_ids=("HP:0001954",))
    lines = node_quads(node, "urn:g")
    assert all(line.endswith(" <urn:g> .") for line in lines)
    text = "\n".join(lines)
    for prop in (P.CATEGORY, P.DEFINED_BY, P.LABEL, P.SYNONYM, P.LAY_SYNONYM, P.DEFINITION, P.XREF, P.ALT_ID):
        assert f"<{prop}>" in text
    assert P.DEPRECATED not in text and P.REPLACED_BY not in text
    obsolete = node_quads(Node("HP:0001954", Category.PHENOTYPIC_FEATURE, "", "hpo", obsolete=True,
                               replaced_by="HP:0001945"), "urn:g")
    assert any(P.DEPRECATED in line and '"true"' in line for line in obsolete)
    assert any(P.REPLACED_BY in line and line.count("<") == 4 for line in obsolete)  # an IRI, not a literal
    assert not any(P.LABEL in line for line in obsolete)  # empty label left out


def test_edge_quads_carry_provenance():
    e = Edge("OMIM:154700", Predicate.HAS_PHENOTYPE, "HP:0001166", "hpo", "2025-01-16", ("PMID:1", "PMID:2"),
             (("frequency", "HP:0040281"), ("evidence", "PCS")))
    lines = edge_quads(e, "urn:g")
    assert lines[0] == (f"{iri('OMIM:154700')} <{Predicate.HAS_PHENOTYPE.iri}> {iri('HP:0001166')} <urn:g> .")
    statement = f"<{EDGE_NS}{e.id}>"
    assert all(line.startswith(statement) for line in lines[1:])
    assert len(lines) == 1 + 5 + 2 + 2
    assert edge_quads(e, "urn:g") == lines  # deterministic


def _edge_dict(G):
    return {(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}


def _same_view(G, H):
    assert dict(G.nodes(data=True)) == dict(H.nodes(data=True))
    assert _edge_dict(G) == _edge_dict(H)
    assert G.graph == H.graph


def nasty_source() -> SourceData:
    nodes = [Node(f"HP:{i:07d}", Category.PHENOTYPIC_FEATURE, text, "toy", synonyms=(text, f"syn {i}"),
                  lay_synonyms=(text[::-1],), definition=f"def: {text}", xrefs=(f"UMLS:C{i}",))
             for i, text in enumerate(NASTY, start=1)]
    nodes.append(Node("MEDKG:odd id/with#chars", Category.CONCEPT, "odd", "toy"))
    edges = [Edge(f"HP:{i:07d}", Predicate.SUBCLASS_OF, "MEDKG:odd id/with#chars", "toy", "v 1/ü",
                  (f"PMID:{i}", text), (("note", text), ("frequency", "1/2")))
             for i, text in enumerate(NASTY, start=1)]
    return SourceData("toy", "v 1/ü", nodes, edges)


def test_escaping_survives_the_store(tmp_path):
    data = nasty_source()
    store = GraphStore.create(tmp_path / "s")
    info = store.load_source(data, license='lic "q"', citation="c\\n")
    from_store = view_from_store(store)
    from_records = view_from_sources([data], [info])
    for i, text in enumerate(NASTY, start=1):
        node = from_store.nodes[f"HP:{i:07d}"]
        assert node["label"] == text
        assert text in node["synonyms"] and node["definition"] == f"def: {text}"
    _same_view(from_store, from_records)
    assert from_store.graph["sources"][0]["license"] == 'lic "q"'
    assert from_store.graph["sources"][0]["citation"] == "c\\n"
    # SPARQL sees the exact string too
    from kg.sparql import run_sparql
    rows = run_sparql(store, f'SELECT ?l WHERE {{ <{iri("HP:0000001")[1:-1]}> <{P.LABEL}> ?l }}')["rows"]
    assert rows == [{"l": NASTY[0]}]
    store.close()


@pytest.mark.parametrize("suffix", [".trig", ".nq"])
def test_export_import_round_trip_toy(toy_home, tmp_path, suffix):
    from kg.store import open_store

    store = open_store(toy_home.graph)
    try:
        out = tmp_path / f"toy{suffix}"
        n = store.export(out)
        assert n > 0 and out.stat().st_size > 0
        assert not out.with_name(out.name + ".tmp").exists()
        copy = GraphStore.import_file(out, tmp_path / "copy")
        try:
            assert copy.version() == store.version()
            assert [g.iri for g in copy.graphs()] == [g.iri for g in store.graphs()]
            assert copy.history() == store.history()
            _same_view(view_from_store(store), view_from_store(copy))
        finally:
            copy.close()
    finally:
        store.close()


@pytest.mark.parametrize("suffix", [".trig", ".nq"])
def test_export_import_round_trip_escaping(tmp_path, suffix):
    data = nasty_source()
    store = GraphStore.create(tmp_path / "s")
    store.load_source(data, license="", citation="")
    store.export(tmp_path / f"x{suffix}")
    copy = GraphStore.import_file(tmp_path / f"x{suffix}", tmp_path / "copy")
    _same_view(view_from_store(store), view_from_store(copy))
    assert copy.version() == store.version()


def test_export_format_errors(toy_home, tmp_path):
    from kg.errors import InputError
    from kg.store import open_store

    store = open_store(toy_home.graph)
    try:
        with pytest.raises(InputError, match=r"unknown RDF export format '\.ttl'.*use \.trig or \.nq"):
            store.export(tmp_path / "x.ttl")
    finally:
        store.close()
    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> .\n")
    with pytest.raises(InputError, match=r"bad\.nq: not valid"):
        GraphStore.import_file(bad, tmp_path / "copy")
