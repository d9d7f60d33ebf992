"""IVF-PQ with on-disk inverted lists vs exact (Flat) search, on synthetic vectors.

Measures, through medkg's own ``retrieval.dense.DenseIndex`` (the code the literature index
uses): build time (add = train + encode; save), resident memory (RSS) of a process that has
loaded the index and searched, single-query latency (p50 / p95, one thread, as the server
searches) and recall@10 against exact inner-product search. Baselines in the same run: Flat,
and the same IVF-PQ index loaded into memory.

The vectors are synthetic, not embeddings of real text: a mixture of 2,000 Gaussian clusters in a
32-dimensional latent space, lifted to 384 dimensions by a random linear map, plus small isotropic
noise, then normalised (real sentence embeddings have a low intrinsic dimension; i.i.d. 384-d noise
has none, and no approximate index can find its neighbours). Queries are fresh draws from the
same mixture. RSS is given in full and without file-backed pages (memory-mapped index files and
vectors, which the kernel can drop and re-read).
Each phase runs in its own process, so each RSS is that phase's alone.

    python bench/ivfpq.py                      # 1,000,000 x 384 (MiniLM's dimension), IVF1024,PQ48
    python bench/ivfpq.py --n 200000 --factory IVF512,PQ48 --nprobe 8 16 32
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _anon_mb() -> float:
    """Resident memory not backed by a file (RSS minus mapped file pages, which the kernel can drop)."""
    import psutil

    info = psutil.Process().memory_info()
    return (info.rss - info.shared) / 1e6


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def _run(fn, *args):
    """Run ``fn(*args)`` in a fresh process and return its result dict."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn, args))
    proc.start()
    out = queue.get()
    proc.join()
    if "error" in out:
        raise SystemExit(f"phase {fn.__name__} failed: {out['error']}")
    return out


def _child(queue, fn, args):
    try:
        queue.put(fn(*args))
    except BaseException as err:  # noqa: BLE001 - report to the parent
        queue.put({"error": f"{type(err).__name__}: {err}"})


