"""Diagnose: findings -> ranking -> evidence paths, evidence against, literature, treatments.

One library function, :func:`diagnose`, behind ``medkg diagnose`` and ``POST /diagnose``.
It takes notes (extracted with assertion context), a GA4GH Phenopacket v2, or HPO ids
with explicitly absent ones, and returns the one :class:`~pipelines.report.DiagnosisReport`.

What each assertion means for ranking (DESIGN.md): affirmed and historical patient findings
are present; negated ones are absent (evidence against diseases that usually have them);
uncertain and hypothetical ones are listed but not used; family/other findings go under
family history.
"""

from __future__ import annotations

import logging
import time
from typing import Sequence

import networkx as nx

from kg.errors import InputError
from kg.finding import Finding
from kg.ids import equivalents, try_resolve
from kg.records import frequency_text
from kg.paths import ancestors_within, annotation_edges, evidence_path
from kg.treatments import treatment_options
from pipelines.report import (
    Citation, Diagnosis, DiagnosisReport, EvidenceAgainst, EvidenceEdge, EvidencePath, FindingOut,
    IgnoredInput, InputInfo, PatientInfo, SourceVersion, SupportingFinding, Treatment, Versions, pubmed_url,
)
from pipelines.workspace import Workspace

__all__ = ["diagnose", "PHENOTYPE_CATEGORIES", "LITERATURE_FOR_TOP"]

log = logging.getLogger(__name__)

PHENOTYPE_CATEGORIES = ("PhenotypicFeature",)
LITERATURE_FOR_TOP = 3        # literature search for this many top diagnoses (each costs ~40 ms)
LITERATURE_PER_DIAGNOSIS = 3
MAX_PATHS = 8                 # evidence paths shown per diagnosis
MAX_TREATMENTS = 10
EMPTY_LITERATURE_NOTE = ("No literature is indexed yet, so only the papers the graph edges cite are shown. "
                         "Add literature with `medkg literature add FILE...` (JSONL, PubMedQA JSON or PubMed XML).")


def _phenotype_id(G: nx.MultiDiGraph, concept_id: str) -> str | None:
    """The phenotype node a finding's concept stands for (an HPO term when an equivalent exists)."""
    node = try_resolve(G, concept_id)
    if node is None:
        return None
    if G.nodes[node].get("category") not in PHENOTYPE_CATEGORIES:
        return None
    if node.startswith("HP:"):
        return node
    hp = sorted(n for n in equivalents(G, node) if n.startswith("HP:"))
    return hp[0] if hp else node


def _finding_out(f: Finding, used_as: str, note_name: str = "") -> FindingOut:
    return FindingOut(**{k: v for k, v in f.to_dict().items()}, assertion=f.assertion, used_as=used_as,
                      source_note=note_name)


def _label(G: nx.MultiDiGraph, node: str) -> str:
    """The node's label, "" when the graph does not know it."""
    return G.nodes[node].get("label", "") if node in G else ""


def _edge_out(G: nx.MultiDiGraph, u: str, v: str, data: dict) -> EvidenceEdge:
    qualifiers = {k: str(val) for k, val in data.items()
                  if k not in ("predicate", "source", "source_version", "references", "graph") and val not in ("", None)}
    return EvidenceEdge(subject=u, subject_label=_label(G, u),
                        predicate=data.get("predicate", ""), object=v,
                        object_label=_label(G, v),
                        source=data.get("source", ""), source_version=data.get("source_version", ""),
                        references=list(data.get("references", ())), qualifiers=qualifiers)


def _annotation_at(path_edges: list) -> int:
    """Position of the annotation edge in an evidence path (the hops after it reach an equivalent disease)."""
    return next((i for i, e in enumerate(path_edges) if e[3].get("predicate") == "has_phenotype"), len(path_edges))


def _relation(path_edges: list, finding: str, matched: str) -> str:
    if finding == matched:
        return "exact"
    link = path_edges[:_annotation_at(path_edges)]   # finding -> the annotated phenotype
    if any(e[3].get("predicate") == "same_as" for e in link):
        return "equivalent"
    if path_edges and path_edges[0][0] == finding:
        return "ancestor"
    return "descendant"


