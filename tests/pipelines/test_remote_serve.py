"""Two `medkg serve` apps on one SPARQL server: a guideline applied through one is answered by the
other within a bounded time (its VersionWatcher polls the version and reloads), and a rollback too.

Two FastAPI apps in this process (each with its own MEDKG_HOME, as two machines would have), and
once with two real `medkg serve` processes; they share nothing but the Oxigraph server.
"""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from kg.build import write_store
from kg.config import Home
from kg.sources.registry import get_source
from pipelines.api import create_app
from pipelines.workspace import Workspace
from tests.pipelines.conftest import TOKEN, tiny_sources

POLL_S = 0.2
BOUND_S = 30.0           # poll interval + reloading the (tiny) workspace, with a wide margin for a loaded CI box
GUIDELINE = ("# key: test/ld\n# version: 1\n# date: 2024-01-01\n# title: Test guideline\n"
             "subject\tpredicate\tobject\tstrength\tcitation\n"
             "DRUGBANK:DB00335\tameliorates\tOMIM:609192\tweak\tPMID:12345678\n")
WHY = {"s": "DRUGBANK:DB00335", "p": "ameliorates", "o": "OMIM:609192"}


def _home(root, store: str) -> Home:
    home = Home(root).ensure()
    home.config_file.write_text(f'[graph]\nstore = "{store}"\npoll_s = {POLL_S}\n'
                                f'[retrieval]\nencoder = "hashing-64"\n[serve]\ntoken = "{TOKEN}"\n')
    return home


def _wait(client: TestClient, version: str) -> float:
    t0 = time.monotonic()
    while client.get("/health").json()["versions"]["graph"] != version:
        assert time.monotonic() - t0 < BOUND_S, f"the second server did not serve {version} within {BOUND_S} s"
        time.sleep(0.05)
    return time.monotonic() - t0


def test_a_guideline_applied_through_one_server_is_answered_by_the_other(tmp_path, sparql_store):
    a_home, b_home = _home(tmp_path / "a", sparql_store), _home(tmp_path / "b", sparql_store)
    write_store(Home(a_home.root, store=sparql_store),
                [(d, get_source(d.name).license, get_source(d.name).citation) for d in tiny_sources()])
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(Workspace.open(home=a_home.root)), raise_server_exceptions=False) as a, \
            TestClient(create_app(Workspace.open(home=b_home.root)), raise_server_exceptions=False) as b:
        v0 = b.get("/health").json()["versions"]["graph"]
        assert a.get("/health").json()["versions"]["graph"] == v0
        assert not any(w["kind"] == "guideline" for w in b.get("/why", params=WHY).json())
        r = a.post("/guidelines", params={"dry_run": "false", "filename": "g.tsv"}, content=GUIDELINE.encode(),
                   headers=auth)
        assert r.status_code == 200, r.text
        v1 = r.json()["serving"]
        assert v1 != v0
        took = _wait(b, v1)
        print(f"the second server served {v1} {took:.2f} s after the apply")
        assert any(w["kind"] == "guideline" for w in b.get("/why", params=WHY).json()), took
        r = a.post("/graph/rollback", json={"version": v0}, headers=auth)
        assert r.status_code == 200, r.text
        _wait(b, v0)
        assert not any(w["kind"] == "guideline" for w in b.get("/why", params=WHY).json())
        # the server's own view of the store agrees
        assert b.get("/graph/versions").json()["current"]["version"] == v0


def test_version_watcher_survives_a_failing_poll_and_reloads_once_per_change():
    from pipelines.workspace import VersionWatcher

    answers = iter([ConnectionError("server down"), "v1", "v2", "v2"])
    serving = ["v1"]
    reloaded = []

    def probe():
        a = next(answers, "v2")
        if isinstance(a, Exception):
            raise a
        return a

    def on_change(version):
        reloaded.append(version)
        serving[0] = version

    w = VersionWatcher(probe, lambda: serving[0], on_change, interval=0.02).start()
    t0 = time.monotonic()
    while w.polls < 4 and time.monotonic() - t0 < 10:
        time.sleep(0.01)
    w.stop()
    assert reloaded == ["v2"] and serving == ["v2"] and w.polls >= 4


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_serve_processes_on_one_endpoint(tmp_path, sparql_store):
    """The same as above with two real `medkg serve` processes (what a hospital runs behind a load
    balancer): an apply through one is served by the other within the bound."""
    import subprocess
    import sys
    from pathlib import Path

    import httpx

    repo = Path(__file__).resolve().parents[2]
    homes = [_home(tmp_path / name, sparql_store) for name in ("a", "b")]
    write_store(Home(homes[0].root, store=sparql_store),
                [(d, get_source(d.name).license, get_source(d.name).citation) for d in tiny_sources()])
    ports = [_free_port(), _free_port()]
    code = "import sys; sys.argv[0] = 'medkg'; from pipelines.cli import main; main()"
    procs = [subprocess.Popen([sys.executable, "-c", code, "serve", "--home", str(h.root), "--port", str(p)],
                              cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for h, p in zip(homes, ports)]
    try:
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        deadline = time.monotonic() + 120
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"medkg serve at {url} did not start"
                time.sleep(0.2)
        a, b = (httpx.Client(base_url=u, timeout=30) for u in urls)
        v0 = b.get("/health").json()["versions"]["graph"]
        r = a.post("/guidelines", params={"dry_run": "false", "filename": "g.tsv"}, content=GUIDELINE.encode(),
                   headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        v1 = r.json()["serving"]
        assert v1 != v0
        took = _wait(b, v1)
        print(f"the second process served {v1} {took:.2f} s after the apply")
        assert any(w["kind"] == "guideline" for w in b.get("/why", params=WHY).json())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
