#!/usr/bin/env python3
"""Generate tests/reference/exports.json: lrcalc's exported code, run by the real libraries.

Run inside the reference venv (see README.md beside this file):

    tests/reference/.venv/bin/python tests/reference/generate_exports.py

For each configuration below and each target (pytorch, keras, optax, transformers) it asks
``lrcalc.export.code`` for the snippet (lrcalc imported from site_src/), executes the snippet in a
fresh namespace with the real library, and records the curve the library gives:

* pytorch, transformers: ``values[0]`` is ``optimizer.param_groups[0]["lr"]`` right after the
  snippet ran, then ``optimizer.step(); scheduler.step()`` (``scheduler.step(metric)`` for the
  metric-driven ones, with the case's ``metrics`` in order) before each further value;
* keras, optax: ``values[i] = float(schedule(i))``, eagerly, ``i`` a Python int.

Where the target cannot express the schedule, the ``Unavailable`` message is recorded instead. The
script refuses to write the file if any recorded curve differs from lrcalc's own
``from_library(api, lr, **kwargs)`` by more than 1e-9 of the curve's peak (1e-6 where Keras computed
in float32: ``keras.ops.cos``, ``tanh`` and ``floor`` of a float64 tensor compute in float32 even with
floatx float64, as for Keras' own schedules), or if any snippet fails to run.

The libraries run in the same set-up as generate.py (JAX with x64, Keras floatx float64, timm
without torchvision); the output is deterministic: running the script twice writes the same bytes.
``--only REGEX`` runs the matching cases and prints a summary without writing anything.
``--check-curves`` also exports and runs every configuration of curves.json (edge cases included),
checks it the same way, and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "exports.json"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "site_src"))

import generate as reference  # noqa: E402 - sets the environment (x64, floatx) before jax and keras load

from lrcalc import export, from_library  # noqa: E402

STEPS = 60
TORCH, KS, HF, TM = "torch.optim.lr_scheduler.", "keras.optimizers.schedules.", "transformers.", "timm.scheduler."
LOSS = [1.0, 0.8, 0.7, 0.69, 0.69, 0.7, 0.69, 0.69, 0.7, 0.7, 0.69, 0.68, 0.68, 0.681, 0.69, 0.7]
ACCURACY = [0.5, 0.6, 0.65, 0.7, 0.7, 0.7, 0.705, 0.7, 0.71, 0.71, 0.71, 0.71, 0.72, 0.72]

CASES: list[dict] = []


def dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=False, ensure_ascii=False)


def case(cid: str, api: str, kwargs: dict, steps: int = STEPS, *, lr: float | None = None, note: str = "") -> None:
    """One configuration: exported to every target, the curve run for ``steps`` steps (metrics: their count + 1)."""
    if api.startswith(("torch.", "transformers.", "timm.")) and lr is None:
        lr = 0.1
    kwargs = json.loads(dumps(kwargs))  # as the test reads them back: keys sorted, dict keys strings
    entry = {"id": cid, "api": api, "lr": lr, "kwargs": kwargs, "steps": len(kwargs["metrics"]) + 1 if "metrics" in kwargs else steps}
    if note:
        entry["note"] = note
    CASES.append(entry)


def nested(api: str, **kwargs) -> dict:
    return {"api": api, **kwargs}


# lrcalc's families: every one, with the variants that switch a target between built-in and written out.
case("lrcalc-exponential-decay", "lrcalc.exponential_decay", {"init_value": 0.1, "decay_rate": 0.95})
case("lrcalc-step-decay", "lrcalc.step_decay", {"init_value": 0.1, "step_size": 15, "decay_factor": 0.5})
case("lrcalc-constant", "lrcalc.constant", {"value": 0.01}, 10)
case("lrcalc-multistep-decay", "lrcalc.multistep_decay", {"init_value": 0.1, "milestones": [20, 45], "decay_factor": 0.1})
case("lrcalc-piecewise-constant", "lrcalc.piecewise_constant", {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001]}, 30)
case("lrcalc-linear-warmup-from-zero", "lrcalc.linear", {"init_value": 0.0, "end_value": 0.1, "steps": 10}, 15,
     note="starts at 0, which PyTorch's LinearLR cannot (start_factor > 0): written out for PyTorch")
case("lrcalc-linear-decay", "lrcalc.linear", {"init_value": 0.1, "end_value": 0.001, "steps": 20}, 25)
case("lrcalc-polynomial-decay", "lrcalc.polynomial_decay", {"init_value": 0.1, "end_value": 0.0, "steps": 40, "power": 2.0}, 50)
case("lrcalc-polynomial-decay-cycle", "lrcalc.polynomial_decay", {"init_value": 0.1, "end_value": 0.001, "steps": 10, "power": 1.0, "cycle": True}, 36)
case("lrcalc-cosine-decay", "lrcalc.cosine_decay", {"init_value": 0.1, "steps": 40, "end_value": 0.001}, 60,
     note="holds after steps: PyTorch's CosineAnnealingLR would rise again, so PyTorch gets the closed form")
case("lrcalc-cosine-decay-exponent", "lrcalc.cosine_decay", {"init_value": 0.1, "steps": 30, "exponent": 2.0}, 40)
case("lrcalc-inverse-time-decay", "lrcalc.inverse_time_decay", {"init_value": 0.1, "decay_steps": 10, "decay_rate": 0.5})
case("lrcalc-inverse-time-decay-staircase", "lrcalc.inverse_time_decay", {"init_value": 0.1, "decay_steps": 7, "decay_rate": 1.0, "staircase": True})
case("lrcalc-inverse-sqrt", "lrcalc.inverse_sqrt", {"init_value": 0.01, "timescale": 10})
case("lrcalc-tanh-decay", "lrcalc.tanh_decay", {"init_value": 0.1, "steps": 40, "end_value": 0.001}, 50)
case("lrcalc-cosine-restarts-doubling", "lrcalc.cosine_restarts", {"init_value": 0.1, "period": 5, "period_mult": 2.0, "end_value": 0.001}, 80)
case("lrcalc-cosine-restarts-mult-1.5-decay", "lrcalc.cosine_restarts", {"init_value": 0.1, "period": 8, "period_mult": 1.5, "peak_decay": 0.5}, 100)
case("lrcalc-cosine-restarts-equal-periods", "lrcalc.cosine_restarts", {"init_value": 0.1, "period": 10, "period_mult": 1.0, "peak_decay": 0.8}, 45)
case("lrcalc-cyclic", "lrcalc.cyclic", {"base_value": 0.001, "max_value": 0.006, "step_size_up": 5}, 41)
case("lrcalc-cyclic-triangular2-asymmetric", "lrcalc.cyclic", {"base_value": 0.001, "max_value": 0.01, "step_size_up": 3, "step_size_down": 5, "mode": "triangular2"}, 41)
case("lrcalc-cyclic-exp-range", "lrcalc.cyclic", {"base_value": 0.001, "max_value": 0.01, "step_size_up": 4, "mode": "exp_range", "gamma": 0.97}, 41)
case("lrcalc-one-cycle", "lrcalc.one_cycle", {"max_value": 0.1, "total_steps": 50}, 60,
     note="holds after total_steps - 1: PyTorch's OneCycleLR raises there, so PyTorch gets the closed form")
case("lrcalc-one-cycle-three-phase-linear", "lrcalc.one_cycle", {"max_value": 1.0, "total_steps": 40, "pct_start": 0.25, "anneal": "linear", "three_phase": True}, 45)
case("lrcalc-warmup-cosine", "lrcalc.warmup", {"schedule": nested("lrcalc.cosine_decay", init_value=0.1, steps=40), "warmup_steps": 5}, 50)
case("lrcalc-warmup-constant-then-exponential", "lrcalc.warmup",
     {"schedule": nested("exponential_decay", init_value=0.1, decay_rate=0.9), "warmup_steps": 4, "start_value": 0.01, "kind": "constant"}, 30)
case("lrcalc-warmup-stable-decay", "lrcalc.warmup_stable_decay", {"peak_value": 0.1, "warmup_steps": 5, "stable_steps": 20, "decay_steps": 15, "decay": "cosine"}, 50)
case("lrcalc-warmup-stable-decay-1-sqrt-floor", "lrcalc.warmup_stable_decay",
     {"peak_value": 0.1, "warmup_steps": 4, "stable_steps": 10, "decay_steps": 10, "start_value": 0.01, "end_value": 0.001, "decay": "1-sqrt"}, 30)
case("lrcalc-piecewise-interpolate", "lrcalc.piecewise_interpolate", {"boundaries": [0, 10, 40], "values": [0.0, 0.1, 0.0]}, 50)
case("lrcalc-piecewise-interpolate-cosine-positive", "lrcalc.piecewise_interpolate", {"boundaries": [5, 15, 30], "values": [0.01, 0.1, 0.001], "kind": "cosine"}, 40)
case("lrcalc-reduce-on-plateau", "lrcalc.reduce_on_plateau", {"init_value": 0.1, "metrics": LOSS, "patience": 2})
case("lrcalc-join", "lrcalc.join", {"schedules": [nested("lrcalc.linear", init_value=0.0, end_value=0.1, steps=10), nested("lrcalc.exponential_decay", init_value=0.1, decay_rate=0.9)],
                                    "boundaries": [10]}, 40)
case("lrcalc-chain", "lrcalc.chain", {"schedules": [nested("lrcalc.exponential_decay", init_value=0.1, decay_rate=0.97), nested("lrcalc.linear", init_value=0.1, end_value=1.0, steps=10)]}, 30)

# PyTorch.
case("torch-steplr", TORCH + "StepLR", {"step_size": 10, "gamma": 0.5}, 40)
case("torch-multisteplr", TORCH + "MultiStepLR", {"milestones": [10, 25], "gamma": 0.1}, 40)
case("torch-constantlr", TORCH + "ConstantLR", {"factor": 0.5, "total_iters": 4}, 10)
case("torch-linearlr", TORCH + "LinearLR", {"start_factor": 0.1, "total_iters": 10}, 20)
case("torch-exponentiallr", TORCH + "ExponentialLR", {"gamma": 0.9}, 40)
case("torch-polynomiallr", TORCH + "PolynomialLR", {"total_iters": 20, "power": 2.0}, 30)
case("torch-cosineannealinglr-past-tmax", TORCH + "CosineAnnealingLR", {"T_max": 20, "eta_min": 0.001}, 61)
case("torch-cycliclr-triangular2", TORCH + "CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 4, "mode": "triangular2"}, 41)
case("torch-onecyclelr", TORCH + "OneCycleLR", {"max_lr": 0.1, "total_steps": 50}, 51, note="defined up to step total_steps, where PyTorch stops")
case("torch-swalr-cos", "torch.optim.swa_utils.SWALR", {"swa_lr": 0.05, "anneal_epochs": 10}, 20, lr=0.1)
case("torch-swalr-linear", "torch.optim.swa_utils.SWALR", {"swa_lr": 0.02, "anneal_epochs": 5, "anneal_strategy": "linear"}, 15, lr=0.1)
case("torch-cosineannealingwarmrestarts", TORCH + "CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.001}, 80)
case("torch-sequentiallr", TORCH + "SequentialLR",
     {"schedulers": [nested(TORCH + "LinearLR", start_factor=0.1, total_iters=5), nested(TORCH + "CosineAnnealingLR", T_max=25)], "milestones": [5]}, 40)
case("torch-chainedscheduler", TORCH + "ChainedScheduler",
     {"schedulers": [nested(TORCH + "ConstantLR", factor=0.1, total_iters=5), nested(TORCH + "ExponentialLR", gamma=0.9)]}, 30)
case("torch-reducelronplateau", TORCH + "ReduceLROnPlateau", {"patience": 2, "factor": 0.5, "metrics": LOSS})

# Keras.
case("keras-exponentialdecay-staircase", KS + "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True})
case("keras-exponentialdecay", KS + "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.96})
case("keras-piecewiseconstantdecay", KS + "PiecewiseConstantDecay", {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001]}, 30)
case("keras-polynomialdecay", KS + "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 50, "end_learning_rate": 0.01, "power": 2.0})
case("keras-inversetimedecay", KS + "InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5})
case("keras-cosinedecay-warmup", KS + "CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 40, "alpha": 0.1, "warmup_target": 0.1, "warmup_steps": 10})
case("keras-cosinedecayrestarts", KS + "CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 2.0, "m_mul": 0.9, "alpha": 0.01}, 70)

# optax.
case("optax-constant-schedule", "optax.constant_schedule", {"value": 0.001}, 5)
case("optax-linear-schedule", "optax.linear_schedule", {"init_value": 0.0, "end_value": 0.1, "transition_steps": 10, "transition_begin": 5}, 20)
case("optax-polynomial-schedule", "optax.polynomial_schedule", {"init_value": 0.1, "end_value": 0.001, "power": 3.0, "transition_steps": 30}, 40)
case("optax-piecewise-constant-schedule", "optax.piecewise_constant_schedule", {"init_value": 0.1, "boundaries_and_scales": {"10": 0.5, "25": 0.1}}, 30)
case("optax-exponential-decay-begin-end", "optax.exponential_decay",
     {"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5, "transition_begin": 10, "staircase": True, "end_value": 0.005})
case("optax-cosine-decay-schedule", "optax.cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 40, "alpha": 0.05}, 50)
case("optax-piecewise-interpolate-schedule", "optax.piecewise_interpolate_schedule",
     {"interpolate_type": "cosine", "init_value": 0.01, "boundaries_and_scales": {"10": 10.0, "30": 0.1}}, 40)
case("optax-linear-onecycle-schedule", "optax.linear_onecycle_schedule", {"transition_steps": 40, "peak_value": 0.1}, 45)
case("optax-cosine-onecycle-schedule", "optax.cosine_onecycle_schedule", {"transition_steps": 40, "peak_value": 0.1, "pct_start": 0.25}, 45)
case("optax-warmup-constant-schedule", "optax.warmup_constant_schedule", {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 8}, 15)
case("optax-warmup-cosine-decay-schedule", "optax.warmup_cosine_decay_schedule",
     {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 40, "end_value": 0.001}, 50)
case("optax-warmup-exponential-decay-schedule", "optax.warmup_exponential_decay_schedule",
     {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "transition_steps": 10, "decay_rate": 0.5, "end_value": 0.01})
case("optax-join-schedules", "optax.join_schedules",
     {"schedules": [nested("optax.linear_schedule", init_value=0.0, end_value=0.1, transition_steps=10), nested("optax.cosine_decay_schedule", init_value=0.1, decay_steps=30)],
      "boundaries": [10]}, 50)
case("optax-sgdr-schedule", "optax.sgdr_schedule",
     {"cosine_kwargs": [{"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 3, "decay_steps": 15}, {"init_value": 0.0, "peak_value": 0.05, "warmup_steps": 3, "decay_steps": 25}]}, 50)

# Hugging Face transformers.
case("transformers-constant", HF + "get_constant_schedule", {}, 5)
case("transformers-constant-with-warmup", HF + "get_constant_schedule_with_warmup", {"num_warmup_steps": 5}, 12)
case("transformers-linear-with-warmup", HF + "get_linear_schedule_with_warmup", {"num_warmup_steps": 5, "num_training_steps": 40}, 45)
case("transformers-cosine-with-warmup-past-end", HF + "get_cosine_schedule_with_warmup", {"num_warmup_steps": 5, "num_training_steps": 40}, 50)
case("transformers-cosine-hard-restarts", HF + "get_cosine_with_hard_restarts_schedule_with_warmup", {"num_warmup_steps": 4, "num_training_steps": 40, "num_cycles": 3}, 45)
case("transformers-polynomial-with-warmup", HF + "get_polynomial_decay_schedule_with_warmup", {"num_warmup_steps": 5, "num_training_steps": 40, "lr_end": 0.001, "power": 2.0}, 45)
case("transformers-polynomial-no-warmup", HF + "get_polynomial_decay_schedule_with_warmup", {"num_warmup_steps": 0, "num_training_steps": 30, "lr_end": 0.001}, 35)
case("transformers-inverse-sqrt", HF + "get_inverse_sqrt_schedule", {"num_warmup_steps": 10})
case("transformers-cosine-min-lr", HF + "get_cosine_with_min_lr_schedule_with_warmup", {"num_warmup_steps": 5, "num_training_steps": 40, "min_lr": 0.001}, 45)
case("transformers-cosine-min-lr-rate", HF + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
     {"num_warmup_steps": 5, "num_training_steps": 40, "min_lr_rate": 0.05, "warmup_lr_rate": 0.1}, 45)
case("transformers-wsd", HF + "get_wsd_schedule", {"num_warmup_steps": 5, "num_decay_steps": 10, "num_training_steps": 40, "min_lr_ratio": 0.1}, 45)
case("transformers-get-scheduler-cosine", HF + "get_scheduler", {"name": "cosine", "num_warmup_steps": 5, "num_training_steps": 40}, 45)
case("transformers-reduce-on-plateau", HF + "get_reduce_on_plateau_schedule", {"patience": 1, "metrics": LOSS})
case("transformers-greedylr", HF + "GreedyLR", {"patience": 1, "min_lr": 0.01, "metrics": LOSS})
case("transformers-get-greedy-schedule", HF + "get_greedy_schedule", {"patience": 2, "factor": 0.5, "min_lr": 0.001, "metrics": LOSS})
case("transformers-get-scheduler-plateau", HF + "get_scheduler", {"name": "reduce_lr_on_plateau", "scheduler_specific_kwargs": {"patience": 1}, "metrics": LOSS})

# timm, stepped per epoch.
case("timm-cosine-warmup-restarts", TM + "CosineLRScheduler",
     {"t_initial": 10, "lr_min": 0.001, "warmup_t": 3, "warmup_lr_init": 0.0001, "cycle_mul": 2.0, "cycle_decay": 0.5, "cycle_limit": 3}, 80)
case("timm-cosine-plain", TM + "CosineLRScheduler", {"t_initial": 30, "lr_min": 0.001}, 40)
case("timm-tanh", TM + "TanhLRScheduler", {"t_initial": 30, "warmup_t": 5, "warmup_lr_init": 0.001}, 40)
case("timm-step", TM + "StepLRScheduler", {"decay_t": 10, "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.001}, 40)
case("timm-multistep", TM + "MultiStepLRScheduler", {"decay_t": [10, 20], "decay_rate": 0.1}, 30)
case("timm-poly", TM + "PolyLRScheduler", {"t_initial": 30, "power": 2.0, "lr_min": 0.0001}, 40)
case("timm-wsd", TM + "WSDLRScheduler", {"t_initial": 40, "decay_t": 10, "warmup_t": 5, "decay_fn": "cosine"}, 50)
case("timm-plateau", TM + "PlateauLRScheduler", {"patience_t": 1, "mode": "max", "metrics": ACCURACY})
case("timm-create-scheduler-v2-step", TM + "create_scheduler_v2", {"sched": "step", "num_epochs": 30, "decay_epochs": 10, "decay_rate": 0.5}, 40)
case("timm-create-scheduler-v2-cosine", TM + "create_scheduler_v2", {"sched": "cosine", "num_epochs": 30, "warmup_epochs": 3, "min_lr": 1e-5}, 40)
case("timm-create-scheduler-step", TM + "create_scheduler", {"sched": "step", "epochs": 30, "decay_epochs": 10, "decay_rate": 0.5, "warmup_epochs": 0}, 40)
case("timm-create-scheduler-cosine", TM + "create_scheduler", {"sched": "cosine", "epochs": 30}, 40, note="args' warmup_epochs defaults to 5")

# DeepSpeed's schedulers (their own curves come from the real engine: tests/configs/deepspeed/); the
# targets' code is their closed form written out. lr is the optimizer's.
DS = "deepspeed.runtime.lr_schedules."
case("ds-warmup-log", DS + "WarmupLR", {"warmup_min_lr": 0.0, "warmup_max_lr": 0.001, "warmup_num_steps": 20}, lr=0.001)
case("ds-warmup-linear", DS + "WarmupLR", {"warmup_min_lr": 1e-5, "warmup_num_steps": 20, "warmup_type": "linear"}, lr=0.002)
case("ds-warmup-decay", DS + "WarmupDecayLR", {"total_num_steps": 50, "warmup_min_lr": 0.0, "warmup_max_lr": 3e-4, "warmup_num_steps": 10}, lr=3e-4)
case("ds-warmup-cosine", DS + "WarmupCosineLR", {"total_num_steps": 50, "warmup_min_ratio": 0.2, "warmup_num_steps": 10, "cos_min_ratio": 0.1}, lr=0.0015)
case("ds-one-cycle", DS + "OneCycle", {"cycle_min_lr": 1e-4, "cycle_max_lr": 1e-3, "cycle_first_step_size": 20, "decay_lr_rate": 0.5, "decay_step_size": 5})
case("ds-lr-range-test", DS + "LRRangeTest", {"lr_range_test_min_lr": 1e-4, "lr_range_test_step_size": 10, "lr_range_test_step_rate": 5.0, "lr_range_test_staircase": True})

# mmengine's Runner stepping a param_scheduler list (its curves come from the real Runner: tests/configs/mmengine/);
# no target has a closed form for a chain, so each answer is a reason.
case("mmengine-runner-warmup-multistep", "mmengine.runner.Runner",
     {"param_scheduler": [{"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 20},
                          {"type": "MultiStepLR", "by_epoch": True, "begin": 0, "end": 6, "milestones": [4, 5], "gamma": 0.1}],
      "epoch_length": 10, "max_epochs": 6}, 60, lr=0.02)

# axolotl's own schedulers (their curves come from axolotl itself: tests/configs/axolotl/); the targets' code is
# their closed form written out. lr is the optimizer's.
AX = "axolotl.utils.schedulers."
case("axolotl-quadratic-warmup", AX + "get_cosine_schedule_with_quadratic_warmup", {"num_warmup_steps": 10, "num_training_steps": 60}, lr=2e-4)
case("axolotl-min-lr", AX + "get_cosine_schedule_with_min_lr", {"num_warmup_steps": 5, "num_training_steps": 60, "min_lr_ratio": 0.1}, lr=2e-5)
case("axolotl-decay-constant", AX + "get_cosine_schedule_with_warmup_decay_constant",
     {"num_warmup_steps": 5, "num_training_steps": 60, "constant_lr_ratio": 0.8, "min_lr_ratio": 0.1}, lr=3e-4)
case("axolotl-rex", AX + "RexLR", {"max_lr": 1e-3, "min_lr": 1e-5, "total_steps": 60, "num_warmup_steps": 6}, lr=1e-3)

# Composer's schedulers (their curves come from the real Trainer: tests/configs/composer/); the targets' code is
# their closed form written out where one exists. lr is the optimizer's.
CO = "composer.optim."
RUN = {"max_duration": "60ba", "batches_per_epoch": 10, "samples_per_batch": 8}
case("composer-cosine-warmup", CO + "CosineAnnealingWithWarmupScheduler", {"t_warmup": "6ba", "alpha_f": 0.1, **RUN}, lr=6e-4)
case("composer-linear-warmup", CO + "LinearWithWarmupScheduler", {"t_warmup": "0.1dur", "alpha_f": 0.02, **RUN}, lr=5e-4)
case("composer-constant-warmup", CO + "ConstantWithWarmupScheduler", {"t_warmup": "5ba", "alpha": 0.8, **RUN}, lr=1e-3)
case("composer-poly-warmup", CO + "PolynomialWithWarmupScheduler", {"t_warmup": "5ba", "power": 2.0, "alpha_f": 0.1, **RUN}, lr=1e-3)
case("composer-multistep-warmup", CO + "MultiStepWithWarmupScheduler", {"t_warmup": "1ep", "milestones": ["3ep", "5ep"], **RUN}, lr=0.1)
case("composer-multistep", CO + "MultiStepScheduler", {"milestones": ["2ep", "4ep"], "gamma": 0.5, **RUN}, lr=0.1)
case("composer-step", CO + "StepScheduler", {"step_size": "2ep", "gamma": 0.5, **RUN}, lr=0.1)
case("composer-exponential", CO + "ExponentialScheduler", {"gamma": 0.9, **RUN}, lr=0.1)
case("composer-constant", CO + "ConstantScheduler", {"alpha": 0.5, "t_max": "20ba", **RUN}, lr=1e-3)
case("composer-linear", CO + "LinearScheduler", {"alpha_f": 0.1, "t_max": "40ba", **RUN}, lr=0.1)
case("composer-cosine", CO + "CosineAnnealingScheduler", {"alpha_f": 0.05, **RUN}, lr=0.1)
case("composer-polynomial", CO + "PolynomialScheduler", {"power": 0.9, **RUN}, lr=0.01)


# ---------------------------------------------------------------------------------------------


class CaseFailure(RuntimeError):
    pass


def lrcalc_curve(entry: dict) -> list[float]:
    """lrcalc's own values for the case; each must be defined and finite (else the case is wrong)."""
    schedule = from_library(entry["api"], lr=entry["lr"], **entry["kwargs"])
    values = [float(schedule(i)) for i in range(entry["steps"])]
    if not all(math.isfinite(v) for v in values):
        raise CaseFailure(f"{entry['id']}: lrcalc gives a non-finite value within {entry['steps']} steps")
    return values


