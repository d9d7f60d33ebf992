"""Bad input: empty, too large, not UTF-8, binary; the example notes; pipe."""

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.extract import build_extractor

EXAMPLES = Path(__file__).resolve().parents[3] / "data" / "examples"


@pytest.mark.parametrize("note, match", [
    ("", "note is empty"), ("   \n ", "note is empty"), (b"", "note is empty"),
    (b"fever \xff\xfe cough", "not valid UTF-8"), (b"\x00\x01\x02binary", "binary"),
    ("abc\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10", "binary"), (42, "must be str or UTF-8 bytes"),
])
def test_bad_input(extractor, note, match):
    with pytest.raises(InputError, match=match):
        extractor.extract(note)


def test_five_megabyte_note_is_refused_quickly(extractor):
    with pytest.raises(InputError, match="maximum is"):
        extractor.extract("fever and cough. " * 300_000)


def test_large_note_under_a_raised_limit(tiny_terms):
    ex = build_extractor(tiny_terms, max_chars=3_000_000)
    res = ex.extract("Denies fever. Has cough.\n" * 4000)
    assert len(res.mentions) == 8000 and res.mentions[0].negated and not res.mentions[1].negated
    assert [f.assertion for f in res.findings] == ["absent", "present"]  # one finding per concept and assertion


def test_utf8_bytes_are_accepted(extractor):
    assert [f.concept_id for f in extractor.extract("café, fever".encode()).findings] == ["HP:0001945"]


def test_pipe_keeps_order(extractor):
    notes = ["No fever.", "Cough.", "Mother had asthma."]
    out = list(extractor.pipe(notes))
    assert [r.findings[0].concept_id for r in out] == ["HP:0001945", "HP:0012735", "HP:0002099"]
    assert out[0].findings[0].negated and out[2].findings[0].experiencer == "family"


def test_examples_are_synthetic_and_read_right(extractor):
    for p in EXAMPLES.glob("note_*.txt"):
        assert p.read_text().startswith("SYNTHETIC EXAMPLE NOTE — not a real patient.")
    res = extractor.extract((EXAMPLES / "note_sob_fever.txt").read_text())
    by = {(f.concept_id, f.text): f for f in res.mentions}
    assert res.context.age_years == 67 and res.context.sex == "male"
    assert by[("HP:0001945", "T 39.2 C")].is_present and by[("HP:0012418", "SpO2 86%")].value == "86 %"
    assert by[("HP:0002094", "SOB")].is_present and by[("HP:0002315", "headache")].negated
    assert by[("HP:0002099", "asthma")].experiencer == "family"
    assert by[("HP:0000822", "HTN")].historical
    neg = extractor.extract((EXAMPLES / "note_negations.txt").read_text())
    assert {f.text for f in neg.mentions if f.negated} >= {"fever", "chills", "cough", "chest pain", "Vomiting"}
    assert not [f for f in neg.mentions if f.text == "nausea"][0].negated
    marfan = extractor.extract((EXAMPLES / "note_marfan.txt").read_text())
    got = {f.concept_id: f for f in marfan.findings}
    assert {"HP:0000098", "HP:0001166", "HP:0001083", "HP:0000767"} <= set(got)
    assert got["HP:0002647"].experiencer == "family" and got["HP:0001250"].negated
