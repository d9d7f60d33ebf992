import shutil
from collections import Counter

import pytest

from kg.errors import SourceError
from kg.sources.mondo import parse_mondo, parse_sssom
from kg.sources.registry import get_source
from kg.vocab import Category, Predicate


def _copy(kg_fixtures, tmp_path):
    shutil.copytree(kg_fixtures / "mondo", tmp_path / "mondo")
    return {f"mondo/{p.name}": p for p in (tmp_path / "mondo").iterdir()}


def test_fixture_nodes_and_mappings(kg_fixtures, load_source):
    data = load_source("mondo", kg_fixtures)
    assert data.version == "2026-08-04"
    nodes = {n.id: n for n in data.nodes}
    assert nodes["MONDO:0004975"].label == "Alzheimer disease" and nodes["MONDO:0004975"].category is Category.DISEASE
    assert len(nodes) == 4
    same = {(e.subject, e.object) for e in data.edges}
    assert same == {("MONDO:0004975", "DOID:10652"), ("MONDO:0005148", "DOID:9352"), ("MONDO:0005249", "DOID:552"),
                    ("MONDO:0005148", "ICD10CM:E11"), ("MONDO:0004975", "MESH:D000544"),
                    ("MONDO:0005148", "MESH:D003924"), ("MONDO:0005148", "OMIM:125853"),
                    ("MONDO:0000001", "ORPHA:377788"), ("MONDO:0004975", "UMLS:C0002395"),
                    ("MONDO:0005249", "UMLS:C0032285")}
    assert all(e.predicate is Predicate.SAME_AS and e.qualifier("mapping_justification") == "semapv:ManualMappingCuration"
               for e in data.edges)
    assert data.stats["skipped_unknown_prefix"] == 1   # OMIM:PS125853, a phenotypic series


def test_sssom_header_version(kg_fixtures):
    version, rows = parse_sssom(kg_fixtures / "mondo" / "mondo_exactmatch_mesh.sssom.tsv")
    assert version == "2026-08-04" and rows[0][0] == 10 and rows[0][1]["object_id"] == "mesh:D000544"


def test_missing_file_and_truncated_row(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    umls = files["mondo/mondo_exactmatch_umls.sssom.tsv"]
    umls.write_text(umls.read_text().rsplit("\t", 1)[0] + "\n")
    with pytest.raises(SourceError, match=r"mondo_exactmatch_umls\.sssom\.tsv, line 11: expected 5 tab-separated columns, got 4"):
        parse_mondo(files)
    umls.unlink()
    with pytest.raises(SourceError, match=r"mondo_exactmatch_umls\.sssom\.tsv does not exist.*medkg sources fetch mondo"):
        parse_mondo(files)


def test_malformed_subject(kg_fixtures, tmp_path):
    files = _copy(kg_fixtures, tmp_path)
    doid = files["mondo/mondo_exactmatch_doid.sssom.tsv"]
    doid.write_text(doid.read_text().replace("MONDO:0005249\tpneumonia", "0005249\tpneumonia"))
    with pytest.raises(SourceError, match=r"mondo_exactmatch_doid\.sssom\.tsv, line 12: expected a MONDO subject"):
        parse_mondo(files)


def test_urls():
    urls = [f.url for f in get_source("mondo").files]
    assert "https://raw.githubusercontent.com/monarch-initiative/mondo/fad2512/src/ontology/mappings/mondo_exactmatch_orphanet.sssom.tsv" in urls


@pytest.mark.slow
def test_real_files(shared_data, load_source):
    data = load_source("mondo", shared_data / "kg-sources")
    assert data.version == "2026-08-04"
    assert len(data.nodes) == 24194
    assert Counter(e.predicate.value for e in data.edges) == {"same_as": 63675}
    assert {k: data.stats[f"same_as_{k}"] for k in ("OMIM", "ORPHA", "DOID", "UMLS", "MESH", "ICD10CM")} == {
        "OMIM": 10045, "ORPHA": 9785, "DOID": 11966, "UMLS": 21660, "MESH": 8181, "ICD10CM": 2038}
    assert ("MONDO:0005148", "DOID:9352") in {(e.subject, e.object) for e in data.edges}
