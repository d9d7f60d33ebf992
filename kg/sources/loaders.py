"""Import every loader module so that each registers its source (order = build order)."""

from kg.sources import hpo  # noqa: F401
