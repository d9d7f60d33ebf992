"""Build the graph store from the configured sources, atomically.

The new store is written to ``graph/stores/<id>.building``; only when every source has
loaded is it renamed and ``graph/current`` switched to it, so an interrupted or failed
build leaves the previous store intact. Guideline graphs (and the history) of the
previous store are carried over.

>>> result = build_graph(Home(Path("~/.local/share/medkg")).ensure(), GraphConfig())  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kg.config import GraphConfig, Home
from kg.errors import ConfigError, GraphNotBuilt, SourceError
from kg.records import SourceData
from kg.sources.registry import SourceSpec, get_source, how_to_obtain, list_sources, resolve_files
from kg.store import GraphInfo, GraphStore, GraphVersion, current_store_path, remove_store, switch_current
from kg.view import ViewBuilder, finish_view, save_base_view
from kg.vocab import META_GRAPH

__all__ = ["build_graph", "write_store", "BuildResult", "select_sources", "source_roots"]

Progress = Callable[[str, int, int], None]  # (description, done, total)


@dataclass
class BuildResult:
    store_path: Path
    version: GraphVersion
    sources: list[GraphInfo]
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)  # optional source -> why it was not built
    store: str = ""        # the SPARQL endpoint the graph was written to ("" = the embedded folder)


def source_roots(home: Home, config: GraphConfig) -> list[Path]:
    roots = [home.sources]
    if config.mirror:
        roots.append(Path(config.mirror).expanduser())
    return roots


def select_sources(home: Home, config: GraphConfig) -> tuple[list[tuple[SourceSpec, dict[str, Path]]], dict[str, str]]:
    """The sources to build with their files, and the optional ones skipped (with why)."""
    roots = source_roots(home, config)
    wanted = list(config.sources)
    auto = "auto" in wanted
    specs = list_sources()
    if not auto:
        names = {s.name for s in specs}
        for name in wanted:
            if name not in names:
                raise ConfigError(f"unknown source {name!r} in [graph] sources; known: {', '.join(sorted(names))}, auto")
    chosen, skipped = [], {}
    for spec in specs:
        if not auto and spec.name not in wanted:
            continue
        files = resolve_files(spec, roots)
        if files is None:
            if auto:
                skipped[spec.name] = f"files not found under {', '.join(map(str, roots))}; {how_to_obtain(spec)}"
                continue
            raise SourceError(f"source {spec.name!r}: files not found under {', '.join(map(str, roots))}. {how_to_obtain(spec)}")
        chosen.append((spec, files))
    # A source whose prerequisites are missing cannot be linked: skip it with the reason.
    names = {s.name for s, _ in chosen}
    kept = []
    for spec, files in chosen:
        missing = [a for a in spec.after if a not in names]
        if missing:
            skipped[spec.name] = f"needs source(s) {', '.join(missing)}"
            continue
        kept.append((spec, files))
    return kept, skipped


def build_graph(home: Home, config: GraphConfig, progress: Progress | None = None) -> BuildResult:
    """Parse every selected source and write a new store; switch to it only on success."""
    home.ensure()
    selected, skipped = select_sources(home, config)
    parsed: list[tuple[SourceSpec, SourceData]] = []
    total = 2 * len(selected) + 3 + (len(selected) > 1)
    for i, (spec, files) in enumerate(selected):
        if progress:
            progress(f"parsing {spec.name}", i, total)
        parsed.append((spec, spec.parse(files)))
    if progress:
        progress("linking sources", len(selected), total)
    links = _link([d for _, d in parsed])
    entries = [(d, spec.license, spec.citation) for spec, d in parsed]
    parsed.clear()
    if links is not None:
        entries.append((links, "derived from the sources above", ""))
    result = write_store(home, entries, progress=progress, step0=len(selected) + 1, total=total)
    result.skipped = skipped
    return result


def write_store(home: Home, entries: list[tuple[SourceData, str, str]], progress: Progress | None = None,
                step0: int = 0, total: int | None = None) -> BuildResult:
    """Write parsed sources ``(data, licence, citation)`` as a new store and switch to it atomically.

    The list is consumed: each source's records are dropped once written and added to the
    view, so peak memory stays near one source plus the view.
    """
    t0 = time.perf_counter()
    home.ensure()
    if getattr(home, "store", ""):
        return _write_remote(home, entries, progress, step0, total, t0)
    stores_dir = home.graph / "stores"
    stores_dir.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.perf_counter_ns() % 100000}"
    building = stores_dir / f"{build_id}.building"
    final = stores_dir / build_id
    try:
        previous = current_store_path(home.graph)
    except GraphNotBuilt:
        previous = None
    total = total if total is not None else len(entries) + 2
    step = step0

    def tick(desc: str) -> None:
        nonlocal step
        if progress:
            progress(desc, step, total)
        step += 1

    stats = {data.name: data.stats for data, _, _ in entries}
    names = [data.name for data, _, _ in entries]
    try:
        store = GraphStore.create(building)
        infos = []
        builder = ViewBuilder()
        for order in range(len(entries)):
            data, license_, citation = entries[order]
            tick(f"writing {data.name}")
            info = store.load_source(data, license=license_, citation=citation, order=order)
            infos.append(info)
            builder.add_source_data(data, info.iri)
            entries[order] = (None, license_, citation)  # type: ignore[assignment]
            del data
        tick("carrying over guidelines")
        if previous is not None:
            _carry_over(previous, store)
        version = store.record_history("build", detail=json.dumps({"sources": names}))
        base = finish_view(builder.G, infos)
        store.close()
        building.rename(final)
        save_base_view(base, home.graph, infos)
        switch_current(home.graph, final)
    except BaseException:
        remove_store(building)
        if final.exists() and (previous is None or final != previous):
            try:
                if current_store_path(home.graph) != final:
                    remove_store(final)
            except GraphNotBuilt:
                remove_store(final)
        raise
    if previous is not None and previous != final:
        remove_store(previous)
    if progress:
        progress("done", total, total)
    return BuildResult(final, version, infos, stats, time.perf_counter() - t0)


def _write_remote(home: Home, entries: list[tuple[SourceData, str, str]], progress: Progress | None,
                  step0: int, total: int | None, t0: float) -> BuildResult:
    """Write the sources to the SPARQL store of ``home.store``; publish them in one update.

    Each source is streamed, in chunks, through the Graph Store protocol into a graph the meta
    graph does not list (its own graph when that name is free; a staging graph
    ``urn:medkg:staging:<build>:<n>`` when the active graph of that name must stay readable
    meanwhile), so readers keep seeing the previous version. A source whose graph already holds
    exactly this content (same content hash) is not sent again. Then ONE SPARQL update moves the
    staged graphs into place, drops the previous sources, lists the new ones as active and records
    the build in the history. Guideline graphs and the history stay where they are. An interrupted
    build leaves only unlisted graphs, which the next build drops.
    """
    from kg.remote_store import RemoteStore
    from kg.store import _source_lines, source_graph_iri

    build_id = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.perf_counter_ns() % 100000}"
    total = total if total is not None else len(entries) + 2
    step = step0
    stats = {data.name: data.stats for data, _, _ in entries}
    names = [data.name for data, _, _ in entries]
    store = RemoteStore(home.store, read_only=False, graph_dir=home.graph)
    try:
        before = {g.iri: g for g in store.graphs()}
        listed = set(before)
        for orphan in sorted(store.named_graphs() - listed):   # left by an interrupted build or apply
            if orphan.startswith(("urn:medkg:staging:", "urn:medkg:source:")):
                store.drop_graph(orphan)
        infos: list[GraphInfo] = []
        moves: list[str] = []
        builder = ViewBuilder()
        for order in range(len(entries)):
            data, license_, citation = entries[order]
            if progress:
                progress(f"writing {data.name}", step, total)
            iri = source_graph_iri(data.name, data.version)
            old = before.get(iri)
            digest = count = None
            if old is not None:          # is the stored graph already this content?
                h = hashlib.sha256()
                count = 0
                for chunk in _source_lines(data, iri):
                    h.update(("\n".join(chunk) + "\n").encode())
                    count += len(chunk)
                digest = h.hexdigest() if h.hexdigest() == old.content_hash else None

            def sent(n: int, name: str = data.name) -> None:
                if progress:
                    progress(f"writing {name} ({n:,} quads sent)", step, total)

            if digest is None:
                staging = f"urn:medkg:staging:{build_id}:{order}" if old is not None else None
                iri, digest, count = store.stage_source(data, into=staging, progress=sent)
                if staging:
                    moves.append(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{iri}>")
            infos.append(GraphInfo(iri, "source", data.name, data.version, digest, count, True, license_, citation,
                                   {"stats": json.dumps(data.stats, sort_keys=True), "order": str(order)}))
            builder.add_source_data(data, iri)
            entries[order] = (None, license_, citation)  # type: ignore[assignment]
            del data
            step += 1
        if progress:
            progress("publishing (one update)", step, total)
        step += 1
        new = {i.iri for i in infos}
        dropped = [g.iri for g in before.values() if g.kind == "source" and g.iri not in new]
        version = store.transaction(drop=dropped, new_graphs=infos, extra_ops=moves, action="build",
                                    detail=json.dumps({"sources": names}))
        base = finish_view(builder.G, infos)
        save_base_view(base, home.graph, infos)
    finally:
        store.close()
    if progress:
        progress("done", total, total)
    result = BuildResult(home.graph, version, infos, stats, time.perf_counter() - t0)
    result.store = home.store
    return result


def _link(datas: list[SourceData]) -> SourceData | None:
    if len(datas) < 2:
        return None
    try:
        from kg.sources.linking import link_sources
    except ImportError:
        return None
    links = link_sources(datas)
    return links if links is not None and (links.edges or links.nodes) else None


def _carry_over(previous: Path, store: GraphStore) -> None:
    """Copy guideline graphs, their meta and the history from the previous store."""
    old = GraphStore(previous, read_only=True)
    try:
        # graph_lines() gives triples (`s p o .`); put each back into its named graph, or it
        # would land in the default graph, where neither the meta graph nor the view sees it.
        def in_graph(line: str, graph: str) -> str:
            return f"{line[:-1].rstrip()} <{graph}> ."

        lines = []
        for info in old.graphs():
            if info.kind != "guideline":
                continue
            lines.extend(in_graph(line, info.iri) for line in old.graph_lines(info.iri))
        meta_lines = [line for line in old.graph_lines(META_GRAPH)]
        keep = []
        guideline_iris = {g.iri for g in old.graphs() if g.kind == "guideline"}
        for line in meta_lines:
            subject = line[1:line.index(">")]
            if subject in guideline_iris or subject.startswith("urn:medkg:history:"):
                keep.append(in_graph(line, META_GRAPH))
        store.bulk_load_lines(lines + keep)
    finally:
        old.close()
