"""Rankers: the transparent baselines (Resnik, likelihood ratio) and the graph-conditioned
Transformer, its training, calibration and contributions.

The diagnose pipeline calls :func:`load_ranker` and :meth:`Ranker.rank`; phenopackets are read
with :func:`read_cases` / :func:`case_from_phenopacket`. The names below load on first use
(PEP 562), so ``from model.config import ModelConfig`` (every CLI command reads settings) does
not import numpy/scipy; the Transformer (``model.graph_transformer``) and its training
(``model.train``) import torch and are loaded on demand too.

>>> import model
>>> model.LRConfig.__name__
'LRConfig'
"""

from __future__ import annotations

import importlib

_WHERE = {
    "AnnotationTable": "model.annotations", "annotation_table": "model.annotations",
    "build_annotation_table": "model.annotations", "ModelConfig": "model.config",
    "LRConfig": "model.likelihood_ratio", "lr_match": "model.likelihood_ratio",
    "Case": "model.phenopacket", "case_from_phenopacket": "model.phenopacket", "read_cases": "model.phenopacket",
    "LRRanker": "model.ranker", "RankedDiagnosis": "model.ranker", "Ranker": "model.ranker",
    "Ranking": "model.ranker", "ResnikRanker": "model.ranker", "load_ranker": "model.ranker",
    "ResnikConfig": "model.resnik", "resnik_scores": "model.resnik",
    "RankerChoice": "model.choice", "choose_ranker": "model.choice",
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
