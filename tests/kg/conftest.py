"""Shared fixtures for the kg tests.

``shared_data``: the real data folder ``<repo>/../shared/data``. Tests that need it skip
(with the reason shown under ``-ra``) when it is absent, except in CI (``CI=true``), where
its absence is a failure: CI must exercise the real files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
KG_FIXTURES = REPO / "tests" / "fixtures" / "kg-sources"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``<repo>/../shared/data``, or skip (fail under CI=true) when it is not there."""
    if not SHARED_DATA.is_dir():
        reason = f"real data folder {SHARED_DATA} is absent"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true requires it (mount or copy ../shared/data beside the repo)")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def kg_fixtures() -> Path:
    """The small hand-written source files under ``tests/fixtures/kg-sources``."""
    return KG_FIXTURES


@pytest.fixture(scope="session")
def load_source():
    """``load_source(name, root)``: parse a registered source from the files under ``root``."""
    from kg.sources.registry import get_source, resolve_files

    def load(name: str, root: Path):
        spec = get_source(name)
        files = resolve_files(spec, [Path(root)])
        if files is None:
            pytest.fail(f"source {name!r}: required files missing under {root}")
        return spec.parse(files)

    return load
