"""The networkx view: a ``MultiDiGraph`` for reasoning, built from the store's active graphs.

Nodes carry ``category``, ``label``, ``synonyms``, ``lay_synonyms``, ``definition``,
``xrefs``, ``alt_ids``, ``obsolete``, ``replaced_by`` and ``source`` (the first source,
in build order, that defines the node). Edges are keyed by their statement id and carry
``predicate``, ``source``, ``source_version``, ``references``, ``graph`` and their
qualifiers (``frequency``, ``onset``, ...). ``G.graph`` holds ``version``,
``version_label``, ``sources`` (name, version, kind, licence, citation of every active
graph) and ``aliases`` (alt/obsolete id -> node).

Caching: the part of the view that comes from the sources (the *base*) is pickled at
``graph/view-base-<hash>.pickle`` when the graph is built (from the very records that
were written to the store); guideline graphs, which are small, are read from the store
and laid over it on every load. Without a cache the whole view is rebuilt from the store.
``tests/kg/test_view.py`` checks that both routes give the same graph.

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

import gc
import hashlib
import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Callable, Iterable

import networkx as nx

from kg.rdf import P, curie_from_iri, unescape_literal
from kg.records import Node, SourceData
from kg.store import GraphInfo, StoreBase, graph_dir_of, open_ref, store_ref, version_of  # noqa: F401 (graph_dir_of: re-exported)
from kg.vocab import EDGE_NS, Predicate

__all__ = ["view_from_store", "view_from_sources", "load_view", "save_base_view", "ViewBuilder", "finish_view"]

log = logging.getLogger(__name__)

_CAT_PREFIX = "https://w3id.org/biolink/vocab/"
_NODE_LIST_ATTRS = {P.SYNONYM: "synonyms", P.LAY_SYNONYM: "lay_synonyms", P.XREF: "xrefs", P.ALT_ID: "alt_ids"}
_NODE_PROPS = set(_NODE_LIST_ATTRS) | {P.LABEL, P.CATEGORY, P.DEFINITION, P.DEPRECATED, P.REPLACED_BY, P.DEFINED_BY}
_LIST_KEYS = ("synonyms", "lay_synonyms", "xrefs", "alt_ids")
_QUAL = P.QUALIFIER


class ViewBuilder:
    """Accumulates nodes and edges, graph by graph, into one MultiDiGraph.

    A node defined by several sources keeps the first source's label and category and
    the union of all names and xrefs.
    """

    def __init__(self, G: nx.MultiDiGraph | None = None):
        self.G = G if G is not None else nx.MultiDiGraph()

    def add_node(self, node: str, props: dict) -> None:
        node = sys.intern(node)
        for key in _LIST_KEYS:
            if key in props:
                props[key] = tuple(sorted(set(props[key])))
        G = self.G
        if node in G and G.nodes[node].get("label"):
            existing = G.nodes[node]
            for key in _LIST_KEYS:
                if key in props:
                    existing[key] = tuple(sorted(set(existing.get(key, ())) | set(props[key])))
            for key, value in props.items():
                existing.setdefault(key, value)
        elif node in G:
            G.nodes[node].update(props)
        else:
            G.add_node(node, **props)

    def add_edge(self, edge_id: str, rec: dict, graph: str) -> None:
        subject = sys.intern(rec.pop("subject"))
        obj = sys.intern(rec.pop("object"))
        rec["references"] = tuple(sorted(rec.get("references", ())))
        rec["predicate"] = sys.intern(rec["predicate"])
        rec["source"] = sys.intern(rec.get("source", ""))
        rec["source_version"] = sys.intern(rec.get("source_version", ""))
        rec["graph"] = sys.intern(graph)
        for key in ("evidence", "frequency", "onset", "sex", "aspect"):
            if key in rec:
                rec[key] = sys.intern(rec[key])
        self.G.add_edge(subject, obj, key=edge_id, **rec)

    # -- from records --------------------------------------------------------
    def add_source_data(self, data: SourceData, graph: str) -> None:
        for node in data.nodes:
            self.add_node(node.id, node_props(node))
        for edge in data.edges:
            rec = {"subject": edge.subject, "object": edge.object, "predicate": edge.predicate.value,
                   "source": edge.source, "source_version": edge.source_version,
                   "references": edge.references, **dict(edge.qualifiers)}
            self.add_edge(edge.id, rec, graph)

    # -- from N-Quads lines (the store) --------------------------------------
    def add_graph_lines(self, lines: Iterable[str], graph: str) -> None:
        node_rec: dict[str, dict] = {}
        edges: dict[str, dict] = {}
        for line in lines:
            s, p, o = _parse_line(line)
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
            if p not in _NODE_PROPS:
                continue  # the direct triple of an edge: its reified statement carries the provenance
            props = node_rec.setdefault(s, {})
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
        for s_iri, props in node_rec.items():
            self.add_node(curie_from_iri(s_iri), props)
        for edge_id, rec in edges.items():
            if not {"subject", "object", "predicate"} <= rec.keys():
                log.warning("incomplete edge statement %s in %s", edge_id, graph)
                continue
            self.add_edge(edge_id, rec, graph)


def node_props(node: Node) -> dict:
    """A node's attributes exactly as the store route produces them (empty ones left out)."""
    props: dict = {"category": node.category.value, "source": node.source}
    if node.label:
        props["label"] = node.label
    for key in _LIST_KEYS:
        value = getattr(node, key)
        if value:
            props[key] = tuple(value)
    if node.definition:
        props["definition"] = node.definition
    if node.obsolete:
        props["obsolete"] = True
    if node.replaced_by:
        props["replaced_by"] = node.replaced_by
    return props


