"""tests for pipelines/html.py: the self-contained report page and its evidence-path SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from pipelines.html import chain_of, evidence_svg, highlight_note, merge_citations, render_report_html
from pipelines.report import (
    Citation, Diagnosis, DiagnosisReport, EvidenceEdge, EvidencePath, FindingOut, InputInfo, Versions,
)


@pytest.fixture(scope="module")
def marfan(workspace, examples):
    from pipelines.diagnose import diagnose

    text = (examples / "note_marfan.txt").read_text()
    return text, diagnose(workspace, notes=[("note_marfan.txt", text)])


def test_page_is_self_contained(marfan):
    text, report = marfan
    page = render_report_html(report, notes={"note_marfan.txt": text})
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    # nothing is loaded from anywhere: the only URLs are PubMed links (<a href>) and the SVG namespace
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("https://pubmed.ncbi.nlm.nih.gov/"), url
    assert "<link" not in page and "@import" not in page
    assert report.disclaimer in page
    assert "Gargano" in page                       # the HPO citation
    assert "Marfan syndrome" in page and "<svg" in page


def test_negated_findings_are_struck_through_with_trigger(marfan):
    text, report = marfan
    page = render_report_html(report, notes={"note_marfan.txt": text})
    marks = re.findall(r'<mark class="f f-absent" title="([^"]*)">([^<]*)<', page)
    assert ("Seizure" in marks[0][0] or "Seizure" in marks[1][0]) and any(m[1] == "seizures" for m in marks)
    assert all("trigger" in title for title, _ in marks)
    assert "line-through" in page                 # the CSS for .f-absent
    assert "(absent)" in page                     # screen-reader text: not colour alone


def test_only_pmids_are_linked(marfan):
    _, report = marfan
    page = render_report_html(report)
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert links and all(text.startswith("PMID:") for _, text in links)
    assert "OMIM:154700</li>" in page or "OMIM:154700 " in page   # cited, not linked


def test_evidence_svg_is_well_formed_and_labelled(workspace):
    from pipelines.diagnose import diagnose

    report = diagnose(workspace, hpo=["HP:0011003", "HP:0002616"], with_literature=False)
    d = next(x for x in report.diagnoses if x.id == "OMIM:154700")
    assert any(p.relation == "ancestor" for p in d.evidence_paths)
    svg = evidence_svg(d)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "has_phenotype" in texts and "hpo" in texts
    assert "subclass_of" in texts                 # severe myopia -> Myopia <- Marfan
    assert d.label in texts


def test_chain_of_orders_edges_from_the_finding():
    e1 = EvidenceEdge(subject="HP:3", predicate="subclass_of", object="HP:2", source="hpo")
    e2 = EvidenceEdge(subject="HP:2", predicate="subclass_of", object="HP:1", source="hpo")
    e3 = EvidenceEdge(subject="OMIM:1", predicate="has_phenotype", object="HP:1", source="hpo")
    nodes, links = chain_of(EvidencePath(finding="HP:3", edges=[e3, e2, e1]))
    assert [n for n, _ in nodes] == ["HP:3", "HP:2", "HP:1", "OMIM:1"]
    assert [(a, b) for a, b, _ in links] == [(0, 1), (1, 2), (3, 2)]


def test_svg_without_paths_and_with_hostile_labels():
    d = Diagnosis(rank=1, id="OMIM:1", label="<script>x</script>", probability=0.5, score=1.0)
    assert "No evidence path" in evidence_svg(d)
    e = EvidenceEdge(subject="OMIM:1", subject_label="<b>&", predicate="has_phenotype", object="HP:1",
                     object_label='"><img src=x>', source="hpo")
    d = d.model_copy(update={"evidence_paths": [EvidencePath(finding="HP:1", edges=[e])]})
    svg = evidence_svg(d)
    ET.fromstring(svg)                          # still well-formed XML
    assert "<img" not in svg and "<script>" not in svg


def test_note_text_is_escaped():
    text = "<script>alert(1)</script> No fever & chills"
    f = FindingOut(concept_id="HP:0001945", label="Fever", text="fever", start=29, end=34, negated=True,
                   assertion="absent", used_as="absent", trigger="No")
    html = highlight_note(text, [f])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark class="f f-absent"' in html and "fever" in html


def test_merge_citations_lists_each_id_once():
    cites = [Citation(id="PMID:1", url="https://pubmed.ncbi.nlm.nih.gov/1/"),
             Citation(id="PMID:1", title="T", snippet="S", via="literature_search"), Citation(id="OMIM:2")]
    merged = merge_citations(cites)
    assert [c.id for c in merged] == ["PMID:1", "OMIM:2"]
    assert merged[0].title == "T" and merged[0].snippet == "S" and merged[0].url


def test_empty_report_renders():
    page = render_report_html(DiagnosisReport(input=InputInfo(kind="hpo"), versions=Versions(graph="abc")))
    assert "No diagnosis could be ranked" in page and "No findings" in page
