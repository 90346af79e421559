"""DeepSpeed's ``deepspeed.runtime.lr_schedules``, as pure functions of the optimizer step.

A DeepSpeed config's ``"scheduler": {"type": ..., "params": {...}}`` block names one of these; the
engine builds it with the optimizer (``DeepSpeedEngine._scheduler_from_config``) and calls its
``step()`` after every optimizer step (``_take_model_step``). Each scheduler sets the optimizer's lr
when it is built (``last_batch_iteration = -1``) and then from ``get_lr()`` at
``last_batch_iteration = t``: so step ``i`` of the run uses the value at ``t = i - 1``. Conventions
worth knowing, from deepspeed/runtime/lr_schedules.py (0.19.8):

- the warmups use ``max(2, warmup_num_steps)`` steps; ``warmup_type`` "log" (the default) rises as
  ``log(t + 1) / log(W)``, "linear" as ``t / W``, and both give ``warmup_min_lr`` at steps 0 and 1;
- ``WarmupLR``'s ``warmup_max_lr`` defaults to the optimizer's lr, ``WarmupDecayLR``'s to 0.001;
- ``WarmupDecayLR`` decays linearly to ``warmup_min_lr`` at ``total_num_steps`` and holds it;
- ``WarmupCosineLR`` scales the optimizer's lr: 0 at step 0, ``warmup_min_ratio`` at step 1, then a
  cosine from 1 to ``cos_min_ratio``, held from ``total_num_steps`` (0.19 clamps it; earlier
  releases let it rise again);
- ``OneCycle`` starts at ``cycle_min_lr``, climbs to ``cycle_max_lr`` over
  ``cycle_first_step_size`` steps (in ``cycle_first_stair_count`` stairs when given), comes down over
  ``cycle_second_step_size``, then decays as ``cycle_min_lr / (1 + decay_lr_rate * d / decay_step_size)``;
- ``LRRangeTest`` grows without end: ``min_lr * (1 + step_rate * t' / step_size)``, ``t' = t + 1``
  (floored in steps of ``step_size`` with ``lr_range_test_staircase``).
"""

from __future__ import annotations

import math

from ..export.expr import PI, cos, floor, log, maximum, minimum, need, where
from . import Param, check, given, is_number, record, register

MODULE = "deepspeed.runtime.lr_schedules."
WARMUP_TYPES = ("log", "linear")


def _warmup_steps(value) -> int:
    check(isinstance(value, int) and not isinstance(value, bool) and value > 0, f"warmup_num_steps must be a positive integer, got {value}")
    return max(2, value)


def _warmup_type(value) -> str:
    return value if value in WARMUP_TYPES else "log"  # DeepSpeed warns and uses log for anything else


def _rise(t: int, steps: int, kind: str) -> float:
    """The warmup's fraction at ``last_batch_iteration = t`` (t < steps), with DeepSpeed's operations."""
    return (1.0 / math.log(steps)) * math.log(t + 1) if kind == "log" else t / steps


def _numbers(**values) -> None:
    for name, value in values.items():
        check(is_number(value) and math.isfinite(value), f"{name} must be a number (got {name}={value!r})")


WARMUP_PARAMS = (
    Param("warmup_min_lr", "float", 0.0),
    Param("warmup_num_steps", "int", 1000),
    Param("warmup_type", "choice", "log", choices=WARMUP_TYPES, doc="How the warmup rises: log(t + 1) / log(W), or linearly."),
)


@register(
    MODULE + "WarmupLR",
    family="warmup",
    params=(*WARMUP_PARAMS[:1], Param("warmup_max_lr", "float", None, optional=True, doc="Defaults to the optimizer's lr."), *WARMUP_PARAMS[1:]),
    needs_lr=True,
    summary="From warmup_min_lr to warmup_max_lr over warmup_num_steps (log or linear), then held.",
    label="WarmupLR",
)
def warmup_lr(lr, warmup_min_lr=0.0, warmup_max_lr=None, warmup_num_steps=1000, warmup_type="log"):
    top = lr if warmup_max_lr is None else warmup_max_lr
    _numbers(warmup_min_lr=warmup_min_lr, warmup_max_lr=top)
    steps, kind = _warmup_steps(warmup_num_steps), _warmup_type(warmup_type)

    def schedule(step):
        t = step - 1
        if t < 0:
            return warmup_min_lr
        gamma = _rise(t, steps, kind) if t < steps else 1.0
        return warmup_min_lr + (top - warmup_min_lr) * gamma

    return schedule


