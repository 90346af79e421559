#!/usr/bin/env python3
"""Generate tests/reference/curves.json from the real libraries.

Run inside the reference venv (see README.md beside this file):

    bash tests/reference/setup_venv.sh
    tests/reference/.venv/bin/python tests/reference/generate.py

Every curve is computed by calling PyTorch, Keras 3 (JAX backend), optax, Hugging Face
transformers or timm themselves; nothing here re-implements a schedule. The output is
deterministic: running the script twice writes the same bytes.

Conventions (the contract with ``lrcalc.from_library(api, lr=None, **kwargs)``), where
``values[i]`` is the learning rate in effect for 0-based step (or epoch) i:

* torch, transformers: a real ``torch.optim.SGD`` optimizer with one parameter and ``lr``;
  ``values[0]`` is ``param_groups[0]["lr"]`` right after the scheduler is constructed, then
  ``optimizer.step(); scheduler.step()`` and ``values.append(lr)`` until ``steps`` values.
  Metric-driven schedulers (``"metrics"`` in the case): ``values[i]`` is the lr after the i-th
  ``scheduler.step(metrics[i-1])``, so ``len(values) == len(metrics) + 1``.
* timm (``t_in_epochs=True``, noise off): ``values[i]`` is the lr after ``scheduler.step(epoch=i)``,
  for i = 0 too. PlateauLRScheduler: ``values[0]`` is the lr after construction and ``values[i]``
  the lr after ``scheduler.step(epoch=i, metric=metrics[i-1])`` (timm's train loop passes
  ``epoch + 1`` after each epoch).
* keras: ``values[i] = float(schedule(i))``; optax: ``values[i] = float(schedule(i))``.
* ``"raises": {"step": k, ...}``: computing ``values[k]`` raised (for torch-like libraries the k-th
  ``scheduler.step()`` call), so ``len(values) == k``. ``"raises_on_construct"``: the constructor
  raised; ``values`` is empty. ``"nonfinite": {"step": k, ...}``: the library returned NaN/inf
  from index k on; the curve is cut there (JSON has no NaN).

timm is imported without running ``timm/__init__.py``: that file imports ``timm.layers`` and
``timm.models``, which need torchvision, and no torchvision on PyPI imports beside this torch.
``timm.scheduler`` itself needs only torch, numpy and ``timm.scheduler.*``, so
``import_timm_scheduler()`` registers the installed ``timm`` folder as a bare package
(``importlib.util.module_from_spec``, which sets ``__path__`` and executes nothing) and then
imports ``timm.scheduler`` the normal way. The scheduler code that runs is the installed timm's.
"""

from __future__ import annotations

import os

# Must be set before jax / keras are imported.
os.environ["KERAS_BACKEND"] = "jax"
os.environ["JAX_ENABLE_X64"] = "1"
os.environ["JAX_PLATFORMS"] = "cpu"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TRANSFORMERS_VERBOSITY"] = "error"
os.environ["TRANSFORMERS_NO_ADVISORY_WARNINGS"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

import argparse  # noqa: E402
import collections  # noqa: E402
import copy  # noqa: E402
import importlib  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "curves.json"
README = HERE / "README.md"

# ---------------------------------------------------------------------------------------------
# Library set-up
# ---------------------------------------------------------------------------------------------


def import_timm_scheduler():
    """Import ``timm.scheduler`` without executing ``timm/__init__.py`` (see module docstring)."""
    if "timm.scheduler" in sys.modules:
        return sys.modules["timm.scheduler"]
    spec = importlib.util.find_spec("timm")  # locates the package; does not import it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("timm is not installed in this environment")
    pkg = importlib.util.module_from_spec(spec)  # bare package: __path__ set, __init__ not run
    sys.modules["timm"] = pkg
    return importlib.import_module("timm.scheduler")


def setup_libraries():
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)  # timm / absl / transformers chatter
    import jax

    jax.config.update("jax_enable_x64", True)
    import keras

    keras.config.set_floatx("float64")
    import optax  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401

    import_timm_scheduler()
    assert keras.backend.backend() == "jax", keras.backend.backend()
    assert keras.config.floatx() == "float64"
    assert jax.config.jax_enable_x64


def library_versions():
    import jax
    import keras
    import optax
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "keras": keras.__version__,
        "jax": jax.__version__,
        "jaxlib": importlib.metadata.version("jaxlib"),
        "optax": optax.__version__,
        "transformers": transformers.__version__,
        "timm": importlib.metadata.version("timm"),
        "numpy": importlib.metadata.version("numpy"),
        "python": platform.python_version(),
    }


NOTES = {
    "conventions": (
        "values[i] is the learning rate in effect for 0-based step (or epoch) i. torch/transformers: "
        "values[0] = optimizer.param_groups[0]['lr'] right after the scheduler is built, then "
        "optimizer.step(); scheduler.step() before each further value. Metric-driven cases carry "
        "'metrics': values[i] is the lr after the i-th step(metrics[i-1]), len(values) == len(metrics)+1. "
        "timm: values[i] = lr after scheduler.step(epoch=i) (i = 0 too); PlateauLRScheduler: values[0] after "
        "construction, values[i] after step(epoch=i, metric=metrics[i-1]). keras/optax: float(schedule(i)) "
        "with i a Python int."
    ),
    "steps": "steps == len(values): the number of recorded indices 0..steps-1.",
    "dtype": (
        "What the library computed in: 'float64', 'float32' (the returned value is float32) or 'mixed' "
        "(float64 result with float32 intermediates, listed in 'float32_ops'); null when the constructor raised."
    ),
    "raises": (
        "'raises': {'step': k, 'type', 'error'}: computing values[k] raised (torch-like: the k-th "
        "scheduler.step() call), len(values) == k. 'raises_on_construct': {'type', 'error'}: the "
        "constructor/factory raised, values == []. 'error' is str(exception) verbatim."
    ),
    "nonfinite": (
        "'nonfinite': {'step': k, 'value': 'nan'|'inf'|'-inf'}: the library returned a non-finite value "
        "at index k (and the curve is cut there, JSON has no NaN)."
    ),
    "kwargs": (
        "kwargs are the constructor's own keyword arguments exactly as passed (never the optimizer). Nested "
        "schedules are dicts {'api': ..., **kwargs} built on the same optimizer (torch) or called with "
        "their own step count (optax.join_schedules passes step - boundary)."
    ),
    "json_keys": (
        "JSON object keys are strings: optax boundaries_and_scales were passed as {int: float} dicts "
        "and appear here with string keys; convert them back with int(key)."
    ),
    "torch": (
        "LRs are Python floats (float64). Optimizer: torch.optim.SGD([Parameter(zeros(1))], lr=lr, "
        "momentum=case['optimizer']['momentum']); momentum 0.9 where a scheduler cycles momentum "
        "(CyclicLR/OneCycleLR with cycle_momentum=True). Chainable schedulers are recursive "
        "(each step multiplies the current lr); 'diagnostics' compares the recursion with the "
        "class's own closed form (_get_closed_form_lr via the deprecated step(epoch))."
    ),
    "transformers": (
        "Schedules are torch LambdaLR (or ReduceLROnPlateau / GreedyLR) on the same SGD optimizer; "
        "Python floats (float64)."
    ),
    "timm": (
        "Imported as timm.scheduler without timm/__init__.py (no torchvision). t_in_epochs=True (default), "
        "noise options left off (noise_range_t=None): they add seeded random perturbations. Python floats."
    ),
    "keras": (
        "KERAS_BACKEND=jax, jax_enable_x64=True, keras.config.set_floatx('float64'); schedules called "
        "eagerly with a Python int step. Keras' own type promotion (keras.src.backend.common.dtypes."
        "result_type) always maps 64-bit results to 32-bit and treats Python float as float32, so "
        "keras.ops.cos/floor/ceil of a float64 tensor compute in float32. Per case: dtype 'float64' = "
        "every float op in the traced computation is float64; 'float32' = the returned value is float32; "
        "'mixed' = float64 result with float32 intermediates, listed in 'float32_ops' (jaxpr primitives)."
    ),
    "optax": (
        "jax_enable_x64=True; schedules called eagerly with a Python int count. dtype/float32_ops as for "
        "keras (checked from the jaxpr of each schedule); Python scalars returned unchanged "
        "(constant schedules) count as float64."
    ),
}


def resolve(api: str):
    module, _, name = api.rpartition(".")
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------------------------------------
# Families (for the summary table)
# ---------------------------------------------------------------------------------------------

