"""The CLI a newcomer meets (issue 17): bad input is rejected before anything heavy loads, with the
limit and its config key named; `--version`; boolean options shown as flags.

"Before anything heavy loads" is checked by making the graph view, the workspace and the
extractor raise if they are touched; bench/cli_failfast.py times the same cases as subprocesses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app, main, package_version

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture()
def nothing_heavy(monkeypatch):
    """Fail the test if a command loads the graph view, the workspace's parts or the extractor."""
    def boom(*a, **k):
        raise AssertionError("loaded something heavy before rejecting the input")

    monkeypatch.setattr("kg.view.load_view", boom)
    monkeypatch.setattr("pipelines.workspace.Workspace.__init__", boom)
    monkeypatch.setattr("kg.extract.build_extractor", boom)


def _fails(argv, message, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["medkg", *argv])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    assert err.startswith("error: ") and message in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\n  \n", "is empty"),
    (b"\x00\x01\x02binary", "looks like binary data"),
    ("Patient f\xe9brile".encode("latin-1"), "is not UTF-8 text"),
])
def test_bad_notes_fail_before_loading(content, message, tmp_path, toy_home, nothing_heavy, capsys, monkeypatch):
    note = tmp_path / "note.txt"
    note.write_bytes(content)
    for command in ("diagnose", "extract"):
        _fails([command, str(note), "--home", str(toy_home.root)], f"note note.txt {message}", capsys, monkeypatch)


def test_oversize_note_names_the_limit_and_key(tmp_path, toy_home, nothing_heavy, capsys, monkeypatch):
    note = tmp_path / "long.txt"
    note.write_bytes(b"Tall stature. " * 100)
    monkeypatch.setenv("MEDKG_INPUT_MAX_NOTE_BYTES", "1000")
    _fails(["diagnose", str(note), "--home", str(toy_home.root)],
           "note long.txt is 1,400 bytes; the limit is 1,000 bytes ([input] max_note_bytes in medkg.toml, "
           "or MEDKG_INPUT_MAX_NOTE_BYTES)", capsys, monkeypatch)


def test_too_many_ids_name_the_limit_and_key(toy_home, nothing_heavy, capsys, monkeypatch):
    monkeypatch.setenv("MEDKG_INPUT_MAX_FINDINGS", "2")
    _fails(["diagnose", "--hpo", "HP:0001166", "--hpo", "HP:0000098", "--absent", "HP:0001250",
            "--home", str(toy_home.root)], "3 findings given; the limit is 2 ([input] max_findings", capsys, monkeypatch)


@pytest.mark.parametrize("argv, message", [
    (["diagnose", "--hpo", "fever"], "'fever' is not an id (expected PREFIX:ID"),
    (["diagnose", "--hpo", "HP:12"], "'HP:12' is not a valid HP id"),
    (["diagnose", "--hpo", "HP:9999999"], "id 'HP:9999999' is not in the graph"),
    (["diagnose", "--hpo", "HP:9999999", "--absent", "HP:9999998"], "none of the 2 ids is in the graph"),
    (["diagnose", "--hpo", "HP:0001166", "--top", "0"], "--top must be between 1 and 100"),
    (["diagnose", "--hpo", "HP:0001166", "--ranker", "bayes"], "unknown ranker 'bayes'; valid rankers: auto, lr"),
    (["concept", "HP:9999999"], "concept 'HP:9999999' is not in the graph"),
    (["concept", "nonsense"], "'nonsense' is not an id"),
    (["concepts", "  "], "concept query is empty"),
    (["why", "HP:1", "treats", "OMIM:154700"], "'HP:1' is not a valid HP id"),
])
def test_bad_ids_and_options_fail_before_loading(argv, message, toy_home, nothing_heavy, capsys, monkeypatch):
    _fails([*argv, "--home", str(toy_home.root)], message, capsys, monkeypatch)


def test_some_unknown_ids_warn_and_the_rest_are_used(toy_home):
    res = runner.invoke(app, ["diagnose", "--hpo", "HP:0001166", "--hpo", "HP:9999999", "--ranker", "lr",
                              "--no-literature", "--json", "--home", str(toy_home.root)])
    assert res.exit_code == 0, res.output
    assert "HP:9999999 is not in the graph; it will be ignored" in res.stderr
    assert '"OMIM:154700"' in res.stdout


def test_version_flag():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.strip() == f"medkg {package_version()}"
    assert package_version().count(".") >= 1          # the installed distribution's version, e.g. 0.1.0


def test_boolean_options_are_shown_as_flags():
    for argv in (["diagnose", "--help"], ["info", "--help"], ["update", "--help"]):
        res = runner.invoke(app, argv, env={"COLUMNS": "100"})
        assert res.exit_code == 0, res.output
        assert "<bool>" not in res.output and "BOOLEAN" not in res.output, res.output
    out = runner.invoke(app, ["diagnose", "--help"], env={"COLUMNS": "100"}).output
    assert any(line.split()[:1] == ["--json"] for line in out.splitlines()), out


def test_subprocess_empty_note_and_version(tmp_path):
    """What a user meets: a real process, its exit code and its one-line message."""
    note = tmp_path / "empty.txt"
    note.write_text("")
    cmd = [sys.executable, "-c", "import sys; sys.argv[0] = 'medkg'; from pipelines.cli import main; main()"]
    proc = subprocess.run(cmd + ["diagnose", str(note), "--home", str(tmp_path / "no-home")], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr == "error: note empty.txt is empty\n"
    proc = subprocess.run(cmd + ["--version"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("medkg ")
