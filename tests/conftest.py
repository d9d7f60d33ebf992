"""Shared fixtures: a temporary MEDKG_HOME with the toy graph, and the real data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def toy_home(tmp_path_factory):
    """A MEDKG_HOME holding the toy graph (tests/toy_graph.py), built once per session."""
    from tests.toy_graph import make_toy_home

    return make_toy_home(tmp_path_factory.mktemp("toy-home"))


@pytest.fixture()
def fresh_toy_home(tmp_path):
    """A toy MEDKG_HOME of its own, for tests that change the graph."""
    from tests.toy_graph import make_toy_home

    return make_toy_home(tmp_path / "home")


def require_shared(relpath: str) -> Path:
    """A file under ../shared/data; skip when absent, but fail under CI=true."""
    path = SHARED_DATA / relpath
    if not path.exists():
        message = f"real data file {path} is not present"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    return path
