"""Batch work: many notes (or phenopackets, or abstracts) through ``diagnose`` / ``extract``, in
one process or on Ray actors, with the same output either way.

``medkg batch diagnose|extract INPUT --out FILE [--ray local|ADDRESS] [--workers N]`` is a thin
wrapper over :func:`run_batch`.

**Input** (:func:`iter_inputs`): a folder of ``.txt`` notes (the file name without ``.txt`` is
the id; the note is read exactly as ``medkg diagnose FILE`` reads it), or a JSONL file with one
object a line: ``{"id": ..., "note": "..."}`` or ``{"id": ..., "phenopacket": {...}}`` plus any
``POST /diagnose`` field (``notes``, ``hpo``, ``absent``, ``top_k``, ``with_literature``, ...),
checked by the same request model as the HTTP API. ``batch extract`` takes ``note`` only.

**Output**: one JSON object a line, each starting with the input's ``"id"``. For ``diagnose``
the rest of the line is exactly the report ``medkg diagnose --jsonl`` prints for that input
(only ``timings_ms`` differs between runs); for ``extract`` it is what ``medkg extract --json``
prints. A failed input becomes ``{"id": ..., "error": ..., "error_type": ...}`` (the message
never quotes the note); the batch goes on. Lines are written in input order.

**Resume**: ids already in ``--out`` are skipped (a half-written last line, from a crash, is cut
off first), so rerunning the same command finishes the job. Error lines count as written;
delete them to retry those inputs.

**Engines**: without ``ray`` the work runs in this process even when Ray is installed. With
``ray="local"`` a local Ray starts (or the running one is reused) and ``workers`` actors each
load the workspace (graph, extractor, ranker, literature) once; ``ray="ADDRESS"`` joins a
cluster (every node must see the same ``MEDKG_HOME`` path, e.g. on a shared file system).
Both engines run the same :class:`BatchWorker` code with one native thread per worker, so their
lines are identical. ``medkg diagnose --jsonl`` gives the same lines with the LR and Resnik rankers;
with the Transformer ranker it does when it runs with one thread too (``OMP_NUM_THREADS=1``),
else scores can differ in the 6th digit (torch splits sums by thread count).

>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "in.jsonl").write_text('{"id": "a", "note": "x"}\\nnot json\\n')
>>> [(i.id, i.error[:22]) for i in iter_inputs(folder / "in.jsonl", "diagnose")]
[('a', ''), ('line 2', 'line 2 is not valid JS')]
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from kg.errors import ConfigError, InputError, MedkgError
from pipelines.inputs import InputConfig

__all__ = ["BatchItem", "BatchResult", "BatchWorker", "TASKS", "WORKER_TASKS", "map_chunks", "RAY_EXTRA", "iter_inputs", "count_inputs",
           "done_ids", "make_engine", "LocalEngine", "RayEngine", "run_batch", "require_ray"]

log = logging.getLogger(__name__)

TASKS = ("diagnose", "extract")
WORKER_TASKS = (*TASKS, "mine")
RAY_EXTRA = "batch"
_RAY_HINT = (f"--ray needs the Ray package, which is not installed: pip install 'medkg[{RAY_EXTRA}]' "
             f"(or pip install ray); without --ray the batch runs in this process")
DEFAULT_CHUNK = 8
_LOCAL_OBJECT_STORE = 256 * 1024 * 1024   # results are small JSON lines; Ray's default is 30% of RAM


# ----------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class BatchItem:
    """One input: its id and the request (diagnose keyword arguments, or ``{"note": text}``).

    ``error`` is set when the input itself could not be read; it then becomes an error line.
    ``deidentify`` / ``shift_dates`` are the input's own requests (a JSONL line's fields); the
    batch's options and ``[privacy]`` can turn them on for every input, never off.
    """

    id: str
    request: dict = field(default_factory=dict)
    error: str = ""
    error_type: str = ""
    deidentify: bool = False
    shift_dates: bool = False


def _read_txt(path: Path, task: str, limits: InputConfig) -> BatchItem:
    from pipelines.inputs import read_note   # the very reader `medkg diagnose FILE` uses

    item_id = path.name[:-4] if path.name.endswith(".txt") else path.name
    try:
        name, text = read_note(str(path), limits)
    except MedkgError as err:
        return BatchItem(item_id, error=str(err), error_type=type(err).__name__)
    return BatchItem(item_id, {"note": text} if task == "extract" else {"notes": [(name, text)]})


def _diagnose_kwargs(obj: dict, where: str) -> dict:
    """A JSONL object (without its id) -> diagnose() keyword arguments, as ``POST /diagnose`` maps them."""
    from pydantic import ValidationError

    from pipelines.api import DiagnoseRequest
    from pipelines.diagnose import diagnose

    try:
        req = DiagnoseRequest(**obj)
    except ValidationError as err:
        parts = [f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in err.errors()[:5]]
        raise InputError(f"{where}: invalid request: {'; '.join(parts)}") from None
    data = req.model_dump(exclude_unset=True)
    data.pop("deidentify", None), data.pop("shift_dates", None)   # read by _jsonl_item, applied by the worker
    notes = [(n["name"], n["text"]) for n in data.pop("notes", [])]
    if "note" in data:
        notes.insert(0, ("note", data.pop("note")))
    kwargs: dict[str, Any] = {"notes": notes} if notes else {}
    if req.phenopacket is not None:
        data.pop("phenopacket", None)
        kwargs["phenopacket"] = req.phenopacket.model_dump(exclude_unset=True)
    accepted = set(inspect.signature(diagnose).parameters) - {"ws"}
    unsupported = sorted(k for k in data if k not in accepted)
    if unsupported:
        raise InputError(f"{where}: field(s) {', '.join(unsupported)} are not supported by batch diagnose "
                         f"(diagnose() takes: {', '.join(sorted(accepted))})")
    kwargs.update(data)
    if not kwargs.get("notes") and "phenopacket" not in kwargs and not kwargs.get("hpo") and not kwargs.get("absent"):
        raise InputError(f"{where}: nothing to diagnose: give 'note', 'notes', 'phenopacket' or 'hpo' ids")
    return kwargs


def _jsonl_item(line: str, lineno: int, task: str) -> BatchItem:
    where = f"line {lineno}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        return BatchItem(where, error=f"{where} is not valid JSON ({err.msg} at column {err.colno})",
                         error_type="InputError")
    if not isinstance(obj, dict):
        return BatchItem(where, error=f"{where} is not a JSON object", error_type="InputError")
    raw_id = obj.pop("id", None)
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or not str(raw_id).strip():
        return BatchItem(where, error=f"{where} has no \"id\" (a non-empty string or number)", error_type="InputError")
    item_id = str(raw_id).strip()
    where = f"{where} (id {item_id!r})"
    try:
        privacy = {key: obj.get(key, False) for key in ("deidentify", "shift_dates")}
        for key, value in privacy.items():
            if not isinstance(value, bool):
                raise InputError(f"{where}: {key!r} must be true or false, got {value!r}")
        if task == "extract":
            extra = sorted(set(obj) - {"note", "deidentify", "shift_dates"})
            if extra or not isinstance(obj.get("note"), str):
                raise InputError(f"{where}: batch extract takes {{\"id\": ..., \"note\": \"...\"}}"
                                 + (f"; unexpected field(s) {', '.join(extra)}" if extra else "; 'note' text is missing"))
            return BatchItem(item_id, {"note": obj["note"]}, **privacy)
        return BatchItem(item_id, _diagnose_kwargs(obj, where), **privacy)
    except MedkgError as err:
        return BatchItem(item_id, error=str(err), error_type=type(err).__name__)


def iter_inputs(path: str | Path, task: str, limits: InputConfig = InputConfig()) -> Iterator[BatchItem]:
    """The inputs of a batch: a folder of ``.txt`` notes (sorted by name) or a JSONL file.

    Note files are checked against ``limits`` (``[input]``) as ``medkg diagnose FILE`` checks them.

    A repeated id becomes an error item (its first occurrence is the one processed).
    """
    if task not in TASKS:
        raise InputError(f"unknown batch task {task!r}; valid tasks: {', '.join(TASKS)}")
    path = Path(path)
    if not path.exists():
        raise InputError(f"batch input {path} does not exist (give a folder of .txt notes or a .jsonl file)")
    files = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file()) if path.is_dir() else []
    if path.is_dir() and not files:
        raise InputError(f"batch input folder {path} holds no .txt notes")
    return _unique(_items(path, files, task, limits))


def _items(path: Path, files: list[Path], task: str, limits: InputConfig) -> Iterator[BatchItem]:
    if path.is_dir():
        for p in files:
            yield _read_txt(p, task, limits)
        return
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as err:
                yield BatchItem(f"line {lineno}", error=f"line {lineno} is not UTF-8 text (invalid byte at "
                                                        f"position {err.start})", error_type="InputError")
                continue
            if line.strip():
                yield _jsonl_item(line, lineno, task)


def _unique(items: Iterator[BatchItem]) -> Iterator[BatchItem]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen and not item.error:
            yield BatchItem(item.id, error=f"id {item.id!r} repeats an earlier input (ids must be unique)",
                            error_type="InputError")
            continue
        seen.add(item.id)
        yield item


def count_inputs(path: str | Path) -> int:
    """How many inputs a folder or JSONL holds (for the progress bar; non-empty lines)."""
    path = Path(path)
    if path.is_dir():
        return sum(1 for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            n += bool(line.strip())
    return n


def done_ids(out: str | Path) -> set[str]:
    """Ids already written to an output file; a broken last line (a crash mid-write) is cut off."""
    out = Path(out)
    if not out.exists():
        return set()
    ids: set[str] = set()
    good = 0
    with open(out, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                break
            if not isinstance(obj, dict) or "id" not in obj:
                raise InputError(f"{out} already exists and is not a batch output (a line without \"id\"); "
                                 f"choose another --out")
            ids.add(str(obj["id"]))
            good += len(raw)
    if good < out.stat().st_size:
        log.warning("cutting %d bytes of a half-written line off the end of %s", out.stat().st_size - good, out)
        with open(out, "r+b") as fh:
            fh.truncate(good)
    return ids


# ----------------------------------------------------------------------------------- the worker
def _one_thread() -> None:
    """Native libraries (torch, BLAS, OpenMP) get one thread in every batch worker.

    The workers are the parallelism; and the Transformer ranker's scores depend, in the 6th
    digit, on torch's thread count (how sums are split), so in-process and Ray workers (Ray
    gives each 1-CPU actor one thread) must use the same count to write identical lines.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.set_num_threads(1)


