#!/usr/bin/env python3
"""Run the REAL DeepSpeed engine on CPU for every config of sources.json and record the LR of every
optimizer step into expected.json.

    bash tests/configs/deepspeed/setup_venv.sh
    tests/configs/deepspeed/.venv/bin/python tests/configs/deepspeed/generate.py

What is recorded (deepspeed 0.19.8, deepspeed/runtime/engine.py):

* `deepspeed.initialize(...)` builds the engine; DeepSpeedEngine.__init__ calls
  `self._configure_lr_scheduler()` (engine.py:683), which (no client scheduler given) calls
  `self._scheduler_from_config(self.optimizer)` (engine.py:1883-1897): it looks the "scheduler" "type" up in
  deepspeed.runtime.lr_schedules and calls `scheduler(optimizer, **scheduler_params)` (engine.py:1923-1937,
  the call at 1935). Every DeepSpeed scheduler writes its first LR into optimizer.param_groups in its
  __init__ (last_batch_iteration == -1), so the LR of optimizer step 0 is fixed before any step.
* `engine.step()` -> `_take_model_step()` (engine.py:3505-3565): `self.optimizer.step()` (engine.py:3516)
  uses the LR currently in param_groups, THEN, unless the fp16 loss scaler reported an overflow
  (engine.py:3540), `self.lr_scheduler.step()` (engine.py:3545) moves last_batch_iteration on by one and
  writes the LR for the next optimizer step.
* Hence lrs[i] = optimizer.param_groups[0]['lr'] read just before the i-th `engine.step()` is exactly the LR
  the i-th optimizer step used. `engine.get_lr()` (engine.py:3778, `_get_optimizer_param("lr")`,
  engine.py:3760) reads the same param_groups; both are read and must agree.

Overrides (see README.md): batch sizes 1/1/1, fp16/bf16 disabled, zero_optimization {"stage": 0}; a config
without an optimizer block gets a client torch.optim.AdamW. "auto" values are filled as transformers'
HfTrainerDeepSpeedConfig does (transformers/integrations/deepspeed.py, trainer_config_process lines 136-192
and trainer_config_finalize lines 244-256 in transformers 5.24.0), from the `hf_args` of the entry.

Each run is also replayed with the scheduler class alone (deepspeed.runtime.lr_schedules, constructed as
_scheduler_from_config does, stepped once after every optimizer step as _take_model_step does) on a plain
torch optimizer; the two LR lists must be identical (checked, `replay_matches` in the entry).
"""
import copy
import json
import math
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# A single local process: DeepSpeed's CPU accelerator initialises torch.distributed from these.
os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
os.environ.setdefault("MASTER_PORT", "29533")
os.environ.setdefault("RANK", "0")
os.environ.setdefault("LOCAL_RANK", "0")
os.environ.setdefault("WORLD_SIZE", "1")
os.environ.setdefault("LOCAL_SIZE", "1")

import torch  # noqa: E402
import deepspeed  # noqa: E402
from deepspeed.runtime import lr_schedules  # noqa: E402
from deepspeed.utils import logger as ds_logger  # noqa: E402

ds_logger.setLevel("WARNING")


# ----------------------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------------------
def load_config(entry):
    path = os.path.join(HERE, entry["file"])
    text = open(path, encoding="utf-8").read()
    kind = entry["kind"]
    if kind == "json":
        return json.loads(text)
    if kind == "md-fragment":
        # the verbatim `"scheduler": {...}` member of a ```json block (may end with a comma)
        cfg = json.loads("{" + text.strip().rstrip(",") + "}")
        cfg["optimizer"] = copy.deepcopy(entry["optimizer_added"])
        return cfg
    if kind == "py-test-params":
        # the config_dict of DeepSpeed's TestWarmupCosineLR.test_lr (fragment file), with one parametrization;
        # the constants are deepspeed.runtime.lr_schedules' key names
        p = entry["test_params"]
        assert "WARMUP_COSINE_LR" in text and "opt_lr = 0.0015" in text
        return {
            "train_batch_size": 2,
            "steps_per_print": 1,
            "optimizer": {"type": "Adam", "params": {"lr": 0.0015}},
            "scheduler": {
                "type": lr_schedules.WARMUP_COSINE_LR,
                "params": {
                    lr_schedules.TOTAL_NUM_STEPS: p["total_num_steps"],
                    lr_schedules.WARMUP_MIN_RATIO: p["warmup_min_ratio"],
                    lr_schedules.WARMUP_NUM_STEPS: p["warmup_num_steps"],
                    lr_schedules.COS_MIN_RATIO: p["cos_min_ratio"],
                },
            },
            "gradient_clipping": 1.0,
        }
    raise ValueError(kind)


