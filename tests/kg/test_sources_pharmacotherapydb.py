from collections import Counter

import pytest

from kg.errors import SourceError
from kg.sources.pharmacotherapydb import parse_pharmacotherapydb
from kg.vocab import Category, Predicate

HEADER = "doid_id\tdrugbank_id\tdisease\tdrug\tcategory\tn_curators\tn_resources\n"


def test_fixture_drugs_and_edges(kg_fixtures, load_source):
    data = load_source("pharmacotherapydb", kg_fixtures)
    assert data.version == "1.0"
    drugs = {n.id: n for n in data.nodes}
    assert drugs["DRUGBANK:DB00843"].label == "Donepezil" and drugs["DRUGBANK:DB00843"].category is Category.DRUG
    assert len(drugs) == 6
    by_pred = Counter(e.predicate for e in data.edges)
    assert by_pred == {Predicate.TREATS: 3, Predicate.AMELIORATES: 1, Predicate.NOT_INDICATED_FOR: 2}
    e = next(e for e in data.edges if e.subject == "DRUGBANK:DB00331")
    assert (e.predicate, e.object, e.qualifier("n_curators"), e.qualifier("n_resources")) == (
        Predicate.TREATS, "DOID:9352", "3", "4")


def _write(tmp_path, body):
    path = tmp_path / "pharmacotherapydb.tsv"
    path.write_text(HEADER + body)
    return {"indications/pharmacotherapydb.tsv": path}


def test_bad_rows(tmp_path):
    with pytest.raises(SourceError, match=r"pharmacotherapydb\.tsv, line 2: unknown category 'XX' \(valid: DM, SYM, NOT\)"):
        parse_pharmacotherapydb(_write(tmp_path, "DOID:10652\tDB00843\tAlzheimer's disease\tDonepezil\tXX\t2\t1\n"))
    with pytest.raises(SourceError, match=r"line 3: expected a DOID and a DrugBank id"):
        parse_pharmacotherapydb(_write(tmp_path, "DOID:10652\tDB00843\tAD\tDonepezil\tDM\t2\t1\n"
                                                 "10652\tDB00843\tAD\tDonepezil\tDM\t2\t1\n"))
    with pytest.raises(SourceError, match=r"line 2: n_curators and n_resources must be counts"):
        parse_pharmacotherapydb(_write(tmp_path, "DOID:10652\tDB00843\tAD\tDonepezil\tDM\ttwo\t1\n"))
    with pytest.raises(SourceError, match=r"pharmacotherapydb\.tsv, line 2: expected 7 tab-separated columns, got 5"):
        parse_pharmacotherapydb(_write(tmp_path, "DOID:10652\tDB00843\tAD\tDonepezil\tDM\n"))
    with pytest.raises(SourceError, match=r"does not exist.*medkg sources fetch pharmacotherapydb"):
        parse_pharmacotherapydb({"indications/pharmacotherapydb.tsv": tmp_path / "nope.tsv"})


@pytest.mark.slow
def test_real_file_counts(shared_data, load_source):
    data = load_source("pharmacotherapydb", shared_data / "kg-sources")
    assert Counter(e.predicate.value for e in data.edges) == {"treats": 755, "ameliorates": 390, "not_indicated_for": 243}
    assert len(data.nodes) == 601 and data.stats["diseases"] == 97
