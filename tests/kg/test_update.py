"""kg/update.py: plan, apply, supersede, rollback, why, history on a tiny graph home."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kg.errors import ConceptNotFound, GuidelineError, InputError, StoreError
from kg.guidelines import parse_guideline
from kg.store import GraphStore, current_store_path, guideline_graph_iri
from kg.update import apply_update, guideline_versions, history, plan_update, rollback, why
from kg.view import load_view

from tests.kg.guideline_fixtures import AMOX, DOXY, copy_home, guideline_tsv

REPO = Path(__file__).resolve().parents[2]
METFORMIN = "DRUGBANK:DB00331\ttreats\tDOID:552\tMetformin\tpneumonia\tstrong\tlow\tPMID:9"


@pytest.fixture
def home(tmp_path):
    return copy_home(tmp_path / "home")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def version_of_home(home) -> str:
    store = GraphStore(current_store_path(home.graph), read_only=True)
    try:
        return store.version().hash
    finally:
        store.close()


def guideline_edges(G, key="test-society/cap"):
    return sorted((u, d["predicate"], v, d["source_version"]) for u, v, d in G.edges(data=True)
                  if d["source"] == f"guideline:{key}")


def test_apply_adds_edge_with_citation_and_provenance(home, tmp_path):
    before = version_of_home(home)
    result = apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])), applied_by="dr test")
    assert result.status == "applied" and result.previous_version.hash == before != result.version.hash
    G = load_view(home)
    assert G.graph["version"] == result.version.hash == version_of_home(home)
    data = [d for _, _, d in G.edges("DRUGBANK:DB01060", data=True) if d["source"] == "guideline:test-society/cap"]
    assert len(data) == 1
    assert data[0]["references"] == ("PMID:31573350",) and data[0]["strength"] == "strong"
    assert data[0]["evidence_level"] == "moderate" and data[0]["source_version"] == "1"
    (info,) = guideline_versions(home)
    assert info.iri == guideline_graph_iri("test-society/cap", "1") and info.active
    assert info.extra["applied_by"] == "dr test" and info.extra["statements"] == "2"
    assert info.extra["date"] == "2024-01-02" and len(info.extra["sha256"]) == 64 and info.extra["applied_at"]
    entries = history(home)
    assert [e.action for e in entries] == ["build", "update"] and entries[-1].version == result.version.hash
    assert json.loads(entries[-1].detail)["added"] == 2


def test_dry_run_changes_nothing_and_serialises(home, tmp_path):
    before = version_of_home(home)
    plan = plan_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])))
    out = json.loads(json.dumps(plan.to_dict()))
    assert out["counts"]["added"] == 2 and out["status"] == "new" and out["base_version"] == before
    assert [a["also_asserted_by"] for a in out["added"]] == [[], ["toy-drugs@1"]]  # doxycycline: the source too
    assert version_of_home(home) == before and len(history(home)) == 1


def test_supersede_retracts_dropped_statements_and_reports_changes(home, tmp_path):
    apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])))
    v2_path = write(tmp_path, "v2.tsv", guideline_tsv([AMOX.replace("strong\tmoderate", "strong\thigh")], version="2"))
    plan = plan_update(home, v2_path)
    assert [s.subject for s in plan.removed] == ["DRUGBANK:DB00254"]
    assert [(c.before.evidence_level, c.after.evidence_level) for c in plan.changed] == [("moderate", "high")]
    assert plan.added == [] and [g.version for g in plan.superseded] == ["1"]
    apply_update(home, v2_path)
    G = load_view(home)
    assert guideline_edges(G) == [("DRUGBANK:DB01060", "treats", "DOID:552", "2")]
    # the source's own doxycycline edge is untouched
    assert [d["source"] for d in G.get_edge_data("DRUGBANK:DB00254", "DOID:552").values()] == ["toy-drugs"]
    active = {g.version: g.active for g in guideline_versions(home)}
    assert active == {"1": False, "2": True}


def test_rollback_restores_content_hash_exactly(home, tmp_path):
    h0 = version_of_home(home)
    r1 = apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])))
    r2 = apply_update(home, write(tmp_path, "v2.tsv", guideline_tsv([AMOX], version="2")))
    assert len({h0, r1.version.hash, r2.version.hash}) == 3
    assert rollback(home, r1.version.hash[:6]).hash == r1.version.hash == version_of_home(home)
    assert guideline_edges(load_view(home)) == [("DRUGBANK:DB00254", "treats", "DOID:552", "1"),
                                                ("DRUGBANK:DB01060", "treats", "DOID:552", "1")]
    assert rollback(home, h0).hash == h0 == version_of_home(home)
    assert guideline_edges(load_view(home)) == []
    assert rollback(home, "3").hash == r2.version.hash  # a history seq number works too
    assert [e.action for e in history(home)] == ["build", "update", "update", "rollback", "rollback", "rollback"]
    # an earlier version's view, and re-applying a rolled-back file re-activates it
    assert guideline_edges(load_view(home, version=r1.version.hash))[0][3] == "1"
    rollback(home, h0)
    again = apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])))
    assert again.status == "reactivated" and again.version.hash == r1.version.hash


def test_rollback_errors(home):
    with pytest.raises(InputError, match="'deadbeef' is not in the history; known versions"):
        rollback(home, "deadbeef")
    assert rollback(home, history(home)[0].version).hash == history(home)[0].version  # no-op


def test_same_file_twice_changes_nothing(home, tmp_path):
    path = write(tmp_path, "v1.tsv", guideline_tsv([AMOX]))
    first = apply_update(home, path)
    n = len(history(home))
    second = apply_update(home, path)
    assert second.status == "already_applied" and second.version == first.version
    assert len(history(home)) == n and plan_update(home, path).status == "already_applied"


def test_different_file_same_key_and_version_is_refused(home, tmp_path):
    apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX])))
    before = version_of_home(home)
    with pytest.raises(GuidelineError, match="version '1' is already stored from a different file"):
        apply_update(home, write(tmp_path, "other.tsv", guideline_tsv([AMOX, DOXY])))
    assert version_of_home(home) == before


@pytest.mark.parametrize("name", ["bad_predicate.tsv", "missing_column.tsv", "bad_syntax.ttl"])
def test_malformed_file_leaves_graph_untouched(home, name):
    before, n = version_of_home(home), len(history(home))
    with pytest.raises(GuidelineError, match=rf"{name}"):
        apply_update(home, REPO / "tests" / "fixtures" / "guidelines" / name)
    assert version_of_home(home) == before and len(history(home)) == n


def test_unknown_ids_are_listed_and_allow_new_adds_labelled_nodes(home, tmp_path):
    rows = [AMOX, "DRUGBANK:DB01155\ttreats\tDOID:552\tGemifloxacin\t\tstrong\tmoderate\tPMID:31573350",
            "DRUGBANK:DB09999\ttreats\tDOID:99999\t\t\t\t\tPMID:1"]
    path = write(tmp_path, "new.tsv", guideline_tsv(rows))
    before = version_of_home(home)
    with pytest.raises(GuidelineError, match=r"3 id\(s\) not in the graph: DRUGBANK:DB01155 \(line 7, 'Gemifloxacin'\), "
                                             r"DRUGBANK:DB09999 \(line 8\), DOID:99999 \(line 8\)"):
        apply_update(home, path)
    with pytest.raises(GuidelineError, match=r"2 id\(s\) not in the graph: DRUGBANK:DB09999 \(line 8\), DOID:99999"):
        apply_update(home, path, allow_new=True)  # rows without labels still fail
    assert version_of_home(home) == before
    result = apply_update(home, write(tmp_path, "new2.tsv", guideline_tsv(rows[:2])), allow_new=True)
    assert [n.id for n in result.plan.new_nodes] == ["DRUGBANK:DB01155"]
    G = load_view(home)
    assert G.nodes["DRUGBANK:DB01155"]["label"] == "Gemifloxacin" and G.nodes["DRUGBANK:DB01155"]["category"] == "Drug"
    # a v2 that keeps the new drug keeps its node although v1 (which defined it) is deactivated
    apply_update(home, write(tmp_path, "new3.tsv", guideline_tsv(rows[1:2], version="2")))
    assert load_view(home).nodes["DRUGBANK:DB01155"]["label"] == "Gemifloxacin"
    # after a rollback, re-applying v1 re-activates it without --allow-new (its graph defines the node)
    rollback(home, before)
    assert "DRUGBANK:DB01155" not in load_view(home)
    assert apply_update(home, tmp_path / "new2.tsv").status == "reactivated"
    assert load_view(home).nodes["DRUGBANK:DB01155"]["label"] == "Gemifloxacin"


def test_conflict_with_source_through_equivalent_ids(home, tmp_path):
    path = write(tmp_path, "c.tsv", guideline_tsv([AMOX, METFORMIN]))
    plan = plan_update(home, path)
    (conflict,) = plan.conflicts
    assert conflict.statement.subject == "DRUGBANK:DB00331"
    assert conflict.other["object"] == "MONDO:0005249" and conflict.other["source"] == "toy-drugs"
    assert conflict.other["predicate"] == "not_indicated_for" and "source toy-drugs@1 says" in conflict.reason
    before = version_of_home(home)
    with pytest.raises(GuidelineError, match=r"1 conflict\(s\): line 7: DRUGBANK:DB00331 treats DOID:552 vs source"):
        apply_update(home, path)
    assert version_of_home(home) == before
    assert apply_update(home, path, allow_conflicts=True).status == "applied"


def test_conflict_between_guidelines_and_within_a_file(home, tmp_path):
    apply_update(home, write(tmp_path, "a.tsv", guideline_tsv([AMOX])))
    other = ("# key: other/hf\n# version: 1\n" + "subject\tpredicate\tobject\tcitation\n"
             "DRUGBANK:DB01060\tnot_indicated_for\tMONDO:0005249\tPMID:2\n")
    (conflict,) = plan_update(home, write(tmp_path, "b.tsv", other)).conflicts
    assert conflict.other["source"] == "guideline:test-society/cap" and conflict.other["kind"] == "guideline"
    both = guideline_tsv(["DRUGBANK:DB00254\tnot_indicated_for\tDOID:552", DOXY], header="# key: x/y\n# version: 1\n")
    reasons = [c.reason for c in plan_update(home, write(tmp_path, "c.tsv", both)).conflicts]
    assert any("this guideline also says" in r for r in reasons) and any("toy-drugs" in r for r in reasons)


def test_why_lists_every_source_and_guideline(home, tmp_path):
    apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])))
    rows = why(load_view(home), "DRUGBANK:DB00254", "treats", "MONDO:0005249")  # an equivalent id of DOID:552
    assert [(r["kind"], r["source"], r["source_version"], r["references"]) for r in rows] == [
        ("source", "toy-drugs", "1", ["PMID:1"]),
        ("guideline", "guideline:test-society/cap", "1", ["PMID:31573350"])]
    assert rows[1]["graph"] == guideline_graph_iri("test-society/cap", "1") and rows[1]["strength"] == "conditional"
    assert why(load_view(home), "DRUGBANK:DB00331", "treats", "DOID:552") == []
    assert [r["predicate"] for r in why(load_view(home), "DRUGBANK:DB00331", "*", "DOID:552")] == ["not_indicated_for"]
    with pytest.raises(ConceptNotFound, match="'DOID:1' is not in the graph"):
        why(load_view(home), "DRUGBANK:DB00331", "treats", "DOID:1")
    with pytest.raises(InputError, match="unknown predicate 'cures'"):
        why(load_view(home), "DRUGBANK:DB00331", "cures", "DOID:552")


def test_plan_from_uploaded_text_and_store(home):
    g = parse_guideline(text=guideline_tsv([AMOX]), format="tsv", name="upload")
    store = GraphStore(current_store_path(home.graph), read_only=True)
    try:
        plan = plan_update(store, g)
    finally:
        store.close()
    assert plan.guideline.path == "upload" and len(plan.added) == 1


def test_failed_transaction_leaves_graph_intact(home, tmp_path, monkeypatch):
    """In-process: the single SPARQL update fails at run time after inserting the graph (CREATE GRAPH
    of an existing graph, appended to the history insert); Oxigraph must roll all of it back."""
    before, n = version_of_home(home), len(history(home))
    real = GraphStore._history_update
    monkeypatch.setattr(GraphStore, "_history_update",
                        lambda self, *a: real(self, *a) + " ;\nCREATE GRAPH <urn:medkg:meta>")
    with pytest.raises(StoreError, match="failed; the graph is unchanged"):
        apply_update(home, write(tmp_path, "v1.tsv", guideline_tsv([AMOX, DOXY])))
    monkeypatch.undo()
    assert version_of_home(home) == before and len(history(home)) == n and guideline_versions(home) == []
    store = GraphStore(current_store_path(home.graph), read_only=True)
    try:
        assert store.graph_lines(guideline_graph_iri("test-society/cap", "1")) == []
    finally:
        store.close()


_KILLER = textwrap.dedent("""
    import os, signal, sys, threading
    import kg.update
    from kg.store import GraphStore
    from kg.update import apply_update
    home, path, delay, mode = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    # "single": everything in the one SPARQL update; "staged": bulk load first, then publish
    kg.update.STAGE_THRESHOLD = 10**9 if mode == "single" else 0
    name = "transaction" if mode == "single" else "bulk_load_lines"
    real = getattr(GraphStore, name)
    def killing(self, *args, **kw):
        # SIGKILL this process while the write runs (or, with delay 0, as it starts)
        print("write started", flush=True)
        threading.Timer(delay, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
        out = real(self, *args, **kw)
        print("write returned", flush=True)
        return out
    setattr(GraphStore, name, killing)
    apply_update(home, path, allow_new=True)
    print("transaction committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.parametrize("mode, delay", [("single", 0.2), ("staged", 0.1)])
def test_process_killed_mid_apply_leaves_previous_graph(home, tmp_path, mode, delay):
    """A real SIGKILL of a subprocess during the write: afterwards the graph is either exactly the
    previous version (no guideline graph listed, no history entry) or exactly the new one; a
    staged graph left behind is invisible and the next apply drops it."""
    rows = [f"MEDKG:drug-{i}\ttreats\tDOID:552\tdrug {i}\t\tstrong\tlow\tPMID:{i}" for i in range(2000)]
    path = write(tmp_path, "big.tsv", guideline_tsv(rows))
    before, n = version_of_home(home), len(history(home))
    proc = subprocess.run([sys.executable, "-c", _KILLER, str(home.root), str(path), str(delay), mode], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "write started" in proc.stdout, proc.stderr
    iri = guideline_graph_iri("test-society/cap", "1")
    store = GraphStore(current_store_path(home.graph), read_only=True)
    try:
        lines = store.graph_lines(iri)
        infos = [g for g in store.graphs() if g.kind == "guideline"]
        committed = bool(infos)  # judged by the store itself, not by what the process managed to print
        if committed:
            assert store.version().hash != before and len(store.history()) == n + 1
            assert len(lines) == infos[0].quads > 2000 * 8
        else:
            assert store.version().hash == before and len(store.history()) == n and infos == []
            if mode == "single":
                assert lines == []  # the one SPARQL update left nothing at all
    finally:
        store.close()
    G = load_view(home)
    assert G.graph["version"] == version_of_home(home)
    assert len(guideline_edges(G)) == (2000 if committed else 0)
    if not committed:  # the next apply succeeds, and drops whatever a staged write left behind
        result = apply_update(home, path, allow_new=True)
        store = GraphStore(current_store_path(home.graph), read_only=True)
        try:
            assert len(store.graph_lines(iri)) == [g for g in store.graphs() if g.iri == iri][0].quads
        finally:
            store.close()
        assert len(guideline_edges(load_view(home))) == 2000 and result.status == "applied"


def test_suggest_proposes_rows_for_review_only(home):
    from kg.update import suggest

    text = ("Amoxicillin is recommended for community-acquired pneumonia (strong recommendation, moderate quality "
            "of evidence).\nWe recommend doxycycline or unknownmycin for pneumonia.\n"
            "Metformin should not be used in patients with congestive heart failure. Nothing here.")
    before = version_of_home(home)
    rows = suggest(load_view(home), text, source="PMID:31573350")
    assert [(r["subject"], r["predicate"], r["object"], r["strength"], r["evidence_level"]) for r in rows] == [
        ("DRUGBANK:DB01060", "treats", "DOID:552", "strong", "moderate"),
        ("DRUGBANK:DB00254", "treats", "DOID:552", "", ""),
        ("DRUGBANK:DB00331", "not_indicated_for", "DOID:6000", "", "")]
    assert rows[1]["note"].startswith("SUGGESTED from line 2: We recommend doxycycline")
    assert version_of_home(home) == before  # nothing applied
