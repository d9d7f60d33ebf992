"""Nodes and edges <-> RDF (N-Quads lines), with provenance kept on every edge.

An edge ``s p o`` from source ``src`` is written as the direct triple (so plain
SPARQL sees it) plus a reified statement with a deterministic IRI that carries its
provenance (source, version, references, qualifiers)::

    <s> <p> <o> <g> .
    <urn:medkg:edge:ID> rdf:subject <s> ; rdf:predicate <p> ; rdf:object <o> ;
        medkg:source "hpo" ; medkg:sourceVersion "2025-01-16" ; medkg:reference "PMID:1" ;
        medkg:frequency "1/2" .

The statement IRI is a hash of the edge, so the same edge always gets the same
quads: content hashes are stable and a round trip changes nothing.

>>> from kg.vocab import Category, Predicate
>>> from kg.records import Edge
>>> lines = edge_quads(Edge("OMIM:1", Predicate.HAS_PHENOTYPE, "HP:0001945", "hpo", "v1", ("PMID:2",)), "urn:g")
>>> lines[0]
'<https://omim.org/entry/1> <https://w3id.org/biolink/vocab/has_phenotype> <http://purl.obolibrary.org/obo/HP_0001945> <urn:g> .'
>>> literal('say "hi"\\n')
'"say \\\\"hi\\\\"\\\\n"'
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from kg.records import Edge, Node
from kg.vocab import BIOLINK, EDGE_NS, MEDKG, PREFIXES, Category

__all__ = ["iri", "literal", "node_quads", "edge_quads", "P", "curie_from_iri", "unescape_literal"]

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
OIO_NS = "http://www.geneontology.org/formats/oboInOwl#"


class P:
    """Property IRIs used for node attributes and edge provenance."""

    LABEL = RDFS_NS + "label"
    CATEGORY = BIOLINK + "category"
    SYNONYM = SKOS_NS + "altLabel"
    LAY_SYNONYM = MEDKG + "laySynonym"
    DEFINITION = SKOS_NS + "definition"
    XREF = OIO_NS + "hasDbXref"
    ALT_ID = OIO_NS + "hasAlternativeId"
    DEPRECATED = OWL_NS + "deprecated"
    REPLACED_BY = MEDKG + "replacedBy"
    DEFINED_BY = MEDKG + "definedBy"
    SUBJECT = RDF_NS + "subject"
    PREDICATE = RDF_NS + "predicate"
    OBJECT = RDF_NS + "object"
    SOURCE = MEDKG + "source"
    SOURCE_VERSION = MEDKG + "sourceVersion"
    REFERENCE = MEDKG + "reference"
    QUALIFIER = MEDKG  # + qualifier key


_SAFE = "/:._-~!$&'()*+,;=@%"
_OTHER = MEDKG.replace("vocab/", "curie/")  # base of ids whose prefix is not in PREFIXES
_BASES = sorted(((base, prefix) for prefix, base in PREFIXES.items()), key=lambda x: -len(x[0]))


def iri(curie: str) -> str:
    """CURIE -> ``<IRI>`` for N-Quads (the local part percent-encoded where needed)."""
    prefix, local = curie.split(":", 1)
    base = PREFIXES.get(prefix)
    if base is None:
        # an id space without an entry in PREFIXES: the prefix is percent-encoded (so "/" in it
        # cannot occur) and kept apart from the MEDKG: base, so that the CURIE comes back intact
        base = _OTHER + quote(prefix, safe="") + "/"
    return f"<{base}{quote(local, safe=_SAFE)}>"


def curie_from_iri(value: str) -> str:
    """IRI (without brackets) -> CURIE; inverse of :func:`iri`."""
    for base, prefix in _BASES:
        if value.startswith(base):
            return f"{prefix}:{unquote(value[len(base):])}"
    if value.startswith(_OTHER):
        prefix, _, local = value[len(_OTHER):].partition("/")
        return f"{unquote(prefix)}:{unquote(local)}"
    return value


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def literal(text: str) -> str:
    return '"' + str(text).translate(_ESCAPES) + '"'


_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unescape_literal(text: str) -> str:
    """Inverse of :func:`literal` for the value part (without quotes)."""
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            # UCHAR: Oxigraph writes control characters as \u0007, \u007F ...
            width = {"u": 4, "U": 8}.get(nxt, 0)
            if width and len(text) >= i + 2 + width:
                try:
                    out.append(chr(int(text[i + 2:i + 2 + width], 16)))
                    i += 2 + width
                    continue
                except ValueError:
                    pass
            out.append(_UNESCAPES.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def node_quads(node: Node, graph: str) -> list[str]:
    s = iri(node.id)
    g = f"<{graph}>"
    lines = [
        f"{s} <{P.CATEGORY}> <{Category(node.category).iri}> {g} .",
        f"{s} <{P.DEFINED_BY}> {literal(node.source)} {g} .",
    ]
    if node.label:
        lines.append(f"{s} <{P.LABEL}> {literal(node.label)} {g} .")
    lines += [f"{s} <{P.SYNONYM}> {literal(x)} {g} ." for x in node.synonyms]
    lines += [f"{s} <{P.LAY_SYNONYM}> {literal(x)} {g} ." for x in node.lay_synonyms]
    if node.definition:
        lines.append(f"{s} <{P.DEFINITION}> {literal(node.definition)} {g} .")
    lines += [f"{s} <{P.XREF}> {literal(x)} {g} ." for x in node.xrefs]
    lines += [f"{s} <{P.ALT_ID}> {literal(x)} {g} ." for x in node.alt_ids]
    if node.obsolete:
        lines.append(f'{s} <{P.DEPRECATED}> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> {g} .')
    if node.replaced_by:
        lines.append(f"{s} <{P.REPLACED_BY}> {iri(node.replaced_by)} {g} .")
    return lines


def edge_quads(edge: Edge, graph: str) -> list[str]:
    s, p, o = iri(edge.subject), f"<{edge.predicate.iri}>", iri(edge.object)
    g = f"<{graph}>"
    e = f"<{EDGE_NS}{edge.id}>"
    lines = [
        f"{s} {p} {o} {g} .",
        f"{e} <{P.SUBJECT}> {s} {g} .",
        f"{e} <{P.PREDICATE}> {p} {g} .",
        f"{e} <{P.OBJECT}> {o} {g} .",
        f"{e} <{P.SOURCE}> {literal(edge.source)} {g} .",
        f"{e} <{P.SOURCE_VERSION}> {literal(edge.source_version)} {g} .",
    ]
    lines += [f"{e} <{P.REFERENCE}> {literal(r)} {g} ." for r in edge.references]
    lines += [f"{e} <{P.QUALIFIER}{k}> {literal(v)} {g} ." for k, v in edge.qualifiers]
    return lines