# ----------------------------------------------------------------------------------------------------------
# "auto" -> values, as transformers' HfTrainerDeepSpeedConfig does
# ----------------------------------------------------------------------------------------------------------
def hf_warmup_steps(warmup_steps, num_training_steps):
    # TrainingArguments.get_warmup_steps (transformers 5.24.0 training_args.py:2154-2161)
    return int(warmup_steps) if warmup_steps >= 1 else math.ceil(num_training_steps * warmup_steps)


def fill_auto(cfg, hf):
    """Replace "auto" values like fill_match/fill_only; returns {dotted key: value} of what was filled."""
    filled = {}
    if hf is None:
        return filled
    n = hf["num_training_steps"]
    table = [
        # trainer_config_process (deepspeed.py:136-181)
        ("gradient_clipping", hf["max_grad_norm"]),
        ("optimizer.params.lr", hf["learning_rate"]),
        ("optimizer.params.betas", [hf["adam_beta1"], hf["adam_beta2"]]),
        ("optimizer.params.eps", hf["adam_epsilon"]),
        ("optimizer.params.weight_decay", hf["weight_decay"]),
        ("scheduler.params.warmup_min_lr", 0),  # fill_only, "not a trainer arg"
        ("scheduler.params.warmup_max_lr", hf["learning_rate"]),
        # trainer_config_finalize (deepspeed.py:244-256)
        ("scheduler.params.total_num_steps", n),
        ("scheduler.params.warmup_num_steps", max(1, hf_warmup_steps(hf["warmup_steps"], n))),
    ]
    for key, val in table:
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.get(p) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict) and node.get(leaf) == "auto":
            node[leaf] = val
            filled[key] = val
    return filled


def remaining_autos(obj, prefix=""):
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += remaining_autos(v, f"{prefix}{k}.")
    elif obj == "auto":
        out.append(prefix[:-1])
    return out


# ----------------------------------------------------------------------------------------------------------
# CPU overrides (none of them enters the schedule; see README)
# ----------------------------------------------------------------------------------------------------------
def apply_overrides(cfg):
    overrides = {}

    def setkey(key, val):
        old = cfg.get(key, None)
        if old != val:
            overrides[key] = {"from": old, "to": val}
        cfg[key] = val

    setkey("train_batch_size", 1)
    setkey("train_micro_batch_size_per_gpu", 1)
    setkey("gradient_accumulation_steps", 1)
    for prec in ("fp16", "bf16"):
        if prec in cfg:
            setkey(prec, {"enabled": False})
    if "zero_optimization" in cfg:
        setkey("zero_optimization", {"stage": 0})
    # remaining "auto" outside the scheduler/optimizer (e.g. fp16.enabled) are gone with the blocks above
    return overrides


# ----------------------------------------------------------------------------------------------------------
# running
# ----------------------------------------------------------------------------------------------------------
class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 1)

    def forward(self, x):
        return self.lin(x)


def run_engine(cfg, steps, client_optimizer_lr):
    torch.manual_seed(0)
    model = Tiny()
    kwargs = {}
    if client_optimizer_lr is not None:
        kwargs["optimizer"] = torch.optim.AdamW(model.parameters(), lr=client_optimizer_lr)
    engine, optimizer, _, scheduler = deepspeed.initialize(model=model,
                                                          model_parameters=model.parameters(),
                                                          config=copy.deepcopy(cfg),
                                                          **kwargs)
    assert engine.lr_scheduler is scheduler and scheduler is not None
    x = torch.ones(1, 4)
    lrs, moms = [], []
    for _ in range(steps):
        loss = engine(x).pow(2).mean()
        engine.backward(loss)
        lr = optimizer.param_groups[0]["lr"]
        lr = float(lr.item() if torch.is_tensor(lr) else lr)
        assert [float(v) for v in engine.get_lr()][0] == lr
        lrs.append(lr)
        betas = optimizer.param_groups[0].get("betas")
        moms.append(float(betas[0]) if betas is not None else None)
        engine.step()
    info = {
        "engine_optimizer": type(optimizer).__name__,
        "scheduler_class": type(scheduler).__name__,
        "last_batch_iteration_after": scheduler.last_batch_iteration,
        "skipped_steps": engine.skipped_steps,
        "global_steps": engine.global_steps,
    }
    return lrs, moms, info


def replay(cfg, steps, client_optimizer_lr):
    """The scheduler alone, built as engine._scheduler_from_config builds it (engine.py:1923-1937)."""
    opt_lr = client_optimizer_lr
    if opt_lr is None:
        opt_lr = cfg["optimizer"]["params"].get("lr", 1e-3)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=opt_lr)
    sched_cls = getattr(lr_schedules, cfg["scheduler"]["type"])
    sched = sched_cls(opt, **cfg["scheduler"].get("params", {}))
    out = []
    for _ in range(steps):
        out.append(float(opt.param_groups[0]["lr"]))
        sched.step()  # engine.py:3545, after optimizer.step() at 3516
    return out


