"""De-identification through the CLI and the HTTP API; it never changes the differential.

All notes are SYNTHETIC. The toy graph (tests/toy_graph.py) and the tiny home keep this fast.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.api import create_app
from pipelines.cli import app
from tests.pipelines.conftest import EXAMPLES

runner = CliRunner()

# SYNTHETIC identifiers put in front of the shipped example notes; the surname is also a disease.
PHI_HEADER = ("Patient: John Parkinson   MRN: 00482913   DOB 03/04/1950\n"
              "Seen 5/6/2024 at Mercy General Hospital by Dr. Grace Bell; daughter Susan Park (617) 555-0142.\n")
SECRETS = ("John", "Parkinson", "00482913", "03/04/1950", "5/6/2024", "Mercy", "Grace Bell", "Susan", "555-0142")
EXAMPLE_NOTES = sorted(EXAMPLES.glob("note_*.txt"))


@pytest.fixture()
def phi_note(tmp_path):
    path = tmp_path / "phi.txt"
    path.write_text(PHI_HEADER + "94 yo M with fever, productive cough and shortness of breath.\n", encoding="utf-8")
    return path


def _ranked(home, path, *flags) -> list[str]:
    res = runner.invoke(app, ["diagnose", str(path), "--home", str(home.root), "--json", "--no-literature",
                              "--ranker", "lr", "--top", "10", *flags])
    assert res.exit_code == 0, res.output
    return [d["id"] for d in json.loads(res.stdout)["diagnoses"]]


@pytest.mark.parametrize("note", EXAMPLE_NOTES, ids=lambda p: p.name)
def test_deidentification_never_changes_the_differential(toy_home, note, tmp_path):
    plain = _ranked(toy_home, note)
    assert plain, "the example note should rank something on the toy graph"
    assert _ranked(toy_home, note, "--deidentify") == plain
    assert _ranked(toy_home, note, "--deidentify", "--shift-dates") == plain
    with_phi = tmp_path / note.name
    with_phi.write_text(PHI_HEADER + note.read_text(encoding="utf-8"), encoding="utf-8")
    assert _ranked(toy_home, with_phi, "--deidentify") == plain


def test_deidentify_command_text_and_json(toy_home, phi_note):
    res = runner.invoke(app, ["deidentify", str(phi_note), "--home", str(toy_home.root)])
    assert res.exit_code == 0, res.output
    assert not [s for s in SECRETS if s in res.stdout], res.stdout
    assert "[NAME]" in res.stdout and "[ID]" in res.stdout and "≥90 yo M" in res.stdout
    assert "fever, productive cough" in res.stdout
    res = runner.invoke(app, ["deidentify", "-", "--json", "--shift-dates", "--home", str(toy_home.root)],
                        input=phi_note.read_text(encoding="utf-8"))
    out = json.loads(res.stdout)
    assert out["dates_shifted"] and "[DATE]" not in out["text"] and "03/04/1950" not in out["text"]
    assert {s["type"] for s in out["spans"]} >= {"NAME", "ID", "DATE", "INSTITUTION", "PHONE", "AGE"}
    assert all(out["text"][s["start"]:s["end"]] == s["replacement"] for s in out["spans"])
    assert not [s for s in SECRETS if s in res.stdout]


def test_extract_offsets_refer_to_the_deidentified_text(toy_home, phi_note):
    res = runner.invoke(app, ["extract", str(phi_note), "--deidentify", "--json", "--home", str(toy_home.root)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    text = out["deidentified"]["text"]
    assert out["findings"] and all(text[f["start"]:f["end"]] == f["text"] for f in out["findings"])
    assert out["context"]["age_years"] == 90.0
    assert not [s for s in SECRETS if s in res.stdout]


def test_config_turns_it_on_and_bad_input_is_one_line(toy_home, phi_note, tmp_path):
    cfg = tmp_path / "medkg.toml"
    cfg.write_text("[privacy]\ndeidentify = true\n", encoding="utf-8")
    res = runner.invoke(app, ["extract", str(phi_note), "--json", "--home", str(toy_home.root), "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "deidentified" in json.loads(res.stdout) and "Parkinson" not in res.stdout
    cfg.write_text("[privacy]\nredact = true\n", encoding="utf-8")
    res = runner.invoke(app, ["deidentify", str(phi_note), "--home", str(toy_home.root), "--config", str(cfg)])
    assert res.exit_code != 0 and "unknown key 'redact' in [privacy]; valid keys: deidentify, shift_dates" in str(res.exception)
    res = runner.invoke(app, ["deidentify", str(tmp_path / "missing.txt"), "--home", str(toy_home.root)])
    assert res.exit_code != 0 and "does not exist" in str(res.exception)


# ------------------------------------------------------------------------------------------ HTTP
@pytest.fixture(scope="module")
def client(workspace):
    with TestClient(create_app(workspace), raise_server_exceptions=False) as c:
        yield c


def test_post_deidentify(client, phi_note):
    r = client.post("/deidentify", json={"text": phi_note.read_text(encoding="utf-8")})
    assert r.status_code == 200, r.text
    assert not [s for s in SECRETS if s in r.text] and "[NAME]" in r.json()["text"]
    r = client.post("/deidentify", json={"text": "Seen 03/02/2024.", "shift_dates": True})
    assert re.fullmatch(r"Seen \d\d/\d\d/\d{4}\.", r.json()["text"]) and "03/02/2024" not in r.text
    r = client.post("/deidentify", json={"note": "x"})
    assert r.status_code in (400, 422) and "note" in r.text


def test_post_extract_and_diagnose_with_deidentify(client, examples):
    note = PHI_HEADER + (examples / "note_marfan.txt").read_text(encoding="utf-8")
    r = client.post("/extract", json={"text": note, "deidentify": True})
    assert r.status_code == 200, r.text
    out = r.json()
    assert not [s for s in SECRETS if s in r.text]
    assert all(out["deidentified"]["text"][f["start"]:f["end"]] == f["text"] for f in out["findings"])
    plain = client.post("/diagnose", json={"note": note, "top_k": 5, "with_literature": False}).json()
    deid = client.post("/diagnose", json={"note": note, "top_k": 5, "with_literature": False, "deidentify": True})
    assert deid.status_code == 200, deid.text
    assert [d["id"] for d in deid.json()["diagnoses"]] == [d["id"] for d in plain["diagnoses"]]
    assert not [s for s in SECRETS if s in deid.text]
    # the extractor read the de-identified note: same findings, offsets into the shorter text
    pairs = list(zip(plain["findings"], deid.json()["findings"]))
    assert pairs and all(a["text"] == b["text"] and b["start"] < a["start"] for a, b in pairs)
