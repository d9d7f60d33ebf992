"""`medkg` commands of this group (see pipelines/cli/__init__.py)."""

from pipelines.cli import app  # noqa: F401
