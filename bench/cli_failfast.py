"""How fast `medkg diagnose` rejects bad input (issue 17: it used to load for ~10 s first).

Each case runs `medkg diagnose ...` as a fresh subprocess (what a user meets) and prints its
wall time, exit code and the first line of its error. Baselines in the same run: a bare Python
start, `medkg --version`, and (``--full``) a valid one-id diagnosis, i.e. the cost of loading
everything that a rejection must not pay. Target: every rejection < 1 s. CPU seconds are printed
beside wall seconds: on a shared, loaded machine they show the work itself.

    python bench/cli_failfast.py --home /tmp/h            # a home with a built graph (`medkg build`)
    python bench/cli_failfast.py --home /tmp/h --full     # also time a valid diagnosis
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MEDKG = [sys.executable, "-c", "import sys; sys.argv[0] = 'medkg'; from pipelines.cli import main; main()"]
TARGET_S = 1.0


def run(args: list[str], repeat: int) -> tuple[float, float, int, str]:
    """Best-of-``repeat`` wall seconds and CPU seconds (user + system: what a loaded machine does not
    inflate much), exit code and first stderr line of ``medkg ARGS``."""
    best, best_cpu, rc, first = float("inf"), float("inf"), 0, ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
        best = min(best, time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        rc = proc.returncode
        first = (proc.stderr.strip().splitlines() or [""])[0]
    return best, best_cpu, rc, first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="a MEDKG_HOME with a built graph")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the best is printed (default 3)")
    ap.add_argument("--full", action="store_true", help="also time a valid diagnosis (the load a rejection avoids)")
    args = ap.parse_args()
    home = ["--home", args.home]
    tmp = Path(tempfile.mkdtemp(prefix="medkg-failfast-"))
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "blank.txt").write_bytes(b"   \n\n  \t\n")
    (tmp / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (tmp / "latin1.txt").write_bytes("Patient: f\xe9bril, toux.".encode("latin-1"))
    with open(tmp / "big.txt", "wb") as fh:   # 3 MB: over the default [input] max_note_bytes (2 MB)
        fh.write(b"SYNTHETIC. Tall stature and arachnodactyly.\n" * 70_000)
    cases = [
        ("empty note", ["diagnose", str(tmp / "empty.txt")]),
        ("blank note", ["diagnose", str(tmp / "blank.txt")]),
        ("binary file", ["diagnose", str(tmp / "binary.bin")]),
        ("not UTF-8", ["diagnose", str(tmp / "latin1.txt")]),
        ("over-size note (3 MB)", ["diagnose", str(tmp / "big.txt")]),
        ("malformed id", ["diagnose", "--hpo", "HP:12"]),
        ("not an id", ["diagnose", "--hpo", "fever"]),
        ("unknown id", ["diagnose", "--hpo", "HP:9999999"]),
        ("unknown concept", ["concept", "HP:9999999"]),
    ]
    print(f"load average before: {tuple(round(x, 2) for x in os.getloadavg())}; best of {args.repeat} runs each")
    base, base_cpu, _, _ = run([sys.executable, "-c", "pass"], args.repeat)
    version, version_cpu, _, _ = run(MEDKG + ["--version"], args.repeat)
    print(f"{'case':<34} {'wall':>7} {'cpu':>7}")
    print(f"{'baseline: python -c pass':<34} {base:6.2f}s {base_cpu:6.2f}s")
    print(f"{'baseline: medkg --version':<34} {version:6.2f}s {version_cpu:6.2f}s")
    worst = worst_cpu = 0.0
    for name, argv in cases:
        secs, cpu, rc, first = run(MEDKG + argv + home, args.repeat)
        worst, worst_cpu = max(worst, secs), max(worst_cpu, cpu)
        ok = "ok" if rc == 2 and secs < TARGET_S else ("SLOW" if rc == 2 else f"UNEXPECTED exit {rc}")
        print(f"{name:<34} {secs:6.2f}s {cpu:6.2f}s  exit {rc}  {ok}  {first[:100]}")
    if args.full:
        secs, cpu, rc, _ = run(MEDKG + ["diagnose", "--hpo", "HP:0001166", "--no-literature", "--json"] + home, 1)
        print(f"{'valid diagnosis (loads everything)':<34} {secs:6.2f}s {cpu:6.2f}s  exit {rc}")
    print(f"slowest rejection {worst:.2f} s wall, {worst_cpu:.2f} s CPU (target < {TARGET_S:.0f} s); "
          f"load average after: {tuple(round(x, 2) for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
