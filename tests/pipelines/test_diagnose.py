"""diagnose() end to end on the toy graph (tests/toy_graph.py: SYNTHETIC test data)."""

from __future__ import annotations

import re

import pytest

from kg.errors import InputError
from kg.view import load_view
from pipelines.diagnose import EMPTY_LITERATURE_NOTE, diagnose
from pipelines.workspace import Workspace

# SYNTHETIC note, written for this test.
NOTE = """SYNTHETIC NOTE - not a real patient.
HPI: 16 yo M with long slender fingers, tall stature and a dislocated lens.
Denies seizures. No intellectual disability.
Family history: mother had seizures.
"""


@pytest.fixture(scope="module")
def ws(toy_home):
    return Workspace.open(home=toy_home.root, ranker="lr")


def _all_edges(report):
    for d in report.diagnoses:
        for p in d.evidence_paths:
            yield from p.edges
        for a in d.evidence_against:
            yield from a.edges


def test_hpo_input_ranks_the_disease_with_those_features_first(ws):
    r = diagnose(ws, hpo=["HP:0001166", "HP:0000098", "HP:0001083", "HP:0002616"], with_literature=False)
    assert r.diagnoses[0].id == "OMIM:154700"
    assert r.diagnoses[0].probability > r.diagnoses[1].probability
    assert {s.concept_id for s in r.diagnoses[0].supporting_findings} == {"HP:0001166", "HP:0000098", "HP:0001083", "HP:0002616"}
    assert r.input.kind == "hpo" and r.schema_version == "1.0"
    assert "not a diagnosis" in r.disclaimer


def test_every_evidence_edge_exists_in_the_graph_with_provenance(ws, toy_home):
    G = load_view(toy_home)
    r = diagnose(ws, hpo=["HP:0001166", "HP:0001083", "HP:0001945"], absent=["HP:0001249"], with_literature=False)
    edges = list(_all_edges(r))
    assert edges, "expected evidence edges"
    for e in edges:
        assert G.has_node(e.subject) and G.has_node(e.object)
        matching = [d for d in G[e.subject][e.object].values() if d["predicate"] == e.predicate]
        assert matching, f"{e.subject} -{e.predicate}-> {e.object} is not an edge of the graph"
        assert e.source and e.source_version
        assert any(sorted(d["references"]) == sorted(e.references) for d in matching)


def test_cited_pmids_come_from_the_source_data(ws, toy_home):
    G = load_view(toy_home)
    graph_refs = {r for _, _, d in G.edges(data=True) for r in d.get("references", ())}
    r = diagnose(ws, hpo=["HP:0001166", "HP:0001083"])  # empty literature index
    cited = [c for d in r.diagnoses for c in d.literature]
    assert cited
    for c in cited:
        assert c.via == "graph_edge" and c.id in graph_refs
        if c.id.startswith("PMID:"):
            assert c.url == f"https://pubmed.ncbi.nlm.nih.gov/{c.id[5:]}/"
        else:
            assert c.url is None
    assert r.literature_note == EMPTY_LITERATURE_NOTE


def test_note_negated_findings_never_support_and_family_history_is_kept_apart(ws):
    r = diagnose(ws, notes=[("synthetic.txt", NOTE)], with_literature=False)
    by_id = {f.concept_id: f for f in r.findings}
    assert by_id["HP:0001250"].used_as == "absent" and by_id["HP:0001250"].negated
    assert by_id["HP:0001250"].trigger.lower() in ("denies", "denies seizures")
    assert by_id["HP:0001166"].used_as == "present"
    assert any(f.concept_id == "HP:0001250" and f.experiencer == "family" for f in r.family_history)
    for d in r.diagnoses:
        assert "HP:0001250" not in {s.concept_id for s in d.supporting_findings}
        assert "HP:0001249" not in {p.finding for p in d.evidence_paths}
    seizure = next(d for d in r.diagnoses if d.id == "OMIM:999002")
    assert any(a.kind == "absent_finding" and a.concept_id == "HP:0001250" for a in seizure.evidence_against)
    assert r.diagnoses[0].id == "OMIM:154700"
    assert r.patient.age_years == 16


