"""Import every loader module so that each registers its source (order = build order)."""

from kg.sources import hpo  # noqa: F401
from kg.sources import disease_ontology  # noqa: F401
from kg.sources import symptom_ontology  # noqa: F401
from kg.sources import disease_symptom  # noqa: F401
from kg.sources import mondo  # noqa: F401
from kg.sources import pharmacotherapydb  # noqa: F401
from kg.sources import labeledin  # noqa: F401
