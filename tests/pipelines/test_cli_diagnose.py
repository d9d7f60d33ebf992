"""`medkg diagnose` and `medkg schema report` through the CLI (toy graph, SYNTHETIC notes)."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from pipelines.cli import app, main

runner = CliRunner()

NOTE = "SYNTHETIC NOTE.\nPatient has long slender fingers and a dislocated lens. Denies seizures.\n"


@pytest.fixture()
def note(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(NOTE, encoding="utf-8")
    return path


def test_terminal_report(toy_home, note):
    res = runner.invoke(app, ["diagnose", str(note), "--home", str(toy_home.root), "--no-literature", "--ranker", "lr"])
    assert res.exit_code == 0, res.output
    assert "Marfan syndrome" in res.output
    assert "has_phenotype" in res.output          # an evidence path is printed
    assert "not a diagnosis" in res.output
    assert "Gargano" not in res.output or "toy citation" in res.output


def test_json_and_jsonl(toy_home, note):
    res = runner.invoke(app, ["diagnose", str(note), "--home", str(toy_home.root), "--json", "--no-literature"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["diagnoses"][0]["id"] == "OMIM:154700"
    res = runner.invoke(app, ["diagnose", str(note), str(note), "--hpo", "HP:0001250", "--home", str(toy_home.root),
                              "--jsonl", "--no-literature"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert len(lines) == 3 and lines[2]["input"]["kind"] == "hpo"


def test_html_output(toy_home, note, tmp_path):
    pytest.importorskip("pipelines.html")
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["diagnose", str(note), "--home", str(toy_home.root), "--html", str(out), "--no-literature"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "Marfan syndrome" in html and "<svg" in html and "http" not in html.split("<body", 1)[0].lower().replace("http-equiv", "")


def test_bad_inputs_give_one_line_errors(toy_home, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00binary")
    for args, message in (([str(bad)], "binary"), ([str(tmp_path / "missing.txt")], "does not exist"), ([], "nothing to diagnose")):
        monkeypatch.setattr(sys, "argv", ["medkg", "diagnose", *args, "--home", str(toy_home.root)])
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("fi\xe8vre".encode("latin-1"))
    monkeypatch.setattr(sys, "argv", ["medkg", "diagnose", str(latin), "--home", str(toy_home.root)])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2 and "not UTF-8" in capsys.readouterr().err


def test_schema_report():
    res = runner.invoke(app, ["schema", "report"])
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert schema["title"] == "DiagnosisReport"
    assert "schema_version" in schema["properties"] and "diagnoses" in schema["properties"]
