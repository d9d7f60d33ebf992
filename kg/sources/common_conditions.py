"""common-conditions: medkg's own curated source of common conditions (CC0).

Three tables in ``data/sources/common-conditions/`` (see its README for the columns):
``conditions.tsv`` (one profile per DOID/MONDO condition: prevalence band, typical age and
sex, red flags), ``findings.tsv`` (characteristic HPO findings with an HPO frequency term) and
``treatments.tsv`` (guideline treatment statements with line, strength, evidence level,
population, dose and whether they apply to subtypes). Every row names its basis.

The readers return typed rows and reject a malformed file with a :class:`SourceError` naming
file and line. :func:`parse_common_conditions` turns findings into ``has_phenotype`` edges
(frequency as the HPO frequency term) and treatments with a drug id into ``treats`` /
``ameliorates`` edges (drug -> condition), the basis and PMID travelling with the edge.
Until the graph vocabulary has qualifiers for line, population, dose and
``applies_to_subtypes`` (issue 16), those travel in the edge ``note`` as ``key=value; ...``;
:func:`read_treatments` keeps them as fields. Condition profiles are not graph records yet:
the ranker reads them with :func:`read_conditions`.

:data:`COMMON_CONDITIONS` is deliberately not registered (``kg/sources/loaders.py`` does not
import this module), so the default build is unchanged until the loader is switched on.

>>> from kg.sources.common_conditions import band_prior
>>> band_prior("very common") > band_prior("common") > band_prior("uncommon") > band_prior("rare")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import SourceError
from kg.records import Edge, Node, SourceData
from kg.sources.disease_ontology import read_tsv
from kg.sources.registry import SourceFile, SourceSpec
from kg.vocab import Category, Predicate

__all__ = ["ConditionProfile", "Finding", "Treatment", "read_conditions", "read_findings", "read_treatments",
           "parse_common_conditions", "COMMON_CONDITIONS", "DATA_DIR", "VERSION", "band_prior"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "sources" / "common-conditions"
VERSION = "2026.1"
NAME = "common-conditions"

CATEGORIES = frozenset({"infection", "cardiovascular", "respiratory", "gastrointestinal", "renal_urological",
                        "endocrine", "rheumatological", "neurological", "dermatological", "haematological",
                        "obstetric_gynaecological", "paediatric", "psychiatric", "eye_ent", "oncology"})
# Prevalence bands with a representative proportion of the population (the geometric middle of
# each band as the README defines it; "very common" is capped at 3%). A prior for the `general`
# care setting, to be calibrated on the dev vignettes, not a measured prevalence.
BANDS = {"very common": 0.03, "common": 0.003, "uncommon": 0.0003, "rare": 0.00003}
FREQUENCY_BANDS = {"very frequent": "HP:0040281", "frequent": "HP:0040282", "occasional": "HP:0040283"}
LINES = ("first", "second", "alternative")
STRENGTHS = ("strong", "conditional")
EVIDENCE = ("high", "moderate", "low", "very low", "not graded")
AGE_GROUPS = ("adult", "child", "pregnant", "any")
SETTINGS = ("outpatient", "inpatient", "ICU", "any")
_CONDITION = re.compile(r"(DOID|MONDO):\d+")
_PMID = re.compile(r"[1-9]\d{0,8}")

CONDITION_COLUMNS = ("condition_id", "label", "ontology_label", "category", "prevalence_band", "prevalence_basis",
                     "age_min", "age_max", "sex", "predominant_sex", "red_flags", "basis", "pmid")
FINDING_COLUMNS = ("condition_id", "condition_label", "hpo_id", "hpo_label", "frequency_band", "frequency_hpo", "basis")
TREATMENT_COLUMNS = ("condition_id", "condition_label", "drug_id", "drug_name", "drug_label_in_source", "predicate",
                     "line", "strength", "evidence_level", "population", "dose", "applies_to_subtypes", "basis", "pmid")


def band_prior(band: str) -> float:
    """The representative population proportion of a prevalence band (ValueError if unknown)."""
    if band not in BANDS:
        raise ValueError(f"unknown prevalence band {band!r}; valid: {', '.join(BANDS)}")
    return BANDS[band]


@dataclass(frozen=True)
class ConditionProfile:
    """One curated condition: base rate, typical age and sex, red flags, and the basis."""

    condition_id: str
    label: str
    category: str
    prevalence_band: str
    age_min: float | None
    age_max: float | None
    sex: str                  # any, female or male (female/male: occurs in that sex only)
    predominant_sex: str      # "", female or male (commoner in that sex; never a reason to exclude)
    red_flags: tuple[str, ...]
    basis: str
    pmid: str = ""

    def age_fits(self, age: float) -> bool:
        """Whether ``age`` (years) lies in the condition's usual range."""
        return (self.age_min is None or age >= self.age_min) and (self.age_max is None or age <= self.age_max)


