"""Rankers: the transparent baselines (Resnik, likelihood ratio) and the graph-conditioned
Transformer, its training, calibration and contributions.

The diagnose pipeline calls :func:`load_ranker` and :meth:`Ranker.rank`; phenopackets are read
with :func:`read_cases` / :func:`case_from_phenopacket`. The Transformer (``model.graph_transformer``)
and its training (``model.train``) import torch and are loaded on demand.
"""

from model.annotations import AnnotationTable, annotation_table, build_annotation_table
from model.config import ModelConfig
from model.likelihood_ratio import LRConfig, lr_match
from model.phenopacket import Case, case_from_phenopacket, read_cases
from model.ranker import LRRanker, RankedDiagnosis, Ranker, Ranking, ResnikRanker, load_ranker
from model.resnik import ResnikConfig, resnik_scores

__all__ = [
    "AnnotationTable", "annotation_table", "build_annotation_table", "ModelConfig", "LRConfig", "lr_match",
    "Case", "case_from_phenopacket", "read_cases", "LRRanker", "RankedDiagnosis", "Ranker", "Ranking",
    "ResnikRanker", "load_ranker", "ResnikConfig", "resnik_scores",
]
