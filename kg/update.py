"""Updating the graph with guidelines: diff, apply, history, rollback, why.

Each applied guideline version is its own named graph ``urn:medkg:guideline:<key>:<version>``
whose edges carry ``source = "guideline:<key>"``, ``source_version = <version>``, the row's
citations as ``references`` and ``strength`` / ``evidence_level`` qualifiers. Its PROV-style
metadata (key, version, date, applied_at, applied_by, file sha256, statement count, ...) is in
the graph's :class:`~kg.store.GraphInfo` ``extra``.

* :func:`plan_update` parses a guideline and diffs it against the graph: statements added,
  removed (dropped from the version it supersedes), changed (same subject/predicate/object,
  other strength, evidence level or references), conflicts (a ``treats``/``ameliorates``
  where an active source or guideline says ``not_indicated_for`` for the same drug and
  disease, equivalent ids included, or the reverse; ``has_phenotype`` vs ``lacks_phenotype``
  likewise), ids that are not in the graph, and new nodes (``allow_new``).
* :func:`apply_update` writes the plan in ONE :meth:`GraphStore.transaction` (atomic in
  Oxigraph): the new graph, its metadata, the deactivation of the superseded version of the
  same key, and a history entry. Applying the same file again changes nothing; a different
  file with the same key and version is refused. A large guideline (over ``STAGE_THRESHOLD``
  quad lines, ~2,200 statements) has its quads bulk-loaded into its named graph first; the graph
  is invisible (not in the meta graph, so not active) until the same single transaction
  publishes it, so a crash still leaves the previous graph version intact (plus, at worst, an
  orphan graph that the next apply drops).
* :func:`rollback` sets the active flags to a history entry's active set (one transaction),
  which restores that graph version's content hash exactly.
* :func:`why` lists every source and guideline version that asserts an edge.

>>> import tempfile
>>> from kg.records import Edge, Node, SourceData
>>> from kg.store import GraphStore
>>> from kg.vocab import Category, Predicate
>>> home = Path(tempfile.mkdtemp())
>>> store = GraphStore.create(home / "graph" / "stores" / "s1")
>>> _ = store.load_source(SourceData("toy", "1", nodes=[Node("DRUGBANK:DB01060", Category.DRUG, "Amoxicillin", "toy"),
...     Node("DOID:552", Category.DISEASE, "pneumonia", "toy")]), license="CC0", citation="")
>>> _ = store.record_history("build"); store.close()
>>> from kg.store import switch_current
>>> switch_current(home / "graph", home / "graph" / "stores" / "s1")
>>> text = "# key: demo/cap\\n# version: 1\\nsubject\\tpredicate\\tobject\\tcitation\\nDRUGBANK:DB01060\\ttreats\\tDOID:552\\tPMID:31573350\\n"
>>> g = parse_guideline(text=text, format="tsv")
>>> [s.subject for s in plan_update(home, g).added]
['DRUGBANK:DB01060']
>>> result = apply_update(home, g, applied_by="doctest")
>>> result.status, [e["source"] for e in why(load_view(str(home)), "DRUGBANK:DB01060", "treats", "DOID:552")]
('applied', ['guideline:demo/cap'])
>>> apply_update(home, g).status
'already_applied'
>>> rollback(home, history(home)[0].version).hash == history(home)[0].version
True
"""

from __future__ import annotations

import bisect
import gc
import getpass
import json
import logging
import os
import re
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import networkx as nx

from kg.errors import ConceptNotFound, GuidelineError, InputError, StoreError
from kg.guidelines import Guideline, GuidelineStatement, category_for, parse_guideline
from kg.ids import try_resolve
from kg.lookup import normalise_name
from kg.rdf import P, curie_from_iri, edge_quads, node_quads
from kg.records import Edge, Node
from kg.store import (GraphInfo, GraphStore, GraphVersion, HistoryEntry, StoreBase, StoreRef, content_hash,
                      current_store_path, guideline_graph_iri, open_ref, store_ref, version_of)
from kg.view import ViewBuilder, graph_dir_of, load_view, view_from_store
from kg.vocab import Category, Predicate

__all__ = ["UpdatePlan", "ApplyResult", "Change", "Conflict", "plan_update", "apply_update", "rollback", "why",
           "history", "guideline_versions", "parse_guideline", "suggest", "GUIDELINE_SOURCE_PREFIX"]

GUIDELINE_SOURCE_PREFIX = "guideline:"
log = logging.getLogger(__name__)