@dataclass(frozen=True)
class Finding:
    condition_id: str
    hpo_id: str
    hpo_label: str
    frequency_band: str
    frequency_hpo: str
    basis: str


@dataclass(frozen=True)
class Treatment:
    condition_id: str
    drug_id: str              # DRUGBANK:/RXNORM: id, or "" when neither source has the drug
    drug_name: str
    predicate: Predicate
    line: str
    strength: str
    evidence_level: str
    population: str           # "<age group> <setting>"
    dose: str
    applies_to_subtypes: bool
    basis: str
    pmid: str = ""


def _fail(path: Path, lineno: int, message: str) -> SourceError:
    return SourceError(f"{path}, line {lineno}: {message} (source {NAME!r}; see data/sources/{NAME}/README.md)")


def _need(path: Path, lineno: int, row: dict[str, str], *columns: str) -> None:
    for col in columns:
        if not row[col].strip():
            raise _fail(path, lineno, f"empty {col}")


def _choice(path: Path, lineno: int, column: str, value: str, valid) -> str:
    if value not in valid:
        raise _fail(path, lineno, f"{column} {value!r} is not one of {', '.join(valid)}")
    return value


def _pmid(path: Path, lineno: int, value: str) -> str:
    if value and not _PMID.fullmatch(value):
        raise _fail(path, lineno, f"pmid {value!r} is not a PubMed id (digits only, or empty)")
    return value


def _age(path: Path, lineno: int, column: str, value: str) -> float | None:
    if not value:
        return None
    try:
        age = float(value)
    except ValueError:
        raise _fail(path, lineno, f"{column} {value!r} is not a number of years") from None
    if not 0 <= age <= 130:
        raise _fail(path, lineno, f"{column} {value!r} is outside 0-130 years")
    return age


def read_conditions(path: Path = DATA_DIR / "conditions.tsv") -> list[ConditionProfile]:
    """The condition profiles of ``conditions.tsv``."""
    path = Path(path)
    out: list[ConditionProfile] = []
    seen: set[str] = set()
    for lineno, row in read_tsv(path, CONDITION_COLUMNS):
        _need(path, lineno, row, "condition_id", "label", "basis")
        cid = row["condition_id"]
        if not _CONDITION.fullmatch(cid):
            raise _fail(path, lineno, f"condition_id {cid!r} is not a DOID or MONDO id")
        if cid in seen:
            raise _fail(path, lineno, f"duplicate condition {cid}")
        seen.add(cid)
        lo = _age(path, lineno, "age_min", row["age_min"])
        hi = _age(path, lineno, "age_max", row["age_max"])
        if lo is not None and hi is not None and lo > hi:
            raise _fail(path, lineno, f"age_min {lo} is above age_max {hi}")
        out.append(ConditionProfile(
            condition_id=cid, label=row["label"],
            category=_choice(path, lineno, "category", row["category"], sorted(CATEGORIES)),
            prevalence_band=_choice(path, lineno, "prevalence_band", row["prevalence_band"], tuple(BANDS)),
            age_min=lo, age_max=hi,
            sex=_choice(path, lineno, "sex", row["sex"], ("any", "female", "male")),
            predominant_sex=_choice(path, lineno, "predominant_sex", row["predominant_sex"], ("", "female", "male")),
            red_flags=tuple(f.strip() for f in row["red_flags"].split(";") if f.strip()),
            basis=row["basis"], pmid=_pmid(path, lineno, row["pmid"])))
    return out


def read_findings(path: Path = DATA_DIR / "findings.tsv") -> list[Finding]:
    """The characteristic findings of ``findings.tsv``."""
    path = Path(path)
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for lineno, row in read_tsv(path, FINDING_COLUMNS):
        _need(path, lineno, row, "condition_id", "hpo_id", "basis")
        band = _choice(path, lineno, "frequency_band", row["frequency_band"], tuple(FREQUENCY_BANDS))
        if row["frequency_hpo"] != FREQUENCY_BANDS[band]:
            raise _fail(path, lineno, f"frequency_hpo {row['frequency_hpo']!r} does not match band {band!r} "
                                      f"({FREQUENCY_BANDS[band]})")
        if not re.fullmatch(r"HP:\d{7}", row["hpo_id"]):
            raise _fail(path, lineno, f"hpo_id {row['hpo_id']!r} is not an HPO id")
        key = (row["condition_id"], row["hpo_id"])
        if key in seen:
            raise _fail(path, lineno, f"duplicate finding {key[1]} for {key[0]}")
        seen.add(key)
        out.append(Finding(row["condition_id"], row["hpo_id"], row["hpo_label"], band, row["frequency_hpo"], row["basis"]))
    return out