def run_snippet(entry: dict, target: str, text: str) -> tuple[list[float], str]:
    """Execute the snippet with the real library; its curve and what it computed in."""
    namespace = {"__name__": "lrcalc_export"}
    exec(compile(text, f"<{entry['id']} -> {target}>", "exec"), namespace)
    steps, metrics = entry["steps"], entry["kwargs"].get("metrics")
    if target in ("keras", "optax"):
        schedule = namespace["schedule"]
        values = [float(schedule(i)) for i in range(steps)]
        dtype, float32_ops = reference.jax_precision(schedule)
        return values, dtype if dtype == "float32" else ("mixed" if float32_ops else "float64")
    optimizer, scheduler = namespace["optimizer"], namespace["scheduler"]
    values = [float(optimizer.param_groups[0]["lr"])]
    for i in range(1, steps):
        optimizer.step()
        scheduler.step(metrics[i - 1]) if metrics is not None else scheduler.step()
        values.append(float(optimizer.param_groups[0]["lr"]))
    return values, "float64"


def tolerance(values: list[float], dtype: str) -> float:
    """1e-9 of the peak, or 1e-6 where the library computed in float32."""
    peak = max((abs(v) for v in values), default=1.0) or 1.0
    return (1e-9 if dtype == "float64" else 1e-6) * peak


