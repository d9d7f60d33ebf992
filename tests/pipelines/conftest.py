"""Shared fixtures for the pipelines tests: a tiny hand-made MEDKG_HOME.

``tiny_home`` holds a graph of ~40 HPO-style phenotypes, 6 diseases and 5 drugs (written
through the real store and view code, so it loads exactly like a built graph) and a literature
index over 6 abstracts with the hashing test encoder (``[retrieval] encoder = "hashing-64"``),
so no real model loads. Building it takes well under a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.config import Home
from kg.records import Edge, Node, SourceData
from kg.store import GraphStore, switch_current
from kg.view import save_base_view, view_from_sources
from kg.vocab import Category, Predicate

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "examples"
TOKEN = "test-token-0123456789abcdef"

P, D, DRUG = Category.PHENOTYPIC_FEATURE, Category.DISEASE, Category.DRUG
HPO_VERSION = "2025-01-16"

# (id, label, synonyms, parents)
PHENOTYPES = [
    ("HP:0000118", "Phenotypic abnormality", (), ()),
    ("HP:0025142", "Constitutional symptom", (), ("HP:0000118",)),
    ("HP:0001945", "Fever", ("Pyrexia", "Febrile"), ("HP:0025142",)),
    ("HP:0025143", "Chills", (), ("HP:0025142",)),
    ("HP:0012378", "Fatigue", ("Tiredness",), ("HP:0025142",)),
    ("HP:0030166", "Night sweats", (), ("HP:0025142",)),
    ("HP:0002086", "Abnormality of the respiratory system", (), ("HP:0000118",)),
    ("HP:0012735", "Cough", (), ("HP:0002086",)),
    ("HP:0031245", "Productive cough", (), ("HP:0012735",)),
    ("HP:0002094", "Dyspnea", ("Shortness of breath", "SOB"), ("HP:0002086",)),
    ("HP:0030828", "Wheezing", (), ("HP:0002086",)),
    ("HP:0002090", "Pneumonia", (), ("HP:0002086",)),
    ("HP:0100749", "Chest pain", (), ("HP:0000118",)),
    ("HP:0033771", "Pleuritic chest pain", (), ("HP:0100749",)),
    ("HP:0000707", "Abnormality of the nervous system", (), ("HP:0000118",)),
    ("HP:0002315", "Headache", (), ("HP:0000707",)),
    ("HP:0001250", "Seizure", ("Seizures",), ("HP:0000707",)),
    ("HP:0001249", "Intellectual disability", (), ("HP:0000707",)),
    ("HP:0025031", "Abnormality of the digestive system", (), ("HP:0000118",)),
    ("HP:0002018", "Nausea", (), ("HP:0025031",)),
    ("HP:0002013", "Vomiting", (), ("HP:0025031",)),
    ("HP:0002014", "Diarrhea", (), ("HP:0025031",)),
    ("HP:0003326", "Myalgia", (), ("HP:0000118",)),
    ("HP:0001903", "Anemia", (), ("HP:0000118",)),
    ("HP:0001626", "Abnormality of the cardiovascular system", (), ("HP:0000118",)),
    ("HP:0004942", "Aortic aneurysm", (), ("HP:0001626",)),
    ("HP:0002616", "Aortic root aneurysm", ("Aortic root dilatation",), ("HP:0004942",)),
    ("HP:0002647", "Aortic dissection", (), ("HP:0001626",)),
    ("HP:0001634", "Mitral valve prolapse", (), ("HP:0001626",)),
    ("HP:0000924", "Abnormality of the skeletal system", (), ("HP:0000118",)),
    ("HP:0001166", "Arachnodactyly", (), ("HP:0000924",)),
    ("HP:0000767", "Pectus excavatum", (), ("HP:0000924",)),
    ("HP:0002650", "Scoliosis", (), ("HP:0000924",)),
    ("HP:0001382", "Joint hypermobility", (), ("HP:0000924",)),
    ("HP:0000098", "Tall stature", (), ("HP:0000118",)),
    ("HP:0000478", "Abnormality of the eye", (), ("HP:0000118",)),
    ("HP:0001083", "Ectopia lentis", ("Lens subluxation",), ("HP:0000478",)),
    ("HP:0000545", "Myopia", (), ("HP:0000478",)),
    ("HP:0011003", "Severe myopia", ("High myopia",), ("HP:0000545",)),
]

# (id, label, [(phenotype, frequency, refs)])
DISEASES = [
    ("OMIM:154700", "Marfan syndrome", [
        ("HP:0000098", "HP:0040281", ("PMID:20591885",)), ("HP:0001166", "HP:0040281", ("PMID:20591885",)),
        ("HP:0001083", "HP:0040282", ("PMID:20591885",)), ("HP:0000767", "HP:0040282", ("OMIM:154700",)),
        ("HP:0002616", "HP:0040281", ("PMID:20591885",)), ("HP:0000545", "HP:0040282", ("OMIM:154700",)),
        ("HP:0001634", "HP:0040282", ("OMIM:154700",)), ("HP:0001382", "HP:0040282", ("OMIM:154700",)),
        ("HP:0002650", "HP:0040282", ("OMIM:154700",))]),
    ("OMIM:609192", "Loeys-Dietz syndrome 1", [
        ("HP:0002616", "HP:0040281", ("OMIM:609192",)), ("HP:0001166", "HP:0040282", ("OMIM:609192",)),
        ("HP:0000767", "HP:0040282", ("OMIM:609192",)), ("HP:0002650", "HP:0040282", ("OMIM:609192",)),
        ("HP:0001382", "HP:0040282", ("OMIM:609192",))]),
    ("OMIM:236200", "Homocystinuria", [
        ("HP:0001083", "HP:0040281", ("OMIM:236200",)), ("HP:0000098", "HP:0040282", ("OMIM:236200",)),
        ("HP:0001249", "HP:0040282", ("OMIM:236200",)), ("HP:0001250", "HP:0040283", ("OMIM:236200",)),
        ("HP:0001166", "HP:0040283", ("OMIM:236200",))]),
    ("ORPHA:99999", "Community-acquired pneumonia", [
        ("HP:0001945", "HP:0040281", ("PMID:31573350",)), ("HP:0012735", "HP:0040281", ("PMID:31573350",)),
        ("HP:0002094", "HP:0040282", ("PMID:31573350",)), ("HP:0033771", "HP:0040283", ("PMID:31573350",)),
        ("HP:0002090", "HP:0040281", ("PMID:31573350",))]),
    ("ORPHA:99998", "Influenza", [
        ("HP:0001945", "HP:0040281", ("ORPHA:99998",)), ("HP:0012735", "HP:0040282", ("ORPHA:99998",)),
        ("HP:0003326", "HP:0040282", ("ORPHA:99998",)), ("HP:0002315", "HP:0040282", ("ORPHA:99998",)),
        ("HP:0025143", "HP:0040282", ("ORPHA:99998",)), ("HP:0012378", "HP:0040281", ("ORPHA:99998",))]),
    ("ORPHA:99997", "Hypothyroidism", [
        ("HP:0012378", "HP:0040281", ("ORPHA:99997",)), ("HP:0003326", "HP:0040283", ("ORPHA:99997",)),
        ("HP:0001903", "HP:0040283", ("ORPHA:99997",))]),
]

DRUGS = [
    ("DRUGBANK:DB00678", "Losartan", "ameliorates", "OMIM:154700"),
    ("DRUGBANK:DB00335", "Atenolol", "ameliorates", "OMIM:154700"),
    ("DRUGBANK:DB01060", "Amoxicillin", "treats", "ORPHA:99999"),
    ("DRUGBANK:DB00198", "Oseltamivir", "treats", "ORPHA:99998"),
    ("DRUGBANK:DB00451", "Levothyroxine", "treats", "ORPHA:99997"),
]

LITERATURE = [
    ("20591885", "The revised Ghent nosology for the Marfan syndrome",
     "Marfan syndrome is a connective tissue disorder. Aortic root dilatation and ectopia lentis are cardinal features."),
    ("31573350", "Diagnosis and treatment of adults with community-acquired pneumonia",
     "Community-acquired pneumonia presents with fever, cough and dyspnea. Amoxicillin is recommended for outpatients."),
    ("11111111", "Influenza in adults",
     "Influenza causes fever, myalgia, headache and fatigue. Oseltamivir shortens illness."),
    ("22222222", "Homocystinuria and lens dislocation",
     "Ectopia lentis with intellectual disability suggests homocystinuria rather than Marfan syndrome."),
    ("33333333", "Fatigue in hypothyroidism", "Fatigue and myalgia are common in hypothyroidism."),
    ("44444444", "Loeys-Dietz syndrome", "Aortic aneurysms and arterial tortuosity define Loeys-Dietz syndrome."),
]


def tiny_sources() -> list[SourceData]:
    from kg.sources.registry import get_source  # noqa: F401  (registers the sources)

    hpo = SourceData("hpo", HPO_VERSION)
    for pid, label, syns, parents in PHENOTYPES:
        hpo.nodes.append(Node(pid, P, label, "hpo", synonyms=tuple(syns)))
        for parent in parents:
            hpo.edges.append(Edge(pid, Predicate.SUBCLASS_OF, parent, "hpo", HPO_VERSION))
    for did, label, anns in DISEASES:
        hpo.nodes.append(Node(did, D, label, "hpo"))
        for pid, freq, refs in anns:
            hpo.edges.append(Edge(did, Predicate.HAS_PHENOTYPE, pid, "hpo", HPO_VERSION, refs,
                                  (("frequency", freq), ("evidence", "TAS"))))
    drugs = SourceData("pharmacotherapydb", "1.0")
    for drug, label, pred, disease in DRUGS:
        drugs.nodes.append(Node(drug, DRUG, label, "pharmacotherapydb"))
        drugs.edges.append(Edge(drug, Predicate(pred), disease, "pharmacotherapydb", "1.0"))
    return [hpo, drugs]


def build_tiny_home(root: Path, *, token: str = "", literature: bool = True) -> Home:
    """Write the tiny graph (and literature index) into a new MEDKG_HOME at ``root``."""
    from kg.sources.registry import get_source

    home = Home(Path(root)).ensure()
    lines = ['[retrieval]', 'encoder = "hashing-64"', 'mode = "hybrid"']
    if token:
        lines += ['[serve]', f'token = "{token}"', 'sparql_timeout_s = 5.0']
    home.config_file.write_text("\n".join(lines) + "\n")
    datas = tiny_sources()
    store_path = home.graph / "stores" / "tiny"
    store = GraphStore.create(store_path)
    infos = []
    for order, data in enumerate(datas):
        spec = get_source(data.name)
        infos.append(store.load_source(data, license=spec.license, citation=spec.citation, order=order))
    store.record_history("build", detail='{"sources": ["hpo", "pharmacotherapydb"]}')
    G = view_from_sources(datas, infos)
    store.close()
    save_base_view(G, home.graph, infos)
    switch_current(home.graph, store_path)
    if literature:
        from retrieval import Document, LiteratureIndex, RetrievalConfig

        with LiteratureIndex.open(home.literature, RetrievalConfig(encoder="hashing-64")) as lit:
            lit.add_documents([Document(i, t, a, id_type="pmid", year=2020) for i, t, a in LITERATURE])
    return home


@pytest.fixture(scope="session")
def tiny_home(tmp_path_factory) -> Home:
    """A read-mostly tiny home with a write token configured (tests must not change its graph)."""
    return build_tiny_home(tmp_path_factory.mktemp("medkg-home"), token=TOKEN)


@pytest.fixture(scope="session")
def workspace(tiny_home):
    from pipelines.workspace import Workspace

    return Workspace.open(home=tiny_home.root).warm()


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray with 2 CPUs for the whole test session (no dashboard, small object store).

    Starts in ~6 s and holds ~0.7 GB (GCS, raylet, agents) besides the actors. Skipped when Ray
    is not installed, except under CI=true, where the test extras must have installed it.
    """
    import os

    try:
        import ray
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ray is not installed (it is in the test extras: pip install '.[test]')")
        pytest.skip("ray is not installed (pip install 'medkg[batch]')")
    if ray.is_initialized():
        yield ray
        return
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(x for x in (str(REPO), before) if x)  # workers import this checkout
    try:
        ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False,
                 object_store_memory=100 * 1024 * 1024)
        yield ray
    finally:
        ray.shutdown()
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before
