#!/usr/bin/env python3
"""Record, on CPU, the learning rate of every optimizer step that torchtune's
own single-device recipes use for each config in configs/.

Method (per run in RUNS):
  * the verbatim YAML is loaded with OmegaConf;
  * only what would need a download or a GPU is overridden (tiny llama2 /
    lora_llama2 model saved to a temp dir and loaded by the real
    FullModelTorchTuneCheckpointer, a stub tokenizer, a synthetic map-style
    data set of N items, device=cpu, dtype=fp32, compile off, activation
    checkpointing off, DiskLogger to a temp dir, profiler off); optimizers /
    losses / scheduler paths that do not exist in the installed torchtune are
    substituted and the substitution is recorded;
  * batch_size, epochs, gradient_accumulation_steps, max_steps_per_epoch,
    optimizer_in_bwd, shuffle, the optimizer's lr and the lr_scheduler node are
    the config's own;
  * the installed recipe class (site-packages/recipes/<recipe>.py) is built,
    its real setup(cfg) computes steps_per_epoch / num_training_steps /
    last_epoch and instantiates the scheduler, and its real train() loop runs;
  * a global optimizer step pre-hook records param_groups[0]["lr"] of the
    optimizer the scheduler drives, each time its step() is called.

Cross-checks asserted for every run: the LRs equal (a) the LRs the recipe
itself logs through DiskLogger (logged at global step g, after
lr_scheduler.step(), = the LR of optimizer step g+1), and (b) a fresh
config.instantiate() of the lr_scheduler node on a throw-away SGD optimizer
stepped num_training_steps times.

Usage:  .venv/bin/python generate.py [--only ID ...] [--out expected.json]
"""

import argparse
import importlib.util
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

HERE = Path(__file__).resolve().parent
os.environ.setdefault("TQDM_DISABLE", "1")  # before tqdm is imported by torchtune
sys.path.insert(0, str(HERE))

import torch  # noqa: E402
import torchtune  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402
from torch.optim.optimizer import register_optimizer_step_pre_hook  # noqa: E402
from torchtune import config as tt_config  # noqa: E402
from torchtune.config._utils import _get_component_from_path  # noqa: E402

import tt_stubs  # noqa: E402,F401

RECIPES_DIR = Path(torchtune.__file__).resolve().parent.parent / "recipes"
RECIPE_CLASSES = {
    "full_finetune_single_device": "FullFinetuneRecipeSingleDevice",
    "lora_finetune_single_device": "LoRAFinetuneRecipeSingleDevice",
    "lora_dpo_single_device": "LoRADPORecipeSingleDevice",
}
CURRENT_SCHEDULER = "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup"

TINY = dict(
    vocab_size=tt_stubs.VOCAB_SIZE,
    num_layers=1,
    num_heads=2,
    num_kv_heads=2,
    embed_dim=16,
    max_seq_len=32,
    intermediate_dim=32,
)
LORA_KEYS = (
    "lora_attn_modules",
    "apply_lora_to_mlp",
    "apply_lora_to_output",
    "lora_rank",
    "lora_alpha",
    "lora_dropout",
    "use_dora",
)

