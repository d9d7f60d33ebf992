"""Direction of quantitative phenotypes (increased / decreased), read from the HPO labels.

HPO has no "opposite of" relation: hypertension and hypotension are siblings under "Abnormal
systemic blood pressure" (IC 3.0 on the default graph), hyperkalemia and hypokalemia under
"Abnormal blood potassium concentration" (IC 4.5). An information-content threshold alone cannot
keep such pairs apart without dropping every partial match, so partial matches (through a shared
ancestor) also require that the finding and the annotation do not point in opposite directions.

A term's own direction comes from its label: +1 for an increase ("Hyper-", "Macro-", "Tachy-",
"Increased", "Elevated", "Tall", "Fever", ...), -1 for a decrease ("Hypo-", "Micro-", "Brady-",
"Decreased", "Reduced", "Short", ...), 0 when the label has neither or both; anatomical names
("large intestine", "long bone", "small vessel") are not directions. Directions are not inherited
(a descendant of a directional term nearly always repeats the word). Two terms are *opposite*
when their directions multiply to -1.

>>> label_direction("Hypertension"), label_direction("Hypotension"), label_direction("Seizure")
(1, -1, 0)
>>> label_direction("Decreased body weight"), label_direction("Polyhydramnios"), label_direction("Hypoplastic and enlarged x")
(-1, 1, 0)
>>> label_direction("Abnormality of the large intestine"), label_direction("Short long bones")
(0, -1)
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

__all__ = ["label_direction", "term_directions", "directional_matrix"]

# word prefixes (the label's words, lower case) and whole words that say "more" / "less"
_UP_PREFIXES = ("hyper", "macro", "megal", "tachy", "polyur", "polyhydr", "polydact", "polyphag", "polydips",
                "polycyth", "polymenor", "increase", "elevat", "excess", "enlarge", "accelerat", "overgrowth",
                "obes", "fever")
_UP_WORDS = ("high", "tall", "long", "large", "big", "wide", "broad", "thick", "advanced", "overweight")
_DOWN_PREFIXES = ("hypo", "micro", "brady", "oligur", "oligohydr", "oligodact", "oligodont", "oligomenor",
                  "decrease", "reduc", "diminish", "delay", "deficien", "underweight", "cachexi")
_DOWN_WORDS = ("low", "short", "small", "narrow", "thin")
_NOT_DIRECTION = ("hypothalam", "hypophys")   # anatomy, not "less"
_ANATOMY = re.compile(r"\b(?:large|small) (?:intestin\w*|bowel|vessels?|arter\w*|joints?|airways?)|\blong (?:bones?|fingers?|axis"
                      r"|arm|tract)|\bshort (?:bones?|arm)|\b(?:low|high)[- ]grade|\b(?:long|short)[- ]term")
_WORD = re.compile(r"[a-z]+")


def label_direction(label: str) -> int:
    """+1 (increase), -1 (decrease) or 0 (neither, or both) from a phenotype label."""
    up = down = False
    for w in _WORD.findall(_ANATOMY.sub(" ", label.lower())):
        if w.startswith(_NOT_DIRECTION):
            continue
        if w.startswith(_UP_PREFIXES) or w in _UP_WORDS:
            up = True
        if w.startswith(_DOWN_PREFIXES) or w in _DOWN_WORDS:
            down = True
    return int(up) - int(down)


def term_directions(T) -> np.ndarray:
    """(n_terms,) int8: each term's direction from its own label (not inherited: "Abnormality of the
    large intestine" would pass a direction to every intestinal term).

    Cached on the table (an underscore attribute, so never pickled).
    """
    cached = getattr(T, "_directions", None)
    if cached is not None:
        return cached
    out = np.array([label_direction(lbl or "") for lbl in T.term_labels], np.int8)
    T._directions = out
    return out


def directional_matrix(T, direction: int, values: str = "frequency", rows: str = "csc") -> sp.spmatrix:
    """``T.M`` built only from the annotations that are not opposite to ``direction`` (+1 or -1; 0: all):
    disease x term, the highest frequency of such an annotation at the term or a descendant.

    ``values="ic"``: the term's information content instead of the frequency (Resnik);
    ``rows="csr"``: the CSR form (for row subsets). Cached on the table.
    """
    cache = getattr(T, "_directional", None)
    if cache is None:
        cache = T._directional = {}
    key = (direction, values, rows)
    if key in cache:
        return cache[key]
    if values == "ic":
        m = directional_matrix(T, direction).copy()
        m.data = T.ic[np.repeat(np.arange(T.n_terms), np.diff(m.indptr))].astype(np.float32)
        cache[key] = m if rows == "csc" else m.tocsr()
        return cache[key]
    if rows == "csr":
        cache[key] = directional_matrix(T, direction).tocsr()
        return cache[key]
    if direction not in cache:
        from model.annotations import _max_matrix

        q = term_directions(T)
        keep = q[T.ann_t] != -direction if direction else np.ones(len(T.ann_t), bool)
        ann_d, ann_t, f = T.ann_d[keep], T.ann_t[keep], T.ann_f[keep].astype(np.float32)
        indptr, indices = T.anc.indptr, T.anc.indices
        counts = indptr[ann_t + 1] - indptr[ann_t]
        starts = np.repeat(indptr[ann_t], counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cache[direction] = _max_matrix(np.repeat(ann_d, counts), indices[starts + offs], np.repeat(f, counts),
                                       (T.n_diseases, T.n_terms)).tocsc()
    cache[key] = cache[direction]
    return cache[key]
