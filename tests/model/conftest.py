"""A tiny hand-made phenotype graph for the model tests (and the model package's doctests).

Phenotype DAG (child -> parent)::

    HP:0000001 All
    └─ HP:0000118 Phenotypic abnormality
       ├─ HP:0000002 Abnormality A ── HP:0000003 A one, HP:0000004 A two
       ├─ HP:0000006 Abnormality B ── HP:0000007 B one (alt id HP:0000012), HP:0000008 B two
       └─ HP:0000009 Abnormality C ── HP:0000010 C one
    HP:0000011 obsolete, replaced by HP:0000003

Diseases (frequencies as HPO writes them) and one NOT annotation:

    OMIM:100001  A one 3/4, B one HP:0040282 (frequent)
    OMIM:100002  A two HP:0040281, B two HP:0040283, C one (no frequency)
    OMIM:100003  Abnormality A 1/1, C one 25%
    OMIM:100004  B one HP:0040280 (obligate), Abnormality C HP:0040283; NOT A one
    ORPHA:5      A one, A two, B two (no frequencies)
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from kg.ids import build_alias_table

TERMS = {
    "HP:0000001": ("All", None),
    "HP:0000118": ("Phenotypic abnormality", "HP:0000001"),
    "HP:0000002": ("Abnormality A", "HP:0000118"),
    "HP:0000003": ("A one", "HP:0000002"),
    "HP:0000004": ("A two", "HP:0000002"),
    "HP:0000006": ("Abnormality B", "HP:0000118"),
    "HP:0000007": ("B one", "HP:0000006"),
    "HP:0000008": ("B two", "HP:0000006"),
    "HP:0000009": ("Abnormality C", "HP:0000118"),
    "HP:0000010": ("C one", "HP:0000009"),
}
DISEASES = {
    "OMIM:100001": ("Disease one", [("HP:0000003", "3/4"), ("HP:0000007", "HP:0040282")]),
    "OMIM:100002": ("Disease two", [("HP:0000004", "HP:0040281"), ("HP:0000008", "HP:0040283"), ("HP:0000010", None)]),
    "OMIM:100003": ("Disease three", [("HP:0000002", "1/1"), ("HP:0000010", "25%")]),
    "OMIM:100004": ("Disease four", [("HP:0000007", "HP:0040280"), ("HP:0000009", "HP:0040283")]),
    "ORPHA:5": ("Disease five", [("HP:0000003", None), ("HP:0000004", None), ("HP:0000008", None)]),
}
NOT = [("OMIM:100004", "HP:0000003")]


def tiny_graph(version: str = "tiny-v1", drop: tuple[str, ...] = ()) -> nx.MultiDiGraph:
    """The fixture graph; ``drop`` leaves out phenotype terms (to build an 'older' graph)."""
    G = nx.MultiDiGraph()
    for tid, (label, parent) in TERMS.items():
        if tid in drop:
            continue
        extra = {"alt_ids": ("HP:0000012",)} if tid == "HP:0000007" else {}
        G.add_node(tid, category="PhenotypicFeature", label=label, source="hpo", **extra)
    G.add_node("HP:0000011", category="PhenotypicFeature", label="obsolete A one", obsolete=True,
               replaced_by="HP:0000003", source="hpo")
    n = 0
    for tid, (_, parent) in TERMS.items():
        if parent and tid not in drop and parent not in drop:
            G.add_edge(tid, parent, key=f"s{n}", predicate="subclass_of", source="hpo", source_version="t",
                       references=(), graph="g")
            n += 1
    for i, (did, (label, anns)) in enumerate(DISEASES.items()):
        G.add_node(did, category="Disease", label=label, source="hpo")
        for j, (tid, freq) in enumerate(anns):
            if tid in drop:
                continue
            attrs = {"frequency": freq} if freq else {}
            G.add_edge(did, tid, key=f"a{i}-{j}", predicate="has_phenotype", source="hpo", source_version="t",
                       references=(f"PMID:{1000 + i}",), graph="g", **attrs)
    for did, tid in NOT:
        G.add_edge(did, tid, key=f"n-{did}", predicate="lacks_phenotype", source="hpo", source_version="t",
                   references=("PMID:2000",), graph="g")
    G.graph["version"] = version
    G.graph["version_label"] = f"tiny@{version}"
    G.graph["aliases"] = build_alias_table(G)
    return G


@pytest.fixture
def G() -> nx.MultiDiGraph:
    return tiny_graph()


@pytest.fixture
def T(G):
    from model.annotations import build_annotation_table

    return build_annotation_table(G)


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "phenopackets"


@pytest.fixture
def phenopacket_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny Transformer trained on the fixture graph in seconds (shared by the tests)."""
    from model.train import TrainConfig, train

    out = tmp_path_factory.mktemp("models") / "graph-transformer"
    result = train(tiny_graph(), out, TrainConfig.profile("tiny"))
    return result
