"""Batch diagnosis throughput: in-process vs Ray actors (1 and 2 workers), memory per worker, and an
estimate on paper of a 1M-note run on a cluster.

    python bench/batch.py --home H [--notes 200] [--workers 1 2] [--with-literature] [--task diagnose]

H is a built MEDKG_HOME (e.g. `medkg build --home H`). The notes are SYNTHETIC (the ~400-word
generator of bench/extract_speed.py), written to a temporary JSONL. The in-process engine is
the baseline in the same run (what `medkg batch` does without --ray, and what a loop over
`medkg diagnose` does, minus the per-call start-up). Throughput excludes start-up (workspace
load, Ray start), which is reported apart. Print `os.getloadavg()` with every timing: the
machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pipelines.batch  # noqa: E402,F401  (before bench/ joins the path: bench/retrieval.py would shadow the package)
import retrieval  # noqa: E402,F401

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_speed import synthetic_note  # noqa: E402

sys.path[:] = [p for p in sys.path if p != str(Path(__file__).resolve().parent)]


def _ray_overhead_mb() -> float:
    """RSS of Ray's own processes (GCS, raylet, agents), not the workers or this driver."""
    import psutil

    total = 0
    for p in psutil.process_iter(["cmdline", "memory_info"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if any(x in cmd for x in ("gcs_server", "raylet", "dashboard/agent", "runtime_env/agent", "log_monitor",
                                  "ray/_private/monitor", "DashboardAgent", "RuntimeEnvAgent")):
            total += p.info["memory_info"].rss
    return total / 1e6


def run(engine_kind: str, workers: int, args, source: Path, settings) -> dict:
    from pipelines.batch import make_engine, run_batch

    t0 = time.perf_counter()
    engine = make_engine(settings, args.task, ray="local" if engine_kind == "ray" else None,
                         workers=workers if engine_kind == "ray" else None, ranker=args.ranker,
                         with_literature=args.with_literature)
    load_s = time.perf_counter() - t0
    overhead = _ray_overhead_mb() if engine_kind == "ray" else 0.0
    out = Path(tempfile.mkdtemp(prefix="medkg-batch-out-")) / "out.jsonl"
    try:
        result = run_batch(args.task, source, out, settings, engine=engine, with_literature=args.with_literature,
                           chunk_size=args.chunk_size)
    finally:
        engine.close()
        shutil.rmtree(out.parent, ignore_errors=True)
    rate = result.written / (result.seconds - result.load_seconds)
    return {"engine": engine_kind, "workers": workers, "inputs_per_s": rate, "start_s": load_s,
            "errors": result.errors, "worker_rss_mb": result.worker_memory_mb, "ray_overhead_mb": overhead,
            "load": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", required=True)
    ap.add_argument("--notes", type=int, default=200)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--task", default="diagnose", choices=["diagnose", "extract"])
    ap.add_argument("--ranker", default=None)
    ap.add_argument("--with-literature", action="store_true")
    ap.add_argument("--chunk-size", type=int, default=8)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    from pipelines.config import load_settings

    settings = load_settings(home=args.home)
    rng = random.Random(0)
    folder = Path(tempfile.mkdtemp(prefix="medkg-batch-bench-"))
    source = folder / "synthetic_notes.jsonl"
    with open(source, "w", encoding="utf-8") as fh:
        for i in range(args.notes):
            fh.write(json.dumps({"id": f"synthetic-{i}", "note": "SYNTHETIC NOTE.\n" + synthetic_note(rng)}) + "\n")
    print(f"{args.notes} synthetic notes, task {args.task}, literature {'on' if args.with_literature else 'off'}, "
          f"cpus {os.cpu_count()}, load {os.getloadavg()}", flush=True)
    try:
        rows = [run("in-process", 1, args, source, settings)]
        if not args.no_ray:
            rows += [run("ray", w, args, source, settings) for w in args.workers]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for r in rows:
        print(f"{r['engine']:>10} x{r['workers']}: {r['inputs_per_s']:.2f} inputs/s, start {r['start_s']:.1f} s, "
              f"worker RSS {', '.join(f'{m:.0f}' for m in r['worker_rss_mb'])} MB, Ray's own processes "
              f"{r['ray_overhead_mb']:.0f} MB, errors {r['errors']}, load {r['load'][0]:.1f}", flush=True)
    # ---- the estimate on paper: 1M notes on a cluster
    base = rows[0]
    per_worker = max(r["inputs_per_s"] / r["workers"] for r in rows)   # best measured rate of one worker
    mem = max(max(r["worker_rss_mb"]) for r in rows)
    print("\nestimate for 1,000,000 notes (assumptions: one actor per core; each core as fast as the best "
          f"measured single worker here, {per_worker:.2f} notes/s; linear scaling (no shared state between "
          "actors: each loads the workspace from a shared file system once); output written by one driver; "
          f"RAM = {mem:.0f} MB per worker + ~1 GB per node for Ray):")
    for workers in (16, 64, 256):
        hours = 1_000_000 / (per_worker * workers) / 3600
        nodes = max(1, workers // 16)
        print(f"  {workers:>4} workers ({nodes} x 16-core nodes): {hours:6.1f} h, RAM {workers * mem / 1e3 + nodes:.0f} GB "
              f"in all ({16 * mem / 1e3 + 1:.0f} GB per node)")
    print(json.dumps({"rows": rows, "baseline_inputs_per_s": base["inputs_per_s"]}, default=float))


if __name__ == "__main__":
    main()
