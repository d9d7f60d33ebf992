"""Cross-source links: ``same_as`` edges between concepts that two sources name differently.

:func:`link_sources` looks at the nodes every loaded source returned and adds, as the
pseudo-source ``medkg-links``:

* **SYMP <-> HP.** A Symptom Ontology term and an HPO term that mean the same thing. First by
  a shared UMLS or MeSH cross-reference; when a SYMP term's xrefs point at several HP terms,
  the ones whose label or exact synonym also matches are kept, and if that still leaves more
  than one the term is left unlinked (counted as ambiguous). Then, for SYMP terms still
  unlinked, by exact *normalised* name: label = label first, then label = exact synonym,
  then synonym = synonym; a tier that finds more than one HP term links nothing. One HP term
  per SYMP term; obsolete terms on either side are ignored; lay synonyms are not used.
* **RXNORM <-> DRUGBANK.** Drugs with the same normalised ingredient name (case, spacing and
  punctuation folded). Salts are handled conservatively: a trailing salt or ester word
  (``hydrochloride``, ``sodium``, ``acetate``...) is dropped only when something that is not
  a salt word remains ("calcium acetate" stays as is), and a salt-stripped name links two
  drugs only when exactly one drug on each side has it and neither was already linked by
  its exact name.

Each edge carries a ``note`` qualifier saying how it was matched. Resolving ids across
``same_as`` edges is the store's job, not this module's.

>>> normalise_name("  Non-Steroidal,  Anti-inflammatory ")
'non steroidal anti inflammatory'
>>> strip_salt("metformin hydrochloride"), strip_salt("calcium acetate"), strip_salt("sodium bicarbonate")
('metformin', 'calcium acetate', 'sodium bicarbonate')
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict

from kg.records import Edge, Node, SourceData
from kg.sources.disease_ontology import known_xref
from kg.vocab import Category, Predicate

__all__ = ["link_sources", "normalise_name", "strip_salt", "LINKS_SOURCE", "SALT_WORDS"]

LINKS_SOURCE = "medkg-links"
# Shared xref id spaces that identify one concept (ICD-10-CM codes are categories, so not used).
LINK_XREF_PREFIXES = ("UMLS", "MESH")
# Counter-ions and esters that name a form of an ingredient, not a different ingredient.
SALT_WORDS = frozenset("""
hydrochloride hcl dihydrochloride hydrobromide hydroiodide sodium disodium potassium dipotassium calcium
magnesium zinc lithium sulfate sulphate bisulfate mesylate mesilate besylate besilate tosylate maleate
fumarate hemifumarate succinate tartrate bitartrate citrate dicitrate lactate gluconate phosphate
diphosphate acetate diacetate propionate dipropionate valerate butyrate nitrate bromide chloride iodide
oxalate malate pamoate embonate stearate palmitate hyclate monohydrate dihydrate trihydrate anhydrous
hydrate
""".split())


def normalise_name(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w]+|_", " ", text)
    return " ".join(text.split())


def strip_salt(name: str) -> str:
    """Drop trailing salt/ester words from a normalised name while a non-salt word remains."""
    words = name.split()
    while len(words) > 1 and words[-1] in SALT_WORDS and any(w not in SALT_WORDS for w in words[:-1]):
        words.pop()
    return " ".join(words)


def _version(datas: list[SourceData]) -> str:
    text = "|".join(sorted(f"{d.name}:{d.version}" for d in datas))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _names(node: Node) -> tuple[str, list[str]]:
    return normalise_name(node.label), [normalise_name(s) for s in node.synonyms]


def _link_symptoms(symp: list[Node], hp: list[Node], version: str) -> tuple[list[Edge], dict[str, int]]:
    by_xref: dict[str, set[str]] = defaultdict(set)
    by_label: dict[str, set[str]] = defaultdict(set)
    by_synonym: dict[str, set[str]] = defaultdict(set)
    hp_names: dict[str, set[str]] = {}
    for n in hp:
        for x in n.xrefs:
            curie = known_xref(x)
            if curie and curie.split(":", 1)[0] in LINK_XREF_PREFIXES:
                by_xref[curie].add(n.id)
        label, syns = _names(n)
        if label:
            by_label[label].add(n.id)
        for s in syns:
            if s:
                by_synonym[s].add(n.id)
        hp_names[n.id] = {label, *syns}
    edges: list[Edge] = []
    stats = {"symp_unified_by_xref": 0, "symp_unified_by_label": 0, "symp_xref_ambiguous": 0,
             "symp_label_ambiguous": 0, "symp_terms": len(symp), "hp_terms": len(hp)}
    for s in sorted(symp, key=lambda n: n.id):
        label, syns = _names(s)
        names = {label, *syns} - {""}
        xrefs = [c for c in (known_xref(x) for x in s.xrefs) if c and c.split(":", 1)[0] in LINK_XREF_PREFIXES]
        candidates: dict[str, list[str]] = defaultdict(list)
        for curie in xrefs:
            for h in by_xref.get(curie, ()):
                candidates[h].append(curie)
        if len(candidates) > 1:
            named = {h: c for h, c in candidates.items() if hp_names[h] & names}
            candidates = named if len(named) == 1 else candidates
        if len(candidates) == 1:
            (h, via), = candidates.items()
            edges.append(Edge(s.id, Predicate.SAME_AS, h, LINKS_SOURCE, version,
                              qualifiers=(("note", f"shared xref {', '.join(sorted(set(via)))}"),)))
            stats["symp_unified_by_xref"] += 1
            continue
        if candidates:
            stats["symp_xref_ambiguous"] += 1
            continue
        tiers = (
            ("label", [label], by_label, "label"),
            ("label", [label], by_synonym, "exact synonym"),
            ("exact synonym", syns, by_label, "label"),
            ("exact synonym", syns, by_synonym, "exact synonym"),
        )
        for s_kind, keys, index, h_kind in tiers:
            found = {h: k for k in keys if k for h in index.get(k, ())}
            if len(found) == 1:
                (h, key), = found.items()
                edges.append(Edge(s.id, Predicate.SAME_AS, h, LINKS_SOURCE, version,
                                  qualifiers=(("note", f"SYMP {s_kind} = HP {h_kind} (normalised: {key!r})"),)))
                stats["symp_unified_by_label"] += 1
                break
            if len(found) > 1:
                stats["symp_label_ambiguous"] += 1
                break
    return edges, stats


def _link_drugs(rxnorm: list[Node], drugbank: list[Node], version: str) -> tuple[list[Edge], dict[str, int]]:
    def index(nodes: list[Node], key) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for n in nodes:
            k = key(normalise_name(n.label))
            if k:
                out[k].append(n.id)
        return out

    edges: list[Edge] = []
    linked: set[str] = set()
    stats = {"drugs_unified": 0, "drugs_unified_exact_name": 0, "drugs_unified_without_salt": 0,
             "rxnorm_drugs": len(rxnorm), "drugbank_drugs": len(drugbank)}
    rx_exact, db_exact = index(rxnorm, lambda k: k), index(drugbank, lambda k: k)
    for name in sorted(rx_exact.keys() & db_exact.keys()):
        for rx in rx_exact[name]:
            for db in db_exact[name]:
                edges.append(Edge(rx, Predicate.SAME_AS, db, LINKS_SOURCE, version,
                                  qualifiers=(("note", f"same normalised ingredient name {name!r}"),)))
                linked.update((rx, db))
                stats["drugs_unified_exact_name"] += 1
    rx_salt = index([n for n in rxnorm if n.id not in linked], strip_salt)
    db_salt = index([n for n in drugbank if n.id not in linked], strip_salt)
    for name in sorted(rx_salt.keys() & db_salt.keys()):
        if len(rx_salt[name]) == 1 and len(db_salt[name]) == 1:
            rx, db = rx_salt[name][0], db_salt[name][0]
            edges.append(Edge(rx, Predicate.SAME_AS, db, LINKS_SOURCE, version,
                              qualifiers=(("note", f"same ingredient name {name!r} once salt/ester words are dropped"),)))
            stats["drugs_unified_without_salt"] += 1
    stats["drugs_unified"] = stats["drugs_unified_exact_name"] + stats["drugs_unified_without_salt"]
    return edges, stats


def link_sources(datas: list[SourceData]) -> SourceData:
    """``same_as`` edges between the loaded sources' SYMP/HP terms and RXNORM/DRUGBANK drugs.

    >>> hpo = SourceData("hpo", "2025-01-16", nodes=[Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "hpo",
    ...                  xrefs=("UMLS:C0015967",))])
    >>> symp = SourceData("symptom-ontology", "2026-07-30", nodes=[Node("SYMP:0000613", Category.PHENOTYPIC_FEATURE,
    ...                   "fever", "symptom-ontology", xrefs=("UMLS:C0015967",))])
    >>> links = link_sources([hpo, symp])
    >>> [(e.subject, e.object, e.qualifier("note")) for e in links.edges]
    [('SYMP:0000613', 'HP:0001945', 'shared xref UMLS:C0015967')]
    >>> links.stats["symp_unified_by_xref"], links.stats["symp_unified_by_label"]
    (1, 0)
    """
    version = _version(datas)
    symp: list[Node] = []
    hp: list[Node] = []
    rxnorm: list[Node] = []
    drugbank: list[Node] = []
    for data in datas:
        for n in data.nodes:
            if n.obsolete:
                continue
            prefix = n.id.split(":", 1)[0]
            if prefix == "SYMP":
                symp.append(n)
            elif prefix == "HP" and n.category is Category.PHENOTYPIC_FEATURE:
                hp.append(n)
            elif prefix == "RXNORM" and n.category is Category.DRUG:
                rxnorm.append(n)
            elif prefix == "DRUGBANK" and n.category is Category.DRUG:
                drugbank.append(n)
    symp_edges, symp_stats = _link_symptoms(symp, hp, version)
    drug_edges, drug_stats = _link_drugs(rxnorm, drugbank, version)
    return SourceData(name=LINKS_SOURCE, version=version, nodes=[], edges=symp_edges + drug_edges,
                      stats={**symp_stats, **drug_stats, "same_as": len(symp_edges) + len(drug_edges)})
