"""SPARQL federation (``SERVICE``) never makes medkg send a request unless the endpoint is allowlisted.

A listener on loopback counts every connection it gets: for each refused query it must get none.
The same guard is checked through ``run_sparql``, ``POST /sparql`` (HTTP 400) and ``medkg sparql``
(exit code 2). ``FROM`` / ``FROM NAMED`` name graphs of the store and are checked not to fetch.
"""

from __future__ import annotations

import dataclasses
import http.server
import sys
import threading

import pytest

from kg.errors import InputError
from kg.sparql import check_query, run_sparql, service_endpoints
from kg.store import open_store

EMPTY_RESULTS = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'


class _Listener:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                listener.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(EMPTY_RESULTS)))
                self.end_headers()
                self.wfile.write(EMPTY_RESULTS)

            do_GET = do_POST = _answer

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def listener():
    srv = _Listener()
    yield srv
    srv.close()


def _attacks(url: str) -> list[str]:
    host_port = url.removeprefix("http://").removesuffix("/sparql")
    escaped = "".join(f"\\u{ord(c):04X}" for c in "SERVICE")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c .SERVICE<{url}>{{ ?s ?p ?o }} }}",
        f"PREFIX ev: <http://{host_port}/>\nSELECT * WHERE {{ SERVICE ev:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE # a comment\n <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {escaped} <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"BASE <http://{host_port}/>\nSELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s <http://x.org/a#b> ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_service_endpoints_are_read_in_every_spelling():
    assert service_endpoints("SELECT * { SERVICE <http://a/q> { ?s ?p ?o } }") == ["http://a/q"]
    assert service_endpoints("SELECT * { SeRvIcE   SILENT\n<http://a/q> {} }") == ["http://a/q"]
    assert service_endpoints("PREFIX : <http://a/>\nSELECT * { SERVICE :q {} }") == ["http://a/q"]
    assert service_endpoints("SELECT * { SERVICE $v {} }") == ["$v"]
    # not the keyword: a variable, a prefixed name, a word in a string
    assert service_endpoints("SELECT ?service { ?service ex:SERVICE ?o }") == []
    assert service_endpoints('SELECT * { ?s ?p "emergency service" }') == []


@pytest.mark.parametrize("index", range(11))
def test_federated_queries_are_refused_and_send_nothing(toy_home, listener, index):
    query = _attacks(listener.url)[index]
    store = open_store(toy_home.graph, read_only=True)
    try:
        with pytest.raises(InputError, match="SERVICE"):
            run_sparql(store, query)
    finally:
        store.close()
    assert listener.requests == []


def test_from_clauses_read_the_store_and_send_nothing(toy_home, listener):
    store = open_store(toy_home.graph, read_only=True)
    try:
        for query in (f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }} LIMIT 1",
                      f"SELECT * FROM NAMED <{listener.url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1",
                      f"DESCRIBE <{listener.url}>"):
            run_sparql(store, query)
    finally:
        store.close()
    assert listener.requests == []


def test_allowlisted_endpoint_is_queried(toy_home, listener):
    """The allowlist really lets a listed endpoint through (and only that one)."""
    query = f"SELECT ?s WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    other = listener.url.replace("/sparql", "/other")
    with pytest.raises(InputError, match="service_allowlist"):
        check_query(query, service_allowlist=[other])
    store = open_store(toy_home.graph, read_only=True)
    try:
        result = run_sparql(store, query, service_allowlist=[listener.url])
    finally:
        store.close()
    assert result["rows"] == []
    assert len(listener.requests) == 1


def test_api_refuses_service_with_400(listener):
    from fastapi.testclient import TestClient

    from pipelines.api import create_app
    from pipelines.workspace import Workspace
    from tests.pipelines.conftest import TOKEN, build_tiny_home
    import tempfile
    from pathlib import Path

    home = build_tiny_home(Path(tempfile.mkdtemp()) / "home", token=TOKEN)
    ws = Workspace.open(home=home.root)
    with TestClient(create_app(ws), raise_server_exceptions=False) as client:
        for query in _attacks(listener.url):
            r = client.post("/sparql", json={"query": query})
            assert r.status_code == 400, r.text
            assert r.json()["type"] == "InputError" and "SERVICE" in r.json()["error"]
        r = client.post("/sparql", content=_attacks(listener.url)[0].encode(),
                        headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 400
    assert listener.requests == []
    # the allowlist is read from [graph] service_allowlist
    settings = dataclasses.replace(ws.settings, graph=dataclasses.replace(ws.settings.graph,
                                                                          service_allowlist=(listener.url,)))
    allowed = Workspace(settings)
    with TestClient(create_app(allowed), raise_server_exceptions=False) as client:
        r = client.post("/sparql", json={"query": _attacks(listener.url)[0]})
        assert r.status_code == 200, r.text
    assert len(listener.requests) == 1


def test_cli_refuses_service_with_exit_2(toy_home, listener, monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setattr(sys, "argv", ["medkg", "sparql", _attacks(listener.url)[0], "--home", str(toy_home.root)])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: SPARQL SERVICE (federated query)") and "service_allowlist" in err
    assert "Traceback" not in err
    assert listener.requests == []
