"""Score a de-identifier against notes with inline PHI marks (``<<TYPE:text>>``).

The format is described in ``tests/fixtures/deid/README.md``. A gold span counts as found when
every non-space character of it lies inside some predicted span (of any type: a name replaced
as ``[ID]`` is still gone), and as found *with its type* when those spans have its type; a
predicted span is correct when it overlaps a gold span.

>>> notes = parse_annotated("=== n1 | ed ===\\nPt <<NAME:Ann Lee>> seen <<DATE:3/2/2024>>, BP 120/80.\\n")
>>> notes[0].text, [(s.type, notes[0].text[s.start:s.end]) for s in notes[0].spans]
('Pt Ann Lee seen 3/2/2024, BP 120/80.\\n', [('NAME', 'Ann Lee'), ('DATE', '3/2/2024')])
>>> from kg.deid.engine import PhiSpan
>>> s = score(notes, [[PhiSpan("NAME", 3, 10, "Ann Lee", 1.0), PhiSpan("DATE", 29, 35, "120/80", 1.0)]])
>>> s["NAME"].recall, s["DATE"].recall, s["DATE"].precision
(1.0, 0.0, 0.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from kg.errors import InputError

__all__ = ["GoldSpan", "AnnotatedNote", "TypeScore", "parse_annotated", "load_annotated", "score"]

_MARK = re.compile(r"<<([A-Z]+):(.*?)>>", re.DOTALL)
_HEADER = re.compile(r"^=== (?P<id>\S+) \| (?P<style>\S+) ===$", re.MULTILINE)


@dataclass(frozen=True)
class GoldSpan:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class AnnotatedNote:
    id: str
    style: str
    text: str
    spans: tuple[GoldSpan, ...]


@dataclass
class TypeScore:
    gold: int = 0
    found: int = 0          # gold spans fully covered by predictions of any type
    found_typed: int = 0    # ... by predictions of the gold type
    predicted: int = 0
    correct: int = 0        # predictions overlapping a gold span

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def typed_recall(self) -> float:
        return self.found_typed / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def _parse_note(nid: str, style: str, body: str) -> AnnotatedNote:
    text: list[str] = []
    spans: list[GoldSpan] = []
    pos = length = 0
    for m in _MARK.finditer(body):
        text.append(body[pos:m.start()])
        length += m.start() - pos
        spans.append(GoldSpan(m.group(1), length, length + len(m.group(2))))
        text.append(m.group(2))
        length += len(m.group(2))
        pos = m.end()
    text.append(body[pos:])
    return AnnotatedNote(nid, style, "".join(text), tuple(spans))


def parse_annotated(data: str) -> list[AnnotatedNote]:
    """Notes of an annotated file's text, in file order."""
    heads = list(_HEADER.finditer(data))
    if not heads:
        raise InputError("no '=== ID | STYLE ===' note header found in the annotated data")
    notes = []
    for i, h in enumerate(heads):
        body = data[h.end() + 1:heads[i + 1].start() if i + 1 < len(heads) else len(data)]
        notes.append(_parse_note(h.group("id"), h.group("style"), body.rstrip("\n") + "\n"))
    return notes


def load_annotated(path: str | Path) -> list[AnnotatedNote]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"annotated note file {p} does not exist")
    return parse_annotated(p.read_text(encoding="utf-8"))


def score(notes: Sequence[AnnotatedNote], predictions: Sequence[Sequence]) -> dict[str, TypeScore]:
    """Per-type counts; ``predictions[i]`` are objects with ``type``, ``start``, ``end`` for ``notes[i]``."""
    if len(notes) != len(predictions):
        raise InputError(f"{len(notes)} notes but {len(predictions)} prediction lists")
    out: dict[str, TypeScore] = {}
    for note, preds in zip(notes, predictions):
        for g in note.spans:
            ts = out.setdefault(g.type, TypeScore())
            ts.gold += 1
            chars = [i for i in range(g.start, g.end) if not note.text[i].isspace()]
            if all(any(p.start <= i < p.end for p in preds) for i in chars):
                ts.found += 1
            if all(any(p.start <= i < p.end and p.type == g.type for p in preds) for i in chars):
                ts.found_typed += 1
        for p in preds:
            ts = out.setdefault(p.type, TypeScore())
            ts.predicted += 1
            if any(p.start < g.end and g.start < p.end for g in note.spans):
                ts.correct += 1
    return out
