"""One exception hierarchy for all of medkg.

Every error names the offending input and, where it helps, what would be valid.
The command line turns a :class:`MedkgError` into a one-line message and exit
code 2; the HTTP API turns it into a 4xx with the same message.

>>> try:
...     raise ConceptNotFound("concept 'HP:9999999' is not in the graph")
... except MedkgError as err:
...     print(err)
concept 'HP:9999999' is not in the graph
"""

from __future__ import annotations

__all__ = [
    "MedkgError",
    "ConfigError",
    "ConceptNotFound",
    "SourceError",
    "StoreError",
    "GraphNotBuilt",
    "GuidelineError",
    "IndexMismatch",
    "InputError",
    "ModelError",
]


class MedkgError(Exception):
    """Base class of every error medkg raises on purpose."""


class ConfigError(MedkgError):
    """A configuration file, key or value is invalid."""


class ConceptNotFound(MedkgError, KeyError):
    """An id does not resolve to any node of the graph."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SourceError(MedkgError):
    """A source file is missing or malformed; the message names file, line and how to get it."""


class StoreError(MedkgError):
    """The graph store is missing, locked or inconsistent."""


class GraphNotBuilt(StoreError):
    """No graph has been built in this MEDKG_HOME yet."""


class GuidelineError(MedkgError):
    """A guideline file is malformed or cannot be applied."""


class IndexMismatch(MedkgError):
    """A saved index or model does not match the configured encoder, store or graph."""


class InputError(MedkgError, ValueError):
    """A note, query or request is invalid (empty, too large, not text...)."""


class ModelError(MedkgError):
    """A model folder is missing, incomplete or incompatible."""
