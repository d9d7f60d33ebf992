"""tests for retrieval/parsers.py: JSONL (BEIR and own fields), PubMedQA, MEDLINE XML, errors."""

from __future__ import annotations

import gzip
import json

import pytest

from kg.errors import InputError
from retrieval.parsers import detect_format, read_documents


def test_jsonl_reads_beir_and_own_fields(fixtures):
    docs = list(read_documents(fixtures / "sample.jsonl"))
    assert [d.id for d in docs] == ["4983", "55555555", "777"]
    assert docs[0].abstract.startswith("Diffusion tensor")  # BEIR "text"
    assert docs[0].id_type == "other"
    assert docs[1].id_type == "pmid" and docs[1].year == 2001 and docs[1].mesh == ("Gout",)
    assert docs[2].id_type == "doi"


def test_jsonl_gz_and_scifact_path_gives_s2_ids(tmp_path, fixtures):
    folder = tmp_path / "scifact"
    folder.mkdir()
    path = folder / "corpus.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write((fixtures / "sample.jsonl").read_text().splitlines()[0] + "\n")
    (doc,) = read_documents(path)
    assert doc.id == "4983" and doc.id_type == "s2" and doc.source == "scifact"
    assert doc.curie == "S2:4983"  # never a PMID


def test_jsonl_id_type_argument(fixtures):
    docs = list(read_documents(fixtures / "sample.jsonl", id_type="s2"))
    assert [d.id_type for d in docs] == ["s2", "pmid", "doi"]


def test_pubmedqa(fixtures):
    docs = {d.id: d for d in read_documents(fixtures / "pubmedqa_sample.json")}
    fmf = docs["33333333"]
    assert fmf.id_type == "pmid" and fmf.year == 2005 and fmf.source == "pubmedqa"
    assert fmf.title.startswith("Does colchicine")
    assert "serositis" in fmf.abstract and fmf.abstract.endswith("most patients.")
    assert fmf.mesh == ("Colchicine", "Familial Mediterranean Fever")


def test_medline_xml(fixtures):
    docs = list(read_documents(fixtures / "pubmed_sample.xml"))
    assert [d.id for d in docs] == ["11111111", "22222222"]
    marfan, fuo = docs
    assert marfan.title == "Marfan syndrome and FBN1 variants in aortic dilatation."
    assert marfan.abstract.startswith("Background: Marfan syndrome") and "Results: Aortic root" in marfan.abstract
    assert marfan.year == 2019 and marfan.mesh == ("Marfan Syndrome", "Aortic Aneurysm")
    assert fuo.year == 1998 and fuo.mesh == () and fuo.id_type == "pmid"


def test_malformed_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1", "title": "a", "abstract": "b"}\n\n{"id": "2", "title": "oops"\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON"):
        list(read_documents(path))


def test_jsonl_missing_fields(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"title": "no id", "abstract": "b"}) + "\n")
    with pytest.raises(InputError, match=r"x\.jsonl:1: record has no 'id' or '_id'"):
        list(read_documents(path))
    path.write_text(json.dumps({"id": "9", "title": "t"}) + "\n")
    with pytest.raises(InputError, match=r"x\.jsonl:1: record '9' has no 'abstract' or 'text'"):
        list(read_documents(path))
    path.write_text(json.dumps({"id": "9", "abstract": "a", "year": "soon"}) + "\n")
    with pytest.raises(InputError, match=r"x\.jsonl:1: year 'soon' is not a year"):
        list(read_documents(path))


def test_malformed_xml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text("<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation><PMID>1</PMID>\n</PubmedArticleSet>\n")
    with pytest.raises(InputError, match=r"bad\.xml:\d+: malformed XML"):
        list(read_documents(path))


def test_pubmedqa_not_pubmedqa(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{\n  "123": {"foo": 1}\n}\n')
    with pytest.raises(InputError, match=r"other\.json:2: item '123' has no CONTEXTS"):
        list(read_documents(path))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown literature file format; supported: .jsonl"):
        detect_format(tmp_path / "notes.docx")
    with pytest.raises(InputError, match="no such file"):
        list(read_documents(tmp_path / "absent.jsonl"))