FAMILY = {
    # torch
    "torch.optim.lr_scheduler.StepLR": "step",
    "torch.optim.lr_scheduler.MultiStepLR": "multistep",
    "torch.optim.lr_scheduler.ConstantLR": "constant",
    "torch.optim.lr_scheduler.LinearLR": "linear",
    "torch.optim.lr_scheduler.ExponentialLR": "exponential",
    "torch.optim.lr_scheduler.PolynomialLR": "polynomial",
    "torch.optim.lr_scheduler.CosineAnnealingLR": "cosine",
    "torch.optim.lr_scheduler.ChainedScheduler": "composite",
    "torch.optim.lr_scheduler.SequentialLR": "composite",
    "torch.optim.lr_scheduler.ReduceLROnPlateau": "plateau",
    "torch.optim.lr_scheduler.CyclicLR": "cyclic",
    "torch.optim.lr_scheduler.OneCycleLR": "onecycle",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts": "cosine_restarts",
    "torch.optim.swa_utils.SWALR": "cosine",
    # keras
    "keras.optimizers.schedules.ExponentialDecay": "exponential",
    "keras.optimizers.schedules.PiecewiseConstantDecay": "piecewise",
    "keras.optimizers.schedules.PolynomialDecay": "polynomial",
    "keras.optimizers.schedules.InverseTimeDecay": "inverse_time",
    "keras.optimizers.schedules.CosineDecay": "cosine",
    "keras.optimizers.schedules.CosineDecayRestarts": "cosine_restarts",
    # optax
    "optax.constant_schedule": "constant",
    "optax.warmup_constant_schedule": "constant",
    "optax.linear_schedule": "linear",
    "optax.polynomial_schedule": "polynomial",
    "optax.piecewise_constant_schedule": "piecewise",
    "optax.piecewise_interpolate_schedule": "piecewise",
    "optax.exponential_decay": "exponential",
    "optax.warmup_exponential_decay_schedule": "exponential",
    "optax.cosine_decay_schedule": "cosine",
    "optax.warmup_cosine_decay_schedule": "cosine",
    "optax.linear_onecycle_schedule": "onecycle",
    "optax.cosine_onecycle_schedule": "onecycle",
    "optax.join_schedules": "composite",
    "optax.sgdr_schedule": "cosine_restarts",
    # transformers
    "transformers.get_constant_schedule": "constant",
    "transformers.get_constant_schedule_with_warmup": "constant",
    "transformers.get_linear_schedule_with_warmup": "linear",
    "transformers.get_cosine_schedule_with_warmup": "cosine",
    "transformers.get_cosine_with_min_lr_schedule_with_warmup": "cosine",
    "transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate": "cosine",
    "transformers.get_cosine_with_hard_restarts_schedule_with_warmup": "cosine_restarts",
    "transformers.get_polynomial_decay_schedule_with_warmup": "polynomial",
    "transformers.get_inverse_sqrt_schedule": "inverse_sqrt",
    "transformers.get_reduce_on_plateau_schedule": "plateau",
    "transformers.get_greedy_schedule": "plateau",
    "transformers.GreedyLR": "plateau",
    "transformers.get_wsd_schedule": "wsd",
    # timm
    "timm.scheduler.CosineLRScheduler": "cosine",
    "timm.scheduler.TanhLRScheduler": "tanh",
    "timm.scheduler.StepLRScheduler": "step",
    "timm.scheduler.MultiStepLRScheduler": "multistep",
    "timm.scheduler.PlateauLRScheduler": "plateau",
    "timm.scheduler.PolyLRScheduler": "polynomial",
    "timm.scheduler.WSDLRScheduler": "wsd",
}
# Dispatchers: family of the schedule they build, by name.
DISPATCH_FAMILY = {
    # transformers.get_scheduler(name=...)
    "linear": "linear",
    "cosine": "cosine",
    "cosine_with_restarts": "cosine_restarts",
    "polynomial": "polynomial",
    "constant": "constant",
    "constant_with_warmup": "constant",
    "inverse_sqrt": "inverse_sqrt",
    "reduce_lr_on_plateau": "plateau",
    "cosine_with_min_lr": "cosine",
    "cosine_warmup_with_min_lr": "cosine",
    "warmup_stable_decay": "wsd",
    "greedy": "plateau",
    # timm.scheduler.create_scheduler_v2(sched=...)
    "tanh": "tanh",
    "step": "step",
    "multistep": "multistep",
    "plateau": "plateau",
    "poly": "polynomial",
    "wsd": "wsd",
    "rsqrt": "wsd",
}
FAMILY_ORDER = [
    "constant", "step", "multistep", "piecewise", "linear", "exponential", "polynomial",
    "inverse_time", "inverse_sqrt", "cosine", "cosine_restarts", "tanh", "cyclic", "onecycle",
    "wsd", "plateau", "composite",
]
LIBRARIES = ["torch", "keras", "optax", "transformers", "timm"]


def family_of(spec):
    api = spec["api"]
    if api in FAMILY:
        return FAMILY[api]
    if api == "transformers.get_scheduler":
        return DISPATCH_FAMILY[spec["kwargs"]["name"]]
    if api == "timm.scheduler.create_scheduler_v2":
        return DISPATCH_FAMILY[spec["kwargs"].get("sched", "cosine")]
    if api == "timm.scheduler.create_scheduler":
        return DISPATCH_FAMILY[spec["kwargs"]["sched"]]
    raise KeyError(f"no family for {api}")


# ---------------------------------------------------------------------------------------------
# Case definitions
# ---------------------------------------------------------------------------------------------

CASES: list[dict] = []

TL = "torch.optim.lr_scheduler."
KS = "keras.optimizers.schedules."
TF = "transformers."
TM = "timm.scheduler."


def case(library, cid, api, kwargs, steps=None, *, lr=None, metrics=None, momentum=0.0,
         expect="ok", note=None):
    """Register one case. expect: ok | construct_error | step_error | nonfinite."""
    assert cid.startswith(library + "-"), cid
    spec = {"library": library, "id": cid, "api": api, "kwargs": kwargs, "expect": expect}
    if library in ("torch", "transformers", "timm"):
        spec["lr"] = 0.1 if lr is None else lr
        spec["momentum"] = momentum
    else:
        assert lr is None
        spec["lr"] = None
    if metrics is not None:
        spec["metrics"] = list(metrics)
        steps = len(metrics) + 1
    if expect == "construct_error":
        steps = 0
    assert steps is not None, cid
    spec["steps"] = steps
    if note:
        spec["note"] = note
    CASES.append(spec)


def t(cid, api, kwargs, steps=None, **kw):
    case("torch", "torch-" + cid, TL + api, kwargs, steps, **kw)


def k(cid, api, kwargs, steps=None, **kw):
    case("keras", "keras-" + cid, KS + api, kwargs, steps, **kw)


def o(cid, api, kwargs, steps=None, **kw):
    case("optax", "optax-" + cid, "optax." + api, kwargs, steps, **kw)


def hf(cid, api, kwargs, steps=None, **kw):
    case("transformers", "transformers-" + cid, TF + api, kwargs, steps, **kw)


def tm(cid, api, kwargs, steps=None, **kw):
    case("timm", "timm-" + cid, TM + api, kwargs, steps, **kw)


def nested(api, **kwargs):
    return {"api": api, **kwargs}


# Metric series for the metric-driven schedulers (values passed to step() in order).
LOSS_IMPROVE_THEN_FLAT = [1.0, 0.8, 0.6, 0.5] + [0.5] * 16
LOSS_NOISY = [1.0, 0.95, 0.97, 0.93, 0.94, 0.92, 0.925, 0.921, 0.93, 0.919, 0.92, 0.918, 0.925,
              0.917, 0.9169, 0.92, 0.915, 0.916, 0.9149, 0.918, 0.914, 0.9141, 0.9139, 0.92, 0.913]
ACC_RISING = [0.5, 0.6, 0.65, 0.7, 0.7, 0.7, 0.705, 0.7, 0.71, 0.71, 0.71, 0.71, 0.72, 0.72, 0.72,
              0.72, 0.72, 0.725, 0.72, 0.72]
FLAT_30 = [1.0] * 30
LOSS_SLOW = [1.0 - 0.001 * i for i in range(30)]  # improves by 0.1% of 1.0 each step
LOSS_DECREASING = [round(1.0 - 0.02 * i, 10) for i in range(30)]
LOSS_DOWN_THEN_UP = [round(1.0 - 0.05 * i, 10) for i in range(12)] + [round(0.45 + 0.01 * i, 10) for i in range(18)]


