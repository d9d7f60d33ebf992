"""`medkg literature add|stats|remove|rebuild|mine` and `medkg search`: thin wrappers over
:class:`retrieval.LiteratureIndex` (see pipelines/cli/__init__.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, JsonOpt, console, err_console, print_json, settings_from

__all__ = ["literature_app", "add", "stats", "remove", "rebuild", "search", "mine"]

literature_app = typer.Typer(
    help="Manage the literature index (documents, dense and BM25 indexes).",
    no_args_is_help=True,
)
app.add_typer(literature_app, name="literature")


def _open(home: Optional[Path], config: Optional[Path], verify: bool = True):
    from retrieval import LiteratureIndex

    settings = settings_from(home, config)
    return LiteratureIndex.open(settings.home.literature, settings.retrieval, verify=verify)


@literature_app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help="JSONL (.jsonl/.ndjson), PubMedQA (.json) or MEDLINE XML (.xml) files; .gz accepted.", show_default=False)],
    id_type: Annotated[Optional[str], typer.Option("--id-type", help="Id type for JSONL records without one: pmid, s2, doi, other.")] = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add documents to the literature index (a repeated id updates the document)."""
    with _open(home, config) as lit:
        result = lit.add_files(files, id_type=id_type, show_progress=not json_out)
    if json_out:
        print_json(vars(result))
        return
    console.print(
        f"added {result.added}, updated {result.updated}, unchanged {result.unchanged}; "
        f"{result.documents} documents indexed (index {result.index_version}, {result.seconds:.1f} s)"
    )


@literature_app.command("stats")
def stats(home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Show what the literature index holds."""
    with _open(home, config, verify=False) as lit:
        info = lit.stats()
        stale = lit.stale
    if json_out:
        print_json({**info.to_dict(), "stale": stale})
        return
    if info.documents == 0:
        console.print("no literature indexed; run `medkg literature add FILE...`")
    table = Table(show_header=False)
    for key, value in info.to_dict().items():
        table.add_row(key, ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else str(value))
    console.print(table)
    if stale:
        err_console.print(f"[yellow]warning:[/yellow] {stale}")


@literature_app.command("remove")
def remove(
    ids: Annotated[list[str], typer.Argument(help="Document ids to remove.", show_default=False)],
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove documents by id."""
    with _open(home, config) as lit:
        result = lit.remove(ids)
    if json_out:
        print_json(vars(result))
        return
    console.print(f"removed {result.removed}; {result.documents} documents indexed")
    if result.missing:
        err_console.print(f"not in the index: {', '.join(result.missing)}")


@literature_app.command("rebuild")
def rebuild(home: HomeOpt = None, config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Re-encode every stored document with the configured encoder and rebuild both indexes."""
    with _open(home, config, verify=False) as lit:
        result = lit.rebuild(show_progress=not json_out)
    if json_out:
        print_json(vars(result))
        return
    console.print(f"rebuilt {result.documents} documents (index {result.index_version}, {result.seconds:.1f} s)")


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to search for, in quotes.", show_default=False)],
    k: Annotated[int, typer.Option("--k", "-k", help="Number of hits.")] = 10,
    mode: Annotated[Optional[str], typer.Option("--mode", help="bm25, dense or hybrid (default: [retrieval] mode).", show_default=False)] = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search the indexed biomedical literature."""
    from retrieval import EMPTY_INDEX_HINT

    with _open(home, config) as lit:
        hits = lit.search(query, k=k, mode=mode)
        version = lit.index_version
    if json_out:
        print_json({"query": query, "mode": mode or lit.config.mode, "index_version": version, "hits": [h.to_dict() for h in hits]})
        return
    if not hits:
        console.print(EMPTY_INDEX_HINT if version == "empty" else "no matching documents")
        return
    table = Table("#", "id", "year", "score", "title / best sentence")
    for rank, hit in enumerate(hits, start=1):
        table.add_row(str(rank), hit.curie, str(hit.year or ""), f"{hit.score:.3f}", f"[bold]{hit.title}[/bold]\n{hit.snippet}")
    console.print(table)


@literature_app.command("mine")
def mine(
    out: Annotated[Path, typer.Option("--out", help="The proposal: a guideline TSV to review with `medkg update FILE --dry-run`.", show_default=False)],
    min_documents: Annotated[int, typer.Option("--min-documents", help="Least number of abstracts mentioning both.")] = 2,
    max_q: Annotated[float, typer.Option("--max-q", help="Largest Benjamini-Hochberg q-value (Fisher's exact test).")] = 0.05,
    only_new: Annotated[bool, typer.Option("--only-new", help="Leave out pairs the graph already has as has_phenotype.")] = False,
    ray: Annotated[Optional[str], typer.Option("--ray", help="Run the extractor on Ray: 'local' or a cluster address.", show_default=False)] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Ray actors (default: the cluster's CPUs).", show_default=False)] = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Mine disease-phenotype co-mentions in the indexed abstracts into a guideline file to review (never applied)."""
    from pipelines.mine import mine_literature

    result = mine_literature(settings_from(home, config), out, ray=ray, workers=workers, min_documents=min_documents,
                             max_q=max_q, only_new=only_new, show_progress=not json_out)
    if json_out:
        print_json(result.to_dict())
        return
    console.print(
        f"read {result.documents_read} of {result.documents} abstracts ({result.pmid_documents} with PMIDs); "
        f"{result.co_mentioned_pairs} disease-phenotype pairs co-mentioned, {result.proposed} proposed "
        f"({result.already_in_graph} already in the graph) in {out} ({result.seconds:.1f} s)")
    console.print(f"review it: medkg update {out} --dry-run")
