"""Benchmark: dry-run, apply, supersede and roll back a 10,000-statement guideline on a built graph.

The statements are SYNTHETIC (labelled ``synthetic-benchmark``): ``treats`` edges between real
drug nodes (DRUGBANK/RXNORM) and real disease nodes (DOID/OMIM) of the graph, chosen at random
(seeded) among pairs with no edge yet, so they are all "added" and conflict with nothing.
They are not clinical claims.

By default the home's ``graph/`` folder is copied to a temporary folder first, so the home you
pass is left exactly as it was; ``--in-place`` works on it directly (the rollback at the end
restores its graph version, but the benchmark's guideline graphs stay stored, inactive).

    python bench/update.py --home /tmp/medkg-gl [--statements 10000] [--seed 0]

Targets: dry-run, apply and rollback each < 10 s. "incl. load_view" is what one `medkg update`
command costs (it loads the view to resolve ids and find conflicts); "held view" is what the
HTTP API costs, which keeps the view in memory and passes it in (``G=``).

Endpoint mode (``--endpoint``): the same sequence runs a second time with the graph on a local
Oxigraph server (``oxigraph serve`` in a temporary folder, ``[graph] store``; the home's graphs,
meta graph included, are copied there through the Graph Store protocol, and the cached base
view with them), and the numbers are printed side by side with the embedded store's. Both modes
also time ``diagnose`` on the example notes (median of 5, after one warm-up call that loads the
workspace), since a server whose graph lives on an endpoint answers from the same in-memory view.

    python bench/update.py --home /tmp/medkg-gl --endpoint
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os  # noqa: E402

from kg.config import Home  # noqa: E402
from kg.guidelines import parse_guideline, write_table  # noqa: E402
from kg.update import apply_update, plan_update, rollback  # noqa: E402
from kg.view import load_view  # noqa: E402

TARGET_S = 10.0


def make_statements(G, n: int, seed: int) -> list[dict]:
    drugs = sorted(v for v, d in G.nodes(data=True)
                   if d.get("category") == "Drug" and v.split(":")[0] in ("DRUGBANK", "RXNORM") and d.get("label"))
    diseases = sorted(v for v, d in G.nodes(data=True)
                      if d.get("category") == "Disease" and v.split(":")[0] in ("DOID", "OMIM")
                      and d.get("label") and not d.get("obsolete"))
    if not drugs or not diseases:
        raise SystemExit(f"the graph has {len(drugs)} drugs and {len(diseases)} DOID/OMIM diseases; "
                         f"build it with PharmacotherapyDB/LabeledIn and the Disease Ontology")
    rng = random.Random(seed)
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < n:
        u, v = rng.choice(drugs), rng.choice(diseases)
        if (u, v) in pairs or G.has_edge(u, v) or G.has_edge(v, u):
            continue
        pairs.add((u, v))
    strengths = ("strong", "conditional")
    levels = ("high", "moderate", "low", "very low")
    return [{"subject": u, "predicate": "treats", "object": v, "subject_label": G.nodes[u]["label"],
             "object_label": G.nodes[v]["label"], "strength": rng.choice(strengths),
             "evidence_level": rng.choice(levels), "citation": "synthetic-benchmark"}
            for u, v in sorted(pairs)]


def timed(key: str, what: str, fn, results: dict, target: bool = False):
    """Run fn; record wall seconds as ``key`` and this process's CPU seconds as ``key_cpu``
    (the machine may be shared: CPU time shows what the code itself costs)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)
    results[key], results[key + "_cpu"] = wall, cpu
    flag = "  (over the 10 s target)" if target and wall >= TARGET_S else ""
    print(f"{what:<40} {wall:>7.2f} s wall {cpu:>7.2f} s cpu{flag}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", required=True, type=Path, help="a MEDKG_HOME with a built graph (full graph recommended)")
    ap.add_argument("--statements", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--in-place", action="store_true", help="work on --home itself instead of a copy")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    ap.add_argument("--endpoint", action="store_true", help="run the sequence again on a local Oxigraph server")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="medkg-bench-update-"))
    if args.in_place:
        home = Home(args.home)
    else:
        t0 = time.perf_counter()
        shutil.copytree(args.home / "graph", work / "home" / "graph", symlinks=True)
        home = Home(work / "home")
        print(f"copied {args.home}/graph to {home.graph} in {time.perf_counter() - t0:.1f} s", flush=True)

    results: dict = {"statements": args.statements, "cpus": os.cpu_count(),
                     "load_average_at_start": round(os.getloadavg()[0], 1)}
    server = None
    try:
        print("== embedded store ==", flush=True)
        run_sequence(home, work, args, results)
        if args.endpoint:
            from bench._oxigraph import copy_store_to_endpoint, server_peak_rss_mb, start_server

            server, url = start_server(work / "oxigraph")
            t0 = time.perf_counter()
            n = copy_store_to_endpoint(args.home / "graph", url)
            remote = Home(work / "remote-home", store=url)
            remote.graph.mkdir(parents=True)
            for cache in (args.home / "graph").glob("view-base-*.pickle"):
                shutil.copy2(cache, remote.graph / cache.name)
            print(f"\n== Oxigraph server {url} (copied {n:,} quads in {time.perf_counter() - t0:.1f} s) ==", flush=True)
            results["endpoint"] = {"statements": args.statements}
            run_sequence(remote, work, args, results["endpoint"])
            results["endpoint"]["server_peak_rss_mb"] = round(server_peak_rss_mb(server))
            print_side_by_side(results)
        results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
        print(f"load average at the end: {results['load_average_at_end']}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def print_side_by_side(results: dict) -> None:
    rem = results["endpoint"]
    keys = ["load_view_before", "dry_run", "dry_run_held_view", "apply", "load_view_after_apply",
            "supersede_held_view", "rollback", "load_view_after_rollback", "diagnose_first", "diagnose_median"]
    print(f"\n{'wall seconds':<28} {'embedded':>10} {'server':>10}")
    for k in keys:
        if k in results and k in rem:
            print(f"{k:<28} {results[k]:>10.2f} {rem[k]:>10.2f}")
    print(f"server peak RSS: {rem.get('server_peak_rss_mb')} MB")


def time_diagnose(home: Home, results: dict) -> None:
    """diagnose latency on the example notes: the first call (loads the workspace), then median of 5."""
    import statistics

    from pipelines.config import load_settings
    from pipelines.diagnose import diagnose
    from pipelines.workspace import Workspace

    examples = Path(__file__).resolve().parents[1] / "data" / "examples"
    notes = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(examples.glob("note_*.txt"))]
    settings = load_settings(home=home.root, env={"MEDKG_GRAPH_STORE": home.store} if home.store else {})
    ws = Workspace(settings, ranker="lr")
    t0 = time.perf_counter()
    diagnose(ws, notes=notes[:1], with_literature=False)
    results["diagnose_first"] = round(time.perf_counter() - t0, 2)
    times = []
    for i in range(5):
        t0 = time.perf_counter()
        diagnose(ws, notes=[notes[i % len(notes)]], with_literature=False)
        times.append(time.perf_counter() - t0)
    results["diagnose_median"] = round(statistics.median(times), 3)
    print(f"{'diagnose: first call (loads all)':<40} {results['diagnose_first']:>7.2f} s wall", flush=True)
    print(f"{'diagnose: median of 5 (one note)':<40} {results['diagnose_median']:>7.3f} s wall", flush=True)


def run_sequence(home: Home, work: Path, args, results: dict) -> None:
    """load, dry run, apply, supersede, roll back (and time diagnose) on ``home``."""
    G = timed("load_view_before", "load_view (before)", lambda: load_view(home), results)
    version0 = G.graph["version"]
    results["nodes"], results["edges"] = G.number_of_nodes(), G.number_of_edges()
    rows = make_statements(G, args.statements, args.seed)
    meta = {"key": "synthetic-benchmark/bench", "version": "1", "date": "2026-01-01",
            "title": "SYNTHETIC BENCHMARK DATA: not clinical statements"}
    path1 = work / "bench-v1.tsv"
    path1.write_text(write_table(meta, rows), encoding="utf-8")
    # v2: drops 10% of v1's statements and regrades another 10%
    rows2 = [dict(r) for r in rows[len(rows) // 10:]]
    for r in rows2[: len(rows) // 10]:
        r["strength"] = "strong" if r["strength"] == "conditional" else "conditional"
    path2 = work / "bench-v2.tsv"
    path2.write_text(write_table({**meta, "version": "2"}, rows2), encoding="utf-8")
    del G

    timed("parse", f"parse the {len(rows):,}-row table", lambda: parse_guideline(path1), results)
    plan = timed("dry_run", "dry run (plan_update, incl. load_view)", lambda: plan_update(home, path1), results,
                 target=True)
    G = load_view(home)
    timed("dry_run_held_view", "dry run with a held view (as the API)", lambda: plan_update(home, path1, G=G),
          results, target=True)
    del G
    results["dry_run_counts"] = plan.to_dict()["counts"]
    r1 = timed("apply", "apply v1 (incl. load_view)", lambda: apply_update(home, path1, applied_by="bench",
                                                                      allow_conflicts=True), results, target=True)
    G1 = timed("load_view_after_apply", "load_view after apply", lambda: load_view(home), results)
    assert G1.graph["version"] == r1.version.hash
    n_guideline = sum(1 for _, _, d in G1.edges(data=True) if d["source"] == "guideline:synthetic-benchmark/bench")
    results["guideline_edges_in_view"] = n_guideline
    r2 = timed("supersede_held_view", "apply v2 superseding v1, held view (API)",
               lambda: apply_update(home, path2, applied_by="bench", allow_conflicts=True, G=G1), results,
               target=True)
    del G1
    results["supersede_counts"] = r2.plan.to_dict()["counts"]
    v = timed("rollback", "rollback to before v1", lambda: rollback(home, version0), results, target=True)
    results["rollback_restores_hash"] = v.hash == version0
    G2 = timed("load_view_after_rollback", "load_view after rollback", lambda: load_view(home), results)
    results["view_after_rollback_matches"] = G2.graph["version"] == version0 and not any(
        d["source"].startswith("guideline:synthetic") for _, _, d in G2.edges(data=True))
    del G2
    time_diagnose(home, results)
    print(json.dumps({k: v for k, v in results.items() if not isinstance(v, (float, dict))}, indent=1))


if __name__ == "__main__":
    main()
