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
    cfg = SimulationConfig(patients_per_disease=2000, seed=1, present_median=0, imprecise=0.0, specific=0.0,
                           noise_rate=0.0, absent_median=0, lacked_absent=0.0)
    d1 = T.disease_index["OMIM:100001"]
    pats = simulate_patients(T, cfg, diseases=[d1])
    a_one, b_one = T.term_index["HP:0000003"], T.term_index["HP:0000007"]
    share_a = np.mean([a_one in p.present for p in pats])
    share_b = np.mean([b_one in p.present for p in pats])
    # 3/4 and 0.545, plus the rescue when nothing was drawn (about 11% of patients)
    assert 0.72 < share_a < 0.88 and 0.5 < share_b < 0.65
    assert all(p.present for p in pats) and all(p.disease == d1 for p in pats)


def test_imprecision_noise_and_exclusions(T):
    cfg = SimulationConfig(patients_per_disease=300, seed=2, present_median=0, imprecise=1.0, noise_rate=0.0,
                           absent_median=0, lacked_absent=1.0)
    d4 = T.disease_index["OMIM:100004"]
    pats = simulate_patients(T, cfg, diseases=[d4])
    b_parent = T.term_index["HP:0000006"]
    assert np.mean([b_parent in p.present for p in pats]) > 0.9     # B one reported as its parent
    a_one = T.term_index["HP:0000003"]
    assert all(a_one in p.absent for p in pats)                      # the NOT annotation -> excluded
    assert all(not (set(p.present) & set(p.absent)) for p in pats)


def test_report_size_and_pertinent_negatives(T):
    """Reported present terms are capped around the median; most excluded terms are the disease's own."""
    cfg = SimulationConfig(patients_per_disease=400, seed=3, present_median=1, present_spread=0.0, imprecise=0.0,
                           specific=0.0, noise_rate=0.0, absent_median=1, absent_spread=0.0, absent_none=0.0,
                           own_absent_share=1.0, lacked_absent=0.0)
    d1 = T.disease_index["OMIM:100001"]
    own = set(T.disease_terms[d1].tolist())
    pats = simulate_patients(T, cfg, diseases=[d1])
    assert all(len(p.present) == 1 and set(p.present) <= own for p in pats)
    # an excluded term is one of the disease's features the patient was not drawn with; only when the
    # patient was drawn with every feature does an unrelated term stand in
    with_absent = [p for p in pats if p.absent]
    assert len(with_absent) > 0.95 * len(pats)    # an unrelated stand-in can fail to be found on this tiny graph
    assert all(not set(p.absent) & set(p.present) for p in pats)
    # P(some feature was not drawn) = 1 - 0.75 * 0.545 = 0.59 for this disease: then the excluded term is its own
    assert 0.5 < np.mean([set(p.absent) <= own for p in pats]) < 0.7


def test_no_excluded_terms_when_switched_off(T):
    cfg = SimulationConfig(patients_per_disease=50, seed=4, absent_none=1.0, lacked_absent=0.0)
    assert all(not p.absent for p in simulate_patients(T, cfg))
