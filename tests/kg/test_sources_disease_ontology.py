import shutil
from collections import Counter

import pytest

from kg.errors import SourceError
from kg.sources.disease_ontology import known_xref, parse_disease_ontology, read_tsv
from kg.sources.registry import get_source
from kg.vocab import Category, Predicate


def _copy(kg_fixtures, tmp_path):
    shutil.copytree(kg_fixtures / "disease-ontology", tmp_path / "disease-ontology")
    return {f"disease-ontology/{p.name}": p for p in (tmp_path / "disease-ontology").iterdir()}


def test_spec_is_registered_with_pinned_urls():
    spec = get_source("disease-ontology")
    assert spec.license.startswith("CC0")
    urls = {f.relpath: f.url for f in spec.files}
    assert urls["disease-ontology/HumanDO.tsv"] == (
        "https://raw.githubusercontent.com/DiseaseOntology/HumanDiseaseOntology/9fbefd6/DOreports/HumanDO.tsv")
    assert {f.relpath for f in spec.files if f.optional} == {
        "disease-ontology/DO_rare_slim.obo", "disease-ontology/DO_cancer_slim.obo",
        "disease-ontology/DO_infectious_disease_slim.obo"}


def test_fixture_nodes_parents_and_xrefs(kg_fixtures, load_source):
    data = load_source("disease-ontology", kg_fixtures)
    assert data.name == "disease-ontology" and data.version == "2026-07-31"  # from the slim's data-version
    nodes = {n.id: n for n in data.nodes}
    assert set(nodes) == {"DOID:4", "DOID:0050117", "DOID:552", "DOID:850", "DOID:9351", "DOID:9352",
                          "DOID:10652", "DOID:0080599"}
    assert all(n.category is Category.DISEASE for n in nodes.values())
    assert nodes["DOID:10652"].label == "Alzheimer's disease"
    t2d = nodes["DOID:9352"]
    assert t2d.synonyms == ("T2DM", "type II diabetes mellitus")   # EXACT only
    assert t2d.alt_ids == ("DOID:10182",) and t2d.definition.startswith("A diabetes mellitus")
    assert "UMLS:C0011860" in t2d.xrefs and not any(x.startswith("SNOMED") for x in t2d.xrefs)
    parents = {(e.subject, e.object) for e in data.edges if e.predicate is Predicate.SUBCLASS_OF}
    assert parents == {("DOID:552", "DOID:850"), ("DOID:9352", "DOID:9351"),
                       ("DOID:0080599", "DOID:0050117"), ("DOID:0050117", "DOID:4")}
    assert data.stats["unresolved_parents"] == 4 and data.stats["subclass_of_root"] == 1
    same = {(e.subject, e.object) for e in data.edges if e.predicate is Predicate.SAME_AS}
    assert same == {("DOID:9352", "ICD10CM:E11"), ("DOID:9352", "MESH:D003924"), ("DOID:9352", "OMIM:125853"),
                    ("DOID:10652", "UMLS:C0002395"), ("DOID:0080599", "ORPHA:558")}
    assert data.stats["xrefs_skipped"] == 5 and data.stats["xrefs_skipped_omim_phenotypic_series"] == 1
    assert data.stats["slim_terms_not_in_tsv"] == 1
    assert all(e.source == "disease-ontology" and e.source_version == data.version for e in data.edges)


def test_without_slims_version_is_the_commit(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    del files["disease-ontology/DO_rare_slim.obo"]
    data = parse_disease_ontology(files)
    assert data.version == "9fbefd6" and data.stats["slim_files"] == 0


def test_known_xref():
    assert known_xref("ORDO:558") == "ORPHA:558"
    assert known_xref("Orphanet:558") == "ORPHA:558"
    assert known_xref("mesh:D003920") == "MESH:D003920"
    assert known_xref("GARD:10254") is None and known_xref("MIM:PS125853") is None and known_xref("junk") is None


def test_missing_required_file(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    files["disease-ontology/allXREFinDO.tsv"].unlink()
    with pytest.raises(SourceError, match=r"allXREFinDO\.tsv does not exist.*medkg sources fetch disease-ontology"):
        parse_disease_ontology(files)


def test_truncated_row_names_file_and_line(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    path = files["disease-ontology/HumanDO.tsv"]
    text = path.read_text()
    path.write_text(text[: text.index('"pneumonia"') + len('"pneumonia"')])  # cut mid-row
    with pytest.raises(SourceError, match=r"HumanDO\.tsv, line 3: expected 3 tab-separated columns, got 2"):
        parse_disease_ontology(files)


def test_malformed_row(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    path = files["disease-ontology/allXREFinDO.tsv"]
    path.write_text(path.read_text() + '"DOID:552"\t"pneumonia"\t"no-prefix"\n')
    with pytest.raises(SourceError, match=r"allXREFinDO\.tsv, line 13: expected a DOID and a PREFIX:ID xref"):
        parse_disease_ontology(files)


def test_bad_header_and_empty_file(tmp_path):
    bad = tmp_path / "x.tsv"
    bad.write_text("doid\tname\n")
    with pytest.raises(SourceError, match=r"x\.tsv, line 1: expected a header with the columns id, label.*missing id, label"):
        list(read_tsv(bad, ("id", "label")))
    bad.write_text("")
    with pytest.raises(SourceError, match=r"x\.tsv: no header line found"):
        list(read_tsv(bad, ("id", "label")))


def test_bad_slim_obo_names_line(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    slim = files["disease-ontology/DO_rare_slim.obo"]
    slim.write_text(slim.read_text().replace("[Term]\nid: DOID:0111111", "[Term\nid: DOID:0111111"))
    with pytest.raises(SourceError, match=r"DO_rare_slim\.obo, line \d+: not valid OBO"):
        parse_disease_ontology(files)


@pytest.mark.slow
def test_real_files(shared_data, load_source):
    data = load_source("disease-ontology", shared_data / "kg-sources")
    assert data.version == "2026-07-31"
    assert data.stats["terms"] == 12246 and len(data.nodes) == 12247   # + the root DOID:4
    assert data.stats["unresolved_parents"] == 0 and data.stats["subclass_of_root"] == 8
    counts = Counter(e.predicate.value for e in data.edges)
    assert counts == {"subclass_of": 12296, "same_as": 23372}
    assert data.stats["same_as_OMIM"] == 6151 and data.stats["same_as_ORPHA"] == 2321
    assert data.stats["xrefs_skipped_omim_phenotypic_series"] == 332
    assert data.stats["slim_files"] == 3 and data.stats["terms_with_slim_data"] == 4419
    assert ("DOID:9352", "DOID:9351") in {(e.subject, e.object) for e in data.edges}
