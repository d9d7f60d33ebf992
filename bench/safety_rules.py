"""What the two ranking safety rules cost on real cases (issue 14; docs/design-notes.md notes 9, 20).

    python bench/safety_rules.py --cases ../shared/data/eval/phenopackets/dev.jsonl.gz --home H \
        --limit 1500 --ic 0,2,3,4 --weights 0,0.5,1

For each IC threshold of shared-ancestor matches (``--ic``) and each weight of the excluded-finding
penalty (``--weights``): top-1 / top-10 of the LR baseline, Resnik and the Transformer (``--model``,
default the shipped one) on the same cases, annotations as shipped (no leak filter; OMIM
candidates), diagnoses missing from the graph counted as misses. The penalty is added to scores
that do not depend on excluded findings, so each threshold scores the cases once and every weight
reuses those scores. ``bench/diagnosis.py`` is the full benchmark (before / after in its own runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.config import Home  # noqa: E402
from kg.errors import InputError  # noqa: E402
from kg.view import load_view  # noqa: E402
from model.annotations import annotation_table  # noqa: E402
from model.likelihood_ratio import LRConfig, lr_match  # noqa: E402
from model.phenopacket import read_cases  # noqa: E402
from model.ranker import SHIPPED_MODEL, LRRanker, ResnikRanker  # noqa: E402
from model.resnik import ResnikConfig  # noqa: E402


def ranks(scores: list[np.ndarray | None], truths: list[list[int]], diseases: np.ndarray) -> np.ndarray:
    """1-based rank of the best-ranked true diagnosis per case (ties by disease id); 0 = missing."""
    out = np.zeros(len(scores), np.int64)
    for i, (s, tr) in enumerate(zip(scores, truths)):
        if s is None or not tr:
            continue
        best = max(s[t] for t in tr)
        better = s > best
        tie = (s == best) & (diseases < min(diseases[t] for t in tr))
        out[i] = int(better.sum() + tie.sum()) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", required=True, type=Path)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("MEDKG_HOME", "/tmp/medkg-model-home")))
    ap.add_argument("--limit", type=int, default=1500)
    ap.add_argument("--ic", default="0,3")
    ap.add_argument("--weights", default="0,0.5,1")
    ap.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    ap.add_argument("--candidates", default="OMIM")
    ap.add_argument("--no-transformer", action="store_true")
    ap.add_argument("--resnik-prior", default="", help="also try these Transformer Resnik priors (comma list)")
    ap.add_argument("--only-transformer", action="store_true")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    t0 = time.time()
    G = load_view(Home(args.home))
    T = annotation_table(G, None)
    cases = list(read_cases(args.cases, limit=args.limit))
    print(f"# safety rules  cases={len(cases)} (first {args.limit} of {args.cases})  graph={G.graph.get('version')}  "
          f"candidates={args.candidates}  load average {os.getloadavg()[0]:.1f}")
    ics = [float(x) for x in args.ic.split(",")]
    weights = [float(x) for x in args.weights.split(",")]
    print(f"  {'ranker':16s} {'min IC':>6s} {'weight':>6s} {'top-1':>6s} {'top-10':>6s}")
    for ic in ics:
        lr = LRRanker(G, T, args.candidates, LRConfig(min_shared_ic=ic))
        rs = ResnikRanker(G, T, args.candidates, ResnikConfig(symmetric=False, min_shared_ic=ic))
        Tc = lr.T
        diseases = np.array(Tc.diseases, dtype=object)
        truths = [[Tc.disease_index[d] for d in c.diseases if d in Tc.disease_index] for c in cases]
        rankers = {} if args.only_transformer else {"LR": lr, "Resnik": rs}
        if not args.no_transformer:
            from model.graph_transformer import TransformerRanker

            priors = [None] + [float(x) for x in args.resnik_prior.split(",") if x]
            for prior in priors:
                gt = TransformerRanker.load(args.model, G, T, candidates=args.candidates)
                gt.model.config = replace(gt.model.config, min_shared_ic=ic)
                if prior is not None:
                    gt.model.config = replace(gt.model.config, resnik_prior=prior)
                rankers["Transformer" if prior is None else f"Transformer rp{prior:g}"] = gt
        for name, r in rankers.items():
            base, pen = [], []
            for c in cases:
                try:
                    f = r.resolve(c.present, c.absent)
                except InputError:
                    base.append(None)
                    pen.append(None)
                    continue
                f0 = replace(f, absent=[])
                if f0.present:
                    s, _, _ = r.score_findings(f0)
                else:
                    s = np.zeros(Tc.n_diseases, np.float32)
                base.append(s)
                # the penalty at weight 1 (scaled by each --weights value below)
                p = lr_match(Tc, [], f.absent, LRConfig(absent_weight=1.0)).scores() if f.absent \
                    else np.zeros(Tc.n_diseases, np.float32)
                pen.append(p)
            for w in (weights if name != "Resnik" else [0.0]):
                sc = [None if b is None else b + w * p for b, p in zip(base, pen)]
                rk = ranks(sc, truths, diseases)
                print(f"  {name:16s} {ic:6.1f} {w:6.2f} {np.mean((rk >= 1) & (rk <= 1)):6.3f} "
                      f"{np.mean((rk >= 1) & (rk <= 10)):6.3f}", flush=True)
    print(f"# total {time.time() - t0:.0f}s, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
