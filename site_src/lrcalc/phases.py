"""Where a schedule changes phase: the end of warmup, milestones, restarts, the end of a decay.

:func:`boundaries` lists the steps (0-based, as :func:`lrcalc.from_library`
counts them) at which a configured schedule enters a new phase, each with a
label, so the page can mark them on the chart and say, for any step, which
phase it is in and how far through it. Boundaries follow each library's own
conventions: Keras's ``PiecewiseConstantDecay`` changes value one step after a
boundary, timm's ``MultiStepLRScheduler`` one step before a milestone.
"""

from __future__ import annotations

import math
from typing import Any

from . import fmt

MAX_BOUNDARIES = 40


def _warmup(kwargs: dict, *names: str) -> list[tuple[int, str]]:
    for name in names:
        value = kwargs.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return [(int(value), "the end of warmup")]
    return []


def _every(start: int, period: float, total: int, label: str) -> list[tuple[int, str]]:
    if not period or period <= 0:
        return []
    out, k = [], 1
    while start + period * k < total and len(out) <= MAX_BOUNDARIES:
        out.append((int(math.ceil(start + period * k)), f"{label} {k}"))
        k += 1
    return out


def _restarts(first: float, mult: float, total: int, offset: int = 0) -> list[tuple[int, str]]:
    out, start, length, k = [], float(offset), float(first), 1
    while start + length < total and len(out) <= MAX_BOUNDARIES and length > 0:
        start += length
        out.append((int(math.ceil(start)), f"restart {k}"))
        length *= mult
        k += 1
    return out


def _listed(values: Any, label: str, shift: int = 0) -> list[tuple[int, str]]:
    if isinstance(values, dict):
        values = [int(k) for k in values]
    if not isinstance(values, (list, tuple)):
        return []
    points = sorted({int(v) + shift for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)})
    return [(p, f"{label} {i}") for i, p in enumerate(points, start=1)]


def _end(kwargs: dict, label: str, *names: str, offset: int = 0) -> list[tuple[int, str]]:
    for name in names:
        value = kwargs.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return [(int(value) + offset, label)]
    return []


