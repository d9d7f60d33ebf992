"""End-to-end diagnosis on real published cases, as notes and as structured phenopackets.

Each GA4GH phenopacket case is turned into a SYNTHETIC note: present findings in varied
wording (a layperson synonym where the graph has one, otherwise an exact synonym or the
label, in a few sentence templates), excluded findings as "no ..." / "denies ...". The
whole pipeline (extractor -> ranker -> evidence) runs on the note, and the same case runs
as a structured phenopacket. The gap is what text extraction costs; it is an optimistic
bound because the wording comes from the graph's own vocabulary.

    python bench/diagnose_e2e.py --home HOME --cases ../shared/data/eval/phenopackets/dev.jsonl.gz --as-notes

Cases whose diagnosis is not in the graph count as misses (first line) and are left out
(second line). Latency is per note, warm process, whole report (literature search off
unless --with-literature).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

# bench/retrieval.py would shadow the retrieval package: put the repo root first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.ids import equivalents, try_resolve  # noqa: E402
from model.phenopacket import read_cases
from pipelines.diagnose import diagnose
from pipelines.workspace import Workspace

PRESENT_TEMPLATES = [
    "Patient has {x}.", "On examination there is {x}.", "{X} noted.", "Parents report {x}.",
    "She presents with {x}.", "Exam notable for {x}.",
]
ABSENT_TEMPLATES = ["No {x}.", "Denies {x}.", "Negative for {x}.", "There is no evidence of {x}."]


def wording(G, term: str, rng: random.Random) -> str | None:
    node = try_resolve(G, term)
    if node is None:
        return None
    data = G.nodes[node]
    options = list(data.get("lay_synonyms", ())) or list(data.get("synonyms", ())) or [data.get("label", "")]
    choice = rng.choice(options + [data.get("label", "")])
    return choice.lower() if choice else None


def case_note(G, case, rng: random.Random) -> str:
    lines = ["SYNTHETIC NOTE generated from a published phenopacket for benchmarking.", "HPI:"]
    for term in case.present:
        w = wording(G, term, rng)
        if w:
            t = rng.choice(PRESENT_TEMPLATES)
            lines.append(t.format(x=w, X=w[:1].upper() + w[1:]))
    for term in case.absent:
        w = wording(G, term, rng)
        if w:
            lines.append(rng.choice(ABSENT_TEMPLATES).format(x=w))
    return "\n".join(lines) + "\n"


def rank_of(report, targets: set[str], G) -> int | None:
    for d in report.diagnoses:
        ids = {d.id, *d.equivalent_ids}
        if ids & targets:
            return d.rank
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="MEDKG_HOME with a built graph")
    ap.add_argument("--cases", required=True)
    ap.add_argument("--as-notes", action="store_true", help="also run each case as a generated note (the point of this bench)")
    ap.add_argument("--limit", type=int, default=500, help="number of cases (default 500; 0 = all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ranker", default=None)
    ap.add_argument("--with-literature", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="write JSON results here")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    ws = Workspace.open(home=args.home, ranker=args.ranker).warm(literature=args.with_literature)
    print(f"cold start (graph + extractor + ranker{' + literature' if args.with_literature else ''}): "
          f"{time.perf_counter() - t0:.1f} s  {ws.load_ms}")
    G = ws.graph
    cases = list(read_cases(args.cases, limit=args.limit or None))
    results = {"structured": [], "notes": []}
    latencies = {"structured": [], "notes": []}
    in_graph = []
    for case in cases:
        targets = set()
        for d in case.diseases:
            node = try_resolve(G, d)
            if node is not None:
                targets |= equivalents(G, node)
        # "in the graph" = some equivalent id has phenotype annotations, i.e. can be ranked at all
        # (a newer OMIM id may exist only as a MONDO cross-reference)
        in_graph.append(any(d.get("predicate") == "has_phenotype"
                            for t in targets for _, _, d in G.out_edges(t, data=True)))
        t = time.perf_counter()
        rep = diagnose(ws, hpo=case.present, absent=case.absent, top_k=10, with_literature=args.with_literature)
        latencies["structured"].append(time.perf_counter() - t)
        results["structured"].append(rank_of(rep, targets, G) if targets else None)
        if args.as_notes:
            note = case_note(G, case, rng)
            t = time.perf_counter()
            rep = diagnose(ws, notes=[(case.id, note)], top_k=10, with_literature=args.with_literature)
            latencies["notes"].append(time.perf_counter() - t)
            results["notes"].append(rank_of(rep, targets, G) if targets else None)
    n = len(cases)
    n_in = sum(in_graph)
    print(f"cases: {n} ({n_in} with the diagnosis in the graph, {n - n_in} not)")
    print(f"{'input':<12} {'setting':<28} {'n':>5} {'top1':>6} {'top3':>6} {'top10':>6} {'p50 ms':>7} {'p95 ms':>7}")
    out = {"cases": n, "in_graph": n_in, "rows": []}
    for kind in ("structured", "notes"):
        ranks = results[kind]
        if not ranks:
            continue
        lat = sorted(latencies[kind])
        p50 = statistics.median(lat) * 1000
        p95 = lat[int(0.95 * (len(lat) - 1))] * 1000
        for setting, keep in (("absent counted as misses", [True] * n), ("absent left out", in_graph)):
            sel = [r for r, k in zip(ranks, keep) if k]
            m = len(sel) or 1
            row = {"input": kind, "setting": setting, "n": len(sel),
                   "top1": sum(1 for r in sel if r and r <= 1) / m, "top3": sum(1 for r in sel if r and r <= 3) / m,
                   "top10": sum(1 for r in sel if r and r <= 10) / m, "p50_ms": p50, "p95_ms": p95}
            out["rows"].append(row)
            print(f"{kind:<12} {setting:<28} {row['n']:>5} {row['top1']:>6.3f} {row['top3']:>6.3f} {row['top10']:>6.3f} "
                  f"{p50:>7.1f} {p95:>7.1f}")
    print(f"ranker: {ws.ranker.name}; graph {G.graph.get('version')} ({G.graph.get('version_label')})")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
