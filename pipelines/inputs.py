"""Input checks that run before anything heavy loads: note files, ids and size limits.

A command that is going to reject its input should say so in well under a second, not after
loading the graph, the extractor and the ranker (~10 s). Everything here imports only the
standard library and ``kg.vocab``/``kg.errors``; the id look-up opens the graph store and asks
it (an ``ASK`` over the active graphs: ~60 ms to open the store, a few ms per id, measured on
the HPO graph), never the networkx view.

Each limit is checked once, here, and its message names the limit and its config key:

>>> limits = InputConfig(max_note_bytes=10)
>>> check_note_bytes(b"a much longer note than ten bytes", "n.txt", limits)
Traceback (most recent call last):
...
kg.errors.InputError: note n.txt is 33 bytes; the limit is 10 bytes ([input] max_note_bytes in medkg.toml, or MEDKG_INPUT_MAX_NOTE_BYTES)
>>> check_note_bytes(b"   \\n", "empty.txt")
Traceback (most recent call last):
...
kg.errors.InputError: note empty.txt is empty
>>> check_id("HP:0001166"), check_id("hp:0001166")
('HP:0001166', 'HP:0001166')
>>> check_id("HP:1166")
Traceback (most recent call last):
...
kg.errors.InputError: 'HP:1166' is not a valid HP id (expected HP: and 7 digits, e.g. HP:0001166)
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from kg.errors import ConceptNotFound, ConfigError, InputError
from kg.vocab import PREFIXES, normalise_curie

__all__ = ["InputConfig", "check_note_bytes", "read_note", "check_id", "check_ids", "check_finding_count",
           "unknown_ids", "require_known", "limit_hint"]


# model.ranker.MAX_FINDINGS (not imported: it pulls in numpy/scipy); a test keeps the two equal
RANKER_MAX_FINDINGS = 20_000


@dataclass(frozen=True)
class InputConfig:
    """[input] section: the size limits every entry point (CLI, API) applies up front.

    max_note_bytes: the largest note accepted, in bytes of UTF-8 (2 MB, ~300 pages; the
    extractor needs ~1 KB of memory per token, and a note of 2 M characters took 118 s to
    read in the issue-17 report). Bytes bound characters, so the extractor's own character
    limit (``kg.extract.DEFAULT_MAX_CHARS``, also 2 M) never fires later for a note let in here.
    max_findings: the most phenotype ids one diagnosis takes (``--hpo``/``--absent``,
    phenopacket features).
    """

    max_note_bytes: int = 2_000_000
    max_findings: int = 20_000

    def __post_init__(self) -> None:
        if self.max_note_bytes < 1:
            raise ConfigError(f"[input] max_note_bytes must be at least 1, got {self.max_note_bytes}")
        if not 1 <= self.max_findings <= RANKER_MAX_FINDINGS:
            # above the rankers' own cap the ranker would refuse the input after everything has loaded
            raise ConfigError(f"[input] max_findings must be between 1 and {RANKER_MAX_FINDINGS:,} (the rankers' "
                              f"limit), got {self.max_findings}")


def limit_hint(key: str) -> str:
    """Where a limit is set, e.g. ``[input] max_note_bytes in medkg.toml, or MEDKG_INPUT_MAX_NOTE_BYTES``."""
    return f"[input] {key} in medkg.toml, or MEDKG_INPUT_{key.upper()}"


# Control characters other than tab/newline/carriage return/form feed/vertical tab: a text note
# has a few at most; more than 1% of a sample (and more than 8) means binary data.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f]")
_SAMPLE = 65536


def check_note_bytes(data: bytes, name: str, limits: InputConfig = InputConfig()) -> str:
    """The note's text, or :class:`InputError` naming what is wrong (the extractor's rules, checked first)."""
    if len(data) > limits.max_note_bytes:
        size = f"{len(data):,} bytes" if len(data) <= limits.max_note_bytes * 4 else f"over {limits.max_note_bytes:,} bytes"
        raise InputError(f"note {name} is {size}; the limit is {limits.max_note_bytes:,} bytes "
                         f"({limit_hint('max_note_bytes')})")
    if b"\x00" in data[:_SAMPLE]:
        raise InputError(f"note {name} looks like binary data (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"note {name} is not UTF-8 text: byte 0x{data[err.start]:02x} at offset {err.start}; "
                         f"convert it to UTF-8 first") from None
    if not text.strip():
        raise InputError(f"note {name} is empty")
    sample = text[:_SAMPLE]
    controls = len(_CONTROL.findall(sample))
    if controls > max(8, len(sample) // 100):
        raise InputError(f"note {name} looks like binary data ({controls} control characters in its first "
                         f"{len(sample):,}), not text")
    return text


def read_note(path: str, limits: InputConfig = InputConfig()) -> tuple[str, str]:
    """(name, text) of a note file or ``-`` (standard input), checked; reads at most the limit + 1 byte."""
    if path == "-":
        return "stdin", check_note_bytes(sys.stdin.buffer.read(limits.max_note_bytes + 1), "stdin", limits)
    p = Path(path)
    if not p.exists():
        raise InputError(f"note file {path} does not exist (give a path, or - for standard input)")
    if p.is_dir():
        raise InputError(f"{path} is a folder; give note files")
    size = p.stat().st_size
    if size > limits.max_note_bytes:
        raise InputError(f"note {p.name} is {size:,} bytes; the limit is {limits.max_note_bytes:,} bytes "
                         f"({limit_hint('max_note_bytes')})")
    with open(p, "rb") as fh:
        data = fh.read(limits.max_note_bytes + 1)
    return p.name, check_note_bytes(data, p.name, limits)


# Local-id shapes of the prefixes people type; other known prefixes need a non-empty local id.
_LOCAL = {"HP": (r"\d{7}", "7 digits, e.g. HP:0001166"), "MONDO": (r"\d{7}", "7 digits, e.g. MONDO:0007947"),
          "SYMP": (r"\d{7}", "7 digits, e.g. SYMP:0000613"), "OMIM": (r"\d{6}", "6 digits, e.g. OMIM:154700"),
          "ORPHA": (r"\d+", "digits, e.g. ORPHA:558"), "DOID": (r"\d+", "digits, e.g. DOID:552"),
          "DECIPHER": (r"\d+", "digits, e.g. DECIPHER:1"), "PMID": (r"\d+", "digits, e.g. PMID:20591885")}


def check_id(raw: object) -> str:
    """A well-formed CURIE of a known prefix, spelled canonically; else :class:`InputError` naming it."""
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{raw!r} is not an id (expected PREFIX:ID, e.g. HP:0001166)")
    text = raw.strip()
    if ":" not in text or any(ch.isspace() for ch in text):
        raise InputError(f"{text!r} is not an id (expected PREFIX:ID, e.g. HP:0001166)")
    cid = normalise_curie(text)
    prefix, local = cid.split(":", 1)
    if prefix not in PREFIXES:
        raise InputError(f"{text!r} has an unknown prefix {prefix!r}; known prefixes: {', '.join(PREFIXES)}")
    shape = _LOCAL.get(prefix)
    if shape is not None and not re.fullmatch(shape[0], local):
        raise InputError(f"{text!r} is not a valid {prefix} id (expected {prefix}: and {shape[1]})")
    if shape is None and not local:
        raise InputError(f"{text!r} has an empty local id")
    return cid


def check_finding_count(n: int, limits: InputConfig = InputConfig()) -> None:
    """:class:`InputError` when one diagnosis is given more phenotype ids than ``max_findings``."""
    if n > limits.max_findings:
        raise InputError(f"{n:,} findings given; the limit is {limits.max_findings:,} "
                         f"({limit_hint('max_findings')})")


def check_ids(ids: Sequence[object], limits: InputConfig = InputConfig()) -> list[str]:
    """Every id well formed (canonical spelling returned) and their number within ``max_findings``."""
    check_finding_count(len(ids), limits)
    return [check_id(i) for i in ids]


def _ask_query(cid: str) -> str:
    from kg.rdf import P
    from kg.vocab import expand

    iri = expand(cid)
    # the node as subject or object of a triple of an active graph, or an alternative id of one
    return f'ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} UNION {{ ?s <{P.ALT_ID}> "{cid}" }} }}'


def unknown_ids(store, ids: Iterable[str]) -> list[str]:
    """The ids (well formed, see :func:`check_id`) that no active graph of ``store`` mentions."""
    out = []
    for cid in dict.fromkeys(ids):
        if not bool(store.query(_ask_query(cid))):
            out.append(cid)
    return out


def require_known(graph_dir, ids: Sequence[str], what: str = "id") -> list[str]:
    """Look the ids up in the graph store; :class:`ConceptNotFound` when none is known, else the unknown ones.

    ``graph_dir`` is whatever :func:`kg.store.open_store` opens: pass the :class:`~kg.config.Home`
    so that a home whose graph lives on a SPARQL server (``[graph] store``) is asked there.

    ``GraphNotBuilt`` (no graph yet) propagates, which is also a fast, clear answer.
    """
    from kg.store import open_store

    if not ids:
        return []
    store = open_store(graph_dir, read_only=True)
    try:
        missing = unknown_ids(store, ids)
    finally:
        store.close()
    if len(missing) == len(set(ids)):
        hint = "search labels with `medkg concepts QUERY`"
        if len(missing) == 1:
            raise ConceptNotFound(f"{what} {missing[0]!r} is not in the graph; {hint}")
        listed = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise ConceptNotFound(f"none of the {len(missing)} {what}s is in the graph: {listed}; {hint}")
    return missing
