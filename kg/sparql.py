"""Read-only SPARQL over the store, with results as plain Python data.

>>> import tempfile
>>> from pathlib import Path
>>> from kg.records import Node, SourceData
>>> from kg.store import GraphStore
>>> from kg.vocab import Category
>>> st = GraphStore.create(Path(tempfile.mkdtemp()) / "s")
>>> _ = st.load_source(SourceData("toy", "1", nodes=[Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "toy")]),
...                    license="", citation="")
>>> run_sparql(st, 'SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }')["rows"]
[{'l': 'Fever'}]
>>> run_sparql(st, 'DELETE WHERE { ?s ?p ?o }')
Traceback (most recent call last):
...
kg.errors.InputError: SPARQL updates are not allowed here (read-only endpoint); found 'DELETE'

Federated queries (``SERVICE``) would make this machine send HTTP requests wherever the query
says (server-side request forgery), so they are refused unless the endpoint is listed in
``[graph] service_allowlist``:

>>> check_query('SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }')
Traceback (most recent call last):
...
kg.errors.InputError: SPARQL SERVICE (federated query) to <http://127.0.0.1:9/x> is refused: this endpoint never leaves the machine unless the endpoint is listed in [graph] service_allowlist
"""

from __future__ import annotations

import re
import threading

import pyoxigraph as ox

from kg.errors import InputError
from kg.store import GraphStore

__all__ = ["run_sparql", "check_query", "service_endpoints", "read_results", "MAX_QUERY_CHARS"]

MAX_QUERY_CHARS = 20_000
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX|BASE)\s+[^\n]*\s+)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                     re.IGNORECASE)


def _term(value) -> str | None:
    if value is None:
        return None
    return value.value


# SPARQL 1.1 (section 19.2) lets \uXXXX / \UXXXXXXXX escapes stand for any character of the query
# text, keywords included, so the guard reads the text with them decoded.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Every place the word SERVICE appears (case-insensitive, not part of a longer name, a variable or a
# prefixed name). Nothing is stripped first: a SERVICE inside a string literal or an IRI is checked
# too, which can refuse a harmless query but never lets a federated one through.
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.IGNORECASE)
_GAP = re.compile(r"(?:\s|#[^\n\r]*)*")     # whitespace and comments between tokens
_SILENT = re.compile(r"SILENT(?![\w:])", re.IGNORECASE)
_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_NAME = re.compile(r"[^\s{}#]+")            # a prefixed name or variable, up to the group or a gap
_PREFIX = re.compile(r"PREFIX\s+([^\s:]*):\s*<([^<>\s]*)>", re.IGNORECASE)


def _decode_codepoints(text: str) -> str:
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)
    return _CODEPOINT.sub(one, text)


def service_endpoints(query: str) -> list[str]:
    """The endpoints of the query's ``SERVICE`` clauses, as written (variables as ``?name``).

    Prefixed names are expanded with the query's own ``PREFIX`` lines; an endpoint that cannot be
    expanded is returned as written, so it can match no allowlisted IRI.

    >>> service_endpoints('PREFIX e: <http://x.org/> SELECT * { SERVICE SILENT e:sparql { ?s ?p ?o } }')
    ['http://x.org/sparql']
    >>> service_endpoints('SELECT * { SERVICE ?where { ?s ?p ?o } }')
    ['?where']
    >>> service_endpoints('SELECT ?s { ?s ?p "customer service" }')
    []
    >>> service_endpoints('SELECT * { \\u0053ERVICE <http://127.0.0.1/> { ?s ?p ?o } }')
    ['http://127.0.0.1/']
    """
    text = _decode_codepoints(query)
    prefixes = {m.group(1): m.group(2) for m in _PREFIX.finditer(text)}
    found = []
    for m in _SERVICE.finditer(text):
        at = _GAP.match(text, m.end()).end()
        silent = _SILENT.match(text, at)
        if silent:
            at = _GAP.match(text, silent.end()).end()
        head = text[at:at + 1]
        if head == "<":                      # an IRI; one that does not close cannot be checked
            iri = _IRI.match(text, at)
            found.append(iri.group(1) if iri else text[at:at + 80])
        elif head and (head in "?$:" or head.isalnum() or head == "_" or not head.isascii()):
            name = _NAME.match(text, at).group(0)
            prefix, colon, local = name.partition(":")
            if head in "?$" or not colon:     # a variable, or a bare word that is no endpoint at all
                found.append(name)
            else:
                found.append(prefixes[prefix] + local if prefix in prefixes else name)
        # anything else (a quote, a bracket, the end) cannot follow the keyword: a word in a string
    return found


