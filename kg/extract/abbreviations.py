"""The curated table of clinical abbreviations and aliases (``abbreviations.tsv``).

>>> table = load_abbreviations()
>>> [(a.form, a.concept_id, a.case_sensitive) for a in table if a.form in ("SOB", "N/V")]
[('SOB', 'HP:0002094', True), ('N/V', 'HP:0002017', False)]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.errors import SourceError

__all__ = ["Abbreviation", "load_abbreviations", "ABBREVIATIONS_FILE", "GUARD"]

GUARD = "-"  # the concept column of a word-sense guard row

ABBREVIATIONS_FILE = Path(__file__).with_name("abbreviations.tsv")
_COLUMNS = ["form", "concept_id", "label", "case", "note", "assertion", "requires", "unless"]
_REQUIRED = 5


@dataclass(frozen=True)
class Abbreviation:
    form: str             # as written in notes, e.g. "SOB"
    concept_id: str       # e.g. "HP:0002094"
    label: str            # the concept's label in the source it comes from
    case_sensitive: bool  # True: matched only as written
    note: str = ""
    assertion: str = ""   # "negated" for forms that deny the concept themselves ("afebrile")
    requires: tuple[str, ...] = ()  # sense check: kept only with one of these words near it ("MS": "murmur")
    unless: tuple[str, ...] = ()    # sense check: dropped with one of these words near it ("DM": "myositis")

    @property
    def is_guard(self) -> bool:
        """A phrase that is not a finding and hides the shorter names inside it ("anorexia nervosa")."""
        return self.concept_id == GUARD


@lru_cache(maxsize=4)
def load_abbreviations(path: Path = ABBREVIATIONS_FILE) -> tuple[Abbreviation, ...]:
    """Read the table; malformed rows raise :class:`SourceError` naming the line."""
    out: list[Abbreviation] = []
    header_seen = False
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if not header_seen:
                if fields != _COLUMNS:
                    raise SourceError(f"{path}, line {lineno}: expected the header {_COLUMNS}, got {fields}")
                header_seen = True
                continue
            fields += [""] * (len(_COLUMNS) - len(fields))
            if (not _REQUIRED <= len(fields) <= len(_COLUMNS) or fields[3] not in ("exact", "any")
                    or (":" not in fields[1] and fields[1] != GUARD) or fields[5] not in ("", "negated")):
                raise SourceError(f"{path}, line {lineno}: expected 5 to 8 tab-separated fields "
                                  f"(form, CURIE or '-', label, exact|any, note, [negated], [requires|...], "
                                  f"[unless|...]), got {fields}")
            words = [tuple(w.strip().lower() for w in f.split("|") if w.strip()) for f in fields[6:8]]
            out.append(Abbreviation(fields[0], fields[1], fields[2], fields[3] == "exact", fields[4], fields[5],
                                    words[0], words[1]))
    return tuple(out)
