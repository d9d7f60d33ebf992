import pytest

from kg.errors import SourceError
from kg.sources.disease_symptom import parse_disease_symptom
from kg.sources.registry import get_source
from kg.vocab import Predicate


def test_registered_after_do_and_symp():
    assert get_source("do-disease-symptom").after == ("disease-ontology", "symptom-ontology")


def test_fixture_edges(kg_fixtures, load_source):
    data = load_source("do-disease-symptom", kg_fixtures)
    assert data.nodes == [] and data.version == "9fbefd6"
    assert [(e.subject, e.predicate, e.object) for e in data.edges] == [
        ("DOID:552", Predicate.HAS_PHENOTYPE, "SYMP:0000614"), ("DOID:552", Predicate.HAS_PHENOTYPE, "SYMP:0000613"),
        ("DOID:9352", Predicate.HAS_PHENOTYPE, "SYMP:0019177")]
    assert all(not e.qualifier("frequency") for e in data.edges)
    assert data.stats["duplicates"] == 1


def test_bad_rows(tmp_path):
    path = tmp_path / "disease-symptom.tsv"
    files = {"disease-ontology/disease-symptom.tsv": path}
    path.write_text("disease_id\tdisease_label\tsymptom_id\tsymptom_label\nDOID:552\tpneumonia\tHP:0012735\tcough\n")
    with pytest.raises(SourceError, match=r"disease-symptom\.tsv, line 2: expected a DOID and a SYMP id"):
        parse_disease_symptom(files)
    path.write_text("disease_id\tdisease_label\tsymptom_id\tsymptom_label\nDOID:552\tpneumonia\tSYMP:0000614\n")
    with pytest.raises(SourceError, match=r"disease-symptom\.tsv, line 2: expected 4 tab-separated columns, got 3"):
        parse_disease_symptom(files)
    path.unlink()
    with pytest.raises(SourceError, match=r"does not exist.*medkg sources fetch do-disease-symptom"):
        parse_disease_symptom(files)


@pytest.mark.slow
def test_real_file(shared_data, load_source):
    root = shared_data / "kg-sources"
    data = load_source("do-disease-symptom", root)
    assert len(data.edges) == 2222 and data.stats["diseases"] == 863 and data.stats["symptoms"] == 300
    symp = {n.id for n in load_source("symptom-ontology", root).nodes}
    do = {n.id for n in load_source("disease-ontology", root).nodes}
    assert all(e.object in symp for e in data.edges)
    # 5 DOIDs of this report are not (or no longer) in HumanDO.tsv
    assert len({e.subject for e in data.edges} - do) == 5
