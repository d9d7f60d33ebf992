"""Assertion classification on the NegEx annotations: medkg's ConText vs medSpaCy's default rules.

Each row names a condition inside a sentence; both systems classify that same character span
(found case-insensitively; rows whose condition is not in the sentence use the whole sentence).
Prints precision / recall / F1 for negated, historical, hypothetical ("Not particular") and
family experiencer, for both systems from the same run.

    python bench/extract_context.py --data ../shared/data/eval/negex/annotations.dev.tsv [--no-medspacy]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _medspacy_env import run_medspacy  # noqa: E402

from kg.extract import build_extractor  # noqa: E402
from kg.terms import ConceptTerm  # noqa: E402

MEDSPACY_SCRIPT = r"""
import json, sys
import medspacy
rows = json.load(sys.stdin)["rows"]
nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_context"])
rush, ctx = nlp.get_pipe("medspacy_pyrush"), nlp.get_pipe("medspacy_context")
out = []
for text, s, e in rows:
    doc = nlp.make_doc(text)
    try:
        doc = rush(doc)
    except Exception:
        pass
    span = doc.char_span(s, e, alignment_mode="expand", label="CONDITION")
    doc.ents = (span,) if span is not None else ()
    doc = ctx(doc)
    if span is None:
        out.append([False, False, False, False]); continue
    sp = doc.ents[0]
    out.append([bool(sp._.is_negated), bool(sp._.is_historical), bool(sp._.is_hypothetical), bool(sp._.is_family)])
print(json.dumps({"preds": out}))
"""

TASKS = ("negated", "historical", "hypothetical", "family")


def read_rows(path: Path):
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        next(reader)
        for rec in reader:
            if len(rec) < 6:
                continue
            _, cond, sent, neg, temp, exp = rec[:6]
            words = cond.split()
            m = re.search(r"\s+".join(map(re.escape, words)), sent, re.IGNORECASE) if words else None
            s, e = (m.start(), m.end()) if m else (0, len(sent))
            gold = [neg == "Negated", temp == "Historical", temp == "Not particular", exp == "Family member"]
            rows.append((sent, s, e, gold, m is not None))
    return rows


def prf(gold, pred):
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, tp + fn


def report(name, rows, preds):
    print(f"\n{name}")
    print(f"  {'task':<13}{'P':>7}{'R':>7}{'F1':>7}{'gold+':>7}")
    out = {}
    for k, task in enumerate(TASKS):
        p, r, f, n = prf([g[3][k] for g in rows], [pr[k] for pr in preds])
        out[task] = f
        print(f"  {task:<13}{p:7.3f}{r:7.3f}{f:7.3f}{n:7d}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--no-medspacy", action="store_true")
    ap.add_argument("--errors", type=int, default=0, help="print this many medkg errors per task")
    args = ap.parse_args(argv)
    rows = read_rows(args.data)
    print(f"{len(rows)} rows from {args.data} ({sum(not r[4] for r in rows)} whose condition is not in the sentence)")
    ex = build_extractor([ConceptTerm("X:1", "placeholder", "PhenotypicFeature")])
    t0 = time.perf_counter()
    preds = []
    for sent, s, e, _, _ in rows:
        a = ex.assert_spans(sent, [(s, e)])[0]
        preds.append([a.negated, a.historical, a.hypothetical, a.experiencer == "family"])
    dt = time.perf_counter() - t0
    mk = report(f"medkg ConText ({dt:.2f} s, load average {os.getloadavg()[0]:.1f})", rows, preds)
    if args.errors:
        for k, task in enumerate(TASKS):
            errs = [(r, p) for r, p in zip(rows, preds) if r[3][k] != p[k]]
            print(f"\n-- {task}: {len(errs)} errors")
            for r, p in errs[: args.errors]:
                print(f"  gold={r[3][k]} span={r[0][r[1]:r[2]]!r} :: {r[0][:160]!r}")
    if not args.no_medspacy:
        t0 = time.perf_counter()
        res = run_medspacy(MEDSPACY_SCRIPT, {"rows": [[r[0], r[1], r[2]] for r in rows]})
        if "error" in res:
            print(f"\nmedSpaCy: not run: {res['error']}")
        else:
            ms = report(f"medSpaCy {res['version']} default ConText rules ({time.perf_counter() - t0:.1f} s incl. start-up)",
                        rows, res["preds"])
            print("\nF1 difference (medkg - medSpaCy): " + ", ".join(f"{t} {mk[t] - ms[t]:+.3f}" for t in TASKS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