@register(
    MODULE + "WarmupDecayLR",
    family="warmup",
    params=(Param("total_num_steps", "int", example="9000", from_training=True), *WARMUP_PARAMS[:1], Param("warmup_max_lr", "float", 0.001), *WARMUP_PARAMS[1:]),
    needs_lr=True,
    summary="WarmupLR's warmup, then down in a straight line to warmup_min_lr at total_num_steps.",
    label="WarmupDecayLR",
)
def warmup_decay_lr(lr, total_num_steps, warmup_min_lr=0.0, warmup_max_lr=0.001, warmup_num_steps=1000, warmup_type="log"):
    _numbers(total_num_steps=total_num_steps, warmup_min_lr=warmup_min_lr, warmup_max_lr=warmup_max_lr)
    steps, kind = _warmup_steps(warmup_num_steps), _warmup_type(warmup_type)

    def schedule(step):
        t = step - 1
        if t < 0:
            return warmup_min_lr
        if t < steps:
            gamma = _rise(t, steps, kind)
        else:
            gamma = max(0.0, float(total_num_steps - t) / float(max(1.0, total_num_steps - steps)))
        return warmup_min_lr + (warmup_max_lr - warmup_min_lr) * gamma

    return schedule


@register(
    MODULE + "WarmupCosineLR",
    family="warmup",
    params=(
        Param("total_num_steps", "int", example="9000", from_training=True),
        Param("warmup_min_ratio", "float", 0.0),
        Param("warmup_num_steps", "int", 1000),
        Param("cos_min_ratio", "float", 0.0001),
        Param("warmup_type", "choice", "log", choices=WARMUP_TYPES),
    ),
    needs_lr=True,
    summary="The optimizer's lr times a warmup ratio (log or linear), then a cosine down to cos_min_ratio, held.",
    label="WarmupCosineLR",
)
def warmup_cosine_lr(lr, total_num_steps, warmup_min_ratio=0.0, warmup_num_steps=1000, cos_min_ratio=0.0001, warmup_type="log"):
    _numbers(total_num_steps=total_num_steps, warmup_min_ratio=warmup_min_ratio, cos_min_ratio=cos_min_ratio)
    steps, kind = _warmup_steps(warmup_num_steps), _warmup_type(warmup_type)

    def schedule(step):
        t = step - 1
        if t < 0:
            return 0.0
        if t < steps:
            return lr * (warmup_min_ratio + _rise(t, steps, kind) * (1.0 - warmup_min_ratio))
        progress = min(1.0, (t - steps + 1) / max(1, total_num_steps - steps))
        return lr * max(0.0, cos_min_ratio + (1.0 - cos_min_ratio) * (1 + math.cos(math.pi * progress)) / 2)

    return schedule


@register(
    MODULE + "OneCycle",
    family="one_cycle",
    params=(
        Param("cycle_min_lr", "float", example="0.0001"),
        Param("cycle_max_lr", "float", example="0.001"),
        Param("decay_lr_rate", "float", 0.0),
        Param("cycle_first_step_size", "int", 2000),
        Param("cycle_second_step_size", "int", None, optional=True, doc="Defaults to cycle_first_step_size."),
        Param("cycle_first_stair_count", "int", 0),
        Param("cycle_second_stair_count", "int", None, optional=True),
        Param("decay_step_size", "int", 0),
        Param("cycle_momentum", "bool", True, doc="Cycles beta1 between cycle_max_mom and cycle_min_mom; the lr does not depend on it."),
        Param("cycle_min_mom", "float", 0.8),
        Param("cycle_max_mom", "float", 0.9),
        Param("decay_mom_rate", "float", 0.0),
    ),
    needs_lr=False,
    summary="Up from cycle_min_lr to cycle_max_lr and back (optionally in stairs), then an inverse-time decay.",
    label="OneCycle",
)
def one_cycle(cycle_min_lr, cycle_max_lr, decay_lr_rate=0.0, cycle_first_step_size=2000, cycle_second_step_size=None, cycle_first_stair_count=0,
              cycle_second_stair_count=None, decay_step_size=0, cycle_momentum=True, cycle_min_mom=0.8, cycle_max_mom=0.9, decay_mom_rate=0.0):
    _numbers(cycle_min_lr=cycle_min_lr, cycle_max_lr=cycle_max_lr, decay_lr_rate=decay_lr_rate)
    first = float(cycle_first_step_size)
    second = float(cycle_second_step_size) if cycle_second_step_size is not None else first
    check(first > 0, f"cycle_first_step_size must be positive, got {first}")
    check(second >= 0, f"cycle_second_step_size must be non-negative, got {second}")
    total = first + second
    ratio = first / total
    stairs_up = cycle_first_stair_count
    stairs_down = cycle_first_stair_count if cycle_second_stair_count is None else cycle_second_stair_count
    no_decay = math.isclose(decay_step_size, 0) or math.isclose(decay_lr_rate, 0)

    def scale(t: int) -> float:
        iteration = t + 1
        x = 1.0 + iteration / total - math.floor(1 + iteration / total)
        factor, stairs = (x / ratio, stairs_up) if x <= ratio else ((x - 1) / (ratio - 1), stairs_down)
        if stairs > 0:
            within = iteration % total
            position = within * stairs / first if within <= first else (total - within) * stairs / second
            factor = math.floor(position) / stairs
        return factor

    def schedule(step):
        t = step - 1
        if t < 0:
            return cycle_min_lr
        if t < total:
            return cycle_min_lr + (cycle_max_lr - cycle_min_lr) * scale(t)
        if no_decay:
            return cycle_min_lr
        return cycle_min_lr / (1 + decay_lr_rate * ((t - total + 1) / decay_step_size))

    return schedule


