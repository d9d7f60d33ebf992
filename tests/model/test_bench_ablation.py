"""bench/diagnosis.py trains a model's ablation with the model's own training configuration (issue 17:
the shipped model, trained on every disease, was compared with an ablation trained on OMIM only)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from model.annotations import annotation_table
from model.train import TrainConfig, train
from tests.model.conftest import tiny_graph

BENCH = Path(__file__).resolve().parents[2] / "bench" / "diagnosis.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_diagnosis", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # its dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_ablation_copies_the_models_training_configuration(tmp_path):
    bench = _bench()
    G = tiny_graph()
    T = annotation_table(G)
    full = tmp_path / "every-disease"
    # the model under test: every disease as candidates, 4 patients each (not the bench's own defaults)
    cfg = TrainConfig.profile("tiny", candidates="", epochs=1, patients_per_disease=4)
    train(G, full, cfg, table=T)
    assert bench._comparable(bench.train_config_of(full)) == bench._comparable(cfg)
    logged = []
    abl = bench.get_ablation(G, T, full, tmp_path / "every-disease-nobias", "OMIM", None, logged.append)
    got = bench.train_config_of(tmp_path / "every-disease-nobias")
    assert got.model.graph_bias is False and cfg.model.graph_bias is True
    assert got.model.candidates == "" and got.simulation.patients_per_disease == 4 and got.epochs == 1
    meta_full = json.loads((full / "config.json").read_text())["train"]
    assert abl.meta["train"]["cases"] == meta_full["cases"]          # the same simulated patients
    # an ablation trained another way is retrained, one trained the same way is reused
    before = (tmp_path / "every-disease-nobias" / "model.safetensors").stat().st_mtime_ns
    bench.get_ablation(G, T, full, tmp_path / "every-disease-nobias", "OMIM", None, logged.append)
    assert (tmp_path / "every-disease-nobias" / "model.safetensors").stat().st_mtime_ns == before