def check_query(query: str, service_allowlist: tuple[str, ...] | list[str] = ()) -> str:
    """Refuse empty, over-long and update queries (the endpoint is read-only), and federated
    queries (``SERVICE``) to any endpoint not in ``service_allowlist`` (``[graph] service_allowlist``).

    >>> check_query('SELECT * { SERVICE <https://sparql.example.org/q> { ?s ?p ?o } }',
    ...             service_allowlist=["https://sparql.example.org/q"])[:6]
    'SELECT'
    """
    if not isinstance(query, str) or not query.strip():
        raise InputError("SPARQL query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"SPARQL query is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})")
    m = _UPDATE.match(_decode_codepoints(query))
    if m:
        raise InputError(f"SPARQL updates are not allowed here (read-only endpoint); found {m.group(1).upper()!r}")
    allowed = set(service_allowlist)
    for endpoint in service_endpoints(query):
        if endpoint.startswith(("?", "$")):
            raise InputError(f"SPARQL SERVICE with a variable endpoint ({endpoint}) is refused: only endpoints "
                             "listed in [graph] service_allowlist may be queried, and a variable cannot be checked")
        if not _IRI.fullmatch(f"<{endpoint}>") or ":" not in endpoint:
            raise InputError(f"SPARQL SERVICE to {endpoint!r} is refused: not an endpoint this server can check "
                             "against [graph] service_allowlist (write it as a full <http://...> IRI)")
        if endpoint not in allowed:
            raise InputError(f"SPARQL SERVICE (federated query) to <{endpoint}> is refused: this endpoint never "
                             "leaves the machine unless the endpoint is listed in [graph] service_allowlist")
    return query


def read_results(result, limit: int, cancelled: threading.Event | None = None) -> dict | None:
    """pyoxigraph results -> plain data; None when ``cancelled`` is set while reading rows."""
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ask", "boolean": bool(result)}
    is_select = isinstance(result, ox.QuerySolutions)
    variables = [v.value for v in result.variables] if is_select else ["s", "p", "o"]
    rows, truncated = [], False
    for i, item in enumerate(result):
        if cancelled is not None and cancelled.is_set():
            return None
        if i >= limit:
            truncated = True
            break
        if is_select:
            rows.append({v: _term(item[v]) for v in variables})
        else:
            rows.append({"s": _term(item.subject), "p": _term(item.predicate), "o": _term(item.object)})
    return {"kind": "select" if is_select else "triples", "variables": variables, "rows": rows, "truncated": truncated}


def run_sparql(store: GraphStore, query: str, limit: int = 10_000, graphs: list[str] | None = None,
               service_allowlist: tuple[str, ...] | list[str] = ()) -> dict:
    """Run a SELECT / ASK / CONSTRUCT / DESCRIBE query; updates and ``SERVICE`` calls to endpoints
    outside ``service_allowlist`` are refused.

    Returns ``{"kind": "select", "variables": [...], "rows": [{var: value}], "truncated": bool}``,
    ``{"kind": "ask", "boolean": bool}`` or ``{"kind": "triples", "rows": [{s, p, o}]}``.
    """
    result = store.query(check_query(query, service_allowlist), graphs=graphs)
    return read_results(result, limit)
