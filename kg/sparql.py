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
"""

from __future__ import annotations

import re
import threading

import pyoxigraph as ox

from kg.errors import InputError
from kg.store import GraphStore

__all__ = ["run_sparql", "check_query", "read_results", "MAX_QUERY_CHARS"]

MAX_QUERY_CHARS = 20_000
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX|BASE)\s+[^\n]*\s+)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                     re.IGNORECASE)


def _term(value) -> str | None:
    if value is None:
        return None
    return value.value


def check_query(query: str) -> str:
    """Refuse empty, over-long and update queries (the endpoint is read-only)."""
    if not isinstance(query, str) or not query.strip():
        raise InputError("SPARQL query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"SPARQL query is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})")
    m = _UPDATE.match(query)
    if m:
        raise InputError(f"SPARQL updates are not allowed here (read-only endpoint); found {m.group(1).upper()!r}")
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


def run_sparql(store: GraphStore, query: str, limit: int = 10_000, graphs: list[str] | None = None) -> dict:
    """Run a SELECT / ASK / CONSTRUCT / DESCRIBE query; updates are refused.

    Returns ``{"kind": "select", "variables": [...], "rows": [{var: value}], "truncated": bool}``,
    ``{"kind": "ask", "boolean": bool}`` or ``{"kind": "triples", "rows": [{s, p, o}]}``.
    """
    result = store.query(check_query(query), graphs=graphs)
    return read_results(result, limit)
