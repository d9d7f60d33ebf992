"""Read OBO ontologies (HPO, Symptom Ontology, DO slims) with fastobo.

A syntax error becomes a :class:`SourceError` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import fastobo

from kg.errors import SourceError

__all__ = ["OboTerm", "OboDocument", "read_obo"]


@dataclass
class OboTerm:
    id: str
    name: str = ""
    definition: str = ""
    synonyms: list[tuple[str, str, str]] = field(default_factory=list)  # (text, scope, type)
    xrefs: list[str] = field(default_factory=list)
    is_a: list[str] = field(default_factory=list)
    alt_ids: list[str] = field(default_factory=list)
    obsolete: bool = False
    replaced_by: list[str] = field(default_factory=list)
    consider: list[str] = field(default_factory=list)


@dataclass
class OboDocument:
    path: Path
    data_version: str
    terms: list[OboTerm]


def _unquote_def(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith('"'):
        end = raw.rfind('"')
        return raw[1:end].replace('\\"', '"') if end > 0 else raw[1:]
    return raw


def read_obo(path: Path, how_to_obtain: str = "") -> OboDocument:
    """Parse an OBO file into plain terms (obsolete ones kept, flagged)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path} does not exist. {how_to_obtain}".strip())
    try:
        doc = fastobo.load(str(path))
    except SyntaxError as err:
        line = err.lineno if err.lineno is not None else "?"
        raise SourceError(f"{path}, line {line}: not valid OBO ({err.msg}). {how_to_obtain}".strip()) from None
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise SourceError(f"{path}: cannot be read as OBO ({err}). {how_to_obtain}".strip()) from None
    data_version = ""
    for clause in doc.header:
        if clause.raw_tag() == "data-version":
            data_version = clause.raw_value()
    terms: list[OboTerm] = []
    for frame in doc:
        if type(frame).__name__ != "TermFrame":
            continue
        term = OboTerm(id=str(frame.id))
        for clause in frame:
            tag = clause.raw_tag()
            if tag == "name":
                term.name = clause.raw_value()
            elif tag == "def":
                term.definition = _unquote_def(clause.raw_value())
            elif tag == "synonym":
                syn = clause.synonym
                term.synonyms.append((syn.desc, str(syn.scope), str(syn.type) if syn.type is not None else ""))
            elif tag == "xref":
                term.xrefs.append(clause.raw_value().split(" ", 1)[0])
            elif tag == "is_a":
                term.is_a.append(str(clause.term))
            elif tag == "alt_id":
                term.alt_ids.append(clause.raw_value())
            elif tag == "is_obsolete":
                term.obsolete = clause.raw_value().strip() == "true"
            elif tag == "replaced_by":
                term.replaced_by.append(clause.raw_value())
            elif tag == "consider":
                term.consider.append(clause.raw_value())
        terms.append(term)
    return OboDocument(path=path, data_version=data_version, terms=terms)
