"""The separate benchmark environment for medSpaCy (a baseline only; never a medkg dependency).

medSpaCy pins spaCy 3.7 while medkg uses 3.8, so it lives in its own virtual environment
(``bench/.venv-medspacy``, created on first use) and runs in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".venv-medspacy"


def medspacy_python() -> tuple[Path | None, str]:
    """The venv's python (creating it with ``pip install medspacy`` if needed), or (None, why not)."""
    py = VENV / "bin" / "python"
    if not py.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, text=True)
            subprocess.run([str(py), "-m", "pip", "install", "-q", "medspacy"], check=True, capture_output=True,
                           text=True, timeout=1200)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
            out = getattr(err, "stderr", "") or str(err)
            return None, f"could not create {VENV} with medspacy: {out.strip()[-500:]}"
    check = subprocess.run([str(py), "-c", "import medspacy; print(medspacy.__version__)"], capture_output=True, text=True)
    if check.returncode != 0:
        return None, f"medspacy does not import in {VENV}: {check.stderr.strip()[-500:]}"
    return py, check.stdout.strip()


def run_medspacy(script: str, payload: dict, timeout: int = 1800) -> dict:
    """Run ``script`` (Python source) in the medSpaCy venv with ``payload`` as JSON on stdin."""
    py, info = medspacy_python()
    if py is None:
        return {"error": info}
    proc = subprocess.run([str(py), "-c", script], input=json.dumps(payload), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        return {"error": f"medspacy run failed: {proc.stderr.strip()[-800:]}"}
    out = json.loads(proc.stdout)
    out["version"] = info
    return out
