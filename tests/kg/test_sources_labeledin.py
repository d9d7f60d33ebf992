from collections import Counter

import pytest

from kg.errors import SourceError
from kg.sources.labeledin import parse_labeledin
from kg.vocab import Category, Predicate

HEADER = "rxnorm_id\tdisease_cui\tn_labels\texpert\tcrowd\tdisease_mesh_name\trxnorm_name\n"


def test_fixture_nodes_and_edges(kg_fixtures, load_source):
    data = load_source("labeledin", kg_fixtures)
    nodes = {n.id: n for n in data.nodes}
    assert nodes["RXNORM:6809"].label == "Metformin" and nodes["RXNORM:6809"].category is Category.DRUG
    assert nodes["UMLS:C0011860"].label == "Diabetes Mellitus, Type 2" and nodes["UMLS:C0011860"].category is Category.DISEASE
    hashimoto = nodes["UMLS:C0677607"]
    assert hashimoto.label == "Hashimoto's Struma" and hashimoto.synonyms == ("Hashimoto Disease",)
    assert nodes["UMLS:C0007115"].label == "UMLS:C0007115"   # no MeSH name in the file
    assert len(data.edges) == 5 and all(e.predicate is Predicate.TREATS for e in data.edges)
    e = next(e for e in data.edges if e.subject == "RXNORM:6809")
    assert e.object == "UMLS:C0011860"
    assert dict(e.qualifiers) == {"n_labels": "12", "evidence": "FDA drug label", "note": "curated by expert"}
    assert data.stats["duplicate_pairs"] == 1 and data.stats["combination_rows_skipped"] == 1
    assert data.stats["malformed_cui_rows_skipped"] == 1 and data.stats["diseases_without_name"] == 1


def _write(tmp_path, body):
    path = tmp_path / "labeledin.tsv"
    path.write_text(HEADER + body)
    return {"indications/labeledin.tsv": path}


def test_bad_rows(tmp_path):
    with pytest.raises(SourceError, match=r"labeledin\.tsv, line 2: expected an RxNorm id \(digits\) and a UMLS CUI"):
        parse_labeledin(_write(tmp_path, "metformin\tC0011860\t12\t1\t0\tDiabetes\tMetformin\n"))
    with pytest.raises(SourceError, match=r"line 2: n_labels must be a count"):
        parse_labeledin(_write(tmp_path, "6809\tC0011860\tmany\t1\t0\tDiabetes\tMetformin\n"))
    with pytest.raises(SourceError, match=r"labeledin\.tsv, line 3: expected 7 tab-separated columns, got 4"):
        parse_labeledin(_write(tmp_path, "6809\tC0011860\t12\t1\t0\tDiabetes\tMetformin\n6809\tC0011860\t12\t1\n"))
    with pytest.raises(SourceError, match=r"does not exist.*medkg sources fetch labeledin"):
        parse_labeledin({})


@pytest.mark.slow
def test_real_file_counts(shared_data, load_source):
    data = load_source("labeledin", shared_data / "kg-sources")
    assert data.stats["rows"] == 2813   # of 2,853: 39 combination rows and 1 malformed CUI skipped
    assert Counter(e.predicate.value for e in data.edges) == {"treats": 2810}
    assert Counter(n.category.value for n in data.nodes) == {"Drug": 511, "Disease": 986}
    assert data.stats["combination_rows_skipped"] == 39 and data.stats["duplicate_pairs"] == 3
