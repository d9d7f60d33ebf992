"""Read literature files into :class:`~retrieval.documents.Document` s.

Formats (chosen by file name; ``.gz`` is accepted for every one):

- **JSONL** (``.jsonl``, ``.ndjson``): one JSON object a line with ``id`` or ``_id``,
  ``title``, ``abstract`` or ``text``, and optional ``id_type``, ``year``, ``mesh``,
  ``source``. The SciFact/BEIR corpus is read as it is. An id written ``PMID:123`` is a
  PubMed id; otherwise ``id_type`` comes from the record, the caller, or the file
  (a file whose path mentions ``scifact`` holds Semantic Scholar ids, ``"s2"``).
- **PubMedQA** (``.json``): an object keyed by PMID, each item with ``QUESTION``,
  ``CONTEXTS``, ``MESHES``, ``YEAR`` and ``LONG_ANSWER``. PubMedQA has no titles: the
  question (which the dataset derives from the article title) becomes the title, and the
  abstract is the contexts followed by the long answer (the abstract's conclusion).
- **PubMed / MEDLINE XML** (``.xml``): ``PubmedArticleSet`` of ``PubmedArticle``
  (PMID, ArticleTitle, AbstractText sections, PubDate year, MeSH descriptors).

A malformed record raises :class:`~kg.errors.InputError` naming the file and line.

>>> detect_format("corpus.jsonl.gz"), detect_format("ori_pqal.json"), detect_format("pubmed24n0001.xml.gz")
('jsonl', 'pubmedqa', 'medline')
>>> detect_format("notes.docx")
Traceback (most recent call last):
...
kg.errors.InputError: notes.docx: unknown literature file format; supported: .jsonl, .ndjson (JSON lines), .json (PubMedQA), .xml (PubMed/MEDLINE), each optionally .gz
"""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path
from typing import IO, Iterator

from kg.errors import InputError
from retrieval.documents import ID_TYPES, Document

__all__ = ["read_documents", "detect_format", "FORMATS", "count_records"]

FORMATS = {"jsonl": (".jsonl", ".ndjson"), "pubmedqa": (".json",), "medline": (".xml",)}
_SUPPORTED = ".jsonl, .ndjson (JSON lines), .json (PubMedQA), .xml (PubMed/MEDLINE), each optionally .gz"


def detect_format(path: str | Path) -> str:
    """The format of a literature file, from its name."""
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for fmt, suffixes in FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    raise InputError(f"{path}: unknown literature file format; supported: {_SUPPORTED}")


def _open(path: Path, binary: bool = False) -> IO:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a literature file")
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return raw if binary else io.TextIOWrapper(raw, encoding="utf-8")


def _year(value, where: str) -> int | None:
    if value in (None, ""):
        return None
    m = re.search(r"\b(1[6-9]\d\d|20\d\d|21\d\d)\b", str(value))
    if not m:
        raise InputError(f"{where}: year {value!r} is not a year")
    return int(m.group(1))


