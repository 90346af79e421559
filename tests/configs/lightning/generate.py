#!/usr/bin/env python
"""Record the LR of every optimizer step for real LightningCLI configs.

For each config in sources.json this script

1. loads the YAML file (kept verbatim under configs/) with the same YAML loader
   jsonargparse/LightningCLI use for ``--config`` files (``jsonargparse``'s
   ``yaml_load``: e.g. ``lr: 1e-4`` is a float there, not a string as with PyYAML),
2. takes from it the ``optimizer`` and ``lr_scheduler`` sections *unchanged*, and
   the trainer length keys (``max_epochs``, ``max_steps``, ``accumulate_grad_batches``,
   ``limit_train_batches``) -- reducing only ones that are huge (recorded),
3. replaces the config's own ``model`` / ``data`` (which need the source repo's code,
   datasets and GPUs) by a tiny ``TinyModel`` (one ``torch.nn.Linear``) and a
   ``TinyDataModule`` of ``dataset_size`` items with ``batch_size``,
4. writes that derived config to a temporary YAML and runs the REAL
   ``lightning.pytorch.cli.LightningCLI(TinyModel, TinyDataModule, args=["--config", ...],
   run=False)`` (so the optimizer / lr_scheduler are parsed, instantiated and wired into
   ``configure_optimizers`` by LightningCLI itself), then ``cli.trainer.fit(...)`` on CPU,
5. records ``trainer.optimizers[0].param_groups[0]["lr"]`` in a Callback's
   ``on_before_optimizer_step`` (called once per real optimizer step, i.e. after
   gradient accumulation) -- one value per optimizer step.

Run with the venv made by setup_venv.sh:  .venv/bin/python generate.py
It writes expected.json next to this file (deterministic: no timings, no paths).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
import warnings
from pathlib import Path

import jsonargparse
import lightning
import torch
from jsonargparse._loaders_dumpers import yaml_load  # the loader LightningCLI's parser uses for --config
from lightning.pytorch import Callback, LightningDataModule, LightningModule
from lightning.pytorch.cli import LightningCLI
from torch.utils.data import DataLoader, TensorDataset

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Per-config run settings (tiny data; only the model/data are substituted).
#   dataset_size / batch_size: chosen so that steps per epoch is 3..20
#   trainer_override: length keys reduced because the original is huge
#   root: where the LightningCLI config sits inside the file (itwinai nests it)
#   plateau: deterministic fake metric for ReduceLROnPlateau configs
# ---------------------------------------------------------------------------
RUNS = {
    "tu_cifar10_resnet18_multisteplr": {"dataset_size": 40, "batch_size": 8},
    "tu_tinyimagenet_resnet18_cosine": {"dataset_size": 12, "batch_size": 4},
    "tu_muad_small_unet_steplr": {"dataset_size": 30, "batch_size": 10},
    "tu_cityscapes_segformer_steplr": {
        "dataset_size": 64,
        "batch_size": 8,
        "trainer_override": {"max_steps": 60},
    },
    "tu_camvid_deeplab_polynomiallr": {"dataset_size": 24, "batch_size": 8},
    "tu_kitti_bts_polynomiallr": {"dataset_size": 18, "batch_size": 4},
    "omatg_dng_linear_sde_mp_20_cosine": {"dataset_size": 9, "batch_size": 3},
    "itwinai_mnist_lightning_exponentiallr": {
        "dataset_size": 100,
        "batch_size": 32,
        "root": ["training_pipeline", "steps", 1, "config"],
    },
    "terratorch_forestnet_timm_cosine": {"dataset_size": 48, "batch_size": 16},
    "terratorch_od_substation_resnet50_cosine": {"dataset_size": 40, "batch_size": 4},
    "tu_muad_unet_batch_ensemble_multisteplr_acc2": {"dataset_size": 36, "batch_size": 4},
    "tu_muad_unet_masksemble_multisteplr_acc4": {"dataset_size": 40, "batch_size": 4},
    "terratorch_eurosat_plateau": {"dataset_size": 96, "batch_size": 32, "plateau": True},
    "terratorch_burn_scars_plateau": {"dataset_size": 20, "batch_size": 4, "plateau": True},
}

# Trainer keys taken from the config (everything else in the config's trainer section --
# accelerator/devices/precision/loggers/callbacks -- is replaced by CPU test settings).
TRAINER_KEYS = ("max_epochs", "max_steps", "accumulate_grad_batches", "limit_train_batches")

TEST_TRAINER = {
    "accelerator": "cpu",
    "devices": 1,
    "logger": False,
    "enable_checkpointing": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
    "num_sanity_val_steps": 0,
    "deterministic": True,
}

PLATEAU_DOC = (
    "fake monitored metric logged by TinyModel.on_train_epoch_end under the scheduler's `monitor` name: "
    "value(epoch) = max(0.5, 1.0 - 0.05 * epoch) (improves for 10 epochs, then flat at 0.5)"
)


def fake_metric(epoch: int) -> float:
    return max(0.5, 1.0 - 0.05 * epoch)


class TinyModel(LightningModule):
    """One Linear layer; optionally logs a deterministic fake metric for ReduceLROnPlateau."""

    def __init__(self, in_features: int = 4, monitor_name: str = "", log_fake_metric: bool = False) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(in_features, 1)
        self.monitor_name = monitor_name
        self.log_fake_metric = log_fake_metric

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def on_train_epoch_end(self) -> None:
        if self.log_fake_metric:
            self.log(self.monitor_name, fake_metric(self.current_epoch))


class TinyDataModule(LightningDataModule):
    def __init__(self, dataset_size: int = 16, batch_size: int = 4, in_features: int = 4) -> None:
        super().__init__()
        self.dataset_size = dataset_size
        self.batch_size = batch_size
        self.in_features = in_features

    def train_dataloader(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(self.dataset_size, self.in_features, generator=g)
        y = torch.randn(self.dataset_size, 1, generator=g)
        return DataLoader(TensorDataset(x, y), batch_size=self.batch_size, shuffle=False, num_workers=0)


class LRRecorder(Callback):
    """Records the LR the optimizer is about to use, once per optimizer step."""

    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.epochs: list[int] = []
        self.metrics: dict[int, float] = {}

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self.lrs.append(float(trainer.optimizers[0].param_groups[0]["lr"]))
        self.epochs.append(int(trainer.current_epoch))

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if pl_module.log_fake_metric:
            self.metrics[int(trainer.current_epoch)] = fake_metric(trainer.current_epoch)


def get_root(doc, path):
    for k in path or []:
        doc = doc[k]
    return doc


def run_one(src: dict) -> dict:
    run = RUNS[src["id"]]
    text = (HERE / src["file"]).read_text()
    cfg = get_root(yaml_load(text), run.get("root"))

    orig_trainer = cfg.get("trainer") or {}
    kept = {k: orig_trainer[k] for k in TRAINER_KEYS if k in orig_trainer}
    override = run.get("trainer_override", {})
    trainer = {**TEST_TRAINER, **kept, **override}

    sched = cfg["lr_scheduler"]
    monitor = (sched.get("init_args") or {}).get("monitor", "")
    derived = {
        "seed_everything": 0,
        "trainer": trainer,
        "model": {"in_features": 4, "monitor_name": monitor, "log_fake_metric": bool(run.get("plateau"))},
        "data": {"dataset_size": run["dataset_size"], "batch_size": run["batch_size"], "in_features": 4},
        "optimizer": cfg["optimizer"],
        "lr_scheduler": sched,
    }

    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = Path(tmp) / "derived.yaml"
        cfg_path.write_text(json.dumps(derived, indent=1))  # JSON is YAML; keeps floats exact
        cwd = os.getcwd()
        os.chdir(tmp)  # anything Lightning might write lands in the temp dir
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cli = LightningCLI(
                    TinyModel,
                    TinyDataModule,
                    args=["--config", str(cfg_path)],
                    run=False,
                    save_config_callback=None,
                )
                rec = LRRecorder()
                cli.trainer.callbacks.append(rec)
                cli.trainer.fit(cli.model, datamodule=cli.datamodule)
        finally:
            os.chdir(cwd)

    t = cli.trainer
    sconf = t.lr_scheduler_configs[0]
    opt = t.optimizers[0]
    n_batches = math.ceil(run["dataset_size"] / run["batch_size"])
    if t.limit_train_batches is not None and isinstance(t.limit_train_batches, int):
        n_batches = min(n_batches, t.limit_train_batches)
    acc = t.accumulate_grad_batches
    steps_per_epoch = math.ceil(n_batches / acc)

    entry = {
        "id": src["id"],
        "file": src["file"],
        "dataset_size": run["dataset_size"],
        "batch_size": run["batch_size"],
        "batches_per_epoch": n_batches,
        "steps_per_epoch": steps_per_epoch,
        "max_epochs": t.max_epochs,
        "max_steps": t.max_steps,
        "config_trainer": kept,
        "trainer_override": override,
        "accumulate_grad_batches": acc,
        "limit_train_batches": orig_trainer.get("limit_train_batches"),
        "interval": sconf.interval,
        "frequency": sconf.frequency,
        "reduce_on_plateau": sconf.reduce_on_plateau,
        "monitor": sconf.monitor,
        "optimizer": {
            "class_path": cfg["optimizer"]["class_path"],
            "resolved_class": f"{type(opt).__module__}.{type(opt).__qualname__}",
            "init_args": cfg["optimizer"].get("init_args", {}),
            "lr": float(cfg["optimizer"].get("init_args", {}).get("lr", opt.defaults["lr"])),
        },
        "scheduler": {
            "class_path": sched["class_path"],
            "resolved_class": f"{type(sconf.scheduler).__module__}.{type(sconf.scheduler).__qualname__}",
            "init_args": sched.get("init_args", {}),
        },
        "global_step": t.global_step,
        "epochs_run": t.current_epoch,
        "num_optimizer_steps": len(rec.lrs),
        "lr_after_training": float(opt.param_groups[0]["lr"]),
        "lrs": rec.lrs,
    }
    if run.get("plateau"):
        entry["fake_metric"] = {"doc": PLATEAU_DOC, "values": [rec.metrics[e] for e in sorted(rec.metrics)]}
    if run.get("root"):
        entry["config_root"] = run["root"]
    assert len(rec.lrs) == t.global_step, (src["id"], len(rec.lrs), t.global_step)
    return entry


def main() -> None:
    sources = json.loads((HERE / "sources.json").read_text())
    only = set(sys.argv[1:])
    entries = []
    for src in sources:
        if only and src["id"] not in only:
            continue
        e = run_one(src)
        print(f"{e['id']}: {e['num_optimizer_steps']} steps, {e['scheduler']['resolved_class']}", file=sys.stderr)
        entries.append(e)
    out = {
        "generated_by": "tests/configs/lightning/generate.py",
        "libraries": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "lightning": lightning.__version__,
            "jsonargparse": jsonargparse.__version__,
        },
        "notes": NOTES,
        "entries": entries,
    }
    if only:
        for e in entries:
            lrs = e["lrs"]
            changes = [(i, lr) for i, lr in enumerate(lrs) if i == 0 or lr != lrs[i - 1]]
            print(e["id"], e["scheduler"]["resolved_class"], e["interval"], e["monitor"], e["global_step"],
                  e["epochs_run"], "changes:", changes[:12])
        return
    (HERE / "expected.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


NOTES = [
    "lrs[i] is optimizer.param_groups[0]['lr'] read in Callback.on_before_optimizer_step of optimizer step i "
    "(0-based), i.e. the LR that optimizer.step() uses; one entry per optimizer step (== trainer.global_step).",
    "Each config's optimizer and lr_scheduler sections are used unchanged through the real LightningCLI "
    "(lightning.pytorch.cli.LightningCLI, auto_configure_optimizers=True). Its model/data are replaced by "
    "TinyModel (one Linear layer) and TinyDataModule(dataset_size, batch_size); its trainer section is replaced "
    "by CPU test settings except max_epochs/max_steps/accumulate_grad_batches/limit_train_batches, which are "
    "kept unless listed in trainer_override.",
    "LightningCLI.configure_optimizers returns [optimizer], [lr_scheduler] for every scheduler except its own "
    "ReduceLROnPlateau, so interval='epoch', frequency=1 (LRSchedulerConfig defaults); for ReduceLROnPlateau it "
    "returns {'scheduler': s, 'monitor': s.monitor}.",
    "Epoch-interval schedulers step once after the last batch of each epoch; a run stopped by max_steps "
    "mid-epoch does not step the scheduler for that partial epoch.",
    PLATEAU_DOC,
    "steps_per_epoch = ceil(batches_per_epoch / accumulate_grad_batches), batches_per_epoch = "
    "ceil(dataset_size / batch_size) (drop_last=False, no shuffling).",
]


if __name__ == "__main__":
    main()
