"""Id resolution: any equivalent id resolves to a node of the graph.

Equivalences are ``same_as`` edges (MONDO exact matches, DO xrefs, SYMP<->HP and
drug-name links); HPO alt_ids and obsolete terms resolve to the current term.
A node keeps its source's own id; :func:`resolve` returns the node an id means and
:func:`equivalents` the whole class.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("HP:0001945", label="Fever", alt_ids=("HP:0001954",))
>>> G.add_node("SYMP:0000613", label="fever")
>>> _ = G.add_edge("SYMP:0000613", "HP:0001945", predicate="same_as")
>>> G.graph["aliases"] = build_alias_table(G)
>>> resolve(G, "HP:0001954"), sorted(equivalents(G, "SYMP:0000613"))
('HP:0001945', ['HP:0001945', 'SYMP:0000613'])
>>> resolve(G, "HP:9999999")
Traceback (most recent call last):
...
kg.errors.ConceptNotFound: concept 'HP:9999999' is not in the graph (2 nodes); search labels with `medkg concepts QUERY`
"""

from __future__ import annotations

import networkx as nx

from kg.errors import ConceptNotFound
from kg.vocab import Predicate, normalise_curie

__all__ = ["build_alias_table", "resolve", "equivalents", "try_resolve", "canonical"]

SAME_AS = Predicate.SAME_AS.value

# When an equivalence class has several nodes, the canonical one is picked by prefix.
CANONICAL_PREFIX_ORDER = ("HP", "OMIM", "ORPHA", "DECIPHER", "DOID", "MONDO", "DRUGBANK", "RXNORM", "SYMP",
                          "UMLS", "MESH", "ICD10CM")


def build_alias_table(G: nx.MultiDiGraph) -> dict[str, str]:
    """alias id -> node id for alt_ids and for obsolete terms with a replacement."""
    aliases: dict[str, str] = {}
    for node, data in G.nodes(data=True):
        for alt in data.get("alt_ids", ()):
            aliases.setdefault(alt, node)
        if data.get("obsolete") and data.get("replaced_by"):
            aliases[node] = data["replaced_by"]
    return aliases


def try_resolve(G: nx.MultiDiGraph, concept_id: str) -> str | None:
    """The node an id means, or None."""
    try:
        cid = normalise_curie(concept_id)
    except Exception:  # noqa: BLE001 - not a CURIE at all
        return None
    if cid in G and not G.nodes[cid].get("obsolete"):
        return cid
    aliases = G.graph.get("aliases", {})
    seen = set()
    while cid in aliases and cid not in seen:
        seen.add(cid)
        cid = aliases[cid]
        if cid in G and not G.nodes[cid].get("obsolete"):
            return cid
    return cid if cid in G else None


def resolve(G: nx.MultiDiGraph, concept_id: str) -> str:
    """The node an id means; raises :class:`ConceptNotFound` naming the id."""
    node = try_resolve(G, concept_id)
    if node is None:
        raise ConceptNotFound(
            f"concept {concept_id!r} is not in the graph ({G.number_of_nodes()} nodes); "
            f"search labels with `medkg concepts QUERY`"
        )
    return node


def equivalents(G: nx.MultiDiGraph, concept_id: str) -> set[str]:
    """Every node connected to ``concept_id`` by same_as edges (either direction), itself included."""
    from kg.paths import same_as_closure

    return same_as_closure(G, resolve(G, concept_id))


def canonical(G: nx.MultiDiGraph, concept_id: str) -> str:
    """One representative of an equivalence class (HPO, then OMIM, ORPHA, ... by prefix)."""
    nodes = equivalents(G, concept_id)
    order = {p: i for i, p in enumerate(CANONICAL_PREFIX_ORDER)}
    return min(nodes, key=lambda n: (order.get(n.split(":", 1)[0], 99), n))
