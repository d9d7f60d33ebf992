"""The graph on a SPARQL 1.1 server: Query + Update + Graph Store HTTP protocol, named graphs.

``[graph] store = "http://HOST:PORT"`` (``MEDKG_GRAPH_STORE``, ``--store``) puts the graph on a
server instead of the embedded folder, with the same layout as :class:`kg.store.GraphStore`:
one named graph per source version and per applied guideline version, the meta graph
``urn:medkg:meta`` with the active flags and the history, and the same content-hash versions.
The endpoints are Oxigraph server's: ``/query`` (SPARQL Query), ``/update`` (SPARQL Update) and
``/store`` (Graph Store protocol, ``?graph=IRI``).

How readers never see half a write: a reader only ever looks at the *active* graphs the meta
graph lists (queries name them as ``default-graph-uri`` / ``named-graph-uri``; the view loads
them). Bulk data is first streamed, in chunks, into a named graph that the meta graph does not
list (invisible); then ONE SPARQL Update request (:meth:`StoreBase.transaction`) moves staged
graphs into place, writes their metadata and flips the active flags. The server applies one
update request as one transaction (Oxigraph does), so readers see the old version or the new
one. A write interrupted before that request leaves only unlisted graphs, which the next build
or apply drops.

>>> RemoteStore.endpoints("http://127.0.0.1:7878/")
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
>>> query_form("PREFIX x: <http://a#b> # comment\\n select * { ?s ?p ?o }")
'SELECT'
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

import httpx
import pyoxigraph as ox

from kg.errors import GraphNotBuilt, InputError, StoreError
from kg.records import SourceData
from kg.store import (_META, M, GraphInfo, GraphVersion, StoreBase, StoreRef, _format_for, _source_lines,
                      source_graph_iri, version_of)
from kg.vocab import META_GRAPH

__all__ = ["RemoteStore", "EndpointError", "query_form", "check_endpoint", "GSP_CHUNK_LINES"]

GSP_CHUNK_LINES = 100_000     # quads per Graph Store POST (~15 MB of N-Triples)
_NO_GRAPH = "urn:medkg:none"  # named so that an empty active set shows nothing, not the whole dataset
Progress = Callable[[int], None]  # quads sent so far

# The prologue (BASE / PREFIX lines and comments) and the first keyword of a query.
_PROLOGUE = re.compile(r"(?:\s+|#[^\n\r]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


class EndpointError(StoreError, RuntimeError):
    """The SPARQL server refused a request or could not be reached (the graph is unchanged)."""


def check_endpoint(url: str) -> str:
    """A store URL as configured: ``http(s)://HOST:PORT[/path]``; anything else is a clear error.

    >>> check_endpoint("http://localhost:7878/")
    'http://localhost:7878'
    >>> check_endpoint("localhost:7878")
    Traceback (most recent call last):
    ...
    kg.errors.ConfigError: [graph] store must be empty (the embedded folder) or an http(s)://HOST:PORT URL of a SPARQL server, got 'localhost:7878'
    """
    from kg.errors import ConfigError

    text = (url or "").strip()
    parsed = httpx.URL(text) if text.startswith(("http://", "https://")) else None
    if parsed is None or not parsed.host:
        raise ConfigError(f"[graph] store must be empty (the embedded folder) or an http(s)://HOST:PORT URL "
                          f"of a SPARQL server, got {url!r}")
    return text.rstrip("/")


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; anything else (an update) is refused before it is sent.

    A conforming server refuses an update sent as a query, but not every server conforms, so the
    form is checked here too.
    """
    m = _FORM.match(query, _PROLOGUE.match(query).end())
    if not m:
        raise InputError("not a valid read-only SPARQL query: it must be a SELECT, ASK, CONSTRUCT or DESCRIBE "
                         "query (updates are not allowed here)")
    return m.group(1).upper()


