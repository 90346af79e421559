#!/usr/bin/env python
"""Record the LR of every optimizer step for real Composer / llm-foundry YAML configs.

For each config in sources.json this script

1. loads the YAML file (kept verbatim under configs/) with PyYAML and resolves the
   ``${...}`` interpolations it needs (``${variables.max_seq_len}``, ``${max_seq_len}``,
   ``${batch_size}``) the way OmegaConf would (plain key lookup from the config root),
2. builds the scheduler exactly as the project that owns the config builds it:
   * llm-foundry (``scheduler: {name: ..., **kwargs}``): ``name`` popped and looked up in
     llm-foundry's ``schedulers`` registry, the rest passed as keyword arguments
     (``llmfoundry/command_utils/train.py`` 373-374, ``llmfoundry/utils/builders.py`` 479-490,
     registrations in ``llmfoundry/optim/__init__.py`` 23-32; reproduced in LLMFOUNDRY_SCHEDULERS),
   * mosaicml/examples BERT (``examples/benchmarks/bert/main.py`` ``build_scheduler``, 108-118:
     only ``t_warmup`` and ``alpha_f`` are passed) and ResNet (``resnet_imagenet/main.py`` 124-125:
     ``CosineAnnealingWithWarmupScheduler(t_warmup, alpha_f)``, the YAML has no scheduler name),
   * mosaicml/diffusion (Hydra): ``_target_`` class with the other keys as keyword arguments,
   * old Composer YAHP configs (``schedulers:`` list/dict keyed by registry name):
     ``composer/optim/scheduler_hparams_registry.py`` 18-32 at composer commit 0acac4ca
     (reproduced in YAHP_SCHEDULERS),
3. builds the optimizer with the config's ``lr`` (Composer's DecoupledAdamW / DecoupledSGDW,
   torch AdamW / SGD / RAdam; llm-foundry's DecoupledLionW is replaced by DecoupledAdamW with the
   same lr -- the optimizer class does not change the lr in ``param_groups``),
4. runs the REAL ``composer.Trainer(...).fit()`` on CPU with a tiny model (one ``nn.Linear(4, 1)``
   in a ``ComposerModel``) and an in-memory DataLoader of ``dataset_size`` samples with
   ``batch_size`` per batch, the config's ``max_duration`` (overridden only where recorded),
   ``scale_schedule_ratio`` if written, ``step_schedulers_every_batch`` left at its default, and
   ``device_train_microbatch_size`` as run (recorded),
5. records ``state.optimizers[0].param_groups[0]['lr']`` in a Callback at ``Event.BEFORE_TRAIN_BATCH``
   and, independently, in a ``torch.optim.Optimizer.register_step_pre_hook`` (the value
   ``optimizer.step()`` is about to use); the two lists are asserted equal.

Tokens: llm-foundry's text dataloaders are wrapped in a ``DataSpec`` whose
``get_num_tokens_in_batch`` counts the batch's tokens; for packed (concatenated) text every row
is ``max_seq_len`` long, so it is ``batch_size * max_seq_len``.  The tiny DataLoader here is
wrapped in a ``composer.core.DataSpec`` with exactly that function (``max_seq_len`` as run).

Run with the venv made by setup_venv.sh:  .venv/bin/python generate.py
It writes expected.json next to this file (deterministic: no timings, no paths).
``generate.py <id> ...`` only prints a summary of those entries.
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import re
import sys
import tempfile
import warnings
from pathlib import Path

import composer
import torch
import yaml
from composer import Trainer
from composer.core import Callback, DataSpec, Event, State, Time, TimeUnit
from composer.loggers import Logger
from composer.models import ComposerModel
from composer.optim import (
    ConstantScheduler,
    ConstantWithWarmupScheduler,
    CosineAnnealingScheduler,
    CosineAnnealingWithWarmupScheduler,
    DecoupledAdamW,
    DecoupledSGDW,
    LinearWithWarmupScheduler,
    MultiStepWithWarmupScheduler,
    PolynomialScheduler,
)
from torch.utils.data import DataLoader, TensorDataset

HERE = Path(__file__).resolve().parent

# llm-foundry's scheduler registry (llmfoundry/optim/__init__.py 23-32 at 8c8dd48f).
# inv_sqrt_with_warmup -> llmfoundry.optim.scheduler.InverseSquareRootWithWarmupScheduler is not
# used by any config here (llm-foundry is not installed in the venv).
LLMFOUNDRY_SCHEDULERS = {
    "constant_with_warmup": ConstantWithWarmupScheduler,
    "cosine_with_warmup": CosineAnnealingWithWarmupScheduler,
    "linear_decay_with_warmup": LinearWithWarmupScheduler,
}

# Old Composer YAHP registry (composer/optim/scheduler_hparams_registry.py 18-32 at 0acac4ca);
# only the names used by the configs here.
YAHP_SCHEDULERS = {
    "constant": ConstantScheduler,
    "polynomial": PolynomialScheduler,
    "multistep_with_warmup": MultiStepWithWarmupScheduler,
    "cosine_decay": CosineAnnealingScheduler,
    "cosine_decay_with_warmup": CosineAnnealingWithWarmupScheduler,
    "linear_decay_with_warmup": LinearWithWarmupScheduler,
}

HYDRA_SCHEDULERS = {
    "composer.optim.LinearWithWarmupScheduler": LinearWithWarmupScheduler,
    "composer.optim.CosineAnnealingWithWarmupScheduler": CosineAnnealingWithWarmupScheduler,
}

# ---------------------------------------------------------------------------
# Per-config run settings.
#   kind: which builder applies (llmfoundry / examples_bert / examples_resnet / hydra / yahp)
#   root: where the trainer config sits (mcli run files nest it under `parameters:`)
#   batch_size: samples per batch as run (= global_train_batch_size / train_batch_size /
#               per-device batch_size of the config on ONE device, unless `overrides` says otherwise)
#   batches_per_epoch: dataset_size = batch_size * batches_per_epoch
#   microbatch: device_train_microbatch_size as run
#   max_seq_len: tokens per sample as run (only matters for `tok` times)
#   overrides: what differs from the config as written (also recorded in expected.json)
# ---------------------------------------------------------------------------
RUNS = {
    "llmfoundry_pretrain_mpt_125m_cosine": {"kind": "llmfoundry", "batches_per_epoch": 100},
    "llmfoundry_pretrain_hf_llama31_8b_short": {"kind": "llmfoundry", "batches_per_epoch": 100},
    "llmfoundry_pretrain_testing_cpu": {"kind": "llmfoundry", "batches_per_epoch": 100},
    "llmfoundry_finetune_mpt_7b_dolly_linear": {"kind": "llmfoundry", "batches_per_epoch": 60},
    "llmfoundry_finetune_7b_dolly_linear_nowarmup": {"kind": "llmfoundry", "batches_per_epoch": 40},
    "llmfoundry_finetune_dbrx_full_cosine_dur": {"kind": "llmfoundry", "batches_per_epoch": 50},
    "llmfoundry_mcli_1b_8k_cosine": {
        "kind": "llmfoundry",
        "root": ["parameters"],
        "batches_per_epoch": 100,
        "overrides": {"device_train_microbatch_size": 128},
    },
    "llmfoundry_branch_a1_cosine_tok": {
        "kind": "llmfoundry",
        "root": ["parameters"],
        "batches_per_epoch": 10,
        "overrides": {"device_train_microbatch_size": 128},
    },
    "llmfoundry_pr_gpt2_small_sam_tok": {"kind": "llmfoundry", "batches_per_epoch": 100},
    "examples_bert_main_mosaic_linear_sp": {
        "kind": "examples_bert",
        "batches_per_epoch": 100,
        "overrides": {"global_train_batch_size": 16384, "device_train_microbatch_size": 16384},
    },
    "examples_bert_glue_ft_mosaic_linear_ep": {"kind": "examples_bert", "batches_per_epoch": 20},
    "examples_resnet50_cosine_ep": {
        "kind": "examples_resnet",
        "batches_per_epoch": 5,
        "overrides": {"device_train_microbatch_size": 2048},
    },
    "examples_chatbot_finetune_composer_codebase_cosine": {
        "kind": "llmfoundry",
        "root": ["parameters"],
        "batches_per_epoch": 10,
    },
    "diffusion_sd2_base_256_linear_const": {
        "kind": "hydra",
        "batches_per_epoch": 100,
        "overrides": {"max_duration": "20000ba", "device_train_microbatch_size": 2048},
    },
    "diffusion_custom_autoencoder_cosine": {"kind": "hydra", "batches_per_epoch": 300},
    "composer_resnet56_cifar10_multistep": {"kind": "yahp", "batches_per_epoch": 5},
    "composer_deeplabv3_ade20k_polynomial": {"kind": "yahp", "batches_per_epoch": 4},
    "composer_unet_constant": {"kind": "yahp", "batches_per_epoch": 3},
    "composer_gpt3_125m_cosine_grad_accum": {"kind": "yahp", "batches_per_epoch": 100},
    "composer_recipe_resnet50_mild_ssr": {"kind": "yahp", "batches_per_epoch": 5},
    "composer_recipe_resnet50_spicy_ssr": {"kind": "yahp", "batches_per_epoch": 5},
}

_INTERP = re.compile(r"^\$\{([^}]+)\}$")


def resolve(value, root):
    """Resolve a whole-string OmegaConf interpolation ``${a.b}`` by key lookup from the root."""
    while isinstance(value, str) and _INTERP.match(value):
        node = root
        for k in _INTERP.match(value).group(1).split("."):
            node = node[k]
        value = node
    return value


def get_path(doc, path):
    for k in path or []:
        doc = doc[k]
    return doc


# ---------------------------------------------------------------------------
# Reading the config as each project reads it
# ---------------------------------------------------------------------------
def read_config(run_id: str, full: dict) -> dict:
    """Return the fields that matter, as written (strings/numbers from the YAML)."""
    run = RUNS[run_id]
    kind = run["kind"]
    cfg = get_path(full, run.get("root"))
    r = lambda v: resolve(v, cfg)  # noqa: E731
    out = {"kind": kind}
    if kind in ("llmfoundry", "examples_bert"):
        sched = dict(cfg["scheduler"])
        out["scheduler_as_written"] = dict(sched)
        name = sched.pop("name")
        if kind == "llmfoundry":
            cls = LLMFOUNDRY_SCHEDULERS[name]
            kwargs = sched  # everything else is passed through
        else:  # examples/benchmarks/bert/main.py build_scheduler
            cls = LLMFOUNDRY_SCHEDULERS[name]
            kwargs = {"t_warmup": sched["t_warmup"], "alpha_f": sched["alpha_f"]}
        out["scheduler_name"] = name
        out["schedulers"] = [(cls, kwargs)]
        opt = cfg["optimizer"]
        out["optimizer_as_written"] = dict(opt)
        out["optimizer_name"] = opt["name"]
        out["lr"] = float(opt["lr"])
        out["max_duration"] = str(cfg["max_duration"])
        out["global_train_batch_size"] = int(cfg["global_train_batch_size"])
        mb = cfg.get("device_train_microbatch_size")
        out["device_train_microbatch_size"] = mb
        out["max_seq_len"] = r(cfg.get("max_seq_len")) if "max_seq_len" in cfg else None
        out["scale_schedule_ratio"] = cfg.get("scale_schedule_ratio")
    elif kind == "examples_resnet":
        sched = dict(cfg["scheduler"])
        out["scheduler_as_written"] = dict(sched)
        out["scheduler_name"] = None
        out["schedulers"] = [(CosineAnnealingWithWarmupScheduler, {"t_warmup": sched["t_warmup"], "alpha_f": sched["alpha_f"]})]
        out["optimizer_as_written"] = dict(cfg["optimizer"])
        out["optimizer_name"] = "DecoupledSGDW (examples resnet_imagenet/main.py 118)"
        out["lr"] = float(cfg["optimizer"]["lr"])
        out["max_duration"] = str(cfg["max_duration"])
        out["global_train_batch_size"] = int(cfg["train_dataset"]["batch_size"])
        out["device_train_microbatch_size"] = cfg.get("device_train_microbatch_size")
        out["max_seq_len"] = None
        out["scale_schedule_ratio"] = None
    elif kind == "hydra":
        sched = dict(cfg["scheduler"])
        out["scheduler_as_written"] = dict(sched)
        target = sched.pop("_target_")
        out["scheduler_name"] = target
        out["schedulers"] = [(HYDRA_SCHEDULERS[target], sched)]
        opt = cfg["optimizer"]
        out["optimizer_as_written"] = dict(opt)
        out["optimizer_name"] = opt["_target_"]
        # diffusion/train.py 26-51: an autoencoder run takes param group 0's lr from `autoencoder_optimizer`
        out["lr"] = float(opt["lr"] if "lr" in opt else cfg["autoencoder_optimizer"]["lr"])
        tr = cfg["trainer"]
        out["max_duration"] = str(tr["max_duration"])
        bs = cfg["batch_size"] if "batch_size" in cfg else cfg["dataset"]["train_batch_size"]
        out["global_train_batch_size"] = int(r(bs))
        out["device_train_microbatch_size"] = tr.get("device_train_microbatch_size")
        out["max_seq_len"] = None
        out["scale_schedule_ratio"] = tr.get("scale_schedule_ratio")
    elif kind == "yahp":
        sch = cfg["schedulers"]
        out["scheduler_as_written"] = sch
        items = []
        for d in (sch if isinstance(sch, list) else [{k: v} for k, v in sch.items()]):
            ((name, kwargs),) = d.items()
            items.append((name, dict(kwargs or {})))
        out["scheduler_name"] = [n for n, _ in items]
        out["schedulers"] = [(YAHP_SCHEDULERS[n], kw) for n, kw in items]
        ((oname, okw),) = cfg["optimizers"].items()
        out["optimizer_as_written"] = {oname: okw}
        out["optimizer_name"] = oname
        out["lr"] = float(okw["lr"])
        out["max_duration"] = str(cfg["max_duration"])
        out["global_train_batch_size"] = int(cfg["train_batch_size"])
        ga = cfg.get("grad_accum", 1)
        out["grad_accum"] = ga
        out["device_train_microbatch_size"] = out["global_train_batch_size"] // int(ga)
        out["max_seq_len"] = None
        out["scale_schedule_ratio"] = cfg.get("scale_schedule_ratio")
    else:
        raise ValueError(kind)
    return out


def build_optimizer(name, lr, params):
    if name in ("decoupled_adamw",):
        return DecoupledAdamW(params, lr=lr), "composer.optim.DecoupledAdamW"
    if name in ("decoupled_lionw",):
        return DecoupledAdamW(params, lr=lr), "composer.optim.DecoupledAdamW (substitute for llmfoundry DecoupledLionW)"
    if name == "decoupled_sgdw" or str(name).startswith("DecoupledSGDW"):
        return DecoupledSGDW(params, lr=lr), "composer.optim.DecoupledSGDW"
    if name == "torch.optim.AdamW":
        return torch.optim.AdamW(params, lr=lr), "torch.optim.AdamW"
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr), "torch.optim.SGD"
    if name == "radam":
        return torch.optim.RAdam(params, lr=lr), "torch.optim.RAdam"
    raise ValueError(name)


# ---------------------------------------------------------------------------
# Tiny model / data / recorder
# ---------------------------------------------------------------------------
class TinyModel(ComposerModel):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def forward(self, batch):
        x, _ = batch
        return self.layer(x)

    def loss(self, outputs, batch, *args, **kwargs):
        _, y = batch
        return torch.nn.functional.mse_loss(outputs, y)


class LRRecorder(Callback):
    """lr of param_groups[0] at Event.BEFORE_TRAIN_BATCH (once per batch = per optimizer step)."""

    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.batches: list[int] = []

    def before_train_batch(self, state: State, logger: Logger) -> None:
        self.lrs.append(float(state.optimizers[0].param_groups[0]["lr"]))
        self.batches.append(int(state.timestamp.batch))


def run_one(src: dict) -> dict:
    run = RUNS[src["id"]]
    full = yaml.safe_load((HERE / src["file"]).read_text())
    c = read_config(src["id"], full)
    ov = dict(run.get("overrides", {}))

    batch_size = int(ov.get("global_train_batch_size", c["global_train_batch_size"]))
    mb_written = c["device_train_microbatch_size"]
    if "device_train_microbatch_size" in ov:
        microbatch = int(ov["device_train_microbatch_size"])
    else:
        microbatch = min(int(mb_written), batch_size)  # llm-foundry caps it at the device batch
    max_seq_len = int(ov.get("max_seq_len", c["max_seq_len"] or 1))
    max_duration = ov.get("max_duration", c["max_duration"])
    ssr = float(c["scale_schedule_ratio"]) if c["scale_schedule_ratio"] is not None else 1.0
    n_batches = run["batches_per_epoch"]
    dataset_size = batch_size * n_batches

    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(dataset_size, 4, generator=g)
    y = torch.randn(dataset_size, 1, generator=g)
    ds = TensorDataset(x, y)
    # Batches are fetched whole (TensorDataset indexed by a slice) instead of being collated sample by sample --
    # the same batches as DataLoader(ds, batch_size, shuffle=False, drop_last=False), much faster.
    slices = [slice(i, min(i + batch_size, dataset_size)) for i in range(0, dataset_size, batch_size)]
    loader = DataLoader(ds, sampler=slices, batch_size=None, num_workers=0)
    data = DataSpec(loader, get_num_tokens_in_batch=lambda b: int(b[0].shape[0]) * max_seq_len)

    model = TinyModel()
    optimizer, opt_class = build_optimizer(c["optimizer_name"], c["lr"], model.parameters())
    hook_lrs: list[float] = []
    optimizer.register_step_pre_hook(lambda opt, a, k: hook_lrs.append(float(opt.param_groups[0]["lr"])))
    schedulers = [cls(**kw) for cls, kw in c["schedulers"]]
    rec = LRRecorder()

    entry_err = None
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trainer = Trainer(
                    model=model,
                    train_dataloader=data,
                    optimizers=optimizer,
                    schedulers=schedulers,
                    max_duration=max_duration,
                    scale_schedule_ratio=ssr,
                    device="cpu",
                    device_train_microbatch_size=microbatch,
                    callbacks=[rec],
                    loggers=[],
                    progress_bar=False,
                    log_to_console=False,
                    seed=0,
                    save_folder=None,
                )
                trainer.fit()
        except Exception as e:  # a config that Composer itself rejects
            entry_err = f"{type(e).__name__}: {e}"
        finally:
            os.chdir(cwd)

    entry = {
        "id": src["id"],
        "file": src["file"],
        "kind": c["kind"],
        "scheduler_as_written": c["scheduler_as_written"],
        "scheduler_name": c["scheduler_name"],
        "scheduler_built": [
            {"class": f"{cls.__module__}.{cls.__qualname__}", "kwargs": kw} for cls, kw in c["schedulers"]
        ],
        "optimizer_as_written": c["optimizer_as_written"],
        "optimizer_run": opt_class,
        "lr": c["lr"],
        "max_duration_as_written": c["max_duration"],
        "max_duration_as_run": str(max_duration),
        "scale_schedule_ratio": ssr,
        "global_train_batch_size_as_written": c["global_train_batch_size"],
        "device_train_microbatch_size_as_written": mb_written,
        "max_seq_len_as_written": c["max_seq_len"],
        "overrides": ov,
        "dataset_size": dataset_size,
        "batch_size": batch_size,
        "batches_per_epoch": n_batches,
        "device_train_microbatch_size": microbatch,
        "microbatches_per_batch": math.ceil(batch_size / microbatch),
        "max_seq_len": max_seq_len,
        "tokens_per_batch": batch_size * max_seq_len,
    }
    if "grad_accum" in c:
        entry["grad_accum_as_written"] = c["grad_accum"]
    if entry_err is not None:
        entry["error"] = entry_err
        entry["n_steps"] = len(rec.lrs)
        entry["lrs"] = rec.lrs
        return entry
    state = trainer.state
    assert rec.lrs == hook_lrs, (src["id"], len(rec.lrs), len(hook_lrs))
    assert rec.batches == list(range(len(rec.lrs)))
    assert len(rec.lrs) == int(state.timestamp.batch)
    entry.update(
        {
            "max_duration_in_trainer": str(state.max_duration),
            "n_steps": len(rec.lrs),
            "final_timestamp": {
                "epoch": int(state.timestamp.epoch),
                "batch": int(state.timestamp.batch),
                "sample": int(state.timestamp.sample),
                "token": int(state.timestamp.token),
            },
            "lr_after_training": float(optimizer.param_groups[0]["lr"]),
            "lrs": rec.lrs,
        }
    )
    trainer.close()
    return entry


NOTES = [
    "lrs[i] is optimizer.param_groups[0]['lr'] at Event.BEFORE_TRAIN_BATCH of batch i (0-based) -- asserted equal to "
    "the value seen by a torch optimizer step pre-hook, i.e. the lr optimizer.step() uses; one value per batch = per "
    "optimizer step (len(lrs) == state.timestamp.batch at the end). With device_train_microbatch_size < batch_size the "
    "batch is split into microbatches whose gradients are accumulated; there is still ONE optimizer.step() and ONE "
    "scheduler.step() per batch, and timestamp.batch counts batches (optimizer steps), not microbatches.",
    "Schedulers are built from the config as the owning project builds them (see generate.py docstring); the Trainer "
    "gets them as ComposerSchedulers, compiles each into a torch LambdaLR (lr = optimizer lr * scheduler(state, ssr)) "
    "and, because no torch scheduler is given, steps them every batch (step_schedulers_every_batch default).",
    "The model/data of every config are replaced by a one-Linear ComposerModel and an in-memory DataLoader of "
    "dataset_size = batch_size * batches_per_epoch samples (shuffle=False, drop_last=False), run on ONE CPU device "
    "(batch_size = the config's global train batch size unless listed in overrides). Tokens per batch = batch_size * "
    "max_seq_len (DataSpec.get_num_tokens_in_batch, as llm-foundry's packed text loaders count them).",
    "Every difference from the config as written is listed in the entry's `overrides`; `error` (if present) is the "
    "exception Composer raised for the config as written (lrs then holds the lrs of the batches run before it).",
    "Optimizers: only lr matters for param_groups[0]['lr']; llmfoundry's DecoupledLionW is replaced by Composer's "
    "DecoupledAdamW with the same lr, other optimizer arguments are not passed.",
]


def main() -> None:
    logging.disable(logging.WARNING)
    sources = json.loads((HERE / "sources.json").read_text())
    only = set(sys.argv[1:])
    entries = []
    for src in sources:
        if only and src["id"] not in only:
            continue
        e = run_one(src)
        print(f"{e['id']}: {e['n_steps']} steps {e.get('error', '')}", file=sys.stderr)
        entries.append(e)
    if only:
        for e in entries:
            lrs = e["lrs"]
            print(e["id"], e.get("max_duration_in_trainer"), e["n_steps"], "first:", lrs[:4], "last:", lrs[-3:],
                  e.get("error", ""))
        return
    out = {
        "generated_by": "tests/configs/composer/generate.py",
        "libraries": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "mosaicml": composer.__version__,
            "pyyaml": yaml.__version__,
        },
        "notes": NOTES,
        "entries": entries,
    }
    (HERE / "expected.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
