"""Train the graph Transformer on simulated patients (CPU), calibrate it, save the model folder.

>>> TrainConfig.profile("tiny").epochs
3
>>> TrainConfig.profile("tiny", seed=3).seed
3
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import resource
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import networkx as nx
import numpy as np
import torch
import torch.nn.functional as Fnn

from kg.errors import ConfigError, ModelError
from model.annotations import AnnotationTable, annotation_table
from model.graph_transformer import (CaseFeatures, GraphTransformer, GTConfig, TransformerRanker, _vocab_index,
                                     collate, featurize, text_embeddings)
from model.simulate import SimulationConfig, SimulatedPatient, simulate_patients

__all__ = ["TrainConfig", "TrainResult", "train", "PROFILES"]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]   # (stage, done, total)


@dataclass(frozen=True)
class TrainConfig:
    model: GTConfig = field(default_factory=GTConfig)
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    epochs: int = 8
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.1
    seed: int = 0
    workers: int = 2
    threads: int = 1               # torch threads; >1 oversubscribes badly when the 2 cores are shared (9x slower measured)
    time_budget_s: float = 1500.0   # stop training epochs early past this (featurisation included)
    disease_fraction: float = 1.0   # simulate patients for this share of the candidate diseases
    # the temperature is fitted on the held-out simulated patients scored against a graph without this
    # share of their diseases' annotation rows: a new patient is never exactly what the sources describe
    calibration_withheld: float = 0.5

    @staticmethod
    def profile(name: str, **overrides) -> "TrainConfig":
        if name not in PROFILES:
            raise ConfigError(f"unknown training profile {name!r}; valid profiles: {', '.join(PROFILES)}")
        cfg = PROFILES[name]
        model_over = {k: v for k, v in overrides.items() if k in GTConfig.__dataclass_fields__}
        # "seed" is the run's seed (train() seeds the simulation from it), never only the simulation's
        sim_over = {k: v for k, v in overrides.items() if k in SimulationConfig.__dataclass_fields__ and k != "seed"}
        rest = {k: v for k, v in overrides.items() if k not in model_over and k not in sim_over}
        return replace(cfg, model=replace(cfg.model, **model_over), simulation=replace(cfg.simulation, **sim_over), **rest)


PROFILES: dict[str, TrainConfig] = {
    # one simulated patient per candidate disease, 4 epochs: 62 s on 2 quiet cores for the OMIM diseases
    # of the HPO graph, 100 s for all of its diseases (`medkg train` on the default graph). Longer
    # schedules fit the simulator better but rank real dev cases worse (1,500-case dev sample:
    # 8 epochs top-10 0.605 vs 0.633 for 4; 2 epochs 0.628): fewer steps stay closer to the
    # LR / Resnik prior the model starts from.
    "default": TrainConfig(simulation=SimulationConfig(patients_per_disease=1), epochs=4, time_budget_s=1700.0),
    # under a minute: half the diseases (dev sample: top-10 0.633 vs 0.633 for the default)
    "quick": TrainConfig(simulation=SimulationConfig(patients_per_disease=1), disease_fraction=0.5, epochs=4,
                         time_budget_s=330.0),
    # seconds: tests on the hand-made fixture graph
    "tiny": TrainConfig(model=GTConfig(dim=16, heads=2, ffn=32, shortlist=5, text_encoder="hashing", dropout=0.0),
                        simulation=SimulationConfig(patients_per_disease=8), epochs=3, batch_size=8, workers=0,
                        time_budget_s=60.0),
}


@dataclass
class TrainResult:
    folder: Path
    train_cases: int
    val_cases: int
    val_top1: float
    val_top1_lr: float
    temperature: float
    seconds: float
    peak_rss_mb: float
    epochs_run: int


# featurisation in worker processes (fork: the table is shared copy-on-write)
_W: dict = {}


def _feat_one(p: SimulatedPatient) -> CaseFeatures:
    T, cfg, vocab_of, mask = _W["T"], _W["cfg"], _W["vocab_of"], _W["mask"]
    return featurize(T, list(p.present), list(p.absent), cfg, vocab_of, mask, target=p.disease)[0]


def _featurize_all(T, patients, cfg, vocab_of, mask, workers, progress: Progress | None, stage: str):
    _W.update(T=T, cfg=cfg, vocab_of=vocab_of, mask=mask)
    out: list[CaseFeatures] = []
    total = len(patients)
    if workers and workers > 1 and total > 200:
        ctx = mp.get_context("fork")
        with ctx.Pool(workers) as pool:
            for i, f in enumerate(pool.imap(_feat_one, patients, chunksize=64)):
                out.append(f)
                if progress and i % 500 == 0:
                    progress(stage, i, total)
    else:
        for i, p in enumerate(patients):
            out.append(_feat_one(p))
            if progress and i % 500 == 0:
                progress(stage, i, total)
    if progress:
        progress(stage, total, total)
    return out


def _fit_temperature(logits: list[torch.Tensor], targets: list[int]) -> float:
    """Temperature minimising the NLL of the true disease on held-out simulated patients."""
    pairs = [(lg, t) for lg, t in zip(logits, targets) if t >= 0]
    if not pairs:
        return 1.0
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 41)):
        nll = float(np.mean([-torch.log_softmax(lg / t, dim=0)[y].item() for lg, y in pairs]))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


@torch.no_grad()
def _shortlist_logits(model: GraphTransformer, feats: list[CaseFeatures]) -> tuple[list[torch.Tensor], list[int]]:
    logits, targets = [], []
    for s in range(0, len(feats), 256):
        chunk = feats[s:s + 256]
        out = model(collate(chunk))
        for i, f in enumerate(chunk):
            logits.append(out[i, :len(f.shortlist)])
            targets.append(f.target)
    return logits, targets


def train(G: nx.MultiDiGraph | None, out_dir: Path, config: TrainConfig = TrainConfig(), *,
          progress: Progress | None = None, table: AnnotationTable | None = None,
          cache_dir: Path | None = None) -> TrainResult:
    """Simulate patients from ``G``'s annotations, train the graph Transformer, calibrate, save to ``out_dir``.

    ``table`` overrides the annotation table (e.g. with references removed by the leak filter);
    ``cache_dir`` caches the annotation table and the label-text embeddings.
    """
    t0 = time.time()
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    torch.set_num_threads(max(1, config.threads))
    mcfg = config.model
    if table is None:
        if G is None:
            raise ModelError("train needs a graph G or an annotation table")
        table = annotation_table(G, cache_dir, mcfg.default_frequency)
    T = table
    if progress:
        progress("text embeddings", 0, 1)
    cache = Path(cache_dir) / f"text-{mcfg.text_encoder}-{T.graph_version}-{T.n_terms}.npy" if cache_dir else None
    text = text_embeddings(T.term_labels, mcfg.text_encoder, cache=cache)
    vocab = ["<pad>"] + list(T.terms)
    text = np.concatenate([np.zeros((1, text.shape[1]), np.float32), text])
    vocab_of = _vocab_index(vocab, T)
    prefixes = tuple(p.strip() for p in mcfg.candidates.split(",") if p.strip())
    mask = np.array([not prefixes or d.split(":", 1)[0] in prefixes for d in T.diseases], bool)
    diseases = [d for d in np.flatnonzero(mask).tolist() if len(T.disease_terms[d])]
    if not diseases:
        raise ModelError("no candidate disease has annotations to simulate patients from")
    rng = np.random.default_rng(config.seed)
    if config.disease_fraction < 1.0:
        keep = max(1, int(round(len(diseases) * config.disease_fraction)))
        diseases = sorted(rng.choice(diseases, keep, replace=False).tolist())
    patients = simulate_patients(T, replace(config.simulation, seed=config.seed), diseases)
    order = rng.permutation(len(patients))
    n_val = max(1, int(len(patients) * config.val_fraction))
    val_p = [patients[i] for i in order[:n_val]]
    tr_p = [patients[i] for i in order[n_val:]]
    tr = _featurize_all(T, tr_p, mcfg, vocab_of, mask, config.workers, progress, "featurise train")
    va = _featurize_all(T, val_p, mcfg, vocab_of, mask, config.workers, progress, "featurise val")
    tr_use = [f for f in tr if f.target >= 0]
    model = GraphTransformer(mcfg, torch.from_numpy(text))
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, (len(tr_use) + config.batch_size - 1) // config.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=steps_per_epoch * config.epochs,
                                                pct_start=0.1)
    # bucket by size so padding stays small
    epochs_run = 0
    for epoch in range(config.epochs):
        if time.time() - t0 > config.time_budget_s and epoch > 0:
            log.warning("time budget %.0fs reached after %d epochs", config.time_budget_s, epoch)
            break
        model.train()
        perm = rng.permutation(len(tr_use))
        total_loss = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * config.batch_size:(s + 1) * config.batch_size]
            if len(idx) == 0:
                continue
            b = collate([tr_use[i] for i in idx])
            logits = model(b)
            loss = Fnn.cross_entropy(logits, b.target)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total_loss += loss.item()
            if progress and s % 20 == 0:
                progress(f"epoch {epoch + 1}/{config.epochs} loss {total_loss / (s + 1):.3f}", s, steps_per_epoch)
        epochs_run += 1
    model.eval()
    val_logits, val_targets = _shortlist_logits(model, va)
    val_top1 = float(np.mean([int(lg.argmax()) == t for lg, t in zip(val_logits, val_targets)]))
    val_top1_lr = float(np.mean([t == 0 for t in val_targets]))
    if config.calibration_withheld > 0:
        T_cal = T.withhold_rows({p.disease for p in val_p}, config.calibration_withheld, config.seed)
        va_cal = _featurize_all(T_cal, val_p, mcfg, vocab_of, mask, config.workers, progress, "featurise calibration")
        temperature = _fit_temperature(*_shortlist_logits(model, va_cal))
    else:
        temperature = _fit_temperature(val_logits, val_targets)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    seconds = time.time() - t0
    ranker = TransformerRanker(G, T, model, vocab, temperature,
                               meta={"trained_graph_version": T.graph_version,
                                     "train": {"cases": len(tr_use), "val_cases": len(va), "val_top1": val_top1,
                                               "val_top1_lr": val_top1_lr, "seconds": round(seconds, 1),
                                               "peak_rss_mb": round(peak, 1), "epochs": epochs_run,
                                               "removed_rows": T.removed_rows,
                                               "config": json.loads(json.dumps(asdict(config), default=str))}})
    folder = ranker.save(Path(out_dir))
    return TrainResult(folder, len(tr_use), len(va), val_top1, val_top1_lr, temperature, seconds, peak, epochs_run)
