"""Per-family precision / recall of the extractor on the committed synthetic probe set.

The probes (``bench/probes/extract_probes.jsonl``, synthetic sentences written for medkg, not
patient data) were written and committed before the rules they test. Each probe names the
concepts it judges: its ``gold`` pairs and its ``reject`` concept ids. Only findings of judged
concepts count; a finding is a pair (concept id, attribute) where the attribute is:

* ``possible``, ``hypothetical``, ``word_sense``, ``coordination``, ``abbreviations``, ``labs``:
  the finding's assertion (present, absent, possible, hypothetical, historical, family);
* ``sections``: the finding's section;
* ``patient_model``: ("allergy" | "medication", the drug as written, lower case) from the
  patient context; findings of ``reject`` concepts also count there (an allergy's reaction is
  not a finding).

Pairs are compared as multisets, so a finding listed twice is a false positive.

    python bench/extract_probes.py [--split test|dev|all] [--errors]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PROBES = Path(__file__).resolve().parent / "probes" / "extract_probes.jsonl"
ASSERTION_FAMILIES = ("possible", "hypothetical", "word_sense", "coordination", "abbreviations", "labs")


def read_probes(path: Path, split: str) -> list[dict]:
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def predicted(probe: dict, extraction) -> list[tuple[str, str]]:
    judged = {g[0] for g in probe["gold"]} | set(probe["reject"])
    fam = probe["family"]
    if fam == "patient_model":
        ctx = extraction.context
        out = [("allergy", d.text.lower()) for d in getattr(ctx, "allergies", ())]
        out += [("medication", d.text.lower()) for d in getattr(ctx, "medications", ())]
        return out + [(f.concept_id, f.assertion) for f in extraction.findings if f.concept_id in judged]
    if fam == "sections":
        return [(f.concept_id, f.section) for f in extraction.findings if f.concept_id in judged]
    return [(f.concept_id, f.assertion) for f in extraction.findings if f.concept_id in judged]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=("test", "dev", "all"))
    ap.add_argument("--probes", type=Path, default=PROBES)
    ap.add_argument("--errors", action="store_true", help="print the ids of probes with errors (never their text)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "medkg-bench-extractor")
    args = ap.parse_args(argv)
    from extract_concepts import load_terms

    from kg.extract import build_extractor
    probes = read_probes(args.probes, args.split)
    ex = build_extractor(load_terms("hpo"), cache_dir=args.cache)
    t0 = time.perf_counter()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, n_pred, n_gold
    wrong: dict[str, list[str]] = defaultdict(list)
    for probe in probes:
        pred = Counter(predicted(probe, ex.extract(probe["text"])))
        gold = Counter(tuple(g) for g in probe["gold"])
        tp = sum((pred & gold).values())
        c = counts[probe["family"]]
        c[0] += tp; c[1] += sum(pred.values()); c[2] += sum(gold.values())
        if pred != gold:
            wrong[probe["family"]].append(f"{probe['id']}: missed {sorted(gold - pred)} extra {sorted(pred - gold)}")
    dt = time.perf_counter() - t0
    print(f"{len(probes)} probes ({args.split} split) from {args.probes.name}, {dt:.2f} s, load {os.getloadavg()[0]:.2f}")
    print(f"  {'family':<15}{'n':>4}{'P':>7}{'R':>7}{'F1':>7}")
    for fam in sorted(counts):
        tp, npred, ngold = counts[fam]
        p = tp / npred if npred else 1.0
        r = tp / ngold if ngold else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        n = sum(1 for pr in probes if pr["family"] == fam)
        print(f"  {fam:<15}{n:4d}{p:7.3f}{r:7.3f}{f:7.3f}")
    if args.errors:
        for fam, rows in sorted(wrong.items()):
            print(f"\n-- {fam}")
            for row in rows:
                print("  " + row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
