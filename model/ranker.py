"""One interface over every ranker: findings in, a ranked differential with contributions out.

>>> from tests.model.conftest import tiny_graph
>>> r = load_ranker(tiny_graph(), None, name="lr")
>>> ranking = r.rank(["HP:0000003"], ["HP:0000005x"], top_k=2)
>>> ranking.diagnoses[0].disease_id, ranking.unknown_ids
('OMIM:100001', ['HP:0000005x'])
>>> ranking.diagnoses[0].matched
{'HP:0000003': 'HP:0000003'}
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import networkx as nx
import numpy as np

from kg.errors import ConfigError, InputError, ModelError
from kg.ids import try_resolve
from model.annotations import AnnotationTable, annotation_table
from model.choice import SHIPPED_MODEL, RankerChoice, choose_ranker, shipped_model_for
from model.likelihood_ratio import LRConfig, lr_match, matched_annotation
from model.resnik import ResnikConfig, resnik_matched, resnik_scores

__all__ = ["RankedDiagnosis", "Ranking", "Ranker", "LRRanker", "ResnikRanker", "load_ranker", "Findings",
           "SHIPPED_MODEL", "shipped_model_for", "RankerChoice", "choose_ranker"]

log = logging.getLogger(__name__)
MAX_FINDINGS = 20_000


@dataclass(frozen=True)
class RankedDiagnosis:
    disease_id: str
    label: str
    score: float                       # the model's own score (log odds for LR, similarity for Resnik)
    probability: float                 # post-test probability over the candidate diseases
    contributions: dict[str, float]    # finding id -> contribution to the score (+ for, - against)
    matched: dict[str, str]            # finding id -> the annotated phenotype it matched through


@dataclass(frozen=True)
class Ranking:
    diagnoses: list[RankedDiagnosis]
    present: list[str]                 # the findings used (resolved ids)
    absent: list[str]
    unknown_ids: list[str]             # inputs that are not phenotype terms of the graph (ignored)
    obsolete_mapped: dict[str, str]    # obsolete / alternative id -> the current term used
    model: str
    model_version: str
    graph_version: str
    candidates: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Findings:
    """Resolved input: term indices of the table plus what happened to each raw id."""

    present: list[int]
    absent: list[int]
    unknown_ids: list[str] = field(default_factory=list)
    obsolete_mapped: dict[str, str] = field(default_factory=dict)


class Ranker:
    """Base class: input resolution, candidate mask, top-k assembly. Subclasses score."""

    name = "base"
    version = "1"
    choice: RankerChoice | None = None   # set by load_ranker: how this ranker was chosen

    def __init__(self, G: nx.MultiDiGraph | None, table: AnnotationTable, candidates: str | Sequence[str] = ""):
        self.G = G
        self.T = table
        if isinstance(candidates, str):
            candidates = tuple(p.strip() for p in candidates.split(",") if p.strip())
        self.candidate_prefixes = tuple(candidates)
        if self.candidate_prefixes:
            mask = np.array([d.split(":", 1)[0] in self.candidate_prefixes for d in table.diseases], dtype=bool)
            if not mask.any():
                raise ConfigError(f"no disease has a prefix in {self.candidate_prefixes}; "
                                  f"prefixes present: {sorted({d.split(':', 1)[0] for d in table.diseases})}")
        else:
            mask = np.ones(table.n_diseases, dtype=bool)
        if not mask.all():
            # score only the candidates' rows (same scores: the statistics stay the whole graph's)
            self.T = table = table.for_diseases(mask)
            mask = np.ones(table.n_diseases, dtype=bool)
        self.mask = mask

    @property
    def trained_graph_version(self) -> str:
        """The graph version the model was fitted on; the baselines read the graph they rank on."""
        return self.T.graph_version

    def describe(self) -> str:
        """What ranks, for people (``info``, ``/health``, the report's versions)."""
        if self.choice is not None and self.choice.name == self.name:
            return self.choice.describe()
        return f"{self.name} {self.version}".strip()

    # ------------------------------------------------------------------ input
    def resolve(self, present: Sequence[str], absent: Sequence[str]) -> Findings:
        """Map raw ids to term indices; obsolete/alt ids to their replacement; others reported."""
        if isinstance(present, str) or isinstance(absent, str):
            raise InputError("present and absent must be lists of ids, not a single string")
        if len(present) + len(absent) == 0:
            raise InputError("no findings given: pass at least one present or excluded phenotype id (e.g. HP:0001250)")
        if len(present) + len(absent) > MAX_FINDINGS:
            raise InputError(f"{len(present) + len(absent)} findings given; at most {MAX_FINDINGS} are accepted")
        unknown: list[str] = []
        mapped: dict[str, str] = {}
        tix = self.T.term_index

        def one(raw: str) -> int | None:
            cid = str(raw).strip()
            if cid in tix:
                return tix[cid]
            node = try_resolve(self.G, cid) if self.G is not None else None
            if node is not None and node in tix:
                mapped[cid] = node
                return tix[node]
            if cid not in unknown:
                unknown.append(cid)
            return None

        p = list(dict.fromkeys(i for i in map(one, present) if i is not None))
        a = list(dict.fromkeys(i for i in map(one, absent) if i is not None))
        pset = set(p)
        a = [i for i in a if i not in pset]  # said both ways: present wins
        if not p and not a:
            raise InputError(f"none of the findings is a phenotype term of the graph; unknown ids: {', '.join(unknown)}")
        return Findings(p, a, unknown, mapped)

    # ------------------------------------------------------------------ scoring (subclasses)
    def score_findings(self, f: Findings) -> tuple[np.ndarray, np.ndarray, object]:
        """(score per disease of the table, contributions (N, F) in the order present + absent, state)."""
        raise NotImplementedError

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        s = np.where(self.mask, scores, -np.inf).astype(np.float64)
        s = s - s[self.mask].max()
        e = np.exp(s)
        return e / e.sum()

    def matched(self, d: int, t: int, col: int, state: object) -> str | None:
        return None

    def details(self, f: Findings, order: np.ndarray, scores: np.ndarray, contrib: np.ndarray,
                state: object) -> tuple[np.ndarray, np.ndarray]:
        """Hook for models whose contributions for the top diagnoses are computed separately."""
        return scores, contrib

    # ------------------------------------------------------------------ public
    def ranked_scores(self, present: Sequence[str], absent: Sequence[str]) -> np.ndarray:
        """Scores over every disease of the table (non-candidates = -inf); for benchmarks."""
        f = self.resolve(present, absent)
        scores, _, _ = self.score_findings(f)
        return np.where(self.mask, scores, -np.inf)

    def rank(self, present: Sequence[str], absent: Sequence[str] = (), top_k: int = 10,
             age: float | None = None, sex: str | None = None) -> Ranking:
        """Rank candidate diseases for the present and excluded findings (HPO ids).

        ``age`` (years) and ``sex`` are accepted for the interface; the current models do not use them.
        """
        if top_k < 1:
            raise InputError(f"top_k must be >= 1, got {top_k}")
        f = self.resolve(present, absent)
        scores, contrib, state = self.score_findings(f)
        scores = np.where(self.mask, scores, -np.inf)
        k = min(top_k, int(self.mask.sum()))
        # stable order: score desc, then disease id
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((np.array(self.T.diseases, dtype=object)[top], -scores[top]))]
        scores, contrib = self.details(f, top, scores, contrib, state)
        probs = self.probabilities(scores)
        ids = [self.T.terms[t] for t in f.present + f.absent]
        out = []
        for d in top:
            contributions = {ids[j]: round(float(contrib[d, j]), 6) for j in range(len(ids))}
            matched = {}
            for j, t in enumerate(f.present + f.absent):
                m = self.matched(int(d), t, j, state)
                if m is not None:
                    matched[ids[j]] = self.T.terms[m]
            out.append(RankedDiagnosis(self.T.diseases[d], self.T.disease_labels[d], float(scores[d]),
                                       float(probs[d]), contributions, matched))
        return Ranking(out, ids[:len(f.present)], ids[len(f.present):], f.unknown_ids, f.obsolete_mapped,
                       self.name, self.version, self.T.graph_version, int(self.mask.sum()))


