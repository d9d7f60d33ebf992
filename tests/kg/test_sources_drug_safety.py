"""The drug-safety reader: classes, allergy cross-reactivity, contraindications, interactions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.errors import SourceError
from kg.sources.drug_safety import read_drug_safety

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "curated" / "drug-safety"


def test_fixture_answers_the_treatment_questions():
    ds = read_drug_safety(FIXTURE)
    assert ds.classes_of("amoxicillin") == {"penicillins", "beta-lactam antibiotics"}
    assert ds.classes_of("RXNORM:723") == ds.classes_of("Amoxicillin")
    assert ds.allergy_excludes("penicillins") == {"penicillins", "beta-lactam antibiotics"}
    assert "cephalosporins" in ds.classes_of("cefalexin")
    ramipril = ds.contraindications_of("ramipril")
    assert ("pregnancy", "any", "contraindicated") in [(c.kind, c.value, c.severity) for c in ramipril]
    assert ("condition", "DOID:1558", "contraindicated") in [(c.kind, c.value, c.severity) for c in ramipril]  # angioedema
    assert ramipril[0].basis.startswith("FDA label")
    assert [i.severity for i in ds.interactions_between("nitroglycerin", "sildenafil")] == ["contraindicated"]
    assert ds.interactions_between("sildenafil", "sildenafil") == []
    assert ds.interactions_between("amoxicillin", "ramipril") == []


def test_unknown_class_is_rejected_with_file_and_line(tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(FIXTURE, root)
    text = (root / "interactions.tsv").read_text().replace("pde5 inhibitors", "pde6 inhibitors")
    (root / "interactions.tsv").write_text(text)
    with pytest.raises(SourceError, match=r"interactions.tsv, line 2: class 'pde6 inhibitors' is not in classes.tsv"):
        read_drug_safety(root)


def test_pregnancy_value_is_checked(tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(FIXTURE, root)
    text = (root / "contraindications.tsv").read_text().replace("\tpregnancy\tany\t", "\tpregnancy\tsometimes\t", 1)
    (root / "contraindications.tsv").write_text(text)
    with pytest.raises(SourceError, match=r"contraindications.tsv, line 2: value 'sometimes'"):
        read_drug_safety(root)


def test_shipped_tables_load():
    ds = read_drug_safety()
    assert "sulfonamide antibiotics" in ds.classes_of("sulfamethoxazole-trimethoprim")
    assert any(c.kind == "egfr_below" for c in ds.contraindications_of("metformin"))
    assert ds.interactions_between("apixaban", "warfarin")
