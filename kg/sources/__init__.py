"""Knowledge-graph sources: a registry of loaders for the real file formats."""

from kg.sources.registry import SOURCES, SourceFile, SourceSpec, fetch_source, get_source, list_sources, resolve_files

__all__ = ["SOURCES", "SourceFile", "SourceSpec", "fetch_source", "get_source", "list_sources", "resolve_files"]
