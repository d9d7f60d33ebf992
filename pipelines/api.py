"""The HTTP API and the web page: ``create_app(ws)`` behind ``medkg serve``.

Every endpoint is a thin wrapper over a library function (``diagnose``, ``Extractor.extract``,
``LiteratureIndex.search``, ``ConceptIndex.search``, ``run_sparql``, ``kg.update``); responses
serialise the same models the CLI prints (``/diagnose`` returns the one
:class:`~pipelines.report.DiagnosisReport`). The OpenAPI schema is at ``/openapi.json``
(no Swagger UI: it would fetch scripts from a CDN).

Safety under load and bad input:

* the graph, indexes and models load once, at start-up (``ws.warm()`` in the lifespan);
  sync endpoints run in the server's threadpool and share them; the spaCy extractor is used
  under a lock (the literature index too, but only where SQLite is not built serialized);
  native libraries (FAISS/OpenMP, BLAS, torch) get one thread per call, since the requests
  themselves are the parallelism;
* bodies larger than ``[serve] max_body_bytes`` are refused with 413, from ``Content-Length``
  and again while the body streams in (chunked uploads have no length);
* a refused body is read and dropped first (up to 64 MB / 15 s), so that clients still sending
  get the 413 rather than a connection reset; a JSON body sent with another ``Content-Type``
  (``text/plain``, none) -> 415 naming the header;
* malformed JSON and invalid fields -> 400/422 with a message; every :class:`MedkgError`
  -> a 4xx ``{"error": ..., "type": ...}``; anything unexpected -> 500 with a generic message;
  no response or log line ever echoes a note or a request body;
* writes (guideline apply, rollback) need ``Authorization: Bearer <[serve] token>``
  (``hmac.compare_digest``); with no token configured writes are disabled (403);
* SPARQL is read-only, runs in a worker thread and is abandoned after ``[serve] sparql_timeout_s`` (504);
* the access log holds method, path (no query string), status and duration only.

>>> from pipelines.config import load_settings
>>> from pipelines.workspace import Workspace
>>> app = create_app(Workspace(load_settings(home="/tmp/medkg-doc-api")))
>>> sorted(r.path for r in app.routes if r.path.startswith("/graph"))
['/graph/rollback', '/graph/versions']
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import hmac
import json
import logging
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Literal, Optional

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from kg.errors import (
    ConceptNotFound, ConfigError, GraphNotBuilt, GuidelineError, IndexMismatch, InputError, MedkgError, ModelError,
    SourceError, StoreError,
)
from pipelines.report import SCHEMA_VERSION, DiagnosisReport, pubmed_url
from pipelines.workspace import Workspace

__all__ = ["create_app", "WEB_DIR", "ACCESS_LOG", "DiagnoseRequest", "ExtractRequest", "DeidentifyRequest",
           "SparqlRequest", "RollbackRequest"]

log = logging.getLogger("medkg.api")
access_log = logging.getLogger("medkg.api.access")
ACCESS_LOG = access_log.name
WEB_DIR = Path(__file__).resolve().parent / "web"

MAX_NOTES = 20
MAX_IDS = 2000
SPARQL_MAX_ROWS = 10_000
SPARQL_WORKERS = 2


# ----------------------------------------------------------------------------------- request models
class _Req(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteIn(_Req):
    name: str = Field("note", max_length=200, description="A label for the note, e.g. a file name")
    text: str = Field(..., description="The note text (UTF-8)")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class OntologyClass(_Open):
    id: str = Field(..., max_length=200)
    label: Optional[str] = None


class PhenotypicFeature(_Open):
    type: Optional[OntologyClass] = None
    excluded: bool = False


class _Age(_Open):
    iso8601duration: Optional[str] = Field(None, max_length=100)


class _TimeElement(_Open):
    age: Optional[_Age] = None


class _Subject(_Open):
    id: Optional[str] = None
    sex: Optional[str] = None
    timeAtLastEncounter: Optional[_TimeElement] = None


class _DiagnosisPP(_Open):
    disease: Optional[OntologyClass] = None


class _Interpretation(_Open):
    diagnosis: Optional[_DiagnosisPP] = None


class _DiseasePP(_Open):
    term: Optional[OntologyClass] = None
    excluded: bool = False


class _MetaData(_Open):
    externalReferences: list[dict[str, Any]] = []


class Phenopacket(_Open):
    """The parts of a GA4GH Phenopacket v2 that are read (other fields are allowed and ignored)."""

    id: Optional[str] = None
    subject: Optional[_Subject] = None
    phenotypicFeatures: list[PhenotypicFeature] = Field([], max_length=MAX_IDS)
    interpretations: list[_Interpretation] = []
    diseases: list[_DiseasePP] = []
    metaData: Optional[_MetaData] = None


class DiagnoseRequest(_Req):
    """Give one or more of: ``note`` (text), ``notes`` (several named notes about one patient),
    ``phenopacket`` (a GA4GH Phenopacket v2 object), ``hpo`` (present phenotype ids) with ``absent``."""

    note: Optional[str] = Field(None, description="One clinical note (free text)")
    notes: list[NoteIn] = Field([], max_length=MAX_NOTES)
    phenopacket: Optional[Phenopacket] = Field(None, description="A GA4GH Phenopacket v2 (JSON object)")
    hpo: list[str] = Field([], max_length=MAX_IDS, description="Present phenotype ids, e.g. HP:0001945")
    absent: list[str] = Field([], max_length=MAX_IDS, description="Explicitly excluded phenotype ids")
    top_k: int = Field(10, ge=1, le=100)
    with_literature: bool = True
    deidentify: bool = Field(False, description="De-identify the notes before extraction (also on with [privacy] "
                                                "deidentify); findings then quote the de-identified text")
    shift_dates: bool = Field(False, description="Shift dates by one random offset for all notes of the request "
                                                 "instead of [DATE]; implies deidentify")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": "45 yo F with fever and cough. Denies chest pain."},
        {"hpo": ["HP:0001166", "HP:0001083"], "absent": ["HP:0001249"], "top_k": 5},
    ]})


class ExtractRequest(_Req):
    text: str = Field(..., description="The note text")
    deidentify: bool = Field(False, description="De-identify first; the response's 'deidentified' holds the text "
                                                "the findings' offsets refer to")
    shift_dates: bool = Field(False, description="Shift dates instead of [DATE]; implies deidentify")


class DeidentifyRequest(_Req):
    text: str = Field(..., description="The note text")
    shift_dates: bool = Field(False, description="Shift dates by one random offset (never stored) instead of [DATE]")


class SparqlRequest(_Req):
    query: str = Field(..., description="A SELECT, ASK, CONSTRUCT or DESCRIBE query (updates are refused)")
    limit: int = Field(1000, ge=1, le=SPARQL_MAX_ROWS)


class RollbackRequest(_Req):
    version: str = Field(..., min_length=1, max_length=200, description="A graph version from GET /graph/versions")


class ErrorOut(BaseModel):
    error: str
    type: str


_ERRORS = {
    400: {"model": ErrorOut, "description": "Invalid input (MedkgError)"},
    404: {"model": ErrorOut, "description": "Unknown concept"},
    413: {"model": ErrorOut, "description": "Body larger than [serve] max_body_bytes"},
    415: {"model": ErrorOut, "description": "Body not sent as application/json"},
    422: {"model": ErrorOut, "description": "Invalid request fields"},
}
_WRITE_ERRORS = {**_ERRORS, 401: {"model": ErrorOut, "description": "No bearer token"},
                 403: {"model": ErrorOut, "description": "Wrong token, or writes disabled"}}


# ----------------------------------------------------------------------------------- errors
def _status_for(err: MedkgError) -> int:
    if isinstance(err, ConceptNotFound):
        return 404
    if isinstance(err, (GraphNotBuilt, IndexMismatch, ModelError, StoreError, SourceError)):
        return 409          # the server's state, not the request, is the problem
    if isinstance(err, (InputError, GuidelineError, ConfigError)):
        return 400
    return 400


def _error(status: int, message: str, type_: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "type": type_}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, list]:
    """A message and details with the offending values left out (they may be note text)."""
    details, parts = [], []
    status = 422
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x != "body"]
        if e.get("type") == "json_invalid":
            status = 400
            ctx = e.get("ctx") or {}
            parts.append(f"malformed JSON body: {ctx.get('error', 'could not parse')} "
                         f"(at character {e['loc'][-1] if e.get('loc') else '?'})")
            details.append({"loc": loc, "msg": "malformed JSON", "type": "json_invalid"})
            continue
        where = ".".join(loc) or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
        details.append({"loc": loc, "msg": e.get("msg", ""), "type": e.get("type", "")})
    return status, "invalid request: " + "; ".join(parts[:5]) + (" ..." if len(parts) > 5 else ""), details


def _is_json_type(content_type: str) -> bool:
    """True for ``application/json`` and ``application/*+json`` (parameters such as charset ignored).

    >>> _is_json_type("application/json; charset=utf-8"), _is_json_type("application/ld+json")
    (True, True)
    >>> _is_json_type("text/plain"), _is_json_type("")
    (False, False)
    """
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


def _unsupported_media_type(content_type: str, accepted: str = "application/json") -> JSONResponse:
    got = content_type.split(";", 1)[0].strip()[:100] or "none"
    return _error(415, f"unsupported Content-Type {got!r}: this endpoint reads a JSON body; send it with "
                       f"'Content-Type: {accepted}'", "UnsupportedMediaType")


class _JsonBodyRoute(APIRoute):
    """A route whose body is a JSON model answers 415 to any other ``Content-Type``.

    FastAPI parses only JSON content types and otherwise validates the raw bytes against the
    model, which reads as a 422 "valid dictionary" error; a JSON body sent as ``text/plain``,
    as form data (what ``curl -d`` sends) or with no Content-Type gets a 415 that names the
    header instead. Routes without a body model (``/guidelines``, ``/sparql``) are unchanged.
    """

    def get_route_handler(self):
        handler = super().get_route_handler()
        field = self.body_field
        if field is None or isinstance(getattr(field, "field_info", None), Form):
            return handler

        async def json_only(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            if not _is_json_type(content_type):
                return _unsupported_media_type(content_type)
            return await handler(request)

        return json_only


# ----------------------------------------------------------------------------------- ASGI middleware
class GuardMiddleware:
    """Body limit, security headers, access log and the last-resort 500 - as plain ASGI.

    Pure ASGI (not BaseHTTPMiddleware) so that it can count streamed body bytes, never
    buffers responses, and sees exceptions before Starlette's error middleware logs them.
    """

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body = int(max_body_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        method, path = scope.get("method", ""), scope.get("path", "")
        state = {"status": 0, "started": False}
        too_large = False

        async def send_wrapped(message):
            if message["type"] == "http.response.start":
                if too_large and message["status"] != 413:
                    # the app turned the aborted body read into another error: answer 413 instead
                    state["replaced"] = True
                    return await respond_raw(self._too_large(None))
                state["status"] = message["status"]
                state["started"] = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for k, v in _SECURITY_HEADERS:
                    if k not in names:
                        headers.append((k, v))
                message = {**message, "headers": headers}
            elif state.get("replaced"):
                return
            await send(message)

        async def respond_raw(resp: Response):
            await resp(scope, receive, send_wrapped_plain)

        async def send_wrapped_plain(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                message = {**message, "headers": list(message.get("headers", [])) + list(_SECURITY_HEADERS)}
            await send(message)

        async def respond(resp: Response):
            await resp(scope, receive, send_wrapped)

        try:
            length = None
            for k, v in scope.get("headers", []):
                if k == b"content-length":
                    try:
                        length = int(v)
                    except ValueError:
                        return await respond(_error(400, "invalid Content-Length header", "InputError"))
            if length is not None and length > self.max_body:
                if not _expects_continue(scope) and length <= DRAIN_MAX_BYTES:
                    # read the refused body first: closing a socket with unread data sends a TCP
                    # reset, and a client still writing would see that instead of the 413
                    await _drain(receive, length)
                return await respond(self._too_large(length))
            received = 0

            async def receive_limited():
                nonlocal received, too_large
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body:
                        too_large = True
                        if message.get("more_body", False):
                            await _drain(receive, DRAIN_MAX_BYTES - received)
                        raise _BodyTooLarge(self.max_body)
                return message

            try:
                await self.app(scope, receive_limited, send_wrapped)
            except _BodyTooLarge:
                if not state["started"]:
                    await respond(self._too_large(None))
            except Exception as err:  # noqa: BLE001 - last resort: generic 500, no request content
                tb = err.__traceback__
                while tb is not None and tb.tb_next is not None:
                    tb = tb.tb_next
                where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
                # the exception's message may quote the note, so only its type and place are logged
                log.error("unexpected %s in %s %s at %s", type(err).__name__, method, path, where)
                if not state["started"]:
                    await respond(_error(500, "internal server error: the request could not be processed; "
                                              "the server log has the error type (never the request content)",
                                         "InternalError"))
            if too_large and not state["started"]:
                await respond(self._too_large(None))
        finally:
            access_log.info("%s %s %d %.1fms", method, path, state["status"] or 0, (time.perf_counter() - t0) * 1000)

    def _too_large(self, length: int | None) -> JSONResponse:
        got = f"{length:,} bytes" if length is not None else f"more than {self.max_body:,} bytes"
        return _error(413, f"request body is too large ({got}); the limit is {self.max_body:,} bytes "
                           f"([serve] max_body_bytes)", "PayloadTooLarge", headers={"Connection": "close"})


DRAIN_MAX_BYTES = 64 * 2**20     # a refused body up to this size is read (and dropped) before the 413
DRAIN_MAX_S = 15.0               # ... for at most this long


def _expects_continue(scope) -> bool:
    """True when the client waits for ``100 Continue`` before it sends the body (curl does for big ones)."""
    return any(k == b"expect" and v.strip().lower() == b"100-continue" for k, v in scope.get("headers", []))


async def _drain(receive, max_bytes: int, max_s: float = DRAIN_MAX_S) -> bool:
    """Read and drop the rest of a request body: at most ``max_bytes`` and ``max_s`` seconds.

    A refused upload is drained before the 413 goes out, so that the socket holds no unread data
    when the server closes it (unread data makes the kernel answer with a reset, and a client
    still sending, such as ``urllib`` or ``requests``, reports "connection reset" and never reads
    the 413). Bodies past the bounds are not read: their clients may still see a reset. Returns
    True when the whole body was read.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_s
    read = 0
    while read <= max_bytes:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        try:
            message = await asyncio.wait_for(receive(), remaining)
        except (asyncio.TimeoutError, TimeoutError):
            return False
        if message["type"] != "http.request":
            return False
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit (FastAPI re-raises HTTPException)."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body is too large (more than {limit:,} bytes); the limit is {limit:,} "
                              f"bytes ([serve] max_body_bytes)")


_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", _CSP.encode()),
    (b"cache-control", b"no-store"),
]


# ----------------------------------------------------------------------------------- thread safety
class _Locked:
    """A proxy that calls the named methods of a shared object under one lock."""

    def __init__(self, obj, methods: tuple[str, ...], lock: threading.Lock | None = None):
        self._obj = obj
        self._lock = lock or threading.Lock()
        self._methods = set(methods)

    def __getattr__(self, name):
        value = getattr(self._obj, name)
        if name in self._methods and callable(value):
            def locked(*args, **kwargs):
                with self._lock:
                    out = value(*args, **kwargs)
                    return list(out) if name == "pipe" else out
            return locked
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._obj)

    def __bool__(self) -> bool:
        return True


def _guard_workspace(ws: Workspace) -> Workspace:
    """Load everything, then put the parts that are not thread-safe behind locks."""
    ws.warm()
    ex = ws.extractor
    if not isinstance(ex, _Locked):
        # spaCy Language objects are not documented as thread-safe (the StringStore grows)
        ws.__dict__["extractor"] = _Locked(ex, ("extract", "pipe", "assert_spans"))
    lit = ws.literature
    if lit is not None and not isinstance(lit, _Locked) and sqlite3.threadsafety < 3:
        # The index shares one SQLite connection between requests: safe for concurrent reads only
        # when SQLite is built serialized (threadsafety 3, the usual case); FAISS and BM25 searches
        # are read-only and the encoder runs on the index's own single worker thread. A lock here
        # would serialise every literature search (5 per diagnosis): measured 3.9 vs 5+ diagnoses/s.
        ws.__dict__["literature"] = _Locked(lit, ("search", "get", "stats"))
    return ws


def _limit_native_threads() -> None:
    """One native thread per request: the server's concurrency comes from its request threads.

    FAISS (OpenMP), BLAS and torch otherwise start a thread team per call; with several
    requests in flight they oversubscribe the cores and spin (measured: a 6-vector FAISS
    search took ~55 ms under load with OpenMP, ~3 ms with one thread).
    """
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - optional tuning
        pass
    try:
        import faiss

        faiss.omp_set_num_threads(1)
    except Exception:  # noqa: BLE001
        pass
    import sys

    if "torch" in sys.modules:
        try:
            sys.modules["torch"].set_num_threads(1)
        except Exception:  # noqa: BLE001
            pass


def _warm_literature(ws: Workspace) -> None:
    """Load the query encoder now (it loads lazily on the first dense search otherwise)."""
    lit = ws.literature
    if lit is not None and len(lit) > 0:
        try:
            lit.search("warm up", k=1)
        except Exception as err:  # noqa: BLE001 - diagnosis works without literature
            log.warning("literature index could not be searched at start-up: %s", type(err).__name__)


# ----------------------------------------------------------------------------------- helpers
def _jsonable(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _run_sparql(graph_dir, query: str, limit: int, cancelled: threading.Event,
                service_allowlist: tuple[str, ...] = ()) -> dict:
    from kg.sparql import check_query, read_results
    from kg.store import open_store

    check_query(query, service_allowlist)           # before anything is sent, also to a SPARQL server
    store = open_store(graph_dir, read_only=True)   # read-only handle: sees the latest applied version
    failure = ""
    try:
        # pyoxigraph result objects must be dropped on the thread that made them, so no exception
        # (whose traceback would keep them alive) leaves this function while they exist
        result = store.query(query)
        try:
            out = read_results(result, limit, cancelled)
        except Exception as err:  # noqa: BLE001 - evaluation errors (e.g. a bad regex) are input errors
            out, failure = None, f"SPARQL query failed: {err}"
        del result
    finally:
        store.close()
    if failure:
        raise InputError(failure)
    if out is None:
        raise TimeoutError("SPARQL query abandoned at the deadline")
    return out


# ----------------------------------------------------------------------------------- the app
def create_app(ws: Workspace) -> FastAPI:
    """The FastAPI app over one workspace (loaded in full at start-up)."""
    serve = ws.settings.serve
    state: dict[str, Any] = {"ws": ws}
    swap_lock = threading.Lock()       # one write (apply / rollback + reload) at a time
    retired: list[weakref.ref] = []    # the graph views swapped out: checked to be freed
    sparql_pool = concurrent.futures.ThreadPoolExecutor(SPARQL_WORKERS, thread_name_prefix="medkg-sparql")
    sparql_slots = threading.BoundedSemaphore(SPARQL_WORKERS * 2)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        t0 = time.perf_counter()
        await asyncio.to_thread(_guard_workspace, state["ws"])
        await asyncio.to_thread(_warm_literature, state["ws"])
        _limit_native_threads()
        log.info("workspace ready in %.1f s (graph %s)", time.perf_counter() - t0,
                 state["ws"].graph.graph.get("version", "?"))
        watcher = _start_version_watcher()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            sparql_pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="medkg",
        version=SCHEMA_VERSION,
        description=("Knowledge-graph-augmented clinical reasoning: notes in, a ranked differential with "
                     "evidence paths out. Decision support, not a diagnosis."),
        lifespan=lifespan,
        docs_url=None,          # Swagger UI and ReDoc load scripts from a CDN; the page must not
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.medkg = state
    app.router.route_class = _JsonBodyRoute      # JSON-body routes answer 415 to other content types
    app.add_middleware(GuardMiddleware, max_body_bytes=serve.max_body_bytes)

    # -- error handlers
    @app.exception_handler(MedkgError)
    async def medkg_error(request: Request, exc: MedkgError):
        return _error(_status_for(exc), str(exc), type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        status, message, details = _validation_message(exc)
        return JSONResponse({"error": message, "type": "ValidationError", "detail": details}, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        names = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
                 408: "Timeout", 413: "PayloadTooLarge", 415: "UnsupportedMediaType", 501: "NotImplemented",
                 503: "Busy", 504: "Timeout"}
        detail = str(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            cause = exc.__cause__
            why = "it is not UTF-8 text" if isinstance(cause, UnicodeDecodeError) else type(cause).__name__
            detail = f"malformed JSON body: could not read it ({why})"
            return _error(400, detail, "ValidationError")
        return _error(exc.status_code, detail, names.get(exc.status_code, "HTTPError"),
                      headers=getattr(exc, "headers", None))

    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def starlette_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and exc.detail == "Not Found":
            return _error(404, f"no such endpoint: {request.method} {request.url.path}", "NotFound")
        return await http_error(request, exc)

    def current() -> Workspace:
        return state["ws"]

    def require_token(request: Request) -> None:
        token = current().settings.serve.token
        if not token:
            raise HTTPException(403, "writes are disabled on this server: set a token in the [serve] section of "
                                     "medkg.toml (token = \"...\") or in MEDKG_SERVE_TOKEN, restart `medkg serve`, "
                                     "and send it as 'Authorization: Bearer <token>'")
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if not header or scheme.lower() != "bearer" or not given.strip():
            raise HTTPException(401, "this endpoint changes the graph: send 'Authorization: Bearer <token>' "
                                     "with the [serve] token", headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8")):
            raise HTTPException(403, "the bearer token does not match the server's [serve] token")

    def reload_workspace() -> None:
        """After a write: load the new graph version and swap it in (requests in flight keep the old).

        The old workspace is then unreferenced here; its memory goes back to the kernel now and
        again when the requests that still hold it have finished (``pipelines/memory.py``).
        """
        from pipelines.memory import release_memory, release_memory_later, release_when_freed

        old_graph = state["ws"].graph
        retired.append(weakref.ref(old_graph))
        release_when_freed(old_graph)                 # trims again once the last request using it is done
        del old_graph
        state["ws"] = _guard_workspace(state["ws"].successor())
        release_memory()
        release_memory_later(30.0, retired=list(retired))   # and warns if an old view is still referenced
        retired[:] = [ref for ref in retired if ref() is not None]

    def _start_version_watcher():
        """With the graph on a SPARQL server, poll its version and reload through the one swap function."""
        settings = current().settings
        if not settings.home.store or settings.graph.poll_s <= 0:
            return None
        from kg.store import store_ref
        from pipelines.workspace import VersionWatcher

        def serving() -> str:
            return current().graph.graph.get("version", "")

        def on_change(version: str) -> None:
            with swap_lock:                  # a write through this server may have reloaded already
                if serving() != version:
                    reload_workspace()

        return VersionWatcher.for_store(store_ref(settings.home), serving, on_change, settings.graph.poll_s).start()

    # -- pages
    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/static/report.css", include_in_schema=False)
    def report_css():
        from pipelines.html import CSS

        return Response(CSS, media_type="text/css; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}
        path = (WEB_DIR / name).resolve()
        if path.parent != WEB_DIR or path.suffix not in types or not path.is_file():
            raise HTTPException(404, f"no such file: {name}")
        return FileResponse(path, media_type=types[path.suffix])

    # -- read endpoints
    @app.get("/health", tags=["info"])
    def health():
        """Status and the versions every answer is based on (graph, model, literature index)."""
        w = current()
        G = w.graph
        ranker = w.ranker
        lit = w.literature
        return {
            "status": "ok",
            "schema_version": SCHEMA_VERSION,
            "versions": {
                "graph": G.graph.get("version", ""),
                "graph_label": G.graph.get("version_label", ""),
                "model": f"{getattr(ranker, 'name', '')} {getattr(ranker, 'version', '')}".strip(),
                "ranker": ranker.describe(),   # model.choice.choose_ranker's decision, as `medkg info` shows it
                "index": lit.index_version if lit is not None else "",
            },
            "sources": [{k: s.get(k, "") for k in ("name", "version", "kind", "license", "citation")}
                        for s in G.graph.get("sources", [])],
            "graph": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()},
            "literature_documents": len(lit) if lit is not None else 0,
            "writes_enabled": bool(w.settings.serve.token),
            "load_ms": dict(w.load_ms),
        }

    @app.post("/diagnose", tags=["diagnose"], response_model=DiagnosisReport, responses=_ERRORS)
    def diagnose_endpoint(req: DiagnoseRequest):
        """A ranked differential (the DiagnosisReport JSON) from a note, a phenopacket or HPO ids."""
        from pipelines.diagnose import diagnose

        notes = [(n.name, n.text) for n in req.notes]
        if req.note is not None:
            notes.insert(0, ("note", req.note))
        if not notes and req.phenopacket is None and not req.hpo and not req.absent:
            raise InputError("nothing to diagnose: give 'note', 'notes', 'phenopacket' or 'hpo' ids")
        deid_on, shift = current().settings.privacy.choose(req.deidentify, req.shift_dates)
        if deid_on and notes:
            from kg.deid import deidentify_notes

            notes, _ = deidentify_notes(notes, shift_dates=shift)
        # the phenopacket was checked against the model above; the parser gets plain JSON back
        phenopacket = req.phenopacket.model_dump(exclude_unset=True) if req.phenopacket is not None else None
        report = diagnose(current(), notes=notes, phenopacket=phenopacket, hpo=req.hpo, absent=req.absent,
                          top_k=req.top_k, with_literature=req.with_literature)
        return JSONResponse(report.model_dump(mode="json"))

    @app.post("/extract", tags=["diagnose"], responses=_ERRORS)
    def extract_endpoint(req: ExtractRequest):
        """Findings (with offsets, assertions and triggers), patient context and sections of one note."""
        deid_on, shift = current().settings.privacy.choose(req.deidentify, req.shift_dates)
        if not deid_on:
            return JSONResponse(current().extractor.extract(req.text).to_dict())
        from kg.deid import default_deidentifier

        deid = default_deidentifier().deidentify_many([req.text], shift_dates=shift)[0]
        out = current().extractor.extract(deid.text).to_dict()
        out["deidentified"] = deid.to_dict()
        return JSONResponse(out)

    @app.post("/deidentify", tags=["diagnose"], responses=_ERRORS)
    def deidentify_endpoint(req: DeidentifyRequest):
        """The note with PHI replaced by typed placeholders, and the spans (types and offsets, never the PHI)."""
        from kg.deid import default_deidentifier

        _, shift = current().settings.privacy.choose(True, req.shift_dates)
        return JSONResponse(default_deidentifier().deidentify_many([req.text], shift_dates=shift)[0].to_dict())

    @app.get("/search", tags=["literature"], responses=_ERRORS)
    def search_endpoint(q: str = Query(..., max_length=10_000, description="Free text"),
                        k: int = Query(10, ge=1, le=100),
                        mode: Optional[Literal["bm25", "dense", "hybrid"]] = Query(None)):
        """Literature search (hybrid BM25 + dense by default). PubMed links only for PMIDs."""
        from retrieval import EMPTY_INDEX_HINT

        lit = current().literature
        if lit is None or len(lit) == 0:
            return {"hits": [], "index_version": lit.index_version if lit is not None else "", "note": EMPTY_INDEX_HINT}
        hits = lit.search(q, k=k, mode=mode)
        return {"hits": [{**h.to_dict(), "url": pubmed_url(h.curie)} for h in hits],
                "index_version": lit.index_version, "mode": mode or lit.config.mode}

    @app.get("/concepts", tags=["graph"], responses=_ERRORS)
    def concepts_endpoint(q: str = Query(..., min_length=1, max_length=500),
                          limit: int = Query(20, ge=1, le=200),
                          category: Optional[str] = Query(None, max_length=100)):
        """Autocomplete over labels and synonyms (prefix matches first)."""
        hits = current().concept_index.search(q, limit=limit, category=category)
        return {"hits": [dataclasses.asdict(h) for h in hits]}

    @app.get("/concepts/{concept_id}", tags=["graph"], responses=_ERRORS)
    def concept_endpoint(concept_id: str, limit: int = Query(50, ge=1, le=1000)):
        """One concept: label, synonyms, equivalents, parents and its edges with provenance."""
        from kg.ids import equivalents, resolve

        if len(concept_id) > 200:
            raise InputError(f"concept id is too long ({len(concept_id)} characters; at most 200)")
        G = current().graph
        node = resolve(G, concept_id)
        data = G.nodes[node]

        def edge(u, v, d, other):
            return {"subject": u, "predicate": d.get("predicate", ""), "object": v,
                    "other_label": G.nodes[other].get("label", "") if other in G else "",
                    "source": d.get("source", ""), "source_version": d.get("source_version", ""),
                    "references": list(d.get("references", ()))}

        out_edges = [edge(node, v, d, v) for _, v, d in G.out_edges(node, data=True)]
        in_edges = [edge(u, node, d, u) for u, _, d in G.in_edges(node, data=True)]
        return {
            "id": node,
            "requested": concept_id,
            "label": data.get("label", ""),
            "category": data.get("category", ""),
            "synonyms": list(data.get("synonyms", ())),
            "lay_synonyms": list(data.get("lay_synonyms", ())),
            "definition": data.get("definition", ""),
            "xrefs": list(data.get("xrefs", ())),
            "source": data.get("source", ""),
            "equivalents": sorted(equivalents(G, node) - {node}),
            "parents": [{"id": v, "label": G.nodes[v].get("label", "")} for _, v, d in G.out_edges(node, data=True)
                        if d.get("predicate") == "subclass_of"],
            "out_edges": out_edges[:limit], "out_edges_total": len(out_edges),
            "in_edges": in_edges[:limit], "in_edges_total": len(in_edges),
        }

    @app.post("/sparql", tags=["graph"], responses={**_ERRORS, 504: {"model": ErrorOut}, 503: {"model": ErrorOut}},
              openapi_extra={"requestBody": {"content": {
                  "application/json": {"schema": SparqlRequest.model_json_schema()},
                  "application/sparql-query": {"schema": {"type": "string"}}}, "required": True}})
    async def sparql_endpoint(request: Request):
        """Read-only SPARQL over the active graphs; updates -> 400; slower than the timeout -> 504."""
        raw = await request.body()
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and ctype != "application/sparql-query" and not _is_json_type(ctype):
            return _unsupported_media_type(ctype, "application/json' (a {\"query\": ...} object) or "
                                                  "'Content-Type: application/sparql-query")
        if ctype == "application/sparql-query":
            try:
                req = SparqlRequest(query=raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise InputError("SPARQL query is not UTF-8 text") from None
        else:
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise InputError(f"malformed JSON body: {getattr(err, 'msg', 'not UTF-8')} (send "
                                 "{\"query\": \"SELECT ...\"} or Content-Type: application/sparql-query)") from None
            if not isinstance(data, dict):
                raise InputError("the JSON body must be an object: {\"query\": \"SELECT ...\", \"limit\": 1000}")
            try:
                req = SparqlRequest(**data)
            except Exception as err:  # pydantic.ValidationError
                raise InputError("invalid request: " + "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())) from None
        from kg.sparql import check_query

        check_query(req.query, current().settings.graph.service_allowlist)   # refused before a worker is taken
        if not sparql_slots.acquire(blocking=False):
            raise HTTPException(503, "too many SPARQL queries are running; try again shortly",
                                headers={"Retry-After": "5"})
        cancelled = threading.Event()
        settings = current().settings
        graph_dir, timeout = (settings.home if settings.home.store else settings.home.graph), settings.serve.sparql_timeout_s
        try:
            future = sparql_pool.submit(_run_sparql, graph_dir, req.query, req.limit, cancelled,
                                        settings.graph.service_allowlist)
        except RuntimeError:
            sparql_slots.release()
            raise HTTPException(503, "the server is shutting down") from None
        future.add_done_callback(lambda _: sparql_slots.release())
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            cancelled.set()
            raise HTTPException(504, f"SPARQL query ran longer than {timeout:g} s ([serve] sparql_timeout_s) "
                                     f"and was abandoned; add a LIMIT or narrow the patterns") from None
        return result

    @app.get("/why", tags=["graph"], responses=_ERRORS)
    def why_endpoint(s: str = Query(..., max_length=200), p: str = Query("", max_length=200),
                     o: str = Query(..., max_length=200)):
        """Why the graph holds an edge: its sources, versions, references and guideline provenance."""
        from kg.update import why

        return _jsonable(why(current().graph, s, p, o))

    @app.get("/graph/versions", tags=["graph"])
    def versions_endpoint():
        """The current graph version, the named graphs (sources, guidelines) and the version history."""
        from kg.store import open_store

        w = current()
        store = open_store(w.settings.home, read_only=True)
        try:
            version = store.version()
            graphs = store.graphs()
            hist = store.history()
        finally:
            store.close()
        return {
            "current": {"version": version.hash, "label": version.label},
            "serving": w.graph.graph.get("version", ""),
            "graphs": [{"iri": g.iri, "kind": g.kind, "name": g.name, "version": g.version, "active": g.active,
                        "quads": g.quads, "license": g.license} for g in graphs],
            "history": [dataclasses.asdict(e) for e in reversed(hist)],
        }

    # -- write endpoints
    @app.post("/guidelines", tags=["guidelines"], responses=_WRITE_ERRORS,
              openapi_extra={"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}},
                                                          "application/octet-stream": {"schema": {"type": "string"}}},
                                             "required": True}})
    def guidelines_endpoint(request: Request, body: bytes = Depends(_raw_body),
                            dry_run: bool = Query(True, description="Plan only (no token needed); false applies"),
                            format: Optional[Literal["tsv", "csv", "turtle", "ttl", "json-ld", "jsonld"]] = Query(
                                None, description="Guideline format (default: from filename)"),
                            filename: str = Query("guideline.tsv", max_length=200, pattern=r"^[\w.\-]+$"),
                            allow_new: bool = Query(False, description="Allow concepts the graph does not have")):
        """Upload a guideline file's content: plan it (dry run) or apply it as a new graph version."""
        if not dry_run:
            require_token(request)
        if not body.strip():
            raise InputError("the guideline body is empty: send the file's content (TSV, CSV, Turtle or JSON-LD)")
        from kg.guidelines import parse_guideline
        from kg.update import apply_update, plan_update

        # parsed from the uploaded bytes (no temporary file); messages name the upload's filename
        guideline = parse_guideline(text=body, format=format, name=Path(filename).name)
        w = current()
        if dry_run:
            plan = plan_update(w.settings.home, guideline, allow_new=allow_new, G=w.graph)
            return {"dry_run": True, "plan": _jsonable(plan)}
        with swap_lock:
            result = apply_update(w.settings.home, guideline, allow_new=allow_new, G=w.graph,
                                  applied_by="medkg serve (HTTP API)")
            reload_workspace()
        return {"dry_run": False, "result": _jsonable(result),
                "serving": current().graph.graph.get("version", "")}

    @app.post("/graph/rollback", tags=["guidelines"], responses=_WRITE_ERRORS)
    def rollback_endpoint(request: Request, req: RollbackRequest):
        """Return the graph to an earlier version from the history (needs the token)."""
        require_token(request)
        from kg.update import rollback

        with swap_lock:
            result = rollback(current().settings.home, req.version)
            reload_workspace()
        return {"result": _jsonable(result), "serving": current().graph.graph.get("version", "")}

    return app


async def _raw_body(request: Request) -> bytes:
    return await request.body()
