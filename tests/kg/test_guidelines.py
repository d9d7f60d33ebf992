"""kg/guidelines.py: parsing guideline tables and RDF into typed statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import GuidelineError
from kg.guidelines import category_for, guideline_key, parse_guideline, write_table
from kg.vocab import Category, Predicate

from tests.kg.guideline_fixtures import AMOX, DOXY, guideline_tsv

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "guidelines"
EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def test_parse_tsv_header_block_and_lines():
    g = parse_guideline(text=guideline_tsv([AMOX, "", "# a comment row", DOXY]), format="tsv", name="cap.tsv")
    assert (g.key, g.version, g.date, g.issuer, g.guideline_id) == ("test-society/cap", "1", "2024-01-02",
                                                                    "Test Society", "CAP")
    assert [(s.subject, s.predicate, s.object, s.line) for s in g.statements] == [
        ("DRUGBANK:DB01060", Predicate.TREATS, "DOID:552", 6), ("DRUGBANK:DB00254", Predicate.TREATS, "DOID:552", 9)]
    first = g.statements[0]
    assert (first.subject_label, first.strength, first.evidence_level, first.references) == \
        ("Amoxicillin", "strong", "moderate", ("PMID:31573350",))
    assert len(g.sha256) == 64 and g.format == "tsv"


def test_parse_csv_with_sidecar_meta():
    g = parse_guideline(FIX / "sidecar.csv")
    assert (g.key, g.version, g.date) == ("test-society/cap", "1", "2024-01-02")
    assert g.statements[0].subject_label == "Amoxicillin" and g.statements[0].line == 2


def test_sidecar_disagreeing_with_header_is_an_error(tmp_path):
    (tmp_path / "g.tsv").write_text(guideline_tsv([AMOX]))
    (tmp_path / "g.tsv.meta.toml").write_text('version = "2"\n')
    with pytest.raises(GuidelineError, match="'version' is '1' in the file but '2' in the sidecar"):
        parse_guideline(tmp_path / "g.tsv")


def test_parse_turtle_same_statements_as_table():
    t = parse_guideline(FIX / "cap.ttl")
    g = parse_guideline(text=guideline_tsv([AMOX, DOXY]), format="tsv")
    assert t.key == g.key and t.version == g.version and t.format == "turtle"
    strip = lambda s: (s.spo, s.strength, s.evidence_level, s.references)  # noqa: E731
    assert sorted(map(strip, t.statements)) == sorted(map(strip, g.statements))
    assert [s.line for s in t.statements] == [16, 24]  # the line of each statement's rdf:subject


def test_parse_jsonld():
    g = parse_guideline(FIX / "cap.jsonld")
    assert g.key == "test-society/cap" and g.format == "json-ld"
    assert [s.spo for s in g.statements] == [("DRUGBANK:DB01060", "treats", "DOID:552")]


def test_example_files_agree():
    tsv = parse_guideline(EXAMPLES / "guideline_example.tsv")
    ttl = parse_guideline(EXAMPLES / "guideline_example.ttl")
    assert tsv.key == ttl.key == "ats-idsa/cap" and tsv.version == ttl.version == "2019"
    strip = lambda s: (s.spo, s.strength, s.evidence_level, s.references, s.note, s.subject_label)  # noqa: E731
    assert sorted(map(strip, tsv.statements)) == sorted(map(strip, ttl.statements))
    assert all(s.references == ("PMID:31573350",) for s in tsv.statements)


def test_unknown_predicate_names_file_and_line():
    with pytest.raises(GuidelineError, match=r"bad_predicate.tsv, line 5: unknown predicate 'treatz'; valid"):
        parse_guideline(FIX / "bad_predicate.tsv")


def test_missing_column_names_file_and_line():
    with pytest.raises(GuidelineError, match=r"missing_column.tsv, line 5: 2 fields .* \(missing: object, citation\)"):
        parse_guideline(FIX / "missing_column.tsv")


def test_bad_turtle():
    with pytest.raises(GuidelineError, match=r"bad_syntax.ttl: not valid turtle: .*line 4"):
        parse_guideline(FIX / "bad_syntax.ttl")


@pytest.mark.parametrize("text, match", [
    (guideline_tsv([AMOX], header="# key: a/b\n"), "has no version"),
    (guideline_tsv([AMOX], header="# version: 1\n"), "has no key"),
    (guideline_tsv([AMOX], header="# key: a/b\n# version: 1\n# verison: 2\n"), r"line 3: unknown header key 'verison'"),
    (guideline_tsv([AMOX], header="# key: a/b\n# version: 1\n# date: 1st May\n"), "date '1st May' is not YYYY"),
    (guideline_tsv([], version="1"), "has no statements"),
    (guideline_tsv([AMOX, AMOX]), r"line 7: statement DRUGBANK:DB01060 treats DOID:552 repeats line 6"),
    (guideline_tsv(["amoxicillin\ttreats\tDOID:552"]), r"line 6: subject: 'amoxicillin' is not a CURIE"),
    ("# key: a/b\n# version: 1\nsubject\tpredicat\tobject\n", r"line 3: unknown column\(s\) 'predicat'; valid columns"),
    ("# key: a/b\n# version: 1\nsubject\tobject\n", r"line 3: missing required column\(s\) predicate"),
])
def test_malformed_tables(text, match):
    with pytest.raises(GuidelineError, match=match):
        parse_guideline(text=text, format="tsv")


def test_format_errors(tmp_path):
    with pytest.raises(GuidelineError, match="cannot tell the guideline format"):
        parse_guideline(text="x", name="g.docx")
    with pytest.raises(GuidelineError, match="unknown guideline format 'xml'"):
        parse_guideline(text="x", format="xml")
    with pytest.raises(GuidelineError, match="does not exist"):
        parse_guideline(tmp_path / "nope.tsv")


def test_helpers_round_trip():
    assert guideline_key("ATS/IDSA", "CAP") == "ats-idsa/cap"
    assert category_for(Predicate.GENE_ASSOCIATED_WITH_CONDITION, "subject") == Category.GENE
    text = write_table({"key": "a/b", "version": "1"}, [{"subject": "DRUGBANK:DB01060", "predicate": "treats",
                                                         "object": "DOID:552", "citation": "PMID:1"}])
    g = parse_guideline(text=text, format="tsv")
    assert g.statements[0].references == ("PMID:1",)
