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


# ---------------------------------------------------------------------------- Oxigraph server
def _oxigraph_binary() -> str | None:
    import shutil
    import sys

    beside = Path(sys.executable).parent / "oxigraph"      # the venv's bin/ (PATH may not list it)
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph SPARQL server (PyPI ``oxigraph``, in the test extras) on a free loopback port.

    Started once per session (it is up in ~0.2 s) with its data in a temporary folder, stopped at
    the end. Yields its base URL; tests that need an empty dataset use ``sparql_store``.
    """
    import socket
    import subprocess
    import time

    import httpx

    binary = _oxigraph_binary()
    if binary is None:
        message = "the Oxigraph server is not installed (pip install 'medkg[test]' installs the `oxigraph` package)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path_factory.mktemp("oxigraph-server")
    proc = subprocess.Popen([binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=2)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"oxigraph serve did not start: {proc.stderr.read().decode(errors='replace')[-500:]}")
            time.sleep(0.05)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture()
def sparql_store(oxigraph_server) -> str:
    """The session's Oxigraph server, emptied (``DROP ALL``) for this test; yields its URL."""
    import httpx

    httpx.post(f"{oxigraph_server}/update", data={"update": "DROP ALL"}, timeout=30).raise_for_status()
    return oxigraph_server
