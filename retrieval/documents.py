"""The document store: one SQLite file (``Home.literature / "documents.sqlite"``).

Each document has a string ``id`` with its ``id_type`` (``"pmid"`` when it is a PubMed id;
``"s2"`` for Semantic Scholar ids such as SciFact's, which must never be linked to PubMed),
a title, an abstract, an optional year, MeSH terms and the source it came from.

Every row also carries ``key``, an integer that is never reused (SQLite ``AUTOINCREMENT``):
it is the id the vector indexes know the document by. A repeated id *updates* the
document: its row is replaced and it gets a fresh key, so an index that cannot remove
vectors (HNSW) can tombstone the old key without touching the new one.

Writes go through :meth:`DocumentStore.transaction`, one SQLite transaction: a crash
leaves the store as it was before, never half-added.

>>> store = DocumentStore(":memory:")
>>> with store.transaction():
...     store.upsert([Document("1", "Fever", "Fever is common.", id_type="pmid")]).added
1
>>> store.get("1").title, store.count()
('Fever', 1)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from kg.errors import InputError, StoreError

__all__ = ["Document", "DocumentStore", "UpsertResult", "ID_TYPES"]

#: known id types and the CURIE prefix each maps to ("" = no CURIE; never link to PubMed)
ID_TYPES = {"pmid": "PMID", "s2": "S2", "doi": "DOI", "other": ""}

_SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class Document:
    """One literature document.

    >>> Document("123", "T", "A", id_type="pmid").curie
    'PMID:123'
    >>> Document("4983", "T", "A", id_type="s2").curie
    'S2:4983'
    """

    id: str
    title: str
    abstract: str
    id_type: str = "other"
    year: int | None = None
    mesh: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InputError(f"document id must be non-empty text; got {self.id!r}")
        if self.id_type not in ID_TYPES:
            raise InputError(f"document {self.id!r}: id_type must be one of {', '.join(ID_TYPES)}; got {self.id_type!r}")

    @property
    def text(self) -> str:
        """What the encoders and BM25 index: title, then abstract."""
        return f"{self.title}\n{self.abstract}".strip()

    @property
    def curie(self) -> str:
        prefix = ID_TYPES.get(self.id_type, "")
        return f"{prefix}:{self.id}" if prefix else self.id

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.id, self.id_type, self.title, self.abstract, self.year, list(self.mesh), self.source],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class UpsertResult:
    """What one :meth:`DocumentStore.upsert` changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    new_keys: list[int] = field(default_factory=list)      # keys of rows that need vectors
    new_docs: list[Document] = field(default_factory=list)  # aligned with new_keys
    old_keys: list[int] = field(default_factory=list)      # keys replaced by an update


_COLUMNS = "key, id, id_type, title, abstract, year, mesh, source"


def _row_doc(row: Sequence) -> Document:
    return Document(
        id=row[1], id_type=row[2], title=row[3], abstract=row[4], year=row[5],
        mesh=tuple(json.loads(row[6])) if row[6] else (), source=row[7],
    )


class DocumentStore:
    """SQLite-backed documents, keyed by id, with never-reused integer keys for vector indexes.

    Parameters
    ----------
    path : str or Path
        The SQLite file (created with its parent folder if missing), or ``":memory:"``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = path
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS documents (
                    key INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    id_type TEXT NOT NULL,
                    title TEXT NOT NULL,
                    abstract TEXT NOT NULL,
                    year INTEGER,
                    mesh TEXT NOT NULL,
                    source TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                """
            )
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (_SCHEMA_VERSION,))
        except sqlite3.DatabaseError as err:
            raise StoreError(f"document store {path} cannot be opened: {err}") from None
        self._in_tx = False

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator["DocumentStore"]:
        """One write transaction: committed on success, rolled back on any exception."""
        if self._in_tx:
            raise StoreError("document store transaction already open")
        self._db.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_tx = False

    def _require_tx(self) -> None:
        if not self._in_tx:
            raise StoreError("document store writes must happen inside store.transaction()")

    def upsert(self, docs: Iterable[Document]) -> UpsertResult:
        """Add documents; a repeated id replaces the row (new key) unless its content is unchanged."""
        self._require_tx()
        result = UpsertResult()
        cur = self._db.cursor()
        for doc in docs:
            digest = doc.content_hash
            row = cur.execute("SELECT key, hash FROM documents WHERE id = ?", (doc.id,)).fetchone()
            if row is not None and row[1] == digest:
                result.unchanged += 1
                continue
            if row is not None:
                cur.execute("DELETE FROM documents WHERE key = ?", (row[0],))
                result.old_keys.append(row[0])
                result.updated += 1
            else:
                result.added += 1
            cur.execute(
                "INSERT INTO documents (id, id_type, title, abstract, year, mesh, source, hash) VALUES (?,?,?,?,?,?,?,?)",
                (doc.id, doc.id_type, doc.title, doc.abstract, doc.year, json.dumps(list(doc.mesh), ensure_ascii=False), doc.source, digest),
            )
            result.new_keys.append(cur.lastrowid)
            result.new_docs.append(doc)
        return result

    def delete(self, ids: Iterable[str]) -> tuple[list[str], list[int]]:
        """Delete documents by id; returns (ids not found, keys removed)."""
        self._require_tx()
        missing, keys = [], []
        for doc_id in ids:
            row = self._db.execute("SELECT key FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                missing.append(doc_id)
                continue
            self._db.execute("DELETE FROM documents WHERE key = ?", (row[0],))
            keys.append(row[0])
        return missing, keys

    def get(self, doc_id: str) -> Document | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _row_doc(row) if row else None

    def by_keys(self, keys: Sequence[int]) -> dict[int, Document]:
        """Documents for integer keys (missing keys are left out)."""
        out: dict[int, Document] = {}
        keys = [int(k) for k in keys]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE key IN ({marks})", chunk):
                out[row[0]] = _row_doc(row)
        return out

    def iter_documents(self) -> Iterator[tuple[int, Document]]:
        """Every (key, document) in key order."""
        for row in self._db.execute(f"SELECT {_COLUMNS} FROM documents ORDER BY key"):
            yield row[0], _row_doc(row)

    def keys(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT key FROM documents ORDER BY key")]

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def count_by(self, column: str) -> dict[str, int]:
        if column not in ("id_type", "source"):
            raise InputError(f"cannot count by {column!r}; valid: id_type, source")
        return {r[0]: r[1] for r in self._db.execute(f"SELECT {column}, COUNT(*) FROM documents GROUP BY {column} ORDER BY 2 DESC")}

    def checksum(self) -> str:
        """A hash of every (id, key, content hash): changes whenever any document changes."""
        h = hashlib.sha256()
        for doc_id, key, digest in self._db.execute("SELECT id, key, hash FROM documents ORDER BY key"):
            h.update(f"{doc_id}\t{key}\t{digest}\n".encode("utf-8"))
        return h.hexdigest()
