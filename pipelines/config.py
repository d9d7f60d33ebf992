"""Settings: every config section, loaded in one place.

Order of precedence (later wins): defaults, ``MEDKG_HOME/medkg.toml``, ``--config FILE``,
``MEDKG_<SECTION>_<KEY>`` environment variables. Unknown sections or keys are errors
that list the valid ones.

>>> s = load_settings(home="/tmp/medkg-doc", env={"MEDKG_RETRIEVAL_K": "5"})
>>> s.retrieval.k, s.graph.sources
(5, ('auto',))
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from kg.config import GraphConfig, Home, config_to_dict, default_home, section_from_mapping
from kg.errors import ConfigError
from model.config import ModelConfig
from pipelines.inputs import InputConfig
from retrieval.config import RetrievalConfig

__all__ = ["Settings", "ServeConfig", "PrivacyConfig", "InputConfig", "load_settings"]


@dataclass(frozen=True)
class ServeConfig:
    """[serve] section. ``token`` guards writes (guideline apply, rollback); empty = writes disabled."""

    host: str = "127.0.0.1"
    port: int = 8765
    token: str = ""
    max_body_bytes: int = 2_000_000
    sparql_timeout_s: float = 10.0


@dataclass(frozen=True)
class PrivacyConfig:
    """[privacy] section: de-identify notes before extraction (CLI ``--deidentify``, API ``"deidentify"``
    turn it on per call); with ``shift_dates`` dates move by one random offset per input instead of
    becoming ``[DATE]``."""

    deidentify: bool = False
    shift_dates: bool = False

    def choose(self, deidentify: bool = False, shift_dates: bool = False) -> tuple[bool, bool]:
        """(de-identify?, shift dates?) for one call: the call or this config turns either on, never off;
        shifting dates implies de-identifying.

        >>> PrivacyConfig().choose(shift_dates=True), PrivacyConfig(deidentify=True).choose()
        ((True, True), (True, False))
        """
        shift = shift_dates or self.shift_dates
        return deidentify or self.deidentify or shift, shift


@dataclass(frozen=True)
class Settings:
    home: Home
    graph: GraphConfig = field(default_factory=GraphConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    input: InputConfig = field(default_factory=InputConfig)

    def to_dict(self) -> dict:
        out = config_to_dict(self)
        out["home"] = str(self.home.root)
        return out


_SECTIONS = {f.name: f for f in fields(Settings) if f.name != "home"}


def _section_types() -> dict[str, type]:
    return {"graph": GraphConfig, "retrieval": RetrievalConfig, "model": ModelConfig, "serve": ServeConfig,
            "privacy": PrivacyConfig, "input": InputConfig}


def _merge(settings: Settings, data: Mapping[str, Any], origin: str) -> Settings:
    types_ = _section_types()
    changes = {}
    for name, table in data.items():
        if name not in types_:
            raise ConfigError(f"unknown section [{name}] in {origin}; valid sections: {', '.join(types_)}")
        changes[name] = section_from_mapping(types_[name], table, name, base=getattr(settings, name))
    return dataclasses.replace(settings, **changes)


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from None


def load_settings(
    home: str | Path | None = None,
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings for one MEDKG_HOME."""
    env = os.environ if env is None else env
    root = Path(home).expanduser() if home else (Path(env["MEDKG_HOME"]).expanduser() if env.get("MEDKG_HOME") else default_home())
    settings = Settings(home=Home(root))
    if settings.home.config_file.exists():
        settings = _merge(settings, _read_toml(settings.home.config_file), str(settings.home.config_file))
    if config_file:
        settings = _merge(settings, _read_toml(Path(config_file)), str(config_file))
    types_ = _section_types()
    env_data: dict[str, dict[str, str]] = {}
    for key, value in env.items():
        if not key.startswith("MEDKG_") or key == "MEDKG_HOME":
            continue
        rest = key[len("MEDKG_"):].lower()
        section, _, name = rest.partition("_")
        if section in types_ and name:
            env_data.setdefault(section, {})[name] = value
    if env_data:
        settings = _merge(settings, env_data, "environment (MEDKG_* variables)")
    if settings.graph.store:   # the home knows where its graph lives: every library call gets it
        settings = dataclasses.replace(settings, home=Home(root, store=settings.graph.store))
    return settings
