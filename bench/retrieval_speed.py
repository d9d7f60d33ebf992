"""Retrieval speed: encode throughput, Flat vs HNSW build time, latency and recall, hybrid latency.

Usage (from the repo root)::

    python bench/retrieval_speed.py --corpus ../shared/data/literature/scifact/corpus.jsonl.gz \\
        --queries ../shared/data/literature/scifact/queries.test.tsv [--large 200000]

What it measures (warm, single query at a time, CPU):

1. encode throughput of the configured encoder on a sample of real abstracts (docs/s);
2. for Flat and HNSW32 at 5k (the real SciFact vectors) and at ``--large`` vectors: index build
   time, p50/p95 single-query search latency, and HNSW recall@10 against exact (Flat) search.
   The large set is made from real vectors, not re-encoded: vector i is
   ``normalise(v[a] + 0.5 v[b] + N(0, 0.02^2))`` for random real documents a, b;
3. hybrid end-to-end latency (query encoding + BM25 + FAISS + fusion + SQLite + snippets)
   through :meth:`retrieval.LiteratureIndex.search` over ``--large`` documents (real abstracts
   repeated under new ids, with the perturbed vectors), for HNSW and Flat, and the time one
   write takes to rebuild BM25 at that size (how additions reach the lexical index).

Document embeddings are cached under bench/out/ by bench/retrieval.py's cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval import Document, LiteratureIndex, RetrievalConfig, load_encoder, read_documents  # noqa: E402
from retrieval.dense import DenseIndex  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_retrieval_quality", ROOT / "bench" / "retrieval.py")
_quality = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_quality)


def pct(times: list[float]) -> tuple[float, float]:
    arr = np.asarray(times) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def perturbed(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, base.shape[0], n)
    b = rng.integers(0, base.shape[0], n)
    out = base[a] + 0.5 * base[b] + rng.normal(0, 0.02, size=(n, base.shape[1])).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def dense_bench(vectors: np.ndarray, queries: np.ndarray, label: str, ef_search: int) -> DenseIndex:
    """Flat and HNSW32 over ``vectors`` (keys 1..n, as a fresh store numbers them); returns the HNSW index."""
    keys = np.arange(1, vectors.shape[0] + 1, dtype=np.int64)
    exact: list[list[int]] = []
    for factory in ("Flat", "HNSW32,Flat"):
        idx = DenseIndex(vectors.shape[1], factory, ef_search=ef_search)
        started = time.perf_counter()
        idx.add(keys, vectors)
        build = time.perf_counter() - started
        for q in queries[:20]:
            idx.search(q, 10)  # warm up
        times, results = [], []
        for q in queries:
            t = time.perf_counter()
            hits = idx.search(q, 10)
            times.append(time.perf_counter() - t)
            results.append([k for k, _ in hits])
        p50, p95 = pct(times)
        if factory == "Flat":
            exact = results
            extra = ""
        else:
            recall = np.mean([len(set(r) & set(e)) / 10 for r, e in zip(results, exact)])
            extra = f"  recall@10 vs flat {recall:.3f} (efSearch {ef_search})"
        print(f"dense {factory:<12} {label:>5}: build {build:7.2f} s  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms{extra}", flush=True)
    return idx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--large", type=int, default=200_000)
    ap.add_argument("--encode-sample", type=int, default=256)
    ap.add_argument("--encoder", default=RetrievalConfig().encoder)
    args = ap.parse_args()
    config = RetrievalConfig(encoder=args.encoder)
    print(f"# {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at start (timings are wall clock)", flush=True)

    docs = list(read_documents(args.corpus))
    query_texts = list(_quality.read_queries(args.queries).values())
    encoder = load_encoder(args.encoder)
    sample = [d.text for d in docs[: args.encode_sample]]
    encoder.encode(sample[:32])
    started = time.perf_counter()
    encoder.encode(sample, batch_size=config.batch_size)
    rate = len(sample) / (time.perf_counter() - started)
    print(f"encode {args.encoder}: {rate:.1f} docs/s ({len(sample)} SciFact abstracts, batch {config.batch_size}, CPU)", flush=True)
    times = []
    for q in query_texts[:100]:
        t = time.perf_counter()
        encoder.encode([q])
        times.append(time.perf_counter() - t)
    print("encode one query: p50 {:.1f} ms  p95 {:.1f} ms".format(*pct(times)), flush=True)

    base = _quality.cached_embeddings(docs, args.encoder, encoder)
    qvecs = encoder.encode(query_texts)
    dense_bench(base, qvecs, f"{len(base) // 1000}k", config.hnsw_ef_search)
    large = perturbed(base, args.large)
    hnsw_dense = dense_bench(large, qvecs, f"{args.large // 1000}k", config.hnsw_ef_search)

    # Hybrid end to end over args.large documents.
    big_docs = [
        dataclasses.replace(docs[i % len(docs)], id=f"{docs[i % len(docs)].id}-{i}") for i in range(args.large)
    ]
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "out") as tmp:
        # Flat while adding (its build is instant); the HNSW index built above is swapped in after.
        lit = LiteratureIndex.open(tmp, config, encoder=encoder)
        bm25_seconds: list[float] = []
        build_lexical = lit._build_lexical

        def timed_build_lexical(*a, **kw):
            t = time.perf_counter()
            out = build_lexical(*a, **kw)
            bm25_seconds.append(time.perf_counter() - t)
            return out

        lit._build_lexical = timed_build_lexical
        started = time.perf_counter()
        lit.add_documents(big_docs, embeddings=large)
        print(f"add {args.large} documents, precomputed vectors (SQLite + Flat + BM25 + save): {time.perf_counter() - started:.1f} s", flush=True)
        print(f"  of which BM25 rebuild at {args.large // 1000}k documents (paid by every add/remove): {bm25_seconds[0]:.1f} s", flush=True)
        if not np.array_equal(lit.dense.keys, hnsw_dense.keys):
            raise SystemExit("store keys differ from 1..n; cannot reuse the HNSW index")
        flat = lit.dense
        for label, dense in (("HNSW32", hnsw_dense), ("Flat", flat)):
            lit.dense = dense
            for q in query_texts[:20]:
                lit.search(q, k=10, mode="hybrid")
            for mode in ("bm25", "hybrid"):
                if mode == "bm25" and label == "Flat":
                    continue
                times = []
                for q in query_texts:
                    t = time.perf_counter()
                    lit.search(q, k=10, mode=mode)
                    times.append(time.perf_counter() - t)
                p50, p95 = pct(times)
                name = f"{mode} end-to-end" + ("" if mode == "bm25" else f" ({label})")
                print(f"{name:<28} {args.large // 1000}k: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({len(times)} queries)", flush=True)
        lit.close()
    print(f"# load average {os.getloadavg()[0]:.1f} at end", flush=True)


if __name__ == "__main__":
    main()
