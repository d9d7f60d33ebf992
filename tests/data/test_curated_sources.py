"""The curated sources common-conditions and drug-safety: ids real, values valid, every row grounded."""

from __future__ import annotations

import re
from collections import Counter

import pytest

YEAR = re.compile(r"\b(19|20)\d\d\b")
CATEGORIES = {"infection", "cardiovascular", "respiratory", "gastrointestinal", "renal_urological", "endocrine",
              "rheumatological", "neurological", "dermatological", "haematological", "obstetric_gynaecological",
              "paediatric", "psychiatric", "eye_ent", "oncology"}
BANDS = {"very common", "common", "uncommon", "rare"}
FREQ = {"very frequent": "HP:0040281", "frequent": "HP:0040282", "occasional": "HP:0040283"}


def _dupes(keys) -> list:
    return [k for k, n in Counter(keys).items() if n > 1]


# ---- common-conditions: conditions.tsv ----

def test_at_least_250_conditions_over_all_categories(cc):
    rows = cc["conditions"]
    assert len(rows) >= 250
    cats = Counter(r["category"] for r in rows)
    assert set(cats) <= CATEGORIES
    required = CATEGORIES - {"oncology", "eye_ent"}
    assert required <= set(cats), required - set(cats)


def test_condition_ids_exist_in_disease_ontology_or_mondo(cc, disease_ids):
    missing = [r["condition_id"] for r in cc["conditions"] if r["condition_id"] not in disease_ids]
    assert not missing
    wrong = [(r["condition_id"], r["ontology_label"], disease_ids[r["condition_id"]])
             for r in cc["conditions"] if disease_ids[r["condition_id"]] != r["ontology_label"]]
    assert not wrong


def test_condition_fields_are_valid(cc):
    for r in cc["conditions"]:
        assert re.fullmatch(r"(DOID|MONDO):\d+", r["condition_id"]), r
        assert r["prevalence_band"] in BANDS, r
        assert r["sex"] in {"any", "female", "male"}, r
        assert r["predominant_sex"] in {"", "female", "male"} and not (r["sex"] != "any" and r["predominant_sex"]), r
        lo = float(r["age_min"]) if r["age_min"] else 0.0
        hi = float(r["age_max"]) if r["age_max"] else 130.0
        assert 0 <= lo <= hi <= 130, r
        assert r["label"].strip() and r["red_flags"].strip(), r


def test_no_duplicate_conditions(cc):
    assert not _dupes(r["condition_id"] for r in cc["conditions"])
    assert not _dupes(r["label"].lower() for r in cc["conditions"])


# ---- findings.tsv ----

def test_finding_hpo_ids_exist_and_are_current(cc, hpo_terms):
    names, obsolete = hpo_terms
    bad = [r["hpo_id"] for r in cc["findings"] if r["hpo_id"] not in names or r["hpo_id"] in obsolete]
    assert not bad
    mislabelled = [(r["hpo_id"], r["hpo_label"]) for r in cc["findings"] if names[r["hpo_id"]] != r["hpo_label"]]
    assert not mislabelled


def test_finding_frequency_bands_match_hpo_frequency_terms(cc, hpo_terms):
    names, _ = hpo_terms
    for r in cc["findings"]:
        assert FREQ.get(r["frequency_band"]) == r["frequency_hpo"], r
    assert {names[t] for t in FREQ.values()} == {"Very frequent", "Frequent", "Occasional"}


def test_every_condition_has_findings_and_findings_name_known_conditions(cc):
    ids = {r["condition_id"] for r in cc["conditions"]}
    with_findings = {r["condition_id"] for r in cc["findings"]}
    assert with_findings <= ids
    assert ids == with_findings
    assert not _dupes((r["condition_id"], r["hpo_id"]) for r in cc["findings"])


def test_findings_include_lab_and_vital_phenotypes(cc):
    hpo = {r["hpo_id"] for r in cc["findings"]}
    # tachycardia, fever, hypoxemia, elevated CRP, leukocytosis, elevated troponin T, elevated creatinine
    for term in ("HP:0001649", "HP:0001945", "HP:0012418", "HP:0011227", "HP:0001974", "HP:0410174", "HP:0003259"):
        assert term in hpo


# ---- treatments.tsv ----

def test_treatment_rows_are_valid(cc):
    ids = {r["condition_id"] for r in cc["conditions"]}
    for r in cc["treatments"]:
        assert r["condition_id"] in ids, r
        assert r["predicate"] in {"treats", "ameliorates"}, r
        assert r["line"] in {"first", "second", "alternative"}, r
        assert r["strength"] in {"strong", "conditional"}, r
        assert r["evidence_level"] in {"high", "moderate", "low", "very low", "not graded"}, r
        group, setting = r["population"].split()
        assert group in {"adult", "child", "pregnant", "any"} and setting in {"outpatient", "inpatient", "ICU", "any"}, r
        assert r["applies_to_subtypes"] in {"true", "false"}, r
        assert r["drug_name"].strip() and r["dose"].strip(), r
    assert not _dupes((r["condition_id"], r["drug_name"], r["population"]) for r in cc["treatments"])


def test_treatment_drug_ids_come_from_pharmacotherapydb_or_labeledin(cc, drug_ids):
    for r in cc["treatments"]:
        if r["drug_id"]:
            assert drug_ids.get(r["drug_id"]) == r["drug_label_in_source"], r
        else:
            assert not r["drug_label_in_source"], r