def _collect_inputs(ws: Workspace, notes, phenopacket, hpo, absent):
    """-> (findings_out, family, ignored, present_ids, absent_ids, patient, input_info)."""
    G = ws.graph
    findings_out: list[FindingOut] = []
    family: list[FindingOut] = []
    ignored: list[IgnoredInput] = []
    present: list[str] = []
    absent_ids: list[str] = []
    patient = PatientInfo()
    kinds = []
    for name, text in notes:
        kinds.append("note")
        extraction = ws.extractor.extract(text)
        ctx = extraction.context
        if ctx.age_years is not None and patient.age_years is None:
            patient = PatientInfo(age_years=ctx.age_years, sex=patient.sex or ctx.sex)
        elif ctx.sex and not patient.sex:
            patient = PatientInfo(age_years=patient.age_years, sex=ctx.sex)
        for f in extraction.findings:
            if not f.is_patient:
                family.append(_finding_out(f, "not used", name))
                continue
            pid = _phenotype_id(G, f.concept_id) if f.used_for_ranking else None
            if pid is not None and f.is_present:
                present.append(pid)
                findings_out.append(_finding_out(f, "present", name))
            elif pid is not None and f.is_absent:
                absent_ids.append(pid)
                findings_out.append(_finding_out(f, "absent", name))
            else:
                findings_out.append(_finding_out(f, "not used", name))
    if phenopacket is not None:
        from model.phenopacket import case_from_phenopacket

        kinds.append("phenopacket")
        if not isinstance(phenopacket, dict):
            raise InputError("phenopacket must be a JSON object (GA4GH Phenopacket v2)")
        try:
            case = case_from_phenopacket(phenopacket)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise InputError(f"not a valid GA4GH Phenopacket v2: {type(err).__name__}: {err}") from None
        hpo = list(hpo) + list(case.present)
        absent = list(absent) + list(case.absent)
        patient = PatientInfo(age_years=case.age_years if case.age_years is not None else patient.age_years,
                              sex=case.sex or patient.sex)
    if hpo or absent:
        if "phenopacket" not in kinds:
            kinds.append("hpo")
    for raw, bucket, used in ((hpo, present, "present"), (absent, absent_ids, "absent")):
        for cid in raw:
            if not isinstance(cid, str) or not cid.strip():
                ignored.append(IgnoredInput(input=str(cid), reason="not an id"))
                continue
            node = try_resolve(G, cid.strip())
            label = G.nodes[node].get("label", "") if node else ""
            findings_out.append(FindingOut(concept_id=node or cid.strip(), label=label, negated=used == "absent",
                                           assertion="present" if used == "present" else "absent",
                                           used_as=used if node else "not used"))
            bucket.append(cid.strip())
    return findings_out, family, ignored, present, absent_ids, patient, kinds