def _parse_line(line: str) -> tuple[str, str, str]:
    """Split an N-Quads line into (subject IRI, predicate IRI, object IRI or literal value)."""
    s_end = line.index("> ")
    subject = line[1:s_end]
    rest = line[s_end + 2:]
    p_end = rest.index("> ")
    predicate = rest[1:p_end]
    rest = rest[p_end + 2:]
    if rest.startswith("<"):
        return subject, predicate, rest[1:rest.index(">")]
    i = 1
    while True:  # find the closing quote that is not escaped
        j = rest.index('"', i)
        k, backslashes = j - 1, 0
        while rest[k] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2 == 0:
            break
        i = j + 1
    return subject, predicate, unescape_literal(rest[1:j])


def _order_key(info: GraphInfo) -> tuple:
    return (info.kind != "source", int(info.extra.get("order", "0") or 0), info.iri)


def finish_view(G: nx.MultiDiGraph, infos: list[GraphInfo]) -> nx.MultiDiGraph:
    from kg.ids import build_alias_table

    version = version_of(infos)
    G.graph["version"] = version.hash
    G.graph["version_label"] = version.label
    G.graph["sources"] = [
        {"name": g.name, "version": g.version, "kind": g.kind, "license": g.license,
         "citation": g.citation, "graph": g.iri}
        for g in sorted((g for g in infos if g.active), key=_order_key)
    ]
    G.graph["aliases"] = build_alias_table(G)
    return G


def view_from_sources(datas: list[SourceData], infos: list[GraphInfo]) -> nx.MultiDiGraph:
    """The base view straight from the records a build wrote (``infos[i]`` is ``datas[i]``'s graph)."""
    builder = ViewBuilder()
    for data, info in sorted(zip(datas, infos), key=lambda x: _order_key(x[1])):
        builder.add_source_data(data, info.iri)
    return finish_view(builder.G, infos)


def view_from_store(store: StoreBase, graphs: list[str] | None = None,
                    progress: Callable[[str], None] | None = None,
                    base: nx.MultiDiGraph | None = None) -> nx.MultiDiGraph:
    """Build the view from the store's active graphs (or the given ones), optionally over a base."""
    infos = store.graphs()
    by_iri = {g.iri: g for g in infos}
    names = graphs if graphs is not None else [g.iri for g in infos if g.active]
    builder = ViewBuilder(base)
    for gname in sorted(names, key=lambda g: _order_key(by_iri[g]) if g in by_iri else (True, 9999, g)):
        if progress:
            progress(gname)
        lines = store.iter_graph_lines(gname) if hasattr(store, "iter_graph_lines") else store.graph_lines(gname)
        builder.add_graph_lines(lines, gname)   # a server's graph is streamed, not held as one text
    chosen = [g for g in infos if g.iri in set(names)]
    return finish_view(builder.G, chosen)


def _base_key(infos: Iterable[GraphInfo]) -> str:
    sources = sorted((g for g in infos if g.active and g.kind == "source"), key=lambda g: g.iri)
    return hashlib.sha256("".join(f"{g.iri}\t{g.content_hash}\n" for g in sources).encode()).hexdigest()[:12]


def save_base_view(G: nx.MultiDiGraph, graph_dir: Path, infos: list[GraphInfo]) -> Path:
    """Pickle the base view (sources only) beside the store, replacing older ones."""
    Path(graph_dir).mkdir(parents=True, exist_ok=True)   # a home whose graph is on a server may not have it yet
    path = Path(graph_dir) / f"view-base-{_base_key(infos)}.pickle"
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    for old in Path(graph_dir).glob("view-base-*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def _load_pickle(path: Path) -> nx.MultiDiGraph | None:
    gc.disable()  # unpickling ~300k small dicts is 4x faster without the cyclic collector
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as err:
        log.warning("ignoring unreadable view cache %s: %s", path, err)
        return None
    finally:
        gc.enable()


def load_view(home_or_graph_dir, use_cache: bool = True, version: str | None = None,
              progress: Callable[[str], None] | None = None) -> nx.MultiDiGraph:
    """The view of the current store (or of an earlier ``version`` from its history).

    ``home_or_graph_dir``: a :class:`~kg.config.Home` (its ``store`` endpoint, when set, is where
    the graph is read from), a :class:`~kg.store.StoreRef`, a MEDKG_HOME path or its graph/ folder.
    The base view is cached in the local graph/ folder either way, keyed by the sources' hashes.
    """
    ref = store_ref(home_or_graph_dir)
    graph_dir = ref.graph_dir
    store = open_ref(ref, read_only=True)
    try:
        infos = store.graphs()
        if version is not None:
            from kg.errors import InputError

            entries = [e for e in store.history() if e.version.startswith(version)]
            if not entries:
                known = ", ".join(dict.fromkeys(e.version for e in store.history()))
                raise InputError(f"graph version {version!r} is not in the history; known versions: {known}")
            active = set(entries[-1].active_graphs)
            infos = [GraphInfo(g.iri, g.kind, g.name, g.version, g.content_hash, g.quads, g.iri in active,
                               g.license, g.citation, g.extra) for g in infos]
        sources = [g for g in infos if g.active and g.kind == "source"]
        guidelines = [g for g in infos if g.active and g.kind != "source"]
        cache = graph_dir / f"view-base-{_base_key(infos)}.pickle"
        G = _load_pickle(cache) if use_cache and cache.exists() else None
        if G is None:
            G = view_from_store(store, [g.iri for g in sources], progress=progress)
            if use_cache:
                save_base_view(G, graph_dir, infos)
        if guidelines:
            G = view_from_store(store, [g.iri for g in guidelines], base=G)
        return finish_view(G, [g for g in infos if g.active])
    finally:
        store.close()
