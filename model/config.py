"""[model] config section (owned by the model package)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelConfig", "RANKERS"]

RANKERS = ("auto", "lr", "resnik", "transformer")


@dataclass(frozen=True)
class ModelConfig:
    """[model] section.

    ranker: "auto" (the trained graph Transformer when a model folder exists for this
    home, otherwise the likelihood-ratio baseline), "lr", "resnik" or "transformer".
    candidates: disease id prefixes that may be ranked ("" = every disease with annotations),
    e.g. "OMIM" to rank OMIM diseases only.
    default_frequency: the frequency assumed for an annotation without one.
    train_profile: "default" (~2 min on 2 cores), "quick" (~1 min) or "tiny" (tests).
    """

    ranker: str = "auto"
    top_k: int = 10
    seed: int = 0
    candidates: str = ""
    default_frequency: float = 0.5
    train_profile: str = "default"
