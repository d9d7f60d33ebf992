"""tests for pipelines/api.py: every endpoint and every error path, through FastAPI's TestClient.

Every error must be a clear 4xx ``{"error": ..., "type": ...}`` (never a 500), and no note text
may ever reach the server log.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import logging
import time

import pytest
from fastapi.testclient import TestClient

from pipelines import api as api_mod
from pipelines.api import create_app
from pipelines.report import DiagnosisReport
from pipelines.workspace import Workspace
from tests.pipelines.conftest import TOKEN, build_tiny_home

SECRET = "Zebrafinch-Quokka-7731"          # a marker that must never reach a log line
NOTE = f"45 yo F, patient name {SECRET}, with fever and cough. Denies chest pain. No headache."
GUIDELINE = ("# key: test/ld\n# version: 1\n# date: 2024-01-01\n# title: Test guideline\n"
             "subject\tpredicate\tobject\tstrength\tcitation\n"
             "DRUGBANK:DB00335\tameliorates\tOMIM:609192\tweak\tPMID:12345678\n")


def _workspace_like(ws: Workspace, **serve) -> Workspace:
    """A workspace over the same loaded parts with other [serve] settings (no reload)."""
    settings = dataclasses.replace(ws.settings, serve=dataclasses.replace(ws.settings.serve, **serve))
    new = Workspace(settings)
    for part in ("graph", "concept_index", "extractor", "ranker", "literature"):
        new.__dict__[part] = ws.__dict__.get(part, getattr(ws, part))
    return new


@pytest.fixture(scope="module")
def client(workspace):
    with TestClient(create_app(workspace), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_client(workspace):
    opened = []

    def make(**serve):
        c = TestClient(create_app(_workspace_like(workspace, **serve)), raise_server_exceptions=False)
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def _is_error(r, status: int, type_: str | None = None, match: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) >= {"error", "type"} and body["error"], body
    if type_:
        assert body["type"] == type_, body
    if match:
        assert match.lower() in body["error"].lower(), body
    return body


# ---------------------------------------------------------------------------------- health, schema, page
def test_health_reports_versions(client, workspace):
    r = client.get("/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok"
    assert h["versions"]["graph"] == workspace.graph.graph["version"]
    assert h["versions"]["model"].startswith("likelihood-ratio")
    assert h["versions"]["index"]
    assert h["literature_documents"] == 6
    assert h["writes_enabled"] is True
    assert any(s["name"] == "hpo" and "Gargano" in s["citation"] for s in h["sources"])


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/health", "/diagnose", "/extract", "/search", "/concepts", "/concepts/{concept_id}",
                 "/guidelines", "/graph/versions", "/graph/rollback", "/sparql", "/why"):
        assert path in paths, path
    assert "DiagnosisReport" in json.dumps(paths["/diagnose"])
    # no Swagger UI / ReDoc: they load scripts from a CDN
    assert client.get("/docs").status_code == 404


def test_page_and_static_files_are_local(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in ("/static/app.js", "/static/app.css", "/static/report.css"):
        r = client.get(name)
        assert r.status_code == 200, name
        text = r.text.replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text, f"{name} refers to another site"
    assert "https://" not in page.text and "http://" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    _is_error(client.get("/static/../api.py"), 404)
    _is_error(client.get("/static/nope.js"), 404)
    _is_error(client.get("/no/such/endpoint"), 404, "NotFound")


def test_security_headers_on_api_responses(client):
    r = client.post("/diagnose", json={"hpo": ["HP:0001166"]})
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------------------------- diagnose
def test_diagnose_note_returns_the_report(client, examples):
    r = client.post("/diagnose", json={"note": (examples / "note_marfan.txt").read_text(), "top_k": 3})
    assert r.status_code == 200, r.text
    report = DiagnosisReport.model_validate(r.json())
    assert report.diagnoses[0].id == "OMIM:154700"
    assert len(report.diagnoses) == 3
    assert report.diagnoses[0].evidence_paths and report.diagnoses[0].evidence_paths[0].edges
    assert any(f.negated and f.concept_id == "HP:0001250" for f in report.findings)   # "No seizures."
    assert report.disclaimer.startswith("Decision support")


def test_diagnose_hpo_absent_and_several_notes(client):
    r = client.post("/diagnose", json={"hpo": ["HP:0001083", "HP:0001166"], "absent": ["HP:0001249"],
                                       "with_literature": False})
    assert r.status_code == 200
    assert r.json()["diagnoses"][0]["id"] == "OMIM:154700"
    r = client.post("/diagnose", json={"notes": [{"name": "a", "text": "Fever and cough."},
                                                 {"name": "b", "text": "Myalgia. Headache."}]})
    assert r.status_code == 200
    assert {f["source_note"] for f in r.json()["findings"]} == {"a", "b"}


def test_diagnose_phenopacket(client):
    pp = {"id": "p1", "subject": {"id": "s1", "sex": "MALE"},
          "phenotypicFeatures": [{"type": {"id": "HP:0002616"}}, {"type": {"id": "HP:0001166"}},
                                 {"type": {"id": "HP:0001083"}, "excluded": True}]}
    r = client.post("/diagnose", json={"phenopacket": pp})
    assert r.status_code == 200, r.text
    assert r.json()["diagnoses"][0]["id"] in ("OMIM:154700", "OMIM:609192")
    assert r.json()["patient"]["sex"] == "male"


def test_diagnose_unknown_ids_are_reported_not_fatal(client):
    r = client.post("/diagnose", json={"hpo": ["HP:0001166", "HP:9999999", "not an id"]})
    assert r.status_code == 200
    ignored = " ".join(i["input"] for i in r.json()["ignored"])
    assert "HP:9999999" in ignored


@pytest.mark.parametrize("body, status, match", [
    (b"{bad json", 400, "malformed JSON"),
    (b'{"note": "fever", }', 400, "malformed JSON"),
    (b"", 422, "body"),
    (b"[1, 2]", 422, "invalid request"),
    (b'"just a string"', 422, "invalid request"),
    (b"{}", 400, "nothing to diagnose"),
    (b'{"note": 123}', 422, "note"),
    (b'{"note": "fever", "top_k": 0}', 422, "top_k"),
    (b'{"note": "fever", "top_k": "ten"}', 422, "top_k"),
    (b'{"note": "fever", "unknown_field": 1}', 422, "unknown_field"),
    (b'{"note": "   "}', 400, "empty"),
    (b'{"note": "a\\u0000b\\u0000c"}', 400, "binary"),
    (b'{"hpo": "HP:0001945"}', 422, "hpo"),
    (b'{"phenopacket": [1]}', 422, "phenopacket"),
    (b'{"phenopacket": {"phenotypicFeatures": "nope"}}', 422, "phenopacket"),
    (b'{"phenopacket": {"phenotypicFeatures": ["HP:0001166"]}}', 422, "phenopacket"),
    (b'{"phenopacket": {"subject": "Jane"}}', 422, "phenopacket.subject"),
    (b'{"phenopacket": {"interpretations": [{"diagnosis": "x"}]}}', 422, "phenopacket"),
    (b'{"phenopacket": {"phenotypicFeatures": [{"type": {"id": 5}}]}}', 422, "phenopacket"),
    (b"\xff\xfe{not utf8", 400, "malformed JSON"),
])
def test_diagnose_bad_input_is_a_clear_4xx(client, body, status, match):
    r = client.post("/diagnose", content=body, headers={"Content-Type": "application/json"})
    _is_error(r, status, match=match)


def test_validation_errors_do_not_echo_the_input(client):
    r = client.post("/diagnose", json={"note": NOTE, "top_k": "many"})
    assert r.status_code == 422
    assert SECRET not in r.text
    r = client.post("/diagnose", content=("{\"note\": \"" + NOTE).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and SECRET not in r.text


def test_ten_megabyte_body_is_refused_with_413(client):
    big = b'{"note": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    body = _is_error(client.post("/diagnose", content=big, headers={"Content-Type": "application/json"}),
                     413, "PayloadTooLarge", match="max_body_bytes")
    assert "2,000,000" in body["error"]


def test_streamed_body_without_length_is_cut_off_with_413(client):
    def chunks():
        for _ in range(40):
            yield b"x" * 100_000            # 4 MB, no Content-Length (chunked)

    r = client.post("/diagnose", content=chunks(), headers={"Content-Type": "application/json"})
    _is_error(r, 413, match="too large")
    r = client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    _is_error(r, 413)
    r = client.post("/guidelines?dry_run=true", content=chunks())
    _is_error(r, 413)


def test_bad_content_length_header_is_400(client):
    r = client.post("/extract", content=b'{"text": "x"}', headers={"Content-Type": "application/json",
                                                                   "Content-Length": "lots"})
    assert r.status_code == 400


# ---------------------------------------------------------------------------------- extract, search, concepts
def test_extract(client):
    r = client.post("/extract", json={"text": "Denies fever. Reports cough."})
    assert r.status_code == 200
    by_id = {f["concept_id"]: f for f in r.json()["findings"]}
    assert by_id["HP:0001945"]["negated"] is True and by_id["HP:0001945"]["trigger"].lower() == "denies"
    assert by_id["HP:0012735"]["negated"] is False
    _is_error(client.post("/extract", json={}), 422, match="text")
    _is_error(client.post("/extract", json={"text": ""}), 400, "InputError", match="empty")


def test_search(client):
    r = client.get("/search", params={"q": "marfan ectopia lentis", "k": 3})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert 1 <= len(hits) <= 3
    assert hits[0]["curie"].startswith("PMID:") and hits[0]["url"].startswith("https://pubmed.ncbi.nlm.nih.gov/")
    assert client.get("/search", params={"q": "fever", "mode": "bm25"}).json()["mode"] == "bm25"
    _is_error(client.get("/search"), 422, match="q")
    _is_error(client.get("/search", params={"q": "   "}), 400, "InputError", match="empty")
    _is_error(client.get("/search", params={"q": "x", "mode": "fuzzy"}), 422, match="mode")
    _is_error(client.get("/search", params={"q": "x", "k": 0}), 422, match="k")
    _is_error(client.get("/search", params={"q": "x", "k": 10_000}), 422)
    _is_error(client.get("/search", params={"q": "x" * 20_000}), 422)


def test_concepts_autocomplete_and_lookup(client):
    hits = client.get("/concepts", params={"q": "arachno"}).json()["hits"]
    assert hits[0]["concept_id"] == "HP:0001166"
    hits = client.get("/concepts", params={"q": "shortness of"}).json()["hits"]     # a synonym
    assert hits[0]["concept_id"] == "HP:0002094"
    assert client.get("/concepts", params={"q": "fever", "category": "Disease"}).json()["hits"] == []
    r = client.get("/concepts/OMIM:154700")
    assert r.status_code == 200
    c = r.json()
    assert c["label"] == "Marfan syndrome"
    assert any(e["predicate"] == "has_phenotype" and e["references"] for e in c["out_edges"])
    assert any(e["subject"] == "DRUGBANK:DB00678" for e in c["in_edges"])
    assert client.get("/concepts/HP:0001166").json()["parents"][0]["id"] == "HP:0000924"


@pytest.mark.parametrize("cid", ["HP:9999999", "OMIM:000000", "nonsense", "HP:", "x" * 150])
def test_unknown_concepts_are_404(client, cid):
    _is_error(client.get(f"/concepts/{cid}"), 404, "ConceptNotFound", match="not in the graph")


def test_concept_query_errors(client):
    _is_error(client.get("/concepts"), 422)
    _is_error(client.get("/concepts", params={"q": "  - "}), 400, match="empty")
    _is_error(client.get("/concepts/" + "x" * 300), 400, match="too long")


# ---------------------------------------------------------------------------------- SPARQL
def _count(client) -> int:
    r = client.post("/sparql", json={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert r.status_code == 200, r.text
    return int(r.json()["rows"][0]["n"])


def test_sparql_read_queries(client):
    q = ("SELECT ?l WHERE { <http://purl.obolibrary.org/obo/HP_0001166> "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    r = client.post("/sparql", json={"query": q})
    assert r.status_code == 200 and r.json()["rows"] == [{"l": "Arachnodactyly"}]
    r = client.post("/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200 and r.json()["rows"] == [{"l": "Arachnodactyly"}]
    r = client.post("/sparql", json={"query": "ASK { ?s ?p ?o }"})
    assert r.json() == {"kind": "ask", "boolean": True}
    r = client.post("/sparql", json={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"})
    assert r.json()["kind"] == "triples" and len(r.json()["rows"]) == 3
    r = client.post("/sparql", json={"query": "SELECT * WHERE { ?s ?p ?o }", "limit": 5})
    assert len(r.json()["rows"]) == 5 and r.json()["truncated"] is True


@pytest.mark.parametrize("query", [
    "DROP ALL",
    "CLEAR DEFAULT",
    "DELETE WHERE { ?s ?p ?o }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX ex: <urn:x:>\nINSERT DATA { ex:a ex:b ex:c }",
    "  load <http://example.org/evil.ttl>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_sparql_updates_are_refused(client, query):
    _is_error(client.post("/sparql", json={"query": query}), 400, "InputError", match="not allowed")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE {?s ?p ?o} ; DROP ALL",
    "SELECT * WHERE {?s ?p ?o} LIMIT 1\n; DELETE WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o . } } DROP ALL { ",
    "ASK {} # \n; CLEAR ALL",
    "SELECT * WHERE { ?s ?p \"\"\" } ; DROP ALL ; \"\"\" }",
])
def test_sparql_injected_updates_are_refused_and_change_nothing(client, query):
    before = _count(client)
    r = client.post("/sparql", json={"query": query})
    assert r.status_code == 400 or (r.status_code == 200 and r.json()["kind"] in ("select", "ask")), r.text
    if r.status_code == 400:
        assert r.json()["type"] == "InputError"
    assert _count(client) == before


@pytest.mark.parametrize("body, ctype, match", [
    (b"{not json", "application/json", "malformed JSON"),
    (b"[\"SELECT\"]", "application/json", "object"),
    (b"{}", "application/json", "query"),
    (b'{"query": "SELECT", "limit": 0}', "application/json", "limit"),
    (b'{"query": "SELECT * WHERE { ?s ?p ?o }", "extra": 1}', "application/json", "extra"),
    (b'{"query": ""}', "application/json", "empty"),
    (b"   ", "application/sparql-query", "empty"),
    (b"\xff\xfe", "application/sparql-query", "UTF-8"),
    (b'{"query": "SELEC * WHER"}', "application/json", "not a valid"),
])
def test_sparql_bad_requests(client, body, ctype, match):
    _is_error(client.post("/sparql", content=body, headers={"Content-Type": ctype}), 400, match=match)


def test_sparql_too_long_query(client):
    _is_error(client.post("/sparql", json={"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000}), 400,
              match="too long")


def test_sparql_timeout_is_504(make_client, monkeypatch):
    def slow(graph_dir, query, limit, cancelled, *_allowlist):
        for _ in range(100):
            if cancelled.is_set():
                raise TimeoutError
            time.sleep(0.02)
        return {"kind": "ask", "boolean": True}

    monkeypatch.setattr(api_mod, "_run_sparql", slow)
    c = make_client(sparql_timeout_s=0.2)
    t0 = time.perf_counter()
    r = c.post("/sparql", json={"query": "ASK { ?s ?p ?o }"})
    assert time.perf_counter() - t0 < 1.5
    _is_error(r, 504, "Timeout", match="sparql_timeout_s")


def test_sparql_real_slow_query_times_out(make_client):
    """A cross product over the store is abandoned at the deadline (the row loop checks the flag)."""
    c = make_client(sparql_timeout_s=0.3)
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    t0 = time.perf_counter()
    r = c.post("/sparql", json={"query": q, "limit": 10_000})
    elapsed = time.perf_counter() - t0
    assert r.status_code in (200, 504), r.text   # fast machines may finish 10k rows in time
    assert elapsed < 3.0


# ---------------------------------------------------------------------------------- why, versions
def test_why(client):
    r = client.get("/why", params={"s": "OMIM:154700", "p": "has_phenotype", "o": "HP:0001166"})
    assert r.status_code == 200, r.text
    rows = r.json()
    assert rows[0]["source"] == "hpo" and "PMID:20591885" in rows[0]["references"]
    assert client.get("/why", params={"s": "DRUGBANK:DB00678", "o": "OMIM:154700"}).json()[0]["predicate"] == "ameliorates"
    _is_error(client.get("/why", params={"s": "HP:9999999", "p": "has_phenotype", "o": "HP:0001166"}), 404)
    _is_error(client.get("/why", params={"s": "OMIM:154700", "p": "bogus", "o": "HP:0001166"}), 400, match="predicate")
    _is_error(client.get("/why", params={"s": "OMIM:154700"}), 422)


def test_graph_versions(client, workspace):
    v = client.get("/graph/versions").json()
    assert v["current"]["version"] == workspace.graph.graph["version"] == v["serving"]
    assert v["history"][-1]["action"] == "build"
    assert {g["name"] for g in v["graphs"]} == {"hpo", "pharmacotherapydb"}


# ---------------------------------------------------------------------------------- writes and tokens
def test_guideline_dry_run_needs_no_token(client):
    r = client.post("/guidelines", params={"dry_run": "true", "filename": "g.tsv"}, content=GUIDELINE.encode())
    assert r.status_code == 200, r.text
    plan = r.json()["plan"]
    assert r.json()["dry_run"] is True and plan
    assert "DB00335" in json.dumps(plan)


def test_guideline_errors(client):
    bad = GUIDELINE.replace("ameliorates", "cures")
    _is_error(client.post("/guidelines", params={"filename": "g.tsv"}, content=bad.encode()), 400, "GuidelineError",
              match="unknown predicate")
    _is_error(client.post("/guidelines", content=b"   "), 400, match="empty")
    _is_error(client.post("/guidelines", params={"filename": "g.exe"}, content=GUIDELINE.encode()), 400,
              match="format")
    _is_error(client.post("/guidelines", params={"filename": "../../etc/passwd"}, content=b"x"), 422)
    _is_error(client.post("/guidelines", params={"format": "docx"}, content=b"x"), 422)
    r = client.post("/guidelines", params={"filename": "g.tsv"}, content=b"\xff\xfe\x00bin")
    _is_error(r, 400)


@pytest.mark.parametrize("headers, status, match", [
    ({}, 401, "Authorization: Bearer"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "Bearer"),
    ({"Authorization": "Bearer"}, 401, "Bearer"),
    ({"Authorization": "Bearer wrong-token"}, 403, "does not match"),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403, "does not match"),
    ({"Authorization": "Bearer " + TOKEN[:-1]}, 403, "does not match"),
    ({"Authorization": "Bearer t\u00f6ken".encode("utf-8")}, 403, "does not match"),
])
def test_writes_need_the_right_token(client, headers, status, match):
    r = client.post("/graph/rollback", json={"version": "1"}, headers=headers)
    _is_error(r, status, match=match)
    if status == 401:
        assert r.headers.get("www-authenticate") == "Bearer"
    r = client.post("/guidelines", params={"dry_run": "false", "filename": "g.tsv"}, content=GUIDELINE.encode(),
                    headers=headers)
    _is_error(r, status, match=match)


def test_writes_disabled_without_a_configured_token(make_client):
    c = make_client(token="")
    assert c.get("/health").json()["writes_enabled"] is False
    for headers in ({}, {"Authorization": "Bearer anything"}, {"Authorization": "Bearer "}):
        r = c.post("/graph/rollback", json={"version": "1"}, headers=headers)
        _is_error(r, 403, "Forbidden", match="writes are disabled")
        assert "MEDKG_SERVE_TOKEN" in r.json()["error"]
    r = c.post("/guidelines", params={"dry_run": "false"}, content=GUIDELINE.encode())
    _is_error(r, 403, match="writes are disabled")
    # a dry run still works
    assert c.post("/guidelines", params={"filename": "g.tsv"}, content=GUIDELINE.encode()).status_code == 200


def test_rollback_request_validation(client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    _is_error(client.post("/graph/rollback", json={}, headers=auth), 422, match="version")
    _is_error(client.post("/graph/rollback", content=b"{oops", headers={**auth, "Content-Type": "application/json"}),
              400, match="malformed JSON")
    _is_error(client.post("/graph/rollback", json={"version": "ffffffffffff"}, headers=auth), 400)


def test_apply_guideline_then_rollback(tmp_path):
    """On its own home: apply (token) -> the server serves the new version -> rollback restores it."""
    home = build_tiny_home(tmp_path / "home", token=TOKEN, literature=False)
    ws = Workspace.open(home=home.root)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(ws), raise_server_exceptions=False) as c:
        v0 = c.get("/health").json()["versions"]["graph"]
        r = c.post("/guidelines", params={"dry_run": "false", "filename": "g.tsv"}, content=GUIDELINE.encode(),
                   headers=auth)
        assert r.status_code == 200, r.text
        v1 = c.get("/health").json()["versions"]["graph"]
        assert v1 != v0 and r.json()["serving"] == v1
        why = c.get("/why", params={"s": "DRUGBANK:DB00335", "p": "ameliorates", "o": "OMIM:609192"}).json()
        assert any(w["kind"] == "guideline" for w in why)
        d = c.post("/diagnose", json={"hpo": ["HP:0002616", "HP:0001382"], "with_literature": False}).json()
        lds = next(x for x in d["diagnoses"] if x["id"] == "OMIM:609192")
        assert any(t["drug"] == "DRUGBANK:DB00335" for t in lds["treatments"])
        versions = c.get("/graph/versions").json()
        assert versions["history"][0]["action"] != "build"
        r = c.post("/graph/rollback", json={"version": v0}, headers=auth)
        assert r.status_code == 200, r.text
        assert c.get("/health").json()["versions"]["graph"] == v0
        why = c.get("/why", params={"s": "DRUGBANK:DB00335", "p": "ameliorates", "o": "OMIM:609192"}).json()
        assert not any(w["kind"] == "guideline" for w in why)


# ---------------------------------------------------------------------------------- failures and logging
def test_unexpected_error_is_a_generic_500_without_note_text(client, monkeypatch, caplog):
    import pipelines.diagnose

    def boom(ws, **kwargs):
        raise RuntimeError(f"something broke while reading {kwargs['notes'][0][1]}")

    monkeypatch.setattr(pipelines.diagnose, "diagnose", boom)
    caplog.set_level(logging.DEBUG)
    r = client.post("/diagnose", json={"note": NOTE})
    body = _is_error(r, 500, "InternalError")
    assert SECRET not in r.text and "RuntimeError" not in body["error"]
    assert SECRET not in caplog.text
    assert "RuntimeError" in caplog.text        # the type is logged, for the operator


def test_note_text_never_reaches_the_log(client, caplog, examples):
    caplog.set_level(logging.DEBUG)
    note = (examples / "note_negations.txt").read_text() + f"\nContact: {SECRET}\n"
    assert client.post("/diagnose", json={"note": note}).status_code == 200
    assert client.post("/extract", json={"text": note}).status_code == 200
    client.post("/diagnose", json={"note": note, "top_k": "x"})                       # 422
    client.post("/diagnose", content=("{" + note).encode(), headers={"Content-Type": "application/json"})  # 400
    client.post("/diagnose", json={"note": note + "x" * 2_100_000})                    # 413
    client.get("/search", params={"q": f"fever {SECRET}"})
    client.get("/concepts", params={"q": SECRET})
    client.post("/sparql", json={"query": f"SELECT * WHERE {{ ?s ?p \"{SECRET}\" }}"})
    client.post("/guidelines", params={"filename": "g.tsv"}, content=f"{SECRET}\n".encode())
    # the server's records only (the test client itself logs the URLs it requests)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server)
    assert SECRET not in text
    assert "denies fever" not in text.lower()
    access = [r.getMessage() for r in caplog.records if r.name == api_mod.ACCESS_LOG]
    assert any(m.startswith("POST /diagnose 200 ") for m in access), access
    assert any(m.startswith("POST /diagnose 413 ") for m in access), access
    assert all("?" not in m for m in access)     # no query strings


# ---------------------------------------------------------------------------------- concurrency
def test_concurrent_requests_give_the_same_answers(client, examples):
    notes = [p.read_text() for p in sorted(examples.glob("note_*.txt"))]
    expected = [client.post("/diagnose", json={"note": n}).json()["diagnoses"] for n in notes]

    def one(i):
        n = i % len(notes)
        if i % 4 == 3:
            return None, client.get("/search", params={"q": "fever cough"}).status_code
        r = client.post("/diagnose", json={"note": notes[n]})
        return n, r

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(48)))
    for n, r in results:
        if n is None:
            assert r == 200
            continue
        assert r.status_code == 200, r.text
        assert r.json()["diagnoses"] == expected[n]


# ---------------------------------------------------------------------------------- medkg serve
def test_serve_command_prints_url_and_warns_off_loopback(tiny_home, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from pipelines.cli import app as cli_app

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    runner = CliRunner()
    r = runner.invoke(cli_app, ["serve", "--home", str(tiny_home.root), "--port", "8799"])
    assert r.exit_code == 0, r.output
    assert "http://127.0.0.1:8799/" in r.output
    assert "not loopback" not in r.output
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8799 and calls[-1]["access_log"] is False
    r = runner.invoke(cli_app, ["serve", "--home", str(tiny_home.root), "--host", "0.0.0.0", "--port", "8799"])
    assert r.exit_code == 0, r.output
    assert "not loopback" in r.output and calls[-1]["host"] == "0.0.0.0"