_T, _A, _N = Predicate.TREATS.value, Predicate.AMELIORATES.value, Predicate.NOT_INDICATED_FOR.value
# predicate -> the predicates that contradict it for the same subject and object
CONTRADICTS: dict[str, tuple[str, ...]] = {
    _T: (_N,), _A: (_N,), _N: (_T, _A),
    Predicate.HAS_PHENOTYPE.value: (Predicate.LACKS_PHENOTYPE.value,),
    Predicate.LACKS_PHENOTYPE.value: (Predicate.HAS_PHENOTYPE.value,),
}
_LIST_LIMIT = 20
# A guideline graph with more quad lines than this is staged by bulk load (about 3x faster than
# one SPARQL INSERT on a full store) and then published by the one atomic transaction.
STAGE_THRESHOLD = 20_000


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Change:
    """A statement whose subject/predicate/object stays but whose grading or references change."""

    before: GuidelineStatement
    after: GuidelineStatement

    def to_dict(self) -> dict:
        fields_ = ("strength", "evidence_level", "references")
        return {**self.after.to_dict(),
                "before": {f: _jsonable(getattr(self.before, f)) for f in fields_},
                "after": {f: _jsonable(getattr(self.after, f)) for f in fields_}}


@dataclass(frozen=True)
class Conflict:
    """A new statement that an active source, another guideline or the file itself contradicts."""

    statement: GuidelineStatement
    other: dict          # the contradicting edge: subject, predicate, object, source, source_version, graph, references
    reason: str

    def to_dict(self) -> dict:
        return {"statement": self.statement.to_dict(), "other": self.other, "reason": self.reason}


@dataclass
class UpdatePlan:
    """What applying a guideline would do to the graph (``medkg update --dry-run``)."""

    guideline: Guideline
    graph: str                               # the guideline version's named graph
    base_version: str                        # graph version the plan was made against
    status: str                              # "new", "already_applied" or "reactivate"
    superseded: list[GraphInfo] = field(default_factory=list)
    added: list[GuidelineStatement] = field(default_factory=list)
    removed: list[GuidelineStatement] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    unknown_ids: list[dict] = field(default_factory=list)   # {id, line, label, role}
    new_nodes: list[Node] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    also_asserted: dict[tuple, list[str]] = field(default_factory=dict)  # spo -> other "source@version"s
    edges: list[Edge] = field(default_factory=list)         # what the new graph will hold
    nodes: list[Node] = field(default_factory=list)         # node definitions the new graph will hold
    allow_new: bool = False

    @property
    def applicable(self) -> bool:
        """True when applying would not fail on unknown ids (conflicts need ``allow_conflicts``)."""
        return not self.unknown_ids

    def to_dict(self) -> dict:
        return {
            "guideline": self.guideline.summary(),
            "graph": self.graph,
            "base_version": self.base_version,
            "status": self.status,
            "supersedes": [{"graph": g.iri, "key": g.name, "version": g.version} for g in self.superseded],
            "counts": {"statements": len(self.guideline.statements), "added": len(self.added),
                       "removed": len(self.removed), "changed": len(self.changed), "unchanged": self.unchanged,
                       "conflicts": len(self.conflicts), "unknown_ids": len(self.unknown_ids),
                       "new_nodes": len(self.new_nodes)},
            "added": [{**s.to_dict(), "also_asserted_by": self.also_asserted.get(s.spo, [])} for s in self.added],
            "removed": [s.to_dict() for s in self.removed],
            "changed": [c.to_dict() for c in self.changed],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "unknown_ids": self.unknown_ids,
            "new_nodes": [{"id": n.id, "label": n.label, "category": n.category.value} for n in self.new_nodes],
            "warnings": self.warnings,
            "applicable": self.applicable,
        }


@dataclass
class ApplyResult:
    """What :func:`apply_update` did."""

    status: str                  # "applied", "reactivated" or "already_applied"
    plan: UpdatePlan
    previous_version: GraphVersion
    version: GraphVersion
    graph: str
    history_seq: int | None = None

    def to_dict(self) -> dict:
        return {"status": self.status, "graph": self.graph, "previous_version": self.previous_version.hash,
                "version": self.version.hash, "version_label": self.version.label, "history_seq": self.history_seq,
                "plan": self.plan.to_dict()}


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


# --------------------------------------------------------------------------- helpers
def _ref(home_or_store) -> StoreRef:
    """Where the graph lives: a store, a Home (with its ``store`` endpoint), a MEDKG_HOME path or graph/ path."""
    if isinstance(home_or_store, StoreBase):
        return home_or_store.ref
    if isinstance(home_or_store, (str, os.PathLike)):
        return StoreRef(graph_dir_of(os.fspath(home_or_store)))
    return store_ref(home_or_store)


def _graph_dir(home_or_store) -> Path:
    """The graph/ folder of a GraphStore, a Home, a MEDKG_HOME path or a graph/ path."""
    if isinstance(home_or_store, StoreBase):
        return home_or_store.ref.graph_dir
    if isinstance(home_or_store, (str, os.PathLike)):
        # a str, not a Path: kg.view.graph_dir_of reads `.root`, which every Path has ("/")
        return graph_dir_of(os.fspath(home_or_store))
    return graph_dir_of(home_or_store)


