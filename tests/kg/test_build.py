"""kg/build.py: atomic store writes, interrupted builds, source selection and parse errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.build import build_graph, select_sources, write_store
from kg.config import GraphConfig, Home
from kg.errors import ConfigError, SourceError
from kg.store import GraphStore, current_store_path, open_store
from kg.view import load_view

KG_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kg-sources"
OPTIONAL = ["disease-ontology", "symptom-ontology", "do-disease-symptom", "mondo", "pharmacotherapydb", "labeledin"]


def _state(home: Home):
    current = current_store_path(home.graph)
    store = open_store(home.graph)
    try:
        version, history = store.version(), store.history()
    finally:
        store.close()
    stores = sorted(p.name for p in (home.graph / "stores").iterdir())
    caches = sorted(p.name for p in home.graph.glob("view-base-*.pickle"))
    return current, version, history, stores, caches


def _no_leftovers(home: Home):
    names = [p.name for p in (home.graph / "stores").iterdir()]
    assert not [n for n in names if n.endswith(".building")], names
    assert not list(home.graph.glob(".current-*"))
    assert not list(home.graph.glob("*.tmp"))
    assert not list((home.graph / "stores").glob(".*.nq"))


def test_write_store_switches_atomically(fresh_toy_home):
    from tests.toy_graph import toy_sources

    before = _state(fresh_toy_home)
    result = write_store(fresh_toy_home, toy_sources())
    after = _state(fresh_toy_home)
    assert after[0] == result.store_path != before[0]
    assert not before[0].exists()                   # the previous store is removed once switched
    assert after[1] == before[1] == result.version   # same content, same version
    assert [h.action for h in after[2]] == ["build", "build"]  # history carried over
    assert len(after[3]) == 1 and after[4] == before[4]
    assert (fresh_toy_home.graph / "current").is_symlink()
    from tests.toy_graph import TERMS

    assert result.stats == {"hpo": {"terms": len(TERMS)}, "pharmacotherapydb": {}}
    assert [g.name for g in result.sources] == ["hpo", "pharmacotherapydb"]
    _no_leftovers(fresh_toy_home)


def test_rebuild_carries_over_guidelines_and_history(fresh_toy_home):
    from kg.rdf import edge_quads
    from kg.records import Edge
    from kg.store import GraphInfo, guideline_graph_iri
    from kg.vocab import Predicate
    from tests.toy_graph import toy_sources

    g = guideline_graph_iri("toy", "1")
    lines = edge_quads(Edge("DRUGBANK:DB00316", Predicate.TREATS, "OMIM:999001", "guideline:toy", "1"), g)
    store = open_store(fresh_toy_home.graph, read_only=False)
    try:
        v1 = store.transaction(add={g: lines}, new_graphs=[GraphInfo(g, "guideline", "toy", "1", "h", len(lines), True)],
                               action="apply")
    finally:
        store.close()
    result = write_store(fresh_toy_home, toy_sources())
    assert result.version == v1                      # same sources + the same active guideline
    store = open_store(fresh_toy_home.graph)
    try:
        assert [(i.kind, i.name, i.active) for i in store.graphs() if i.kind == "guideline"] == [("guideline", "toy", True)]
        assert len(store.graph_lines(g)) == len(lines)
        assert [h.action for h in store.history()] == ["build", "apply", "build"]
        assert store.history()[-1].version == v1.hash
    finally:
        store.close()
    G = load_view(fresh_toy_home)
    assert [d["graph"] for _, _, d in G.in_edges("OMIM:999001", data=True) if d["predicate"] == "treats"] == [g]


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_interrupted_load_keeps_previous_store(fresh_toy_home, monkeypatch, exc):
    from tests.toy_graph import toy_sources

    before = _state(fresh_toy_home)
    G_before = load_view(fresh_toy_home)
    real = GraphStore.load_source
    calls = []

    def flaky(self, data, **kw):
        calls.append(data.name)
        if len(calls) == 2:   # the second source fails midway
            raise exc
        return real(self, data, **kw)

    monkeypatch.setattr(GraphStore, "load_source", flaky)
    entries = toy_sources()
    entries[0][0].nodes[0] = entries[0][0].nodes[0].__class__(  # changed content: a new version if it finished
        "HP:0000118", entries[0][0].nodes[0].category, "Changed", "hpo")
    with pytest.raises(type(exc)):
        write_store(fresh_toy_home, entries)
    assert calls == ["hpo", "pharmacotherapydb"]
    assert _state(fresh_toy_home) == before
    assert load_view(fresh_toy_home).nodes["HP:0000118"]["label"] == G_before.nodes["HP:0000118"]["label"]
    _no_leftovers(fresh_toy_home)


def test_failure_after_rename_keeps_previous_store(fresh_toy_home, monkeypatch):
    """The last steps (view cache, switch) fail: the renamed new store is removed, current unchanged."""
    import kg.build
    from tests.toy_graph import toy_sources

    before = _state(fresh_toy_home)

    def fail(*a, **k):
        raise OSError("no space left on device")

    monkeypatch.setattr(kg.build, "switch_current", fail)
    with pytest.raises(OSError, match="no space left"):
        write_store(fresh_toy_home, toy_sources())
    now = _state(fresh_toy_home)
    assert now[:4] == before[:4]
    _no_leftovers(fresh_toy_home)
    load_view(fresh_toy_home)  # still loads


def test_failing_view_builder_keeps_previous_store(fresh_toy_home, monkeypatch):
    from kg.view import ViewBuilder
    from tests.toy_graph import toy_sources

    before = _state(fresh_toy_home)

    def fail(self, data, graph):
        raise MemoryError("view")

    monkeypatch.setattr(ViewBuilder, "add_source_data", fail)
    with pytest.raises(MemoryError):
        write_store(fresh_toy_home, toy_sources())
    assert _state(fresh_toy_home) == before
    _no_leftovers(fresh_toy_home)


def test_first_build_failure_leaves_no_graph(tmp_path, monkeypatch):
    from kg.errors import GraphNotBuilt
    from tests.toy_graph import toy_sources

    home = Home(tmp_path / "home").ensure()
    monkeypatch.setattr(GraphStore, "load_source", lambda self, data, **kw: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        write_store(home, toy_sources())
    with pytest.raises(GraphNotBuilt):
        current_store_path(home.graph)
    assert list((home.graph / "stores").iterdir()) == []


def test_progress_reports(tmp_path):
    from tests.toy_graph import toy_sources

    seen = []
    write_store(Home(tmp_path / "h"), toy_sources(), progress=lambda d, i, n: seen.append((d, i, n)))
    assert [d for d, _, _ in seen] == ["writing hpo", "writing pharmacotherapydb", "carrying over guidelines", "done"]
    assert seen[-1][1] == seen[-1][2]


# ---------------------------------------------------------------- source selection
def test_auto_skips_optional_sources_without_files(tmp_path):
    home = Home(tmp_path / "home").ensure()
    chosen, skipped = select_sources(home, GraphConfig(sources=("auto",), mirror=str(tmp_path / "empty")))
    assert [s.name for s, _ in chosen] == ["hpo"]
    assert sorted(skipped) == sorted(OPTIONAL)
    for name, why in skipped.items():
        assert why.startswith("files not found under ")
        assert str(home.sources) in why and "empty" in why
        assert f"medkg sources fetch {name}" in why


def test_auto_with_mirror_finds_every_source():
    home = Home(Path("/nonexistent-medkg-home"))
    chosen, skipped = select_sources(home, GraphConfig(sources=("auto",), mirror=str(KG_FIXTURES)))
    assert [s.name for s, _ in chosen] == ["hpo", *OPTIONAL]
    assert skipped == {}
    files = dict((s.name, f) for s, f in chosen)
    assert files["symptom-ontology"] == {"symptom-ontology/symp.obo": KG_FIXTURES / "symptom-ontology" / "symp.obo"}


def test_auto_skips_sources_whose_prerequisites_are_missing(tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(KG_FIXTURES / "indications", mirror / "indications")
    shutil.copytree(KG_FIXTURES / "symptom-ontology", mirror / "symptom-ontology")
    chosen, skipped = select_sources(Home(tmp_path / "h"), GraphConfig(sources=("auto",), mirror=str(mirror)))
    assert [s.name for s, _ in chosen] == ["hpo", "symptom-ontology", "labeledin"]
    assert skipped["pharmacotherapydb"] == "needs source(s) disease-ontology"
    assert skipped["disease-ontology"].startswith("files not found")


def test_sources_in_home_are_found(tmp_path):
    home = Home(tmp_path / "h").ensure()
    shutil.copytree(KG_FIXTURES / "symptom-ontology", home.sources / "symptom-ontology")
    chosen, _ = select_sources(home, GraphConfig(sources=("symptom-ontology",)))
    assert [(s.name, list(f.values())) for s, f in chosen] == [
        ("symptom-ontology", [home.sources / "symptom-ontology" / "symp.obo"])]


def test_unknown_source_lists_known_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown source 'hpoo' in \[graph\] sources; known: .*disease-ontology.*hpo.*, auto"):
        select_sources(Home(tmp_path), GraphConfig(sources=("hpo", "hpoo")))


def test_named_source_without_files_is_an_error(tmp_path):
    with pytest.raises(SourceError, match=r"source 'mondo': files not found under .*medkg sources fetch mondo"):
        select_sources(Home(tmp_path), GraphConfig(sources=("mondo",)))


def test_failing_source_parse_names_file_and_line(tmp_path, fresh_toy_home):
    mirror = tmp_path / "mirror"
    (mirror / "symptom-ontology").mkdir(parents=True)
    text = (KG_FIXTURES / "symptom-ontology" / "symp.obo").read_text().splitlines(keepends=True)
    idx = next(i for i, line in enumerate(text) if line.startswith("is_a:"))
    text[idx] = "is_a SYMP:0000462\n"
    (mirror / "symptom-ontology" / "symp.obo").write_text("".join(text))
    before = _state(fresh_toy_home)
    with pytest.raises(SourceError, match=rf"symp\.obo, line {idx + 1}: not valid OBO"):
        build_graph(fresh_toy_home, GraphConfig(sources=("symptom-ontology",), mirror=str(mirror)))
    assert _state(fresh_toy_home) == before
    _no_leftovers(fresh_toy_home)


def test_build_graph_from_fixture_sources(tmp_path):
    """A whole build (without HPO, which is slow) from the small optional-source fixtures."""
    home = Home(tmp_path / "home")
    names = ("disease-ontology", "symptom-ontology", "do-disease-symptom", "pharmacotherapydb", "labeledin", "mondo")
    steps = []
    result = build_graph(home, GraphConfig(sources=names, mirror=str(KG_FIXTURES)),
                         progress=lambda d, i, n: steps.append(d))
    assert result.skipped == {}
    assert [g.name for g in result.sources][: len(names)] == [n for n in OPTIONAL if n in names]  # registry order
    assert steps[0] == "parsing disease-ontology" and steps[-1] == "done"
    G = load_view(home)
    assert G.graph["version"] == result.version.hash
    assert {s["name"] for s in G.graph["sources"]} >= set(names)
    _no_leftovers(home)
