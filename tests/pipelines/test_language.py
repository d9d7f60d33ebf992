"""tests for pipelines/language.py and the warning a non-English note gets in the report (issue 17).

Every note here is SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.language import guess_language, language_warning

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"

FRENCH = ("NOTE SYNTHÉTIQUE. Patient de 16 ans, grand, avec des doigts longs et fins et une luxation du "
          "cristallin. Pas de convulsions. Antécédents familiaux : mère avec une dissection aortique.")
GERMAN = ("SYNTHETISCHE NOTIZ. 16-jähriger Patient, groß, mit langen schlanken Fingern und einer Linsenluxation. "
          "Keine Krampfanfälle. Familienanamnese: Mutter mit Aortendissektion.")
ABBREVIATED = ("SYNTHETIC. HPI: 45M w/ HTN, DM2, CKD3 p/w SOB, DOE, PND x 2wk. PMH: CAD s/p PCI. Meds: ASA, "
               "metoprolol, lisinopril. Exam: JVD, bibasilar crackles, 2+ LE edema. A/P: ADHF.")
LABS = "SYNTHETIC. Na 134 K 5.1 Cl 99 HCO3 22 BUN 45 Cr 2.1 Glu 180 WBC 12.3 Hgb 9.8 Plt 150 INR 1.2 BNP 1200"


@pytest.mark.parametrize("text, language", [(FRENCH, "fr"), (GERMAN, "de")])
def test_french_and_german_notes_are_recognised(text, language):
    guess = guess_language(text)
    assert guess is not None and guess.language == language and guess.probability > 0.9
    warning = language_warning(text, "n.txt")
    assert warning.startswith(f"note n.txt looks {guess.name}") and "English notes only" in warning


@pytest.mark.parametrize("text", [ABBREVIATED, LABS, *(p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("note_*.txt")))])
def test_english_notes_get_no_warning(text):
    assert language_warning(text) == ""


def test_too_short_to_tell():
    assert guess_language("Fièvre. Toux.") is None and language_warning("Fièvre. Toux.") == ""


def test_the_report_and_the_terminal_carry_the_warning(toy_home, tmp_path):
    from pipelines.render import render_report
    from pipelines.report import DiagnosisReport

    note = tmp_path / "fr.txt"
    note.write_text(FRENCH, encoding="utf-8")
    res = CliRunner().invoke(app, ["diagnose", str(note), "--json", "--no-literature", "--ranker", "lr",
                                   "--home", str(toy_home.root)])
    assert res.exit_code == 0, res.output
    report = DiagnosisReport.model_validate(json.loads(res.stdout))
    assert len(report.warnings) == 1 and "looks French" in report.warnings[0]
    assert "looks French" in res.stderr                     # --json: the warning also goes to stderr
    console = Console(width=120, record=True)
    render_report(report, console)
    text = console.export_text()
    assert "warning: note fr.txt looks French" in text
    assert text.index("warning:") < text.index("Findings")   # before anything else


def test_an_english_note_has_no_warning(toy_home, tmp_path):
    note = tmp_path / "en.txt"
    note.write_text("SYNTHETIC NOTE. Patient has long slender fingers and a dislocated lens. Denies seizures.\n")
    res = CliRunner().invoke(app, ["diagnose", str(note), "--json", "--no-literature", "--ranker", "lr",
                                   "--home", str(toy_home.root)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["warnings"] == []