def _view_for(store: StoreBase, graph_dir: Path | None) -> nx.MultiDiGraph:
    """The view of ``store``: the cached route via ``load_view`` when it is the home's current store.

    Only for a read-only ``store``: opening a read-only handle while this process holds the
    writable one reads files the writer may have compacted away (RocksDB), so a writer
    builds the view from itself.
    """
    if not isinstance(store, GraphStore):
        return load_view(store.ref)       # a server: the cached base view plus the guideline graphs
    if graph_dir is not None and store.read_only:
        try:
            if current_store_path(graph_dir) == store.path.resolve():
                return load_view(os.fspath(graph_dir))
        except StoreError:
            pass
    return view_from_store(store)


def _open_writable_with_view(ref: StoreRef, G: nx.MultiDiGraph | None,
                             attempts: int = 3) -> tuple[StoreBase, nx.MultiDiGraph]:
    """The current store opened for writing plus a view of exactly its state.

    The view is loaded (read-only) *before* the write lock is taken, then checked against
    the locked store's version; if another writer got in between, it is loaded again.
    """
    for _ in range(attempts):
        if G is None:
            G = load_view(ref if ref.endpoint else os.fspath(ref.graph_dir))
        store = open_ref(ref, read_only=False)
        if store.version().hash == G.graph.get("version"):
            return store, G
        store.close()
        G = None
    where = ref.endpoint or ref.graph_dir
    raise StoreError(f"the graph in {where} keeps changing while an update is prepared; try again")


def _statement_from_edge(G: nx.MultiDiGraph, u: str, v: str, d: dict) -> GuidelineStatement:
    return GuidelineStatement(
        subject=u, predicate=Predicate(d["predicate"]), object=v,
        subject_label=G.nodes[u].get("label", "") if u in G else "",
        object_label=G.nodes[v].get("label", "") if v in G else "",
        strength=d.get("strength", ""), evidence_level=d.get("evidence_level", ""),
        references=tuple(d.get("references", ())), note=d.get("note", ""), score=d.get("score", ""), line=0)


def _graph_statements(store: StoreBase, G: nx.MultiDiGraph, iris: set[str]) -> dict[tuple, GuidelineStatement]:
    """The statements of the given (active) guideline graphs, keyed by (subject, predicate, object).

    They are read from the view, which overlays every active guideline graph (one pass over
    its edges, much faster than dumping the graphs from the store); a graph the view lacks
    is read from the store.
    """
    out: dict[tuple, GuidelineStatement] = {}
    if not iris:
        return out
    in_view = {s["graph"] for s in G.graph.get("sources", [])} & iris
    if in_view:
        for u, nbrs in G._succ.items():  # the adjacency dicts directly: ~3x faster than G.edges(data=True)
            for v, keyed in nbrs.items():
                for d in keyed.values():
                    if d.get("graph") in in_view:
                        st = _statement_from_edge(G, u, v, d)
                        out[st.spo] = st
    for iri in sorted(iris - in_view):
        builder = ViewBuilder()
        builder.add_graph_lines(store.graph_lines(iri), iri)
        for u, v, d in builder.G.edges(data=True):
            st = _statement_from_edge(G, u, v, d)
            out[st.spo] = st
    return out


_SAME_AS_INDEX: "weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[str, dict[str, set[str]]]]" = \
    weakref.WeakKeyDictionary()


def _same_as_index(G: nx.MultiDiGraph) -> dict[str, set[str]]:
    """node -> its same_as neighbours (either direction), built in one pass and cached per view."""
    hit = _SAME_AS_INDEX.get(G)
    if hit is not None and hit[0] == G.graph.get("version"):
        return hit[1]
    index: dict[str, set[str]] = {}
    for u, nbrs in G._succ.items():  # the adjacency dicts directly: ~10x faster than G.edges(data=True)
        for v, keyed in nbrs.items():
            for d in keyed.values():
                if d.get("predicate") == "same_as":
                    index.setdefault(u, set()).add(v)
                    index.setdefault(v, set()).add(u)
                    break
    _SAME_AS_INDEX[G] = (G.graph.get("version"), index)
    return index


class _Equivalents:
    """Cached same_as classes (a node's equivalents, itself included)."""

    def __init__(self, G: nx.MultiDiGraph):
        self.index = _same_as_index(G)
        self._cache: dict[str, frozenset[str]] = {}

    def __call__(self, node: str) -> frozenset[str]:
        hit = self._cache.get(node)
        if hit is not None:
            return hit
        index = self.index
        seen, stack = {node}, [node]
        while stack:
            for nbr in index.get(stack.pop(), ()):
                if nbr not in seen:
                    seen.add(nbr)
                    stack.append(nbr)
        result = frozenset(seen)
        for n in result:
            self._cache[n] = result
        return result


def _edge_dict(u: str, v: str, d: dict, sources: dict[str, dict]) -> dict:
    info = sources.get(d.get("graph", ""), {})
    return {"subject": u, "predicate": d.get("predicate"), "object": v, "source": d.get("source", ""),
            "source_version": d.get("source_version", ""), "kind": info.get("kind", ""),
            "graph": d.get("graph", ""), "references": list(d.get("references", ())),
            **{k: d[k] for k in ("strength", "evidence_level", "n_curators", "n_resources") if d.get(k)}}