def _error_line(item_id: str, message: str, error_type: str) -> str:
    return json.dumps({"id": item_id, "error": message, "error_type": error_type}, ensure_ascii=False)


class BatchWorker:
    """Loads the workspace once and runs chunks of inputs; one per process (or Ray actor).

    A task is ``diagnose`` / ``extract`` (each item -> one JSON line) or ``mine`` (each item's
    ``text`` -> the sorted disease and phenotype ids it mentions, see :mod:`pipelines.mine`).
    ``task`` given at construction loads what that task needs at once (else on first use).
    """

    def __init__(self, settings, task: str | None = None, ranker: str | None = None, top_k: int = 10,
                 with_literature: bool = True, deidentify: bool = False, shift_dates: bool = False) -> None:
        from pipelines.workspace import Workspace

        _one_thread()
        self.top_k = top_k
        self.with_literature = with_literature
        self.deidentify, self.shift_dates = deidentify, shift_dates
        self.ws = Workspace(settings, ranker=ranker)
        if task is not None:
            self.load(task)

    def load(self, task: str) -> None:
        """Load the parts of the workspace ``task`` needs."""
        if task not in WORKER_TASKS:
            raise InputError(f"unknown batch task {task!r}; valid tasks: {', '.join(WORKER_TASKS)}")
        if task == "diagnose":
            self.ws.warm(literature=self.with_literature)
        else:
            _ = self.ws.extractor

    def ready(self) -> int:
        """The worker's process id (Ray: wait until every actor has loaded)."""
        return os.getpid()

    def memory_mb(self) -> float:
        import psutil

        return psutil.Process().memory_info().rss / 1e6

    def run(self, task: str, chunk: Sequence[BatchItem]) -> list:
        """One result per item, in order."""
        if task not in WORKER_TASKS:
            raise InputError(f"unknown batch task {task!r}; valid tasks: {', '.join(WORKER_TASKS)}")
        if task == "mine":
            from pipelines.mine import mentions

            return [mentions(self.ws.graph, self.ws.extractor, item.request.get("text", "")) for item in chunk]
        return [self._one(task, item) for item in chunk]

    def _deidentified(self, item: BatchItem) -> tuple[dict, list]:
        """The item's request with its notes de-identified when the batch, the line or ``[privacy]``
        asks for it (as ``medkg diagnose|extract --deidentify`` do: one date shift per input)."""
        deid_on, shift = self.ws.settings.privacy.choose(self.deidentify or item.deidentify,
                                                         self.shift_dates or item.shift_dates)
        if not deid_on or not (item.request.get("note") is not None or item.request.get("notes")):
            return item.request, []
        from kg.deid import deidentify_notes

        if "note" in item.request:
            [(_, text)], results = deidentify_notes([("note", item.request["note"])], shift_dates=shift)
            return {**item.request, "note": text}, results
        notes, results = deidentify_notes(item.request["notes"], shift_dates=shift)
        return {**item.request, "notes": notes}, results

    def _one(self, task: str, item: BatchItem) -> tuple[str, bool]:
        """(the output line, whether it is a result rather than an error line)."""
        if item.error:
            return _error_line(item.id, item.error, item.error_type or "InputError"), False
        try:
            request, deid = self._deidentified(item)
            if task == "extract":
                out = self.ws.extractor.extract(request["note"]).to_dict()
                if deid:
                    out["deidentified"] = deid[0].to_dict()
                body = json.dumps(out, ensure_ascii=False, default=str)
            else:
                from pipelines.diagnose import diagnose

                kwargs = {"top_k": self.top_k, "with_literature": self.with_literature, **request}
                body = diagnose(self.ws, **kwargs).model_dump_json()
        except MedkgError as err:
            return _error_line(item.id, str(err), type(err).__name__), False
        except Exception as err:  # noqa: BLE001 - one bad input must not lose the batch
            # the message may quote the note, so only the type is kept
            log.error("unexpected %s on batch input %r", type(err).__name__, item.id)
            return _error_line(item.id, f"unexpected {type(err).__name__}: this input could not be processed "
                                        f"(the message is not shown: it may quote the note)", "InternalError"), False
        # the report exactly as `diagnose --jsonl` / `extract --json` serialise it, with the id first
        return '{"id":' + json.dumps(item.id, ensure_ascii=False) + ("," + body[1:] if body != "{}" else "}"), True


