"""Benchmark: build the knowledge graph (HPO alone, then every source) and load its view.

Usage::

    python bench/kg_build.py --mirror ../shared/data/kg-sources [--out bench/out/kg_build.json]

For each scenario a fresh temporary MEDKG_HOME is built in its own subprocess (so the
peak RSS measured is the build's own, read from ``ru_maxrss``), then ``load_view`` is
timed in a fresh subprocess (cold process, warm page cache), median of ``--repeats``.
Counts come from :func:`kg.stats.graph_stats` and from the store's meta graph.

Targets: full build < 2 min, load < 3 s, peak RSS < 2 GB.

Endpoint mode (``--endpoint``): each scenario is built a second time into a local Oxigraph
server (``oxigraph serve``, started in a temporary folder; ``[graph] store``), chunked through
the Graph Store protocol, and its view loaded from there (cached base view, and once without
the cache: the whole graph read back over HTTP), printed beside the embedded store. The RSS
columns are medkg's process; the server's own peak RSS is printed below the table.

    python bench/kg_build.py --mirror ../shared/data/kg-sources --scenarios hpo --endpoint
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"build_s": 120.0, "load_s": 3.0, "rss_mb": 2048.0}
SCENARIOS = {"hpo": ("hpo",), "all": ("auto",)}


# ---------------------------------------------------------------- child processes
def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _cpu_s() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _child_build(home: str, sources: str, mirror: str, store: str = "") -> dict:
    t0 = time.perf_counter()
    from kg.build import build_graph
    from kg.config import GraphConfig, Home

    result = build_graph(Home(Path(home), store=store), GraphConfig(sources=tuple(sources.split(",")), mirror=mirror))
    return {"build_s": time.perf_counter() - t0, "inner_s": result.seconds, "rss_mb": _peak_rss_mb(), "cpu_s": _cpu_s(),
            "version": result.version.hash, "label": result.version.label, "skipped": result.skipped}


def _child_load(home: str, with_stats: bool, store_url: str = "", use_cache: bool = True) -> dict:
    t0 = time.perf_counter()
    from kg.config import Home
    from kg.view import load_view

    where = Home(Path(home), store=store_url)
    G = load_view(where, use_cache=use_cache)
    out = {"load_s": time.perf_counter() - t0, "rss_mb": _peak_rss_mb(), "cpu_s": _cpu_s()}
    if with_stats:
        from kg.stats import graph_stats
        from kg.store import open_store

        stats = graph_stats(G)
        store = open_store(where)
        try:
            graphs = store.graphs()
        finally:
            store.close()
        out["stats"] = {k: stats[k] for k in ("version", "version_label", "nodes", "edges", "nodes_by_category",
                                              "edges_by_predicate", "edges_by_source")}
        out["quads"] = {g.name: g.quads for g in graphs}
    return out


def _run_child(args: list[str]) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", *args]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(REPO))
    if proc.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the benchmark
def run_scenario(name: str, sources: tuple[str, ...], mirror: str, repeats: int, keep: bool, store: str = "") -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"medkg-bench-{name}-"))
    try:
        t0 = time.perf_counter()
        build = _run_child(["build", str(root), ",".join(sources), mirror, store])
        build["wall_s"] = time.perf_counter() - t0  # including interpreter start and imports
        loads = [_run_child(["load", str(root), "1" if i == 0 else "0", store]) for i in range(repeats)]
        stats = loads[0].pop("stats")
        quads = loads[0].pop("quads")
        nocache = _run_child(["load", str(root), "0", store, "nocache"]) if store else None
        return {
            "scenario": name + ("@server" if store else ""), "store": store or "embedded", "sources": list(sources),
            "build": build, "load_nocache_s": round(nocache["load_s"], 2) if nocache else None,
            "load_s": [round(x["load_s"], 3) for x in loads],
            "load_median_s": statistics.median(x["load_s"] for x in loads),
            "load_cpu_median_s": statistics.median(x["cpu_s"] for x in loads),
            "load_rss_mb": max(x["rss_mb"] for x in loads),
            "stats": stats, "quads": quads, "quads_total": sum(quads.values()),
        }
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _ok(value: float, target: float) -> str:
    return "ok" if value < target else "MISSED"


def print_table(results: list[dict]) -> None:
    print(f"load average: {open('/proc/loadavg').read().strip()}  cpus: {os.cpu_count()}")
    print("(wall times depend on other jobs on the machine; CPU s = user + system time of that process)")
    head = f"{'scenario':<11} {'build s':>8} {'build CPU s':>12} {'build RSS MB':>13} {'load s (median)':>16} {'load CPU s':>11} {'load RSS MB':>12} {'nodes':>8} {'edges':>8} {'quads':>9}"
    print(head)
    print("-" * len(head))
    for r in results:
        b = r["build"]
        print(f"{r['scenario']:<11} {b['build_s']:>8.1f} {b['cpu_s']:>12.1f} {b['rss_mb']:>13.0f} {r['load_median_s']:>16.2f} "
              f"{r['load_cpu_median_s']:>11.2f} {r['load_rss_mb']:>12.0f} {r['stats']['nodes']:>8,} {r['stats']['edges']:>8,} {r['quads_total']:>9,}")
    for r in results:
        if r.get("load_nocache_s") is not None:
            print(f"{r['scenario']}: view read from the server without the local cache: {r['load_nocache_s']:.2f} s; "
                  f"server peak RSS {r.get('server_rss_mb', float('nan')):.0f} MB")
    print()
    full = next((r for r in results if r["scenario"] == "all"), results[0])
    checks = [
        (f"full build ({full['scenario']}) < 2 min", full["build"]["build_s"], TARGETS["build_s"], "s"),
        (f"load ({full['scenario']}) < 3 s", full["load_median_s"], TARGETS["load_s"], "s"),
        ("peak RSS (any build or load) < 2 GB",
         max(max(r["build"]["rss_mb"], r["load_rss_mb"]) for r in results), TARGETS["rss_mb"], "MB"),
    ]
    print("targets:")
    for label, value, target, unit in checks:
        print(f"  {label:<40} {value:>9.1f} {unit:<2}  {_ok(value, target)}")
    for r in results:
        print(f"\n[{r['scenario']}] graph {r['stats']['version']} ({r['stats']['version_label']})")
        if r["build"].get("skipped"):
            for k, v in r["build"]["skipped"].items():
                print(f"  skipped {k}: {v[:100]}")
        print("  nodes by category: " + ", ".join(f"{k} {v:,}" for k, v in r["stats"]["nodes_by_category"].items()))
        print("  edges by predicate: " + ", ".join(f"{k} {v:,}" for k, v in r["stats"]["edges_by_predicate"].items()))
        print("  edges by source: " + ", ".join(f"{k} {v:,}" for k, v in r["stats"]["edges_by_source"].items()))
        print("  quads by graph: " + ", ".join(f"{k} {v:,}" for k, v in r["quads"].items()))
        print("  load times: " + ", ".join(f"{x:.2f}" for x in r["load_s"]) + " s")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--_child":
        kind, *rest = argv[1:]
        out = _child_build(*rest) if kind == "build" else _child_load(
            rest[0], rest[1] == "1", rest[2] if len(rest) > 2 else "", not (len(rest) > 3 and rest[3] == "nocache"))
        sys.stdout.write(json.dumps(out) + "\n")
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", required=True, type=Path, help="folder laid out like the sources' origin, "
                    "e.g. ../shared/data/kg-sources")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    ap.add_argument("--repeats", type=int, default=3, help="load_view runs per scenario (median reported)")
    ap.add_argument("--scenarios", default="hpo,all", help="comma-separated: hpo, all")
    ap.add_argument("--keep", action="store_true", help="keep the temporary homes")
    ap.add_argument("--endpoint", action="store_true", help="also build each scenario into a local Oxigraph "
                    "server ([graph] store) and load it from there")
    args = ap.parse_args(argv)
    if not args.mirror.is_dir():
        ap.error(f"mirror folder {args.mirror} does not exist")
    results = []
    for name in args.scenarios.split(","):
        if name not in SCENARIOS:
            ap.error(f"unknown scenario {name!r}; valid: {', '.join(SCENARIOS)}")
        results.append(run_scenario(name, SCENARIOS[name], str(args.mirror.resolve()), args.repeats, args.keep))
        if args.endpoint:
            sys.path.insert(0, str(REPO))
            from bench._oxigraph import server_peak_rss_mb, start_server

            folder = Path(tempfile.mkdtemp(prefix="medkg-bench-oxigraph-"))
            proc, url = start_server(folder / "data")
            try:
                r = run_scenario(name, SCENARIOS[name], str(args.mirror.resolve()), args.repeats, args.keep, store=url)
                r["server_rss_mb"] = server_peak_rss_mb(proc)
                results.append(r)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
                shutil.rmtree(folder, ignore_errors=True)
    print_table(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"loadavg": open("/proc/loadavg").read().strip(), "cpus": os.cpu_count(),
                   "python": sys.version.split()[0], "targets": TARGETS, "results": results,
                   "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        args.out.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
