"""The common-conditions loader: typed rows, graph edges with provenance, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.errors import SourceError
from kg.sources.common_conditions import (COMMON_CONDITIONS, DATA_DIR, parse_common_conditions, read_conditions,
                                          read_findings, read_treatments)
from kg.sources.registry import SOURCES
from kg.vocab import Predicate

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "curated" / "common-conditions"


def files(root: Path) -> dict[str, Path]:
    return {f"common-conditions/{n}": root / n for n in ("conditions.tsv", "findings.tsv", "treatments.tsv")}


def test_fixture_becomes_edges_with_provenance():
    data = parse_common_conditions(files(FIXTURE))
    assert data.name == "common-conditions" and data.version == COMMON_CONDITIONS.default_version
    assert data.stats == {"conditions": 3, "findings": 6, "treatments": 5, "treatments_without_drug_id": 1, "drugs": 5}
    phen = [e for e in data.edges if e.predicate is Predicate.HAS_PHENOTYPE]
    assert {e.subject for e in phen} == {"DOID:874", "DOID:1679"}
    assert all(e.qualifier("frequency") in {"HP:0040281", "HP:0040282", "HP:0040283"} for e in phen)
    assert all(e.qualifier("note").startswith("basis: ") for e in phen)
    amox = next(e for e in data.edges if e.subject == "RXNORM:723")
    assert amox.predicate is Predicate.TREATS and amox.object == "DOID:874"
    assert amox.references == ("PMID:31573350",)
    assert amox.qualifier("strength") == "strong" and amox.qualifier("evidence_level") == "moderate"
    assert "line=first" in amox.qualifier("note") and "applies_to_subtypes=true" in amox.qualifier("note")
    donepezil = next(e for e in data.edges if e.object == "DOID:10652")
    assert donepezil.predicate is Predicate.AMELIORATES
    assert {n.id for n in data.nodes} == {e.subject for e in data.edges if e.predicate is not Predicate.HAS_PHENOTYPE}


def test_typed_rows_keep_every_field():
    profiles = {p.condition_id: p for p in read_conditions(FIXTURE / "conditions.tsv")}
    uti = profiles["DOID:1679"]
    assert uti.prevalence_band == "very common" and uti.sex == "any" and uti.predominant_sex == "female"
    assert uti.age_fits(34) and not uti.age_fits(5)
    assert profiles["DOID:10652"].age_min == 50 and profiles["DOID:10652"].age_max is None
    treat = read_treatments(FIXTURE / "treatments.tsv")
    nitro = next(t for t in treat if t.drug_name == "nitrofurantoin")
    assert nitro.line == "first" and nitro.population == "adult outpatient" and not nitro.applies_to_subtypes
    assert nitro.dose.startswith("100 mg")
    assert len(read_findings(FIXTURE / "findings.tsv")) == 6


@pytest.mark.parametrize("table,column,bad,message", [
    ("conditions.tsv", 4, "often", "prevalence_band 'often'"),
    ("conditions.tsv", 12, "PMID:123", "pmid 'PMID:123'"),
    ("findings.tsv", 5, "HP:0040281", "does not match band"),
    ("treatments.tsv", 9, "adult clinic", "population setting 'clinic'"),
])
def test_malformed_rows_are_rejected_with_file_and_line(tmp_path, table, column, bad, message):
    root = tmp_path / "cc"
    shutil.copytree(FIXTURE, root)
    lines = (root / table).read_text().splitlines()
    fields = lines[2].split("\t")
    if table == "findings.tsv":   # make band and HPO frequency term disagree
        fields[4] = "occasional" if fields[5] != "HP:0040283" else "frequent"
    else:
        fields[column] = bad
    lines[2] = "\t".join(fields)
    (root / table).write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError, match=rf"{table}, line 3: .*{message}"):
        parse_common_conditions(files(root))


def test_not_registered_so_the_default_build_is_unchanged():
    assert "common-conditions" not in SOURCES
    assert COMMON_CONDITIONS.packaged and COMMON_CONDITIONS.extras["locate"]()["common-conditions/conditions.tsv"].exists()


def test_shipped_tables_load():
    data = parse_common_conditions(files(DATA_DIR))
    assert data.stats["conditions"] >= 250 and data.stats["findings"] > 1000 and data.stats["treatments"] > 300
