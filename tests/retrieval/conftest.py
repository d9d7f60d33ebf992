"""Shared fixtures for the retrieval tests: a temporary literature folder, the hashing test
encoder, a handful of hand-written documents, and the fixture files in tests/fixtures/literature/."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Document, HashingEncoder, LiteratureIndex, RetrievalConfig

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "literature"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def config() -> RetrievalConfig:
    return RetrievalConfig(encoder="hashing-64")


@pytest.fixture
def hnsw_config() -> RetrievalConfig:
    # a tiny rebuild fraction would hide tombstones; keep the default (0.2) and small docs sets
    return RetrievalConfig(encoder="hashing-64", index_factory="HNSW16,Flat")


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder(64)


@pytest.fixture
def docs() -> list[Document]:
    return [
        Document("1", "Marfan syndrome", "Marfan syndrome is caused by FBN1 variants. Aortic root dilatation is common.", id_type="pmid", year=2019),
        Document("2", "Fever of unknown origin", "Fever of unknown origin is a diagnostic challenge. Infections are the leading cause.", id_type="pmid", year=1999),
        Document("3", "Asthma in children", "Wheeze and cough at night suggest asthma. Inhaled steroids control symptoms.", id_type="pmid", year=2010),
        Document("4", "Gout", "Hyperuricemia causes gout. Colchicine treats acute flares.", id_type="s2", year=2001, source="scifact"),
        Document("5", "Familial Mediterranean fever", "Recurrent fever with serositis. Colchicine prevents attacks and amyloidosis.", id_type="pmid", year=2005, mesh=("Colchicine",)),
        Document("6", "Iron deficiency anaemia", "Fatigue and pallor. Low ferritin confirms iron deficiency.", id_type="pmid", year=2015),
    ]


@pytest.fixture
def lit_path(tmp_path: Path) -> Path:
    return tmp_path / "literature"


@pytest.fixture
def lit(lit_path: Path, config: RetrievalConfig, docs):
    index = LiteratureIndex.open(lit_path, config)
    index.add_documents(docs)
    yield index
    index.close()
