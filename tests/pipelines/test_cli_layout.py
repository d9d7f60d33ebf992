"""Wide tables stay readable at 80 columns (`update --dry-run`, `history`, `why`), and frequencies
are shown in words, not as HPO ids, in the terminal and HTML reports (issue 17)."""

from __future__ import annotations

import pytest
from rich.console import Console
from typer.testing import CliRunner

from kg.records import frequency_text
from pipelines.cli import app
from pipelines.cli.common import print_rows
from tests.kg.guideline_fixtures import AMOX, DOXY, copy_home, guideline_tsv

runner = CliRunner()


def _check_80(output: str) -> None:
    lines = output.splitlines()
    assert lines, output
    assert max(len(x.rstrip()) for x in lines) <= 80, output
    assert "\u2026" not in output, output           # nothing cut to an ellipsis


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("layout")
    home = copy_home(tmp / "home")
    (tmp / "v1.tsv").write_text(guideline_tsv([AMOX, DOXY]))
    res = runner.invoke(app, ["update", str(tmp / "v1.tsv"), "--dry-run", "--home", str(home.root)],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    dry_run = res.output
    res = runner.invoke(app, ["update", str(tmp / "v1.tsv"), "--home", str(home.root)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return home, dry_run


def test_dry_run_at_80_columns(applied):
    _, out = applied
    _check_80(out)
    assert "DOID:552" in out and "treats" in out and "PMID:" in out


def test_history_and_why_at_80_columns(applied):
    home, _ = applied
    res = runner.invoke(app, ["history", "--home", str(home.root)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    _check_80(res.output)
    assert "update" in res.output and "build" in res.output
    subject, _, obj = AMOX.split("\t")[:3]
    res = runner.invoke(app, ["why", subject, "treats", obj, "--home", str(home.root)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    _check_80(res.output)
    assert "guideline" in res.output and subject in res.output


def test_print_rows_keeps_the_table_when_it_fits():
    wide, narrow = Console(width=200, record=True), Console(width=40, record=True)
    rows = [("1", "a fairly long value in the second column", "x")]
    print_rows("t", ("n", "long", "short"), rows, out=wide)
    print_rows("t", ("n", "long", "short"), rows, out=narrow)
    wide_text, narrow_text = wide.export_text(), narrow.export_text()
    assert "┃" in wide_text and "┃" not in narrow_text
    assert "short: x" in narrow_text and max(len(x.rstrip()) for x in narrow_text.splitlines()) <= 40


def test_frequencies_in_words_in_terminal_and_html(toy_home):
    import json

    from pipelines.html import render_report_html
    from pipelines.render import render_report
    from pipelines.report import DiagnosisReport

    res = runner.invoke(app, ["diagnose", "--hpo", "HP:0001166", "--hpo", "HP:0000098", "--absent", "HP:0001083",
                              "--ranker", "lr", "--no-literature", "--json", "--home", str(toy_home.root)])
    assert res.exit_code == 0, res.output
    report = DiagnosisReport.model_validate(json.loads(res.stdout))
    raw = {e.qualifiers.get("frequency", "") for d in report.diagnoses for p in d.evidence_paths for e in p.edges}
    assert any(r.startswith("HP:00402") for r in raw)       # the JSON keeps the id for programs
    console = Console(width=200, record=True)
    render_report(report, console)
    text = console.export_text()
    assert "HP:00402" not in text
    assert any(frequency_text(r) in text for r in raw if r)
    html = render_report_html(report)
    assert "HP:00402" not in html
    assert any(frequency_text(r) in html for r in raw if r)


def test_frequency_text():
    assert frequency_text("HP:0040280") == "obligate, 100%"
    assert frequency_text("HP:0040284") == "very rare, 1-4%"
    assert frequency_text("1/2") == "1 of 2 patients (50%)"
    assert frequency_text("x/0") == "x of 0 patients"