def test_cap_rows_use_bacterial_pneumonia_and_apply_to_subtypes(cc):
    cap = [r for r in cc["treatments"] if r["condition_id"] == "DOID:874"]
    assert {"amoxicillin", "ceftriaxone", "azithromycin"} <= {r["drug_name"] for r in cap}
    assert all(r["applies_to_subtypes"] == "true" for r in cap)
    assert not [r for r in cc["treatments"] if r["condition_id"] == "DOID:552"]  # never on 'pneumonia' itself


# ---- every table: basis and PMIDs ----

@pytest.mark.parametrize("source,table", [("cc", "conditions"), ("cc", "findings"), ("cc", "treatments"),
                                          ("ds", "classes"), ("ds", "allergy_cross_reactivity"),
                                          ("ds", "contraindications"), ("ds", "interactions")])
def test_every_row_names_its_basis_with_a_year_and_pmids_are_well_formed(source, table, request):
    rows = request.getfixturevalue(source)[table]
    assert rows
    for r in rows:
        basis = r["basis"].strip()
        assert basis, r
        # a guideline or textbook with its year; FDA labels are cited by drug and section (the current label)
        assert YEAR.search(basis) or "living guideline" in basis or basis.startswith("FDA label"), r
        if "pmid" in r and r["pmid"]:
            assert re.fullmatch(r"[1-9]\d{0,8}", r["pmid"]), r
        assert "PMID" not in basis or re.search(r"PMID:?\s?[1-9]\d{0,8}\b", basis), r


# ---- drug-safety ----

def test_drug_classes_cover_the_issue_examples(ds):
    classes = {(r["drug_name"], r["drug_class"]) for r in ds["classes"]}
    assert ("amoxicillin", "penicillins") in classes
    assert ("ampicillin", "penicillins") in classes
    assert ("sulfamethoxazole-trimethoprim", "sulfonamide antibiotics") in classes
    assert not _dupes((r["drug_name"], r["drug_class"]) for r in ds["classes"])


def test_classes_reference_known_drug_ids(ds, drug_ids):
    for r in ds["classes"]:
        if r["drug_id"]:
            assert drug_ids.get(r["drug_id"]) == r["drug_label_in_source"], r


def test_allergy_cross_reactivity_uses_known_classes(ds):
    known = {r["drug_class"] for r in ds["classes"]}
    for r in ds["allergy_cross_reactivity"]:
        assert r["allergy_class"] in known and r["avoid_class"] in known, r
        assert r["severity"] in {"contraindicated", "avoid"}, r
    pen = {r["avoid_class"] for r in ds["allergy_cross_reactivity"] if r["allergy_class"] == "penicillins"}
    assert "penicillins" in pen


def test_contraindications_are_well_formed(ds, cc):
    known_classes = {r["drug_class"] for r in ds["classes"]}
    known_drugs = ({r["drug_id"] for r in ds["classes"] if r["drug_id"]} | {r["drug_name"] for r in ds["classes"]}
                   | {r["drug_id"] for r in cc["treatments"] if r["drug_id"]} | {r["drug_name"] for r in cc["treatments"]})
    condition_ids = {r["condition_id"] for r in cc["conditions"]}
    for r in ds["contraindications"]:
        if r["subject_type"] == "class":
            assert r["subject"] in known_classes, r
        else:
            assert r["subject_type"] == "drug", r
            assert r["subject"] in known_drugs or r["subject_label"] in {"misoprostol", "ribavirin"}, r
        assert r["severity"] in {"contraindicated", "avoid"}, r
        if r["kind"] == "condition":
            assert r["value"] in condition_ids, r
        elif r["kind"] in {"age_below", "egfr_below"}:
            assert 0 < float(r["value"]) < 130, r
        else:
            assert r["kind"] == "pregnancy" and r["value"] in {"any", "first trimester", "from 20 weeks", "at term"}, r
    assert not _dupes((r["subject"], r["kind"], r["value"]) for r in ds["contraindications"])


def test_safety_covers_pregnancy_renal_and_age_for_treatment_drugs(ds):
    ci = {(r["subject_label"], r["kind"]) for r in ds["contraindications"]}
    assert ("ace inhibitors", "pregnancy") in ci
    assert ("isotretinoin", "pregnancy") in ci
    assert ("biguanides", "egfr_below") in ci
    assert ("nitrofurantoin", "egfr_below") in ci
    assert ("salicylates", "age_below") in ci


def test_interactions_reference_known_subjects(ds, cc):
    known_classes = {r["drug_class"] for r in ds["classes"]}
    for r in ds["interactions"]:
        for side in ("a", "b"):
            if r[f"type_{side}"] == "class":
                assert r[f"subject_{side}"] in known_classes, r
            else:
                assert r[f"type_{side}"] == "drug" and r[f"subject_{side}"], r
        assert r["severity"] in {"contraindicated", "avoid"}, r
    assert not _dupes((r["subject_a"], r["subject_b"]) for r in ds["interactions"])
    pairs = {(r["label_a"], r["label_b"]) for r in ds["interactions"]}
    assert ("pde5 inhibitors", "nitrates") in pairs
