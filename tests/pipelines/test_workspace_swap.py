"""tests for the server's workspace swap after a write: the old graph, ranker and extractor are freed.

The server's memory grew with every guideline apply / rollback (issue 17). These tests pin the
release: after a swap nothing keeps the old workspace's graph view, concept index and ranker
alive (checked with weak references, not timings); the literature index, which no graph write
changes, is shared, and the extractor is handed on when the concept names did not change.
The memory numbers themselves are in ``bench/serve_load.py`` (write phase).
"""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from pipelines.api import _Locked, create_app
from pipelines.memory import ReleaseStats, release_memory, release_when_freed, tune_malloc
from pipelines.workspace import Workspace
from tests.pipelines.conftest import TOKEN, build_tiny_home

GUIDELINE = ("# key: test/swap\n# version: {v}\n# date: 2024-01-01\n# title: Test guideline (synthetic)\n"
             "subject\tpredicate\tobject\tstrength\tcitation\n"
             "DRUGBANK:DB00335\tameliorates\tOMIM:609192\tweak\tPMID:12345678\n")
PARTS = ("graph", "concept_index", "extractor", "ranker")


def _refs(ws: Workspace) -> dict[str, weakref.ref]:
    """Weak references to a loaded workspace and its parts (the objects behind the lock proxies)."""
    refs = {"workspace": weakref.ref(ws)}
    for name in PARTS:
        part = ws.__dict__[name]
        refs[name] = weakref.ref(part._obj if isinstance(part, _Locked) else part)
    return refs


def _alive(refs: dict[str, weakref.ref]) -> list[str]:
    gc.collect()
    return [name for name, ref in refs.items() if ref() is not None]


def test_successor_shares_the_literature_and_reuses_an_unchanged_extractor(tmp_path):
    home = build_tiny_home(tmp_path / "home")
    ws = Workspace.open(home=home.root).warm()
    new = ws.successor()
    assert new.settings is ws.settings and new.ranker_name == ws.ranker_name
    assert new.__dict__["literature"] is ws.__dict__["literature"]
    assert not any(name in new.__dict__ for name in PARTS)          # loaded afresh, from the store
    new.warm()
    assert new.graph is not ws.graph and new.graph.graph["version"] == ws.graph.graph["version"]
    assert new.ranker is not ws.ranker and new.concept_index is not ws.concept_index
    assert new.extractor is ws.extractor and new.load_ms["extractor"] == 0.0   # same concept names
    assert "_previous_extractor" not in new.__dict__                 # the offer is not kept


def test_successor_builds_its_own_extractor_when_the_names_changed(tmp_path):
    home = build_tiny_home(tmp_path / "home", literature=False)
    ws = Workspace.open(home=home.root)
    _ = ws.extractor
    ws._extractor_key = "names-of-another-graph"                   # as if a write had renamed concepts
    new = ws.successor()
    assert new.extractor is not ws.extractor
    assert new.extractor.extract("fever and cough").findings           # a working extractor of its own


def test_old_workspace_is_freed_after_apply_and_rollback(tmp_path):
    home = build_tiny_home(tmp_path / "home", token=TOKEN, literature=True)
    app = create_app(Workspace.open(home=home.root))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    hpo = {"hpo": ["HP:0002616", "HP:0001382"], "with_literature": True}
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/diagnose", json=hpo).status_code == 200      # every part used once
        first = app.state.medkg["ws"]
        literature = first.__dict__["literature"]
        v0 = first.graph.graph["version"]
        before_apply = _refs(first)
        del first
        r = c.post("/guidelines", params={"dry_run": "false", "filename": "g.tsv"},
                   content=GUIDELINE.format(v=1).encode(), headers=auth)
        assert r.status_code == 200, r.text
        # the guideline adds an edge, no concept names: the extractor is handed on, the rest freed
        assert _alive(before_apply) == ["extractor"]
        assert app.state.medkg["ws"].__dict__["extractor"]._obj is before_apply["extractor"]()

        applied = app.state.medkg["ws"]
        assert applied.graph.graph["version"] != v0
        assert applied.__dict__["literature"] is literature          # shared, not reloaded
        assert c.post("/diagnose", json=hpo).status_code == 200
        before_rollback = _refs(applied)
        del applied
        r = c.post("/graph/rollback", json={"version": v0}, headers=auth)
        assert r.status_code == 200, r.text
        assert _alive(before_rollback) == ["extractor"]
        assert app.state.medkg["ws"].graph.graph["version"] == v0
        assert c.post("/diagnose", json=hpo).status_code == 200


def test_release_memory_reports_what_it_did():
    class Cycle:
        pass

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a                 # a reference cycle: only the collector frees it
    ref = weakref.ref(a)
    del a, b
    stats = release_memory()
    assert isinstance(stats, ReleaseStats) and ref() is None and stats.collected >= 2


def test_release_when_freed_fires_once_the_object_is_gone(monkeypatch):
    import pipelines.memory as memory

    calls = []
    monkeypatch.setattr(memory, "release_memory_later", lambda delay_s: calls.append(delay_s))

    class View:
        pass

    view = View()
    finalizer = release_when_freed(view, delay_s=0.25)
    assert finalizer.alive and calls == []
    del view                                    # the last reference: the release is scheduled
    assert calls == [0.25] and not finalizer.alive


def test_tune_malloc_on_glibc():
    import platform

    if platform.libc_ver()[0] != "glibc":
        assert tune_malloc() is False
    else:
        assert tune_malloc() is True