def test_treatments_via_equivalent_id_and_not_indicated_drug_never_listed(ws):
    r = diagnose(ws, hpo=["HP:0001945", "HP:0012735", "HP:0002090"], with_literature=False)
    top = r.diagnoses[0]
    assert top.id == "OMIM:999001"
    drugs = {t.drug: t for t in top.treatments}
    assert "DRUGBANK:DB01060" in drugs
    amox = drugs["DRUGBANK:DB01060"]
    assert amox.via == "equivalent" and amox.via_disease == "DOID:552" and amox.source == "pharmacotherapydb"
    assert "DRUGBANK:DB00537" not in drugs  # marked not_indicated_for by a source
    assert drugs["DRUGBANK:DB00316"].predicate == "ameliorates"
    assert drugs["DRUGBANK:DB00316"].score < amox.score


def test_no_treatment_is_said_plainly(ws):
    r = diagnose(ws, hpo=["HP:0001250"], with_literature=False)
    d = next(d for d in r.diagnoses if d.id == "OMIM:999002")
    assert d.treatments == [] and "no treatment" in d.treatments_note


def test_obsolete_and_unknown_ids_are_reported(ws):
    r = diagnose(ws, hpo=["HP:0001954", "HP:9999999", "HP:0001166"], with_literature=False)
    reasons = {i.input: i.reason for i in r.ignored}
    assert "HP:9999999" in reasons
    assert "HP:0001954" in reasons and "HP:0001945" in reasons["HP:0001954"]


def test_only_absent_findings_is_well_defined(ws):
    r = diagnose(ws, absent=["HP:0001250"], with_literature=False)
    assert any("only excluded findings" in i.reason for i in r.ignored)
    assert r.diagnoses  # a ranking, with the note saying what it means


def test_nothing_to_diagnose_and_bad_top_k(ws):
    with pytest.raises(InputError, match="nothing to diagnose"):
        diagnose(ws)
    with pytest.raises(InputError, match="top_k"):
        diagnose(ws, hpo=["HP:0001166"], top_k=0)


def test_phenopacket_input(ws):
    pp = {"id": "synthetic-case", "subject": {"id": "p1", "sex": "FEMALE"},
          "phenotypicFeatures": [{"type": {"id": "HP:0001166", "label": "Arachnodactyly"}},
                                 {"type": {"id": "HP:0001083", "label": "Ectopia lentis"}},
                                 {"type": {"id": "HP:0001250", "label": "Seizure"}, "excluded": True}]}
    r = diagnose(ws, phenopacket=pp, with_literature=False)
    assert r.input.kind == "phenopacket"
    assert r.patient.sex == "female"
    assert r.diagnoses[0].id == "OMIM:154700"
    assert [f.used_as for f in r.findings if f.concept_id == "HP:0001250"] == ["absent"]


def test_report_json_round_trip(ws):
    from pipelines.report import DiagnosisReport

    r = diagnose(ws, hpo=["HP:0001166"], with_literature=False)
    again = DiagnosisReport.model_validate_json(r.model_dump_json())
    assert again == r
    assert re.fullmatch(r"[0-9a-f]{12}", r.versions.graph)
    assert any(s.name == "hpo" and s.citation for s in r.versions.sources)


def test_literature_hits_come_from_the_index(fresh_toy_home):
    toy_home = fresh_toy_home
    from retrieval import Document, LiteratureIndex, RetrievalConfig

    cfg = RetrievalConfig(encoder="hashing-64")
    lit = LiteratureIndex.open(toy_home.literature, cfg)
    lit.add_documents([Document("31573350", "Marfan syndrome and ectopia lentis",
                                "Ectopia lentis and arachnodactyly are features of Marfan syndrome.", id_type="pmid"),
                       Document("4983", "Unrelated", "Seizures in children.", id_type="s2")])
    lit.close()
    ws = Workspace.open(home=toy_home.root, ranker="lr")
    ws.settings = ws.settings.__class__(**{**ws.settings.__dict__, "retrieval": cfg})
    r = diagnose(ws, hpo=["HP:0001166", "HP:0001083"])
    hits = [c for c in r.diagnoses[0].literature if c.via == "literature_search"]
    assert hits and hits[0].id == "PMID:31573350" and hits[0].url.endswith("/31573350/")
    s2 = [c for d in r.diagnoses for c in d.literature if c.id_type == "s2"]
    assert all(c.url is None for c in s2)
    assert r.versions.index and r.versions.index != "empty"
    assert r.literature_note == ""