def generate(work: str, n: int, dim: int, queries: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    latent = 32      # sentence embeddings have a low intrinsic dimension; isotropic 384-d noise has none
    centres = rng.normal(size=(2000, latent)).astype("float32")
    lift = rng.normal(size=(latent, dim)).astype("float32") / np.sqrt(latent)

    def draw(m: int) -> np.ndarray:
        z = centres[rng.integers(0, len(centres), m)] + 0.5 * rng.normal(size=(m, latent)).astype("float32")
        x = z @ lift + 0.05 * rng.normal(size=(m, dim)).astype("float32")
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype("float32")

    base = np.lib.format.open_memmap(Path(work) / "base.npy", mode="w+", dtype="float32", shape=(n, dim))
    step = 100_000
    for start in range(0, n, step):
        base[start:start + min(step, n - start)] = draw(min(step, n - start))
    base.flush()
    q = draw(queries)
    np.save(Path(work) / "queries.npy", q)
    # exact top-10 by inner product, block by block
    best_s = np.full((queries, 10), -np.inf, dtype="float32")
    best_i = np.zeros((queries, 10), dtype="int64")
    for start in range(0, n, step):
        s = q @ np.asarray(base[start:start + step]).T
        ids = np.arange(start, start + s.shape[1]) + 1          # keys are row + 1
        s_all = np.concatenate([best_s, s], axis=1)
        i_all = np.concatenate([best_i, np.broadcast_to(ids, s.shape)], axis=1)
        top = np.argsort(-s_all, axis=1)[:, :10]
        best_s = np.take_along_axis(s_all, top, axis=1)
        best_i = np.take_along_axis(i_all, top, axis=1)
    np.save(Path(work) / "truth.npy", best_i)
    return {"peak_mb": _peak_mb()}


def build(work: str, factory: str, on_disk: bool, threads: int = 1) -> dict:
    import faiss
    from retrieval.dense import DenseIndex

    faiss.omp_set_num_threads(threads)

    base = np.load(Path(work) / "base.npy", mmap_mode="r")
    idx = DenseIndex(base.shape[1], factory, on_disk=on_disk)
    t0 = time.perf_counter()
    idx.add(np.arange(1, base.shape[0] + 1), base)
    t_add = time.perf_counter() - t0
    t1 = time.perf_counter()
    folder = Path(work) / f"index-{'disk' if on_disk else 'mem'}"
    idx.save(folder)
    t_save = time.perf_counter() - t1
    sizes = {p.name: round(p.stat().st_size / 1e6, 1) for p in folder.iterdir()}
    return {"add_s": t_add, "save_s": t_save, "peak_mb": _peak_mb(), "files_mb": sizes,
            "threads": faiss.omp_get_max_threads(), "load": os.getloadavg()}


def search(work: str, folder: str, nprobes: list[int], on_disk: bool, max_queries: int, refines=(0,),
           threads: int = 1) -> dict:
    import faiss
    from retrieval.dense import DenseIndex

    faiss.omp_set_num_threads(threads)

    q = np.load(Path(work) / "queries.npy")[:max_queries]
    truth = np.load(Path(work) / "truth.npy")[:max_queries]
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    idx = DenseIndex.load(Path(work) / folder, on_disk=on_disk)
    load_s = time.perf_counter() - t0
    rss_load, anon_load = _rss_mb(), _anon_mb()
    rows = []
    for nprobe, refine in [(a, b) for b in refines for a in nprobes]:
        idx.nprobe, idx.refine = nprobe, refine
        lat, recall = [], []
        for i in range(len(q)):
            t = time.perf_counter()
            hits = idx.search(q[i], k=10)
            lat.append((time.perf_counter() - t) * 1000)
            recall.append(len({k for k, _ in hits} & set(truth[i].tolist())) / 10)
        rows.append({"nprobe": nprobe, "refine": refine, "rss_mb": _rss_mb(), "anon_mb": _anon_mb(), "p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
                     "recall@10": float(np.mean(recall))})
    return {"load_s": load_s, "rss_mb": _rss_mb(), "rss_before_load_mb": rss0, "anon_after_load_mb": anon_load,
            "rss_after_load_mb": rss_load, "peak_mb": _peak_mb(), "rows": rows,
            "load": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--factory", default="IVF1024,PQ48")
    ap.add_argument("--nprobe", type=int, nargs="+", default=[8, 16, 32])
    ap.add_argument("--refine", type=int, nargs="+", default=[0, 10], help="exact re-scoring of refine x k candidates")
    ap.add_argument("--threads", type=int, default=2, help="FAISS threads for building (searches use one)")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--flat-queries", type=int, default=100, help="Flat is slow per query; fewer suffice for p95")
    ap.add_argument("--workdir", default=None, help="where the vectors and indexes go (default: a temp dir, removed)")
    ap.add_argument("--skip-memory-ivf", action="store_true", help="skip loading the IVF-PQ index into memory")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="medkg-ivfpq-")
    Path(work).mkdir(parents=True, exist_ok=True)
    print(f"n={args.n:,} dim={args.dim} factory={args.factory} cpus={os.cpu_count()} load={os.getloadavg()} work={work}",
          flush=True)
    try:
        t0 = time.perf_counter()
        gen = _run(generate, work, args.n, args.dim, args.queries, 0)
        print(f"generated vectors + exact top-10 in {time.perf_counter() - t0:.1f} s (peak {gen['peak_mb']:.0f} MB)", flush=True)
        b = _run(build, work, args.factory, True, args.threads)
        print(f"IVF-PQ on disk: add (train + encode) {b['add_s']:.1f} s, save {b['save_s']:.1f} s, build peak RSS "
              f"{b['peak_mb']:.0f} MB, files {b['files_mb']} (load {b['load'][0]:.1f})", flush=True)
        results = {"args": vars(args), "build": b}
        results["ivfpq_disk"] = s = _run(search, work, "index-disk", args.nprobe, True, args.queries, args.refine)
        _print("IVF-PQ, lists on disk (mmap)", s)
        if not args.skip_memory_ivf:
            results["ivfpq_mem"] = s = _run(search, work, "index-disk", args.nprobe, False, args.queries, args.refine)
            _print("IVF-PQ, same index loaded into memory", s)
        fb = _run(build, work, "Flat", False, args.threads)
        print(f"Flat: add {fb['add_s']:.1f} s, save {fb['save_s']:.1f} s", flush=True)
        results["flat"] = s = _run(search, work, "index-mem", [1], False, args.flat_queries)
        _print("Flat (exact) baseline", s)
        print(json.dumps(results, default=float))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def _print(name: str, s: dict) -> None:
    print(f"{name}: load {s['load_s']:.1f} s; RSS after load {s['rss_after_load_mb']:.0f} MB ({s['anon_after_load_mb']:.0f} MB "
          f"not file-backed; interpreter + imports {s['rss_before_load_mb']:.0f} MB); load avg {s['load'][0]:.1f}", flush=True)
    for r in s["rows"]:
        print(f"    nprobe {r['nprobe']:>3} refine {r['refine']:>2}: p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, "
              f"recall@10 {r['recall@10']:.3f}; RSS after {r['rss_mb']:.0f} MB ({r['anon_mb']:.0f} MB not file-backed)",
              flush=True)


if __name__ == "__main__":
    main()
