"""kg/deid/recognizers.py: each PHI type on hand-written SYNTHETIC snippets, and what must survive."""

from __future__ import annotations

import pytest

from kg.deid import Deidentifier


@pytest.fixture(scope="module")
def deid() -> Deidentifier:
    return Deidentifier()


def found(deid, text):
    return [(s.type, s.text) for s in deid.find(text)]


@pytest.mark.parametrize("text, expected", [
    ("Seen by Dr. Priya Raman today.", [("NAME", "Priya Raman")]),
    ("Daughter Susan Park called.", [("NAME", "Susan Park")]),
    ("Patient: Harold Jenkins", [("NAME", "Harold Jenkins")]),
    ("Electronically signed: Thomas Whitfield, MD", [("NAME", "Thomas Whitfield")]),
    ("J. Moreno, PA-C", [("NAME", "J. Moreno")]),
    ("Hiroshi Tanaka, 61 yo M, with cough.", [("NAME", "Hiroshi Tanaka")]),
    ("Grace Bell is a 58-year-old woman.", [("NAME", "Grace Bell")]),
    ("her daughter April accompanied her", [("NAME", "April")]),
    ("PATIENT: DOE, JOHN", [("NAME", "DOE, JOHN")]),
    ("Discharge, Smith, Jane, 45 yo F", [("NAME", "Smith, Jane")]),
])
def test_names_by_trigger_list_and_context(deid, text, expected):
    assert found(deid, text) == expected


@pytest.mark.parametrize("text", [
    "History of Parkinson disease with resting tremor.",
    "Follow-up for Bell's palsy, facial weakness improving.",
    "Positive Murphy's sign. Graves disease on methimazole. Down syndrome. Crohn's disease.",
    "Huntington disease is not present. Cushing syndrome features absent. Addison's disease.",
    "Grade 2/6 systolic murmur, strength 5/5, pain 6/10, BP 138/82, 5-0 sutures, HR 104.",
    "MOTOR IS 5/5 IN ALL EXTREMITIES, with 5/5 motor strength in all.",
    "Major depressive disorder. Will start sertraline 50 mg.",
    "Hospital course: improved. Chest X-ray clear. T 99F. Temp 100F.",
])
def test_clinical_text_is_left_alone(deid, text):
    assert found(deid, text) == []


def test_eponym_surname_is_redacted_but_the_disease_is_not(deid):
    text = "Arthur Parkinson is a 68-year-old man; the question is Parkinson disease. Mr. Parkinson denies falls."
    spans = deid.find(text)
    assert [(s.type, s.text) for s in spans] == [("NAME", "Arthur Parkinson"), ("NAME", "Parkinson")]
    assert "Parkinson disease" in deid.deidentify(text).text


@pytest.mark.parametrize("text, kind, value", [
    ("DOB 04/17/1951", "DATE", "04/17/1951"), ("admitted 14-Feb-2024", "DATE", "14-Feb-2024"),
    ("on March 21, 2024", "DATE", "March 21, 2024"), ("CXR 3/2 clear", "DATE", "3/2"),
    ("MRI 2024-03-14", "DATE", "2024-03-14"), ("Labs Oct 28: CRP 12", "DATE", "Oct 28"),
    ("pacemaker placed June 2019", "DATE", "June 2019"), ("seen Monday, May 13, 2024", "DATE", "Monday, May 13, 2024"),
    ("A 94-year-old woman", "AGE", "94"), ("91 yo F", "AGE", "91"), ("Age: 102", "AGE", "102"),
    ("call (617) 555-0142", "PHONE", "(617) 555-0142"), ("tel +1 617 555 0177", "PHONE", "+1 617 555 0177"),
    ("MRN: 00482913", "ID", "00482913"), ("SSN 078-05-1120", "ID", "078-05-1120"),
    ("device serial PJN204815R", "ID", "PJN204815R"), ("Medicare ID 1EG4-TE5-MK73", "ID", "1EG4-TE5-MK73"),
    ("email a.b@example.org now", "EMAIL", "a.b@example.org"), ("from IP 10.24.8.113", "IP", "10.24.8.113"),
    ("see https://portal.example.org/r/1.", "URL", "https://portal.example.org/r/1"),
    ("at Mercy General Hospital", "INSTITUTION", "Mercy General Hospital"),
    ("lives at 48 Cedar Street, Apt 3", "ADDRESS", "48 Cedar Street, Apt 3"),
])
def test_structured_phi(deid, text, kind, value):
    assert (kind, value) in found(deid, text)


def test_town_only_in_an_address_context(deid):
    assert ("ADDRESS", "Quincy") in found(deid, "Home: 48 Cedar Street, Quincy, MA 02169.")
    assert ("ADDRESS", "02169") in found(deid, "Home: 48 Cedar Street, Quincy, MA 02169.")
    assert found(deid, "Normal sinus rhythm.") == []
