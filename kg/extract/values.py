"""Measured values that imply a phenotype: vitals and common labs -> Findings with value and threshold.

Each rule reads an analyte's label right before its value (``HR 124``, ``Temp: 102.5F``,
``SpO2 86%``, ``ALT 88``, ``creatinine 1.4 mg/dL``), converts the unit when one is written
(or, without one, when the number only makes sense in the other unit: albumin 29 is g/L), and
compares it with a reference limit. The limit used is kept beside the value. Limits are
standard adult reference limits, the source of each beside it; haemoglobin follows the WHO's
age, sex and pregnancy thresholds, ESR the Westergren age/sex rule, creatinine and ferritin
differ by sex, alkaline phosphatase by age (children's bones make more). A value written after
``<`` (``troponin <0.01``) is never read as the number itself.

>>> [(v.concept_id, v.value, v.threshold) for v in find_values("T 39.2 C, HR 124, BP 172/104, SpO2 86% RA")]
[('HP:0001945', '39.2 C', '>= 38.0 C'), ('HP:0001649', '124 /min', '> 100 /min'), ('HP:0000822', '172/104 mmHg', '>= 140/90 mmHg'), ('HP:0012418', '86 %', '< 90 %')]
>>> [(v.label, v.value, v.threshold) for v in find_values("ALT 88, albumin 2.9, lactate 2.8")]
[('Elevated circulating alanine aminotransferase concentration', '88 U/L', '> 40 U/L'), ('Hypoalbuminemia', '2.9 g/dL', '< 3.5 g/dL'), ('Increased circulating lactate concentration', '2.8 mmol/L', '> 2.0 mmol/L')]
>>> find_values("HR 72, Temp 36.8 C, troponin <0.01")
[]
>>> [v.threshold for v in find_values("Hb 12.5", sex="male", age=45)], find_values("Hb 11.8", sex="male", age=8)
(['< 13.0 g/dL'], [])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["ValueFinding", "find_values", "read_egfr", "VALUE_CONCEPTS", "EGFR"]


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
    "HP:0002045": "Hypothermia",
    "HP:0001649": "Tachycardia",
    "HP:0001662": "Bradycardia",
    "HP:0012418": "Hypoxemia",
    "HP:0000822": "Hypertension",
    "HP:0002615": "Hypotension",
    "HP:0002789": "Tachypnea",
    "HP:0046507": "Bradypnea",
    "HP:0001903": "Anemia",
    "HP:0001974": "Leukocytosis",
    "HP:0001882": "Leukopenia",
    "HP:0001875": "Neutropenia",
    "HP:0011897": "Neutrophilia",
    "HP:0001873": "Thrombocytopenia",
    "HP:0001894": "Thrombocytosis",
    "HP:0005518": "Increased mean corpuscular volume",
    "HP:0025066": "Decreased mean corpuscular volume",
    "HP:0002902": "Hyponatremia",
    "HP:0003228": "Hypernatremia",
    "HP:0002153": "Hyperkalemia",
    "HP:0002900": "Hypokalemia",
    "HP:0003072": "Hypercalcemia",
    "HP:0002901": "Hypocalcemia",
    "HP:0003074": "Hyperglycemia",
    "HP:0001943": "Hypoglycemia",
    "HP:0040217": "Elevated hemoglobin A1c",
    "HP:0031964": "Elevated circulating alanine aminotransferase concentration",
    "HP:0031956": "Elevated circulating aspartate aminotransferase concentration",
    "HP:0003155": "Elevated circulating alkaline phosphatase concentration",
    "HP:0002904": "Hyperbilirubinemia",
    "HP:0003073": "Hypoalbuminemia",
    "HP:0003259": "Elevated circulating creatinine concentration",
    "HP:0003138": "Increased blood urea nitrogen",
    "HP:0012213": "Decreased glomerular filtration rate",
    "HP:0002151": "Increased circulating lactate concentration",
    "HP:0410173": "Increased circulating troponin I concentration",
    "HP:0410174": "Increased circulating troponin T concentration",
    "HP:0033534": "Increased circulating brain natriuretic peptide concentration",
    "HP:0031185": "Increased circulating NT-proBNP concentration",
    "HP:0011227": "Elevated circulating C-reactive protein concentration",
    "HP:0003565": "Elevated erythrocyte sedimentation rate",
    "HP:0032308": "Increased circulating procalcitonin concentration",
    "HP:0033106": "Elevated circulating D-dimer concentration",
    "HP:0032932": "Increased circulating pancreatic triacylglycerol lipase level",
    "HP:0410288": "Hyperamylasemia",
    "HP:0002925": "Elevated circulating thyroid-stimulating hormone concentration",
    "HP:0031098": "Decreased thyroid-stimulating hormone level",
    "HP:0033077": "Increased circulating free T4 concentration",
    "HP:0033078": "Decreased circulating free T4 concentration",
    "HP:0003281": "Increased circulating ferritin concentration",
    "HP:0012343": "Decreased circulating ferritin concentration",
    "HP:0008151": "Prolonged prothrombin time",
}
EGFR = "HP:0012213"

_SEP = r"[ \t]*(?:[:=]|\bof\b|\bwas\b|\bis\b|\blevel\b|\blevels\b)?[ \t]*"
_NUM = r"(?P<v>\d{1,5}(?:\.\d+)?)(?![\d.]*[ \t]*[-\u2013][ \t]*\d)"  # not the low end of a range "3.5-5.0"
_UNIT = (r"[ \t]*(?P<u>mg/dL|mg/dl|mmol/L|mmol/l|umol/L|umol/l|\u00b5mol/L|\u03bcmol/L|g/dL|g/dl|g/L|g/l|U/L|u/l|IU/L|"
         r"ng/mL|ng/ml|ng/L|ng/l|pg/mL|pg/ml|mg/L|mg/l|ug/L|\u00b5g/L|mIU/L|mIU/mL|uIU/mL|mU/L|pmol/L|pmol/l|"
         r"mmol/mol|fL|fl|%|mm/hr?|mm/h|x10\^9/L|K/uL|/uL|/mm3|mL/min(?:/1\.73 ?m2)?)?")

Test = Callable[[float, str, dict], "tuple[str, str, str] | None"]


_LABELS: list[str] = []   # every rule's label pattern, for one pass that finds where a value may start


def _rx(label: str, tail: str = _UNIT) -> re.Pattern:
    _LABELS.append(label)
    return re.compile(rf"(?<![A-Za-z0-9<>])(?:{label})(?![A-Za-z]){_SEP}{_NUM}{tail}")


def _fmt(v: float, unit: str) -> str:
    return f"{v:g} {unit}".strip()


def _hi_lo(unit: str, hi: float | None, hi_cid: str | None, lo: float | None = None, lo_cid: str | None = None,
           sane: tuple[float, float] = (0, 1e9), conv: Callable[[float, str], float] | None = None,
           strict: bool = True) -> Test:
    """A test: above ``hi`` -> ``hi_cid``; below ``lo`` -> ``lo_cid`` (after ``conv`` to ``unit``)."""
    def test(v: float, u: str, ctx: dict):
        if conv is not None:
            v = conv(v, u)
        if v is None or not sane[0] <= v <= sane[1]:
            return None
        if hi is not None and (v > hi if strict else v >= hi):
            return hi_cid, _fmt(v, unit), f"{'>' if strict else '>='} {hi} {unit}".strip()
        if lo is not None and v < lo:
            return lo_cid, _fmt(v, unit), f"< {lo} {unit}".strip()
        return None
    return test


def _per(factor: float, units: tuple[str, ...], above: float | None = None) -> Callable[[float, str], float]:
    """Converter: divide by ``factor`` when the unit is one of ``units`` (or, unitless, the value > ``above``)."""
    def conv(v: float, u: str) -> float:
        ul = u.lower().replace("\u00b5", "u").replace("\u03bc", "u")
        if ul and ul in units:
            return round(v / factor, 3)
        if not ul and above is not None and v > above:
            return round(v / factor, 3)
        return v
    return conv


def _fever(v: float, u: str, ctx: dict):
    unit = u.upper()
    if unit == "F" or (not unit and 86 <= v <= 113):
        if not 86 <= v <= 113:
            return None
        # 100.4 F = 38.0 C: the usual clinical fever cut-off (IDSA fever guidance; CDC uses 100.4 F);
        # < 95 F = 35 C: hypothermia (core temperature below 35 C, e.g. Brown et al., NEJM 2012)
        if v >= 100.4:
            return "HP:0001945", f"{v:g} F", ">= 100.4 F"
        return ("HP:0002045", f"{v:g} F", "< 95 F") if v < 95 else None
    if 25 <= v <= 45:
        if v >= 38.0:
            return "HP:0001945", f"{v:g} C", ">= 38.0 C"
        return ("HP:0002045", f"{v:g} C", "< 35 C") if v < 35.0 else None
    return None


def _bp(m: re.Match, ctx: dict):
    sys_, dia = int(m.group("v")), int(m.group("d"))
    if not (50 <= sys_ <= 300 and 20 <= dia <= 200 and sys_ > dia):
        return None
    # >= 140 systolic or >= 90 diastolic: hypertension in the 2018 ESC/ESH guideline (grade 1)
    # and stage 2 of the 2017 ACC/AHA guideline
    if sys_ >= 140 or dia >= 90:
        return "HP:0000822", f"{sys_}/{dia} mmHg", ">= 140/90 mmHg"
    # systolic < 90 mmHg: hypotension (e.g. the shock criteria of the Surviving Sepsis Campaign)
    if sys_ < 90:
        return "HP:0002615", f"{sys_}/{dia} mmHg", "< 90 mmHg systolic"
    return None


def _hb(v: float, u: str, ctx: dict):
    if u.lower() == "g/l" or (not u and 30 <= v <= 250):
        v = v / 10
    if not 2 <= v <= 25:
        return None
    # WHO 2011 "Haemoglobin concentrations for the diagnosis of anaemia": 6-59 months < 11.0 g/dL,
    # 5-11 years < 11.5, 12-14 years < 12.0, non-pregnant women < 12.0, pregnant women < 11.0, men < 13.0
    # (unknown sex: the women's limit, the more conservative)
    age, sex = ctx.get("age"), ctx.get("sex")
    if age is not None and age < 5:
        limit, who = 11.0, "children 6-59 months"
    elif age is not None and age < 12:
        limit, who = 11.5, "children 5-11 years"
    elif age is not None and age < 15:
        limit, who = 12.0, "children 12-14 years"
    elif ctx.get("pregnant"):
        limit, who = 11.0, "pregnant women"
    elif sex == "male":
        limit, who = 13.0, "men"
    else:
        limit, who = 12.0, "women" if sex == "female" else "adults of unknown sex"
    return ("HP:0001903", f"{v:g} g/dL", f"< {limit:.1f} g/dL") if v < limit else None


def _esr(v: float, u: str, ctx: dict):
    if not 0 <= v <= 200:
        return None
    # Westergren upper limit: men age/2, women (age + 10)/2 (Miller et al., BMJ 1983); 20 mm/h unknown
    age, sex = ctx.get("age"), ctx.get("sex")
    limit = 20.0
    if age is not None and age >= 18 and sex in ("male", "female"):
        limit = age / 2 if sex == "male" else (age + 10) / 2
    return ("HP:0003565", f"{v:g} mm/h", f"> {limit:g} mm/h") if v > limit else None


def _creatinine(v: float, u: str, ctx: dict):
    if u.lower().replace("\u00b5", "u").replace("\u03bc", "u") == "umol/l" or (not u and v > 20):
        v = round(v / 88.4, 2)
    if not 0.1 <= v <= 30:
        return None
    # adult reference range: men 0.74-1.35 mg/dL, women 0.59-1.04 mg/dL (Mayo Clinic Laboratories);
    # unknown sex: the men's limit, the more conservative
    limit = 1.04 if ctx.get("sex") == "female" else 1.35
    return ("HP:0003259", f"{v:g} mg/dL", f"> {limit:g} mg/dL") if v > limit else None


def _alp(v: float, u: str, ctx: dict):
    if not 1 <= v <= 5000:
        return None
    # adults 40-130 U/L; children and adolescents up to ~500 U/L (bone growth; Mayo Clinic Laboratories)
    limit = 500.0 if (ctx.get("age") is not None and ctx["age"] < 18) else 130.0
    return ("HP:0003155", f"{v:g} U/L", f"> {limit:g} U/L") if v > limit else None


def _ferritin(v: float, u: str, ctx: dict):
    if not 0.5 <= v <= 100000:
        return None
    # WHO 2020 guideline on ferritin: < 15 ug/L iron deficiency in adults; > 200 ug/L (men > 300, the
    # usual laboratory upper limit) risk of iron overload in otherwise healthy women
    hi = 200.0 if ctx.get("sex") == "female" else 300.0
    if v > hi:
        return "HP:0003281", f"{v:g} ng/mL", f"> {hi:g} ng/mL"
    return ("HP:0012343", f"{v:g} ng/mL", "< 15 ng/mL") if v < 15 else None


def _troponin(kind: str) -> Test:
    def test(v: float, u: str, ctx: dict):
        cid = "HP:0410174" if kind == "T" else "HP:0410173"
        ul = u.lower()
        # conventional assays in ng/mL (99th percentile ~0.04 ng/mL); high-sensitivity assays in ng/L:
        # hs-cTnT 14 ng/L, hs-cTnI ~26 ng/L (99th percentiles, 4th Universal Definition of MI, 2018).
        # A bare "troponin" is read as troponin I (the commoner assay where units are not written).
        if ul in ("ng/l", "pg/ml") or (not ul and v >= 5):
            limit = 14.0 if kind == "T" else 26.0
            return (cid, f"{v:g} ng/L", f"> {limit:g} ng/L") if v > limit and v < 100000 else None
        return (cid, f"{v:g} ng/mL", "> 0.04 ng/mL") if 0.04 < v < 1000 else None
    return test


def _glucose(v: float, u: str, ctx: dict):
    ul = u.lower()
    if "mmol" in ul or (not ul and v < 35):
        v, unit, hi, lo = v, "mmol/L", 11.1, 3.9
    else:
        unit, hi, lo = "mg/dL", 200.0, 70.0
    if not (0.5 <= v <= 100 if unit == "mmol/L" else 10 <= v <= 3000):
        return None
    # ADA Standards of Care: random plasma glucose >= 200 mg/dL (11.1 mmol/L) = hyperglycaemia;
    # < 70 mg/dL (3.9 mmol/L) = level 1 hypoglycaemia
    if v >= hi:
        return "HP:0003074", _fmt(v, unit), f">= {hi:g} {unit}"
    return ("HP:0001943", _fmt(v, unit), f"< {lo:g} {unit}") if v < lo else None


def _neutrophils(v: float, u: str, ctx: dict):
    if u == "%":
        return None          # a differential percentage is not a count
    if u.lower() in ("/ul", "/mm3") or v > 200:
        v = v / 1000
    # absolute neutrophil count < 1.5 x10^9/L neutropenia; > 7.5 neutrophilia (adult reference 1.5-7.5)
    return _hi_lo("x10^9/L", 7.5, "HP:0011897", 1.5, "HP:0001875", sane=(0, 200))(v, "", ctx)


_CI = "(?i:{})".format  # case-insensitive label words

# (label pattern, test(value, unit, context) -> (concept, value, threshold) | None)
_RULES: list[tuple[re.Pattern, Test]] = [
    (_rx(r"T|TEMP|T\s?max|Tmax|[Tt]emp(?:erature)?\.?|TEMPERATURE",
         r"[ \t]*(?:\u00b0|deg(?:rees?)?)?[ \t]*(?P<u>[CcFf](?![A-Za-z]))?"), _fever),
    # > 100 beats/min tachycardia, < 60 bradycardia (AHA/ACC/HRS 2018 bradycardia guideline; adults)
    (_rx(r"HR|[Hh]eart [Rr]ate|HEART RATE|[Pp]ulse|PULSE|P", ""), _hi_lo("/min", 100, "HP:0001649", 60, "HP:0001662",
                                                                     sane=(20, 300))),
    # SpO2 < 90 %: hypoxaemia (WHO Pulse Oximetry Training Manual, 2011)
    (_rx(r"SpO2|SPO2|SaO2|SAO2|O2 [Ss]ats?|O2 [Ss]aturation|[Ss]ats?|SATS?|[Oo]xygen [Ss]aturation", r"[ \t]*%"),
     _hi_lo("%", None, None, 90, "HP:0012418", sane=(40, 100))),
    # > 20 breaths/min tachypnoea, < 12 bradypnoea (adult normal 12-20; SIRS criterion, Bone et al., Chest 1992)
    (_rx(r"RR|(?<=\d )R|(?<=\d, )R|(?<=\d,)R|[Rr]esp(?:iratory)?\.? [Rr]ate|RESP(?:IRATORY)? RATE|[Rr]esp\.?|RESP", ""),
     _hi_lo("/min", 20, "HP:0002789", 12, "HP:0046507", sane=(4, 80))),
    (_rx(r"Hb|Hgb|HGB|HB|[Hh]a?emoglobin|HA?EMOGLOBIN"), _hb),
    # WBC reference 4.0-11.0 x10^9/L (e.g. Merck Manual Professional, normal laboratory values)
    (_rx(r"WBC|WCC|[Ww]hite (?:[Bb]lood )?(?:[Cc]ell )?[Cc]ount|[Ll]eukocytes"),
     _hi_lo("x10^9/L", 11.0, "HP:0001974", 4.0, "HP:0001882", sane=(0.1, 500), conv=_per(1000, ("/ul", "/mm3"), 1000))),
    (_rx(r"ANC|[Nn]eutrophils?|NEUTROPHILS?|[Aa]bsolute neutrophil count|[Nn]eut"), _neutrophils),
    # platelets 150-450 x10^9/L (e.g. Merck Manual Professional)
    (_rx(r"PLT|Plt|[Pp]lts|[Pp]latelets?|PLATELETS?|[Pp]latelet count"),
     _hi_lo("x10^9/L", 450, "HP:0001894", 150, "HP:0001873", sane=(1, 3000), conv=_per(1000, ("/ul", "/mm3"), 3000))),
    # MCV 80-100 fL (e.g. Merck Manual Professional)
    (_rx(r"MCV"), _hi_lo("fL", 100, "HP:0005518", 80, "HP:0025066", sane=(40, 160))),
    # sodium 135-145 mmol/L (European clinical practice guideline on hyponatraemia, 2014)
    (_rx(r"Na\+?|NA|[Ss]odium|SODIUM"), _hi_lo("mmol/L", 145, "HP:0003228", 135, "HP:0002902", sane=(90, 200))),
    # potassium > 5.0 (KDIGO 2020 controversies conference) / < 3.5 mmol/L
    (_rx(r"K\+?|[Pp]otassium|POTASSIUM"), _hi_lo("mmol/L", 5.0, "HP:0002153", 3.5, "HP:0002900", sane=(1.0, 12.0))),
    # total calcium 8.5-10.5 mg/dL (2.12-2.62 mmol/L; e.g. Merck Manual Professional)
    (_rx(r"Ca|CA|[Cc]alcium|CALCIUM|[Cc]orrected [Cc]alcium"),
     _hi_lo("mg/dL", 10.5, "HP:0003072", 8.5, "HP:0002901", sane=(3, 20), conv=_per(0.2495, ("mmol/l",), None))),
    (_rx(r"[Gg]lucose|GLUCOSE|[Bb]lood [Ss]ugar|BG|BSL|CBG|FSBG|FSG|GLU|[Gg]lu"), _glucose),
    # HbA1c >= 5.7 % (ADA: 5.7-6.4 % prediabetes, >= 6.5 % diabetes); IFCC >= 39 mmol/mol
    (_rx(r"HbA1c|HBA1C|Hb ?A1c|[Hh]emoglobin A1c|A1c|A1C|[Gg]lycated ha?emoglobin"),
     _hi_lo("%", 5.6, "HP:0040217", sane=(3, 25), conv=lambda v, u: round(v / 10.929 + 2.15, 1)
            if u.lower() == "mmol/mol" or v > 25 else v)),
    # ALT, AST > 40 U/L (common adult upper reference limit, e.g. Merck Manual Professional)
    (_rx(r"ALT|SGPT|[Aa]lanine aminotransferase"), _hi_lo("U/L", 40, "HP:0031964", sane=(1, 20000))),
    (_rx(r"AST|SGOT|[Aa]spartate aminotransferase"), _hi_lo("U/L", 40, "HP:0031956", sane=(1, 20000))),
    (_rx(r"ALP|[Aa]lk ?[Pp]hos|[Aa]lkaline phosphatase|ALK PHOS"), _alp),
    # total bilirubin > 1.2 mg/dL (> 21 umol/L; e.g. Merck Manual Professional)
    (_rx(r"T\.? ?[Bb]ili|TBILI|TBili|[Bb]ili|BILI|[Tt]otal [Bb]ilirubin|[Bb]ilirubin|BILIRUBIN"),
     _hi_lo("mg/dL", 1.2, "HP:0002904", sane=(0.05, 60), conv=_per(17.1, ("umol/l",), 25))),
    # albumin < 3.5 g/dL (35 g/L; e.g. Merck Manual Professional)
    (_rx(r"[Aa]lbumin|ALBUMIN|Alb|ALB"), _hi_lo("g/dL", None, None, 3.5, "HP:0003073", sane=(0.5, 7),
                                                 conv=_per(10, ("g/l",), 10))),
    (_rx(r"[Cc]reatinine|CREATININE|Cr|Creat|CREAT|sCr|SCr"), _creatinine),
    # BUN > 20 mg/dL; urea > 7.8 mmol/L (e.g. Merck Manual Professional)
    (_rx(r"BUN|[Bb]lood urea nitrogen"), _hi_lo("mg/dL", 20, "HP:0003138", sane=(1, 300))),
    (_rx(r"[Uu]rea|UREA"), _hi_lo("mmol/L", 7.8, "HP:0003138", sane=(0.5, 100), conv=_per(2.8, ("mg/dl",), None))),
    # eGFR < 60 mL/min/1.73 m2: decreased GFR, CKD category G3a or worse (KDIGO 2012)
    (_EGFR := _rx(r"e?GFR|eGFR|[Ee]stimated GFR"), _hi_lo("mL/min/1.73m2", None, None, 60, EGFR, sane=(1, 200))),
    # lactate > 2.0 mmol/L (Surviving Sepsis Campaign 2021; Sepsis-3)
    (_rx(r"[Ll]actate|LACTATE|[Ll]actic acid|[Ll]ac"), _hi_lo("mmol/L", 2.0, "HP:0002151", sane=(0.1, 30))),
    (_rx(r"(?:hs-?)?(?:[Tt]roponin|TROPONIN|Trop|trop|c?Tn) ?T|(?:hs-?)?c?TnT"), _troponin("T")),
    (_rx(r"(?:hs-?)?(?:[Tt]roponin|TROPONIN|Trop|trop) ?I|(?:hs-?)?c?TnI|[Tt]roponin|TROPONIN|[Tt]rop"), _troponin("I")),
    # BNP >= 100 pg/mL, NT-proBNP >= 300 pg/mL: acute heart failure thresholds (ESC 2021 heart failure guideline)
    (_rx(r"BNP|[Bb]rain natriuretic peptide"), _hi_lo("pg/mL", 100, "HP:0033534", sane=(1, 50000), strict=False)),
    (_rx(r"NT-?pro-?BNP|NT-?proBNP|NTproBNP|pro-?BNP"), _hi_lo("pg/mL", 300, "HP:0031185", sane=(1, 100000), strict=False)),
    # CRP > 10 mg/L (1.0 mg/dL; e.g. Merck Manual Professional)
    (_rx(r"CRP|C-reactive protein|[Cc] reactive protein|hs-?CRP"),
     _hi_lo("mg/L", 10, "HP:0011227", sane=(0, 1000), conv=lambda v, u: v * 10 if u.lower() == "mg/dl" else v)),
    (_rx(r"ESR|[Ss]ed(?:imentation)? rate"), _esr),
    # procalcitonin > 0.5 ng/mL: the usual cut-off for likely bacterial infection/sepsis in procalcitonin algorithms
    (_rx(r"PCT|[Pp]rocalcitonin|PROCALCITONIN"), _hi_lo("ng/mL", 0.5, "HP:0032308", sane=(0, 1000))),
    # D-dimer > 0.5 mg/L FEU (500 ng/mL FEU), the usual cut-off for excluding venous thromboembolism
    (_rx(r"D-?[Dd]imer|D-?DIMER"), _hi_lo("mg/L FEU", 0.5, "HP:0033106", sane=(0, 100),
                                           conv=_per(1000, ("ng/ml", "ug/l"), 20))),
    # lipase > 60 U/L, amylase > 100 U/L (common adult upper reference limits)
    (_rx(r"[Ll]ipase|LIPASE"), _hi_lo("U/L", 60, "HP:0032932", sane=(1, 100000))),
    (_rx(r"[Aa]mylase|AMYLASE"), _hi_lo("U/L", 100, "HP:0410288", sane=(1, 100000))),
    # TSH 0.4-4.5 mIU/L; free T4 0.8-1.8 ng/dL (10-23 pmol/L) (e.g. Merck Manual Professional)
    (_rx(r"TSH|[Tt]hyroid[- ]stimulating hormone"),
     _hi_lo("mIU/L", 4.5, "HP:0002925", 0.4, "HP:0031098", sane=(0.001, 1000))),
    (_rx(r"[Ff]ree T4|FT4|fT4|[Ff]ree thyroxine"),
     _hi_lo("ng/dL", 1.8, "HP:0033077", 0.8, "HP:0033078", sane=(0.05, 10), conv=_per(12.87, ("pmol/l",), 6))),
    (_rx(r"[Ff]erritin|FERRITIN"), _ferritin),
    # INR > 1.2 (upper reference of people not on anticoagulants)
    (_rx(r"INR"), _hi_lo("", 1.2, "HP:0008151", sane=(0.5, 20))),
]
_BP = re.compile(r"(?<![A-Za-z0-9])(?:BP|[Bb]lood [Pp]ressure|BLOOD PRESSURE)(?![A-Za-z])" + _SEP
                 + r"(?P<v>\d{2,3})[ \t]*/[ \t]*(?P<d>\d{2,3})")
# a label followed (after a separator) by a digit: the only places a rule can match
_ANY = re.compile(r"(?<![A-Za-z0-9<>])(?:BP|[Bb]lood [Pp]ressure|BLOOD PRESSURE|" + "|".join(_LABELS)
                  + r")(?![A-Za-z])" + _SEP + r"\d")


def find_values(text: str, sex: str | None = None, age: float | None = None,
                pregnant: bool | None = None) -> list[ValueFinding]:
    """Every value past its limit, in text order.

    Where two rules read overlapping text ("Troponin T 45" holds "T 45"), the match that starts
    first and is longest wins, whether or not its value is abnormal.
    """
    ctx = {"sex": sex, "age": age, "pregnant": pregnant}
    matches: list[tuple[int, int, re.Match, Callable]] = []
    starts = [c.start() for c in _ANY.finditer(text)]
    for p in dict.fromkeys(starts):
        m = _BP.match(text, p)
        if m:
            matches.append((m.start(), m.end(), m, None))
        for rx, test in _RULES:
            m = rx.match(text, p)
            if m:
                matches.append((m.start(), m.end(), m, test))
    matches.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out: list[ValueFinding] = []
    last_end = -1
    for s, e, m, test in matches:
        if s < last_end:
            continue
        last_end = e
        if test is None:
            res = _bp(m, ctx)
        else:
            unit = m.groupdict().get("u") or ""
            res = test(float(m.group("v")), unit.strip(), ctx)
        if res:
            out.append(ValueFinding(res[0], VALUE_CONCEPTS[res[0]], s, e, res[1], res[2]))
    return out


def read_egfr(text: str) -> float | None:
    """The first eGFR value of the note, abnormal or not (mL/min/1.73 m2).

    >>> read_egfr("Cr 1.1, eGFR 72"), read_egfr("no labs")
    (72.0, None)
    """
    for m in _EGFR.finditer(text):
        v = float(m.group("v"))
        if 1 <= v <= 200:
            return v
    return None
