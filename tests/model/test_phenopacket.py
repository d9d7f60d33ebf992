"""tests for model/phenopacket.py on hand-made phenopackets (tests/fixtures/phenopackets/)."""

from __future__ import annotations

import gzip

import pytest

from kg.errors import InputError
from model.phenopacket import case_from_phenopacket, parse_iso8601_age, read_cases


def test_jsonl(phenopacket_dir):
    cases = list(read_cases(phenopacket_dir / "cases.jsonl"))
    assert [c.id for c in cases] == ["PMID_1000_patient_1", "PMID_1001_patient_2", "newer_diagnosis"]
    c = cases[0]
    assert c.present == ["HP:0000003", "HP:0000007"] and c.absent == ["HP:0000010"]
    assert c.diseases == ["OMIM:100001"] and c.pmids == ["PMID:1000"] and c.age_years == 2.0 and c.sex == "male"
    assert cases[1].diseases == ["OMIM:100002"]  # the excluded disease is skipped
    assert cases[1].pmids == ["PMID:1001"] and cases[1].sex == "female" and cases[1].age_years is None
    assert cases[2].diseases == ["OMIM:999999"] and cases[2].pmids == []
    assert len(list(read_cases(phenopacket_dir / "cases.jsonl", limit=2))) == 2


def test_gzip_single_and_compact(phenopacket_dir, tmp_path):
    gz = tmp_path / "cases.jsonl.gz"
    gz.write_bytes(gzip.compress((phenopacket_dir / "cases.jsonl").read_bytes()))
    assert len(list(read_cases(gz))) == 3
    (single,) = read_cases(phenopacket_dir / "single.json")
    assert single.present == ["HP:0000008"] and single.absent == ["HP:0000003"] and single.diseases == ["ORPHA:5"]
    compact = list(read_cases(phenopacket_dir / "compact.json"))
    assert compact[1].present == ["HP:0000004"] and compact[1].absent == ["HP:0000003"]
    assert compact[0].diseases == ["OMIM:100001"]


def test_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(read_cases(tmp_path / "nope.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n{not json\n')
    with pytest.raises(InputError, match="bad.jsonl:2"):
        list(read_cases(bad))
    with pytest.raises(InputError, match="JSON object"):
        case_from_phenopacket([1, 2])


def test_ages():
    assert parse_iso8601_age("P1Y6M") == 1.5 and parse_iso8601_age("P14D") == pytest.approx(0.0383, abs=1e-3)
    assert parse_iso8601_age("") is None and parse_iso8601_age("garbage") is None


def test_ranks_fixture_cases_with_lr(G, phenopacket_dir):
    from model.ranker import load_ranker

    r = load_ranker(G, None, "lr")
    cases = list(read_cases(phenopacket_dir / "cases.jsonl"))
    out = r.rank(cases[0].present, cases[0].absent)
    assert out.diagnoses[0].disease_id == "OMIM:100001"
    out = r.rank(cases[1].present, cases[1].absent)
    assert out.obsolete_mapped == {"HP:0000011": "HP:0000003"} and out.unknown_ids == ["HP:9999999"]
