"""Benchmark the diagnosis rankers on real cases (GA4GH phenopackets).

    medkg build --home /tmp/mondo-home --sources hpo,mondo --mirror ../shared/data/kg-sources
    python bench/diagnosis.py --cases ../shared/data/eval/phenopackets/dev.jsonl.gz \
        --home /tmp/mondo-home --models bench/out/models-mondo --leak-filter none --retrain
    python bench/diagnosis.py --cases ... --home /tmp/mondo-home --models bench/out/models-mondo \
        --leak-filter pmid-folds --folds 5 --retrain

With MONDO in the graph, OMIM and Orphanet entries that are exact matches share their
phenotype annotations (see ``model/annotations.py``); the header prints how many rows that adds.
A home with HPO alone (``medkg build``) measures the rankers without that sharing.

Prints, one method a line (LR baseline, Resnik baseline, the graph Transformer and, in the
``none`` setting, the Transformer without graph attention bias): cases used, top-1, top-3,
top-10, MRR and the expected calibration error of the top-1 probability, in two tables
(diagnosis not in the graph counted as a miss / left out). Candidates are the diseases with an
id prefix in ``--candidates`` (default OMIM: the cases' diagnoses are OMIM ids). Also prints
faithfulness of the contributions, inference speed and the training time / peak memory of the
models. Outputs go to ``bench/out/``.

Every Transformer is scored with its ablation (the same model without graph attention bias)
trained with the same training configuration: same candidate set, simulation profile, epochs and
seed, read from the model's own ``config.json``. That holds for the model the bench trains, for
one copied into ``--models`` (e.g. the shipped model, trained on every disease), and for
``--extra-model FOLDER``, whose ablation is trained into ``--models``; an ablation folder whose
recorded configuration differs is retrained. The header lists each model's training set
(simulated patients, candidate prefixes) so the pairs can be checked to compare like with like.
No reference numbers are written into the output: every number printed is computed in the run.

Quick check of the whole flow on a few cases (``--limit``) with tiny models (seconds):

    python bench/diagnosis.py --cases ../shared/data/eval/phenopackets/dev.jsonl.gz --home H \
        --limit 150 --profile tiny --train-fraction 0.05 --models /tmp/bench-models --side-cases 20

Leak filter ``pmid-folds``: the cases' source PMIDs are split into ``--folds`` folds; per fold
every annotation row citing one of that fold's papers is removed, the baselines are refit and
the Transformer is trained (``--profile``, default ``default``: about 70 s per fold on 2 quiet
cores) on that graph, and the fold's cases are scored.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.config import Home  # noqa: E402
from kg.errors import InputError  # noqa: E402
from kg.view import load_view  # noqa: E402
from model.annotations import AnnotationTable, annotation_table  # noqa: E402
from model.phenopacket import Case, read_cases  # noqa: E402
from model.ranker import LRRanker, Ranker, ResnikRanker  # noqa: E402
from model.likelihood_ratio import LRConfig  # noqa: E402
from model.resnik import ResnikConfig  # noqa: E402

OUT = REPO / "bench" / "out"


@dataclass
class Result:
    rank: int | None           # 1-based rank of the best-ranked true diagnosis; None = not ranked
    in_graph: bool
    p_top1: float
    top1_correct: bool


def evaluate(ranker: Ranker, cases: list[Case]) -> list[Result]:
    T = ranker.T
    out = []
    for c in cases:
        truth = [T.disease_index[d] for d in c.diseases if d in T.disease_index and ranker.mask[T.disease_index[d]]]
        try:
            s = ranker.ranked_scores(c.present, c.absent)
        except InputError:
            out.append(Result(None, bool(truth), 0.0, False))
            continue
        p = ranker.probabilities(s)
        top = int(np.argmax(s))
        if not truth:
            out.append(Result(None, False, float(p[top]), False))
            continue
        # ties are broken by disease id, as Ranker.rank does
        r = min(int((s > s[i]).sum() + (s[:i] == s[i]).sum() + 1) for i in truth)
        out.append(Result(r, True, float(p[top]), r == 1))
    return out


def ece(probs: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    if len(probs) == 0:
        return float("nan")
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(probs) * abs(probs[m].mean() - correct[m].mean())
    return float(total)


def metrics(results: list[Result], leave_out_absent: bool) -> dict:
    rs = [r for r in results if r.in_graph or not leave_out_absent]
    if not rs:
        return {"cases": 0}
    ranks = np.array([r.rank if r.rank is not None else 10 ** 9 for r in rs], dtype=np.float64)
    probs = np.array([r.p_top1 for r in rs])
    corr = np.array([r.top1_correct for r in rs], dtype=np.float64)
    return {"cases": len(rs), "top1": float(np.mean(ranks <= 1)), "top3": float(np.mean(ranks <= 3)),
            "top10": float(np.mean(ranks <= 10)), "mrr": float(np.mean(1.0 / ranks)), "ece": ece(probs, corr)}


def table(title: str, rows: dict[str, list[Result]]) -> str:
    lines = [title]
    for leave_out, name in ((False, "diagnosis not in graph counted as a miss"), (True, "diagnosis not in graph left out")):
        lines.append(f"  [{name}]")
        lines.append(f"  {'method':44s} {'cases':>6s} {'top-1':>6s} {'top-3':>6s} {'top-10':>6s} {'MRR':>6s} {'ECE':>6s}")
        for method, res in rows.items():
            m = metrics(res, leave_out)
            if not m["cases"]:
                continue
            lines.append(f"  {method:44s} {m['cases']:6d} {m['top1']:6.3f} {m['top3']:6.3f} {m['top10']:6.3f} "
                         f"{m['mrr']:6.3f} {m['ece']:6.3f}")
    return "\n".join(lines)


def paired(a: list[Result], b: list[Result], n_boot: int = 2000, seed: int = 0) -> dict:
    """Paired difference a - b over the same cases: top-1, top-10 and MRR with bootstrap 95% intervals."""
    ra = np.array([r.rank if r.rank is not None else 10 ** 9 for r in a], dtype=np.float64)
    rb = np.array([r.rank if r.rank is not None else 10 ** 9 for r in b], dtype=np.float64)
    per_case = {"top1": (ra <= 1).astype(float) - (rb <= 1), "top10": (ra <= 10).astype(float) - (rb <= 10),
                "mrr": 1.0 / ra - 1.0 / rb}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(ra), size=(n_boot, len(ra)))
    out = {}
    for k, v in per_case.items():
        boot = v[idx].mean(axis=1)
        out[k] = (float(v.mean()), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5)))
    out["top1_only_a"] = int(((ra <= 1) & (rb > 1)).sum())
    out["top1_only_b"] = int(((rb <= 1) & (ra > 1)).sum())
    return out


def faithfulness(ranker: Ranker, cases: list[Case], n: int, seed: int = 0) -> tuple[float, float, int]:
    """Mean rank of the top-1 diagnosis after removing its 3 highest-contribution findings vs 3 random ones."""
    rng = random.Random(seed)
    top_ranks, rnd_ranks = [], []
    T = ranker.T
    for c in cases:
        if len(top_ranks) >= n:
            break
        try:
            r = ranker.rank(c.present, c.absent, top_k=1)
        except InputError:
            continue
        if len(r.present) < 5 or not r.diagnoses:
            continue
        d = r.diagnoses[0]
        di = T.disease_index[d.disease_id]
        contrib = {k: v for k, v in d.contributions.items() if k in r.present}
        top3 = sorted(contrib, key=lambda k: -contrib[k])[:3]
        rnd3 = rng.sample(r.present, 3)

        def rank_without(drop):
            s = ranker.ranked_scores([t for t in r.present if t not in drop], r.absent)
            return int((s > s[di]).sum() + (s[:di] == s[di]).sum() + 1)

        top_ranks.append(rank_without(set(top3)))
        rnd_ranks.append(rank_without(set(rnd3)))
    return float(np.mean(top_ranks)), float(np.mean(rnd_ranks)), len(top_ranks)


def speed(ranker: Ranker, cases: list[Case], n: int) -> dict:
    usable = [c for c in cases if c.present or c.absent][:n]
    for c in usable[:5]:  # warm
        try:
            ranker.rank(c.present, c.absent)
        except InputError:
            pass
    times = []
    for c in usable:
        t = time.perf_counter()
        try:
            ranker.rank(c.present, c.absent, top_k=10)
        except InputError:
            continue
        times.append(time.perf_counter() - t)
    out = {"p50_ms": 1000 * float(np.percentile(times, 50)), "p95_ms": 1000 * float(np.percentile(times, 95))}
    # batched: scores for every case (no contributions)
    t = time.perf_counter()
    if hasattr(ranker, "score_many"):
        fs = []
        for c in usable:
            try:
                fs.append(ranker.resolve(c.present, c.absent))
            except InputError:
                pass
        for i in range(0, len(fs), 64):
            ranker.score_many(fs[i:i + 64])
        done = len(fs)
    else:
        done = 0
        for c in usable:
            try:
                ranker.ranked_scores(c.present, c.absent)
                done += 1
            except InputError:
                pass
    out["cases_per_s"] = done / (time.perf_counter() - t)
    return out


def _progress(log):
    """A training progress callback that logs at most every 30 s."""
    last = [0.0]

    def prog(stage, i, n):
        if time.time() - last[0] > 30:
            log(f"    {time.strftime('%H:%M:%S')} {stage} {i}/{n}")
            last[0] = time.time()

    return prog


def get_transformer(G, T: AnnotationTable, folder: Path, profile: str, candidates: str, graph_bias: bool,
                    cache: Path, log, retrain: bool = False, disease_fraction: float | None = None):
    from model.graph_transformer import TransformerRanker
    from model.train import TrainConfig, train

    if retrain or not (folder / "config.json").exists():
        over = {} if disease_fraction is None else {"disease_fraction": disease_fraction}
        cfg = TrainConfig.profile(profile, candidates=candidates, graph_bias=graph_bias, **over)
        res = train(G, folder, cfg, progress=_progress(log), table=T, cache_dir=cache)
        log(f"    trained {folder.name}: {res.seconds:.0f}s, peak RSS {res.peak_rss_mb:.0f} MB, "
            f"val top-1 {res.val_top1:.3f} (LR on same simulated val {res.val_top1_lr:.3f}), T={res.temperature:.2f}")
    return TransformerRanker.load(folder, G, T, candidates=candidates)


# settings that change how long training takes or how it is run, not what is learnt
_RUN_ONLY = ("workers", "threads", "time_budget_s")


def train_config_of(folder: Path):
    """The TrainConfig a saved model was trained with (its config.json), or None when it has none."""
    from dataclasses import fields

    from model.graph_transformer import GTConfig
    from model.simulate import SimulationConfig
    from model.train import TrainConfig

    try:
        meta = json.loads((Path(folder) / "config.json").read_text())
        data = dict(meta["train"]["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    sim = SimulationConfig(**{k: v for k, v in data.pop("simulation", {}).items()
                              if k in {f.name for f in fields(SimulationConfig)}})
    model = GTConfig.from_dict(data.pop("model", {}))
    rest = {k: v for k, v in data.items() if k in {f.name for f in fields(TrainConfig)}}
    return TrainConfig(model=model, simulation=sim, **rest)


def _comparable(cfg) -> dict:
    from dataclasses import asdict

    d = json.loads(json.dumps(asdict(cfg), default=str))
    for k in _RUN_ONLY:
        d.pop(k, None)
    return d


def describe_training(folder: Path) -> str:
    """What a saved model was trained on, for the header: patients, candidates, profile, graph."""
    try:
        meta = json.loads((Path(folder) / "config.json").read_text())
    except (OSError, ValueError):
        return "no config.json"
    tr = meta.get("train", {})
    cfg = tr.get("config", {})
    cands = cfg.get("model", {}).get("candidates", "") or "every disease"
    return (f"{tr.get('cases', '?')} simulated patients ({cands}; {cfg.get('simulation', {}).get('patients_per_disease', '?')}"
            f" per disease, disease fraction {cfg.get('disease_fraction', '?')}, {tr.get('epochs', '?')} epochs, "
            f"seed {cfg.get('seed', '?')}), graph bias {cfg.get('model', {}).get('graph_bias', '?')}, "
            f"trained on graph {meta.get('trained_graph_version') or meta.get('graph_version', '?')}")


def get_ablation(G, T: AnnotationTable, full_folder: Path, folder: Path, candidates: str, cache: Path, log,
                 retrain: bool = False):
    """The model of ``full_folder`` without graph attention bias, trained with the same configuration."""
    from dataclasses import replace

    from model.graph_transformer import TransformerRanker
    from model.train import train

    cfg = train_config_of(full_folder)
    if cfg is None:
        raise SystemExit(f"{full_folder} has no training configuration in config.json; cannot train a like-for-like "
                         f"ablation (retrain it with this bench or `medkg train`)")
    want = replace(cfg, model=replace(cfg.model, graph_bias=False))
    ran = json.loads((Path(full_folder) / "config.json").read_text()).get("train", {}).get("epochs")
    if isinstance(ran, int) and 0 < ran < cfg.epochs:
        # the full model stopped at its time budget: the ablation trains for as many epochs, no more
        want = replace(want, epochs=ran)
    have = train_config_of(folder)
    if retrain or have is None or _comparable(have) != _comparable(want):
        if have is not None and not retrain:
            log(f"    {folder.name}: trained with another configuration than {full_folder.name}; retraining")
        res = train(G, folder, want, progress=_progress(log), table=T, cache_dir=cache)
        log(f"    trained {folder.name} (ablation of {full_folder.name}): {res.seconds:.0f}s, "
            f"{res.train_cases} simulated patients, peak RSS {res.peak_rss_mb:.0f} MB")
    return TransformerRanker.load(folder, G, T, candidates=candidates)


def log_ablation(log, results: dict, full: str, abl: str, seed: int) -> dict | None:
    """Paired full - ablation over the same cases, with bootstrap intervals."""
    if full not in results or abl not in results:
        return None
    pr = paired(results[full], results[abl], seed=seed)
    log()
    log(f"## ablation, paired over the same cases ({full} - {abl}; bootstrap 95% interval, 2,000 resamples)")
    for k in ("top1", "top10", "mrr"):
        m, lo, hi = pr[k]
        log(f"  {k:6s} {m:+.4f}  [{lo:+.4f}, {hi:+.4f}]")
    log(f"  top-1 right only with the full model: {pr['top1_only_a']} cases; only without the bias: {pr['top1_only_b']}")
    return pr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", required=True, type=Path)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("MEDKG_HOME", "/tmp/medkg-model-home")))
    ap.add_argument("--leak-filter", choices=("none", "pmid-folds"), default="none")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N cases")
    ap.add_argument("--sample", type=int, default=None, help="use a seeded random sample of N cases (after --limit)")
    ap.add_argument("--extra-model", type=Path, default=None,
                    help="also score this trained Transformer folder (setting none), with its ablation trained with "
                         "the same configuration (into --models)")
    ap.add_argument("--side-cases", type=int, default=None, help="cases for faithfulness and speed (default 500, --quick 100)")
    ap.add_argument("--quick", action="store_true", help="few cases for faithfulness/speed, quick training profile")
    ap.add_argument("--candidates", default="OMIM")
    ap.add_argument("--models", type=Path, default=OUT / "models", help="where trained models are kept/reused")
    ap.add_argument("--retrain", action="store_true")
    ap.add_argument("--profile", default=None, help="training profile when the bench trains a model (default: default; "
                                                    "--quick: quick; tiny: seconds, to check the flow)")
    ap.add_argument("--no-transformer", action="store_true")
    ap.add_argument("--train-fraction", type=float, default=None,
                    help="simulate patients for only this share of the diseases when the bench trains a model "
                         "(a quick check of the flow; the ablation copies it with the rest of the configuration)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_path = OUT / f"diagnosis-{args.leak_filter}-{stamp}.txt"
    log_fh = open(log_path, "w")

    def log(msg: str = "") -> None:
        print(msg, flush=True)
        log_fh.write(msg + "\n")
        log_fh.flush()

    t0 = time.time()
    import torch

    torch.set_num_threads(1)  # the 2 cores are shared; more threads oversubscribe (see model/train.py)
    G = load_view(Home(args.home))
    cache = args.models / "cache"
    T = annotation_table(G, cache)
    cases = list(read_cases(args.cases, limit=args.limit))
    if args.sample is not None and args.sample < len(cases):
        idx = sorted(random.Random(args.seed).sample(range(len(cases)), args.sample))
        cases = [cases[i] for i in idx]
    in_graph = sum(any(d in T.disease_index for d in c.diseases) for c in cases)
    log(f"# diagnosis benchmark  leak-filter={args.leak_filter}  cases={len(cases)} ({args.cases}"
        f"{f', seeded random sample of {args.sample}' if args.sample else ''})  "
        f"graph={G.graph.get('version')} ({G.graph.get('version_label')})  candidates={args.candidates}")
    log(f"# {in_graph} cases have a diagnosis in the graph, {len(cases) - in_graph} not (newer OMIM entries)")
    log(f"# annotation rows {T.n_rows}, of which {T.shared_rows} shared between equivalent diseases (same_as, "
        f"e.g. MONDO exact matches; {T.ambiguous_groups} ambiguous groups left alone)")
    n_side = args.side_cases or (100 if args.quick else 500)
    profile = args.profile or ("quick" if args.quick else "default")
    summary: dict = {"setting": args.leak_filter, "cases": len(cases), "graph_version": G.graph.get("version")}

    if args.leak_filter == "none":
        rankers: dict[str, Ranker] = {
            "LR baseline (likelihood ratio)": LRRanker(G, T, args.candidates),
            "LR baseline, excluded findings ignored": LRRanker(G, T, args.candidates, LRConfig(absent_weight=0.0)),
            "Resnik baseline (best-match avg, patient->disease)": ResnikRanker(G, T, args.candidates, ResnikConfig(symmetric=False)),
        }
        pairs: list[tuple[str, str]] = []    # (full model, its ablation) names
        if not args.no_transformer:
            log(f"# Transformer models: {args.models} (profile {profile} when the bench trains one)")
            full_folder = args.models / f"gt-{profile}"
            rankers["graph Transformer"] = get_transformer(G, T, full_folder, profile, args.candidates, True, cache,
                                                           log, args.retrain, args.train_fraction)
            rankers["graph Transformer w/o graph attention bias"] = get_ablation(
                G, T, full_folder, args.models / f"gt-{profile}-nobias", args.candidates, cache, log, args.retrain)
            pairs.append(("graph Transformer", "graph Transformer w/o graph attention bias"))
            log(f"#   {full_folder.name}: {describe_training(full_folder)}")
            log(f"#   {full_folder.name}-nobias: {describe_training(args.models / f'gt-{profile}-nobias')}")
        if args.extra_model is not None:
            from model.graph_transformer import TransformerRanker

            extra = args.extra_model
            if not (extra / "config.json").exists():
                raise SystemExit(f"--extra-model {extra}: no config.json (not a saved model folder)")
            name = f"graph Transformer ({extra.name})"
            rankers[name] = TransformerRanker.load(extra, G, T, candidates=args.candidates)
            trained_on = rankers[name].trained_graph_version
            if trained_on != G.graph.get("version"):
                log(f"# note: {extra} was trained on graph {trained_on}, this bench's graph is "
                    f"{G.graph.get('version')}; its ablation is trained on this graph")
            abl_folder = args.models / f"{extra.name}-nobias"
            rankers[f"{name} w/o graph attention bias"] = get_ablation(G, T, extra, abl_folder, args.candidates,
                                                                         cache, log, args.retrain)
            pairs.append((name, f"{name} w/o graph attention bias"))
            log(f"#   {extra}: {describe_training(extra)}")
            log(f"#   {abl_folder}: {describe_training(abl_folder)}")
        results = {}
        for name, r in list(rankers.items()):
            t = time.time()
            results[name] = evaluate(r, cases)
            log(f"# {name}: scored {len(cases)} cases in {time.time() - t:.0f}s")
        log()
        log(table("## setting: --leak-filter none (annotations as shipped)", results))
        ref = metrics(results["Resnik baseline (best-match avg, patient->disease)"], False)
        log(f"  reference, computed in this run: Resnik baseline top-1 {ref['top1']:.3f} / top-10 {ref['top10']:.3f} "
            f"({ref['cases']} cases, absent diagnoses as misses)")
        summary["none"] = {k: {"miss": metrics(v, False), "left_out": metrics(v, True)} for k, v in results.items()}
        for full, abl in pairs:
            pr = log_ablation(log, results, full, abl, args.seed)
            if pr is not None:
                summary.setdefault("ablation_paired", {})[full] = pr
        log()
        log("## faithfulness (rank of the top-1 diagnosis after removing 3 findings; cases with >= 5 present findings)")
        for name in [n for n in rankers if "Resnik" not in n]:
            top, rnd, n = faithfulness(rankers[name], cases, n_side, args.seed)
            log(f"  {name:44s} n={n}  mean rank after removing 3 highest-contribution findings {top:8.1f}  "
                f"3 random findings {rnd:8.1f}")
            summary.setdefault("faithfulness", {})[name] = {"top3_removed": top, "random3_removed": rnd, "n": n}
        log()
        log("## inference speed (one process, 2 cores; single = rank() with contributions, warm; batched = scores)")
        for name, r in rankers.items():
            sp = speed(r, cases, n_side)
            log(f"  {name:44s} p50 {sp['p50_ms']:6.1f} ms  p95 {sp['p95_ms']:6.1f} ms  batched {sp['cases_per_s']:7.1f} cases/s")
            summary.setdefault("speed", {})[name] = sp
        for name, r in rankers.items():
            tr = getattr(r, "meta", {}).get("train") if hasattr(r, "meta") else None
            if tr:
                log(f"  training {name}: {tr['seconds']:.0f}s, peak RSS {tr['peak_rss_mb']:.0f} MB, "
                    f"{tr['cases']} simulated patients, {tr['epochs']} epochs")
                summary.setdefault("training", {})[name] = tr
    else:
        pm = sorted({p for c in cases for p in c.pmids})
        rng = random.Random(args.seed)
        rng.shuffle(pm)
        fold_of = {p: i % args.folds for i, p in enumerate(pm)}

        def case_fold(c: Case) -> int:
            for p in c.pmids:
                return fold_of[p]
            return zlib.crc32(c.id.encode()) % args.folds     # stable across runs (str hash() is salted)

        results = {"LR baseline (likelihood ratio)": [], "LR baseline, excluded findings ignored": [],
                   "Resnik baseline (best-match avg, patient->disease)": []}
        if not args.no_transformer:
            results[f"graph Transformer ({profile} profile per fold)"] = []
        log(f"# {len(pm)} source PMIDs in {args.folds} folds; per fold: remove annotation rows citing the fold's papers, "
            f"refit baselines, train the Transformer ('{profile}' profile), score the fold's cases")
        for k in range(args.folds):
            tf = time.time()
            fold_cases = [c for c in cases if case_fold(c) == k]
            fold_pm = [p for p in pm if fold_of[p] == k]
            Tk = T.remove_references(fold_pm)
            parts = {"LR baseline (likelihood ratio)": LRRanker(G, Tk, args.candidates),
                     "LR baseline, excluded findings ignored": LRRanker(G, Tk, args.candidates, LRConfig(absent_weight=0.0)),
                     "Resnik baseline (best-match avg, patient->disease)": ResnikRanker(G, Tk, args.candidates, ResnikConfig(symmetric=False))}
            t_train = 0.0
            if not args.no_transformer:
                tt = time.time()
                parts[f"graph Transformer ({profile} profile per fold)"] = get_transformer(
                    G, Tk, args.models / f"fold{k}-of{args.folds}-{profile}-seed{args.seed}", profile, args.candidates, True,
                    cache, log,
                    args.retrain)
                t_train = time.time() - tt
            for name, r in parts.items():
                results[name] += evaluate(r, fold_cases)
            log(f"  fold {k}: {len(fold_cases)} cases, {len(fold_pm)} papers, {Tk.removed_rows} annotation rows removed, "
                f"training {t_train:.0f}s, fold total {time.time() - tf:.0f}s")
        log()
        log(table("## setting: --leak-filter pmid-folds (annotation rows citing the case's paper removed)", results))
        summary["pmid-folds"] = {k: {"miss": metrics(v, False), "left_out": metrics(v, True)} for k, v in results.items()}
    log()
    log(f"# total runtime {time.time() - t0:.0f}s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    (OUT / f"diagnosis-{args.leak_filter}-{stamp}.json").write_text(json.dumps(summary, indent=2, default=str))
    log(f"# written {log_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
