"""Treatment options for a disease, carried through the graph's treatment edges.

A drug is a candidate when a ``treats`` or ``ameliorates`` edge links it to the disease,
to an equivalent id (``same_as``), or to a parent disease (``subclass_of``, then labelled
"indicated for <parent>"). A drug that any source marks ``not_indicated_for`` the disease
(or an equivalent, or the parent it came through) is never returned. The score is the
diagnosis probability times the strength of the evidence:

* predicate: treats (disease-modifying / labelled indication) 1.0, ameliorates (symptomatic) 0.5;
* route: the disease itself or an equivalent 1.0, a parent 0.5 per level;

so the order is transparent and reproducible.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("DOID:1", label="Pneumonia"); G.add_node("DB1", label="Amoxicillin", category="Drug")
>>> _ = G.add_edge("DB1", "DOID:1", key="t", predicate="treats", source="pharmacotherapydb", source_version="1.0")
>>> [(o.drug, o.via, o.score) for o in treatment_options(G, "DOID:1", probability=0.8)]
[('DB1', 'self', 0.8)]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from kg.paths import ancestors_within, n_children, same_as_closure

__all__ = ["TreatmentOption", "treatment_options", "PREDICATE_WEIGHT", "PARENT_DISCOUNT"]

PREDICATE_WEIGHT = {"treats": 1.0, "ameliorates": 0.5}
PARENT_DISCOUNT = 0.5
MAX_PARENT_DEPTH = 2
# Very general parents ("disease", "disease of anatomical entity") say nothing about treatment.
TOO_GENERAL_DESCENDANTS = 500


@dataclass(frozen=True)
class TreatmentOption:
    drug: str
    drug_label: str
    predicate: str
    via: str                 # self, equivalent, parent
    via_disease: str
    via_disease_label: str
    source: str
    source_version: str
    references: tuple[str, ...]
    evidence: dict = field(default_factory=dict)
    score: float = 0.0

    @property
    def note(self) -> str:
        if self.via == "parent":
            return f"indicated for {self.via_disease_label or self.via_disease}"
        if self.via == "equivalent":
            return f"linked to the equivalent id {self.via_disease}"
        return ""


def treatment_options(G: nx.MultiDiGraph, disease: str, probability: float = 1.0,
                      include_parents: bool = True) -> list[TreatmentOption]:
    """Ranked drugs for ``disease`` (best first); [] when the graph has none."""
    if disease not in G:
        return []
    equivalents = same_as_closure(G, disease)
    targets: dict[str, tuple[str, int]] = {d: ("self" if d == disease else "equivalent", 0) for d in equivalents}
    if include_parents:
        for eq in list(equivalents):
            for parent, depth in ancestors_within(G, eq, MAX_PARENT_DEPTH).items():
                if parent in targets or n_children(G, parent) > TOO_GENERAL_DESCENDANTS:
                    continue
                targets[parent] = ("parent", depth)
    # Drugs some source says are not indicated for this disease (or an equivalent) are excluded,
    # together with their equivalent ids (the same ingredient from another source).
    blocked: set[str] = set()
    for target in equivalents:
        for drug, _, d in G.in_edges(target, data=True):
            if d.get("predicate") == "not_indicated_for":
                blocked |= same_as_closure(G, drug)
    best: dict[str, TreatmentOption] = {}
    for target, (via, depth) in targets.items():
        edges = [(drug, d) for drug, _, d in G.in_edges(target, data=True)
                 if d.get("predicate") in PREDICATE_WEIGHT or d.get("predicate") == "not_indicated_for"]
        if not edges:
            continue
        parent_blocked = {drug for drug, d in edges if d.get("predicate") == "not_indicated_for"}
        for drug, d in edges:
            pred = d.get("predicate")
            if pred not in PREDICATE_WEIGHT or drug in blocked or drug in parent_blocked:
                continue
            score = probability * PREDICATE_WEIGHT[pred] * (PARENT_DISCOUNT ** depth)
            evidence = {k: str(v) for k, v in d.items()
                        if k not in ("predicate", "source", "source_version", "references", "graph")}
            option = TreatmentOption(
                drug, G.nodes[drug].get("label", ""), pred, via, target, G.nodes[target].get("label", ""),
                d.get("source", ""), d.get("source_version", ""), tuple(d.get("references", ())), evidence,
                round(score, 6))
            # one entry per drug (an equivalent drug id from another source counts as the same drug)
            group = min(same_as_closure(G, drug))
            if group not in best or option.score > best[group].score:
                best[group] = option
    return sorted(best.values(), key=lambda o: (-o.score, o.drug_label, o.drug))