# (run id, source id, dataset size N).  N is chosen per config so that the
# dataloader length is not a multiple of gradient_accumulation_steps where
# possible, and so that warmup, cosine decay and edge cases all show up.
RUNS = [
    ("tt_head_llama3_2_1B_lora_single_device", "tt_head_llama3_2_1B_lora_single_device", 4823),
    ("tt_head_llama3_2_1B_lora_single_device__tiny_N20", "tt_head_llama3_2_1B_lora_single_device", 20),
    ("tt_head_qwen2_5_0.5B_lora_single_device", "tt_head_qwen2_5_0.5B_lora_single_device", 1927),
    ("tt_head_gemma2_2B_lora_single_device", "tt_head_gemma2_2B_lora_single_device", 2573),
    ("tt_head_qwen3_0.6B_lora_single_device", "tt_head_qwen3_0.6B_lora_single_device", 1601),
    ("tt_head_llama3_8B_full_single_device", "tt_head_llama3_8B_full_single_device", 501),
    ("tt_head_llama2_7B_full_low_memory", "tt_head_llama2_7B_full_low_memory", 121),
    ("tt_head_llama2_7B_lora_dpo_single_device", "tt_head_llama2_7B_lora_dpo_single_device", 32097),
    ("tt_head_llama2_7B_lora_dpo_single_device__N1605", "tt_head_llama2_7B_lora_dpo_single_device", 1605),
    ("tt_e1caa9f_gemma_2B_lora_single_device", "tt_e1caa9f_gemma_2B_lora_single_device", 649),
    ("tt_e1caa9f_gemma2_2B_lora_single_device", "tt_e1caa9f_gemma2_2B_lora_single_device", 415),
    ("tt_e1caa9f_gemma2_27B_qlora_single_device", "tt_e1caa9f_gemma2_27B_qlora_single_device", 480),
    ("tt_e1caa9f_mistral_7B_lora_single_device", "tt_e1caa9f_mistral_7B_lora_single_device", 1631),
    ("tt_e1caa9f_llama3_8B_full_single_device", "tt_e1caa9f_llama3_8B_full_single_device", 161),
    ("hishab_llama3_8b_lora", "hishab_llama3_8b_lora", 123),
    ("hishab_gemma_7b_lora", "hishab_gemma_7b_lora", 101),
    ("hishab_mistral_v02_lora", "hishab_mistral_v02_lora", 200),
    ("dangbert_llama2_7B_qlora_a96eb9a", "dangbert_llama2_7B_qlora_a96eb9a", 325),
    ("dangbert_llama2_7B_qlora_2867dbf", "dangbert_llama2_7B_qlora_2867dbf", 4180),
]


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _importable(path: str) -> bool:
    try:
        _get_component_from_path(path)
        return True
    except Exception:
        return False


