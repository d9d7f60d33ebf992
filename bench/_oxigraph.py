"""Start a local Oxigraph server (PyPI ``oxigraph``) for the benchmarks' endpoint mode.

>>> callable(start_server)
True
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["start_server", "server_peak_rss_mb", "copy_store_to_endpoint"]


def _binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise SystemExit("the Oxigraph server is not installed: pip install oxigraph==0.5.13 (in the test extras)")
    return found


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    """``oxigraph serve`` on a free loopback port with its data in ``folder``; returns (process, URL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([_binary(), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=2)
            return proc, url
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("oxigraph serve did not start") from None
            time.sleep(0.05)


def server_peak_rss_mb(proc: subprocess.Popen) -> float:
    """The server process's peak resident memory (Linux VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def copy_store_to_endpoint(graph_dir: Path, url: str) -> int:
    """Copy every graph of the embedded store in ``graph_dir`` (meta included) to the server, in chunks."""
    from kg.remote_store import GSP_CHUNK_LINES, RemoteStore
    from kg.store import open_store
    from kg.vocab import META_GRAPH

    src = open_store(graph_dir, read_only=True)
    dst = RemoteStore(url)
    n = 0
    try:
        for iri in [g.iri for g in src.graphs()] + [META_GRAPH]:
            lines = src.graph_lines(iri)
            for i in range(0, len(lines), GSP_CHUNK_LINES):
                dst._post_triples(iri, "\n".join(lines[i:i + GSP_CHUNK_LINES]) + "\n")
            n += len(lines)
    finally:
        src.close()
        dst.close()
    return n
