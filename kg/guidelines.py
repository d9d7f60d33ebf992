"""Guideline files -> a typed :class:`Guideline` (a set of statements with provenance).

A guideline is identified by its *key* = (issuing body, guideline id), e.g.
``ats-idsa/cap``; its version and date are metadata. Each applied version becomes its own
named graph (see :mod:`kg.update`). Two file shapes are accepted.

**(a) A table** (``.tsv``/``.tab`` tab-separated, ``.csv`` comma-separated), one statement
per row, after a header block of ``# name: value`` comment lines::

    # issuer: ATS/IDSA
    # guideline_id: CAP
    # version: 2019
    # date: 2019-10-01
    # title: Diagnosis and Treatment of Adults with Community-acquired Pneumonia
    # citation: PMID:31573350
    subject	predicate	object	subject_label	object_label	strength	evidence_level	citation
    DRUGBANK:DB01060	treats	DOID:552	Amoxicillin	pneumonia	strong	moderate	PMID:31573350

Columns: ``subject``, ``predicate``, ``object`` are required; ``subject_label``,
``object_label``, ``strength``, ``evidence_level``, ``citation`` (several separated by
``;`` or ``|``), ``note`` and ``score`` (a mined proposal's association score, see
``medkg literature mine``) are optional; any other column is an error. Predicates are
names (``treats``), CURIEs (``biolink:treats``) or IRIs. Header keys: ``key`` (or ``issuer``
plus ``guideline_id``), ``version`` (required), ``date`` (``YYYY[-MM[-DD]]``), ``title``,
``url``, ``citation`` (used for rows without one); a one-word ``# word: ...`` line with
any other word is an error (a misspelt key), longer comment lines are prose. The header may instead (or as well, if
it agrees) live in a sidecar ``FILE.meta.toml`` (``guideline.tsv.meta.toml``; a flat
table of the same keys). Lines starting with ``#`` after the column header are comments.

**(b) RDF** (``.ttl`` Turtle, ``.jsonld``/``.json`` JSON-LD) in medkg's vocabulary: one
resource of type ``medkg:Guideline`` with ``medkg:issuer``, ``medkg:guidelineId``,
``medkg:version``, ``dcterms:date``, optionally ``dcterms:title``, ``medkg:key``,
``dcterms:bibliographicCitation``; and each statement an ``rdf:Statement`` with
``rdf:subject``/``rdf:predicate``/``rdf:object`` and optionally ``medkg:strength``,
``medkg:evidenceLevel``, ``medkg:reference`` (repeatable), ``medkg:subjectLabel``,
``medkg:objectLabel``, ``medkg:note``. Subjects and objects are IRIs from the one prefix map
(``DRUGBANK:`` = ``https://go.drugbank.com/drugs/``, ``DOID:`` = the OBO PURL, ...).
``data/examples/guideline_example.ttl`` shows the shape.

Line numbers: exact for tables; for Turtle, the line of the statement's ``rdf:subject``
(best effort, 0 when it cannot be told); 0 for JSON-LD.

>>> text = "# key: demo/x\\n# version: 1\\nsubject\\tpredicate\\tobject\\nDRUGBANK:DB01060\\ttreats\\tDOID:552\\n"
>>> g = parse_guideline(text=text, format="tsv")
>>> g.key, g.version, [(s.subject, s.predicate.value, s.object, s.line) for s in g.statements]
('demo/x', '1', [('DRUGBANK:DB01060', 'treats', 'DOID:552', 4)])
>>> parse_guideline(text=text.replace("treats", "treatz"), format="tsv")
Traceback (most recent call last):
...
kg.errors.GuidelineError: <text>, line 4: unknown predicate 'treatz'; valid predicates: subclass_of, has_phenotype, lacks_phenotype, has_mode_of_inheritance, has_clinical_course, treats, ameliorates, not_indicated_for, same_as, gene_associated_with_condition
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import GuidelineError, InputError
from kg.vocab import MEDKG, Category, Predicate, normalise_curie

__all__ = ["Guideline", "GuidelineStatement", "parse_guideline", "guideline_key", "FORMATS", "COLUMNS",
           "META_KEYS", "category_for", "write_table"]

COLUMNS = ("subject", "predicate", "object", "subject_label", "object_label", "strength", "evidence_level",
           "citation", "note", "score")
REQUIRED_COLUMNS = ("subject", "predicate", "object")
META_KEYS = ("key", "issuer", "guideline_id", "version", "date", "title", "url", "citation")
_META_ALIASES = {"id": "guideline_id", "guideline": "guideline_id", "guidelineid": "guideline_id",
                 "issuing_body": "issuer", "reference": "citation", "references": "citation"}
FORMATS = {".tsv": "tsv", ".tab": "tsv", ".txt": "tsv", ".csv": "csv", ".ttl": "turtle", ".turtle": "turtle",
           ".jsonld": "json-ld", ".json": "json-ld"}
_FORMAT_NAMES = {"tsv": "tsv", "tab": "tsv", "csv": "csv", "ttl": "turtle", "turtle": "turtle",
                 "json-ld": "json-ld", "jsonld": "json-ld", "json": "json-ld"}
_SPACE = re.compile(r"\s")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_MAX_BYTES = 50_000_000

DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


@dataclass(frozen=True)
class GuidelineStatement:
    """One statement of a guideline, with where it came from in the file."""

    subject: str                 # a CURIE, e.g. "DRUGBANK:DB01060"
    predicate: Predicate
    object: str                  # a CURIE, e.g. "DOID:552"
    subject_label: str = ""
    object_label: str = ""
    strength: str = ""           # strength of recommendation as the guideline grades it
    evidence_level: str = ""     # quality / level of evidence as the guideline grades it
    references: tuple[str, ...] = ()
    note: str = ""
    score: str = ""              # a mined proposal's association score (kept as the file gives it)
    line: int = 0                # 1-based line in the file (0: not known)
    spo: tuple[str, str, str] = field(init=False, repr=False, compare=False)  # (subject, predicate, object)

    def __post_init__(self) -> None:
        # computed once: Enum .value lookups are slow in the 10k-statement loops of kg.update
        object.__setattr__(self, "spo", (self.subject, self.predicate.value, self.object))

    def to_dict(self) -> dict:
        return {"subject": self.subject, "subject_label": self.subject_label, "predicate": self.predicate.value,
                "object": self.object, "object_label": self.object_label, "strength": self.strength,
                "evidence_level": self.evidence_level, "references": list(self.references), "note": self.note,
                "score": self.score, "line": self.line}


@dataclass(frozen=True)
class Guideline:
    """A parsed guideline file: identity, metadata and statements."""

    key: str                     # (issuer, guideline id) as one slug, e.g. "ats-idsa/cap"
    version: str
    statements: list[GuidelineStatement]
    issuer: str = ""
    guideline_id: str = ""
    date: str = ""
    title: str = ""
    url: str = ""
    citation: str = ""
    sha256: str = ""             # of the file bytes (plus the sidecar's, if any)
    path: str = ""               # where it was read from ("<text>" for uploaded content)
    format: str = ""
    meta: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return {"key": self.key, "version": self.version, "issuer": self.issuer, "guideline_id": self.guideline_id,
                "date": self.date, "title": self.title, "url": self.url, "citation": self.citation,
                "sha256": self.sha256, "path": self.path, "format": self.format,
                "statements": len(self.statements)}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.strip().lower()).strip("-")


def guideline_key(issuer: str, guideline_id: str) -> str:
    """The key of a guideline from its issuing body and id.

    >>> guideline_key("ATS/IDSA", "CAP adults")
    'ats-idsa/cap-adults'
    """
    return f"{_slug(issuer)}/{_slug(guideline_id)}"


def category_for(predicate: Predicate, role: str) -> Category:
    """The category a *new* node gets from the predicate it appears with (``role``: subject/object).

    >>> category_for(Predicate.TREATS, "subject").value, category_for(Predicate.TREATS, "object").value
    ('Drug', 'Disease')
    """
    table = {
        Predicate.TREATS: (Category.DRUG, Category.DISEASE),
        Predicate.AMELIORATES: (Category.DRUG, Category.DISEASE),
        Predicate.NOT_INDICATED_FOR: (Category.DRUG, Category.DISEASE),
        Predicate.HAS_PHENOTYPE: (Category.DISEASE, Category.PHENOTYPIC_FEATURE),
        Predicate.LACKS_PHENOTYPE: (Category.DISEASE, Category.PHENOTYPIC_FEATURE),
        Predicate.HAS_MODE_OF_INHERITANCE: (Category.DISEASE, Category.MODE_OF_INHERITANCE),
        Predicate.HAS_CLINICAL_COURSE: (Category.DISEASE, Category.CLINICAL_COURSE),
        Predicate.GENE_ASSOCIATED_WITH_CONDITION: (Category.GENE, Category.DISEASE),
    }
    pair = table.get(predicate, (Category.CONCEPT, Category.CONCEPT))
    return pair[0] if role == "subject" else pair[1]


# --------------------------------------------------------------------------- entry point
def parse_guideline(path: str | Path | None = None, *, text: str | bytes | None = None, format: str | None = None,
                    name: str | None = None, meta: dict | None = None) -> Guideline:
    """Parse a guideline file (``path``) or uploaded content (``text`` with ``format``).

    ``format`` is one of ``tsv``, ``csv``, ``turtle``, ``json-ld`` (default: from the file
    extension). ``meta`` adds header keys (as a sidecar would; they must agree with the file's).
    Raises :class:`GuidelineError` naming the file and line of the first problem.
    """
    if (path is None) == (text is None):
        raise GuidelineError("give either a guideline file path or its text (not both, not neither)")
    sidecar_bytes = b""
    sidecar: dict = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise GuidelineError(f"guideline file {path} does not exist")
        raw = path.read_bytes()
        name = name or str(path)
        for cand in (path.with_name(path.name + ".meta.toml"), path.with_suffix(".meta.toml")):
            if cand.is_file():
                sidecar_bytes = cand.read_bytes()
                try:
                    sidecar = tomllib.loads(sidecar_bytes.decode("utf-8"))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
                    raise GuidelineError(f"{cand}: not valid TOML: {err}") from None
                sidecar = {k: str(v) for k, v in sidecar.items()}
                break
    else:
        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        name = name or "<text>"
    if len(raw) > _MAX_BYTES:
        raise GuidelineError(f"{name}: guideline file is too large ({len(raw):,} bytes; at most {_MAX_BYTES:,})")
    fmt = _format_of(format, name)
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GuidelineError(f"{name}: not UTF-8 text ({err})") from None
    extra_meta = {**sidecar, **{k: str(v) for k, v in (meta or {}).items()}}
    sha = hashlib.sha256(raw + (b"\0" + sidecar_bytes if sidecar_bytes else b"")).hexdigest()
    if fmt in ("tsv", "csv"):
        file_meta, statements = _parse_table(body, "\t" if fmt == "tsv" else ",", name)
    else:
        file_meta, statements = _parse_rdf(body, fmt, name)
    merged = _merge_meta(file_meta, extra_meta, name)
    return _finish(merged, statements, name, fmt, sha)


def _format_of(format: str | None, name: str) -> str:
    if format:
        fmt = _FORMAT_NAMES.get(format.lower().lstrip("."))
        if fmt is None:
            raise GuidelineError(f"unknown guideline format {format!r}; valid formats: tsv, csv, turtle, json-ld")
        return fmt
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise GuidelineError(f"{name}: cannot tell the guideline format from the extension {suffix!r}; "
                             f"use one of {', '.join(FORMATS)} or give the format")
    return FORMATS[suffix]


def _norm_meta_key(key: str) -> str:
    k = key.strip().lower().replace("-", "_").replace(" ", "_")
    return _META_ALIASES.get(k, k)


def _merge_meta(file_meta: dict, extra: dict, name: str) -> dict:
    out = dict(file_meta)
    for key, value in extra.items():
        k = _norm_meta_key(key)
        if k not in META_KEYS:
            raise GuidelineError(f"{name}: unknown guideline metadata key {key!r} (sidecar); "
                                 f"valid keys: {', '.join(META_KEYS)}")
        value = str(value).strip()
        if k in out and out[k] != value:
            raise GuidelineError(f"{name}: metadata {k!r} is {out[k]!r} in the file but {value!r} in the sidecar")
        out[k] = value
    return out


def _finish(meta: dict, statements: list[GuidelineStatement], name: str, fmt: str, sha: str) -> Guideline:
    version = meta.get("version", "").strip()
    if not version:
        raise GuidelineError(f"{name}: the guideline has no version (add a `# version: ...` header line, "
                             f"medkg:version, or a sidecar {Path(name).name}.meta.toml)")
    issuer, gid = meta.get("issuer", "").strip(), meta.get("guideline_id", "").strip()
    key = meta.get("key", "").strip()
    if not key:
        if not (issuer and gid):
            raise GuidelineError(f"{name}: the guideline has no key: give `key`, or both `issuer` and `guideline_id`")
        key = guideline_key(issuer, gid)
    elif not re.fullmatch(r"[A-Za-z0-9._/-]+", key):
        raise GuidelineError(f"{name}: guideline key {key!r} may only contain letters, digits and . _ / -")
    date = meta.get("date", "").strip()
    if date and not _DATE.match(date):
        raise GuidelineError(f"{name}: guideline date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if not statements:
        raise GuidelineError(f"{name}: the guideline has no statements")
    citation = meta.get("citation", "").strip()
    default_refs = _split_refs(citation)
    if default_refs:
        statements = [s if s.references else _replace(s, references=default_refs) for s in statements]
    seen: dict[tuple, int] = {}
    for st in statements:
        if st.spo in seen:
            raise GuidelineError(f"{name}, line {st.line}: statement {' '.join(st.spo)} repeats line {seen[st.spo]}")
        seen[st.spo] = st.line
    return Guideline(key=key, version=version, statements=statements, issuer=issuer, guideline_id=gid, date=date,
                     title=meta.get("title", ""), url=meta.get("url", ""), citation=citation, sha256=sha, path=name,
                     format=fmt, meta=dict(meta))


def _replace(st: GuidelineStatement, **changes) -> GuidelineStatement:
    from dataclasses import replace

    return replace(st, **changes)


def _split_refs(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in re.split(r"[;|]", text or "") if r.strip())


def _curie(value: str, where: str, column: str) -> str:
    value = value.strip()
    if not value:
        raise GuidelineError(f"{where}: empty {column}")
    try:
        cid = normalise_curie(value)
    except InputError as err:
        raise GuidelineError(f"{where}: {column}: {err}") from None
    prefix, local = cid.split(":", 1)
    if not prefix or not local or _SPACE.search(cid):
        raise GuidelineError(f"{where}: {column} {value!r} is not a CURIE (expected PREFIX:ID, e.g. DOID:552)")
    return cid


@functools.lru_cache(maxsize=256)
def _predicate(text: str) -> Predicate:
    return Predicate.parse(text)


def _statement(row: dict, where: str, line: int) -> GuidelineStatement:
    try:
        predicate = _predicate(row.get("predicate", ""))
    except (InputError, ValueError) as err:
        raise GuidelineError(f"{where}: {err}") from None
    return GuidelineStatement(
        subject=_curie(row.get("subject", ""), where, "subject"),
        predicate=predicate,
        object=_curie(row.get("object", ""), where, "object"),
        subject_label=row.get("subject_label", "").strip(),
        object_label=row.get("object_label", "").strip(),
        strength=row.get("strength", "").strip(),
        evidence_level=row.get("evidence_level", "").strip(),
        references=_split_refs(row.get("citation", "")),
        note=row.get("note", "").strip(),
        score=row.get("score", "").strip(),
        line=line,
    )


# --------------------------------------------------------------------------- tables
_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_ -]+?)\s*:\s*(.*?)\s*$")


def _parse_table(body: str, delimiter: str, name: str) -> tuple[dict, list[GuidelineStatement]]:
    lines = body.splitlines()
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
        m = _HEADER_LINE.match(lines[i].strip())
        if m:
            key = _norm_meta_key(m.group(1))
            if key not in META_KEYS and " " in m.group(1).strip():
                i += 1
                continue  # prose in a comment ("# note that: ..."), not a header key
            if key not in META_KEYS:
                raise GuidelineError(f"{name}, line {i + 1}: unknown header key {m.group(1)!r}; "
                                     f"valid keys: {', '.join(META_KEYS)}")
            if key in meta:
                raise GuidelineError(f"{name}, line {i + 1}: header key {key!r} given twice")
            meta[key] = m.group(2).strip().strip("\t" + delimiter).strip()
        i += 1
    if i >= len(lines):
        raise GuidelineError(f"{name}: no column header line (expected: {delimiter.join(COLUMNS[:8])})")
    header_line = i + 1
    header = [h.strip().lower() for h in next(csv.reader([lines[i]], delimiter=delimiter))]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise GuidelineError(f"{name}, line {header_line}: unknown column(s) {', '.join(map(repr, unknown))}; "
                             f"valid columns: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise GuidelineError(f"{name}, line {header_line}: missing required column(s) {', '.join(missing)} "
                             f"(the header is: {', '.join(header)})")
    if len(set(header)) != len(header):
        raise GuidelineError(f"{name}, line {header_line}: a column is named twice ({', '.join(header)})")
    statements = []
    reader = csv.reader(io.StringIO("\n".join(lines[i + 1:])), delimiter=delimiter)
    for offset, fields in enumerate(reader):
        lineno = header_line + 1 + offset
        if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue
        where = f"{name}, line {lineno}"
        if len(fields) > len(header):
            if any(f.strip() for f in fields[len(header):]):
                raise GuidelineError(f"{where}: {len(fields)} fields but the header has {len(header)} columns")
            fields = fields[:len(header)]
        if len(fields) < len(header):
            missing_cols = header[len(fields):]
            if any(c in REQUIRED_COLUMNS for c in missing_cols):
                raise GuidelineError(f"{where}: {len(fields)} fields but the header has {len(header)} columns "
                                     f"(missing: {', '.join(missing_cols)})")
            fields = fields + [""] * (len(header) - len(fields))
        statements.append(_statement(dict(zip(header, fields)), where, lineno))
    return meta, statements


def write_table(guideline_meta: dict, rows: list[dict], delimiter: str = "\t", comments: tuple[str, ...] = ()) -> str:
    """A guideline table (header block + column header + rows) as text; the inverse of the table parser.

    >>> print(write_table({"key": "demo/x", "version": "1"}, [{"subject": "DRUGBANK:DB01060", "predicate": "treats", "object": "DOID:552"}]).strip())
    # key: demo/x
    # version: 1
    subject	predicate	object	subject_label	object_label	strength	evidence_level	citation
    DRUGBANK:DB01060	treats	DOID:552
    """
    out = io.StringIO()
    for comment in comments:
        out.write(f"# {comment}\n")
    for key in META_KEYS:
        if guideline_meta.get(key):
            out.write(f"# {key}: {guideline_meta[key]}\n")
    cols = list(COLUMNS[:8]) + (["note"] if any(row.get("note") for row in rows) else [])
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        values = [str(row.get(c, "")) for c in cols]
        while values and not values[-1]:
            values.pop()
        writer.writerow(values)
    return out.getvalue()


# --------------------------------------------------------------------------- RDF
def _parse_rdf(body: str, fmt: str, name: str) -> tuple[dict, list[GuidelineStatement]]:
    import rdflib
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF as RDFNS

    from kg.rdf import curie_from_iri

    import warnings

    g = rdflib.Graph()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser uses ConjunctiveGraph
            g.parse(data=body, format=fmt)
    except Exception as err:  # noqa: BLE001 - rdflib raises many kinds; the message has the line
        msg = " ".join(str(err).split())
        raise GuidelineError(f"{name}: not valid {fmt}: {msg[:500]}") from None
    M = rdflib.Namespace(MEDKG)
    D = rdflib.Namespace(DCTERMS)
    guidelines = set(g.subjects(RDFNS.type, M.Guideline)) | set(g.subjects(M.guidelineId, None)) \
        | set(g.subjects(M.issuer, None))
    if len(guidelines) != 1:
        raise GuidelineError(f"{name}: expected exactly one medkg:Guideline resource (with medkg:issuer, "
                             f"medkg:guidelineId, medkg:version, dcterms:date), found {len(guidelines)}")
    gres = next(iter(guidelines))

    def one(s, p) -> str:
        values = [str(v) for v in g.objects(s, p)]
        if len(values) > 1:
            raise GuidelineError(f"{name}: {_short(s)} has {len(values)} values for {_short(p)}; expected one")
        return values[0].strip() if values else ""

    meta = {k: v for k, v in {
        "key": one(gres, M.key), "issuer": one(gres, M.issuer), "guideline_id": one(gres, M.guidelineId),
        "version": one(gres, M.version), "date": one(gres, D.date), "title": one(gres, D.title),
        "url": one(gres, M.url) or (str(gres) if isinstance(gres, URIRef) and str(gres).startswith("http") else ""),
        "citation": "; ".join(sorted(str(x) for x in g.objects(gres, D.bibliographicCitation))),
    }.items() if v}
    lines = _turtle_subject_lines(body, g) if fmt == "turtle" else {}
    statements = []
    nodes = set(g.subjects(RDFNS.type, RDFNS.Statement)) | set(g.subjects(RDFNS.subject, None))
    for st in nodes:
        s_vals, p_vals, o_vals = (list(g.objects(st, x)) for x in (RDFNS.subject, RDFNS.predicate, RDFNS.object))
        line = 0
        if len(s_vals) == 1 and len(o_vals) == 1:
            line = lines.get((s_vals[0], o_vals[0]), 0) or lines.get(s_vals[0], 0)
        where = f"{name}, line {line}" if line else f"{name}, statement {_short(st)}"
        if not (len(s_vals) == len(p_vals) == len(o_vals) == 1):
            raise GuidelineError(f"{where}: a statement needs exactly one rdf:subject, rdf:predicate and rdf:object "
                                 f"(found {len(s_vals)}, {len(p_vals)}, {len(o_vals)})")
        for term, what in ((s_vals[0], "rdf:subject"), (o_vals[0], "rdf:object"), (p_vals[0], "rdf:predicate")):
            if isinstance(term, (BNode, Literal)):
                raise GuidelineError(f"{where}: {what} must be an IRI, got {term!r}")
        subject, obj = curie_from_iri(str(s_vals[0])), curie_from_iri(str(o_vals[0]))
        for value, what in ((subject, "subject"), (obj, "object")):
            if value.startswith(("http://", "https://", "urn:")):
                raise GuidelineError(f"{where}: {what} IRI {value!r} is not in medkg's prefix map "
                                     f"(e.g. DRUGBANK: https://go.drugbank.com/drugs/, DOID: http://purl.obolibrary.org/obo/DOID_)")

        def label(term, prop) -> str:
            own = one(st, prop)
            return own or next((str(x) for x in g.objects(term, rdflib.URIRef(RDFS + "label"))), "")

        row = {"subject": subject, "predicate": str(p_vals[0]), "object": obj,
               "subject_label": label(s_vals[0], M.subjectLabel), "object_label": label(o_vals[0], M.objectLabel),
               "strength": one(st, M.strength), "evidence_level": one(st, M.evidenceLevel),
               "citation": ";".join(sorted(str(x) for x in g.objects(st, M.reference))), "note": one(st, M.note)}
        statements.append(_statement(row, where, line))
    statements.sort(key=lambda s: (s.line, s.spo))
    return meta, statements


def _short(term) -> str:
    text = str(term)
    return text.rsplit("/", 1)[-1] if "/" in text else text


def _turtle_subject_lines(body: str, g) -> dict:
    """(subject term, object term) -> line of the statement's ``rdf:subject`` in the Turtle text.

    Best effort: a statement is taken to be an ``rdf:subject`` followed by the next ``rdf:object``.
    """
    from rdflib import URIRef

    token = r"(<[^>]*>|[^\s;,\]]*[^\s;,.\]])"
    pattern = re.compile(r"(?:rdf:(subject|object)|<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#(subject|object)>)\s+"
                         + token)
    starts = [0] + [m.end() for m in re.finditer("\n", body)]

    def term_of(tok: str):
        try:
            return URIRef(tok[1:-1]) if tok.startswith("<") else g.namespace_manager.expand_curie(tok)
        except (ValueError, TypeError):
            return None

    out: dict = {}
    pending = None
    import bisect

    for m in pattern.finditer(body):
        which = m.group(1) or m.group(2)
        term = term_of(m.group(3))
        if which == "subject":
            pending = (term, bisect.bisect_right(starts, m.start()))
        elif pending is not None:
            out.setdefault((pending[0], term), pending[1])
            out.setdefault(pending[0], pending[1])
            pending = None
    return out
