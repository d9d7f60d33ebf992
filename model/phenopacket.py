"""Read GA4GH Phenopacket v2 cases (JSON, one per line, optionally gzipped) into typed cases.

Also reads the compact form ``[[hpo ids], [disease ids]]`` (a JSON list of such pairs) that the
benchmark accepts. Present findings are ``phenotypicFeatures`` without ``excluded: true``;
excluded ones are evidence against. Diagnoses come from ``interpretations[].diagnosis.disease``
and ``diseases[].term`` (``excluded`` diseases skipped); source papers from
``metaData.externalReferences`` (PMIDs).

>>> case = case_from_phenopacket({"id": "p1", "phenotypicFeatures": [
...     {"type": {"id": "HP:0001250", "label": "Seizure"}},
...     {"type": {"id": "HP:0001263"}, "excluded": True}],
...     "subject": {"sex": "FEMALE", "timeAtLastEncounter": {"age": {"iso8601duration": "P3Y6M"}}},
...     "diseases": [{"term": {"id": "OMIM:123456", "label": "X"}}],
...     "metaData": {"externalReferences": [{"id": "PMID:42"}]}})
>>> case.present, case.absent, case.diseases, case.pmids, case.age_years, case.sex
(['HP:0001250'], ['HP:0001263'], ['OMIM:123456'], ['PMID:42'], 3.5, 'female')
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kg.errors import InputError

__all__ = ["Case", "case_from_phenopacket", "read_cases", "parse_iso8601_age"]

_AGE = re.compile(r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?")


@dataclass(frozen=True)
class Case:
    id: str
    present: list[str]
    absent: list[str]
    diseases: list[str]
    pmids: list[str] = field(default_factory=list)
    age_years: float | None = None
    sex: str | None = None             # "female", "male" or None


def parse_iso8601_age(text: str | None) -> float | None:
    """``"P3Y6M"`` -> 3.5 (years); None when absent or unreadable."""
    if not text:
        return None
    m = _AGE.match(text.strip())
    if not m or not any(m.groupdict().values()):
        return None
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return round(g["y"] + g["m"] / 12 + g["w"] / 52.1775 + g["d"] / 365.25, 4)


def case_from_phenopacket(pp: dict) -> Case:
    """One phenopacket (a parsed JSON object) -> :class:`Case`."""
    if not isinstance(pp, dict):
        raise InputError(f"a phenopacket must be a JSON object, got {type(pp).__name__}")
    present, absent = [], []
    for feat in pp.get("phenotypicFeatures", []) or []:
        tid = ((feat or {}).get("type") or {}).get("id")
        if not tid:
            continue
        (absent if feat.get("excluded") else present).append(tid)
    diseases: list[str] = []
    for interp in pp.get("interpretations", []) or []:
        did = (((interp or {}).get("diagnosis") or {}).get("disease") or {}).get("id")
        if did and did not in diseases:
            diseases.append(did)
    for dis in pp.get("diseases", []) or []:
        did = ((dis or {}).get("term") or {}).get("id")
        if did and not dis.get("excluded") and did not in diseases:
            diseases.append(did)
    refs = ((pp.get("metaData") or {}).get("externalReferences")) or []
    pmids = [r["id"] for r in refs if isinstance(r, dict) and str(r.get("id", "")).startswith("PMID:")]
    subject = pp.get("subject") or {}
    age = parse_iso8601_age((((subject.get("timeAtLastEncounter") or {}).get("age")) or {}).get("iso8601duration"))
    sex = {"FEMALE": "female", "MALE": "male"}.get(str(subject.get("sex", "")).upper())
    return Case(str(pp.get("id", "")), list(dict.fromkeys(present)), list(dict.fromkeys(absent)),
                diseases, pmids, age, sex)


def read_cases(path: Path | str, limit: int | None = None) -> Iterator[Case]:
    """Cases from a phenopacket file (JSON lines or one JSON object, gzipped or not) or a
    JSON list of ``[[hpo ids], [disease ids]]`` pairs (ids prefixed ``-`` or ``NOT:`` are excluded)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"case file {path} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        first = ""
        while not first.strip():
            first = fh.readline()
            if not first:
                return
        head = first.lstrip()
        if head.startswith("["):
            yield from _compact_or_list(path, json.loads(first + fh.read()), limit)
            return
        try:
            pp = json.loads(first)
        except json.JSONDecodeError:
            # one pretty-printed phenopacket
            try:
                pp = json.loads(first + fh.read())
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:1: not valid JSON ({err})") from None
            yield case_from_phenopacket(pp)
            return
        n = 0
        if limit is not None and limit <= 0:
            return
        yield case_from_phenopacket(pp)
        n += 1
        for lineno, line in enumerate(fh, 2):  # JSON lines: stream, so --limit stays cheap
            if limit is not None and n >= limit:
                return
            if not line.strip():
                continue
            try:
                pp = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{lineno}: not valid JSON ({err})") from None
            yield case_from_phenopacket(pp)
            n += 1


def _compact_or_list(path: Path, data, limit: int | None) -> Iterator[Case]:
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON list")
    for i, item in enumerate(data):
        if limit is not None and i >= limit:
            return
        if isinstance(item, dict):
            yield case_from_phenopacket(item)
            continue
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise InputError(f"{path}: item {i} is not [[hpo ids], [disease ids]] nor a phenopacket")
        terms, dis = item
        pres = [t for t in terms if not (t.startswith("-") or t.startswith("NOT:"))]
        absn = [t.split(":", 1)[1] if t.startswith("NOT:") else t[1:] for t in terms if t not in pres]
        yield Case(f"case-{i}", pres, absn, list(dis))
