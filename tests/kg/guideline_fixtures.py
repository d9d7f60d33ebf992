"""A tiny graph home for the guideline tests, and guideline texts to apply to it.

``make_home(tmp)`` builds ``tmp/graph/stores/s1`` with two sources (like a real build:
one named graph each, a ``build`` history entry, ``graph/current`` pointing at it):

* ``toy-do``: DOID:552 pneumonia, DOID:6000 congestive heart failure, MONDO:0005249
  pneumonia with ``MONDO:0005249 same_as DOID:552``;
* ``toy-drugs``: DRUGBANK:DB01060 Amoxicillin, DRUGBANK:DB00254 Doxycycline,
  DRUGBANK:DB00331 Metformin, with ``DB00331 not_indicated_for MONDO:0005249`` (so a
  guideline saying metformin treats DOID:552 conflicts through the same_as) and
  ``DB00254 treats DOID:552``.
"""

from __future__ import annotations

from pathlib import Path

from kg.config import Home
from kg.records import Edge, Node, SourceData
from kg.store import GraphStore, switch_current
from kg.vocab import Category, Predicate

__all__ = ["make_home", "copy_home", "guideline_tsv", "HEADER", "COLUMNS_LINE"]

_TEMPLATE: list[Path] = []

HEADER = "# issuer: Test Society\n# guideline_id: CAP\n# version: {version}\n# date: 2024-01-02\n"
COLUMNS_LINE = "subject\tpredicate\tobject\tsubject_label\tobject_label\tstrength\tevidence_level\tcitation\n"


def make_home(tmp: Path) -> Home:
    """A MEDKG_HOME with the tiny graph described above."""
    home = Home(Path(tmp)).ensure()
    path = home.graph / "stores" / "s1"
    store = GraphStore.create(path)
    do = SourceData("toy-do", "1", nodes=[
        Node("DOID:552", Category.DISEASE, "pneumonia", "toy-do", synonyms=("lung inflammation",)),
        Node("DOID:6000", Category.DISEASE, "congestive heart failure", "toy-do"),
        Node("MONDO:0005249", Category.DISEASE, "pneumonia", "toy-do"),
    ], edges=[Edge("MONDO:0005249", Predicate.SAME_AS, "DOID:552", "toy-do", "1")])
    drugs = SourceData("toy-drugs", "1", nodes=[
        Node("DRUGBANK:DB01060", Category.DRUG, "Amoxicillin", "toy-drugs"),
        Node("DRUGBANK:DB00254", Category.DRUG, "Doxycycline", "toy-drugs"),
        Node("DRUGBANK:DB00331", Category.DRUG, "Metformin", "toy-drugs"),
    ], edges=[
        Edge("DRUGBANK:DB00331", Predicate.NOT_INDICATED_FOR, "MONDO:0005249", "toy-drugs", "1"),
        Edge("DRUGBANK:DB00254", Predicate.TREATS, "DOID:552", "toy-drugs", "1", ("PMID:1",)),
    ])
    store.load_source(do, license="CC0", citation="", order=0)
    store.load_source(drugs, license="CC0", citation="", order=1)
    store.record_history("build")
    store.close()
    switch_current(home.graph, path)
    return home


def copy_home(tmp: Path) -> Home:
    """Like :func:`make_home` but copies a home built once per process (bulk loads cost ~1 s)."""
    import shutil
    import tempfile

    if not _TEMPLATE:
        import atexit

        where = Path(tempfile.mkdtemp(prefix="medkg-guideline-fixture-"))
        atexit.register(shutil.rmtree, where, ignore_errors=True)
        _TEMPLATE.append(make_home(where / "home").root)
    shutil.copytree(_TEMPLATE[0], tmp, symlinks=True)
    return Home(Path(tmp))


def guideline_tsv(rows: list[str], version: str = "1", header: str | None = None) -> str:
    """A guideline table: the header block, the column line, then ``rows`` (tab-separated strings)."""
    head = HEADER.format(version=version) if header is None else header
    return head + COLUMNS_LINE + "".join(r + "\n" for r in rows)


AMOX = "DRUGBANK:DB01060\ttreats\tDOID:552\tAmoxicillin\tpneumonia\tstrong\tmoderate\tPMID:31573350"
DOXY = "DRUGBANK:DB00254\ttreats\tDOID:552\tDoxycycline\tpneumonia\tconditional\tlow\tPMID:31573350"
