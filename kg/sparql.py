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

import pyoxigraph as ox

from kg.errors import InputError
from kg.store import GraphStore

__all__ = ["run_sparql", "MAX_QUERY_CHARS"]

MAX_QUERY_CHARS = 20_000
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX|BASE)\s+[^\n]*\s+)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                     re.IGNORECASE)


def _term(value) -> str | None:
    if value is None:
        return None
    return value.value


def run_sparql(store: GraphStore, query: str, limit: int = 10_000, graphs: list[str] | None = None) -> dict:
    """Run a SELECT / ASK / CONSTRUCT / DESCRIBE query; updates are refused.

    Returns ``{"kind": "select", "variables": [...], "rows": [{var: value}], "truncated": bool}``,
    ``{"kind": "ask", "boolean": bool}`` or ``{"kind": "triples", "rows": [{s, p, o}]}``.
    """
    if not isinstance(query, str) or not query.strip():
        raise InputError("SPARQL query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"SPARQL query is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})")
    m = _UPDATE.match(query)
    if m:
        raise InputError(f"SPARQL updates are not allowed here (read-only endpoint); found {m.group(1).upper()!r}")
    result = store.query(query, graphs=graphs)
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ask", "boolean": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows, truncated = [], False
        for i, solution in enumerate(result):
            if i >= limit:
                truncated = True
                break
            rows.append({v: _term(solution[v]) for v in variables})
        return {"kind": "select", "variables": variables, "rows": rows, "truncated": truncated}
    rows, truncated = [], False
    for i, triple in enumerate(result):
        if i >= limit:
            truncated = True
            break
        rows.append({"s": _term(triple.subject), "p": _term(triple.predicate), "o": _term(triple.object)})
    return {"kind": "triples", "variables": ["s", "p", "o"], "rows": rows, "truncated": truncated}