def _names(G: nx.MultiDiGraph, node: str) -> set[str]:
    data = G.nodes[node]
    return {normalise_name(x) for x in (data.get("label", ""), *data.get("synonyms", ())) if x}


def _edge_for(g: Guideline, st: GuidelineStatement) -> Edge:
    qualifiers = tuple((k, v) for k, v in (("strength", st.strength), ("evidence_level", st.evidence_level),
                                           ("note", st.note), ("score", st.score)) if v)
    return Edge(st.subject, st.predicate, st.object, GUIDELINE_SOURCE_PREFIX + g.key, g.version,
                references=st.references, qualifiers=qualifiers)


def _fmt_ids(items: list[dict]) -> str:
    shown = [f"{x['id']} (line {x['line']}{', ' + repr(x['label']) if x['label'] else ''})" for x in items[:_LIST_LIMIT]]
    more = f" and {len(items) - _LIST_LIMIT} more" if len(items) > _LIST_LIMIT else ""
    return ", ".join(shown) + more


# --------------------------------------------------------------------------- plan
def plan_update(store_or_home, source: Guideline | str | Path, allow_new: bool = False, *,
                G: nx.MultiDiGraph | None = None) -> UpdatePlan:
    """Diff a guideline against the graph; nothing is written.

    ``store_or_home`` is a :class:`GraphStore`, a :class:`~kg.config.Home` or a MEDKG_HOME path;
    ``source`` a guideline file or a parsed :class:`Guideline` (e.g. from uploaded text via
    :func:`parse_guideline`); ``G`` a view of that store to reuse (default: loaded).
    """
    with _no_gc():
        return _plan_update(store_or_home, source, allow_new, G)


def _plan_update(store_or_home, source, allow_new: bool, G: nx.MultiDiGraph | None) -> UpdatePlan:
    guideline = source if isinstance(source, Guideline) else parse_guideline(source)
    if isinstance(store_or_home, StoreBase):
        store, own = store_or_home, False
        graph_dir = _graph_dir(store)
    else:
        graph_dir = _graph_dir(store_or_home)
        store = open_ref(_ref(store_or_home), read_only=True)
        own = True
    try:
        if G is None:
            G = _view_for(store, graph_dir)
        return _plan(store, G, guideline, allow_new)
    finally:
        if own:
            store.close()


