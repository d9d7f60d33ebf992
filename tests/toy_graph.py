"""A tiny, hand-made graph for tests: SYNTHETIC data shaped like the real sources.

Ids are real HPO / OMIM / DOID / DrugBank ids so that messages read naturally, but the
edges, frequencies and references here are illustrative test data, not medical claims.
"""

from __future__ import annotations

from pathlib import Path

from kg.build import write_store
from kg.config import Home
from kg.records import Edge, Node, SourceData
from kg.vocab import Category, Predicate

PF, DIS, DRUG = Category.PHENOTYPIC_FEATURE, Category.DISEASE, Category.DRUG
HAS, SUB, SAME = Predicate.HAS_PHENOTYPE, Predicate.SUBCLASS_OF, Predicate.SAME_AS

TERMS = [
    ("HP:0000118", "Phenotypic abnormality", None, (), ()),
    ("HP:0001939", "Abnormality of metabolism/homeostasis", "HP:0000118", (), ()),
    ("HP:0001945", "Fever", "HP:0001939", ("Pyrexia",), ("High temperature",)),
    ("HP:0002086", "Abnormality of the respiratory system", "HP:0000118", (), ()),
    ("HP:0012735", "Cough", "HP:0002086", (), ()),
    ("HP:0002094", "Dyspnea", "HP:0002086", ("Shortness of breath",), ("Trouble breathing",)),
    ("HP:0002090", "Pneumonia", "HP:0002086", (), ()),
    ("HP:0000924", "Abnormality of the skeletal system", "HP:0000118", (), ()),
    ("HP:0001166", "Arachnodactyly", "HP:0000924", (), ("Long slender fingers",)),
    ("HP:0000098", "Tall stature", "HP:0000924", (), ()),
    ("HP:0000478", "Abnormality of the eye", "HP:0000118", (), ()),
    ("HP:0001083", "Ectopia lentis", "HP:0000478", (), ("Dislocated lens",)),
    ("HP:0000707", "Abnormality of the nervous system", "HP:0000118", (), ()),
    ("HP:0001250", "Seizure", "HP:0000707", ("Seizures",), ()),
    ("HP:0001249", "Intellectual disability", "HP:0000707", (), ()),
    ("HP:0002616", "Aortic root aneurysm", "HP:0000118", ("Aortic root dilatation",), ()),
]


def toy_sources() -> list[tuple[SourceData, str, str]]:
    """(data, licence, citation) for a toy 'hpo' source and a toy 'pharmacotherapydb' source."""
    nodes = [Node(i, PF, label, "hpo", synonyms=syn, lay_synonyms=lay) for i, label, _, syn, lay in TERMS]
    nodes.append(Node("HP:0001954", PF, "obsolete Recurrent fever", "hpo", obsolete=True, replaced_by="HP:0001945"))
    edges = [Edge(i, SUB, parent, "hpo", "toy-1") for i, _, parent, _, _ in TERMS if parent]
    diseases = {
        "OMIM:154700": ("Marfan syndrome", [("HP:0001166", "HP:0040281"), ("HP:0000098", "HP:0040281"),
                                            ("HP:0001083", "HP:0040282"), ("HP:0002616", "HP:0040281")]),
        "OMIM:236200": ("Homocystinuria", [("HP:0001083", "HP:0040281"), ("HP:0001249", "HP:0040282"),
                                           ("HP:0001166", "HP:0040282"), ("HP:0001250", "HP:0040283")]),
        "OMIM:999001": ("Toy febrile respiratory syndrome", [("HP:0001945", "HP:0040281"), ("HP:0012735", "HP:0040281"),
                                                             ("HP:0002094", "HP:0040282"), ("HP:0002090", "HP:0040282")]),
        "OMIM:999002": ("Toy seizure disorder", [("HP:0001250", "HP:0040280"), ("HP:0001249", "HP:0040282")]),
    }
    for did, (label, phenos) in diseases.items():
        nodes.append(Node(did, DIS, label, "hpo"))
        for j, (hp, freq) in enumerate(phenos):
            edges.append(Edge(did, HAS, hp, "hpo", "toy-1", (f"PMID:{1000 + j}",), (("frequency", freq), ("evidence", "PCS"))))
    edges.append(Edge("OMIM:154700", Predicate.LACKS_PHENOTYPE, "HP:0001249", "hpo", "toy-1", ("OMIM:154700",)))
    hpo = SourceData("hpo", "toy-1", nodes, edges, {"terms": len(TERMS)})
    drugs = SourceData("pharmacotherapydb", "toy-1.0", [
        Node("DOID:552", DIS, "pneumonia", "pharmacotherapydb"),
        Node("DRUGBANK:DB01060", DRUG, "Amoxicillin", "pharmacotherapydb"),
        Node("DRUGBANK:DB00254", DRUG, "Doxycycline", "pharmacotherapydb"),
        Node("DRUGBANK:DB00316", DRUG, "Acetaminophen", "pharmacotherapydb"),
        Node("DRUGBANK:DB00537", DRUG, "Ciprofloxacin", "pharmacotherapydb"),
    ], [
        Edge("OMIM:999001", SAME, "DOID:552", "pharmacotherapydb", "toy-1.0"),
        Edge("DRUGBANK:DB01060", Predicate.TREATS, "DOID:552", "pharmacotherapydb", "toy-1.0", (), (("n_curators", "2"),)),
        Edge("DRUGBANK:DB00254", Predicate.TREATS, "DOID:552", "pharmacotherapydb", "toy-1.0", (), (("n_curators", "1"),)),
        Edge("DRUGBANK:DB00316", Predicate.AMELIORATES, "DOID:552", "pharmacotherapydb", "toy-1.0"),
        Edge("DRUGBANK:DB00537", Predicate.NOT_INDICATED_FOR, "DOID:552", "pharmacotherapydb", "toy-1.0"),
        Edge("DRUGBANK:DB00537", Predicate.TREATS, "DOID:552", "other-source", "x"),
    ], {})
    return [(hpo, "toy licence (test data)", "toy citation"), (drugs, "CC0", "")]


def make_toy_home(root: Path) -> Home:
    """Build the toy graph into a fresh MEDKG_HOME at ``root``."""
    home = Home(Path(root)).ensure()
    write_store(home, toy_sources())
    return home