def _graph_of_line(line: str) -> tuple[str, str]:
    """Split an N-Quads line written by kg.rdf into (triple line, graph IRI)."""
    body = line.rstrip()
    if not body.endswith(">") and body.endswith("."):
        body = body[:-1].rstrip()
    cut = body.rfind(" <")
    if cut < 0 or not body.endswith(">"):
        raise StoreError(f"internal error: not an N-Quads line with a graph: {line[:120]!r}")
    return body[:cut] + " .", body[cut + 2:-1]


class RemoteStore(StoreBase):
    """The graph on a SPARQL 1.1 server (Oxigraph server's endpoint layout)."""

    def __init__(self, endpoint: str, read_only: bool = False, *, graph_dir: Path | None = None,
                 timeout: float = 120.0, check: bool = True):
        self.endpoint = check_endpoint(endpoint)
        self.location = self.endpoint
        self.read_only = read_only
        self.graph_dir = Path(graph_dir) if graph_dir is not None else None
        self.query_url, self.update_url, self.gsp_url = self.endpoints(self.endpoint)
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))
        if check:
            self._request("GET", self.query_url, params={"query": "ASK {}"},
                          headers={"Accept": "application/sparql-results+json"})

    @staticmethod
    def endpoints(base: str) -> tuple[str, str, str]:
        base = base.rstrip("/")
        return f"{base}/query", f"{base}/update", f"{base}/store"

    @property
    def ref(self) -> StoreRef:
        return StoreRef(self.graph_dir if self.graph_dir is not None else Path("."), self.endpoint)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ HTTP
    def _request(self, method: str, url: str, *, ok404: bool = False, **kwargs) -> httpx.Response:
        try:
            r = self._client.request(method, url, **kwargs)
        except httpx.HTTPError as err:
            raise EndpointError(f"cannot reach the SPARQL store at {self.endpoint} ({type(err).__name__}: {err}); "
                                f"is the server running? ([graph] store / MEDKG_GRAPH_STORE / --store)") from None
        if r.status_code == 404 and ok404:
            return r
        if r.status_code >= 400:
            raise EndpointError(f"the SPARQL store at {self.endpoint} refused {method} {httpx.URL(url).path}: "
                                f"HTTP {r.status_code}: {r.text.strip()[:300]}")
        return r

    def _update(self, sparql: str) -> None:
        self._require_writable()
        self._request("POST", self.update_url, data={"update": sparql})

    def _get_graph(self, graph_iri: str) -> str:
        r = self._request("GET", self.gsp_url, params={"graph": graph_iri}, ok404=True,
                          headers={"Accept": "application/n-triples"})
        return "" if r.status_code == 404 else r.text

    def _post_triples(self, graph_iri: str, text: str) -> None:
        self._request("POST", self.gsp_url, params={"graph": graph_iri}, content=text.encode("utf-8"),
                      headers={"Content-Type": "application/n-triples"})

    # ------------------------------------------------------------------ reading
    def _meta_triples(self) -> Iterator[tuple[str, str, str]]:
        text = self._get_graph(META_GRAPH)
        for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            yield q.subject.value, q.predicate.value, q.object.value

    def active_version(self) -> GraphVersion:
        """The graph version from one small query (the active graphs' names and hashes only).

        This is what a running server polls to learn that another process changed the graph.
        """
        q = (f"SELECT ?g ?k ?n ?v ?h WHERE {{ GRAPH {_META} {{ ?g <{M}active> \"true\" ; <{M}kind> ?k ; "
             f"<{M}name> ?n ; <{M}version> ?v ; <{M}contentHash> ?h }} }}")
        r = self._request("POST", self.query_url, data={"query": q},
                          headers={"Accept": "application/sparql-results+json"})
        rows = json.loads(r.text)["results"]["bindings"]
        return version_of(GraphInfo(b["g"]["value"], b["k"]["value"], b["n"]["value"], b["v"]["value"],
                                    b["h"]["value"], 0, True) for b in rows)

    def graph_lines(self, graph_iri: str) -> list[str]:
        """A named graph's triples as N-Triples lines (as the embedded store's dump gives them)."""
        return [line for line in self._get_graph(graph_iri).split("\n") if line]

    def iter_graph_lines(self, graph_iri: str) -> Iterator[str]:
        """Like :meth:`graph_lines`, streamed: a large graph never sits in memory as one text."""
        try:
            with self._client.stream("GET", self.gsp_url, params={"graph": graph_iri},
                                     headers={"Accept": "application/n-triples"}) as r:
                if r.status_code == 404:
                    return
                if r.status_code >= 400:
                    r.read()
                    raise EndpointError(f"the SPARQL store at {self.endpoint} refused GET /store: "
                                        f"HTTP {r.status_code}: {r.text.strip()[:300]}")
                for line in r.iter_lines():
                    if line:
                        yield line
        except httpx.HTTPError as err:
            raise EndpointError(f"cannot read graph {graph_iri} from the SPARQL store at {self.endpoint}: {err}") from None

    def iter_quads(self, graph_iri: str) -> Iterator[ox.Quad]:
        node = ox.NamedNode(graph_iri)
        for q in ox.parse(self._get_graph(graph_iri).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(q.subject, q.predicate, q.object, node)

    def named_graphs(self) -> set[str]:
        """Every named graph on the server that holds quads (listed in the meta graph or not)."""
        # `GRAPH ?g {}` lists the named graphs without reading their quads
        r = self._request("POST", self.query_url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"},
                          headers={"Accept": "application/sparql-results+json"})
        return {b["g"]["value"] for b in json.loads(r.text)["results"]["bindings"]}

    def graph_has_quads(self, graph_iri: str) -> bool:
        r = self._request("POST", self.query_url, data={"query": f"ASK {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"},
                          headers={"Accept": "application/sparql-results+json"})
        return bool(json.loads(r.text).get("boolean"))

    def subjects_with(self, predicate_iri: str, graph_iri: str) -> set[str]:
        q = f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph_iri}> {{ ?s <{predicate_iri}> ?o }} }}"
        r = self._request("POST", self.query_url, data={"query": q}, headers={"Accept": "application/sparql-results+json"})
        return {b["s"]["value"] for b in json.loads(r.text)["results"]["bindings"]}

    def query(self, sparql: str, graphs: Iterable[str] | None = None, timeout: float | None = None):
        """Run a read-only query on the server over the active graphs (or the given ones).

        Returns pyoxigraph result objects, as the embedded store does (``QuerySolutions``,
        ``QueryBoolean`` or a list of triples), so :func:`kg.sparql.read_results` reads both.
        Callers that take queries from users run :func:`kg.sparql.check_query` first (the
        ``SERVICE`` guard): the server would otherwise make the requests itself.
        """
        if not sparql or not sparql.strip():
            raise InputError("SPARQL query is empty")
        form = query_form(sparql)
        names = list(graphs) if graphs is not None else [g.iri for g in self.active_graphs()]
        names = names or [_NO_GRAPH]
        data = {"query": sparql, "default-graph-uri": names, "named-graph-uri": names}
        accept = "application/sparql-results+json" if form in ("SELECT", "ASK") else "application/n-triples"
        try:
            r = self._client.post(self.query_url, data=data, headers={"Accept": accept},
                                  timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        except httpx.TimeoutException:
            raise TimeoutError(f"the SPARQL store at {self.endpoint} did not answer in time") from None
        except httpx.HTTPError as err:
            raise EndpointError(f"cannot reach the SPARQL store at {self.endpoint}: {err}") from None
        if r.status_code == 400:
            raise InputError(f"not a valid read-only SPARQL query: {r.text.strip()[:300]}")
        if r.status_code >= 400:
            raise InputError(f"SPARQL query failed on {self.endpoint}: HTTP {r.status_code}: {r.text.strip()[:300]}")
        if form in ("SELECT", "ASK"):
            return ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        return list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))

    # ------------------------------------------------------------------ writing
    def drop_graph(self, graph_iri: str) -> None:
        self._update(f"DROP SILENT GRAPH <{graph_iri}>")

    def bulk_load_lines(self, lines: list[str], progress: Progress | None = None) -> None:
        """Stream N-Quads lines to their named graphs through the Graph Store protocol, in chunks.

        Not transactional: only for graphs nobody reads yet (not listed, or staged).
        """
        self._require_writable()
        by_graph: dict[str, list[str]] = {}
        for line in lines:
            triple, graph = _graph_of_line(line)
            by_graph.setdefault(graph, []).append(triple)
        sent = 0
        for graph, triples in by_graph.items():
            for i in range(0, len(triples), GSP_CHUNK_LINES):
                part = triples[i:i + GSP_CHUNK_LINES]
                self._post_triples(graph, "\n".join(part) + "\n")
                sent += len(part)
                if progress:
                    progress(sent)

    def stage_source(self, data: SourceData, into: str | None = None,
                     progress: Progress | None = None) -> tuple[str, str, int]:
        """Stream one source's quads into graph ``into`` (default: its own graph) in chunks.

        Returns (its graph IRI, content hash, quad count). The hash is the embedded store's:
        the same N-Quads lines (written for the source's own graph IRI) in the same order.
        """
        self._require_writable()
        graph = source_graph_iri(data.name, data.version)
        target = into or graph
        digest = hashlib.sha256()
        count = 0
        pending: list[str] = []
        for chunk in _source_lines(data, graph):
            digest.update(("\n".join(chunk) + "\n").encode())
            count += len(chunk)
            pending.extend(_graph_of_line(line)[0] for line in chunk)
            while len(pending) >= GSP_CHUNK_LINES:
                self._post_triples(target, "\n".join(pending[:GSP_CHUNK_LINES]) + "\n")
                del pending[:GSP_CHUNK_LINES]
                if progress:
                    progress(count - len(pending))
        if pending:
            self._post_triples(target, "\n".join(pending) + "\n")
        if progress:
            progress(count)
        return graph, digest.hexdigest(), count

    def load_source(self, data: SourceData, *, license: str, citation: str, active: bool = True,
                    order: int = 0, progress: Progress | None = None) -> GraphInfo:
        """Write one source version as its own named graph, then list it in the meta graph."""
        graph = source_graph_iri(data.name, data.version)
        if graph not in {g.iri for g in self.graphs()} and self.graph_has_quads(graph):
            self.drop_graph(graph)   # an orphan an interrupted write left
        iri, digest, count = self.stage_source(data, progress=progress)
        info = GraphInfo(iri, "source", data.name, data.version, digest, count, active, license, citation,
                         {"stats": json.dumps(data.stats, sort_keys=True), "order": str(order)})
        self._update(self._meta_insert(info))
        return info

    # ------------------------------------------------------------------ export
    def export(self, path: Path, graphs: Iterable[str] | None = None) -> int:
        """Write the given (default: all active, plus meta) graphs as TriG or N-Quads (by extension)."""
        path = Path(path)
        fmt = _format_for(path)
        names = list(graphs) if graphs is not None else [g.iri for g in self.active_graphs()] + [META_GRAPH]
        quads = [q for g in names for q in self.iter_quads(g)]
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as out:
            ox.serialize(quads, out, format=fmt)
        tmp.replace(path)
        return len(quads)

    def require_built(self) -> "RemoteStore":
        """Raise :class:`GraphNotBuilt` when the server holds no medkg graph yet."""
        if not self.graphs():
            raise GraphNotBuilt(f"no graph has been built on the SPARQL store {self.endpoint} yet: "
                                f"run `medkg build --store {self.endpoint}`")
        return self