@register(
    MODULE + "LRRangeTest",
    family="exponential",
    params=(
        Param("lr_range_test_min_lr", "float", 0.001),
        Param("lr_range_test_step_size", "int", 2000),
        Param("lr_range_test_step_rate", "float", 1.0),
        Param("lr_range_test_staircase", "bool", False),
    ),
    needs_lr=False,
    summary="An LR range test: lr_range_test_min_lr grown by step_rate every step_size steps, without end.",
    label="LRRangeTest",
)
def lr_range_test(lr_range_test_min_lr=0.001, lr_range_test_step_size=2000, lr_range_test_step_rate=1.0, lr_range_test_staircase=False):
    _numbers(lr_range_test_min_lr=lr_range_test_min_lr, lr_range_test_step_rate=lr_range_test_step_rate)
    size = lr_range_test_step_size
    check(isinstance(size, int) and not isinstance(size, bool) and size > 0, f"lr_range_test_step_size must be a positive integer, got {size}")

    def schedule(step):
        interval = step / size  # (last_batch_iteration + 1) / step_size, last_batch_iteration = step - 1
        if lr_range_test_staircase:
            interval = math.floor(interval)
        return lr_range_test_min_lr * (1 + lr_range_test_step_rate * interval)

    return schedule


# ---------------------------------------------------------------- the run length a call states, and its warmup (see lrcalc.span)

for _name in ("WarmupDecayLR", "WarmupCosineLR"):
    record(MODULE + _name).spans(length=given("total_num_steps"), warmup=given("warmup_num_steps"))
record(MODULE + "WarmupLR").spans(warmup=given("warmup_num_steps"))


# ---------------------------------------------------------------- each schedule's closed form (for the code export)
# s is the optimizer step; DeepSpeed's last_batch_iteration is s - 1.


def _rise_at(s, steps: int, kind: str):
    """The warmup's fraction at step s, 0 at steps 0 and 1, written so that it is 1 from step ``steps`` on."""
    if _warmup_type(kind) == "log":
        return minimum(log(maximum(s, 1)) * (1.0 / math.log(steps)), 1.0)
    return minimum(maximum(s - 1, 0) / steps, 1.0)


@record(MODULE + "WarmupLR").closed_form
def _warmup_lr_at(b, s, lr, kw):
    top = lr if kw["warmup_max_lr"] is None else kw["warmup_max_lr"]
    low = kw["warmup_min_lr"]
    return low + (top - low) * _rise_at(s, max(2, kw["warmup_num_steps"]), kw["warmup_type"])


@record(MODULE + "WarmupDecayLR").closed_form
def _warmup_decay_lr_at(b, s, lr, kw):
    steps, total, low, top = max(2, kw["warmup_num_steps"]), kw["total_num_steps"], kw["warmup_min_lr"], kw["warmup_max_lr"]
    decay = maximum(0.0, (total - (s - 1)) / float(max(1.0, total - steps)))
    return low + (top - low) * where(s <= steps, _rise_at(s, steps, kw["warmup_type"]), decay)


@record(MODULE + "WarmupCosineLR").closed_form
def _warmup_cosine_lr_at(b, s, lr, kw):
    steps, total, wmin, cmin = max(2, kw["warmup_num_steps"]), kw["total_num_steps"], kw["warmup_min_ratio"], kw["cos_min_ratio"]
    warm = wmin + _rise_at(s, steps, kw["warmup_type"]) * (1.0 - wmin)
    progress = minimum(1.0, (s - steps) / max(1, total - steps))
    cosine = maximum(0.0, cmin + (1.0 - cmin) * ((1 + cos(PI * progress)) / 2))
    return where(s < 1, 0.0, lr * where(s <= steps, warm, cosine))


@record(MODULE + "OneCycle").closed_form
def _one_cycle_at(b, s, lr, kw):
    need(not kw["cycle_first_stair_count"] and not kw["cycle_second_stair_count"], "OneCycle in stairs has no closed form written out")
    low, high = kw["cycle_min_lr"], kw["cycle_max_lr"]
    first = float(kw["cycle_first_step_size"])
    second = float(kw["cycle_second_step_size"]) if kw["cycle_second_step_size"] is not None else first
    total = first + second
    ratio = first / total
    x = minimum(s, total) / total
    cycle = low + (high - low) * where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    if math.isclose(kw["decay_step_size"], 0) or math.isclose(kw["decay_lr_rate"], 0):
        return where(s <= total, cycle, low)
    return where(s <= total, cycle, low / (1 + kw["decay_lr_rate"] * (maximum(s - total, 0) / kw["decay_step_size"])))


@record(MODULE + "LRRangeTest").closed_form
def _lr_range_test_at(b, s, lr, kw):
    interval = s / kw["lr_range_test_step_size"]
    return kw["lr_range_test_min_lr"] * (1 + kw["lr_range_test_step_rate"] * (floor(interval) if kw["lr_range_test_staircase"] else interval))