def main():
    t0 = time.time()
    sources = json.load(open(os.path.join(HERE, "sources.json")))
    entries = []
    for src in sources:
        cfg = load_config(src)
        auto_filled = fill_auto(cfg, src.get("hf_args"))
        left = [k for k in remaining_autos(cfg) if k.startswith(("scheduler", "optimizer"))]
        overrides = apply_overrides(cfg)
        client_lr = None
        if "optimizer" not in cfg:
            p = cfg["scheduler"]["params"]
            client_lr = p.get("warmup_max_lr", p.get("cycle_min_lr", 1e-3))
            overrides["client_optimizer"] = {
                "from": None,
                "to": f"torch.optim.AdamW(lr={client_lr}) passed as deepspeed.initialize(optimizer=...)"
            }
        assert not left, (src["id"], left)
        assert not remaining_autos(cfg), (src["id"], remaining_autos(cfg))
        steps = src["steps"]
        t = time.time()
        lrs, moms, info = run_engine(cfg, steps, client_lr)
        rep = replay(cfg, steps, client_lr)
        assert rep == lrs, (src["id"], next(i for i, (a, b) in enumerate(zip(rep, lrs)) if a != b))
        entry = {
            "id": src["id"],
            "scheduler_type": cfg["scheduler"]["type"],
            "scheduler_params": cfg["scheduler"].get("params", {}),
            "optimizer_lr": None if client_lr is not None else cfg["optimizer"]["params"].get("lr"),
            "auto_filled": auto_filled,
            "hf_args": src.get("hf_args"),
            "overrides": overrides,
            "steps": steps,
            "lrs": lrs,
            "replay_matches": True,
            **info,
        }
        if cfg["scheduler"]["type"] == "OneCycle":
            entry["betas0"] = moms
        entries.append(entry)
        print(f"{src['id']:40s} {cfg['scheduler']['type']:14s} {steps:5d} steps  {time.time() - t:6.1f}s",
              file=sys.stderr)

    out = {
        "generated_by": "tests/configs/deepspeed/generate.py",
        "libraries": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "deepspeed": deepspeed.__version__,
        },
        "notes": [
            "One entry per sources.json record, same order. lrs[i] is optimizer.param_groups[0]['lr'] read just "
            "before the i-th engine.step() (0-based) of a real deepspeed.initialize() engine on CPU: the LR that "
            "optimizer step i used. engine.get_lr()[0] was read too and is identical.",
            "DeepSpeed step counting: the scheduler is constructed with last_batch_iteration=-1 and writes its "
            "initial LR at construction; engine.step() runs optimizer.step() and then lr_scheduler.step(), which "
            "sets last_batch_iteration += 1. So step 0 uses the constructor LR, and step i >= 1 uses the schedule "
            "evaluated at last_batch_iteration = i - 1. For WarmupLR/WarmupDecayLR the constructor LR is "
            "warmup_min_lr (get_lr() returns min_lrs while last_batch_iteration < 0), and the value at "
            "last_batch_iteration 0 is also warmup_min_lr (log(1) = 0, or 0/warmup for linear): the first TWO "
            "optimizer steps use warmup_min_lr. WarmupCosineLR: the constructor LR is 0.0 (ratio 0 before start), "
            "step 1 uses warmup_min_ratio * lr. OneCycle/LRRangeTest: constructor LR = cycle_min_lr / "
            "lr_range_test_min_lr, step 1 uses the formula at last_batch_iteration 0.",
            "scheduler_params are the params after 'auto' substitution (auto_filled lists what was substituted, "
            "from hf_args, as transformers' HfTrainerDeepSpeedConfig fills them). warmup_num_steps is passed as "
            "given; WarmupLR/WarmupDecayLR/WarmupCosineLR use max(2, warmup_num_steps) internally.",
            "overrides: batch sizes, fp16/bf16, ZeRO stage (offload) and, where the config has no optimizer block, a "
            "client optimizer. None of them enters the LR: the scheduler steps once per optimizer step "
            "(gradient-accumulation boundary), and with fp16 disabled no step is skipped for overflow "
            "(skipped_steps is 0 in every entry).",
            "replay_matches: the scheduler class alone, built as engine._scheduler_from_config does and stepped "
            "after each optimizer step, gives exactly the same lrs.",
            "betas0 (OneCycle only): optimizer.param_groups[0]['betas'][0] read with lrs[i]; OneCycle cycles "
            "momentum inversely to the LR when cycle_momentum is true (its default).",
        ],
        "entries": entries,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {len(entries)} entries in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
