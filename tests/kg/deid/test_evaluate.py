"""kg/deid/evaluate.py and the annotated note set (SYNTHETIC): format, counts, dev scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.deid import PHI_TYPES, Deidentifier
from kg.deid.evaluate import load_annotated, parse_annotated, score
from kg.errors import InputError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "deid"


def test_note_set_has_every_type_and_enough_spans():
    dev, test = load_annotated(FIXTURES / "dev.txt"), load_annotated(FIXTURES / "test.txt")
    spans = [s for n in dev + test for s in n.spans]
    assert len(spans) >= 300
    assert {s.type for s in spans} == set(PHI_TYPES)
    assert {n.style for n in dev + test} >= {"discharge", "ed", "clinic"}
    assert not {n.id for n in dev} & {n.id for n in test}
    assert all("synthetic" in n.text.lower() for n in dev + test)


def test_parse_errors_and_mismatch():
    with pytest.raises(InputError, match="no '=== ID"):
        parse_annotated("just text")
    with pytest.raises(InputError, match="does not exist"):
        load_annotated(FIXTURES / "missing.txt")
    with pytest.raises(InputError, match="1 notes but 0 prediction lists"):
        score(parse_annotated("=== a | ed ===\nx\n"), [])


def test_dev_set_scores_meet_the_targets():
    """The tuning split (the held-out test split is only read by bench/deidentify.py)."""
    notes = load_annotated(FIXTURES / "dev.txt")
    deid = Deidentifier()
    result = score(notes, [deid.find(n.text) for n in notes])
    assert all(s.recall >= 0.95 and s.precision >= 0.85 for s in result.values()), \
        {t: (s.recall, s.precision) for t, s in result.items()}
