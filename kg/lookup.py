"""Concept look-up by label or synonym (for `medkg concepts`, autocomplete and guideline labels).

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("HP:0001945", label="Fever", synonyms=("Pyrexia",), category="PhenotypicFeature")
>>> G.add_node("HP:0002090", label="Pneumonia", category="PhenotypicFeature")
>>> [h.concept_id for h in ConceptIndex(G).search("pyrex")]
['HP:0001945']
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import networkx as nx

from kg.errors import InputError

__all__ = ["ConceptIndex", "ConceptHit", "normalise_name"]

_WS = re.compile(r"[\s\-_/,]+")


def normalise_name(text: str) -> str:
    return _WS.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class ConceptHit:
    concept_id: str
    label: str
    category: str
    matched: str          # the label or synonym that matched
    exact: bool


class ConceptIndex:
    """A sorted list of normalised names for prefix and substring search."""

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G
        entries = []
        for node, data in G.nodes(data=True):
            if data.get("obsolete") or not data.get("label"):
                continue
            for name in (data["label"], *data.get("synonyms", ()), *data.get("lay_synonyms", ())):
                entries.append((normalise_name(name), node, name))
        entries.sort()
        self._names = [e[0] for e in entries]
        self._entries = entries

    def search(self, query: str, limit: int = 20, category: str | None = None) -> list[ConceptHit]:
        q = normalise_name(query or "")
        if not q:
            raise InputError("concept query is empty")
        if len(q) > 500:
            raise InputError(f"concept query is too long ({len(q)} characters; at most 500)")
        hits: dict[str, ConceptHit] = {}

        def add(entry, exact):
            name, node, original = entry
            data = self.G.nodes[node]
            if category and data.get("category") != category:
                return
            if node not in hits:
                hits[node] = ConceptHit(node, data.get("label", ""), data.get("category", ""), original, exact)

        i = bisect.bisect_left(self._names, q)
        while i < len(self._names) and self._names[i].startswith(q) and len(hits) < limit:
            add(self._entries[i], self._names[i] == q)
            i += 1
        if len(hits) < limit:
            for entry in self._entries:
                if q in entry[0] and not entry[0].startswith(q):
                    add(entry, False)
                    if len(hits) >= limit:
                        break
        ranked = sorted(hits.values(), key=lambda h: (not h.exact, len(h.matched), h.label))
        return ranked[:limit]
