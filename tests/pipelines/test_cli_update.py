"""`medkg update`, `history`, `rollback`, `why` (and `sparql --version` across them) on a tiny graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.errors import GuidelineError
from pipelines.cli import app
from tests.kg.guideline_fixtures import AMOX, DOXY, copy_home, guideline_tsv

REPO = Path(__file__).resolve().parents[2]
COUNT_DOXY = ("SELECT (COUNT(*) AS ?n) WHERE { <https://go.drugbank.com/drugs/DB00254> "
              "<https://w3id.org/biolink/vocab/treats> <http://purl.obolibrary.org/obo/DOID_552> }")


@pytest.fixture
def env(tmp_path):
    home = copy_home(tmp_path / "home")
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, [*args, "--home", str(home.root)], env={"COLUMNS": "200"})
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    (tmp_path / "v1.tsv").write_text(guideline_tsv([AMOX, DOXY]))
    (tmp_path / "v2.tsv").write_text(guideline_tsv([AMOX.replace("moderate", "high")], version="2"))
    return run, tmp_path


def test_dry_run_then_apply_then_again(env):
    run, tmp = env
    build = json.loads(run("history", "--json").output)["history"][0]["version"]
    out = run("update", str(tmp / "v1.tsv"), "--dry-run").output
    assert "added 2, removed 0, changed 0" in out and "dry run: nothing was changed" in out
    assert json.loads(run("history", "--json").output)["history"][-1]["version"] == build
    out = run("update", str(tmp / "v1.tsv"), "--by", "dr cli").output
    assert "applied test-society/cap@1" in out and f"Undo with `medkg rollback {build}`" in out
    assert "already applied" in run("update", str(tmp / "v1.tsv")).output
    hist = json.loads(run("history", "--json").output)
    assert [e["action"] for e in hist["history"]] == ["build", "update"]
    assert hist["history"][1]["detail"]["applied_by"] == "dr cli"
    assert [(g["key"], g["version"], g["active"], g["statements"]) for g in hist["guidelines"]] == \
        [("test-society/cap", "1", True, "2")]


def test_dry_run_json_shows_removed_and_changed(env):
    run, tmp = env
    run("update", str(tmp / "v1.tsv"))
    plan = json.loads(run("update", str(tmp / "v2.tsv"), "--dry-run", "--json").output)
    assert plan["counts"]["removed"] == 1 and plan["counts"]["changed"] == 1
    assert plan["removed"][0]["subject"] == "DRUGBANK:DB00254"
    assert plan["changed"][0]["before"]["evidence_level"] == "moderate"
    assert plan["changed"][0]["after"]["evidence_level"] == "high"
    assert plan["supersedes"][0]["version"] == "1"


def test_why_rollback_and_sparql_version(env):
    run, tmp = env
    r1 = json.loads(run("update", str(tmp / "v1.tsv"), "--json").output)
    rows = json.loads(run("why", "DRUGBANK:DB00254", "treats", "MONDO:0005249", "--json").output)
    assert [(r["kind"], r["source"]) for r in rows] == [("source", "toy-drugs"),
                                                        ("guideline", "guideline:test-society/cap")]
    assert "PMID:31573350" in run("why", "DRUGBANK:DB00254", "treats", "DOID:552").output
    r2 = json.loads(run("update", str(tmp / "v2.tsv"), "--json").output)
    # v2 dropped doxycycline: only the source still asserts it; v1's graph still answers by version
    rows = json.loads(run("why", "DRUGBANK:DB00254", "treats", "DOID:552", "--json").output)
    assert [r["source"] for r in rows] == ["toy-drugs"]
    count = lambda *extra: json.loads(run("sparql", COUNT_DOXY, "--json", *extra).output)["rows"][0]["n"]  # noqa: E731
    assert count() == "1" and count("--version", r1["version"]) == "2"
    rows = json.loads(run("why", "DRUGBANK:DB00254", "treats", "DOID:552", "--json", "--version", r1["version"]).output)
    assert len(rows) == 2
    out = run("rollback", r1["version"], "--json").output
    assert json.loads(out)["version"] == r1["version"] and count() == "2"
    assert json.loads(run("rollback", r2["version"], "--json").output)["version"] == r2["version"]
    table = run("history").output
    assert "rollback" in table and "test-society/cap@2" in table and "guideline versions" in table


def test_errors_exit_2_with_one_line(env, tmp_path):
    run, tmp = env
    (tmp / "new.tsv").write_text(guideline_tsv(["DRUGBANK:DB01155\ttreats\tDOID:552\t\t\tstrong\tmoderate\tPMID:1"]))
    result = run("update", str(tmp / "new.tsv"), ok=False)
    assert isinstance(result.exception, GuidelineError) and "DRUGBANK:DB01155 (line 6)" in str(result.exception)
    home = tmp / "home"
    proc = subprocess.run([sys.executable, "-c", "from pipelines.cli import main; main()", "update",
                           str(tmp / "new.tsv"), "--home", str(home)], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "not in the graph" in proc.stderr
    assert "Traceback" not in proc.stderr
    result = run("rollback", "nope", ok=False)
    assert "'nope' is not in the history" in str(result.exception)


def test_update_suggest_writes_a_reviewable_table(env):
    run, tmp = env
    (tmp / "text.txt").write_text("Amoxicillin is recommended for pneumonia (strong recommendation, high quality "
                                  "of evidence).\n")
    out = run("update", "suggest", str(tmp / "text.txt"), "--citation", "PMID:31573350").output
    assert "NOT reviewed, NOT applied" in out and "# version: draft" in out
    assert "DRUGBANK:DB01060\ttreats\tDOID:552\tAmoxicillin\tpneumonia\tstrong\thigh\tPMID:31573350" in out
    run("update", "suggest", str(tmp / "text.txt"), "-o", str(tmp / "s.tsv"))
    plan = json.loads(run("update", str(tmp / "s.tsv"), "--dry-run", "--json").output)
    assert plan["counts"]["added"] == 1 and plan["guideline"]["key"] == "suggested/text"