def diagnose(
    ws: Workspace,
    *,
    notes: Sequence[tuple[str, str]] = (),
    phenopacket: dict | None = None,
    hpo: Sequence[str] = (),
    absent: Sequence[str] = (),
    top_k: int = 10,
    with_literature: bool = True,
) -> DiagnosisReport:
    """A ranked differential with evidence paths, evidence against, literature and treatments.

    ``notes`` are ``(name, text)`` pairs about one patient; ``phenopacket`` a parsed GA4GH
    Phenopacket v2; ``hpo``/``absent`` phenotype ids present / explicitly excluded.
    """
    if not notes and phenopacket is None and not hpo and not absent:
        raise InputError("nothing to diagnose: give a note, a phenopacket, or HPO ids")
    if not isinstance(top_k, int) or not 1 <= top_k <= 100:
        raise InputError(f"top_k must be between 1 and 100, got {top_k!r}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    G = ws.graph
    findings_out, family, ignored, present, absent_ids, patient, kinds = _collect_inputs(
        ws, notes, phenopacket, hpo, absent)
    timings["findings"] = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    input_info = InputInfo(kind=kinds[0] if kinds else "hpo", name=", ".join(n for n, _ in notes))
    versions = _versions(ws)
    report = DiagnosisReport(input=input_info, patient=patient, findings=findings_out, family_history=family,
                             ignored=ignored, versions=versions, warnings=_language_warnings(notes))
    if not present and not absent_ids:
        report.ignored.append(IgnoredInput(input="(all findings)", reason=(
            "no finding could be used for ranking: none of the findings is a phenotype of the graph "
            "that is affirmed or negated for the patient")))
        return report
    if not present:
        report.ignored.append(IgnoredInput(input="(present findings)", reason=(
            "only excluded findings were given: the ranking below only says which diseases they argue against least")))
    # a long note names the same phenotype many times: the ranker (and its findings limit) sees each once
    present, absent_ids = list(dict.fromkeys(present)), list(dict.fromkeys(absent_ids))
    ranking = ws.ranker.rank(present, absent_ids, top_k=2 * top_k, age=patient.age_years, sex=patient.sex)
    report.ranker = f"{ranking.model} {ranking.model_version}".strip()
    report.versions.model = report.ranker
    for cid in ranking.unknown_ids:
        report.ignored.append(IgnoredInput(input=cid, reason="not a phenotype term of the graph; ignored"))
    for old, new in ranking.obsolete_mapped.items():
        report.ignored.append(IgnoredInput(input=old, reason=f"obsolete or alternative id; used its replacement {new}"))
    timings["ranking"] = (time.perf_counter() - t1) * 1000
    t2 = time.perf_counter()
    lit = _literature(ws) if with_literature else None
    if with_literature and (lit is None or len(lit) == 0):
        report.literature_note = EMPTY_LITERATURE_NOTE
    for rank, rd in enumerate(group_equivalents(G, ranking.diagnoses)[:top_k], start=1):
        report.diagnoses.append(_diagnosis(ws, G, rank, rd, set(ranking.present), set(ranking.absent),
                                           lit if rank <= LITERATURE_FOR_TOP else None))
    timings["evidence"] = (time.perf_counter() - t2) * 1000
    report.timings_ms = {k: round(v, 1) for k, v in timings.items()}
    return report


def _language_warnings(notes: Sequence[tuple[str, str]]) -> list[str]:
    """One warning per note that is not in a language the extractor reads (see pipelines.language)."""
    if not notes:
        return []
    from pipelines.language import language_warning

    return [w for w in (language_warning(text, name) for name, text in notes) if w]


def group_equivalents(G: nx.MultiDiGraph, diagnoses: list) -> list:
    """Merge ranked entries that are the same disease under another id (e.g. ORPHA:558 and OMIM:154700).

    The best-ranked entry stands for the group, with the group's summed probability (the ranker
    spread one disease's probability over its ids); the others appear in its equivalent ids. The
    groups are then ordered by that probability (ties keep the ranker's order).
    """
    from dataclasses import replace

    groups: list[list] = []
    owner: dict[str, int] = {}
    for rd in diagnoses:
        ids = equivalents(G, rd.disease_id) if rd.disease_id in G else {rd.disease_id}
        index = next((owner[i] for i in ids if i in owner), None)
        if index is None:
            index = len(groups)
            groups.append([])
        groups[index].append(rd)
        for i in ids:
            owner.setdefault(i, index)
    merged = [replace(g[0], probability=sum(x.probability for x in g)) if len(g) > 1 else g[0] for g in groups]
    return sorted(merged, key=lambda rd: -rd.probability)


def _literature(ws: Workspace):
    try:
        return ws.literature
    except Exception as err:  # noqa: BLE001 - a broken index must not break diagnosis
        log.warning("literature index unavailable: %s", err)
        return None


def _versions(ws: Workspace) -> Versions:
    G = ws.graph
    sources = [SourceVersion(name=s["name"], version=s["version"], kind=s.get("kind", "source"),
                             license=s.get("license", ""), citation=s.get("citation", ""))
               for s in G.graph.get("sources", [])]
    index = ""
    lit = _literature(ws)
    if lit is not None:
        index = lit.index_version
    # the graph the ranker's model was fitted on (a trained model's meta; the baselines read this graph)
    model_graph = ws.ranker.trained_graph_version or G.graph.get("version", "")
    return Versions(graph=G.graph.get("version", ""), graph_label=G.graph.get("version_label", ""),
                    model_graph_version=model_graph, index=index, sources=sources)


def _diagnosis(ws: Workspace, G: nx.MultiDiGraph, rank: int, rd, present: set[str], absent: set[str], lit) -> Diagnosis:
    d = rd.disease_id
    label = rd.label or _label(G, d)
    all_eq = sorted(equivalents(G, d) - {d}) if d in G else []
    eq = all_eq[:25]                                      # listed in the report
    support = sorted(((f, c) for f, c in rd.contributions.items() if f in present and c > 0), key=lambda x: -x[1])
    paths: list[EvidencePath] = []
    for f, c in support[:MAX_PATHS]:
        matched = rd.matched.get(f)
        try:
            edges = evidence_path(G, f, d, matched) if matched else []
        except Exception:  # noqa: BLE001 - a missing path is shown as such, never fatal
            edges = []
        paths.append(EvidencePath(finding=f, finding_label=_label(G, f),
                                  matched_phenotype=matched or "", relation=_relation(edges, f, matched) if matched else "",
                                  contribution=round(c, 4), edges=[_edge_out(G, u, v, data) for u, v, _, data in edges]))
    against: list[EvidenceAgainst] = []
    for f, c in sorted(rd.contributions.items(), key=lambda x: x[1]):
        if f in absent and c < 0:
            matched = rd.matched.get(f)
            edges = evidence_path(G, f, d, matched) if matched and f in G else []
            at = _annotation_at(edges)
            freq = frequency_text(edges[at][3].get("frequency", "")) if at < len(edges) else ""
            if matched:
                detail = f"reported absent, but the disease usually has {_label(G, matched) or matched}" + \
                         (f" (frequency {freq})" if freq else "")
            else:
                detail = "reported absent; not a feature of this disease, so the ranker reads the exclusion as " \
                         "pointing to other diseases"
            against.append(EvidenceAgainst(
                kind="absent_finding", concept_id=f, label=_label(G, f), detail=detail,
                contribution=round(c, 4), edges=[_edge_out(G, u, v, data) for u, v, _, data in edges]))
        elif f in present and c <= 0:
            matched = rd.matched.get(f)
            # annotated: the disease has the finding itself or a more specific phenotype
            annotated = bool(matched) and (matched == f or f in ancestors_within(G, matched, 30))
            detail = (f"present and annotated ({_label(G, matched) or matched}), but it fits the other candidates as well or "
                      f"better, so it does not raise this disease's score"
                      if annotated else "present, but not among the disease's annotated phenotypes")
            against.append(EvidenceAgainst(kind="unexplained_finding", concept_id=f,
                                           label=_label(G, f), detail=detail,
                                           contribution=round(c, 4)))
    for f in present:
        # the disease's own exclusions, and those of its equivalents (the ranker shares them), all of
        # them: the 25 listed equivalents are a display limit
        for e in [d, *all_eq]:
            for u, v, _, data in annotation_edges(G, e, f, ("lacks_phenotype",)):
                as_ = "" if e == d else f" (as its equivalent {e})"
                against.append(EvidenceAgainst(kind="excluded_by_source", concept_id=f, label=_label(G, f),
                                               detail=f"the source explicitly describes this disease{as_} without this feature",
                                               edges=[_edge_out(G, u, v, data)]))
    citations = _edge_citations(ws, paths)
    if lit is not None and len(lit) > 0:
        terms = [G.nodes[f].get("label", "") for f, _ in support[:3] if f in G]
        query = " ".join([label, *terms]).strip()
        try:
            cited = {c.id for c in citations}
            for hit in lit.search(query, k=LITERATURE_PER_DIAGNOSIS):
                if hit.curie in cited:
                    continue  # already cited by a graph edge
                citations.append(Citation(id=hit.curie, id_type=hit.id_type, title=hit.title,
                                          url=pubmed_url(hit.curie), snippet=hit.snippet,
                                          score=round(float(hit.score), 4), via="literature_search"))
        except Exception as err:  # noqa: BLE001
            log.warning("literature search failed: %s", type(err).__name__)
    options = treatment_options(G, d, probability=rd.probability)[:MAX_TREATMENTS]
    treatments = [Treatment(drug=o.drug, drug_label=o.drug_label, predicate=o.predicate, via=o.via,
                            via_disease=o.via_disease, via_disease_label=o.via_disease_label, note=o.note,
                            source=o.source, source_version=o.source_version, references=list(o.references),
                            evidence={k: str(v) for k, v in o.evidence.items()}, score=round(o.score, 6))
                  for o in options]
    note = "" if treatments else f"The graph has no treatment linked to {label or d} (nor to an equivalent or parent disease)."
    return Diagnosis(rank=rank, id=d, label=label or d, equivalent_ids=eq, probability=round(float(rd.probability), 6),
                     score=round(float(rd.score), 6),
                     supporting_findings=[SupportingFinding(concept_id=f, label=_label(G, f),
                                                            contribution=round(c, 4)) for f, c in support],
                     evidence_paths=paths, evidence_against=against, literature=citations, treatments=treatments,
                     treatments_note=note)


def _id_type(ref: str) -> str:
    prefix = ref.split(":", 1)[0].lower() if ":" in ref else ""
    return {"pmid": "pmid", "omim": "omim", "orpha": "orpha", "decipher": "decipher", "isbn": "isbn"}.get(prefix, prefix or "other")


def _edge_citations(ws: Workspace, paths: list[EvidencePath]) -> list[Citation]:
    """The papers (and other references) cited by the edges of the evidence paths."""
    seen: dict[str, Citation] = {}
    lit = _literature(ws)
    for path in paths:
        for edge in path.edges:
            for ref in edge.references:
                if ref in seen:
                    continue
                title = ""
                if ref.startswith("PMID:") and lit is not None and len(lit) > 0:
                    doc = lit.get(ref[5:])
                    if doc is not None and doc.id_type == "pmid":
                        title = doc.title
                seen[ref] = Citation(id=ref, id_type=_id_type(ref), title=title, url=pubmed_url(ref), via="graph_edge")
    return list(seen.values())
