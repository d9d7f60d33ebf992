"""bench/vignettes/vignettes.jsonl: synthetic, split fixed before tuning, ids real, first-line drugs grounded."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

VIGNETTES = Path(__file__).resolve().parents[2] / "bench" / "vignettes" / "vignettes.jsonl"
# sha256 of the sorted test-split ids, fixed when the split was committed (2026-12-02): the test
# split must not change after tuning starts. New vignettes go into dev.
TEST_SPLIT_SHA256 = "4e86e36ad507f0041392e4ee8476b6028c9098d47756d4b152a69cdb2fa9dd06"


@pytest.fixture(scope="module")
def vignettes() -> list[dict]:
    with open(VIGNETTES, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_sizes_and_split(vignettes):
    splits = Counter(v["split"] for v in vignettes)
    assert len(vignettes) >= 100
    assert splits["test"] >= 40 and splits["dev"] >= 40
    assert set(splits) == {"dev", "test"}
    assert len({v["id"] for v in vignettes}) == len(vignettes)


def test_test_split_is_frozen(vignettes):
    ids = sorted(v["id"] for v in vignettes if v["split"] == "test")
    assert hashlib.sha256("\n".join(ids).encode()).hexdigest() == TEST_SPLIT_SHA256


def test_every_category_is_in_both_splits(vignettes):
    cats = Counter((v["category"], v["split"]) for v in vignettes)
    categories = {v["category"] for v in vignettes}
    assert len(categories) >= 13
    for c in categories:
        assert cats[(c, "dev")] and cats[(c, "test")], c


def test_notes_are_labelled_synthetic_and_state_age_and_sex(vignettes):
    for v in vignettes:
        assert v["synthetic"] is True
        assert v["note"].startswith("SYNTHETIC VIGNETTE")
        assert v["sex"] in {"female", "male"}
        body = v["note"].lower()
        assert str(v["age"]) in body or "month" in body or "week" in body, v["id"]
        assert v["patient"]["age"] == v["age"] and v["patient"]["sex"] == v["sex"]


def test_accepted_ids_exist(vignettes, cc, disease_ids):
    curated = {r["condition_id"] for r in cc["conditions"]}
    for v in vignettes:
        assert v["accepted_ids"], v["id"]
        assert v["accepted_ids"][0] in curated, v["id"]
        for i in v["accepted_ids"]:
            assert i in curated or i in disease_ids, (v["id"], i)


def test_first_line_drugs_are_guideline_rows_for_an_accepted_diagnosis(vignettes, cc):
    rows = {(r["condition_id"], r["drug_name"]): r for r in cc["treatments"]}
    with_first_line = [v for v in vignettes if v["first_line"]]
    assert sum(v["split"] == "test" for v in with_first_line) >= 30
    for v in with_first_line:
        for drug in v["first_line"]:
            match = [rows[(i, drug["drug_name"])] for i in v["accepted_ids"] if (i, drug["drug_name"]) in rows]
            assert match, (v["id"], drug["drug_name"])
            assert match[0]["drug_id"] == drug["drug_id"] and drug["basis"]


def test_patients_fit_the_age_range_and_sex_of_their_diagnosis(vignettes, cc):
    conditions = {r["condition_id"]: r for r in cc["conditions"]}
    for v in vignettes:
        c = conditions[v["accepted_ids"][0]]
        lo = float(c["age_min"] or 0)
        hi = float(c["age_max"] or 200)
        assert lo <= v["age"] <= hi, (v["id"], c["label"])
        assert c["sex"] in ("any", v["sex"]), (v["id"], c["label"])