def test_equivalent_entries_are_grouped_with_summed_probability():
    import networkx as nx

    from model.ranker import RankedDiagnosis
    from pipelines.diagnose import group_equivalents

    G = nx.MultiDiGraph()
    for n in ("ORPHA:558", "OMIM:154700", "MONDO:0007947", "OMIM:609008"):
        G.add_node(n)
    G.add_edge("MONDO:0007947", "ORPHA:558", predicate="same_as")
    G.add_edge("MONDO:0007947", "OMIM:154700", predicate="same_as")
    ranked = [RankedDiagnosis("ORPHA:558", "Marfan syndrome", 3.0, 0.5, {}, {}),
              RankedDiagnosis("OMIM:609008", "Marfanoid habitus", 2.0, 0.2, {}, {}),
              RankedDiagnosis("OMIM:154700", "Marfan syndrome", 1.0, 0.3, {}, {})]
    grouped = group_equivalents(G, ranked)
    assert [d.disease_id for d in grouped] == ["ORPHA:558", "OMIM:609008"]
    assert grouped[0].probability == pytest.approx(0.8)
    # a group whose summed probability beats a better-ranked single entry moves up
    ranked = [RankedDiagnosis("OMIM:609008", "Marfanoid habitus", 3.0, 0.4, {}, {}),
              RankedDiagnosis("ORPHA:558", "Marfan syndrome", 2.0, 0.35, {}, {}),
              RankedDiagnosis("OMIM:154700", "Marfan syndrome", 1.0, 0.25, {}, {})]
    grouped = group_equivalents(G, ranked)
    assert [d.disease_id for d in grouped] == ["ORPHA:558", "OMIM:609008"]
    assert [d.probability for d in grouped] == pytest.approx([0.6, 0.4])


def test_evidence_against_never_names_a_missing_match(toy_home):
    """A learned ranker may count an excluded finding the disease lacks, or a matched present finding,
    against a disease: the report must say so without inventing an annotation."""
    from dataclasses import replace

    ws2 = Workspace.open(home=toy_home.root, ranker="lr")
    lr = ws2.ranker

    class Skewed:
        def __getattr__(self, name):
            return getattr(lr, name)

        def rank(self, present, absent, **kw):
            out = lr.rank(present, absent, **kw)
            top = out.diagnoses[0]
            contributions = dict(top.contributions)
            contributions["HP:0001250"] = -0.7                    # excluded, not a feature of the top disease
            contributions["HP:0001166"] = -0.1                    # present and annotated, counted against
            contributions["HP:0000098"] = -0.2                    # present, matched only through a shared ancestor
            matched = {k: v for k, v in top.matched.items() if k != "HP:0001250"}
            matched["HP:0000098"] = "HP:0001083"
            return replace(out, diagnoses=[replace(top, contributions=contributions, matched=matched)]
                           + out.diagnoses[1:])

    ws2.__dict__["ranker"] = Skewed()
    r = diagnose(ws2, hpo=["HP:0001166", "HP:0000098", "HP:0001083"], absent=["HP:0001250"], with_literature=False)
    against = {a.concept_id: a for a in r.diagnoses[0].evidence_against}
    assert "None" not in against["HP:0001250"].detail and "not a feature of this disease" in against["HP:0001250"].detail
    assert against["HP:0001250"].edges == []
    assert "HP:0001166" not in {s.concept_id for s in r.diagnoses[0].supporting_findings}
    assert "annotated (" in against["HP:0001166"].detail and "not among" not in against["HP:0001166"].detail
    assert "not among the disease's annotated phenotypes" in against["HP:0000098"].detail


def test_relation_of_a_path_through_an_equivalent_disease():
    """A shared annotation's path ends in same_as hops; the relation is read from the finding's side only."""
    from pipelines.diagnose import _relation

    sub = ("HP:0031245", "HP:0012735", "s", {"predicate": "subclass_of"})
    ann = ("ORPHA:9", "HP:0012735", "a", {"predicate": "has_phenotype", "frequency": "HP:0040281"})
    hops = [("MONDO:9", "ORPHA:9", "m1", {"predicate": "same_as"}), ("MONDO:9", "OMIM:1", "m2", {"predicate": "same_as"})]
    assert _relation([sub, ann, *hops], "HP:0031245", "HP:0012735") == "ancestor"
    assert _relation([sub, ann], "HP:0031245", "HP:0012735") == "ancestor"
    assert _relation([ann, *hops], "HP:0012735", "HP:0012735") == "exact"
    symp = ("SYMP:1", "HP:0012735", "x", {"predicate": "same_as"})
    assert _relation([symp, ann, *hops], "SYMP:1", "HP:0012735") == "equivalent"
