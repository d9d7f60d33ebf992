"""tests for the HTTP edges of pipelines/api.py: 413 for big uploads, 415 for bodies that are not JSON.

The 413 is checked through TestClient and against a real uvicorn on loopback: the connection
reset it replaces happened at the socket level (the server closed a socket holding unread
upload data), which TestClient never sees.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn
from fastapi.testclient import TestClient

from pipelines.api import create_app
from tests.pipelines.conftest import TOKEN

BIG = b'{"note": "' + b"a" * 20_000_000 + b'"}'      # 20 MB, ten times [serve] max_body_bytes


@pytest.fixture(scope="module")
def client(workspace):
    with TestClient(create_app(workspace), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def live_port(workspace):
    """``create_app(workspace)`` served by uvicorn on a free loopback port, in a thread."""
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False, timeout_keep_alive=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(10)


def _error_body(r, status: int, type_: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) >= {"error", "type"} and body["type"] == type_, body
    return body


# ---------------------------------------------------------------------------------- 415
@pytest.mark.parametrize("path, body", [
    ("/diagnose", b'{"note": "fever and cough"}'),
    ("/extract", b'{"text": "fever and cough"}'),
])
@pytest.mark.parametrize("ctype", ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                                   None])
def test_json_body_with_another_content_type_is_415(client, path, body, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    r = client.post(path, content=body, headers=headers)
    err = _error_body(r, 415, "UnsupportedMediaType")["error"]
    assert "application/json" in err and (ctype or "none").split(";")[0] in err
    assert "fever" not in r.text                                  # the body is never echoed


def test_json_content_types_still_work(client):
    assert client.post("/extract", json={"text": "fever"}).status_code == 200
    r = client.post("/extract", content=b'{"text": "fever"}', headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200
    # a JSON error is still a 400/422, not a 415
    assert client.post("/extract", content=b"{oops", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/extract", json={"txt": "fever"}).status_code == 422


def test_rollback_as_text_plain_is_415_before_the_token_check(client):
    r = client.post("/graph/rollback", content=b'{"version": "abc"}',
                    headers={"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"})
    _error_body(r, 415, "UnsupportedMediaType")


def test_sparql_content_types(client):
    q = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    _error_body(client.post("/sparql", content=q.encode(), headers={"Content-Type": "text/plain"}),
                415, "UnsupportedMediaType")
    assert client.post("/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query"}).status_code == 200
    assert client.post("/sparql", json={"query": q}).status_code == 200


def test_guideline_upload_accepts_plain_text(client):
    """/guidelines reads the file's bytes whatever their type: text/plain is not refused there."""
    tsv = ("# key: test/ct\n# version: 1\n# date: 2024-01-01\n# title: T\n"
           "subject\tpredicate\tobject\tstrength\tcitation\n"
           "DRUGBANK:DB00335\tameliorates\tOMIM:609192\tweak\tPMID:12345678\n")
    r = client.post("/guidelines?dry_run=true", content=tsv.encode(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 200 and r.json()["dry_run"] is True


def test_openapi_documents_415(client):
    spec = client.get("/openapi.json").json()
    assert "415" in spec["paths"]["/diagnose"]["post"]["responses"]


# ---------------------------------------------------------------------------------- 413
def test_twenty_megabytes_are_413_through_testclient(client):
    r = client.post("/diagnose", content=BIG, headers={"Content-Type": "application/json"})
    assert "max_body_bytes" in _error_body(r, 413, "PayloadTooLarge")["error"]
    # as text/plain too: the size is refused first
    _error_body(client.post("/diagnose", content=BIG, headers={"Content-Type": "text/plain"}), 413, "PayloadTooLarge")


def _raw_post(port: int, head: bytes, chunks) -> bytes:
    """Send the whole request before reading anything (as urllib and requests do); return the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head)
        for chunk in chunks:
            s.sendall(chunk)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            part = s.recv(65536)
            if not part:
                break
            reply += part
        return reply


def test_twenty_megabytes_are_413_on_a_real_socket(live_port):
    head = (f"POST /diagnose HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(BIG)}\r\n\r\n").encode()
    reply = _raw_post(live_port, head, (BIG[i:i + 65536] for i in range(0, len(BIG), 65536)))
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b'"type":"PayloadTooLarge"' in reply and b"max_body_bytes" in reply


def test_twenty_megabytes_chunked_are_413_on_a_real_socket(live_port):
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 65536
    chunks = [b"%x\r\n" % len(piece) + piece + b"\r\n"] * 300 + [b"0\r\n\r\n"]
    reply = _raw_post(live_port, head, chunks)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_twenty_megabytes_through_urllib(live_port):
    """The standard library client reported 'connection reset by peer' before the fix."""
    req = urllib.request.Request(f"http://127.0.0.1:{live_port}/diagnose", data=BIG,
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=30)
    assert info.value.code == 413
    assert b"PayloadTooLarge" in info.value.read()


def test_json_as_text_plain_is_415_on_a_real_socket(live_port):
    req = urllib.request.Request(f"http://127.0.0.1:{live_port}/diagnose", data=b'{"note": "fever"}',
                                 headers={"Content-Type": "text/plain"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=30)
    assert info.value.code == 415


# ---------------------------------------------------------------------------------- log noise
def test_serve_logging_hides_the_faiss_loader_probing():
    """faiss logs each missing AVX build as 'ModuleNotFoundError' at INFO; the server log must not."""
    import subprocess
    import sys

    code = ("import logging; logging.basicConfig(level='INFO'); "
            "from pipelines.cli.serve import quiet_library_loggers; quiet_library_loggers('INFO'); "
            "import faiss; logging.getLogger('medkg.api').info('ready')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert "ModuleNotFoundError" not in out.stderr and "faiss.loader" not in out.stderr
    assert "INFO:medkg.api:ready" in out.stderr                     # INFO itself still shows
