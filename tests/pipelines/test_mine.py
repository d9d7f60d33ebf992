"""`medkg literature mine`: co-mention counts, Fisher's exact test, PMIDs only for PubMed ids, and a
proposal that `medkg update --dry-run` reads (tiny home + hand-written abstracts)."""

from __future__ import annotations

import json
import math
import sys

import pytest
from scipy.stats import fisher_exact
from typer.testing import CliRunner

from kg.guidelines import parse_guideline
from pipelines.cli import app, main
from pipelines.config import load_settings
from pipelines.mine import Mentions, associate, fisher_greater, mine_literature
from tests.conftest import require_shared
from tests.pipelines.conftest import build_tiny_home

runner = CliRunner()

# Extra abstracts (hand-written for the test): influenza with headache three more times, once from
# a SciFact-style Semantic Scholar id that must be counted but never cited as a PMID.
EXTRA = [
    ("90000001", "pmid", "Headache in influenza", "Influenza often starts with headache and fever."),
    ("90000002", "pmid", "Influenza outbreak", "In this outbreak of influenza, headache was reported by most."),
    ("4983", "s2", "Influenza symptoms", "Influenza presents with headache; wheezing was rare."),
    ("90000003", "pmid", "Pneumonia without headache", "Community-acquired pneumonia with cough and no headache."),
    ("90000004", "pmid", "Seizures", "Seizures in adults."),
    ("90000005", "pmid", "Anemia", "Anemia in the elderly."),
]


@pytest.fixture(scope="module")
def mine_home(tmp_path_factory):
    from retrieval import Document, LiteratureIndex, RetrievalConfig

    home = build_tiny_home(tmp_path_factory.mktemp("mine-home"))
    with LiteratureIndex.open(home.literature, RetrievalConfig(encoder="hashing-64")) as lit:
        lit.add_documents([Document(i, t, a, id_type=kind) for i, kind, t, a in EXTRA])
    return home


def test_fisher_matches_scipy():
    for a, n, nd, np_ in ((3, 10, 3, 3), (2, 1000, 3, 5), (14, 1000, 30, 123), (1, 50, 10, 10)):
        table = [[a, nd - a], [np_ - a, n - nd - np_ + a]]
        assert math.isclose(fisher_greater(a, n, nd, np_), fisher_exact(table, alternative="greater")[1], rel_tol=1e-9)


def test_associate_counts_and_cites_only_pmids():
    docs = [("1", "pmid", Mentions(("D:1",), ("P:1", "P:2"))),
            ("S", "s2", Mentions(("D:1",), ("P:1",))),
            ("2", "pmid", Mentions(("D:2",), ("P:2",))),
            ("3", "pmid", Mentions((), ("P:2",))),
            ("x", "pmid", Mentions(ok=False))]
    n, pairs = associate(docs)
    assert n == 4                                   # the unreadable document is not counted
    by = {(p.disease, p.phenotype): p for p in pairs}
    assert set(by) == {("D:1", "P:1"), ("D:1", "P:2"), ("D:2", "P:2")}
    d1p1 = by[("D:1", "P:1")]
    assert (d1p1.documents, d1p1.disease_documents, d1p1.phenotype_documents) == (2, 2, 2)
    assert d1p1.pmids == ("1",)                     # the S2 document counts, but is never cited
    assert pairs[0] is d1p1 and d1p1.p_value == pytest.approx(fisher_greater(2, 4, 2, 2))
    assert all(p.q_value >= p.p_value for p in pairs)


