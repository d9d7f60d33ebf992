"""The networkx view: a ``MultiDiGraph`` built from the store's active graphs, cached on disk.

Nodes carry ``category``, ``label``, ``synonyms``, ``lay_synonyms``, ``definition``,
``xrefs``, ``alt_ids``, ``obsolete``, ``replaced_by`` and ``source`` (the first source,
in build order, that defines the node). Edges are keyed by their statement id and carry
``predicate``, ``source``, ``source_version``, ``references`` and their qualifiers.
``G.graph`` holds ``version``, ``version_label`` and ``sources`` (name, version, licence,
citation of every active graph).

The cache file is ``graph/view-<version>.pickle``: a later command loads it in seconds.

>>> import tempfile
>>> from kg.records import Edge, Node, SourceData
>>> from kg.store import GraphStore
>>> from kg.vocab import Category, Predicate
>>> st = GraphStore.create(Path(tempfile.mkdtemp()) / "s")
>>> _ = st.load_source(SourceData("toy", "1",
...     nodes=[Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "toy"),
...            Node("OMIM:1", Category.DISEASE, "Toy disease", "toy")],
...     edges=[Edge("OMIM:1", Predicate.HAS_PHENOTYPE, "HP:0001945", "toy", "1", ("PMID:9",))]),
...     license="CC0", citation="")
>>> G = view_from_store(st)
>>> G.nodes["HP:0001945"]["label"], [d["references"] for _, _, d in G.edges(data=True)]
('Fever', [('PMID:9',)])
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Callable

import networkx as nx

from kg.rdf import P, curie_from_iri, unescape_literal
from kg.store import GraphStore, open_store
from kg.vocab import EDGE_NS, Predicate

__all__ = ["view_from_store", "load_view", "cached_view_path"]

log = logging.getLogger(__name__)

_CAT_PREFIX = "https://w3id.org/biolink/vocab/"
_NODE_LIST_ATTRS = {P.SYNONYM: "synonyms", P.LAY_SYNONYM: "lay_synonyms", P.XREF: "xrefs", P.ALT_ID: "alt_ids"}
_EDGE_FIXED = {P.SUBJECT, P.PREDICATE, P.OBJECT, P.SOURCE, P.SOURCE_VERSION, P.REFERENCE}
_QUAL = P.QUALIFIER


def _parse_line(line: str) -> tuple[str, str, str, bool]:
    """Split an N-Quads line written by Oxigraph into (subject, predicate, object, object_is_iri).

    Subjects and predicates are IRIs; the object is an IRI or a literal (the graph term
    is dropped).
    """
    s_end = line.index("> ")
    subject = line[1:s_end]
    rest = line[s_end + 2:]
    p_end = rest.index("> ")
    predicate = rest[1:p_end]
    rest = rest[p_end + 2:]
    if rest.startswith("<"):
        o_end = rest.index(">")
        return subject, predicate, rest[1:o_end], True
    # literal: "..." possibly followed by ^^<type> or @lang, then the graph term
    i = 1
    while True:
        j = rest.index('"', i)
        k = j - 1
        backslashes = 0
        while rest[k] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2 == 0:
            break
        i = j + 1
    return subject, predicate, unescape_literal(rest[1:j]), False


def view_from_store(store: GraphStore, graphs: list[str] | None = None,
                    progress: Callable[[str], None] | None = None) -> nx.MultiDiGraph:
    """Build the reasoning view from the store's active graphs (or the given ones)."""
    infos = {g.iri: g for g in store.graphs()}
    names = graphs if graphs is not None else [g.iri for g in store.active_graphs()]
    # Build order: sources first (in the order they were loaded), then guidelines.
    names = sorted(names, key=lambda g: (infos[g].kind != "source", infos[g].extra.get("order", "0").zfill(4), g)
                   if g in infos else (True, "9999", g))
    G = nx.MultiDiGraph()
    for gname in names:
        if progress:
            progress(gname)
        node_props: dict[str, dict] = {}
        edges: dict[str, dict] = {}
        for line in store.graph_lines(gname):
            s, p, o, o_iri = _parse_line(line)
            if s.startswith(EDGE_NS):
                rec = edges.setdefault(s[len(EDGE_NS):], {"references": []})
                if p == P.SUBJECT:
                    rec["subject"] = curie_from_iri(o)
                elif p == P.OBJECT:
                    rec["object"] = curie_from_iri(o)
                elif p == P.PREDICATE:
                    rec["predicate"] = Predicate.from_iri(o).value
                elif p == P.SOURCE:
                    rec["source"] = o
                elif p == P.SOURCE_VERSION:
                    rec["source_version"] = o
                elif p == P.REFERENCE:
                    rec["references"].append(o)
                elif p.startswith(_QUAL):
                    rec[p[len(_QUAL):]] = o
                continue
            if not (p in _NODE_LIST_ATTRS or p in (P.LABEL, P.CATEGORY, P.DEFINITION, P.DEPRECATED,
                                                   P.REPLACED_BY, P.DEFINED_BY)):
                continue  # the direct edge triple: the reified statement carries it with provenance
            props = node_props.setdefault(s, {})
            if p in _NODE_LIST_ATTRS:
                props.setdefault(_NODE_LIST_ATTRS[p], []).append(o)
            elif p == P.LABEL:
                props["label"] = o
            elif p == P.CATEGORY:
                props["category"] = o[len(_CAT_PREFIX):] if o.startswith(_CAT_PREFIX) else o
            elif p == P.DEFINITION:
                props["definition"] = o
            elif p == P.DEPRECATED:
                props["obsolete"] = o == "true"
            elif p == P.REPLACED_BY:
                props["replaced_by"] = curie_from_iri(o)
            elif p == P.DEFINED_BY:
                props["source"] = o
        for s_iri, props in node_props.items():
            node = sys.intern(curie_from_iri(s_iri))
            for key in ("synonyms", "lay_synonyms", "xrefs", "alt_ids"):
                if key in props:
                    props[key] = tuple(sorted(props[key]))
            if node in G and G.nodes[node].get("label"):
                existing = G.nodes[node]
                for key in ("synonyms", "lay_synonyms", "xrefs", "alt_ids"):
                    if key in props:
                        existing[key] = tuple(dict.fromkeys(existing.get(key, ()) + props[key]))
                for key, value in props.items():
                    existing.setdefault(key, value)
            else:
                G.add_node(node, **props)
        for edge_id, rec in edges.items():
            if "subject" not in rec or "object" not in rec or "predicate" not in rec:
                log.warning("incomplete edge statement %s in %s", edge_id, gname)
                continue
            rec["references"] = tuple(sorted(rec["references"]))
            subject = sys.intern(rec.pop("subject"))
            obj = sys.intern(rec.pop("object"))
            rec["predicate"] = sys.intern(rec["predicate"])
            rec["source"] = sys.intern(rec.get("source", ""))
            rec["source_version"] = sys.intern(rec.get("source_version", ""))
            rec["graph"] = gname
            G.add_edge(subject, obj, key=edge_id, **rec)
    version = store.version()
    G.graph["version"] = version.hash
    G.graph["version_label"] = version.label
    G.graph["sources"] = [
        {"name": infos[g].name, "version": infos[g].version, "kind": infos[g].kind,
         "license": infos[g].license, "citation": infos[g].citation, "graph": g}
        for g in names if g in infos
    ]
    from kg.ids import build_alias_table

    G.graph["aliases"] = build_alias_table(G)
    return G


