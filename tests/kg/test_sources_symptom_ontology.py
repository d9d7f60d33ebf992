import shutil
from collections import Counter

import pytest

from kg.errors import SourceError
from kg.sources.symptom_ontology import parse_symptom_ontology
from kg.vocab import Category, Predicate


def test_fixture_terms_synonyms_and_parents(kg_fixtures, load_source):
    data = load_source("symptom-ontology", kg_fixtures)
    assert data.version == "2026-07-30"
    nodes = {n.id: n for n in data.nodes}
    assert len(nodes) == 7 and all(n.category is Category.PHENOTYPIC_FEATURE for n in nodes.values())
    assert nodes["SYMP:0000613"].synonyms == ("pyrexia",)
    assert nodes["SYMP:0000613"].xrefs == ("ICD9CM_2005:780.6", "UMLS:C0015967")   # UMLS_CUI normalised
    assert nodes["SYMP:0019177"].synonyms == ()   # RELATED "tiredness" is not an equivalent
    assert nodes["SYMP:0000003"].obsolete
    assert {(e.subject, e.object) for e in data.edges if e.predicate is Predicate.SUBCLASS_OF} == {
        ("SYMP:0000410", "SYMP:0000462"), ("SYMP:0000514", "SYMP:0000462"), ("SYMP:0000613", "SYMP:0000410"),
        ("SYMP:0000614", "SYMP:0000514"), ("SYMP:0019177", "SYMP:0000410")}
    assert data.stats["related_synonyms_skipped"] == 1


def test_missing_and_broken_file(kg_fixtures, tmp_path):
    with pytest.raises(SourceError, match=r"symp\.obo does not exist.*medkg sources fetch symptom-ontology"):
        parse_symptom_ontology({"symptom-ontology/symp.obo": tmp_path / "symp.obo"})
    path = tmp_path / "symp.obo"
    shutil.copy(kg_fixtures / "symptom-ontology" / "symp.obo", path)
    path.write_text(path.read_text().replace('synonym: "pyrexia" EXACT []', 'synonym: "pyrexia EXACT []'))
    with pytest.raises(SourceError, match=r"symp\.obo, line \d+: not valid OBO"):
        parse_symptom_ontology({"symptom-ontology/symp.obo": path})


@pytest.mark.slow
def test_real_file(shared_data, load_source):
    data = load_source("symptom-ontology", shared_data / "kg-sources")
    assert data.version == "2026-07-30"
    assert len(data.nodes) == 1020 and data.stats["obsolete_terms"] == 125
    assert data.stats["synonyms"] == 270   # 274 in the file, 4 of them RELATED
    assert Counter(e.predicate.value for e in data.edges) == {"subclass_of": 898}