def load_recipe_class(recipe: str):
    spec = importlib.util.spec_from_file_location(
        f"_torchtune_recipe_{recipe}", RECIPES_DIR / f"{recipe}.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, RECIPE_CLASSES[recipe]), mod


def build_cfg(raw: DictConfig, recipe: str, n: int, tmp: Path):
    """Return (run cfg, list of overrides, list of substitutions)."""
    cfg = OmegaConf.create(OmegaConf.to_container(raw, resolve=False))
    is_lora = recipe != "full_finetune_single_device"
    subs = []

    out = tmp / "out"
    ckpt_dir = tmp / "ckpt"
    out.mkdir()
    ckpt_dir.mkdir()
    # tiny base weights for the real checkpointer to load
    from torchtune.models.llama2 import llama2

    torch.manual_seed(0)
    torch.save(llama2(**TINY).state_dict(), ckpt_dir / "model.pt")

    model = {"_component_": "torchtune.models.llama2.llama2", **TINY}
    if is_lora:
        model = {"_component_": "torchtune.models.llama2.lora_llama2", **TINY}
        for k in LORA_KEYS:
            if k in cfg.model:
                model[k] = cfg.model[k]
        model.setdefault("lora_attn_modules", ["q_proj", "v_proj"])
        model.setdefault("lora_rank", 8)
        model.setdefault("lora_alpha", 16)

    overrides = {
        "output_dir": str(out),
        "device": "cpu",
        "dtype": "fp32",
        "compile": False,
        "enable_activation_checkpointing": False,
        "enable_activation_offloading": False,
        "resume_from_checkpoint": False,
        "log_every_n_steps": 1,
        "log_peak_memory_stats": False,
        "metric_logger": {
            "_component_": "torchtune.training.metric_logging.DiskLogger",
            "log_dir": str(tmp / "logs"),
            "filename": "log",
        },
        "profiler": {
            "_component_": "torchtune.training.setup_torch_profiler",
            "enabled": False,
        },
        "tokenizer": {"_component_": "tt_stubs.TinyTokenizer"},
        "dataset": {
            "_component_": (
                "tt_stubs.synthetic_dpo_dataset"
                if recipe == "lora_dpo_single_device"
                else "tt_stubs.synthetic_sft_dataset"
            ),
            "size": n,
        },
        "model": model,
        "checkpointer": {
            "_component_": "torchtune.training.FullModelTorchTuneCheckpointer",
            "checkpoint_dir": str(ckpt_dir),
            "checkpoint_files": ["model.pt"],
            "model_type": "LLAMA2",
            "output_dir": str(out),
            "adapter_checkpoint": None,
            "recipe_checkpoint": None,
        },
    }
    for k, v in overrides.items():
        cfg[k] = v
    if "optimizer_in_bwd" not in cfg and recipe == "full_finetune_single_device":
        cfg["optimizer_in_bwd"] = False
        subs.append("optimizer_in_bwd absent in config; set False (recipe default)")

    opt = cfg.optimizer["_component_"]
    if not opt.startswith("torch.optim.") or not _importable(opt):
        lr = cfg.optimizer.get("lr")
        cfg["optimizer"] = {"_component_": "torch.optim.AdamW", "lr": lr}
        subs.append(f"optimizer {opt} -> torch.optim.AdamW(lr={lr}) (not installable on CPU)")
    sched = cfg.lr_scheduler["_component_"]
    if not _importable(sched):
        if sched.endswith(".get_cosine_schedule_with_warmup"):
            cfg.lr_scheduler["_component_"] = CURRENT_SCHEDULER
            subs.append(
                f"lr_scheduler {sched} (absent in torchtune {torchtune.__version__}) -> {CURRENT_SCHEDULER}"
            )
        else:
            raise RuntimeError(f"unknown scheduler {sched}")
    loss = cfg.loss["_component_"]
    if not _importable(loss):
        cfg["loss"] = {"_component_": "torchtune.modules.loss.CEWithChunkedOutputLoss"}
        subs.append(f"loss {loss} (absent in torchtune {torchtune.__version__}) -> CEWithChunkedOutputLoss")
    return cfg, sorted(overrides), subs


def parse_logged_lrs(log_dir: Path):
    logged = {}
    for f in sorted(log_dir.glob("*")):
        for line in f.read_text().splitlines():
            m = re.match(r"Step (\d+) \| (.*)$", line)
            if not m:
                continue
            lm = re.search(r"(?:^| )lr:(\S+)", m.group(2))
            if lm:
                logged[int(m.group(1))] = float(lm.group(1))
    return logged


def independent_lrs(cfg_sched, lr: float, total: int):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = tt_config.instantiate(cfg_sched, opt, num_training_steps=total, last_epoch=-1)
    out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def run_one(run_id: str, src: dict, n: int):
    recipe = src["recipe"]
    raw = OmegaConf.load(HERE / src["file"])
    with tempfile.TemporaryDirectory(prefix="ttlr_") as td:
        tmp = Path(td)
        cfg, overridden, subs = build_cfg(raw, recipe, n, tmp)
        cls, _ = load_recipe_class(recipe)
        rec = cls(cfg=cfg)
        rec.setup(cfg=cfg)

        sched = rec._lr_scheduler
        sched_opt = sched.optimizer
        in_bwd = bool(getattr(rec, "_optimizer_in_bwd", False))
        all_opts = (
            list(rec._optim_ckpt_wrapper.optim_map.values()) if in_bwd else [sched_opt]
        )
        lrs = []
        mismatches = []

        def hook(opt, args, kwargs):
            if opt is sched_opt:
                lrs.append(opt.param_groups[0]["lr"])
                if in_bwd:
                    distinct = sorted({o.param_groups[0]["lr"] for o in all_opts})
                    if len(distinct) > 1:
                        mismatches.append({"step": len(lrs) - 1, "lrs": distinct})

        handle = register_optimizer_step_pre_hook(hook)
        try:
            rec.train()
        finally:
            handle.remove()
            rec.cleanup()

        dl_len = len(rec._dataloader)
        spe = rec._steps_per_epoch
        total = rec.total_epochs * spe
        assert len(lrs) == total, (run_id, len(lrs), total)
        assert rec.global_step == total, (run_id, rec.global_step, total)

        logged = parse_logged_lrs(tmp / "logs")
        for g in range(1, total):
            assert logged[g] == lrs[g], (run_id, g, logged[g], lrs[g])
        lr_after_last = logged.get(total) if total else None

        cfg_lr = float(cfg.optimizer.lr)
        indep = independent_lrs(cfg.lr_scheduler, cfg_lr, total)
        assert indep == lrs, (run_id, "independent recomputation differs")

        # the plain-DataLoader formula the recipe's sampler/drop_last amount to
        plain = len(torch.utils.data.DataLoader(range(n), batch_size=cfg.batch_size, drop_last=True))
        assert plain == dl_len == n // cfg.batch_size, (run_id, plain, dl_len)

    sched_node = OmegaConf.to_container(raw.lr_scheduler, resolve=False)
    sched_args = {k: v for k, v in sched_node.items() if k != "_component_"}
    entry = {
        "id": run_id,
        "source": src["id"],
        "config": src["file"],
        "recipe": recipe,
        "dataset_size": n,
        "batch_size": int(cfg.batch_size),
        "gradient_accumulation_steps": int(cfg.gradient_accumulation_steps),
        "epochs": int(cfg.epochs),
        "max_steps_per_epoch": cfg.max_steps_per_epoch,
        "optimizer_in_bwd": in_bwd,
        "dataloader_len": dl_len,
        "steps_per_epoch": spe,
        "num_training_steps": total,
        "last_epoch": -1,
        "num_warmup_steps": sched_args.get("num_warmup_steps"),
        "lr": cfg_lr,
        "optimizer": OmegaConf.to_container(raw.optimizer, resolve=False)["_component_"],
        "scheduler": {"component": sched_node["_component_"], "args": sched_args},
        "scheduler_component_run": cfg.lr_scheduler["_component_"],
        "substitutions": subs,
        "overridden_keys": overridden,
        "lrs": lrs,
        "lr_logged_after_last_step": lr_after_last,
    }
    if in_bwd:
        entry["optimizer_in_bwd_lr_mismatch"] = mismatches
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", default=str(HERE / "expected.json"))
    args = ap.parse_args()

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    torch.set_num_threads(1)

    sources = {s["id"]: s for s in json.loads((HERE / "sources.json").read_text())}
    entries = []
    for run_id, src_id, n in RUNS:
        if args.only and run_id not in args.only:
            continue
        e = run_one(run_id, sources[src_id], n)
        print(
            f"{run_id}: N={n} len={e['dataloader_len']} steps/epoch={e['steps_per_epoch']} "
            f"total={e['num_training_steps']} first={e['lrs'][:2]} last={e['lrs'][-1:]}",
            file=sys.stderr,
        )
        entries.append(e)

    doc = {
        "libraries": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            **{d: _dist_version(d) for d in ("torchtune", "torchao", "torchdata", "omegaconf")},
        },
        "notes": NOTES,
        "entries": entries,
    }
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")


