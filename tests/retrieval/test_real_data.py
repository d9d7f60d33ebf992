"""Real model and real data: the packaged MiniLM offline, and the SciFact corpus from ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval import LiteratureIndex, RetrievalConfig, SentenceEncoder, read_documents

SCIFACT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "literature" / "scifact" / "corpus.jsonl.gz"


@pytest.mark.slow
def test_packaged_minilm_loads_offline_and_searches(lit_path, docs, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    enc = SentenceEncoder("all-MiniLM-L6-v2")
    vecs = enc.encode(["high temperature", "fever", "broken bone"])
    assert vecs.shape == (3, 384) and enc.dim == 384
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])  # a real semantic neighbour
    lit = LiteratureIndex.open(lit_path, RetrievalConfig(), encoder=enc)
    lit.add_documents(docs)
    # no shared word with document 6's text: only the dense side can find it
    assert lit.search("anemia tiredness", k=1, mode="dense")[0].id == "6"
    assert lit.search("anemia tiredness", k=3, mode="hybrid")[0].id == "6"


def test_scifact_smoke():
    if not SCIFACT.exists():
        reason = f"SciFact corpus not found at {SCIFACT}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: the shared data must be present)")
        print(f"skipping: {reason}")
        pytest.skip(reason)
    docs = list(read_documents(SCIFACT))
    assert len(docs) == 5183
    assert all(d.id_type == "s2" and d.source == "scifact" for d in docs)
    assert docs[0].id == "4983" and docs[0].title.startswith("Microstructural development")