def cached_view_path(graph_dir: Path, version: str) -> Path:
    return Path(graph_dir) / f"view-{version}.pickle"


def load_view(home_or_graph_dir: Path, use_cache: bool = True,
              progress: Callable[[str], None] | None = None) -> nx.MultiDiGraph:
    """The view of the current store, from the cache when it matches the store's version.

    Accepts a MEDKG_HOME (or a :class:`kg.config.Home`) or its ``graph/`` folder.
    """
    root = getattr(home_or_graph_dir, "root", home_or_graph_dir)
    graph_dir = Path(root)
    if (graph_dir / "graph").is_dir() or not (graph_dir / "current").exists():
        graph_dir = graph_dir / "graph" if graph_dir.name != "graph" else graph_dir
    store = open_store(graph_dir, read_only=True)
    try:
        version = store.version().hash
        cache = cached_view_path(graph_dir, version)
        if use_cache and cache.exists():
            try:
                with open(cache, "rb") as fh:
                    return pickle.load(fh)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as err:
                log.warning("ignoring unreadable view cache %s: %s", cache, err)
        G = view_from_store(store, progress=progress)
    finally:
        store.close()
    if use_cache:
        save_view(G, cache)
    return G


def save_view(G: nx.MultiDiGraph, path: Path) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    for old in path.parent.glob("view-*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)
