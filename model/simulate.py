"""Simulated patients sampled from the graph's own annotations: the Transformer's training data.

Never built from evaluation cases. As in the LIRICAL and Phenomizer evaluations, a patient of
disease ``d`` shows each annotated phenotype with its frequency (the default frequency when the
source gives none), a case report lists a handful of them, some terms are reported imprecisely
(moved to an ancestor) or more specifically, unrelated noise terms are added (drawn from the
annotation background), and some phenotypes are reported as excluded: mostly features of ``d``
this patient happens not to show (pertinent negatives), some features other diseases have that
``d`` does not, and features ``d`` is annotated as lacking. Seeded: the same seed gives the same
patients.

>>> from tests.model.conftest import tiny_graph
>>> from model.annotations import build_annotation_table
>>> T = build_annotation_table(tiny_graph())
>>> a = simulate_patients(T, SimulationConfig(patients_per_disease=2, seed=1))
>>> b = simulate_patients(T, SimulationConfig(patients_per_disease=2, seed=1))
>>> a == b, len(a) == 2 * T.n_diseases
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from model.annotations import AnnotationTable

__all__ = ["SimulationConfig", "SimulatedPatient", "simulate_patients"]


@dataclass(frozen=True)
class SimulationConfig:
    """How simulated patients deviate from their disease's annotations.

    The defaults follow what published cases look like next to the annotations (aggregate
    shares measured on a 1,500-case sample of the dev phenopackets, never their terms): a
    median of 7 present terms (mean 8.7), of lower information content than a random pick of
    the disease's features (mean IC 4.2 vs 4.8), and 7 excluded ones (15% list none); about 75% of
    present terms are annotated exactly, 20% are more specific than (or siblings of) an
    annotation, few are more general, few are unrelated; about 73% of excluded terms are
    features of the disease that the patient does not show.

    ``present_median`` / ``absent_median`` of 0 switch the caps off (every drawn feature is
    reported; no excluded terms besides ``lacked_absent``).
    """

    patients_per_disease: int = 2
    seed: int = 0
    present_median: float = 7.0    # number of present terms reported: log-normal with this median...
    present_spread: float = 0.7    # ...and this sigma, capped by the features drawn by frequency
    report_ic_bias: float = 0.4    # reports favour common terms: a drawn feature is kept with weight exp(-bias * IC)
    imprecise: float = 0.04        # chance a present term is reported as a (non-root) ancestor
    specific: float = 0.2          # chance a present term is reported as a child or sibling
    noise_rate: float = 0.2        # mean number of unrelated present terms (Poisson)
    absent_median: float = 7.0     # number of excluded terms: log-normal with this median...
    absent_spread: float = 0.9     # ...and this sigma
    absent_none: float = 0.15      # chance a patient lists no excluded terms
    own_absent_share: float = 0.9  # share of excluded terms that are features of the disease the patient lacks
    lacked_absent: float = 0.5     # chance an explicitly lacked feature of the disease is reported excluded


@dataclass(frozen=True)
class SimulatedPatient:
    disease: int                   # disease index of the table
    present: tuple[int, ...]       # term indices
    absent: tuple[int, ...]


def _lognormal_count(rng: np.random.Generator, median: float, spread: float) -> int:
    """A count >= 1 drawn log-normally around ``median``; 0 when ``median`` is 0 (no cap)."""
    if median <= 0:
        return 0
    return max(1, int(round(float(rng.lognormal(np.log(median), spread)))))


def simulate_patients(T: AnnotationTable, config: SimulationConfig = SimulationConfig(),
                      diseases: Sequence[int] | None = None) -> list[SimulatedPatient]:
    """``patients_per_disease`` patients for every disease index in ``diseases`` (default: all annotated)."""
    rng = np.random.default_rng(config.seed)
    if diseases is None:
        diseases = [d for d in range(T.n_diseases) if len(T.disease_terms[d])]
    # background for noise / "other" excluded terms: terms weighted by how often they are annotated
    counts = np.bincount(T.ann_t, minlength=T.n_terms).astype(np.float64)
    counts[T.root_mask] = 0
    bg_p = counts / counts.sum() if counts.sum() else np.full(T.n_terms, 1.0 / T.n_terms)
    exc_by_d: dict[int, list[int]] = {}
    for d, t in zip(T.exc_d.tolist(), T.exc_t.tolist()):
        exc_by_d.setdefault(d, []).append(t)
    children: list[list[int]] = [[] for _ in range(T.n_terms)]
    for c, ps in enumerate(T.parents):
        for p in ps.tolist():
            children[p].append(c)
    out: list[SimulatedPatient] = []
    for d in diseases:
        terms = T.disease_terms[d]
        freqs = T.disease_freqs[d]
        if len(terms) == 0:
            continue
        for _ in range(config.patients_per_disease):
            show = rng.random(len(terms)) < freqs
            if not show.any():
                show[int(np.argmax(freqs + rng.random(len(terms)) * 1e-3))] = True
            chosen = terms[show]
            n_keep = _lognormal_count(rng, config.present_median, config.present_spread)
            if n_keep and len(chosen) > n_keep:
                w = np.exp(-config.report_ic_bias * T.ic[chosen].astype(np.float64))
                chosen = rng.choice(chosen, n_keep, replace=False, p=w / w.sum())
            present = []
            for t in chosen.tolist():
                u = rng.random()
                if u < config.imprecise:
                    anc, dist = T.ancestor_idx(t)
                    ok = (dist > 0) & (dist <= 2) & ~T.root_mask[anc]
                    if ok.any():
                        t = int(rng.choice(anc[ok]))
                elif u < config.imprecise + config.specific:
                    near = children[t] if children[t] and rng.random() < 0.5 else \
                        [s for p in T.parents[t].tolist() for s in children[p] if s != t]
                    if near:
                        t = int(near[rng.integers(len(near))])
                present.append(t)
            n_noise = rng.poisson(config.noise_rate)
            if n_noise:
                present += rng.choice(T.n_terms, n_noise, p=bg_p).tolist()
            absent: list[int] = []
            n_abs = 0 if rng.random() < config.absent_none else \
                _lognormal_count(rng, config.absent_median, config.absent_spread)
            if n_abs:
                own = terms[~show]
                n_own = min(len(own), int(rng.binomial(n_abs, config.own_absent_share)))
                if n_own:
                    absent += rng.choice(own, n_own, replace=False).tolist()
                n_other = n_abs - n_own
                if n_other:
                    cand = rng.choice(T.n_terms, n_other * 3, p=bg_p)
                    col = T.M[:, cand]
                    lacking = [int(t) for t, v in zip(cand.tolist(), col[d].toarray().ravel()) if v == 0]
                    absent += lacking[:n_other]
            absent += [t for t in exc_by_d.get(d, []) if rng.random() < config.lacked_absent]
            present = list(dict.fromkeys(present))
            pset = set(present)
            absent = [t for t in dict.fromkeys(absent) if t not in pset]
            out.append(SimulatedPatient(int(d), tuple(present), tuple(absent)))
    return out
