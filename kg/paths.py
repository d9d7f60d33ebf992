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

from collections import deque
from typing import Iterable

import networkx as nx

from kg.errors import ConceptNotFound

__all__ = ["hierarchy_path", "evidence_path", "annotation_edges", "EdgeRef", "ancestors_within"]

EdgeRef = tuple[str, str, str, dict]  # (subject, object, key, data)

_LINKS = ("subclass_of", "same_as")


def _steps(G: nx.MultiDiGraph, node: str, upward_only: bool) -> Iterable[tuple[str, EdgeRef]]:
    for _, nbr, key, data in G.out_edges(node, keys=True, data=True):
        if data.get("predicate") in _LINKS:
            yield nbr, (node, nbr, key, data)
    for nbr, _, key, data in G.in_edges(node, keys=True, data=True):
        pred = data.get("predicate")
        if pred == "same_as" or (pred == "subclass_of" and not upward_only):
            yield nbr, (nbr, node, key, data)


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
    if disease not in G:
        return []
    out = []
    for _, obj, key, data in G.out_edges(disease, keys=True, data=True):
        if obj == phenotype and data.get("predicate") in predicates:
            out.append((disease, obj, key, data))
    return out


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
        annotations = annotation_edges(G, disease, target)
        if not annotations:
            continue
        candidate = link + annotations[:1]
        if best is None or len(candidate) < len(best):
            best = candidate
    return best or []


def ancestors_within(G: nx.MultiDiGraph, node: str, max_depth: int, predicate: str = "subclass_of") -> dict[str, int]:
    """Ancestors of ``node`` along ``predicate`` edges, with their distance (1 = parent)."""
    out: dict[str, int] = {}
    frontier = [node]
    for depth in range(1, max_depth + 1):
        nxt = []
        for cur in frontier:
            for _, parent, data in G.out_edges(cur, data=True):
                if data.get("predicate") == predicate and parent not in out and parent != node:
                    out[parent] = depth
                    nxt.append(parent)
        frontier = nxt
    return out
