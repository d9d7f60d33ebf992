"""Load test for `medkg serve`: N concurrent clients, mixed /diagnose and /search, on loopback.

Starts its own server (``medkg serve --home HOME --port P``) as a subprocess, waits for
``/health``, then runs a fixed number of requests (bounded: it stops by itself) from
``--clients`` threads, each with its own keep-alive connection. Prints throughput, latency
percentiles per endpoint, errors, and the server's resident memory sampled over the run
(start, peak, end, and the growth between the first and last tenth of the run).

Then a write phase (``--write-cycles``, default 10; 0 skips it): ``--write-clients`` clients
keep asking for diagnoses while one writer applies a SYNTHETIC one-statement guideline through
``POST /guidelines`` and rolls the graph back to its starting version through
``POST /graph/rollback``, N times. Each write makes the server load a new graph view, ranker
and extractor and swap them in; the server's RSS is read after every cycle. The guideline
(key ``synthetic/serve-load-bench``, ``OMIM:154700 has_phenotype HP:0001945``) is a made-up
benchmark row, not a clinical claim; the home's graph version is restored after each cycle,
but its history lists the cycles and the guideline's graph stays stored, inactive. The bench
starts the server with a random write token of its own.

    python bench/serve_load.py --home /tmp/medkg-serve                 # 5000 requests, 8 clients
    python bench/serve_load.py --home /tmp/medkg-serve --requests 500  # quick

Targets (issues 8 and 17): >= 14 diagnoses/s with p95 < 1 s at 8 clients on 2 cores, zero
errors, memory flat over the read phase; in the write phase RSS after the last cycle within
+15% of RSS after the first, and every diagnosis sent during the writes answered.
``--strict`` exits 1 when a target is missed. The load average is printed beside the timings:
on a machine shared with other work the throughput is lower.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "data" / "examples"
SEARCHES = [
    "fever cough dyspnea pneumonia", "tall stature arachnodactyly ectopia lentis", "seizures intellectual disability",
    "fatigue weight gain cold intolerance", "chest pain troponin", "recurrent fever serositis colchicine",
    "aortic root dilatation", "hearing loss retinitis pigmentosa", "anemia splenomegaly", "joint hypermobility",
]
HPO_SETS = [
    ["HP:0001166", "HP:0001083", "HP:0000098"], ["HP:0001250", "HP:0001249", "HP:0000252"],
    ["HP:0001945", "HP:0012735", "HP:0002094"], ["HP:0000365", "HP:0000510"],
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except ImportError:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except Exception:  # noqa: BLE001 - the process ended
        return 0
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process so far."""
    try:
        import psutil

        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except ImportError:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:  # noqa: BLE001
        return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def start_server(home: str, port: int, config: str | None, log: Path, token: str = "",
                 extra: tuple[str, ...] = ()) -> subprocess.Popen:
    # the CLI of this checkout (not whichever one the `medkg` console script was installed from)
    cmd = [sys.executable, "-c", "import sys; sys.argv[0] = 'medkg'; from pipelines.cli import main; main()",
           "serve", "--home", home, "--port", str(port), "--host", "127.0.0.1", "--log-level", "warning", *extra]
    if config:
        cmd += ["--config", config]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    if token:
        env["MEDKG_SERVE_TOKEN"] = token
    out = open(log, "wb")
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env, cwd=REPO)


def rss_parts_mb(pid: int) -> dict[str, float]:
    """Anonymous (heap) and file-backed resident memory of one process, from /proc (Linux)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
                    key, value = line.split(":")
                    out[key[3:].lower()] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def server_rss_bytes(pid: int) -> int:
    """RSS of the server and its worker processes (children share pages copy-on-write, so this
    overcounts them; ``pss`` in :func:`server_pss_bytes` does not)."""
    total = rss_bytes(pid)
    try:
        import psutil

        for child in psutil.Process(pid).children(recursive=True):
            total += child.memory_info().rss
    except Exception:  # noqa: BLE001 - psutil missing or the process ended
        pass
    return total


SYNTHETIC_GUIDELINE = (
    "# key: synthetic/serve-load-bench\n# version: {version}\n# date: 2026-01-01\n"
    "# title: SYNTHETIC benchmark guideline (bench/serve_load.py write phase; not a clinical claim)\n"
    "subject\tpredicate\tobject\tstrength\tcitation\n"
    "OMIM:154700\thas_phenotype\tHP:0001945\tweak\tsynthetic-benchmark\n")


def send(c: httpx.Client, kind: str, method: str, path: str, kw: dict, errors: list[str],
         lock: threading.Lock) -> int:
    """One request; its status (-1 when it did not get an answer). Failures are added to ``errors``."""
    try:
        r = c.request(method, path, **kw)
    except httpx.HTTPError as err:
        with lock:
            errors.append(f"{kind} -> {type(err).__name__}: {err}")
        return -1
    if r.status_code != 200:
        with lock:
            errors.append(f"{kind} -> {r.status_code}: {r.text[:200]}")
    return r.status_code


def write_phase(base: str, pid: int, token: str, cycles: int, readers: int, request_for, timeout: float) -> dict:
    """``cycles`` x (apply the synthetic guideline, roll back) while ``readers`` clients diagnose."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=timeout) as c:
        for cid in ("OMIM:154700", "HP:0001945"):
            if c.get(f"/concepts/{cid}").status_code != 200:
                raise SystemExit(f"the write phase needs {cid} in the graph (the default HPO graph has it)")
        v0 = c.get("/graph/versions").json()["current"]["version"]
    stop = threading.Event()
    lock = threading.Lock()
    answers: list[tuple[float, int]] = []
    errors: list[str] = []
    counter = itertools.count()

    def reader():
        with httpx.Client(base_url=base, timeout=timeout) as c:
            while not stop.is_set():
                i = next(counter)
                kind, method, path, kw = request_for(i)
                t0 = time.perf_counter()
                status = send(c, kind, method, path, kw, errors, lock)
                with lock:
                    answers.append((time.perf_counter() - t0, status))

    rss_mb: list[float] = []
    parts: list[dict] = []
    write_s: list[float] = []
    threads = [threading.Thread(target=reader) for _ in range(readers)]
    t_start = time.perf_counter()
    for t in threads:
        t.start()
    try:
        with httpx.Client(base_url=base, timeout=max(timeout, 300.0), headers=auth) as c:
            for i in range(cycles):
                t0 = time.perf_counter()
                r = c.post("/guidelines", params={"dry_run": "false", "format": "tsv",
                                                  "filename": "serve-load-bench.tsv"},
                           content=SYNTHETIC_GUIDELINE.format(version=f"{int(time.time())}.{i}").encode(),
                           headers={"Content-Type": "text/plain"})
                if r.status_code != 200 or r.json().get("serving") == v0:
                    raise SystemExit(f"apply failed in cycle {i + 1}: {r.status_code} {r.text[:300]}")
                r = c.post("/graph/rollback", json={"version": v0})
                if r.status_code != 200 or r.json().get("serving") != v0:
                    raise SystemExit(f"rollback failed in cycle {i + 1}: {r.status_code} {r.text[:300]}")
                write_s.append(time.perf_counter() - t0)
                # read RSS once the requests in flight during the swap are done and the server has
                # returned the old view's pages (it trims 0.5 s after the last user lets go)
                time.sleep(3.0)
                rss_mb.append(server_rss_bytes(pid) / 2**20)
                parts.append(rss_parts_mb(pid))
                print(f"  write cycle {i + 1:2d}/{cycles}: apply + rollback {write_s[-1]:5.1f} s, "
                      f"server RSS {rss_mb[-1]:7.1f} MB {parts[-1]}, load average {os.getloadavg()[0]:.1f}",
                      flush=True)
    finally:
        stop.set()
        for t in threads:
            t.join()
    wall = time.perf_counter() - t_start
    ok = [lat for lat, status in answers if status == 200]
    return {
        "cycles": cycles, "readers": readers, "wall_s": round(wall, 1),
        "apply_rollback_s": {"median": round(statistics.median(write_s), 2), "max": round(max(write_s), 2)},
        "rss_mb_after_cycle": [round(x, 1) for x in rss_mb],
        "rss_growth_pct": round(100 * (rss_mb[-1] - rss_mb[0]) / rss_mb[0], 2),
        "rss_parts_mb_after_cycle": parts,
        "diagnoses": len(answers), "diagnoses_ok": len(ok), "errors": len(errors), "first_errors": errors[:5],
        "diagnose_p95_s": round(pct(ok, .95), 3), "diagnose_max_s": round(max(ok), 3) if ok else float("nan"),
        "diagnoses_per_s": round(len(ok) / wall, 2),
    }


