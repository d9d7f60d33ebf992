"""tests for model/simulate.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.simulate import SimulationConfig, simulate_patients


def test_seeded(T):
    cfg = SimulationConfig(patients_per_disease=3, seed=7)
    assert simulate_patients(T, cfg) == simulate_patients(T, cfg)
    assert simulate_patients(T, cfg) != simulate_patients(T, replace(cfg, seed=8))


def test_frequencies_roughly_respected(T):
    cfg = SimulationConfig(patients_per_disease=2000, seed=1, imprecise=0.0, specific=0.0, noise_rate=0.0, own_absent=0.0,
                           other_absent_rate=0.0, lacked_absent=0.0)
    d1 = T.disease_index["OMIM:100001"]
    pats = simulate_patients(T, cfg, diseases=[d1])
    a_one, b_one = T.term_index["HP:0000003"], T.term_index["HP:0000007"]
    share_a = np.mean([a_one in p.present for p in pats])
    share_b = np.mean([b_one in p.present for p in pats])
    # 3/4 and 0.545, plus the rescue when nothing was drawn (about 11% of patients)
    assert 0.72 < share_a < 0.88 and 0.5 < share_b < 0.65
    assert all(p.present for p in pats) and all(p.disease == d1 for p in pats)


def test_imprecision_noise_and_exclusions(T):
    cfg = SimulationConfig(patients_per_disease=300, seed=2, imprecise=1.0, noise_rate=0.0, own_absent=0.0,
                           other_absent_rate=0.0, lacked_absent=1.0)
    d4 = T.disease_index["OMIM:100004"]
    pats = simulate_patients(T, cfg, diseases=[d4])
    b_parent = T.term_index["HP:0000006"]
    assert np.mean([b_parent in p.present for p in pats]) > 0.9     # B one reported as its parent
    a_one = T.term_index["HP:0000003"]
    assert all(a_one in p.absent for p in pats)                      # the NOT annotation -> excluded
    assert all(not (set(p.present) & set(p.absent)) for p in pats)