def run_case(entry: dict) -> dict:
    expected = lrcalc_curve(entry)
    out = {k: entry[k] for k in ("id", "api", "lr", "kwargs", "steps")} | ({"note": entry["note"]} if "note" in entry else {})
    out["targets"] = {}
    for target in export.TARGETS:
        try:
            text = export.code(entry["api"], entry["lr"], entry["kwargs"], target)
        except export.Unavailable as error:
            out["targets"][target] = {"reason": str(error)}
            continue
        try:
            values, dtype = run_snippet(entry, target, text)
        except Exception as error:  # noqa: BLE001 - any failure of an exported snippet is a bug to report
            raise CaseFailure(f"{entry['id']} -> {target}: the snippet raised {type(error).__name__}: {error}\n{text}") from error
        tol = tolerance(expected, dtype)
        for i, (got, want) in enumerate(zip(values, expected)):
            if not abs(got - want) <= tol:
                raise CaseFailure(f"{entry['id']} -> {target}: step {i}: the library gives {got!r}, lrcalc {want!r} ({dtype})\n{text}")
        out["targets"][target] = {"code": text, "dtype": dtype, "values": values, "how": export.all_code(entry["api"], entry["lr"], entry["kwargs"])[target]["reason"]}
    return out


def write_fixture(cases: list[dict], versions: dict) -> None:
    head = {
        "generated_by": "tests/reference/generate_exports.py",
        "libraries": versions,
        "notes": {
            "conventions": "pytorch/transformers: values[0] = optimizer.param_groups[0]['lr'] after the snippet ran, then optimizer.step(); "
                           "scheduler.step() (scheduler.step(metrics[i-1]) for metric-driven cases) before each further value. "
                           "keras/optax: values[i] = float(schedule(i)).",
            "targets": "Per target either {'code', 'values', 'dtype', 'how'} (the snippet, the curve the library gave, what it computed in, "
                       "how the snippet reproduces the schedule) or {'reason'} (the Unavailable message).",
            "precision": "JAX with x64 and Keras floatx float64, as in generate.py; dtype 'mixed' or 'float32': Keras computed cos, tanh or floor in float32.",
        },
    }
    lines = ["{", *[f"  {json.dumps(k)}: {dumps(v)}," for k, v in head.items()], '  "cases": [']
    lines += [f"    {dumps(c)}{',' if i < len(cases) - 1 else ''}" for i, c in enumerate(cases)]
    lines += ["  ]", "}"]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def curves_configurations() -> list[dict]:
    """Every configuration of curves.json that the library built, over the steps it recorded."""
    entries = []
    for curve in json.loads((HERE / "curves.json").read_text(encoding="utf-8"))["curves"]:
        if curve["values"]:
            kwargs = {**curve["kwargs"], **({"metrics": curve["metrics"]} if "metrics" in curve else {})}
            entries.append({"id": curve["id"], "api": curve["api"], "lr": curve["lr"], "kwargs": kwargs, "steps": len(curve["values"])})
    return entries


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the cases whose id matches this regex, print, write nothing")
    parser.add_argument("--check-curves", action="store_true", help="also check every configuration of curves.json; write nothing")
    args = parser.parse_args(argv)
    reference.setup_libraries()
    warnings.filterwarnings("ignore")
    if args.check_curves:
        entries = curves_configurations()
        for entry in entries:
            run_case(entry)
        print(f"checked {len(entries)} configurations of curves.json x {len(export.TARGETS)} targets", file=sys.stderr)
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    chosen = [c for c in CASES if not args.only or re.search(args.only, c["id"])]
    cases = [run_case(c) for c in chosen]
    tally: dict[str, dict[str, int]] = {t: {"verified": 0, "unavailable": 0} for t in export.TARGETS}
    for c in cases:
        for target, result in c["targets"].items():
            tally[target]["verified" if "code" in result else "unavailable"] += 1
    for target, counts in tally.items():
        print(f"{target:13} verified {counts['verified']:3}  unavailable {counts['unavailable']:3}", file=sys.stderr)
    if args.only:
        for c in cases:
            for target, result in c["targets"].items():
                print(f"{c['id']} -> {target}: {result.get('how') or result['reason']}", file=sys.stderr)
        return 0
    write_fixture(cases, reference.library_versions())
    print(f"wrote {OUT.relative_to(ROOT)} ({len(cases)} configurations)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
