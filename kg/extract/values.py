"""Measured values that imply a phenotype: vitals and common labs -> Findings with value and threshold.

Thresholds are standard adult reference limits; the source of each is given beside it.
A value is only read when its label is right before it (``HR 124``, ``Temp: 102.5F``,
``SpO2 86%``), so "temperature greater than 101" in an instruction is left alone.

>>> [(v.concept_id, v.value, v.threshold) for v in find_values("T 39.2 C, HR 124, BP 172/104, SpO2 86% RA")]
[('HP:0001945', '39.2 C', '>= 38.0 C'), ('HP:0001649', '124 /min', '> 100 /min'), ('HP:0000822', '172/104 mmHg', '>= 140/90 mmHg'), ('HP:0012418', '86 %', '< 90 %')]
>>> find_values("HR 72, Temp 36.8 C")
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["ValueFinding", "find_values", "VALUE_CONCEPTS"]


@dataclass(frozen=True)
class ValueFinding:
    concept_id: str
    label: str
    start: int       # character span of "label value unit" in the note
    end: int
    value: str       # e.g. "39.2 C"
    threshold: str   # e.g. ">= 38.0 C"


# concept id -> HPO label (checked against hp.obo by a test)
VALUE_CONCEPTS = {
    "HP:0001945": "Fever",
    "HP:0001649": "Tachycardia",
    "HP:0012418": "Hypoxemia",
    "HP:0000822": "Hypertension",
    "HP:0001903": "Anemia",
    "HP:0002789": "Tachypnea",
    "HP:0001974": "Leukocytosis",
    "HP:0002902": "Hyponatremia",
    "HP:0002153": "Hyperkalemia",
    "HP:0003074": "Hyperglycemia",
}

_SEP = r"[ \t]*(?:[:=]|\bof\b|\bwas\b|\bis\b)?[ \t]*"
_NUM = r"(?P<v>\d{1,4}(?:\.\d+)?)"


def _rx(label: str, tail: str = "") -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9])(?:{label})(?![A-Za-z]){_SEP}{_NUM}{tail}")


def _fever(m: re.Match, sex: str | None):
    v = float(m.group("v"))
    unit = (m.group("u") or "").upper()
    if unit == "F" or (not unit and 90 <= v <= 113):
        # 100.4 F = 38.0 C: the usual clinical fever cut-off (IDSA fever guidance; CDC uses 100.4 F)
        return (f"{v:g} F", ">= 100.4 F") if 90 <= v <= 113 and v >= 100.4 else None
    if 30 <= v <= 45:
        return (f"{v:g} C", ">= 38.0 C") if v >= 38.0 else None
    return None


def _above(limit: float, unit: str, strict: bool = True, lo: float = 0, hi: float = 1e9):
    def test(m: re.Match, sex: str | None):
        v = float(m.group("v"))
        if not lo <= v <= hi:
            return None
        ok = v > limit if strict else v >= limit
        return (f"{v:g} {unit}", f"{'>' if strict else '>='} {limit} {unit}") if ok else None
    return test


def _below(limit: float, unit: str, lo: float = 0, hi: float = 1e9):
    def test(m: re.Match, sex: str | None):
        v = float(m.group("v"))
        if not lo <= v <= hi:
            return None
        return (f"{v:g} {unit}", f"< {limit} {unit}") if v < limit else None
    return test


def _bp(m: re.Match, sex: str | None):
    sys_, dia = int(m.group("v")), int(m.group("d"))
    if not (50 <= sys_ <= 300 and 20 <= dia <= 200 and sys_ > dia):
        return None
    # >= 140 systolic or >= 90 diastolic: hypertension in the 2018 ESC/ESH guideline (grade 1)
    # and stage 2 of the 2017 ACC/AHA guideline
    if sys_ >= 140 or dia >= 90:
        return f"{sys_}/{dia} mmHg", ">= 140/90 mmHg"
    return None


def _hb(m: re.Match, sex: str | None):
    v = float(m.group("v"))
    if 30 <= v <= 250:      # written in g/L
        v = v / 10
    if not 2 <= v <= 25:
        return None
    # WHO 2011 "Haemoglobin concentrations for the diagnosis of anaemia": < 13.0 g/dL men,
    # < 12.0 g/dL non-pregnant women (also used when sex is unknown: the more conservative limit)
    limit = 13.0 if sex == "male" else 12.0
    return (f"{v:g} g/dL", f"< {limit:.1f} g/dL") if v < limit else None


def _wbc(m: re.Match, sex: str | None):
    v = float(m.group("v"))
    if v >= 1000:           # written per microlitre
        v = v / 1000
    if not 0.1 <= v <= 500:
        return None
    # adult reference range 4.0-11.0 x10^9/L (e.g. Merck Manual normal laboratory values)
    return (f"{v:g} x10^9/L", "> 11.0 x10^9/L") if v > 11.0 else None


def _glucose(m: re.Match, sex: str | None):
    v = float(m.group("v"))
    unit = (m.group("u") or "").lower()
    # ADA Standards of Care: random plasma glucose >= 200 mg/dL (11.1 mmol/L) with symptoms = hyperglycaemia
    if "mmol" in unit or (not unit and v < 35):
        return (f"{v:g} mmol/L", ">= 11.1 mmol/L") if 1 <= v <= 100 and v >= 11.1 else None
    if 10 <= v <= 3000:
        return (f"{v:g} mg/dL", ">= 200 mg/dL") if v >= 200 else None
    return None


_RULES: list[tuple[str, re.Pattern, Callable]] = [
    ("HP:0001945", _rx(r"T|TEMP|T\s?max|Tmax|[Tt]emp(?:erature)?\.?|TEMPERATURE",
                       r"[ \t]*(?:\u00b0|deg(?:rees?)?)?[ \t]*(?P<u>[CcFf](?![A-Za-z]))?"), _fever),
    # > 100 beats/min: tachycardia (AHA/ACC definitions of sinus tachycardia)
    ("HP:0001649", _rx(r"HR|[Hh]eart [Rr]ate|HEART RATE|[Pp]ulse|PULSE|P"), _above(100, "/min", lo=20, hi=300)),
    # SpO2 < 90 %: hypoxaemia (WHO Pulse Oximetry Training Manual, 2011)
    ("HP:0012418", _rx(r"SpO2|SPO2|SaO2|SAO2|O2 [Ss]ats?|O2 [Ss]aturation|[Ss]ats?|SATS?|[Oo]xygen [Ss]aturation",
                       r"[ \t]*%"), _below(90, "%", lo=40, hi=100)),
    ("HP:0000822", re.compile(r"(?<![A-Za-z0-9])(?:BP|[Bb]lood [Pp]ressure|BLOOD PRESSURE)(?![A-Za-z])" + _SEP
                              + r"(?P<v>\d{2,3})[ \t]*/[ \t]*(?P<d>\d{2,3})"), _bp),
    ("HP:0001903", _rx(r"Hb|Hgb|HGB|HB|[Hh]a?emoglobin|HA?EMOGLOBIN"), _hb),
    # > 20 breaths/min: tachypnoea (adult normal 12-20; SIRS criterion, Bone et al., Chest 1992)
    ("HP:0002789", _rx(r"RR|R|[Rr]esp(?:iratory)?\.? [Rr]ate|RESP(?:IRATORY)? RATE|[Rr]esp\.?|RESP"),
     _above(20, "/min", lo=4, hi=80)),
    ("HP:0001974", _rx(r"WBC|WCC|[Ww]hite (?:[Bb]lood )?(?:[Cc]ell )?[Cc]ount|[Ll]eukocytes"), _wbc),
    # < 135 mmol/L: hyponatraemia (reference range 135-145 mmol/L; European clinical practice guideline 2014)
    ("HP:0002902", _rx(r"Na\+?|NA|[Ss]odium|SODIUM"), _below(135, "mmol/L", lo=90, hi=200)),
    # > 5.0 mmol/L: hyperkalaemia (upper reference limit; KDIGO 2020 controversies conference)
    ("HP:0002153", _rx(r"K\+?|[Pp]otassium|POTASSIUM"), _above(5.0, "mmol/L", lo=1.0, hi=12.0)),
    ("HP:0003074", _rx(r"[Gg]lucose|GLUCOSE|[Bb]lood [Ss]ugar|BG|BSL|CBG|FSBG|FSG|GLU|[Gg]lu",
                       r"[ \t]*(?P<u>mg/dL|mg/dl|mmol/L|mmol/l)?"), _glucose),
]


def find_values(text: str, sex: str | None = None) -> list[ValueFinding]:
    """Every value past its threshold, in text order (the first per concept and position)."""
    out: list[ValueFinding] = []
    for cid, rx, test in _RULES:
        for m in rx.finditer(text):
            res = test(m, sex)
            if res:
                out.append(ValueFinding(cid, VALUE_CONCEPTS[cid], m.start(), m.end(), res[0], res[1]))
    out.sort(key=lambda v: (v.start, v.end))
    return out
