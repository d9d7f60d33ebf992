"""Check that the shipped pre-trained model is what `medkg train` produces.

    python bench/model_reproduce.py --home /tmp/medkg-model-home

Retrains the graph Transformer with the training config recorded in
``data/models/graph-transformer/config.json`` on the graph of ``--home`` (which must be the graph
version the shipped model was trained on: `medkg build` with the default sources), then prints
the largest absolute difference between the two models' weights and how often their top-10
lists agree on dev phenopackets. Label embeddings are cached under ``--home``'s
``models/cache`` (the first run embeds every concept label with MiniLM: ~10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.config import Home  # noqa: E402
from kg.errors import InputError  # noqa: E402
from kg.view import load_view  # noqa: E402
from model.annotations import annotation_table  # noqa: E402
from model.graph_transformer import GTConfig, TransformerRanker  # noqa: E402
from model.phenopacket import read_cases  # noqa: E402
from model.ranker import SHIPPED_MODEL  # noqa: E402
from model.simulate import SimulationConfig  # noqa: E402
from model.train import TrainConfig, train  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    ap.add_argument("--cases", type=Path, default=REPO.parent / "shared" / "data" / "eval" / "phenopackets" / "dev.jsonl.gz")
    ap.add_argument("--n-cases", type=int, default=300)
    args = ap.parse_args(argv)

    import torch
    from safetensors.torch import load_file

    meta = json.loads((args.model / "config.json").read_text())
    G = load_view(Home(args.home))
    if G.graph.get("version") != meta["graph_version"]:
        print(f"the graph of {args.home} is {G.graph.get('version')}, the shipped model was trained on "
              f"{meta['graph_version']}: build the default graph (`medkg build`) first", file=sys.stderr)
        return 2
    cfg = dict(meta["train"]["config"])
    cfg["model"] = GTConfig.from_dict(cfg["model"])
    cfg["simulation"] = SimulationConfig(**cfg["simulation"])
    config = TrainConfig(**cfg)
    cache = args.home / "models" / "cache"
    T = annotation_table(G, cache)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        res = train(G, Path(tmp) / "graph-transformer", config, table=T, cache_dir=cache)
        print(f"retrained in {res.seconds:.0f} s (val top-1 {res.val_top1:.3f}, temperature {res.temperature:.3f}; "
              f"shipped: {meta['train']['val_top1']:.3f}, {meta['temperature']:.3f})")
        a, b = load_file(str(args.model / "model.safetensors")), load_file(str(res.folder / "model.safetensors"))
        diff = max(float((a[k].float() - b[k].float()).abs().max()) for k in a)
        print(f"weights: {len(a)} tensors, same names {set(a) == set(b)}, largest absolute difference {diff:.3g}")
        ra = TransformerRanker.load(args.model, G, T)
        rb = TransformerRanker.load(res.folder, G, T)
        same = total = 0
        for case in read_cases(args.cases, limit=args.n_cases):
            try:
                x, y = ra.rank(case.present, case.absent), rb.rank(case.present, case.absent)
            except InputError:
                continue
            total += 1
            same += [d.disease_id for d in x.diagnoses] == [d.disease_id for d in y.diagnoses]
        print(f"top-10 lists identical on {same}/{total} dev cases; total {time.time() - t0:.0f} s")
    return 0 if diff < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