@contextmanager
def _no_gc():
    """With a full view alive (~400k edge dicts), the cyclic collector's passes dominate the
    many small allocations of loading, planning and writing; none of it makes reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan(store: StoreBase, G: nx.MultiDiGraph, g: Guideline, allow_new: bool) -> UpdatePlan:
    infos = store.graphs()
    by_iri = {i.iri: i for i in infos}
    iri = guideline_graph_iri(g.key, g.version)
    base = version_of(infos).hash
    existing = by_iri.get(iri)
    status = "new"
    if existing is not None:
        if existing.kind != "guideline":
            raise GuidelineError(f"{g.path}: graph {iri} exists and is not a guideline graph")
        old_sha = existing.extra.get("sha256", "")
        if old_sha != g.sha256:
            raise GuidelineError(
                f"{g.path}: guideline {g.key!r} version {g.version!r} is already stored from a different file "
                f"({existing.extra.get('file', '?')}, sha256 {old_sha[:12]}; this file's is {g.sha256[:12]}); "
                f"give the changed guideline a new version")
        status = "already_applied" if existing.active else "reactivate"
    superseded = [i for i in infos if i.kind == "guideline" and i.active and i.iri != iri
                  and i.extra.get("key", i.name) == g.key]
    plan = UpdatePlan(guideline=g, graph=iri, base_version=base, status=status, superseded=superseded,
                      allow_new=allow_new)
    if status == "already_applied":
        plan.unchanged = len(g.statements)
        return plan

    # -- resolve ids ---------------------------------------------------------
    source_name = GUIDELINE_SOURCE_PREFIX + g.key
    superseded_iris = {i.iri for i in superseded}
    resolved: dict[str, str | None] = {}
    new_nodes: dict[str, Node] = {}
    carried: dict[str, Node] = {}
    unknown: dict[str, dict] = {}
    statements: list[GuidelineStatement] = []
    for st in g.statements:
        ids = []
        for role, cid, label in (("subject", st.subject, st.subject_label), ("object", st.object, st.object_label)):
            if cid not in resolved:
                resolved[cid] = try_resolve(G, cid)
            node = resolved[cid]
            if node is None:
                if cid in new_nodes:
                    ids.append(cid)
                elif allow_new and label:
                    new_nodes[cid] = Node(cid, category_for(st.predicate, role), label, source_name)
                    ids.append(cid)
                else:
                    unknown.setdefault(cid, {"id": cid, "line": st.line, "label": label, "role": role})
                    ids.append(cid)
                continue
            data = G.nodes[node]
            # A node that only a guideline defines (a new drug of an earlier version) is carried
            # into this version's graph, so it stays when the earlier version is deactivated.
            if str(data.get("source", "")).startswith(GUIDELINE_SOURCE_PREFIX) and node not in carried:
                carried[node] = Node(node, Category(data.get("category", "NamedThing")), data.get("label", label),
                                     data["source"], synonyms=tuple(data.get("synonyms", ())))
            if label and normalise_name(label) not in _names(G, node):
                plan.warnings.append(f"line {st.line}: {role} {cid} is labelled {label!r} in the guideline "
                                     f"but {data.get('label', '')!r} in the graph")
            ids.append(node)
        if ids[0] != st.subject or ids[1] != st.object:
            st = replace(st, subject=ids[0], object=ids[1])
        statements.append(st)
    if status == "reactivate" and unknown:
        # ids that the stored (inactive) graph itself defines were accepted when it was first applied
        defined = {curie_from_iri(s) for s in store.subjects_with(P.LABEL, iri)}
        unknown = {k: v for k, v in unknown.items() if k not in defined}
    plan.unknown_ids = list(unknown.values())
    plan.new_nodes = list(new_nodes.values())
    plan.nodes = list(new_nodes.values()) + [n for k, n in carried.items() if k not in new_nodes]
    seen: dict[tuple, GuidelineStatement] = {}
    for st in statements:
        if st.spo in seen:
            raise GuidelineError(f"{g.path}, line {st.line}: statement {' '.join(st.spo)} is the same as line "
                                 f"{seen[st.spo].line} once ids are resolved")
        seen[st.spo] = st

    # -- diff against the version(s) this one supersedes ----------------------
    old = _graph_statements(store, G, superseded_iris)
    for spo, st in seen.items():
        before = old.get(spo)
        if before is None:
            plan.added.append(st)
        elif before.strength != st.strength or before.evidence_level != st.evidence_level or \
                set(before.references) != set(st.references):
            plan.changed.append(Change(before, st))
        else:
            plan.unchanged += 1
    plan.removed = [old[spo] for spo in sorted(old.keys() - seen.keys())]
    plan.edges = [_edge_for(g, st) for st in statements]

    # -- conflicts, and who else already says the same ---------------------------
    sources = {s["graph"]: s for s in G.graph.get("sources", [])}
    eq = _Equivalents(G)
    succ = G._succ
    within: dict[tuple[frozenset, frozenset], list[GuidelineStatement]] = {}
    for st in statements:
        pred = st.predicate.value
        against = CONTRADICTS.get(pred, ())
        subj, obj = eq(st.subject), eq(st.object)
        if against:
            within.setdefault((subj, obj), []).append(st)
        for u in subj:
            nbrs = succ.get(u)
            if not nbrs:
                continue
            for v in (obj & nbrs.keys() if len(nbrs) > len(obj) else [x for x in nbrs if x in obj]):
                for d in nbrs[v].values():
                    graph = d.get("graph")
                    if graph in superseded_iris or graph == plan.graph:
                        continue
                    if d.get("predicate") == pred:
                        plan.also_asserted.setdefault(st.spo, []).append(
                            f"{d.get('source', '')}@{d.get('source_version', '')}")
                    elif d.get("predicate") in against:
                        other = _edge_dict(u, v, d, sources)
                        who = ("guideline " if other["kind"] == "guideline" else "source ") + \
                            f"{other['source']}@{other['source_version']}"
                        plan.conflicts.append(Conflict(st, other, f"{who} says {u} {d['predicate']} {v}"))
    for group in within.values():
        for st in group:
            clash = [o for o in group if o.predicate.value in CONTRADICTS.get(st.predicate.value, ())]
            for o in clash:
                if st.line < o.line or (st.line == o.line and st.spo < o.spo):
                    plan.conflicts.append(Conflict(st, {**o.to_dict(), "source": source_name,
                                                        "source_version": g.version, "graph": plan.graph},
                                                   f"this guideline also says {o.subject} {o.predicate.value} "
                                                   f"{o.object} (line {o.line})"))
    return plan


# --------------------------------------------------------------------------- apply
def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "") or "unknown"


def apply_update(home, source: Guideline | str | Path, allow_new: bool = False, *, applied_by: str | None = None,
                 allow_conflicts: bool = False, G: nx.MultiDiGraph | None = None) -> ApplyResult:
    """Apply a guideline atomically (one store transaction) and record it in the history.

    Raises :class:`GuidelineError` for ids not in the graph (unless ``allow_new`` and the row
    has a label), for conflicts (unless ``allow_conflicts``) and for a different file with the
    same key and version; the graph is then untouched. Returns ``status="already_applied"``
    (and writes nothing) when this very file is already the active version.
    """
    with _no_gc():
        return _apply_update(home, source, allow_new, applied_by, allow_conflicts, G)


def _apply_update(home, source, allow_new: bool, applied_by: str | None, allow_conflicts: bool,
                  G: nx.MultiDiGraph | None) -> ApplyResult:
    t0 = time.perf_counter()
    guideline = source if isinstance(source, Guideline) else parse_guideline(source)
    store, G = _open_writable_with_view(_ref(home), G)  # holds the write lock (embedded) from here
    log.info("apply %s@%s: parsed and view ready in %.2f s", guideline.key, guideline.version, time.perf_counter() - t0)
    try:
        previous = store.version()
        plan = _plan(store, G, guideline, allow_new)
        log.info("apply: planned in %.2f s", time.perf_counter() - t0)
        if plan.status == "already_applied":
            return ApplyResult("already_applied", plan, previous, previous, plan.graph, None)
        if plan.unknown_ids:
            hint = ("; to add new concepts, give each a label (subject_label/object_label) and use --allow-new"
                    if not allow_new else "; rows with new ids need a subject_label/object_label")
            raise GuidelineError(f"{guideline.path}: {len(plan.unknown_ids)} id(s) not in the graph: "
                                 f"{_fmt_ids(plan.unknown_ids)}{hint}")
        if plan.conflicts and not allow_conflicts:
            shown = "; ".join(f"line {c.statement.line}: {' '.join(c.statement.spo)} vs {c.reason}"
                              for c in plan.conflicts[:_LIST_LIMIT])
            more = f" and {len(plan.conflicts) - _LIST_LIMIT} more" if len(plan.conflicts) > _LIST_LIMIT else ""
            raise GuidelineError(f"{guideline.path}: {len(plan.conflicts)} conflict(s): {shown}{more}. "
                                 f"Review with --dry-run; apply anyway with --allow-conflicts")
        who = applied_by or _user()
        detail = {"key": guideline.key, "version": guideline.version, "graph": plan.graph,
                  "sha256": guideline.sha256, "file": guideline.path, "applied_by": who,
                  "supersedes": [i.iri for i in plan.superseded], "added": len(plan.added),
                  "removed": len(plan.removed), "changed": len(plan.changed), "conflicts": len(plan.conflicts),
                  "new_nodes": len(plan.new_nodes)}
        deactivate = {i.iri: False for i in plan.superseded}
        if plan.status == "reactivate":
            version = store.transaction(set_active={plan.graph: True, **deactivate}, action="reapply",
                                        detail=json.dumps(detail, sort_keys=True))
            status = "reactivated"
        else:
            lines: list[str] = []
            for node in plan.nodes:
                lines.extend(node_quads(node, plan.graph))
            for edge in plan.edges:
                lines.extend(edge_quads(edge, plan.graph))
            extra = {k: v for k, v in {
                "key": guideline.key, "version": guideline.version, "issuer": guideline.issuer,
                "guideline_id": guideline.guideline_id, "date": guideline.date, "title": guideline.title,
                "url": guideline.url, "applied_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "applied_by": who, "sha256": guideline.sha256, "file": guideline.path,
                "format": guideline.format, "statements": str(len(guideline.statements)),
                "new_nodes": str(len(plan.new_nodes)),
                "supersedes": " ".join(i.iri for i in plan.superseded)}.items() if v}
            info = GraphInfo(plan.graph, "guideline", guideline.key, guideline.version, content_hash(lines),
                             len(lines), True, license="", citation=guideline.citation or guideline.title,
                             extra=extra)
            _drop_orphan(store, plan.graph)
            staged = len(lines) > STAGE_THRESHOLD
            try:
                log.info("apply: %d quad lines ready in %.2f s (%s)", len(lines), time.perf_counter() - t0,
                         "staged bulk load" if staged else "one SPARQL update")
                if staged:
                    # Large guideline: bulk-load its quads into its named graph first. Until the
                    # transaction below lists it in the meta graph, that graph is invisible (not
                    # active: not in the version, the view, SPARQL or exports); a crash here leaves
                    # only such an orphan, which the next apply of this version drops.
                    store.bulk_load_lines(lines)
                version = store.transaction(add=None if staged else {plan.graph: lines}, new_graphs=[info],
                                            set_active=deactivate, action="update",
                                            detail=json.dumps(detail, sort_keys=True))
            except (RuntimeError, OSError, SyntaxError, ValueError) as err:
                # the publishing transaction is one SPARQL update: Oxigraph (embedded or server, whose
                # refusals are EndpointError, a RuntimeError) applied all of it or none
                if staged:
                    _drop_orphan(store, plan.graph)
                raise StoreError(f"applying {guideline.key}@{guideline.version} failed; the graph is unchanged "
                                 f"({previous.hash}): {err}") from None
            status = "applied"
        log.info("apply: committed in %.2f s", time.perf_counter() - t0)
        seq = len(store.history())
        return ApplyResult(status, plan, previous, version, plan.graph, seq)
    finally:
        store.close()
        log.info("apply: store closed (flushed) at %.2f s", time.perf_counter() - t0)


def _drop_orphan(store: StoreBase, iri: str) -> None:
    """Remove the quads of a named graph the meta graph does not list (left by a crashed apply)."""
    if iri in {g.iri for g in store.graphs()}:
        return
    if store.graph_has_quads(iri):
        store.drop_graph(iri)


# --------------------------------------------------------------------------- history / rollback
def history(home) -> list[HistoryEntry]:
    """Every recorded graph version (builds, updates, rollbacks), oldest first."""
    store = open_ref(_ref(home), read_only=True)
    try:
        return store.history()
    finally:
        store.close()


def guideline_versions(home) -> list[GraphInfo]:
    """Every stored guideline graph (active or not) with its metadata."""
    store = open_ref(_ref(home), read_only=True)
    try:
        return [g for g in store.graphs() if g.kind == "guideline"]
    finally:
        store.close()


def _history_entry(entries: list[HistoryEntry], version: str) -> HistoryEntry:
    version = (version or "").strip()
    if not version:
        raise InputError("give a graph version (see `medkg history`)")
    if version.isdigit() and len(version) < 6 and any(e.seq == int(version) for e in entries):
        # a history sequence number (hashes are 12 hex digits, so a short number is unambiguous)
        return next(e for e in entries if e.seq == int(version))
    matches = [e for e in entries if e.version.startswith(version)]
    if not matches:
        known = ", ".join(dict.fromkeys(e.version for e in entries))
        raise InputError(f"graph version {version!r} is not in the history; known versions: {known}")
    if len({e.version for e in matches}) > 1:
        raise InputError(f"graph version {version!r} is ambiguous: "
                         f"{', '.join(sorted({e.version for e in matches}))}")
    return matches[-1]


def rollback(home, version: str) -> GraphVersion:
    """Restore the graph exactly as it was at ``version`` (a hash, prefix or history seq).

    Sets every graph's active flag to that history entry's active set in one transaction and
    records a ``rollback`` history entry. Raises if a graph of that version is no longer stored
    (e.g. a rebuild replaced a source) or its content changed.
    """
    store = open_ref(_ref(home), read_only=False)
    try:
        entry = _history_entry(store.history(), version)
        target = set(entry.active_graphs)
        infos = store.graphs()
        have = {g.iri for g in infos}
        missing = sorted(target - have)
        if missing:
            raise StoreError(f"cannot roll back to {entry.version}: graph(s) {', '.join(missing)} are no longer "
                             f"stored (the graph was rebuilt since)")
        changes = {g.iri: g.iri in target for g in infos if g.active != (g.iri in target)}
        predicted = version_of([GraphInfo(g.iri, g.kind, g.name, g.version, g.content_hash, g.quads,
                                          g.iri in target, g.license, g.citation, g.extra) for g in infos])
        if predicted.hash != entry.version:
            raise StoreError(f"cannot restore {entry.version} exactly: its graphs' contents changed since "
                             f"(they would give {predicted.hash})")
        if not changes:
            return store.version()
        detail = {"to": entry.version, "to_seq": entry.seq, "from": store.version().hash,
                  "activated": sorted(k for k, v in changes.items() if v),
                  "deactivated": sorted(k for k, v in changes.items() if not v)}
        return store.transaction(set_active=changes, action="rollback", detail=json.dumps(detail, sort_keys=True))
    finally:
        store.close()


# --------------------------------------------------------------------------- why
def why(G: nx.MultiDiGraph, subject: str, predicate: str | Predicate | None, obj: str) -> list[dict]:
    """Every source and guideline version that asserts ``subject predicate obj`` in the view ``G``.

    Ids resolve (alt ids, obsolete terms) and equivalent ids (same_as) count, so an edge
    stated between a MONDO disease and a DrugBank drug answers a question asked with the
    DOID id. ``predicate`` None (or ``"*"``) means any predicate.
    """
    pred = None
    if predicate not in (None, "", "*", "any"):
        pred = (predicate if isinstance(predicate, Predicate) else Predicate.parse(str(predicate))).value
    nodes = []
    for cid in (subject, obj):
        node = try_resolve(G, cid)
        if node is None:
            raise ConceptNotFound(f"concept {cid!r} is not in the graph ({G.number_of_nodes()} nodes); "
                                  f"search labels with `medkg concepts QUERY`")
        nodes.append(node)
    eq = _Equivalents(G)
    sources = {s["graph"]: s for s in G.graph.get("sources", [])}
    out = []
    for u in sorted(eq(nodes[0])):
        for v in sorted(eq(nodes[1])):
            for key, d in (G.get_edge_data(u, v) or {}).items():
                if pred is not None and d.get("predicate") != pred:
                    continue
                if d.get("predicate") == "same_as" and pred is None:
                    continue
                rec = _edge_dict(u, v, d, sources)
                rec["edge"] = key
                out.append(rec)
    out.sort(key=lambda r: (r["kind"] != "source", r["source"], r["source_version"], r["subject"], r["object"]))
    return out


# --------------------------------------------------------------------------- suggestions (never applied)
_SUGGEST_PATTERNS: list[tuple[str, str]] = [
    # (regex with <x> drug and <y> disease groups, predicate); tried in order, negative ones first
    (r"(?P<x>[\w\-/ ]+?) (?:should not|must not|cannot) be (?:used|given|prescribed) (?:in|for|to treat) "
     r"(?:patients with |adults with |children with |people with )?(?P<y>[\w\-' ]+)", "not_indicated_for"),
    (r"(?P<x>[\w\-/ ]+?) (?:is|are) not recommended (?:for|in) (?:the treatment of )?"
     r"(?:patients with |adults with |children with |people with )?(?P<y>[\w\-' ]+)", "not_indicated_for"),
    (r"(?P<x>[\w\-/ ]+?) (?:is|are) contraindicated in (?:patients with |adults with |children with )?"
     r"(?P<y>[\w\-' ]+)", "not_indicated_for"),
    (r"(?P<x>[\w\-/ ]+?) (?:is|are) recommended (?:for|in|to treat) (?:the treatment of )?"
     r"(?:patients with |adults with |children with |people with )?(?P<y>[\w\-' ]+)", "treats"),
    (r"(?:we )?recommend (?:the use of )?(?P<x>[\w\-/ ]+?) (?:for|in) (?:the treatment of )?"
     r"(?:patients with |adults with |children with |people with )?(?P<y>[\w\-' ]+)", "treats"),
    (r"(?P<x>[\w\-/ ]+?) should be (?:used|given|prescribed) (?:in|for|to treat) "
     r"(?:patients with |adults with |children with |people with )?(?P<y>[\w\-' ]+)", "treats"),
]
_GRADE = re.compile(r"\((strong|conditional|weak)\s+recommendation[,;]\s*(high|moderate|low|very low)"
                    r"[\s-]+quality", re.IGNORECASE)


class _NameIndex:
    """Exact (normalised, as :mod:`kg.lookup` normalises) label/synonym -> nodes, per category."""

    def __init__(self, G: nx.MultiDiGraph):
        from kg.ids import CANONICAL_PREFIX_ORDER

        order = {p: i for i, p in enumerate(CANONICAL_PREFIX_ORDER)}
        self.names: dict[tuple[str, str], list[str]] = {}
        for node, data in G.nodes(data=True):
            if data.get("obsolete") or not data.get("label"):
                continue
            for name in (data["label"], *data.get("synonyms", ())):
                self.names.setdefault((data.get("category", ""), normalise_name(name)), []).append(node)
        for nodes in self.names.values():  # DOID before MONDO before UMLS..., as kg.ids.canonical
            nodes.sort(key=lambda n: (order.get(n.split(":", 1)[0], 99), n))
        self.G = G

    def find(self, phrase: str, category: str) -> tuple[str, str] | None:
        """The concept named by the longest run of words in ``phrase`` ("oral amoxicillin daily")."""
        words = normalise_name(phrase).split()
        for size in range(min(len(words), 8), 0, -1):
            for start in range(len(words) - size, -1, -1):  # rightmost first: the head noun of a phrase
                name = " ".join(words[start:start + size])
                nodes = self.names.get((category, name)) if len(name) >= 3 else None
                if nodes:
                    return nodes[0], self.G.nodes[nodes[0]].get("label", "")
        return None


def suggest(G: nx.MultiDiGraph, text: str, source: str = "") -> list[dict]:
    """Candidate statements from free guideline text, for a person to review (never applied).

    Simple sentence patterns ("X is recommended for Y", "X should not be used in Y", ...) whose
    X is a drug and Y a disease by an exact label/synonym match in the graph (names normalised
    as :class:`kg.lookup.ConceptIndex` does; the longest matching run of words wins, and among
    equivalent nodes the DOID/MONDO one). Each row is in the guideline table format, with the
    sentence and its line in ``note``.
    """
    import re as _re

    index = _NameIndex(G)
    rows: list[dict] = []
    seen: set[tuple] = set()
    offsets = [0] + [m.end() for m in _re.finditer("\n", text)]
    for m in _re.finditer(r"[^.!?]+[.!?]?", text):
        sentence = " ".join(m.group(0).split())
        if not sentence:
            continue
        line = bisect.bisect_right(offsets, m.start() + (len(m.group(0)) - len(m.group(0).lstrip())))
        grade = _GRADE.search(sentence)
        low = sentence.lower()
        for pattern, predicate in _SUGGEST_PATTERNS:
            hit = _re.search(pattern, low)
            if not hit:
                continue
            drugs = [x for x in _re.split(r",\s*|\s+or\s+|\s+and\s+", hit.group("x")) if x.strip()]
            disease = index.find(hit.group("y"), "Disease")
            if disease is None:
                break
            for phrase in drugs:
                drug = index.find(phrase, "Drug")
                if drug is None or (drug[0], predicate, disease[0]) in seen:
                    continue
                seen.add((drug[0], predicate, disease[0]))
                rows.append({"subject": drug[0], "predicate": predicate, "object": disease[0],
                             "subject_label": drug[1], "object_label": disease[1],
                             "strength": grade.group(1).lower() if grade else "",
                             "evidence_level": grade.group(2).lower() if grade else "",
                             "citation": source, "note": f"SUGGESTED from line {line}: {sentence[:300]}"})
            break
    return rows
