"""kg/vocab.py: predicates and categories as enums, CURIE <-> IRI, prefix aliases."""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.vocab import (BIOLINK, MEDKG, PREFIXES, Category, Predicate, compress, expand, is_curie,
                      normalise_curie, prefix_of)


def test_misspelt_predicate_fails_at_once():
    with pytest.raises(ValueError, match="'has_phenotyp' is not a valid Predicate"):
        Predicate("has_phenotyp")
    with pytest.raises(InputError, match=r"unknown predicate 'treat'; valid predicates: subclass_of, .*treats"):
        Predicate.parse("treat")
    with pytest.raises(ValueError):
        Category("Diseases")


@pytest.mark.parametrize("text", ["treats", "biolink:treats", " treats ", BIOLINK + "treats"])
def test_predicate_parse_accepts_name_curie_iri(text):
    assert Predicate.parse(text) is Predicate.TREATS


def test_predicate_iris_round_trip():
    for p in Predicate:
        assert Predicate.from_iri(p.iri) is p
        assert Predicate.parse(p.iri) is p
    assert Predicate.LACKS_PHENOTYPE.iri == MEDKG + "lacks_phenotype"
    assert Predicate.HAS_PHENOTYPE.iri == BIOLINK + "has_phenotype"
    assert Predicate.parse("medkg:lacks_phenotype") is Predicate.LACKS_PHENOTYPE
    with pytest.raises(ValueError, match="not a medkg predicate IRI"):
        Predicate.from_iri("http://example.org/treats")


def test_category_iri():
    assert Category.DISEASE.iri == BIOLINK + "Disease"
    assert Category("PhenotypicFeature") is Category.PHENOTYPIC_FEATURE


LOCAL_IDS = {"HP": "0001945", "MONDO": "0007947", "DOID": "14330", "SYMP": "0000613", "OMIM": "154700",
             "ORPHA": "558", "DECIPHER": "1", "DRUGBANK": "DB00537", "RXNORM": "161", "UMLS": "C0015967",
             "MESH": "D003920", "ICD10CM": "E11.9", "NCBIGene": "4000", "PMID": "20591885",
             "ISBN": "9780199600083", "MEDKG": "guideline-1"}


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_expand_compress_round_trip_for_every_prefix(prefix):
    curie = f"{prefix}:{LOCAL_IDS[prefix]}"
    iri = expand(curie)
    assert iri == PREFIXES[prefix] + LOCAL_IDS[prefix]
    assert compress(iri) == curie
    assert prefix_of(curie) == prefix
    assert is_curie(curie)


def test_every_prefix_has_a_test_id():
    assert set(LOCAL_IDS) == set(PREFIXES)


def test_obo_purls():
    assert expand("HP:0001945") == "http://purl.obolibrary.org/obo/HP_0001945"
    assert expand("MONDO:0007947") == "http://purl.obolibrary.org/obo/MONDO_0007947"


def test_unknown_prefix_and_not_a_curie():
    with pytest.raises(InputError, match=r"unknown id prefix 'FOO' in 'FOO:1'; known prefixes: HP, MONDO"):
        expand("FOO:1")
    with pytest.raises(InputError, match=r"IRI 'http://example.org/x' has no known prefix"):
        compress("http://example.org/x")
    with pytest.raises(InputError, match=r"'fever' is not a CURIE"):
        prefix_of("fever")
    assert not is_curie("fever") and not is_curie("FOO:1")


@pytest.mark.parametrize("raw, canon", [
    ("MIM:219700", "OMIM:219700"),
    ("OMIM:219700", "OMIM:219700"),
    ("Orphanet:558", "ORPHA:558"),
    ("ORDO:558", "ORPHA:558"),
    ("MSH:D003920", "MESH:D003920"),
    ("MESH:D003920", "MESH:D003920"),
    ("UMLS_CUI:C0015967", "UMLS:C0015967"),
    ("ICD10:E11.9", "ICD10CM:E11.9"),
    ("NCBIGENE:4000", "NCBIGene:4000"),
    ("ncbigene:4000", "NCBIGene:4000"),
    ("DB:DB00537", "DRUGBANK:DB00537"),
    ("DrugBank:DB00537", "DRUGBANK:DB00537"),
    ("hp:0001945", "HP:0001945"),
    ("mondo:0007947", "MONDO:0007947"),
    ('  "HP:0001945" ', "HP:0001945"),
    ("SNOMEDCT_US:386661006", "SNOMEDCT_US:386661006"),  # unknown prefixes are kept as they are
])
def test_normalise_curie_aliases(raw, canon):
    assert normalise_curie(raw) == canon


def test_normalise_curie_rejects_plain_words():
    with pytest.raises(InputError, match="'fever' is not a CURIE"):
        normalise_curie("fever")
