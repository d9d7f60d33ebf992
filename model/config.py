"""[model] config section (owned by the model package)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """[model] section.

    ranker: "auto" (the trained graph Transformer when a model folder exists for this
    home, otherwise the likelihood-ratio baseline), "lr", "resnik" or "transformer".
    """

    ranker: str = "auto"
    top_k: int = 10
    seed: int = 0