def read_treatments(path: Path = DATA_DIR / "treatments.tsv") -> list[Treatment]:
    """The guideline treatment statements of ``treatments.tsv``."""
    path = Path(path)
    out: list[Treatment] = []
    for lineno, row in read_tsv(path, TREATMENT_COLUMNS):
        _need(path, lineno, row, "condition_id", "drug_name", "dose", "basis")
        drug_id = row["drug_id"]
        if drug_id and not re.fullmatch(r"(DRUGBANK:DB\d{5}|RXNORM:\d+)", drug_id):
            raise _fail(path, lineno, f"drug_id {drug_id!r} is neither DRUGBANK:DB##### nor RXNORM:<digits>")
        parts = row["population"].split()
        if len(parts) != 2:
            raise _fail(path, lineno, f"population {row['population']!r} is not '<age group> <setting>'")
        _choice(path, lineno, "population age group", parts[0], AGE_GROUPS)
        _choice(path, lineno, "population setting", parts[1], SETTINGS)
        out.append(Treatment(
            condition_id=row["condition_id"], drug_id=drug_id, drug_name=row["drug_name"],
            predicate=Predicate(_choice(path, lineno, "predicate", row["predicate"], ("treats", "ameliorates"))),
            line=_choice(path, lineno, "line", row["line"], LINES),
            strength=_choice(path, lineno, "strength", row["strength"], STRENGTHS),
            evidence_level=_choice(path, lineno, "evidence_level", row["evidence_level"], EVIDENCE),
            population=row["population"], dose=row["dose"],
            applies_to_subtypes=_choice(path, lineno, "applies_to_subtypes", row["applies_to_subtypes"],
                                        ("true", "false")) == "true",
            basis=row["basis"], pmid=_pmid(path, lineno, row["pmid"])))
    return out


def _refs(pmid: str) -> tuple[str, ...]:
    return (f"PMID:{pmid}",) if pmid else ()


def parse_common_conditions(files: dict[str, Path]) -> SourceData:
    """Findings -> ``has_phenotype`` edges; treatments with a drug id -> ``treats``/``ameliorates`` edges."""
    base = {rel.split("/")[-1]: Path(p) for rel, p in files.items()}
    for name in ("conditions.tsv", "findings.tsv"):
        if name not in base:
            raise SourceError(f"source {NAME!r} needs {name} (data/sources/{NAME}/{name})")
    conditions = {c.condition_id: c for c in read_conditions(base["conditions.tsv"])}
    edges: list[Edge] = []
    for f in read_findings(base["findings.tsv"]):
        if f.condition_id not in conditions:
            raise SourceError(f"{base['findings.tsv']}: finding for {f.condition_id}, which conditions.tsv does not list")
        edges.append(Edge(f.condition_id, Predicate.HAS_PHENOTYPE, f.hpo_id, NAME, VERSION,
                          qualifiers=(("frequency", f.frequency_hpo), ("note", f"basis: {f.basis}"))))
    n_findings = len(edges)
    drugs: dict[str, str] = {}
    without_id = 0
    treatments = read_treatments(base["treatments.tsv"]) if "treatments.tsv" in base else []
    for t in treatments:
        if t.condition_id not in conditions:
            raise SourceError(f"{base['treatments.tsv']}: treatment for {t.condition_id}, which conditions.tsv does not list")
        if not t.drug_id:
            without_id += 1
            continue
        drugs.setdefault(t.drug_id, t.drug_name)
        note = (f"line={t.line}; population={t.population}; dose={t.dose}; "
                f"applies_to_subtypes={'true' if t.applies_to_subtypes else 'false'}; basis: {t.basis}")
        edges.append(Edge(t.drug_id, t.predicate, t.condition_id, NAME, VERSION, _refs(t.pmid),
                          (("strength", t.strength), ("evidence_level", t.evidence_level), ("note", note))))
    nodes = [Node(id=d, category=Category.DRUG, label=name, source=NAME) for d, name in drugs.items()]
    data = SourceData(name=NAME, version=VERSION, nodes=nodes, edges=edges)
    data.stats = {"conditions": len(conditions), "findings": n_findings, "treatments": len(edges) - n_findings,
                  "treatments_without_drug_id": without_id, "drugs": len(nodes)}
    return data


def _locate() -> dict[str, Path]:
    return {f"{NAME}/{n}": DATA_DIR / n for n in ("conditions.tsv", "findings.tsv", "treatments.tsv")}


COMMON_CONDITIONS = SourceSpec(
    name=NAME,
    title="common-conditions: medkg's curated common conditions, findings and guideline treatments",
    license="CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)",
    citation=f"medkg common-conditions {VERSION} (data/sources/common-conditions); cite the basis named on each row",
    homepage="this repository: data/sources/common-conditions",
    files=tuple(SourceFile(f"{NAME}/{n}", "", optional=(n == "treatments.tsv"))
                for n in ("conditions.tsv", "findings.tsv", "treatments.tsv")),
    parse=parse_common_conditions,
    after=("hpo", "disease-ontology", "mondo"),
    packaged=True,
    default_version=VERSION,
    extras={"locate": _locate},
)
