"""Value rules and patient context (synthetic vitals and labs)."""

import pytest

from kg.extract.patient import read_patient_context
from kg.extract.values import VALUE_CONCEPTS, find_values


@pytest.mark.parametrize("text, cid, value, threshold", [
    ("T 39.2 C", "HP:0001945", "39.2 C", ">= 38.0 C"),
    ("Temp 102.5F", "HP:0001945", "102.5 F", ">= 100.4 F"),
    ("HR 124", "HP:0001649", "124 /min", "> 100 /min"),
    ("SpO2 86%", "HP:0012418", "86 %", "< 90 %"),
    ("BP 172/104", "HP:0000822", "172/104 mmHg", ">= 140/90 mmHg"),
    ("Hb 7.9", "HP:0001903", "7.9 g/dL", "< 12.0 g/dL"),
    ("RR 28", "HP:0002789", "28 /min", "> 20 /min"),
    ("WBC 18.2", "HP:0001974", "18.2 x10^9/L", "> 11.0 x10^9/L"),
    ("Na 128", "HP:0002902", "128 mmol/L", "< 135 mmol/L"),
    ("K 6.1", "HP:0002153", "6.1 mmol/L", "> 5.0 mmol/L"),
    ("glucose 320", "HP:0003074", "320 mg/dL", ">= 200 mg/dL"),
])
def test_value_rule_fires(text, cid, value, threshold):
    [v] = find_values(text)
    assert (v.concept_id, v.value, v.threshold) == (cid, value, threshold)


@pytest.mark.parametrize("text", ["T 37.0 C", "Temp 98.6F", "HR 80", "SpO2 97%", "BP 120/80", "Hb 14.1", "RR 16",
                                  "WBC 7.2", "Na 140", "K 4.1", "glucose 95",
                                  "call if temperature greater than 101"])
def test_normal_values_do_not_fire(text):
    assert find_values(text) == []


def test_anemia_threshold_depends_on_sex():
    assert find_values("Hb 12.5", sex="male") and not find_values("Hb 12.5", sex="female")


def test_values_in_extraction_record_value_and_threshold(extractor):
    [f] = extractor.extract("Vitals: HR 124").findings
    assert (f.concept_id, f.label, f.value, f.threshold, f.section) == (
        "HP:0001649", "Tachycardia", "124 /min", "> 100 /min", "physical_exam")


@pytest.mark.parametrize("text, age, sex", [
    ("45 yo F", 45.0, "female"), ("45-year-old woman", 45.0, "female"), ("62 y/o male", 62.0, "male"),
    ("Age: 30, Sex: M", 30.0, "male"), ("9-month-old girl", 0.75, "female"), ("smoked for 20 years", None, None),
])
def test_patient_context(text, age, sex, extractor):
    ctx = read_patient_context(text)
    assert (ctx.age_years, ctx.sex) == (age, sex)


def test_value_concepts_are_hpo_labels():
    assert VALUE_CONCEPTS["HP:0001945"] == "Fever" and all(k.startswith("HP:") and v for k, v in VALUE_CONCEPTS.items())