def test_mine_writes_a_proposal_update_dry_run_reads(mine_home, tmp_path):
    out = tmp_path / "proposal.tsv"
    res = runner.invoke(app, ["literature", "mine", "--out", str(out), "--home", str(mine_home.root),
                              "--min-documents", "3", "--max-q", "0.5", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["documents"] == summary["documents_read"] == 12 and summary["pmid_documents"] == 11
    g = parse_guideline(out)
    rows = {(s.subject, s.object): s for s in g.statements}
    # influenza + headache: 11111111 and the two new PubMed abstracts, plus the S2 one (not cited);
    # the negated headache in 90000003 does not count
    flu = rows[("ORPHA:99998", "HP:0002315")]
    assert flu.predicate.value == "has_phenotype"
    assert flu.references == ("PMID:11111111", "PMID:90000001", "PMID:90000002")
    assert "co-mentioned in 4 of 12" in flu.note and "phenotype in 4" in flu.note
    assert float(flu.score) == pytest.approx(-math.log10(fisher_greater(4, 12, 4, 4)), abs=0.01)
    assert all("4983" not in ";".join(s.references) for s in g.statements)
    assert all(s.score for s in g.statements) and g.key == "medkg/literature-mined"
    plan = runner.invoke(app, ["update", str(out), "--dry-run", "--home", str(mine_home.root), "--json"])
    assert plan.exit_code == 0, plan.output
    assert "dry" in plan.stdout.lower() or "added" in plan.stdout


def test_mine_thresholds_and_errors(mine_home, tmp_path, monkeypatch, capsys):
    settings = load_settings(home=mine_home.root)
    strict = mine_literature(settings, tmp_path / "p.tsv", min_documents=1, max_q=1.0, only_new=True)
    assert strict.proposed == len(parse_guideline(tmp_path / "p.tsv").statements)
    assert strict.already_in_graph == 0             # --only-new drops pairs the graph has
    cases = [(["--min-documents", "50"], "no disease-phenotype pair passes"), (["--max-q", "0"], "--max-q")]
    for extra, message in cases:
        monkeypatch.setattr(sys, "argv", ["medkg", "literature", "mine", "--out", str(tmp_path / "x.tsv"),
                                          "--home", str(mine_home.root), *extra])
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.tsv").exists()


@pytest.mark.slow
def test_mine_on_ray_equals_in_process(ray_local, mine_home, tmp_path):
    settings = load_settings(home=mine_home.root)
    here = mine_literature(settings, tmp_path / "here.tsv", min_documents=1, max_q=1.0)
    there = mine_literature(settings, tmp_path / "there.tsv", min_documents=1, max_q=1.0, ray="local", workers=2,
                            chunk_size=2)
    assert (there.engine, there.workers) == ("ray", 2)
    body = lambda p: [x for x in p.read_text().splitlines() if not x.startswith("# date")]  # noqa: E731
    assert body(tmp_path / "here.tsv") == body(tmp_path / "there.tsv")
    assert here.co_mentioned_pairs == there.co_mentioned_pairs


@pytest.mark.slow
def test_mine_pubmedqa_abstracts(tmp_path):
    """The real PubMedQA abstracts (1,000 PubMed ids) mined against the tiny graph's vocabulary."""
    from retrieval.documents import DocumentStore
    from retrieval.parsers import read_documents

    path = require_shared("literature/pubmedqa/ori_pqal.json")
    home = build_tiny_home(tmp_path / "home", literature=False)
    docs = list(read_documents(path))
    store = DocumentStore(home.literature / "documents.sqlite")   # mining reads the store only
    with store.transaction():
        store.upsert(docs)
    store.close()
    result = mine_literature(load_settings(home=home.root), tmp_path / "p.tsv", min_documents=1, max_q=1.0)
    assert result.documents_read == result.pmid_documents == 1000
    assert result.co_mentioned_pairs >= result.proposed > 0
    ids = {d.id for d in docs}
    g = parse_guideline(tmp_path / "p.tsv")
    assert all(r.startswith("PMID:") and r[5:] in ids for s in g.statements for r in s.references)


def test_applied_proposal_keeps_the_score_on_the_edge(tmp_path):
    """Only when a person applies it: the score travels to the edge as a qualifier."""
    from kg.update import apply_update
    from kg.view import load_view
    from pipelines.mine import MinedPair, write_proposal

    home = build_tiny_home(tmp_path / "home", literature=False)
    G = load_view(home)
    pair = MinedPair("ORPHA:99997", "HP:0001945", 3, 3, 4, 1e-3, 2e-3, 5.0, ("33333333",))
    path = tmp_path / "proposal.tsv"
    path.write_text(write_proposal([pair], G, documents=12, version="test-1"), encoding="utf-8")
    apply_update(home, path, applied_by="test")
    edges = [d for d in load_view(home).get_edge_data("ORPHA:99997", "HP:0001945").values()
             if d.get("predicate") == "has_phenotype"]
    assert len(edges) == 1 and edges[0]["score"] == "3.00" and edges[0]["references"] == ("PMID:33333333",)