NOTES = [
    "lrs[i] is optimizer.param_groups[0]['lr'] of the optimizer the scheduler drives, read in a step pre-hook at the i-th optimizer.step() of the real recipe train() loop (torchtune installed recipes, CPU, tiny stand-in model).",
    "dataloader_len = dataset_size // batch_size (StatefulDistributedSampler / DistributedSampler with num_replicas=1, drop_last=True).",
    "steps_per_epoch = min(dataloader_len // gradient_accumulation_steps, max_steps_per_epoch if set); num_training_steps = epochs * steps_per_epoch; the scheduler is built with last_epoch = global_step - 1 = -1 on a fresh run.",
    "optimizer.step() then lr_scheduler.step() once per accumulated step, so lrs[i] = lr * lr_lambda(i); the leftover dataloader_len % gradient_accumulation_steps micro-batches of each epoch get no optimizer step (their gradients stay in .grad and are added to the next epoch's first step).",
    "lr_logged_after_last_step is the value the recipe's DiskLogger writes at the last global step (after the final lr_scheduler.step()); it is never used by an optimizer step.",
    "optimizer_in_bwd_lr_mismatch (optimizer_in_bwd runs only): steps at which the per-parameter optimizers did not all share the scheduled optimizer's LR.",
    "substitutions lists config components replaced because they are absent from the installed torchtune or need a GPU; none changes the LR schedule's inputs (lr, num_warmup_steps, num_cycles).",
]


if __name__ == "__main__":
    main()