def _mesh(value, where: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(";") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InputError(f"{where}: mesh must be a list of terms; got {value!r}")


def _split_id(raw: str, id_type: str) -> tuple[str, str]:
    if raw.upper().startswith("PMID:"):
        return raw[5:].strip(), "pmid"
    return raw, id_type


def _read_jsonl(path: Path, id_type: str | None, source: str | None) -> Iterator[Document]:
    default_type = id_type or ("s2" if "scifact" in str(path).lower() else "other")
    default_source = source or ("scifact" if "scifact" in str(path).lower() else path.name)
    with _open(path) as fh:
        lineno = 0
        while True:
            try:
                line = fh.readline()
            except (UnicodeDecodeError, OSError, EOFError) as err:
                raise InputError(f"{path}:{lineno + 1}: cannot read: {err}") from None
            if not line:
                break
            lineno += 1
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{where}: expected a JSON object, got {type(rec).__name__}")
            raw_id = rec.get("id", rec.get("_id"))
            if raw_id is None or str(raw_id).strip() == "":
                raise InputError(f"{where}: record has no 'id' or '_id'")
            abstract = rec.get("abstract", rec.get("text"))
            if abstract is None:
                raise InputError(f"{where}: record {raw_id!r} has no 'abstract' or 'text'")
            if isinstance(abstract, list):
                abstract = " ".join(str(a) for a in abstract)
            title = rec.get("title") or ""
            if not isinstance(title, str) or not isinstance(abstract, str):
                raise InputError(f"{where}: record {raw_id!r}: title and abstract must be text")
            doc_id, dtype = _split_id(str(raw_id).strip(), rec.get("id_type") or default_type)
            if dtype not in ID_TYPES:
                raise InputError(f"{where}: id_type must be one of {', '.join(ID_TYPES)}; got {dtype!r}")
            yield Document(
                id=doc_id, id_type=dtype, title=title.strip(), abstract=abstract.strip(),
                year=_year(rec.get("year"), where), mesh=_mesh(rec.get("mesh"), where),
                source=str(rec.get("source") or default_source),
            )


def _read_pubmedqa(path: Path, source: str | None) -> Iterator[Document]:
    with _open(path) as fh:
        text = fh.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}:1: expected a PubMedQA object keyed by PMID, got {type(data).__name__}")
    lines = {}
    # Map each key to the line it starts on, so errors can name it.
    for m in re.finditer(r'^\s*"([^"]+)"\s*:\s*\{', text, flags=re.M):
        lines.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    for pmid, item in data.items():
        where = f"{path}:{lines.get(pmid, 1)}"
        if not str(pmid).strip().isdigit():
            raise InputError(f"{where}: PubMedQA key {pmid!r} is not a PMID")
        if not isinstance(item, dict) or "CONTEXTS" not in item:
            raise InputError(f"{where}: item {pmid!r} has no CONTEXTS; is this a PubMedQA file?")
        contexts = item["CONTEXTS"]
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            raise InputError(f"{where}: item {pmid!r}: CONTEXTS must be a list of text")
        parts = [c.strip() for c in contexts] + ([item["LONG_ANSWER"].strip()] if item.get("LONG_ANSWER") else [])
        yield Document(
            id=str(pmid).strip(), id_type="pmid", title=str(item.get("QUESTION", "")).strip(),
            abstract=" ".join(parts), year=_year(item.get("YEAR"), where),
            mesh=_mesh(item.get("MESHES"), where), source=source or "pubmedqa",
        )


def _text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip() if el is not None else ""


def _read_medline(path: Path, source: str | None) -> Iterator[Document]:
    from lxml import etree

    with _open(path, binary=True) as fh:
        try:
            for _event, art in etree.iterparse(fh, events=("end",), tag="PubmedArticle", resolve_entities=False, no_network=True):
                where = f"{path}:{art.sourceline}"
                cit = art.find("MedlineCitation")
                pmid_el = cit.find("PMID") if cit is not None else None
                pmid = _text(pmid_el)
                if not pmid.isdigit():
                    raise InputError(f"{where}: PubmedArticle has no numeric MedlineCitation/PMID (got {pmid!r})")
                article = cit.find("Article")
                if article is None:
                    raise InputError(f"{where}: PMID {pmid} has no Article element")
                sections = []
                for ab in article.findall("Abstract/AbstractText"):
                    body = _text(ab)
                    label = ab.get("Label")
                    sections.append(f"{label.capitalize()}: {body}" if label and body else body)
                year_el = article.find("Journal/JournalIssue/PubDate/Year")
                if year_el is None:
                    year_el = article.find("Journal/JournalIssue/PubDate/MedlineDate")
                mesh = tuple(_text(d) for d in cit.findall("MeshHeadingList/MeshHeading/DescriptorName"))
                yield Document(
                    id=pmid, id_type="pmid", title=_text(article.find("ArticleTitle")),
                    abstract=" ".join(s for s in sections if s), year=_year(_text(year_el), where),
                    mesh=mesh, source=source or "medline",
                )
                art.clear()
        except etree.XMLSyntaxError as err:
            raise InputError(f"{path}:{err.lineno}: malformed XML: {err.msg}") from None


def read_documents(path: str | Path, id_type: str | None = None, source: str | None = None) -> Iterator[Document]:
    """Documents from one literature file (format chosen by name, see the module docstring).

    Parameters
    ----------
    path : str or Path
        A ``.jsonl``/``.ndjson``, ``.json`` (PubMedQA) or ``.xml`` (MEDLINE) file, optionally gzipped.
    id_type : str, optional
        For JSONL records without their own ``id_type``.
    source : str, optional
        Overrides the source label recorded for each document.
    """
    path = Path(path)
    fmt = detect_format(path)
    if id_type is not None and id_type not in ID_TYPES:
        raise InputError(f"id_type must be one of {', '.join(ID_TYPES)}; got {id_type!r}")
    if fmt == "jsonl":
        return _read_jsonl(path, id_type, source)
    if fmt == "pubmedqa":
        return _read_pubmedqa(path, source)
    return _read_medline(path, source)


def count_records(path: str | Path) -> int | None:
    """A cheap record count for progress bars (JSONL lines), or None when unknown."""
    path = Path(path)
    if detect_format(path) != "jsonl":
        return None
    with _open(path, binary=True) as fh:
        return sum(1 for line in fh if line.strip())