def wait_ready(base: str, proc: subprocess.Popen, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode} before it was ready")
        try:
            r = httpx.get(base + "/health", timeout=2)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server not ready after {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", required=True, help="MEDKG_HOME with a built graph (e.g. medkg build --home DIR)")
    ap.add_argument("--config", help="medkg.toml for the server")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=5000, help="total requests (the run stops after them)")
    ap.add_argument("--diagnose-share", type=float, default=0.75, help="fraction of requests that are /diagnose")
    ap.add_argument("--notes", type=Path, default=EXAMPLES, help="folder of *.txt notes to send")
    ap.add_argument("--timeout", type=float, default=60.0, help="per-request timeout, seconds")
    ap.add_argument("--startup-timeout", type=float, default=600.0)
    ap.add_argument("--warmup", type=int, default=20, help="requests sent before measuring")
    ap.add_argument("--no-literature", action="store_true",
                    help="send with_literature=false (diagnosis without the per-diagnosis literature searches)")
    ap.add_argument("--write-cycles", type=int, default=10,
                    help="apply + rollback cycles in the write phase (0: no write phase)")
    ap.add_argument("--write-clients", type=int, default=2, help="clients diagnosing during the write phase")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    notes = [p.read_text() for p in sorted(args.notes.glob("*.txt"))]
    if not notes:
        raise SystemExit(f"no *.txt notes in {args.notes}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"medkg-serve-load-{port}.log"
    t_start = time.perf_counter()
    token = secrets.token_hex(16) if args.write_cycles > 0 else ""
    proc = start_server(args.home, port, args.config, log, token=token)
    samples: list[tuple[float, int]] = []
    stop_sampling = threading.Event()
    try:
        health = wait_ready(base, proc, args.startup_timeout)
        startup_s = time.perf_counter() - t_start
        print(f"server ready in {startup_s:.1f} s: graph {health['versions']['graph']} "
              f"({health['graph']['nodes']:,} nodes, {health['graph']['edges']:,} edges), "
              f"model {health['versions']['model']}, literature documents {health['literature_documents']:,}")

        def sampler():
            t0 = time.perf_counter()
            while not stop_sampling.is_set():
                samples.append((time.perf_counter() - t0, rss_bytes(proc.pid)))
                stop_sampling.wait(0.25)

        # the request plan: deterministic, bounded
        def diagnose_request(i: int):
            lit = {"with_literature": False} if args.no_literature else {}
            if i % 5 == 4:
                return "diagnose", "POST", "/diagnose", {"json": {"hpo": HPO_SETS[i % len(HPO_SETS)], **lit}}
            return "diagnose", "POST", "/diagnose", {"json": {"note": notes[i % len(notes)], **lit}}

        def plan(i: int):
            if (i * 7919 % 1000) / 1000 < args.diagnose_share:
                return diagnose_request(i)
            return "search", "GET", "/search", {"params": {"q": SEARCHES[i % len(SEARCHES)], "k": 10}}

        with httpx.Client(base_url=base, timeout=args.timeout) as c:
            for i in range(args.warmup):
                kind, method, path, kw = plan(i)
                c.request(method, path, **kw)

        counter = itertools.count()
        lock = threading.Lock()
        results: list[tuple[str, float, int, float]] = []   # kind, latency, status, finished at
        errors: list[str] = []

        def client_loop():
            with httpx.Client(base_url=base, timeout=args.timeout) as c:
                while True:
                    i = next(counter)
                    if i >= args.requests:
                        return
                    kind, method, path, kw = plan(i)
                    t0 = time.perf_counter()
                    status = send(c, kind, method, path, kw, errors, lock)
                    t1 = time.perf_counter()
                    with lock:
                        results.append((kind, t1 - t0, status, t1))

        threading.Thread(target=sampler, daemon=True).start()
        time.sleep(0.3)
        cpu0 = cpu_seconds(proc.pid)
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client_loop) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        cpu_used = cpu_seconds(proc.pid) - cpu0
        load1 = os.getloadavg()[0]
        time.sleep(0.5)
        stop_sampling.set()
        writes = None
        if args.write_cycles > 0:
            print(f"\nwrite phase: {args.write_cycles} apply + rollback cycles, "
                  f"{args.write_clients} clients diagnosing meanwhile", flush=True)
            writes = write_phase(base, proc.pid, token, args.write_cycles, args.write_clients, diagnose_request,
                                 args.timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    by_kind: dict[str, list[float]] = {}
    for kind, lat, status, _ in results:
        if status == 200:
            by_kind.setdefault(kind, []).append(lat)
    n_ok = sum(len(v) for v in by_kind.values())
    all_lat = [lat for v in by_kind.values() for lat in v]
    rss = [r for _, r in samples if r > 0]
    tenth = max(1, len(rss) // 10)
    rss_start, rss_end = statistics.median(rss[:tenth]), statistics.median(rss[-tenth:])
    out = {
        "clients": args.clients, "with_literature": not args.no_literature, "requests": len(results), "ok": n_ok, "errors": len(errors),
        "wall_s": round(wall, 2), "startup_s": round(startup_s, 1),
        "throughput_rps": round(len(results) / wall, 2),
        "diagnoses_per_s": round(len(by_kind.get("diagnose", [])) / wall, 2),
        "latency_s": {
            kind: {"n": len(v), "p50": round(pct(v, .5), 4), "p95": round(pct(v, .95), 4), "p99": round(pct(v, .99), 4),
                   "max": round(max(v), 4)} for kind, v in sorted(by_kind.items())},
        "latency_all_s": {"p50": round(pct(all_lat, .5), 4), "p95": round(pct(all_lat, .95), 4),
                          "p99": round(pct(all_lat, .99), 4)},
        "rss_mb": {"first_tenth": round(rss_start / 2**20, 1), "last_tenth": round(rss_end / 2**20, 1),
                   "peak": round(max(rss) / 2**20, 1), "samples": len(rss),
                   "growth_pct": round(100 * (rss_end - rss_start) / rss_start, 2)},
        "server_cpu_s": round(cpu_used, 1),
        "server_cpu_ms_per_request": round(1000 * cpu_used / max(len(results), 1), 1),
        "server_cores_used": round(cpu_used / wall, 2),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": round(load0, 2), "loadavg_after": round(load1, 2)},
        "first_errors": errors[:5],
        "writes": writes,
        "server_log": str(log),
    }
    d = out["latency_s"].get("diagnose", {})
    targets = {
        ">= 14 diagnoses/s": out["diagnoses_per_s"] >= 14,
        "diagnose p95 < 1 s": bool(d) and d["p95"] < 1.0,
        "zero errors": not errors,
        "memory flat (growth < 10%)": abs(out["rss_mb"]["growth_pct"]) < 10,
    }
    if writes is not None:
        targets["writes: RSS after last cycle <= +15% of after first"] = writes["rss_growth_pct"] <= 15
        targets["writes: every diagnosis answered"] = writes["errors"] == 0 and writes["diagnoses_ok"] > 0
    out["targets"] = targets
    print(f"\n{len(results)} requests from {args.clients} clients in {wall:.1f} s: "
          f"{out['throughput_rps']} req/s, {out['diagnoses_per_s']} diagnoses/s, {len(errors)} errors")
    for kind, s in out["latency_s"].items():
        print(f"  {kind:9s} n={s['n']:5d}  p50 {s['p50'] * 1000:7.1f} ms  p95 {s['p95'] * 1000:7.1f} ms  "
              f"p99 {s['p99'] * 1000:7.1f} ms  max {s['max'] * 1000:7.1f} ms")
    r = out["rss_mb"]
    print(f"  server RSS: {r['first_tenth']} MB (first tenth) -> {r['last_tenth']} MB (last tenth), "
          f"peak {r['peak']} MB, growth {r['growth_pct']}% over {r['samples']} samples")
    print(f"  server CPU: {out['server_cpu_s']} s = {out['server_cpu_ms_per_request']} ms per request, "
          f"{out['server_cores_used']} cores busy on average; machine: {os.cpu_count()} CPUs, "
          f"load average {load0:.1f} before, {load1:.1f} after")
    for e in errors[:5]:
        print("  error:", e)
    if writes is not None:
        w = writes
        print(f"  writes: {w['cycles']} apply + rollback cycles (median {w['apply_rollback_s']['median']} s, "
              f"max {w['apply_rollback_s']['max']} s); server RSS after cycle 1 {w['rss_mb_after_cycle'][0]} MB, "
              f"after cycle {w['cycles']} {w['rss_mb_after_cycle'][-1]} MB ({w['rss_growth_pct']:+}%)")
        print(f"  diagnoses during the writes: {w['diagnoses_ok']}/{w['diagnoses']} answered from "
              f"{w['readers']} clients ({w['diagnoses_per_s']}/s), p95 {w['diagnose_p95_s'] * 1000:.0f} ms, "
              f"max {w['diagnose_max_s'] * 1000:.0f} ms, {w['errors']} errors")
        for e in w["first_errors"]:
            print("  write-phase error:", e)
    for name, ok in targets.items():
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 1 if args.strict and not all(targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