class LRRanker(Ranker):
    """The likelihood-ratio baseline (the default when no trained model is present)."""

    name = "likelihood-ratio"
    version = "1"

    def __init__(self, G, table, candidates="", config: LRConfig = LRConfig()):
        super().__init__(G, table, candidates)
        self.config = config

    def score_findings(self, f: Findings):
        m = lr_match(self.T, f.present, f.absent, self.config)
        return m.scores(), m.loglr, m

    def matched(self, d, t, col, state):
        return matched_annotation(self.T, d, t, int(state.kind[d, col]), self.config.min_shared_ic)


class ResnikRanker(Ranker):
    """Phenomizer-style Resnik best-match average."""

    name = "resnik"
    version = "1"

    def __init__(self, G, table, candidates="", config: ResnikConfig = ResnikConfig()):
        super().__init__(G, table, candidates)
        self.config = config

    def score_findings(self, f: Findings):
        s, c = resnik_scores(self.T, f.present, self.config)
        contrib = np.zeros((self.T.n_diseases, len(f.present) + len(f.absent)), np.float32)
        contrib[:, :len(f.present)] = c
        return s, contrib, len(f.present)

    def probabilities(self, scores):
        # similarity is not a log-odds; a softmax with a fixed sharpness gives a usable ordering-preserving
        # probability (uncalibrated, see the benchmark's ECE)
        return super().probabilities(scores * 4.0)

    def matched(self, d, t, col, state):
        if col >= state:  # excluded findings are not used by Resnik
            return None
        return resnik_matched(self.T, d, t, self.config.min_shared_ic)


def load_ranker(G: nx.MultiDiGraph, models_dir: Path | None, name: str = "auto", *,
                candidates: str | Sequence[str] = "", table: AnnotationTable | None = None,
                cache_dir: Path | None = None, default_frequency: float = 0.5,
                shipped: Path | None = SHIPPED_MODEL) -> Ranker:
    """The ranker called ``name`` over graph ``G``.

    ``"auto"`` loads the graph Transformer from ``models_dir/graph-transformer`` when that
    folder holds a model; otherwise, when ``models_dir`` is given, the ``shipped`` pre-trained
    model if it was trained on this very graph version; otherwise the likelihood-ratio
    baseline (decided by :func:`model.choice.choose_ranker`, which ``medkg info`` asks too; the
    decision is kept as ``ranker.choice``). ``table`` reuses an annotation table (e.g. one with references removed);
    ``cache_dir`` caches the table and the label embeddings of concepts a model has not seen.
    """
    choice = choose_ranker(table.graph_version if table is not None else str(G.graph.get("version", "unversioned")),
                           models_dir, name, shipped=shipped)
    if table is None:
        table = annotation_table(G, cache_dir, default_frequency)
    if choice.name == "graph-transformer":
        from model.graph_transformer import TransformerRanker

        ranker: Ranker = TransformerRanker.load(choice.folder, G, table, candidates=candidates, cache_dir=cache_dir)
    elif choice.name == "resnik":
        ranker = ResnikRanker(G, table, candidates)
    else:
        ranker = LRRanker(G, table, candidates)
    ranker.choice = choice
    return ranker