def boundaries(api: str, kwargs: dict, total: int) -> list[tuple[int, str]]:
    """Phase boundaries of a configured schedule, in 0-based steps, below ``total``.

    >>> boundaries("torch.optim.lr_scheduler.MultiStepLR", {"milestones": [30, 60]}, 90)
    [(30, 'milestone 1'), (60, 'milestone 2')]
    >>> boundaries("optax.warmup_cosine_decay_schedule", {"warmup_steps": 100, "decay_steps": 1000}, 2000)
    [(100, 'the end of warmup'), (1000, 'the end of decay')]
    """
    name = api.rsplit(".", 1)[-1]
    k = kwargs
    found: list[tuple[int, str]] = []
    if name in ("StepLR", "step_decay"):
        found = _every(0, k.get("step_size", 0), total, "drop")
    elif name in ("MultiStepLR", "multistep_decay"):
        found = _listed(k.get("milestones"), "milestone")
    elif name == "MultiStepLRScheduler":
        found = _listed(k.get("decay_t"), "milestone", shift=-1 + (k.get("warmup_t", 0) if k.get("warmup_prefix", True) else 0))
    elif name == "StepLRScheduler":
        offset = k.get("warmup_t", 0) if k.get("warmup_prefix", True) else 0
        found = _warmup(k, "warmup_t") + _every(offset, k.get("decay_t", 0), total, "drop")
    elif name in ("ConstantLR", "LinearLR", "PolynomialLR"):
        found = _end(k, "the end of the ramp" if name != "PolynomialLR" else "the end of decay", "total_iters")
    elif name == "CosineAnnealingLR":
        found = _every(0, k.get("T_max", 0), total, "cosine turns at T_max ×")
    elif name == "CosineAnnealingWarmRestarts":
        found = _restarts(k.get("T_0", 0), k.get("T_mult", 1), total)
    elif name == "CosineDecayRestarts":
        found = _restarts(k.get("first_decay_steps", 0), k.get("t_mul", 2.0), total)
    elif name == "cosine_restarts":
        found = _restarts(k.get("period", 0), k.get("period_mult", 1.0), total)
    elif name in ("SequentialLR",):
        found = _listed(k.get("milestones"), "switch")
    elif name in ("join", "join_schedules"):
        found = _listed(k.get("boundaries"), "switch")
    elif name in ("piecewise_constant", "piecewise_constant_schedule", "piecewise_interpolate", "piecewise_interpolate_schedule"):
        found = _listed(k.get("boundaries", k.get("boundaries_and_scales")), "boundary")
    elif name == "PiecewiseConstantDecay":
        found = _listed(k.get("boundaries"), "boundary", shift=1)
    elif name == "CyclicLR" or name == "cyclic":
        up = k.get("step_size_up", 2000 if name == "CyclicLR" else 0)
        down = k.get("step_size_down") or up
        found = _every(0, up + down, total, "cycle")
    elif name == "OneCycleLR":
        steps = k.get("total_steps") or (k.get("epochs") or 0) * (k.get("steps_per_epoch") or 0)
        pct = k.get("pct_start", 0.3)
        found = [(int(pct * steps), "the peak")] + ([(int(2 * pct * steps) - 1, "the return to the start")] if k.get("three_phase") else []) + [(steps, "the end of the cycle")]
    elif name == "one_cycle":
        steps, pct = k.get("total_steps", 90), k.get("pct_start", 0.3)
        found = [(int(pct * steps), "the peak")] + [(steps, "the end of the cycle")]
    elif name in ("warmup", "warmup_constant_schedule"):
        found = _warmup(k, "warmup_steps")
    elif name == "warmup_stable_decay":
        up, flat = k.get("warmup_steps", 5), k.get("stable_steps", 65)
        found = [(up, "the end of warmup"), (up + flat, "the start of decay"), (up + flat + k.get("decay_steps", 20), "the end of decay")]
    elif name == "get_wsd_schedule":
        up = k.get("num_warmup_steps", 0)
        down = k.get("num_decay_steps", 0)
        flat = k.get("num_stable_steps")
        if flat is None and isinstance(k.get("num_training_steps"), int):
            flat = k["num_training_steps"] - up - down
        if isinstance(flat, int):
            found = [(up, "the end of warmup"), (up + flat, "the start of decay"), (up + flat + down, "the end of decay")]
    elif name.startswith("get_") or name == "get_scheduler":
        found = _warmup(k, "num_warmup_steps") + _end(k, "the end of training", "num_training_steps")
    elif name in ("warmup_cosine_decay_schedule",):
        found = _warmup(k, "warmup_steps") + _end(k, "the end of decay", "decay_steps")
    elif name == "warmup_exponential_decay_schedule":
        found = _warmup(k, "warmup_steps")
    elif name == "sgdr_schedule" and isinstance(k.get("cosine_kwargs"), list):
        start = 0
        for i, cycle in enumerate(k["cosine_kwargs"][:-1], start=1):
            start += int(cycle.get("decay_steps", 0))
            found.append((start, f"restart {i}"))
    elif name in ("CosineDecay",):
        warm = k.get("warmup_steps", 0) if k.get("warmup_target") is not None else 0
        found = ([(warm, "the end of warmup")] if warm else []) + _end(k, "the end of decay", "decay_steps", offset=warm)
    elif name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
        offset = k.get("warmup_t", 0) if k.get("warmup_prefix", False) else 0
        found = _warmup(k, "warmup_t") + _restarts(k.get("t_initial", 0), k.get("cycle_mul", 1.0), total, offset)[: max(int(k.get("cycle_limit", 1)), 1)]
        found = [(s, "the end of the cycle" if "restart" in label else label) for s, label in found]
    elif name == "WSDLRScheduler":
        warm, length, decay = k.get("warmup_t", 0), k.get("t_initial", 0), k.get("decay_t", 0)
        found = ([(warm, "the end of warmup")] if warm else []) + [(warm + length - decay, "the start of decay"), (warm + length, "the end of decay")]
    elif name in ("cosine_decay", "linear", "polynomial_decay", "tanh_decay", "cosine_decay_schedule", "linear_schedule", "polynomial_schedule"):
        begin = k.get("transition_begin", 0) if isinstance(k.get("transition_begin"), int) else 0
        found = _end(k, "the end of decay", "steps", "decay_steps", "transition_steps", offset=max(begin, 0))
        if begin > 0:
            found.insert(0, (begin, "the start of decay"))
    elif name in ("ExponentialDecay", "InverseTimeDecay") and k.get("staircase"):
        found = _every(0, k.get("decay_steps", 0), total, "drop")
    elif name == "inverse_sqrt":
        found = _end(k, "the start of decay", "timescale")
    elif name == "PolynomialDecay":
        found = _end(k, "the end of decay", "decay_steps")
    return sorted({(s, label) for s, label in found if 0 < s < total})[:MAX_BOUNDARIES]


def describe(step: int, found: list[tuple[int, str]], total: int, unit_text) -> str:
    """Which phase ``step`` falls in and how far through it, e.g. ``between the end of warmup …``."""
    starts = [0] + [s for s, _ in found]
    ends = [s for s, _ in found] + [total]
    labels = ["the start"] + [label for _, label in found]
    for index, (start, end) in enumerate(zip(starts, ends)):
        if start <= step < end or (index == len(starts) - 1 and step >= start):
            span = max(end - start, 1)
            progress = min(max((step - start) / span, 0.0), 1.0)
            ending = "the end of the run" if end == total else ends_label(found, end)
            return (
                f"Phase {index + 1} of {len(starts)}: from {labels[index]} ({unit_text(start)}) to {ending} ({unit_text(end)}), "
                f"{fmt.lr(progress * 100)}% of the way through."
            )
    return ""


def ends_label(found: list[tuple[int, str]], step: int) -> str:
    """The label of the boundary at ``step``."""
    return next((label for s, label in found if s == step), "the next boundary")