# ----------------------------------------------------------------------------------- engines
def require_ray():
    """The ``ray`` module, or a ConfigError naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise ConfigError(_RAY_HINT) from None
    return ray


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class LocalEngine:
    """Runs every chunk in this process, with one :class:`BatchWorker`."""

    name = "in-process"

    def __init__(self, worker_args: tuple, worker_kwargs: dict) -> None:
        self.worker = BatchWorker(*worker_args, **worker_kwargs)
        self.workers = 1

    def map(self, task: str, chunks: Iterable[list]) -> Iterator[tuple[list, list]]:
        """(chunk, results) in order."""
        for chunk in chunks:
            yield chunk, self.worker.run(task, chunk)

    def memory_mb(self) -> list[float]:
        return [self.worker.memory_mb()]

    def close(self) -> None:
        pass


class RayEngine:
    """Ray actors, each a :class:`BatchWorker` that loads the workspace once.

    Chunks go to whichever actor is free; results come back in input order (at most
    ``4 x workers`` chunks are held ahead). An actor that dies turns its chunk into error lines
    and is replaced.
    """

    name = "ray"

    def __init__(self, address: str, workers: int | None, worker_args: tuple, worker_kwargs: dict) -> None:
        ray = require_ray()
        self.ray = ray
        self._started = False
        if not ray.is_initialized():
            opts: dict[str, Any] = {"include_dashboard": False, "configure_logging": False, "log_to_driver": False}
            if address == "local":
                opts.update(num_cpus=workers or os.cpu_count() or 1, object_store_memory=_LOCAL_OBJECT_STORE)
            else:
                opts["address"] = address
            try:
                ray.init(**opts)
            except (ConnectionError, ValueError, RuntimeError) as err:
                raise ConfigError(f"cannot start or join Ray at {address!r}: {err}") from None
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = int(workers or cpus)
        if self.workers < 1:
            raise InputError(f"--workers must be at least 1, got {self.workers}")
        self._remote = ray.remote(num_cpus=1)(BatchWorker)
        self._args, self._kwargs = worker_args, worker_kwargs
        self.actors = [self._new_actor() for _ in range(self.workers)]
        try:
            ray.get([a.ready.remote() for a in self.actors])   # every actor has loaded the workspace
        except ray.exceptions.RayActorError as err:
            self.close()
            raise MedkgError(f"a Ray worker failed while loading the workspace: {_cause(err)}") from None

    def _new_actor(self):
        return self._remote.remote(*self._args, **self._kwargs)

    def map(self, task: str, chunks: Iterable[list]) -> Iterator[tuple[list, list]]:
        """(chunk, results) in input order."""
        ray = self.ray
        source = iter(enumerate(chunks))
        free = list(self.actors)
        running: dict = {}          # ObjectRef -> (index, chunk, actor)
        done: dict[int, tuple] = {}
        next_out = 0
        exhausted = False
        while True:
            while free and not exhausted and len(done) + len(running) < 4 * self.workers:
                try:
                    idx, chunk = next(source)
                except StopIteration:
                    exhausted = True
                    break
                actor = free.pop()
                running[actor.run.remote(task, chunk)] = (idx, chunk, actor)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if not running:
                if exhausted or not free:
                    return
                continue
            ready, _ = ray.wait(list(running), num_returns=1)
            ref = ready[0]
            idx, chunk, actor = running.pop(ref)
            try:
                results = ray.get(ref)
                free.append(actor)
            except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as err:
                why = f"the Ray worker processing this input died ({type(err).__name__})"
                results = [(_error_line(item.id, why, "WorkerDied"), False) for item in chunk]
                self.actors.remove(actor)
                replacement = self._new_actor()
                self.actors.append(replacement)
                free.append(replacement)
            except ray.exceptions.RayTaskError as err:
                results = [(_error_line(item.id, f"the batch worker failed: {_cause(err)}", "InternalError"), False)
                           for item in chunk]
                free.append(actor)
            done[idx] = (chunk, results)

    def memory_mb(self) -> list[float]:
        return list(self.ray.get([a.memory_mb.remote() for a in self.actors]))

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []
        if self._started:
            self.ray.shutdown()


def _cause(err: BaseException) -> str:
    cause = getattr(err, "cause", None) or err
    return f"{type(cause).__name__}: {str(cause).strip().splitlines()[-1] if str(cause).strip() else ''}"


def make_engine(settings, task: str | None = None, *, ray: str | None = None, workers: int | None = None,
                ranker: str | None = None, top_k: int = 10, with_literature: bool = True,
                deidentify: bool = False, shift_dates: bool = False):
    """The engine for a batch: in this process without ``ray``, else Ray actors.

    ``task`` loads what that task needs up front; an engine can run any task.
    """
    args = (settings, task)
    kwargs = {"ranker": ranker, "top_k": top_k, "with_literature": with_literature,
              "deidentify": deidentify, "shift_dates": shift_dates}
    if ray is None:
        if workers not in (None, 1):
            raise InputError("--workers needs --ray (local or a cluster address); without it the batch runs "
                             "in this one process")
        return LocalEngine(args, kwargs)
    if not ray.strip():
        raise InputError("--ray takes 'local' or a Ray address such as ray://HOST:10001 or HOST:6379")
    return RayEngine(ray.strip(), workers, args, kwargs)


# ----------------------------------------------------------------------------------- the job
@dataclass
class BatchResult:
    """What one :func:`run_batch` did."""

    task: str
    engine: str
    workers: int
    inputs: int = 0          # inputs seen this run (new + skipped)
    written: int = 0         # lines written this run (reports + errors)
    errors: int = 0          # error lines among them
    skipped: int = 0         # ids already in the output (resumed)
    seconds: float = 0.0
    load_seconds: float = 0.0
    worker_memory_mb: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def run_batch(task: str, source: str | Path, out: str | Path, settings, *, ray: str | None = None,
              workers: int | None = None, ranker: str | None = None, top_k: int = 10, with_literature: bool = True,
              chunk_size: int = DEFAULT_CHUNK, show_progress: bool = False, deidentify: bool = False,
              shift_dates: bool = False, engine=None) -> BatchResult:
    """Run ``task`` (diagnose / extract) over every input of ``source`` into the JSONL ``out``.

    ``deidentify`` / ``shift_dates`` de-identify every note before extraction (so do a JSONL
    line's own fields and ``[privacy]``), exactly as ``medkg diagnose|extract --deidentify``.

    Ids already in ``out`` are skipped. ``engine`` (from :func:`make_engine`) may be passed to
    reuse loaded workers across calls; it is then left open.
    """
    if task not in TASKS:
        raise InputError(f"unknown batch task {task!r}; valid tasks: {', '.join(TASKS)}")
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1, got {chunk_size}")
    source, out = Path(source), Path(out)
    if source.exists() and out.exists() and source.resolve() == out.resolve():
        raise InputError(f"--out {out} is the input file; choose another output file")
    items = iter_inputs(source, task, settings.input)
    total = count_inputs(source)
    skip = done_ids(out)
    t0 = time.perf_counter()
    own = engine is None
    if own:
        engine = make_engine(settings, task, ray=ray, workers=workers, ranker=ranker, top_k=top_k,
                             with_literature=with_literature, deidentify=deidentify, shift_dates=shift_dates)
    result = BatchResult(task=task, engine=engine.name, workers=engine.workers, load_seconds=time.perf_counter() - t0)
    from tqdm import tqdm

    bar = tqdm(total=total, unit="input", desc=f"batch {task}", disable=not show_progress, file=sys.stderr,
               dynamic_ncols=True)

    def todo() -> Iterator[BatchItem]:
        for item in items:
            result.inputs += 1
            if item.id in skip:
                result.skipped += 1
                bar.update(1)
                continue
            yield item

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "a", encoding="utf-8") as fh:
            for chunk, lines in engine.map(task, _chunks(todo(), chunk_size)):
                for line, ok in lines:
                    fh.write(line + "\n")
                    result.written += 1
                    result.errors += not ok
                fh.flush()
                bar.update(len(chunk))
        result.worker_memory_mb = engine.memory_mb()
    finally:
        bar.close()
        if own:
            engine.close()
    result.seconds = time.perf_counter() - t0
    return result


def map_chunks(engine, items: Iterable[BatchItem], chunk_size: int = 64,
               on_chunk: Callable[[int], None] | None = None) -> Iterator[tuple[BatchItem, Any]]:
    """(item, result) for every item, through ``engine`` in chunks (used by literature mining)."""
    for chunk, results in engine.map("mine", _chunks(items, chunk_size)):
        if on_chunk is not None:
            on_chunk(len(chunk))
        yield from zip(chunk, results)