def define_torch():
    # StepLR
    t("steplr-basic", "StepLR", {"step_size": 30, "gamma": 0.1}, 100)
    t("steplr-default-gamma", "StepLR", {"step_size": 7}, 30)
    t("steplr-step1-gamma0.5-tiny", "StepLR", {"step_size": 1, "gamma": 0.5}, 60,
      note="values reach ~1e-19: tiny-value check")
    t("steplr-gamma-gt1", "StepLR", {"step_size": 10, "gamma": 2.0}, 50, lr=1e-5)
    t("steplr-step0-raises", "StepLR", {"step_size": 0}, 5, expect="step_error",
      note="last_epoch % 0 on the first step()")
    # MultiStepLR
    t("multisteplr-basic", "MultiStepLR", {"milestones": [30, 80], "gamma": 0.1}, 120)
    t("multisteplr-repeated-milestones", "MultiStepLR", {"milestones": [10, 10, 25], "gamma": 0.5}, 40,
      note="a milestone listed n times multiplies by gamma**n")
    t("multisteplr-milestone0", "MultiStepLR", {"milestones": [0, 5], "gamma": 0.1}, 10,
      note="milestone 0 already applies at construction (values[0] = lr * gamma)")
    t("multisteplr-unsorted", "MultiStepLR", {"milestones": [20, 5], "gamma": 0.3}, 30)
    # ConstantLR
    t("constantlr-default", "ConstantLR", {}, 10)
    t("constantlr-factor0.5-iters4", "ConstantLR", {"factor": 0.5, "total_iters": 4}, 10)
    t("constantlr-factor1", "ConstantLR", {"factor": 1.0, "total_iters": 3}, 6)
    t("constantlr-iters0", "ConstantLR", {"factor": 0.5, "total_iters": 0}, 6,
      note="recursion: factor applied at step 0 and never undone; closed form gives lr (see diagnostics)")
    t("constantlr-factor0-raises", "ConstantLR", {"factor": 0.0, "total_iters": 3}, 6, expect="step_error",
      note="undoing factor 0 at total_iters divides by zero")
    t("constantlr-factor-gt1-raises", "ConstantLR", {"factor": 1.5}, expect="construct_error")
    # LinearLR
    t("linearlr-default", "LinearLR", {}, 10)
    t("linearlr-warmup", "LinearLR", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 10}, 20)
    t("linearlr-decay-to-zero", "LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 20}, 25)
    t("linearlr-tiny-start", "LinearLR", {"start_factor": 1e-8, "total_iters": 5}, 8)
    t("linearlr-iters1", "LinearLR", {"start_factor": 0.5, "end_factor": 0.25, "total_iters": 1}, 4)
    t("linearlr-start0-raises", "LinearLR", {"start_factor": 0.0}, expect="construct_error")
    t("linearlr-start-gt1-raises", "LinearLR", {"start_factor": 1.5}, expect="construct_error")
    t("linearlr-end-negative-raises", "LinearLR", {"end_factor": -0.1}, expect="construct_error")
    # ExponentialLR
    t("exponentiallr-0.9", "ExponentialLR", {"gamma": 0.9}, 60)
    t("exponentiallr-growth", "ExponentialLR", {"gamma": 1.05}, 30, lr=1e-4)
    t("exponentiallr-0.5-long", "ExponentialLR", {"gamma": 0.5}, 100, lr=1.0,
      note="values down to 2**-99 ~ 1.6e-30")
    # PolynomialLR
    t("polynomiallr-default", "PolynomialLR", {}, 8)
    t("polynomiallr-power2", "PolynomialLR", {"total_iters": 20, "power": 2.0}, 30)
    t("polynomiallr-power0.5", "PolynomialLR", {"total_iters": 10, "power": 0.5}, 15)
    t("polynomiallr-power3-large-lr", "PolynomialLR", {"total_iters": 15, "power": 3.0}, 20, lr=10.0)
    t("polynomiallr-iters0", "PolynomialLR", {"total_iters": 0}, 5,
      note="recursion never decays (last_epoch > total_iters); the closed form would divide by zero")
    # CosineAnnealingLR
    t("cosineannealinglr-past-tmax", "CosineAnnealingLR", {"T_max": 20}, 61,
      note="past T_max the recursion follows the cosine back up (period 2*T_max)")
    t("cosineannealinglr-etamin", "CosineAnnealingLR", {"T_max": 30, "eta_min": 0.001}, 100)
    t("cosineannealinglr-tmax1", "CosineAnnealingLR", {"T_max": 1, "eta_min": 0.01}, 7)
    t("cosineannealinglr-etamin-above-lr", "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.2}, 25)
    t("cosineannealinglr-tmax0-raises", "CosineAnnealingLR", {"T_max": 0}, 5, expect="step_error")
    # ChainedScheduler
    t("chained-constant-exponential", "ChainedScheduler",
      {"schedulers": [nested(TL + "ConstantLR", factor=0.1, total_iters=20),
                      nested(TL + "ExponentialLR", gamma=0.9)]}, 40)
    t("chained-linear-steplr", "ChainedScheduler",
      {"schedulers": [nested(TL + "LinearLR", start_factor=0.2, total_iters=5),
                      nested(TL + "StepLR", step_size=10, gamma=0.5)]}, 40)
    t("chained-cosine-multistep", "ChainedScheduler",
      {"schedulers": [nested(TL + "CosineAnnealingLR", T_max=20, eta_min=0.01),
                      nested(TL + "MultiStepLR", milestones=[10, 15], gamma=0.5)]}, 45)
    # SequentialLR
    t("sequential-linear-exponential", "SequentialLR",
      {"schedulers": [nested(TL + "LinearLR", start_factor=0.1, total_iters=5),
                      nested(TL + "ExponentialLR", gamma=0.9)], "milestones": [5]}, 30)
    t("sequential-constant-exponential", "SequentialLR",
      {"schedulers": [nested(TL + "ConstantLR", factor=0.1, total_iters=2),
                      nested(TL + "ExponentialLR", gamma=0.9)], "milestones": [2]}, 12)
    t("sequential-three-phases", "SequentialLR",
      {"schedulers": [nested(TL + "LinearLR", start_factor=0.01, total_iters=5),
                      nested(TL + "ConstantLR", factor=0.5, total_iters=5),
                      nested(TL + "CosineAnnealingLR", T_max=20, eta_min=0.001)],
       "milestones": [5, 15]}, 45)
    t("sequential-cosine-twice", "SequentialLR",
      {"schedulers": [nested(TL + "CosineAnnealingLR", T_max=10),
                      nested(TL + "CosineAnnealingLR", T_max=10)], "milestones": [10]}, 30)
    t("sequential-linear-steplr-early-milestone", "SequentialLR",
      {"schedulers": [nested(TL + "LinearLR", start_factor=0.25, total_iters=8),
                      nested(TL + "StepLR", step_size=4, gamma=0.5)], "milestones": [3]}, 20,
      note="milestone before the linear warmup ends: the second scheduler restarts from the base lr")
    t("sequential-milestone0", "SequentialLR",
      {"schedulers": [nested(TL + "ConstantLR", factor=0.5, total_iters=4),
                      nested(TL + "ExponentialLR", gamma=0.8)], "milestones": [0]}, 10)
    t("sequential-nested-chained-raises", "SequentialLR",
      {"schedulers": [nested(TL + "LinearLR", start_factor=0.5, total_iters=3),
                      nested(TL + "ChainedScheduler",
                             schedulers=[nested(TL + "ConstantLR", factor=0.5, total_iters=2),
                                         nested(TL + "ExponentialLR", gamma=0.9)])],
       "milestones": [3]}, 10, expect="step_error",
      note="at the milestone SequentialLR calls _update_lr(0) on the ChainedScheduler, which has no get_lr")
    t("chained-with-sequential", "ChainedScheduler",
      {"schedulers": [nested(TL + "SequentialLR",
                             schedulers=[nested(TL + "LinearLR", start_factor=0.1, total_iters=4),
                                         nested(TL + "CosineAnnealingLR", T_max=12)],
                             milestones=[4]),
                      nested(TL + "StepLR", step_size=6, gamma=0.5)]}, 24)
    t("sequential-milestone-count-mismatch-raises", "SequentialLR",
      {"schedulers": [nested(TL + "LinearLR", start_factor=0.1, total_iters=5),
                      nested(TL + "ExponentialLR", gamma=0.9)], "milestones": [5, 10]},
      expect="construct_error")
    # ReduceLROnPlateau
    t("reducelronplateau-patience2", "ReduceLROnPlateau", {"patience": 2}, metrics=LOSS_IMPROVE_THEN_FLAT)
    t("reducelronplateau-default-flat", "ReduceLROnPlateau", {}, metrics=FLAT_30,
      note="default patience 10: reductions after 11 and 22 non-improving steps (the first step improves on inf)")
    t("reducelronplateau-max-abs", "ReduceLROnPlateau",
      {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 2, "factor": 0.5},
      metrics=ACC_RISING)
    t("reducelronplateau-cooldown-minlr", "ReduceLROnPlateau",
      {"patience": 1, "factor": 0.5, "cooldown": 2, "min_lr": 0.01}, metrics=FLAT_30)
    t("reducelronplateau-noisy-rel", "ReduceLROnPlateau",
      {"patience": 3, "threshold": 0.01, "threshold_mode": "rel", "factor": 0.3}, metrics=LOSS_NOISY)
    t("reducelronplateau-noisy-abs", "ReduceLROnPlateau",
      {"patience": 1, "threshold": 0.005, "threshold_mode": "abs", "factor": 0.5}, metrics=LOSS_NOISY)
    t("reducelronplateau-slow-rel-threshold", "ReduceLROnPlateau",
      {"patience": 2, "threshold": 0.01, "factor": 0.5}, metrics=LOSS_SLOW,
      note="improvements of ~0.1% are below the 1% rel threshold, so they count as bad epochs")
    t("reducelronplateau-eps", "ReduceLROnPlateau",
      {"patience": 0, "factor": 0.5, "eps": 0.01}, metrics=FLAT_30,
      note="reductions smaller than eps are skipped, so the lr stops at ~0.0125")
    t("reducelronplateau-max-rel-factor0", "ReduceLROnPlateau",
      {"mode": "max", "patience": 0, "factor": 0.0, "min_lr": 1e-6}, metrics=ACC_RISING)
    t("reducelronplateau-factor1-raises", "ReduceLROnPlateau", {"factor": 1.0}, expect="construct_error")
    t("reducelronplateau-bad-mode-raises", "ReduceLROnPlateau", {"mode": "avg"}, expect="construct_error")
    t("reducelronplateau-bad-threshold-mode-raises", "ReduceLROnPlateau", {"threshold_mode": "pct"},
      expect="construct_error")
    # CyclicLR
    t("cycliclr-triangular", "CyclicLR", {"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 5}, 41,
      momentum=0.9)
    t("cycliclr-triangular2", "CyclicLR",
      {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 4, "mode": "triangular2"}, 41, momentum=0.9)
    t("cycliclr-exp-range", "CyclicLR",
      {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5, "mode": "exp_range", "gamma": 0.95}, 51,
      momentum=0.9)
    t("cycliclr-asymmetric", "CyclicLR",
      {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 7}, 36, momentum=0.9)
    t("cycliclr-triangular2-scale-mode-ignored", "CyclicLR",
      {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 3, "mode": "triangular2",
       "scale_mode": "iterations"}, 25, momentum=0.9,
      note="built-in modes override scale_mode (triangular*: 'cycle', exp_range: 'iterations')")
    t("cycliclr-exp-range-scale-mode-cycle-ignored", "CyclicLR",
      {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 3, "mode": "exp_range", "gamma": 0.9,
       "scale_mode": "cycle"}, 25, momentum=0.9)
    t("cycliclr-no-cycle-momentum", "CyclicLR",
      {"base_lr": 0.001, "max_lr": 0.004, "step_size_up": 2, "step_size_down": 6,
       "cycle_momentum": False}, 25,
      note="plain SGD (momentum 0) with cycle_momentum=False")
    t("cycliclr-base-gt-max", "CyclicLR",
      {"base_lr": 0.1, "max_lr": 0.01, "step_size_up": 4}, 20, momentum=0.9,
      note="base_lr > max_lr: the cycle goes down first")
    t("cycliclr-bad-mode-raises", "CyclicLR",
      {"base_lr": 0.001, "max_lr": 0.01, "mode": "sawtooth"}, momentum=0.9, expect="construct_error")
    # OneCycleLR: defined up to last_epoch == total_steps (one index past the last phase end).
    t("onecyclelr-cos", "OneCycleLR", {"max_lr": 0.1, "total_steps": 100}, 101, momentum=0.9)
    t("onecyclelr-linear", "OneCycleLR", {"max_lr": 0.1, "total_steps": 50, "anneal_strategy": "linear"}, 51,
      momentum=0.9)
    t("onecyclelr-three-phase", "OneCycleLR", {"max_lr": 0.05, "total_steps": 60, "three_phase": True}, 61,
      momentum=0.9)
    t("onecyclelr-three-phase-linear", "OneCycleLR",
      {"max_lr": 1.0, "total_steps": 40, "three_phase": True, "anneal_strategy": "linear",
       "pct_start": 0.25}, 41, momentum=0.9)
    t("onecyclelr-div-factors", "OneCycleLR",
      {"max_lr": 0.2, "total_steps": 30, "div_factor": 10.0, "final_div_factor": 100.0, "pct_start": 0.5},
      31, momentum=0.9)
    t("onecyclelr-epochs-steps-per-epoch", "OneCycleLR",
      {"max_lr": 0.01, "epochs": 5, "steps_per_epoch": 8, "pct_start": 0.2}, 41, momentum=0.9)
    t("onecyclelr-no-cycle-momentum", "OneCycleLR",
      {"max_lr": 0.1, "total_steps": 20, "cycle_momentum": False}, 21)
    t("onecyclelr-past-total-raises", "OneCycleLR", {"max_lr": 0.1, "total_steps": 10}, 13, momentum=0.9,
      expect="step_error", note="step() number total_steps+1 raises")
    t("onecyclelr-pct-start-zero-phase-raises", "OneCycleLR",
      {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}, momentum=0.9, expect="construct_error",
      note="pct_start*total_steps - 1 == 0: the first phase has zero length, 0/0 at step 0")
    t("onecyclelr-total-steps0-raises", "OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, momentum=0.9,
      expect="construct_error")
    t("onecyclelr-no-length-raises", "OneCycleLR", {"max_lr": 0.1, "epochs": 5}, momentum=0.9,
      expect="construct_error")
    t("onecyclelr-pct-start-int-raises", "OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1},
      momentum=0.9, expect="construct_error", note="pct_start must be a float (isinstance check)")
    t("onecyclelr-bad-anneal-raises", "OneCycleLR",
      {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "exp"}, momentum=0.9, expect="construct_error")
    # CosineAnnealingWarmRestarts
    t("cosinewarmrestarts-tmult1", "CosineAnnealingWarmRestarts", {"T_0": 10}, 35)
    t("cosinewarmrestarts-tmult2", "CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2}, 80)
    t("cosinewarmrestarts-tmult3-etamin", "CosineAnnealingWarmRestarts",
      {"T_0": 4, "T_mult": 3, "eta_min": 0.01}, 60)
    t("cosinewarmrestarts-t0-1", "CosineAnnealingWarmRestarts", {"T_0": 1, "eta_min": 0.001}, 5)
    t("cosinewarmrestarts-t0-0-raises", "CosineAnnealingWarmRestarts", {"T_0": 0}, expect="construct_error")
    t("cosinewarmrestarts-tmult0-raises", "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 0},
      expect="construct_error")
    t("cosinewarmrestarts-t0-float-raises", "CosineAnnealingWarmRestarts", {"T_0": 2.5},
      expect="construct_error")
    t("cosinewarmrestarts-tmult-float-raises", "CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 1.5},
      expect="construct_error")


def define_swa():
    """torch.optim.swa_utils.SWALR: annealing to swa_lr, then holding it (also nested in SequentialLR)."""
    S = "torch.optim.swa_utils.SWALR"
    case("torch", "torch-swalr-cos", S, {"swa_lr": 0.05, "anneal_epochs": 10}, 15)
    case("torch", "torch-swalr-linear", S, {"swa_lr": 0.02, "anneal_epochs": 5, "anneal_strategy": "linear"}, 10)
    case("torch", "torch-swalr-up", S, {"swa_lr": 0.2, "anneal_epochs": 4}, 8, note="swa_lr above the lr: it anneals up")
    case("torch", "torch-swalr-no-annealing", S, {"swa_lr": 0.05, "anneal_epochs": 0}, 5,
         note="anneal_epochs=0: PyTorch counts at least one step, so swa_lr from the start")
    case("torch", "torch-swalr-bad-strategy-raises", S, {"swa_lr": 0.05, "anneal_strategy": "exp"}, expect="construct_error")
    case("torch", "torch-swalr-after-cosine", TL + "SequentialLR",
         {"schedulers": [nested(TL + "CosineAnnealingLR", T_max=10), nested(S, swa_lr=0.01, anneal_epochs=3)],
          "milestones": [10]}, 16, note="SWA's usual use: a decay, then SWALR for the averaging epochs")


def define_keras():
    E = "ExponentialDecay"
    k("exponentialdecay-basic", E, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.96}, 60)
    k("exponentialdecay-staircase", E,
      {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True}, 60)
    k("exponentialdecay-growth", E, {"initial_learning_rate": 1e-4, "decay_steps": 5, "decay_rate": 1.5}, 40)
    k("exponentialdecay-steps1-tiny", E, {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 0.5}, 80)
    k("exponentialdecay-steps0-raises", E, {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.9},
      expect="construct_error")
    P = "PiecewiseConstantDecay"
    k("piecewiseconstant-basic", P, {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001]}, 30,
      note="values[j] applies while step <= boundaries[j] (the boundary step still has the old value)")
    k("piecewiseconstant-one-boundary", P, {"boundaries": [5], "values": [1.0, 0.5]}, 10)
    k("piecewiseconstant-boundary0", P, {"boundaries": [0, 3, 6], "values": [0.5, 0.1, 0.05, 0.01]}, 10)
    k("piecewiseconstant-increasing", P, {"boundaries": [2, 4], "values": [1e-4, 1e-3, 1e-2]}, 8)
    k("piecewiseconstant-length-mismatch-raises", P, {"boundaries": [10, 20], "values": [0.1, 0.01]},
      expect="construct_error")
    Y = "PolynomialDecay"
    k("polynomialdecay-default", Y, {"initial_learning_rate": 0.1, "decay_steps": 100}, 120)
    k("polynomialdecay-power2-end", Y,
      {"initial_learning_rate": 0.1, "decay_steps": 50, "end_learning_rate": 0.01, "power": 2.0}, 60)
    k("polynomialdecay-power0.5", Y,
      {"initial_learning_rate": 1.0, "decay_steps": 20, "end_learning_rate": 0.0, "power": 0.5}, 25)
    k("polynomialdecay-cycle", Y,
      {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.001, "power": 1.0,
       "cycle": True}, 36,
      note="cycle=True: decay_steps * ceil(step/decay_steps), so the value at each multiple is end_lr")
    k("polynomialdecay-cycle-power2", Y,
      {"initial_learning_rate": 0.05, "decay_steps": 8, "end_learning_rate": 0.0, "power": 2.0,
       "cycle": True}, 30)
    k("polynomialdecay-increasing", Y,
      {"initial_learning_rate": 0.001, "decay_steps": 10, "end_learning_rate": 0.1, "power": 1.0}, 15)
    k("polynomialdecay-steps0-raises", Y, {"initial_learning_rate": 0.1, "decay_steps": 0},
      expect="construct_error")
    I = "InverseTimeDecay"
    k("inversetimedecay-basic", I, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}, 60)
    k("inversetimedecay-staircase", I,
      {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True}, 60)
    k("inversetimedecay-rate0", I, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.0}, 5)
    k("inversetimedecay-large-rate", I,
      {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 100.0}, 30)
    C = "CosineDecay"
    k("cosinedecay-basic", C, {"initial_learning_rate": 0.1, "decay_steps": 100}, 120)
    k("cosinedecay-alpha", C, {"initial_learning_rate": 0.1, "decay_steps": 50, "alpha": 0.1}, 60)
    k("cosinedecay-warmup", C,
      {"initial_learning_rate": 0.0, "decay_steps": 100, "warmup_target": 0.1, "warmup_steps": 10}, 120)
    k("cosinedecay-warmup-alpha-nonzero-start", C,
      {"initial_learning_rate": 0.01, "decay_steps": 40, "alpha": 0.05, "warmup_target": 0.2,
       "warmup_steps": 5}, 50)
    k("cosinedecay-warmup-target-no-warmup-steps", C,
      {"initial_learning_rate": 0.5, "decay_steps": 20, "warmup_target": 0.1}, 25,
      note="warmup_steps=0 with a warmup_target: decays from warmup_target, initial_learning_rate unused")
    k("cosinedecay-steps0-raises", C, {"initial_learning_rate": 0.1, "decay_steps": 0}, expect="construct_error")
    R = "CosineDecayRestarts"
    k("cosinedecayrestarts-default", R, {"initial_learning_rate": 0.1, "first_decay_steps": 10}, 80)
    k("cosinedecayrestarts-tmul1", R, {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 1.0}, 40)
    k("cosinedecayrestarts-mmul-alpha", R,
      {"initial_learning_rate": 0.1, "first_decay_steps": 8, "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.1}, 70)
    k("cosinedecayrestarts-tmul1.5", R,
      {"initial_learning_rate": 1.0, "first_decay_steps": 6, "t_mul": 1.5, "m_mul": 0.9}, 60)
    k("cosinedecayrestarts-tmul0.5-nan", R,
      {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 0.5}, 30, expect="nonfinite",
      note="t_mul < 1: the periods sum to first_decay_steps/(1-t_mul); from there log() of a value <= 0 gives NaN")
    k("cosinedecayrestarts-steps0-raises", R, {"initial_learning_rate": 0.1, "first_decay_steps": 0},
      expect="construct_error")


def define_optax():
    o("constant", "constant_schedule", {"value": 0.1}, 5)
    o("constant-tiny", "constant_schedule", {"value": 1e-12}, 3)
    # linear / polynomial
    o("linear-decay", "linear_schedule", {"init_value": 0.1, "end_value": 0.001, "transition_steps": 100}, 110)
    o("linear-warmup-begin", "linear_schedule",
      {"init_value": 0.0, "end_value": 0.1, "transition_steps": 10, "transition_begin": 5}, 20)
    o("linear-steps0-constant", "linear_schedule", {"init_value": 0.3, "end_value": 0.0, "transition_steps": 0}, 4,
      note="transition_steps <= 0: constant init_value")
    o("linear-negative-begin", "linear_schedule",
      {"init_value": 1.0, "end_value": 0.0, "transition_steps": 4, "transition_begin": -3}, 6,
      note="negative transition_begin falls back to 0")
    o("polynomial-power2", "polynomial_schedule",
      {"init_value": 0.1, "end_value": 0.001, "power": 2, "transition_steps": 50}, 60)
    o("polynomial-power0.5-begin", "polynomial_schedule",
      {"init_value": 1.0, "end_value": 0.01, "power": 0.5, "transition_steps": 20, "transition_begin": 10}, 35)
    o("polynomial-increasing-power3", "polynomial_schedule",
      {"init_value": 1e-5, "end_value": 1e-2, "power": 3.0, "transition_steps": 12}, 15)
    # piecewise constant
    o("piecewise-constant", "piecewise_constant_schedule",
      {"init_value": 0.1, "boundaries_and_scales": {30: 0.1, 60: 0.1}}, 80,
      note="the scale applies from count >= boundary")
    o("piecewise-constant-none", "piecewise_constant_schedule", {"init_value": 0.2}, 4)
    o("piecewise-constant-zero-and-growth", "piecewise_constant_schedule",
      {"init_value": 0.01, "boundaries_and_scales": {3: 10.0, 6: 0.0, 9: 5.0}}, 12)
    o("piecewise-constant-negative-scale-raises", "piecewise_constant_schedule",
      {"init_value": 0.1, "boundaries_and_scales": {5: -0.1}}, expect="construct_error")
    # exponential
    o("exponential-basic", "exponential_decay", {"init_value": 0.1, "transition_steps": 10, "decay_rate": 0.9}, 60)
    o("exponential-staircase", "exponential_decay",
      {"init_value": 0.1, "transition_steps": 10, "decay_rate": 0.5, "staircase": True}, 45)
    o("exponential-begin", "exponential_decay",
      {"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.8, "transition_begin": 15}, 40)
    o("exponential-end-lower-bound", "exponential_decay",
      {"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5, "end_value": 0.01}, 30)
    o("exponential-end-upper-bound", "exponential_decay",
      {"init_value": 0.01, "transition_steps": 4, "decay_rate": 2.0, "end_value": 0.1}, 25,
      note="decay_rate > 1: end_value is an upper bound")
    o("exponential-staircase-begin-end", "exponential_decay",
      {"init_value": 1.0, "transition_steps": 3, "decay_rate": 0.1, "transition_begin": 2, "staircase": True,
       "end_value": 1e-4}, 20)
    o("exponential-rate0-constant", "exponential_decay",
      {"init_value": 0.1, "transition_steps": 10, "decay_rate": 0.0}, 4, note="decay_rate 0: constant")
    o("exponential-steps0-constant", "exponential_decay",
      {"init_value": 0.1, "transition_steps": 0, "decay_rate": 0.5}, 4)
    # cosine
    o("cosine-basic", "cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 100}, 120)
    o("cosine-alpha", "cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 50, "alpha": 0.1}, 60)
    o("cosine-exponent2", "cosine_decay_schedule", {"init_value": 1.0, "decay_steps": 30, "exponent": 2.0}, 35)
    o("cosine-exponent0.5-alpha", "cosine_decay_schedule",
      {"init_value": 1.0, "decay_steps": 30, "alpha": 0.01, "exponent": 0.5}, 35)
    o("cosine-steps0-raises", "cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 0},
      expect="construct_error")
    o("warmup-cosine-basic", "warmup_cosine_decay_schedule",
      {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 100}, 120,
      note="decay_steps includes the warmup")
    o("warmup-cosine-end-exponent", "warmup_cosine_decay_schedule",
      {"init_value": 1e-4, "peak_value": 0.05, "warmup_steps": 5, "decay_steps": 40, "end_value": 1e-4,
       "exponent": 2.0}, 50)
    o("warmup-cosine-no-warmup", "warmup_cosine_decay_schedule",
      {"init_value": 0.1, "peak_value": 0.1, "warmup_steps": 0, "decay_steps": 30, "end_value": 0.01}, 35)
    o("warmup-cosine-warmup-equals-decay-raises", "warmup_cosine_decay_schedule",
      {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 20, "decay_steps": 20}, expect="construct_error",
      note="the cosine part gets decay_steps - warmup_steps = 0")
    o("warmup-exponential", "warmup_exponential_decay_schedule",
      {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "transition_steps": 20, "decay_rate": 0.5}, 80)
    o("warmup-exponential-staircase-end-begin", "warmup_exponential_decay_schedule",
      {"init_value": 0.01, "peak_value": 0.1, "warmup_steps": 5, "transition_steps": 5, "decay_rate": 0.5,
       "transition_begin": 5, "staircase": True, "end_value": 0.01}, 40)
    o("warmup-constant", "warmup_constant_schedule", {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10}, 15)
    o("warmup-constant-no-warmup", "warmup_constant_schedule",
      {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 0}, 4, note="warmup_steps 0: constant init_value")
    # onecycle / interpolate
    o("linear-onecycle", "linear_onecycle_schedule", {"transition_steps": 100, "peak_value": 0.1}, 110)
    o("linear-onecycle-custom", "linear_onecycle_schedule",
      {"transition_steps": 30, "peak_value": 1.0, "pct_start": 0.2, "pct_final": 0.6, "div_factor": 10.0,
       "final_div_factor": 100.0}, 35)
    o("linear-onecycle-steps0-raises", "linear_onecycle_schedule", {"transition_steps": 0, "peak_value": 0.1},
      expect="construct_error")
    o("cosine-onecycle", "cosine_onecycle_schedule", {"transition_steps": 100, "peak_value": 0.1}, 110)
    o("cosine-onecycle-custom", "cosine_onecycle_schedule",
      {"transition_steps": 40, "peak_value": 0.5, "pct_start": 0.5, "div_factor": 10.0, "final_div_factor": 100.0},
      45)
    o("interpolate-linear", "piecewise_interpolate_schedule",
      {"interpolate_type": "linear", "init_value": 1.0, "boundaries_and_scales": {4: 0.1, 8: 0.01}}, 12)
    o("interpolate-cosine", "piecewise_interpolate_schedule",
      {"interpolate_type": "cosine", "init_value": 0.1, "boundaries_and_scales": {10: 5.0, 30: 0.01}}, 35)
    o("interpolate-no-boundaries", "piecewise_interpolate_schedule",
      {"interpolate_type": "linear", "init_value": 0.3}, 3)
    o("interpolate-bad-type-raises", "piecewise_interpolate_schedule",
      {"interpolate_type": "quadratic", "init_value": 0.1}, expect="construct_error")
    o("interpolate-negative-scale-raises", "piecewise_interpolate_schedule",
      {"interpolate_type": "cosine", "init_value": 0.1, "boundaries_and_scales": {3: -1.0}},
      expect="construct_error")
    # step counts written as floats: optax only does arithmetic with them (no int check)
    o("linear-float-steps", "linear_schedule", {"init_value": 0.0, "end_value": 0.1, "transition_steps": 500.0}, 510)
    o("linear-fractional-steps", "linear_schedule", {"init_value": 1.0, "end_value": 0.0, "transition_steps": 10.5, "transition_begin": 2.5}, 16)
    o("exponential-fractional-steps", "exponential_decay",
      {"init_value": 0.1, "transition_steps": 2.5, "decay_rate": 0.5, "staircase": True}, 12)
    o("join-float-boundary", "join_schedules",
      {"schedules": [nested("optax.constant_schedule", value=0.1),
                     nested("optax.linear_schedule", init_value=0.1, end_value=0.0, transition_steps=100)],
       "boundaries": [5.0 * 100]}, 620)
    o("join-fractional-boundary", "join_schedules",
      {"schedules": [nested("optax.constant_schedule", value=0.1),
                     nested("optax.linear_schedule", init_value=0.1, end_value=0.0, transition_steps=10)],
       "boundaries": [4.5]}, 18)
    o("warmup-cosine-float-steps", "warmup_cosine_decay_schedule",
      {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10.0, "decay_steps": 50.0}, 55)
    # composites
    o("join-warmup-cosine", "join_schedules",
      {"schedules": [nested("optax.linear_schedule", init_value=0.0, end_value=0.1, transition_steps=10),
                     nested("optax.cosine_decay_schedule", init_value=0.1, decay_steps=40, alpha=0.01)],
       "boundaries": [10]}, 60)
    o("join-three", "join_schedules",
      {"schedules": [nested("optax.constant_schedule", value=0.01),
                     nested("optax.exponential_decay", init_value=0.1, transition_steps=5, decay_rate=0.5),
                     nested("optax.linear_schedule", init_value=0.05, end_value=0.0, transition_steps=10)],
       "boundaries": [5, 20]}, 35)
    o("sgdr-two-cycles", "sgdr_schedule",
      {"cosine_kwargs": [
          {"init_value": 0.1, "peak_value": 0.1, "warmup_steps": 0, "decay_steps": 20},
          {"init_value": 0.05, "peak_value": 0.05, "warmup_steps": 0, "decay_steps": 30}]}, 60,
      note="cosine_kwargs: warmup_cosine_decay_schedule kwargs per cycle, given as plain dicts")
    o("sgdr-warmup-cycles", "sgdr_schedule",
      {"cosine_kwargs": [
          {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 20, "end_value": 0.001},
          {"init_value": 0.001, "peak_value": 0.05, "warmup_steps": 2, "decay_steps": 10, "end_value": 0.001},
          {"init_value": 0.001, "peak_value": 0.02, "warmup_steps": 2, "decay_steps": 10}]}, 45)


def define_transformers():
    hf("constant", "get_constant_schedule", {}, 10)
    hf("constant-warmup", "get_constant_schedule_with_warmup", {"num_warmup_steps": 5}, 15)
    hf("constant-warmup0", "get_constant_schedule_with_warmup", {"num_warmup_steps": 0}, 5)
    hf("constant-warmup1", "get_constant_schedule_with_warmup", {"num_warmup_steps": 1}, 4)
    L = "get_linear_schedule_with_warmup"
    hf("linear-warmup", L, {"num_warmup_steps": 10, "num_training_steps": 100}, 110)
    hf("linear-no-warmup", L, {"num_warmup_steps": 0, "num_training_steps": 50}, 60)
    hf("linear-warmup-equals-total", L, {"num_warmup_steps": 20, "num_training_steps": 20}, 25)
    hf("linear-warmup-exceeds-total", L, {"num_warmup_steps": 15, "num_training_steps": 10}, 20,
      note="after warmup the lr drops straight to 0")
    C = "get_cosine_schedule_with_warmup"
    hf("cosine-warmup", C, {"num_warmup_steps": 10, "num_training_steps": 100}, 120,
       note="past num_training_steps the cosine keeps going (not clamped), floored at 0")
    hf("cosine-no-warmup", C, {"num_warmup_steps": 0, "num_training_steps": 50}, 55)
    hf("cosine-one-cycle", C, {"num_warmup_steps": 5, "num_training_steps": 45, "num_cycles": 1.0}, 60)
    hf("cosine-2.5-cycles", C, {"num_warmup_steps": 0, "num_training_steps": 40, "num_cycles": 2.5}, 45)
    hf("cosine-quarter-cycle", C, {"num_warmup_steps": 4, "num_training_steps": 24, "num_cycles": 0.25}, 30)
    hf("cosine-warmup-equals-total", C, {"num_warmup_steps": 10, "num_training_steps": 10}, 14)
    R = "get_cosine_with_hard_restarts_schedule_with_warmup"
    hf("hard-restarts-3", R, {"num_warmup_steps": 5, "num_training_steps": 65, "num_cycles": 3}, 70)
    hf("hard-restarts-default", R, {"num_warmup_steps": 0, "num_training_steps": 30}, 35)
    hf("hard-restarts-fractional", R, {"num_warmup_steps": 2, "num_training_steps": 22, "num_cycles": 2.5}, 25)
    P = "get_polynomial_decay_schedule_with_warmup"
    hf("polynomial-default", P, {"num_warmup_steps": 10, "num_training_steps": 100}, 110)
    hf("polynomial-power2-end", P,
       {"num_warmup_steps": 5, "num_training_steps": 50, "lr_end": 0.001, "power": 2.0}, 60)
    hf("polynomial-power0.5-no-warmup", P,
       {"num_warmup_steps": 0, "num_training_steps": 20, "lr_end": 0.0, "power": 0.5}, 25)
    hf("polynomial-lr-end-too-large-raises", P,
       {"num_warmup_steps": 0, "num_training_steps": 20, "lr_end": 0.1}, expect="construct_error",
       note="lr_end must be smaller than the optimizer's lr (0.1)")
    hf("polynomial-warmup-equals-total-raises", P, {"num_warmup_steps": 10, "num_training_steps": 10}, 15,
       expect="step_error", note="at step == num_training_steps the decay length is 0: 0/0")
    S = "get_inverse_sqrt_schedule"
    hf("inverse-sqrt-warmup", S, {"num_warmup_steps": 10}, 100, note="timescale defaults to num_warmup_steps")
    hf("inverse-sqrt-timescale", S, {"num_warmup_steps": 10, "timescale": 50}, 80)
    hf("inverse-sqrt-no-warmup", S, {"num_warmup_steps": 0}, 30, note="timescale defaults to 10_000 without warmup")
    hf("inverse-sqrt-no-warmup-timescale", S, {"num_warmup_steps": 0, "timescale": 5}, 30)
    hf("plateau-patience2", "get_reduce_on_plateau_schedule", {"patience": 2, "factor": 0.5},
       metrics=LOSS_IMPROVE_THEN_FLAT)
    hf("plateau-default", "get_reduce_on_plateau_schedule", {}, metrics=FLAT_30)
    M = "get_cosine_with_min_lr_schedule_with_warmup"
    hf("cosine-min-lr", M, {"num_warmup_steps": 10, "num_training_steps": 100, "min_lr": 1e-5}, 110)
    hf("cosine-min-lr-rate", M, {"num_warmup_steps": 5, "num_training_steps": 50, "min_lr_rate": 0.1}, 60)
    hf("cosine-min-lr-rate-one-cycle", M,
       {"num_warmup_steps": 0, "num_training_steps": 30, "min_lr_rate": 0.2, "num_cycles": 1.0}, 35)
    hf("cosine-min-lr-both-raises", M,
       {"num_warmup_steps": 5, "num_training_steps": 50, "min_lr": 1e-5, "min_lr_rate": 0.1},
       expect="construct_error")
    hf("cosine-min-lr-neither-raises", M, {"num_warmup_steps": 5, "num_training_steps": 50},
       expect="construct_error")
    W = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    hf("cosine-min-lr-rate-warmup-default", W,
       {"num_warmup_steps": 10, "num_training_steps": 100, "min_lr_rate": 0.1}, 110,
       note="warmup is (step+1)/num_warmup_steps and the decay is shifted by one step")
    hf("cosine-min-lr-rate-warmup-lr-rate", W,
       {"num_warmup_steps": 6, "num_training_steps": 40, "min_lr": 1e-4, "warmup_lr_rate": 0.01}, 45)
    hf("cosine-min-lr-rate-no-warmup", W,
       {"num_warmup_steps": 0, "num_training_steps": 20, "min_lr_rate": 0.05}, 25)
    hf("cosine-min-lr-rate-neither-raises", W, {"num_warmup_steps": 5, "num_training_steps": 50},
       expect="construct_error")
    D = "get_wsd_schedule"
    hf("wsd-default-cosine", D, {"num_warmup_steps": 10, "num_decay_steps": 20, "num_training_steps": 100}, 110)
    hf("wsd-linear", D,
       {"num_warmup_steps": 5, "num_decay_steps": 10, "num_training_steps": 40, "decay_type": "linear"}, 45)
    hf("wsd-1-sqrt-min-ratio", D,
       {"num_warmup_steps": 5, "num_decay_steps": 10, "num_training_steps": 40, "decay_type": "1-sqrt",
        "min_lr_ratio": 0.1}, 45, note="min_lr_ratio also lifts the warmup start")
    hf("wsd-cosine-warmup-stable-steps", D,
       {"num_warmup_steps": 8, "num_decay_steps": 12, "num_stable_steps": 10, "warmup_type": "cosine",
        "decay_type": "cosine", "num_cycles": 0.5}, 35)
    hf("wsd-1-sqrt-warmup", D,
       {"num_warmup_steps": 6, "num_decay_steps": 6, "num_training_steps": 20, "warmup_type": "1-sqrt",
        "decay_type": "linear", "min_lr_ratio": 0.05}, 25)
    hf("wsd-both-lengths", D,
       {"num_warmup_steps": 2, "num_decay_steps": 4, "num_training_steps": 100, "num_stable_steps": 3}, 12,
       note="num_stable_steps wins over num_training_steps (with a warning)")
    hf("wsd-no-length-raises", D, {"num_warmup_steps": 2, "num_decay_steps": 4}, expect="construct_error")
    hf("wsd-bad-decay-raises", D,
       {"num_warmup_steps": 2, "num_decay_steps": 4, "num_training_steps": 10, "decay_type": "exp"},
       expect="construct_error")
    hf("wsd-bad-warmup-raises", D,
       {"num_warmup_steps": 2, "num_decay_steps": 4, "num_training_steps": 10, "warmup_type": "exp"},
       expect="construct_error")
    hf("greedy-improving", "get_greedy_schedule", {"patience": 2, "factor": 0.9, "max_lr": 0.2},
       metrics=LOSS_DECREASING, lr=0.05, note="GreedyLR raises the lr (divides by factor) on sustained improvement")
    hf("greedy-down-then-up", "get_greedy_schedule",
       {"patience": 1, "factor": 0.5, "min_lr": 0.01, "cooldown": 1, "warmup": 1},
       metrics=LOSS_DOWN_THEN_UP, lr=0.1)
    hf("greedylr-class-flat-reset", "GreedyLR", {"patience": 0, "factor": 0.5, "min_lr": 0.02, "reset_start": 3},
       metrics=FLAT_30, lr=0.1, note="at min_lr for reset_start reductions, the scheduler resets to the initial lr")
    hf("greedylr-smooth", "GreedyLR",
       {"patience": 1, "factor": 0.8, "smooth": True, "window_size": 3, "threshold_mode": "rel",
        "threshold": 0.01}, metrics=LOSS_NOISY, lr=0.1)
    G = "get_scheduler"
    hf("get-scheduler-linear", G, {"name": "linear", "num_warmup_steps": 5, "num_training_steps": 30}, 35)
    hf("get-scheduler-cosine-restarts", G,
       {"name": "cosine_with_restarts", "num_warmup_steps": 2, "num_training_steps": 32,
        "scheduler_specific_kwargs": {"num_cycles": 3}}, 35)
    hf("get-scheduler-wsd", G,
       {"name": "warmup_stable_decay", "num_warmup_steps": 4, "num_training_steps": 30,
        "scheduler_specific_kwargs": {"num_decay_steps": 10, "decay_type": "linear"}}, 35)
    hf("get-scheduler-missing-warmup-raises", G, {"name": "cosine", "num_training_steps": 30},
       expect="construct_error")


def define_timm():
    C = "CosineLRScheduler"
    tm("cosine-basic", C, {"t_initial": 50}, 60)
    tm("cosine-warmup-lr-min", C, {"t_initial": 40, "lr_min": 1e-5, "warmup_t": 5, "warmup_lr_init": 1e-6}, 50,
       note="warmup_prefix=False: the warmup overlaps the first t_initial epochs")
    tm("cosine-warmup-prefix", C,
       {"t_initial": 40, "lr_min": 1e-5, "warmup_t": 5, "warmup_lr_init": 1e-6, "warmup_prefix": True}, 50)
    tm("cosine-cycles-decay", C, {"t_initial": 20, "cycle_decay": 0.5, "cycle_limit": 3, "lr_min": 1e-4}, 70)
    tm("cosine-cycle-mul2", C, {"t_initial": 10, "cycle_mul": 2.0, "cycle_limit": 3, "cycle_decay": 0.8}, 80)
    tm("cosine-k-decay2", C, {"t_initial": 30, "k_decay": 2.0, "lr_min": 0.001}, 35)
    tm("cosine-k-decay0.5", C, {"t_initial": 30, "k_decay": 0.5}, 35)
    tm("cosine-cycle-limit0", C, {"t_initial": 10, "lr_min": 0.01, "cycle_limit": 0}, 5,
       note="cycle_limit 0: lr_min from the start")
    tm("cosine-t-initial1", C, {"t_initial": 1, "lr_min": 0.001}, 4)
    tm("cosine-cycle-mul0.5-raises", C, {"t_initial": 10, "cycle_mul": 0.5}, 30, expect="step_error",
       note="cycle_mul < 1: log() of a non-positive number at t = t_initial/(1-cycle_mul)")
    tm("cosine-t-initial0-raises", C, {"t_initial": 0}, expect="construct_error",
       note="a bare assert: AssertionError with an empty message")
    T = "TanhLRScheduler"
    tm("tanh-basic", T, {"t_initial": 50}, 60)
    tm("tanh-bounds-lr-min", T, {"t_initial": 30, "lb": -4.0, "ub": 4.0, "lr_min": 1e-4}, 35)
    tm("tanh-warmup", T, {"t_initial": 30, "warmup_t": 5, "warmup_lr_init": 1e-4}, 35,
       note="warmup_prefix=False: warmup heads for the tanh value at warmup_t, not for the base lr")
    tm("tanh-warmup-prefix", T, {"t_initial": 30, "warmup_t": 5, "warmup_lr_init": 1e-4, "warmup_prefix": True},
       40)
    tm("tanh-cycles", T, {"t_initial": 15, "cycle_limit": 3, "cycle_decay": 0.5, "cycle_mul": 1.5}, 60)
    S = "StepLRScheduler"
    tm("step-basic", S, {"decay_t": 10, "decay_rate": 0.5}, 40)
    tm("step-warmup-prefix-default", S, {"decay_t": 10, "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.001},
       40, note="warmup_prefix defaults to True here")
    tm("step-warmup-no-prefix", S,
       {"decay_t": 10, "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.001, "warmup_prefix": False}, 40)
    tm("step-float-decay-t", S, {"decay_t": 2.5, "decay_rate": 0.8}, 20)
    tm("step-default-rate", S, {"decay_t": 3}, 8, note="decay_rate defaults to 1.0: constant")
    M = "MultiStepLRScheduler"
    tm("multistep-basic", M, {"decay_t": [10, 20], "decay_rate": 0.1}, 30,
       note="milestones compare with t+1: decay_t 10 applies from epoch 9")
    tm("multistep-warmup", M, {"decay_t": [5, 15], "decay_rate": 0.5, "warmup_t": 4, "warmup_lr_init": 0.0}, 30)
    tm("multistep-repeated", M, {"decay_t": [6, 6, 12], "decay_rate": 0.5}, 16)
    PL = "PlateauLRScheduler"
    tm("plateau-max-default", PL, {"patience_t": 2}, metrics=ACC_RISING, note="mode defaults to 'max'")
    tm("plateau-min", PL, {"mode": "min", "patience_t": 2, "decay_rate": 0.5}, metrics=LOSS_IMPROVE_THEN_FLAT)
    tm("plateau-warmup", PL,
       {"mode": "min", "patience_t": 1, "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.01},
       metrics=LOSS_IMPROVE_THEN_FLAT, note="epochs <= warmup_t follow the warmup and ignore the metric")
    tm("plateau-cooldown-lr-min", PL,
       {"mode": "min", "patience_t": 1, "decay_rate": 0.5, "cooldown_t": 2, "lr_min": 0.02,
        "threshold": 0.01}, metrics=LOSS_NOISY)
    P = "PolyLRScheduler"
    tm("poly-default", P, {"t_initial": 50}, 60, note="power defaults to 0.5")
    tm("poly-power2-lr-min", P, {"t_initial": 30, "power": 2.0, "lr_min": 1e-3}, 35)
    tm("poly-cycles-k-decay", P,
       {"t_initial": 10, "power": 1.0, "cycle_limit": 3, "cycle_decay": 0.5, "k_decay": 1.5}, 35)
    tm("poly-warmup", P, {"t_initial": 20, "power": 1.0, "warmup_t": 5, "warmup_lr_init": 0.0,
                          "warmup_prefix": True}, 30)
    W = "WSDLRScheduler"
    tm("wsd-default", W, {"t_initial": 40, "decay_t": 10, "warmup_t": 5}, 50,
       note="decay_fn defaults to '1-sqrt'; lr_min is reached at warmup_t + t_initial")
    tm("wsd-linear-lr-min", W, {"t_initial": 30, "decay_t": 10, "decay_fn": "linear", "lr_min": 1e-4}, 35)
    tm("wsd-cosine-warmup-init", W,
       {"t_initial": 30, "decay_t": 15, "decay_fn": "cosine", "warmup_t": 3, "warmup_lr_init": 0.001}, 40)
    tm("wsd-power-decay", W, {"t_initial": 20, "decay_t": 10, "decay_fn": "power", "decay_power": 2.0}, 25)
    tm("wsd-exp-decay", W, {"t_initial": 20, "decay_t": 10, "decay_fn": "exp", "decay_ratio": 0.05}, 25)
    tm("wsd-rsqrt-stable", W,
       {"t_initial": 40, "decay_t": 10, "stable_fn": "rsqrt", "decay_fn": "linear", "warmup_t": 5}, 50,
       note="stable_timescale defaults to warmup_t")
    tm("wsd-power-stable-lr-min", W,
       {"t_initial": 40, "decay_t": 8, "stable_fn": "power", "stable_power": 0.3, "stable_timescale": 10.0,
        "lr_min": 0.01}, 45)
    tm("wsd-decay-t-too-long-raises", W, {"t_initial": 10, "decay_t": 20}, expect="construct_error")
    tm("wsd-rsqrt-no-timescale-raises", W, {"t_initial": 10, "decay_t": 5, "stable_fn": "rsqrt"},
       expect="construct_error")
    tm("wsd-bad-decay-fn-raises", W, {"t_initial": 10, "decay_t": 5, "decay_fn": "step"}, expect="construct_error")
    F = "create_scheduler_v2"
    tm("factory-cosine-warmup", F,
       {"sched": "cosine", "num_epochs": 30, "warmup_epochs": 3, "warmup_lr": 1e-5, "min_lr": 1e-6,
        "cooldown_epochs": 5}, 40, note="returns (scheduler, num_epochs); num_epochs in 'returns'")
    tm("factory-step", F, {"sched": "step", "num_epochs": 40, "decay_epochs": 10, "decay_rate": 0.5}, 45)
    tm("factory-wsd-fraction", F,
       {"sched": "wsd", "num_epochs": 50, "warmup_epochs": 5, "decay_epochs": 0.2, "min_lr": 1e-5}, 55,
       note="decay_epochs in (0, 1) is a fraction of the stable + decay length")
    tm("factory-rsqrt", F, {"sched": "rsqrt", "num_epochs": 40, "warmup_epochs": 4, "warmup_lr": 0.0}, 45)
    F1 = "create_scheduler"
    tm("factory1-cosine-defaults", F1, {"sched": "cosine", "epochs": 30}, 35,
       note="train.py's args: warmup_epochs defaults to 5 here (create_scheduler_v2: 0)")
    tm("factory1-step", F1, {"sched": "step", "epochs": 40, "decay_epochs": 10, "decay_rate": 0.5, "warmup_epochs": 0}, 45)
    tm("factory1-multistep-warmup", F1, {"sched": "multistep", "epochs": 40, "decay_milestones": [10, 25], "warmup_epochs": 3,
                                         "warmup_lr": 0.001}, 45)
    tm("factory1-plateau-loss", F1, {"sched": "plateau", "eval_metric": "val_loss", "patience_epochs": 1, "warmup_epochs": 0},
       metrics=LOSS_IMPROVE_THEN_FLAT, note="an eval_metric with 'loss' in its name makes the plateau mode 'min'")
    tm("factory-wsd-decay-too-long-raises", F,
       {"sched": "wsd", "num_epochs": 50, "warmup_epochs": 5, "decay_epochs": 60}, expect="construct_error",
       note="without warmup_prefix the stable + decay length is num_epochs - warmup_epochs")


# ---------------------------------------------------------------------------------------------
# Runners
# ---------------------------------------------------------------------------------------------


class CaseFailure(RuntimeError):
    pass


def make_optimizer(lr, momentum):
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    return torch.optim.SGD([param], lr=lr, momentum=momentum)


def build_torchlike(api, kwargs, optimizer):
    """Build a torch/transformers/timm scheduler; nested {'api': ...} dicts share the optimizer."""

    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, dict) and "api" in v:
            sub = {kk: vv for kk, vv in v.items() if kk != "api"}
            return build_torchlike(v["api"], sub, optimizer)
        return v

    fn = resolve(api)
    if api == "timm.scheduler.create_scheduler":  # create_scheduler(args, optimizer, updates_per_epoch=0)
        import types

        updates = kwargs.pop("updates_per_epoch", 0)
        return fn(types.SimpleNamespace(**kwargs), optimizer, updates_per_epoch=updates)
    return fn(optimizer=optimizer, **{kk: conv(vv) for kk, vv in kwargs.items()})


def current_lr(optimizer):
    lr = optimizer.param_groups[0]["lr"]
    return float(lr)


def run_torchlike(spec, out):
    optimizer = make_optimizer(spec["lr"], spec["momentum"])
    kwargs = copy.deepcopy(spec["kwargs"])
    built = build_torchlike(spec["api"], kwargs, optimizer)
    if isinstance(built, tuple):  # timm.scheduler.create_scheduler_v2 -> (scheduler, num_epochs)
        sched, num_epochs = built
        out["returns"] = {"num_epochs": num_epochs}
    else:
        sched = built
    out["_built"] = True
    values = out["values"]
    metrics = spec.get("metrics")
    timm = spec["library"] == "timm"
    if timm and metrics is None:
        for i in range(spec["steps"]):
            sched.step(epoch=i)
            values.append(current_lr(optimizer))
        return
    values.append(current_lr(optimizer))
    if metrics is not None:
        for i, m in enumerate(metrics, start=1):
            optimizer.step()
            if timm:
                sched.step(epoch=i, metric=m)
            else:
                sched.step(m)
            values.append(current_lr(optimizer))
        return
    for _ in range(1, spec["steps"]):
        optimizer.step()
        sched.step()
        values.append(current_lr(optimizer))


def torch_closed_form_diagnostics(spec, values):
    """Compare torch's recursive (chainable) values with the class's own closed form."""
    cls = resolve(spec["api"])
    if not hasattr(cls, "_get_closed_form_lr"):
        return None
    optimizer = make_optimizer(spec["lr"], spec["momentum"])
    sched = cls(optimizer=optimizer, **copy.deepcopy(spec["kwargs"]))
    closed = []
    try:
        for i in range(len(values)):
            sched.step(i)  # deprecated epoch argument: sets last_epoch = i and uses the closed form
            closed.append(current_lr(optimizer))
    except Exception as e:  # noqa: BLE001
        return {"closed_form_error": f"{type(e).__name__}: {e}", "closed_form_error_step": len(closed)}
    max_abs, max_rel, at = 0.0, 0.0, None
    for i, (a, b) in enumerate(zip(values, closed)):
        d = abs(a - b)
        scale = max(abs(a), abs(b))
        r = d / scale if scale > 0 else 0.0
        if d > max_abs:
            max_abs = d
        if r > max_rel:
            max_rel, at = r, i
    return {"closed_form_max_abs_diff": max_abs, "closed_form_max_rel_diff": max_rel,
            "closed_form_max_rel_diff_step": at}


def jax_precision(fn, step=1):
    """(output dtype name, sorted float32 primitives) of fn(step), from its traced jaxpr."""
    import jax
    import numpy as np

    out = fn(step)
    out_dtype = "float64" if isinstance(out, float) else str(np.asarray(out).dtype)
    closed = jax.make_jaxpr(lambda: fn(step))()
    f32_ops = set()

    def walk(jaxpr):
        jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
        for eqn in jaxpr.eqns:
            for v in eqn.outvars:
                aval = getattr(v, "aval", None)
                if aval is not None and getattr(aval, "dtype", None) == np.float32:
                    f32_ops.add(eqn.primitive.name)
            for p in eqn.params.values():
                for q in p if isinstance(p, (tuple, list)) else (p,):
                    if hasattr(q, "eqns") or hasattr(getattr(q, "jaxpr", None), "eqns"):
                        walk(q)

    walk(closed)
    return out_dtype, sorted(f32_ops)


def build_optax(api, kwargs):
    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, dict) and "api" in v:
            return build_optax(v["api"], {kk: vv for kk, vv in v.items() if kk != "api"})
        return v

    return resolve(api)(**{kk: conv(vv) for kk, vv in kwargs.items()})


def run_jaxlike(spec, out):
    kwargs = copy.deepcopy(spec["kwargs"])
    if spec["library"] == "keras":
        fn = resolve(spec["api"])(**kwargs)
    else:
        fn = build_optax(spec["api"], kwargs)
    out["_built"] = True
    values = out["values"]
    for i in range(spec["steps"]):
        values.append(float(fn(i)))
    out_dtype, f32_ops = jax_precision(fn)
    if out_dtype == "float32":
        out["dtype"] = "float32"
    elif out_dtype == "float64":
        out["dtype"] = "mixed" if f32_ops else "float64"
    else:
        raise CaseFailure(f"{spec['id']}: unexpected output dtype {out_dtype}")
    if f32_ops:
        out["float32_ops"] = f32_ops


def run_case(spec):
    out = {
        "id": spec["id"],
        "library": spec["library"],
        "api": spec["api"],
        "family": family_of(spec),
        "lr": spec["lr"],
        "kwargs": copy.deepcopy(spec["kwargs"]),
        "dtype": "float64",
        "values": [],
    }
    if "metrics" in spec:
        out["metrics"] = list(spec["metrics"])
    if spec["library"] in ("torch", "transformers", "timm"):
        out["optimizer"] = {"class": "torch.optim.SGD", "momentum": spec["momentum"]}
    if "note" in spec:
        out["note"] = spec["note"]
    runner = run_torchlike if spec["library"] in ("torch", "transformers", "timm") else run_jaxlike
    expect = spec["expect"]
    try:
        runner(spec, out)
    except CaseFailure:
        raise
    except Exception as e:  # noqa: BLE001 - every library error is data here
        err = {"type": type(e).__name__, "error": str(e)}
        if not out.get("_built") and expect == "construct_error":
            out["raises_on_construct"] = err
            out["dtype"] = None  # nothing was computed
        elif expect == "step_error" and out.get("_built"):
            out["raises"] = {"step": len(out["values"]), **err}
        else:
            raise CaseFailure(f"{spec['id']}: unexpected {type(e).__name__}: {e}") from e
    else:
        if expect in ("construct_error", "step_error"):
            raise CaseFailure(f"{spec['id']}: expected an error, none was raised")
    out.pop("_built", None)
    # Non-finite values: cut the curve at the first one.
    for i, v in enumerate(out["values"]):
        if not math.isfinite(v):
            if expect != "nonfinite":
                raise CaseFailure(f"{spec['id']}: non-finite value {v} at step {i}")
            out["nonfinite"] = {"step": i, "value": repr(v)}
            del out["values"][i:]
            break
    else:
        if expect == "nonfinite":
            raise CaseFailure(f"{spec['id']}: expected a non-finite value, got none")
    if expect == "ok" and len(out["values"]) != spec["steps"]:
        raise CaseFailure(f"{spec['id']}: {len(out['values'])} values, {spec['steps']} expected")
    out["steps"] = len(out["values"])
    if spec["library"] == "torch" and expect == "ok":
        diag = torch_closed_form_diagnostics(spec, out["values"])
        if diag is not None:
            out["diagnostics"] = diag
    return out


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def dumps(obj):
    return json.dumps(obj, sort_keys=True, allow_nan=False, ensure_ascii=False)


def write_fixture(curves, versions):
    head = {
        "generated_by": "tests/reference/generate.py",
        "libraries": versions,
        "notes": NOTES,
        "precision": {
            "torch": "float64 (Python float)",
            "transformers": "float64 (Python float)",
            "timm": "float64 (Python float)",
            "keras": "floatx=float64, jax_enable_x64=True; per case 'dtype' (float64 | mixed | float32)",
            "optax": "jax_enable_x64=True; per case 'dtype'",
        },
    }
    lines = ["{"]
    for key in ("generated_by", "libraries", "notes", "precision"):
        block = json.dumps(head[key], sort_keys=True, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        lines.append(f"  {json.dumps(key)}: {block},")
    lines.append('  "curves": [')
    for i, c in enumerate(curves):
        lines.append("    " + dumps(c) + ("," if i < len(curves) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # well-formed
    OUT.write_text(text, encoding="utf-8")
    return text


def summary_tables(curves):
    counts = collections.Counter((c["family"], c["library"]) for c in curves)
    fams = [f for f in FAMILY_ORDER if any(counts[(f, lib)] for lib in LIBRARIES)]
    assert set(fams) == {c["family"] for c in curves}, "FAMILY_ORDER is missing a family"
    lines = ["| family | " + " | ".join(LIBRARIES) + " | total |",
             "|---|" + "---:|" * (len(LIBRARIES) + 1)]
    for f in fams:
        row = [counts[(f, lib)] for lib in LIBRARIES]
        lines.append(f"| {f} | " + " | ".join(str(n) if n else "·" for n in row) + f" | {sum(row)} |")
    totals = [sum(counts[(f, lib)] for f in fams) for lib in LIBRARIES]
    lines.append("| **total** | " + " | ".join(f"**{n}**" for n in totals) + f" | **{sum(totals)}** |")
    fam_table = "\n".join(lines)

    per_api = collections.OrderedDict()
    for c in curves:
        d = per_api.setdefault(c["api"], {"cases": 0, "raises": 0})
        d["cases"] += 1
        if "raises" in c or "raises_on_construct" in c or "nonfinite" in c:
            d["raises"] += 1
    lines = ["| api | cases | of which raise / non-finite |", "|---|---:|---:|"]
    for api, d in per_api.items():
        lines.append(f"| `{api}` | {d['cases']} | {d['raises'] or '·'} |")
    api_table = "\n".join(lines)

    kd = collections.Counter()
    for c in curves:
        if c["library"] in ("keras", "optax") and c["values"]:
            kd[(c["api"], c["dtype"], ",".join(c.get("float32_ops", [])))] += 1
    lines = ["| api | dtype | float32 ops | cases |", "|---|---|---|---:|"]
    for (api, dt, ops), n in sorted(kd.items()):
        lines.append(f"| `{api}` | {dt} | {ops or '·'} | {n} |")
    dtype_table = "\n".join(lines)
    return fam_table, api_table, dtype_table


def update_readme(fam_table, api_table, dtype_table, versions):
    if not README.exists():
        return False
    text = README.read_text(encoding="utf-8")
    blocks = {
        "versions": "\n".join(f"| {k} | {v} |" for k, v in versions.items()),
        "families": fam_table,
        "apis": api_table,
        "dtypes": dtype_table,
    }
    new = text
    for name, body in blocks.items():
        pat = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
        if name == "versions":
            body = "| library | version |\n|---|---|\n" + body
        new, n = pat.subn(lambda m, b=body: m.group(1) + b + "\n" + m.group(2), new)
        if n != 1:
            raise SystemExit(f"README.md: generated:{name} block not found")
    if new != text:
        README.write_text(new, encoding="utf-8")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="regex on case ids: run those cases and print them, write nothing")
    args = parser.parse_args(argv)

    setup_libraries()
    define_torch()
    define_swa()
    define_keras()
    define_optax()
    define_transformers()
    define_timm()
    ids = [c["id"] for c in CASES]
    dupes = [i for i, n in collections.Counter(ids).items() if n > 1]
    if dupes:
        raise SystemExit(f"duplicate case ids: {dupes}")

    if args.only:
        for spec in CASES:
            if re.search(args.only, spec["id"]):
                print(dumps(run_case(spec)))
        return 0

    versions = library_versions()
    curves = [run_case(spec) for spec in CASES]
    write_fixture(curves, versions)
    fam_table, api_table, dtype_table = summary_tables(curves)
    update_readme(fam_table, api_table, dtype_table, versions)

    print(f"wrote {OUT.relative_to(HERE.parent.parent)}: {len(curves)} curves, "
          f"{sum(len(c['values']) for c in curves)} values")
    print("libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print()
    print(fam_table)
    print()
    print(api_table)
    print()
    print(dtype_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
