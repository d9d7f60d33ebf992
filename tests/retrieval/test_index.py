"""tests for retrieval/index.py: add, update, remove, persist, mismatch, crash safety, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kg.errors import IndexMismatch, InputError
from retrieval import Document, DocumentStore, HashingEncoder, LiteratureIndex, RetrievalConfig
from retrieval.lexical import LexicalIndex


def ids(hits):
    return [h.id for h in hits]


def test_empty_index_gives_empty_results(lit_path, config):
    lit = LiteratureIndex.open(lit_path, config)
    for mode in ("bm25", "dense", "hybrid"):
        assert lit.search("fever", mode=mode) == []
    stats = lit.stats()
    assert stats.documents == 0 and lit.index_version == "empty" and len(lit) == 0
    assert lit.remove(["nope"]).missing == ["nope"]


def test_add_and_search_each_mode(lit, docs):
    assert lit.stats().documents == len(docs)
    for mode in ("bm25", "dense", "hybrid"):
        hits = lit.search("colchicine serositis recurrent fever", k=3, mode=mode)
        assert hits[0].id == "5", mode
    hit = lit.search("ferritin", k=1, mode="bm25")[0]
    assert (hit.id, hit.id_type, hit.year, hit.snippet) == ("6", "pmid", 2015, "Low ferritin confirms iron deficiency.")
    assert hit.curie == "PMID:6" and hit.to_dict()["curie"] == "PMID:6"
    assert lit.get("4").curie == "S2:4" and lit.get("404") is None


def test_repeated_id_updates(lit):
    before = lit.index_version
    res = lit.add_documents([Document("2", "Kawasaki disease", "Prolonged fever with conjunctivitis and strawberry tongue.", id_type="pmid")])
    assert (res.added, res.updated, res.documents) == (0, 1, 6)
    assert lit.get("2").title == "Kawasaki disease" and lit.index_version != before
    assert lit.search("strawberry tongue", k=1, mode="bm25")[0].id == "2"
    assert lit.search("diagnostic challenge unknown origin", k=6, mode="bm25") == []  # old text is gone
    assert len(lit.dense) == 6 and lit.dense.tombstones == 0
    again = lit.add_documents([lit.get("2")])
    assert (again.unchanged, again.index_version) == (1, res.index_version)


def test_last_duplicate_in_one_batch_wins(lit_path, config):
    lit = LiteratureIndex.open(lit_path, config)
    res = lit.add_documents([Document("x", "first", "one"), Document("x", "second", "two")])
    assert res.added == 1 and lit.get("x").title == "second"


@pytest.mark.parametrize("factory", ["Flat", "HNSW16,Flat", "IVF2,Flat"])
def test_remove_every_index_type(lit_path, docs, factory):
    config = RetrievalConfig(encoder="hashing-64", index_factory=factory, tombstone_rebuild_fraction=0.4)
    lit = LiteratureIndex.open(lit_path, config)
    lit.add_documents(docs)
    res = lit.remove(["5", "unknown"])
    assert (res.removed, res.missing, res.documents) == (1, ["unknown"], 5)
    for mode in ("bm25", "dense", "hybrid"):
        assert "5" not in ids(lit.search("colchicine recurrent fever serositis", k=10, mode=mode))
    assert len(lit.search("fever", k=10, mode="dense")) == 5
    if factory.startswith("HNSW"):
        assert lit.dense.tombstones == 1  # HNSW cannot remove: tombstoned, filtered at query time
        lit.close()
        reopened = LiteratureIndex.open(lit_path, config)
        assert reopened.dense.tombstones == 1
        assert "5" not in ids(reopened.search("colchicine", k=10, mode="dense"))
        reopened.remove(["1", "2"])  # 3 of 6 tombstoned > 0.4 -> rebuilt
        assert reopened.dense.tombstones == 0 and len(reopened.dense) == 3
    else:
        assert lit.dense.tombstones == 0


def test_persist_and_reload(lit, lit_path, config):
    version = lit.index_version
    expected = ids(lit.search("fever colchicine", k=5))
    lit.close()
    reopened = LiteratureIndex.open(lit_path, config)
    assert reopened.index_version == version
    assert ids(reopened.search("fever colchicine", k=5)) == expected
    meta = json.loads((lit_path / (lit_path / "CURRENT").read_text().strip() / "meta.json").read_text())
    assert {"model", "dim", "normalized", "documents", "store_checksum", "index_factory"} <= meta.keys()
    assert (meta["model"], meta["dim"], meta["documents"]) == ("hashing-64", 64, 6)


def test_other_factory_rebuilds_from_saved_vectors(lit, lit_path):
    lit.close()
    hnsw = LiteratureIndex.open(lit_path, RetrievalConfig(encoder="hashing-64", index_factory="HNSW16,Flat"))
    assert hnsw.dense.factory == "HNSW16,Flat" and hnsw.search("gout", k=1, mode="dense")[0].id == "4"


def test_mismatch_other_model(lit, lit_path):
    lit.close()
    with pytest.raises(IndexMismatch, match="built with encoder 'hashing-64'.*configured encoder is 'hashing-32'"):
        LiteratureIndex.open(lit_path, RetrievalConfig(encoder="hashing-32"))
    with pytest.raises(IndexMismatch, match="built with encoder 'hashing-64'"):
        LiteratureIndex.open(lit_path, RetrievalConfig(encoder="hashing-64"), encoder=HashingEncoder(64, name="other"))


def test_mismatch_store_changed_then_rebuild(lit, lit_path, config):
    lit.close()
    store = DocumentStore(lit_path / "documents.sqlite")
    with store.transaction():
        store.upsert([Document("99", "Sneaked in", "Added behind the index's back.")])
    store.close()
    with pytest.raises(IndexMismatch, match="does not match its document store .*7 documents in the store, 6 indexed"):
        LiteratureIndex.open(lit_path, config)
    stale = LiteratureIndex.open(lit_path, config, verify=False)
    assert stale.stale and stale.search("fever") == []
    with pytest.raises(IndexMismatch, match="only a rebuild"):
        stale.add_documents([Document("100", "t", "a")])
    stale.rebuild()
    stale.close()
    fixed = LiteratureIndex.open(lit_path, config)
    assert fixed.search("sneaked", k=1, mode="bm25")[0].id == "99"


def test_rebuild_with_new_model(lit, lit_path):
    lit.close()
    other = RetrievalConfig(encoder="hashing-32")
    index = LiteratureIndex.open(lit_path, other, verify=False)
    index.rebuild()
    index.close()
    index = LiteratureIndex.open(lit_path, other)
    assert index.stats().dim == 32 and index.search("gout", k=1, mode="dense")[0].id == "4"


def test_crash_mid_add_leaves_old_state(lit, lit_path, config, monkeypatch):
    version = lit.index_version
    gens = sorted(p.name for p in lit_path.glob("gen-*"))

    def boom(self, *a, **kw):
        raise RuntimeError("simulated crash while building BM25")

    monkeypatch.setattr(LexicalIndex, "build", boom)
    new = [Document(str(i), f"new {i}", "Brand new document.") for i in range(100, 110)]
    with pytest.raises(RuntimeError, match="simulated crash"):
        lit.add_documents(new)
    monkeypatch.undo()
    assert lit.store.count() == 6 and lit.get("100") is None  # store rolled back
    assert sorted(p.name for p in lit_path.glob("gen-*")) == gens and not list(lit_path.glob(".tmp-gen-*"))
    lit.close()
    reopened = LiteratureIndex.open(lit_path, config)
    assert reopened.index_version == version and len(reopened) == 6
    assert reopened.search("brand new", mode="bm25") == []


def test_crash_after_commit_before_switch_rolls_forward(lit, lit_path, config, monkeypatch):
    def crash(self, gen):
        raise KeyboardInterrupt

    monkeypatch.setattr(LiteratureIndex, "_switch", crash)
    with pytest.raises(KeyboardInterrupt):
        lit.add_documents([Document("200", "Sarcoidosis", "Non-caseating granulomas in the lung.")])
    monkeypatch.undo()
    lit.close()
    reopened = LiteratureIndex.open(lit_path, config)  # store committed: the complete new generation is adopted
    assert len(reopened) == 7 and reopened.search("granulomas", k=1, mode="bm25")[0].id == "200"
    assert (lit_path / "CURRENT").read_text().strip() == f"gen-{reopened.stats().generation:06d}"


def test_malformed_file_adds_nothing(lit, tmp_path, fixtures):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a1", "title": "ok", "abstract": "fine"}\n{"id": "a2", "title": \n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        lit.add_files([fixtures / "pubmed_sample.xml", bad])
    assert lit.store.count() == 6 and lit.get("11111111") is None and lit.get("a1") is None


def test_add_files_all_formats(lit, fixtures):
    res = lit.add_files([fixtures / "pubmed_sample.xml", fixtures / "pubmedqa_sample.json", fixtures / "sample.jsonl"])
    assert res.added == 7 and res.documents == 13
    assert lit.search("ectopia lentis", k=1)[0].id == "11111111"
    by_type = lit.stats().by_id_type
    assert by_type["pmid"] == 5 + 2 + 2 + 1 and by_type["s2"] == 1


@pytest.mark.parametrize(
    "query,kwargs,message",
    [
        ("", {}, "empty query"),
        ("   \n", {}, "empty query"),
        ("x" * 100_000, {}, "query is 100,000 characters long; the limit is 10,000"),
        (42, {}, "query must be text"),
        ("fever", {"mode": "fuzzy"}, "search mode must be one of bm25, dense, hybrid; got 'fuzzy'"),
        ("fever", {"k": 0}, "k must be a positive whole number"),
    ],
)
def test_bad_queries(lit, query, kwargs, message):
    with pytest.raises(InputError, match=message):
        lit.search(query, **kwargs)


def test_bad_input_to_writes(lit, tmp_path):
    with pytest.raises(InputError, match="unknown literature file format"):
        lit.add_files([tmp_path / "notes.docx"])
    with pytest.raises(InputError, match="no literature files given"):
        lit.add_files([])
    with pytest.raises(InputError, match="no document ids"):
        lit.remove([])
    with pytest.raises(InputError, match="takes Document objects"):
        lit.add_documents([{"id": "1"}])
    with pytest.raises(InputError, match="id_type must be one of pmid, s2, doi, other"):
        Document("1", "t", "a", id_type="pubmed")


def test_query_expansion_hook_used_by_the_benchmark(lit):
    assert lit.search("xyzzy", mode="bm25") == []
    ranked = lit._rank("xyzzy", 5, 100, "bm25", expand=lambda q: ["hyperuricemia"])
    assert [lit.store.by_keys([key])[key].id for key, _ in ranked] == ["4"]


def test_precomputed_embeddings(lit_path, config, docs):
    lit = LiteratureIndex.open(lit_path, config)
    vecs = HashingEncoder(64).encode([d.text for d in docs])
    lit.add_documents(docs, embeddings=vecs)
    assert lit.search("gout", k=1, mode="dense")[0].id == "4"
    with pytest.raises(InputError, match="2 embeddings for 6 documents"):
        lit.add_documents(docs, embeddings=np.zeros((2, 64), dtype=np.float32))


def test_rrf_fusion(lit_path, docs):
    lit = LiteratureIndex.open(lit_path, RetrievalConfig(encoder="hashing-64", fusion="rrf"))
    lit.add_documents(docs)
    assert lit.search("colchicine serositis", k=1)[0].id == "5"


def test_two_handles_do_not_lose_each_others_writes(lit_path, config, docs):
    first = LiteratureIndex.open(lit_path, config)
    second = LiteratureIndex.open(lit_path, config)
    first.add_documents(docs[:3])
    second.add_documents(docs[3:])
    assert len(second) == 6 and len(second.dense) == 6
    reopened = LiteratureIndex.open(lit_path, config)
    assert len(reopened.search("fever", k=10, mode="dense")) == 6
