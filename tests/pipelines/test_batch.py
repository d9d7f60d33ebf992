"""`medkg batch diagnose|extract`: same lines as the single-process commands, resume, error lines,
and the same output on a local Ray with 2 CPUs (tiny home; every note here is SYNTHETIC)."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from pipelines.batch import BatchItem, done_ids, iter_inputs, make_engine, run_batch
from pipelines.cli import app, main
from pipelines.config import load_settings

runner = CliRunner()

NOTES = {
    "p1": "SYNTHETIC NOTE.\nHPI: 30 yo M with fever and productive cough for 3 days. Denies chest pain.\n",
    "p2": "SYNTHETIC NOTE.\nTall 17 yo F with long slender fingers, a dislocated lens and myopia. No seizures.\n",
    "p3": "SYNTHETIC NOTE.\nFatigue and myalgia for months. Family history: mother with seizures.\n",
}


def _strip(report: dict) -> dict:
    """A report without its run-time measurements (the only field that differs between runs)."""
    return {k: v for k, v in report.items() if k not in ("id", "timings_ms")}


def _lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def notes_dir(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture()
def jsonl(tmp_path):
    path = tmp_path / "in.jsonl"
    rows = [
        json.dumps({"id": "n1", "note": NOTES["p1"], "top_k": 3}),
        json.dumps({"id": 7, "hpo": ["HP:0001166", "HP:0001083"], "absent": ["HP:0001249"]}),
        json.dumps({"id": "pp", "phenopacket": {"id": "x", "phenotypicFeatures": [{"type": {"id": "HP:0002616"}}]}}),
        "{not json",
        json.dumps({"note": "an input without an id"}),
        json.dumps({"id": "n1", "note": "the same id again"}),
        json.dumps({"id": "bad-field", "note": "x", "colour": "red"}),
        json.dumps({"id": "empty", "note": "   "}),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_folder_lines_equal_diagnose_jsonl(tiny_home, notes_dir, tmp_path):
    out = tmp_path / "reports.jsonl"
    res = runner.invoke(app, ["batch", "diagnose", str(notes_dir), "--out", str(out), "--home", str(tiny_home.root),
                              "--ranker", "lr", "--quiet"])
    assert res.exit_code == 0, res.output
    batch = _lines(out)
    assert [r["id"] for r in batch] == ["p1", "p2", "p3"]
    assert list(batch[0])[0] == "id"
    files = [str(notes_dir / f"{i}.txt") for i in ("p1", "p2", "p3")]
    single = runner.invoke(app, ["diagnose", *files, "--jsonl", "--home", str(tiny_home.root), "--ranker", "lr"])
    assert single.exit_code == 0, single.output
    expected = [json.loads(x) for x in single.stdout.splitlines() if x.strip()]
    assert len(expected) == 3
    for got, want in zip(batch, expected):
        assert _strip(got) == _strip(want)
    assert batch[1]["diagnoses"][0]["id"] == "OMIM:154700"


def test_jsonl_inputs_and_error_lines(tiny_home, jsonl, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_batch("diagnose", jsonl, out, load_settings(home=tiny_home.root), ranker="lr", with_literature=False)
    lines = _lines(out)
    by_id = {}
    for line in lines:
        by_id.setdefault(line["id"], []).append(line)
    assert [x["id"] for x in lines] == ["n1", "7", "pp", "line 4", "line 5", "n1", "bad-field", "empty"]
    assert len(by_id["n1"][0]["diagnoses"]) == 3            # the line's top_k
    assert by_id["7"][0]["diagnoses"][0]["id"] == "OMIM:154700"
    assert by_id["pp"][0]["input"]["kind"] == "phenopacket"
    assert "not valid JSON" in by_id["line 4"][0]["error"]
    assert "no \"id\"" in by_id["line 5"][0]["error"]
    assert "repeats" in by_id["n1"][1]["error"]
    assert "colour" in by_id["bad-field"][0]["error"]
    assert by_id["empty"][0]["error_type"] == "InputError"
    assert (result.written, result.errors, result.skipped) == (8, 5, 0)
    # no error line quotes the note text
    assert all("the same id again" not in json.dumps(x) for x in lines)


def test_rerun_resumes_and_cuts_a_half_written_line(tiny_home, notes_dir, tmp_path):
    out = tmp_path / "reports.jsonl"
    settings = load_settings(home=tiny_home.root)
    first_run = run_batch("extract", notes_dir, out, settings)
    assert (first_run.written, first_run.errors) == (3, 0)
    full = out.read_bytes()
    first = full.split(b"\n")[0] + b"\n"
    out.write_bytes(first + full.split(b"\n")[1][:40])       # a crash in the middle of line 2
    assert done_ids(out) == {"p1"}
    assert out.read_bytes() == first
    result = run_batch("extract", notes_dir, out, settings)
    assert (result.skipped, result.written) == (1, 2)
    assert out.read_bytes() == full
    again = run_batch("extract", notes_dir, out, settings)
    assert (again.skipped, again.written) == (3, 0)


def test_extract_lines_equal_extract_json(tiny_home, notes_dir, tmp_path):
    out = tmp_path / "ex.jsonl"
    res = runner.invoke(app, ["batch", "extract", str(notes_dir), "--out", str(out), "--home", str(tiny_home.root),
                              "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["written"] == 3
    lines = _lines(out)
    single = runner.invoke(app, ["extract", str(notes_dir / "p2.txt"), "--json", "--home", str(tiny_home.root)])
    assert single.exit_code == 0, single.output
    assert {k: v for k, v in lines[1].items() if k != "id"} == json.loads(single.stdout)
    assert any(f["concept_id"] == "HP:0001250" and f["negated"] for f in lines[1]["findings"])


def test_bad_batch_invocations_are_one_line_errors(tiny_home, notes_dir, tmp_path, monkeypatch, capsys):
    cases = [
        (["batch", "diagnose", str(tmp_path / "missing"), "--out", str(tmp_path / "o.jsonl")], "does not exist"),
        (["batch", "diagnose", str(notes_dir), "--out", str(tmp_path / "o.jsonl"), "--workers", "2"], "--workers needs --ray"),
        (["batch", "extract", str(tmp_path), "--out", str(tmp_path / "o.jsonl")], "holds no .txt notes"),
    ]
    for args, message in cases:
        monkeypatch.setattr(sys, "argv", ["medkg", *args, "--home", str(tiny_home.root), "--quiet"])
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_ray_missing_names_the_extra(tiny_home, notes_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)             # as if Ray were not installed
    monkeypatch.setattr(sys, "argv", ["medkg", "batch", "diagnose", str(notes_dir), "--out", str(tmp_path / "o.jsonl"),
                                      "--ray", "local", "--home", str(tiny_home.root), "--quiet"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "pip install 'medkg[batch]'" in err and "Traceback" not in err


def test_iter_inputs_reads_notes_like_diagnose(tmp_path):
    (tmp_path / "a.txt").write_text("SYNTHETIC fever", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "c.md").write_text("not a note", encoding="utf-8")
    items = list(iter_inputs(tmp_path, "diagnose"))
    assert [i.id for i in items] == ["a", "b"]
    assert items[0] == BatchItem("a", {"notes": [("a.txt", "SYNTHETIC fever")]})
    assert "binary" in items[1].error


# ------------------------------------------------------------------------------------ on Ray
@pytest.mark.slow
def test_ray_lines_equal_in_process(ray_local, tiny_home, notes_dir, jsonl, tmp_path):
    settings = load_settings(home=tiny_home.root)
    engine = make_engine(settings, "diagnose", ray="local", workers=2, ranker="lr")   # loads each actor once
    try:
        assert engine.workers == 2 and all(m > 50 for m in engine.memory_mb())
        for source, task in ((notes_dir, "diagnose"), (jsonl, "diagnose"), (notes_dir, "extract")):
            here, there = tmp_path / f"{task}-{source.name}-local.jsonl", tmp_path / f"{task}-{source.name}-ray.jsonl"
            run_batch(task, source, here, settings, ranker="lr")
            result = run_batch(task, source, there, settings, engine=engine, chunk_size=1)
            assert (result.engine, result.workers) == ("ray", 2)
            a, b = _lines(here), _lines(there)
            assert [x["id"] for x in a] == [x["id"] for x in b]
            assert [_strip(x) for x in a] == [_strip(x) for x in b]
    finally:
        engine.close()
    assert ray_local.is_initialized()          # the session's Ray is reused, not shut down


PHI_NOTE = ("SYNTHETIC NOTE.\nPatient: John Smith, MRN 4471823, seen 03/14/2024 by Dr. Alice Carter.\n"
            "Tall 17 yo F with long slender fingers, a dislocated lens and myopia. No seizures.\n")


def test_batch_deidentify_equals_single_process_and_hides_phi(tiny_home, tmp_path):
    """`batch --deidentify` (and a line's own "deidentify": true) de-identify each note first,
    exactly as `diagnose --deidentify` / `extract --json --deidentify` do."""
    folder = tmp_path / "phi"
    folder.mkdir()
    note = folder / "p.txt"
    note.write_text(PHI_NOTE, encoding="utf-8")
    home = str(tiny_home.root)
    out = tmp_path / "d.jsonl"
    res = runner.invoke(app, ["batch", "diagnose", str(folder), "--out", str(out), "--home", home,
                              "--ranker", "lr", "--quiet", "--deidentify"])
    assert res.exit_code == 0, res.output
    got = _lines(out)[0]
    single = runner.invoke(app, ["diagnose", str(note), "--jsonl", "--home", home, "--ranker", "lr", "--deidentify"])
    assert single.exit_code == 0, single.output
    assert _strip(got) == _strip(json.loads(single.stdout.splitlines()[0]))
    for secret in ("John Smith", "4471823", "Alice Carter"):
        assert secret not in json.dumps(got)
    # the same ranked ids as without de-identification: findings survive it
    plain = tmp_path / "plain.jsonl"
    run_batch("diagnose", folder, plain, load_settings(home=tiny_home.root), ranker="lr", with_literature=False)
    assert [d["id"] for d in _lines(plain)[0]["diagnoses"]] == [d["id"] for d in got["diagnoses"]]
    # a JSONL line asks for it itself; extract lines carry the de-identified text like extract --json
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({"id": "x", "note": PHI_NOTE, "deidentify": True}) + "\n"
                     + json.dumps({"id": "y", "note": PHI_NOTE, "deidentify": "yes"}) + "\n", encoding="utf-8")
    ext = tmp_path / "e.jsonl"
    run_batch("extract", lines, ext, load_settings(home=tiny_home.root))
    x, y = _lines(ext)
    assert "John Smith" not in json.dumps(x) and "[NAME]" in x["deidentified"]["text"]
    assert "true or false" in y["error"] and "John Smith" not in json.dumps(y)
    single_ext = runner.invoke(app, ["extract", str(note), "--json", "--home", home, "--deidentify"])
    assert single_ext.exit_code == 0, single_ext.output
    want = json.loads(single_ext.stdout)
    assert {k: v for k, v in x.items() if k != "id"} == want
