"""kg/deid/engine.py: replacement, offsets, date shift, ages, errors (SYNTHETIC text)."""

from __future__ import annotations

import re

import pytest

from kg.deid import Deidentifier, deidentify, random_shift_days
from kg.errors import ConfigError, InputError
from kg.extract.patient import read_patient_context

NOTE = ("SYNTHETIC. Patient: Maria Delgado   MRN: 00731188   DOB 1/2/1948\n"
        "Admitted 03/02/2024 to Mercy General Hospital; discharged March 9, 2024.\n"
        "94 yo F with fever and cough. Daughter Susan Park (617) 555-0186.\n")


@pytest.fixture(scope="module")
def deid() -> Deidentifier:
    return Deidentifier()


def test_placeholders_and_offsets_point_into_both_texts(deid):
    r = deid.deidentify(NOTE)
    assert r.text.startswith("SYNTHETIC. Patient: [NAME]   MRN: [ID]   DOB [DATE]\n")
    assert "[INSTITUTION]" in r.text and "[PHONE]" in r.text and "fever and cough" in r.text
    for s in r.spans:
        assert r.text[s.start:s.end] == s.replacement
        assert NOTE[s.source_start:s.source_end] not in r.text or s.type == "AGE"
    assert not any(w in r.text for w in ("Maria", "Delgado", "00731188", "Susan", "555-0186"))
    assert "spans" in r.to_dict() and "Delgado" not in str(r.to_dict())


def test_age_over_89_is_read_as_90_by_the_extractor(deid):
    for note in ("94 yo F with fever.", "A 96-year-old woman with fever.", "Age: 97. Fever.", "HPI: 99F, fever."):
        text = deid.deidentify(note).text
        assert "9" not in re.sub(r"90", "", text), text
        assert read_patient_context(text).age_years == 90.0, text
    assert read_patient_context(deid.deidentify("45 yo F with fever.").text).age_years == 45.0


def test_shifted_dates_keep_format_and_intervals(deid):
    r = deid.deidentify(NOTE, shift_days=10)
    assert "DOB 1/12/1948" in r.text and "Admitted 03/12/2024" in r.text and "March 19, 2024" in r.text
    assert r.dates_shifted and "[DATE]" not in r.text
    many = deid.deidentify_many(["seen 03/02/2024", "seen 03/09/2024"], shift_dates=True)
    a, b = (re.search(r"\d\d/\d\d/\d{4}", x.text).group() for x in many)
    import datetime as dt
    fmt = "%m/%d/%Y"
    assert (dt.datetime.strptime(b, fmt) - dt.datetime.strptime(a, fmt)).days == 7
    assert a != "03/02/2024"


def test_random_shift_is_never_zero_and_within_a_year():
    shifts = {random_shift_days() for _ in range(200)}
    assert 0 not in shifts and all(-365 <= s <= 365 for s in shifts) and len(shifts) > 50


def test_blank_spacy_engine_gives_the_same_spans(deid):
    blank = Deidentifier(nlp_engine="blank")
    assert [(s.type, s.start, s.end) for s in blank.find(NOTE)] == [(s.type, s.start, s.end) for s in deid.find(NOTE)]


def test_errors_name_the_bad_input(deid):
    with pytest.raises(ConfigError, match="unknown NLP engine 'en_core_web_lg'.*valid: none, blank"):
        Deidentifier(nlp_engine="en_core_web_lg")
    with pytest.raises(InputError, match="needs text, got bytes"):
        deid.find(b"bytes")


def test_module_level_function_and_empty_text():
    assert deidentify("").text == ""
    assert deidentify("No PHI here: fever.").spans == ()
