"""Evidence paths: how a patient's finding reaches a disease through typed, sourced edges.

A path runs finding -> subclass_of ancestors -> the phenotype the disease is annotated
with <- has_phenotype - disease (or the other way down the hierarchy when the disease
is annotated with a more specific term, or across ``same_as`` when a symptom id and an
HPO term mean the same thing). Every edge is a real edge of the graph with its
provenance.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> _ = G.add_edge("HP:0001945", "HP:0001939", key="e1", predicate="subclass_of", source="hpo")
>>> _ = G.add_edge("OMIM:1", "HP:0001939", key="e2", predicate="has_phenotype", source="hpo", references=("PMID:1",))
>>> [(u, d["predicate"], v) for u, v, k, d in evidence_path(G, "HP:0001945", "OMIM:1", "HP:0001939")]
[('HP:0001945', 'subclass_of', 'HP:0001939'), ('OMIM:1', 'has_phenotype', 'HP:0001939')]
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import Iterable

import networkx as nx

from kg.errors import ConceptNotFound

__all__ = ["hierarchy_path", "evidence_path", "annotation_edges", "EdgeRef", "ancestors_within", "n_children",
           "same_as_closure", "hierarchy_index", "HierarchyIndex"]

EdgeRef = tuple[str, str, str, dict]  # (subject, object, key, data)

_LINKS = ("subclass_of", "same_as")


class HierarchyIndex:
    """subclass_of parents/children and same_as neighbours of every node, for fast walks.

    High-degree phenotypes have thousands of incoming has_phenotype edges; walking the
    hierarchy through ``G.in_edges`` would scan them all, so the links are indexed once
    per graph. The view is read-only once loaded; code that changes a graph after walking it
    calls :func:`hierarchy_index` with ``refresh=True``.
    """

    def __init__(self, G: nx.MultiDiGraph):
        self.parents: dict[str, list[tuple[str, str]]] = {}
        self.children: dict[str, list[tuple[str, str]]] = {}
        self.same: dict[str, list[tuple[str, str, str]]] = {}
        for u, v, key, data in G.edges(keys=True, data=True):
            pred = data.get("predicate")
            if pred == "subclass_of":
                self.parents.setdefault(u, []).append((v, key))
                self.children.setdefault(v, []).append((u, key))
            elif pred == "same_as":
                self.same.setdefault(u, []).append((v, u, key))   # (neighbour, edge subject, key)
                self.same.setdefault(v, []).append((u, u, key))


_INDEXES: "weakref.WeakKeyDictionary[nx.MultiDiGraph, HierarchyIndex]" = weakref.WeakKeyDictionary()


def hierarchy_index(G: nx.MultiDiGraph, refresh: bool = False) -> HierarchyIndex:
    """The (cached) hierarchy index of ``G``."""
    index = None if refresh else _INDEXES.get(G)
    if index is None:
        index = HierarchyIndex(G)
        _INDEXES[G] = index
    return index


def _steps(G: nx.MultiDiGraph, node: str, upward_only: bool) -> Iterable[tuple[str, EdgeRef]]:
    index = hierarchy_index(G)
    for parent, key in index.parents.get(node, ()):
        yield parent, (node, parent, key, G[node][parent][key])
    for other, subject, key in index.same.get(node, ()):
        obj = node if subject != node else other
        yield other, (subject, obj, key, G[subject][obj][key])
    if not upward_only:
        for child, key in index.children.get(node, ()):
            yield child, (child, node, key, G[child][node][key])


def hierarchy_path(G: nx.MultiDiGraph, source: str, target: str, max_len: int = 12) -> list[EdgeRef] | None:
    """Shortest path between two concepts along subclass_of (upward) and same_as edges.

    Tries ``source`` up to ``target`` first, then ``target`` up to ``source`` (the disease's
    term is more specific), each allowing ``same_as`` hops; None when neither connects.
    """
    for start, goal in ((source, target), (target, source)):
        path = _bfs(G, start, goal, max_len)
        if path is not None:
            return path
    return None


def _bfs(G: nx.MultiDiGraph, start: str, goal: str, max_len: int) -> list[EdgeRef] | None:
    if start not in G or goal not in G:
        return None
    if start == goal:
        return []
    prev: dict[str, tuple[str, EdgeRef]] = {}
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        node, depth = queue.popleft()
        if depth >= max_len:
            continue
        for nbr, edge in _steps(G, node, upward_only=True):
            if nbr in seen:
                continue
            seen.add(nbr)
            prev[nbr] = (node, edge)
            if nbr == goal:
                path = []
                cur = goal
                while cur != start:
                    parent, e = prev[cur]
                    path.append(e)
                    cur = parent
                return path[::-1]
            queue.append((nbr, depth + 1))
    return None


def annotation_edges(G: nx.MultiDiGraph, disease: str, phenotype: str,
                     predicates: tuple[str, ...] = ("has_phenotype",)) -> list[EdgeRef]:
    """Every edge disease -[predicate]-> phenotype (one per source row), with its data."""
    if disease not in G or phenotype not in G[disease]:
        return []
    return [(disease, phenotype, key, data) for key, data in G[disease][phenotype].items()
            if data.get("predicate") in predicates]


def evidence_path(G: nx.MultiDiGraph, finding: str, disease: str, matched: str | None = None,
                  max_len: int = 12) -> list[EdgeRef]:
    """Edges from ``finding`` to ``disease`` through the phenotype ``matched`` (if known).

    Without ``matched``, the closest annotated phenotype of the disease is searched.
    Returns [] when no path exists.
    """
    if finding not in G:
        raise ConceptNotFound(f"finding {finding!r} is not in the graph ({G.number_of_nodes()} nodes)")
    if disease not in G:
        raise ConceptNotFound(f"disease {disease!r} is not in the graph ({G.number_of_nodes()} nodes)")
    targets = [matched] if matched else sorted(
        {o for _, o, d in G.out_edges(disease, data=True) if d.get("predicate") == "has_phenotype"})
    best: list[EdgeRef] | None = None
    for target in targets:
        link = hierarchy_path(G, finding, target, max_len)
        if link is None:
            continue
        annotations = annotation_edges(G, disease, target)[:1] or _equivalent_annotation(G, disease, target, max_len)
        if not annotations:
            continue
        candidate = link + annotations
        if best is None or len(candidate) < len(best):
            best = candidate
    return best or []


def _equivalent_annotation(G: nx.MultiDiGraph, disease: str, phenotype: str, max_len: int) -> list[EdgeRef]:
    """An annotation of ``phenotype`` on a ``same_as`` equivalent of ``disease``, then the same_as hops back.

    The ranker's annotation table shares annotations between equivalent diseases (e.g. OMIM
    and Orphanet entries joined by a MONDO exact match), so the evidence names where the row is.
    """
    best: list[EdgeRef] = []
    for other in sorted(same_as_closure(G, disease) - {disease}):
        annotations = annotation_edges(G, other, phenotype)
        if not annotations:
            continue
        hops = _bfs(G, other, disease, max_len)
        if hops is not None and (not best or len(hops) + 1 < len(best)):
            best = annotations[:1] + hops
    return best


def ancestors_within(G: nx.MultiDiGraph, node: str, max_depth: int) -> dict[str, int]:
    """subclass_of ancestors of ``node`` with their distance (1 = parent)."""
    index = hierarchy_index(G)
    out: dict[str, int] = {}
    frontier = [node]
    for depth in range(1, max_depth + 1):
        nxt = []
        for cur in frontier:
            for parent, _ in index.parents.get(cur, ()):
                if parent not in out and parent != node:
                    out[parent] = depth
                    nxt.append(parent)
        frontier = nxt
    return out


def n_children(G: nx.MultiDiGraph, node: str) -> int:
    """Number of direct subclass_of children."""
    return len(hierarchy_index(G).children.get(node, ()))


def same_as_closure(G: nx.MultiDiGraph, node: str) -> set[str]:
    """``node`` and every node linked to it by same_as edges (either direction)."""
    index = hierarchy_index(G)
    seen, stack = {node}, [node]
    while stack:
        cur = stack.pop()
        for other, _, _ in index.same.get(cur, ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen
