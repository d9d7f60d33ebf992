"""The source registry: name, files, public URL, licence, version and parser of each source.

>>> spec = get_source("hpo")
>>> spec.license.split(":")[0]
'HPO licence'
>>> get_source("hpoo")
Traceback (most recent call last):
...
kg.errors.ConfigError: unknown source 'hpoo'; known sources: hpo...
"""

from __future__ import annotations

import shutil
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kg.errors import ConfigError, SourceError
from kg.records import SourceData

__all__ = ["SourceSpec", "SOURCES", "register", "get_source", "list_sources", "resolve_files", "fetch_source"]

RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: its path relative to the source folder and its public URL."""

    relpath: str
    url: str
    optional: bool = False


@dataclass(frozen=True)
class SourceSpec:
    name: str
    title: str
    license: str
    citation: str
    homepage: str
    files: tuple[SourceFile, ...]
    # parse(files: dict[relpath, Path]) -> SourceData
    parse: Callable[[dict[str, Path]], SourceData]
    # sources whose nodes this one refers to (built first)
    after: tuple[str, ...] = ()
    # packaged: files come from an installed package (no fetch needed)
    packaged: bool = False
    default_version: str = ""
    extras: dict = field(default_factory=dict)


SOURCES: dict[str, SourceSpec] = {}


def register(spec: SourceSpec) -> SourceSpec:
    if spec.name in SOURCES:
        raise ConfigError(f"source {spec.name!r} already registered; existing: {', '.join(SOURCES)}")
    SOURCES[spec.name] = spec
    return spec


def _ensure_loaded() -> None:
    # Importing the loader modules registers them.
    import kg.sources.loaders  # noqa: F401


def list_sources() -> list[SourceSpec]:
    _ensure_loaded()
    return list(SOURCES.values())


def get_source(name: str) -> SourceSpec:
    _ensure_loaded()
    if name not in SOURCES:
        raise ConfigError(f"unknown source {name!r}; known sources: {', '.join(SOURCES)}")
    return SOURCES[name]


def resolve_files(spec: SourceSpec, roots: list[Path]) -> dict[str, Path] | None:
    """Find a source's files under the first root holding all its required files, or None."""
    if spec.packaged:
        return spec.extras["locate"]()
    for root in roots:
        found: dict[str, Path] = {}
        complete = True
        for f in spec.files:
            path = Path(root) / f.relpath
            if path.exists():
                found[f.relpath] = path
            elif not f.optional:
                complete = False
                break
        if complete:
            return found
    return None


def how_to_obtain(spec: SourceSpec) -> str:
    return (
        f"run `medkg sources fetch {spec.name}` (downloads from {spec.homepage}) or "
        f"`medkg sources fetch {spec.name} --mirror DIR` with a local copy laid out as "
        + ", ".join(f.relpath for f in spec.files)
    )


def fetch_source(spec: SourceSpec, dest: Path, mirror: Path | None = None, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Copy a source's files from a local mirror, or download them from the public origin.

    Files are written to a temporary name then renamed, so an interrupted fetch never
    leaves a half-written file behind.
    """
    if spec.packaged:
        return list(spec.extras["locate"]().values())
    written = []
    for f in spec.files:
        target = dest / f.relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        if mirror is not None:
            src = Path(mirror) / f.relpath
            if not src.exists():
                if f.optional:
                    continue
                raise SourceError(f"{src} not found in mirror {mirror} (needed by source {spec.name!r})")
            shutil.copyfile(src, tmp)
        else:
            try:
                with urllib.request.urlopen(f.url, timeout=60) as resp, open(tmp, "wb") as out:  # noqa: S310
                    shutil.copyfileobj(resp, out)
            except OSError as err:
                tmp.unlink(missing_ok=True)
                if f.optional:
                    continue
                raise SourceError(
                    f"could not download {f.url} for source {spec.name!r}: {err}. "
                    f"Without internet, copy the files from a mirror: `medkg sources fetch {spec.name} --mirror DIR`"
                ) from None
        tmp.replace(target)
        written.append(target)
        if progress:
            progress(str(target))
    return written
