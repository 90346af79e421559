"""axolotl's own schedulers (``axolotl.utils.schedulers``), which its Trainer builds instead of Hugging Face's.

An axolotl config names Hugging Face's schedules (``lr_scheduler: cosine``, ``linear``, ...), but some keys
make axolotl's trainer (``SchedulerMixin.create_scheduler``) build one of these instead:
``lr_quadratic_warmup: true``, ``cosine_min_lr_ratio``, ``cosine_constant_lr_ratio`` and
``lr_scheduler: rex``. The three cosines are ``LambdaLR`` factors of the optimizer's lr, stepped after
every optimizer step; ``RexLR`` is a PyTorch scheduler. Conventions, from axolotl 0.19.0's
``utils/schedulers.py``:

- the quadratic warmup rises as ``(step / warmup)**2``, then Hugging Face's cosine (``num_cycles``);
- the min-lr cosine ends at ``min_lr_ratio`` times the lr (a fraction, not a floor in lr units), with a
  plain half cosine (no ``num_cycles``), and goes on rising after ``num_training_steps``;
- the warmup-decay-constant cosine (Gupta et al. 2023) reaches ``min_lr_ratio`` at
  ``int(num_training_steps * constant_lr_ratio)`` and holds it;
- ``RexLR``'s constructor already steps once (``last_epoch`` 0 becomes 1), so step ``i`` uses its value
  at ``i + 1``: the warmup starts at ``lr / warmup``, not 0; after the warmup it falls as
  ``min/max + (1 - min/max) * z / (0.1 + 0.9 z)``, ``z`` the fraction left, to ``min_lr``, held.
"""

from __future__ import annotations

import math

from ..export.expr import PI, cos, maximum, minimum, where
from . import Param, check, is_int, is_number, record, register
from .transformers import LAST_EPOCH, TRAINING, WARMUP, _lambda

MODULE = "axolotl.utils.schedulers."


def _steps(**values) -> None:
    for name, value in values.items():
        check(is_int(value) and value >= 0, f"{name} must be a whole number >= 0 (got {name}={value!r})")


def _ratio(name: str, value) -> None:
    check(is_number(value) and math.isfinite(value), f"{name} must be a number (got {name}={value!r})")


@register(
    MODULE + "get_cosine_schedule_with_quadratic_warmup",
    family="cosine",
    params=(WARMUP, TRAINING, Param("num_cycles", "float", 0.5), LAST_EPOCH),
    needs_lr=True,
    summary="A quadratic warmup from 0, (step / warmup)², then Hugging Face's cosine to 0 (axolotl's lr_quadratic_warmup).",
    label="Cosine with quadratic warmup",
)
def get_cosine_schedule_with_quadratic_warmup(lr, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    _ratio("num_cycles", num_cycles)

    def factor(step):
        if step < num_warmup_steps:
            return (float(step) / float(max(1, num_warmup_steps))) ** 2
        progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))

    return _lambda(lr, factor, last_epoch)


@record(MODULE + "get_cosine_schedule_with_quadratic_warmup").closed_form
def _quadratic_at(b, t, lr, kw):
    w, n = kw["num_warmup_steps"], kw["num_training_steps"]
    progress = (t - w) / float(max(1, n - w))
    return lr * where(t < w, (t / float(max(1, w))) ** 2, maximum(0.0, 0.5 * (1.0 + cos(PI * float(kw["num_cycles"]) * 2.0 * progress))))


@register(
    MODULE + "get_cosine_schedule_with_min_lr",
    family="cosine",
    params=(WARMUP, TRAINING, Param("min_lr_ratio", "float", 0.0, doc="The end, as a fraction of the optimizer's lr.")),
    needs_lr=True,
    summary="Linear warmup from 0, then half a cosine down to min_lr_ratio × lr (axolotl's cosine_min_lr_ratio).",
    label="Cosine to a minimum ratio",
)
def get_cosine_schedule_with_min_lr(lr, num_warmup_steps, num_training_steps, min_lr_ratio=0.0):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    _ratio("min_lr_ratio", min_lr_ratio)

    def factor(step):
        if step < num_warmup_steps:
            return float(step) / float(max(1, num_warmup_steps))
        progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return (1 - min_lr_ratio) * (0.5 * (1.0 + math.cos(math.pi * progress))) + min_lr_ratio

    return _lambda(lr, factor, -1)


@record(MODULE + "get_cosine_schedule_with_min_lr").closed_form
def _min_lr_at(b, t, lr, kw):
    w, n, r = kw["num_warmup_steps"], kw["num_training_steps"], kw["min_lr_ratio"]
    progress = (t - w) / float(max(1, n - w))
    return lr * where(t < w, t / float(max(1, w)), (1 - r) * (0.5 * (1.0 + cos(PI * progress))) + r)


@register(
    MODULE + "get_cosine_schedule_with_warmup_decay_constant",
    family="cosine",
    params=(
        WARMUP, TRAINING,
        Param("constant_lr_ratio", "float", example="0.8", doc="Where the cosine ends, as a fraction of num_training_steps."),
        Param("min_lr_ratio", "float", example="0.1", doc="The value it ends at and holds, as a fraction of the optimizer's lr."),
        Param("num_cycles", "float", 0.5), LAST_EPOCH,
    ),
    needs_lr=True,
    summary="Linear warmup, a cosine to min_lr_ratio × lr at constant_lr_ratio of the run, then constant (axolotl's cosine_constant_lr_ratio).",
    label="Cosine, then constant",
)
def get_cosine_schedule_with_warmup_decay_constant(lr, num_warmup_steps, num_training_steps, constant_lr_ratio, min_lr_ratio, num_cycles=0.5, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    for name, value in (("constant_lr_ratio", constant_lr_ratio), ("min_lr_ratio", min_lr_ratio), ("num_cycles", num_cycles)):
        _ratio(name, value)
    constant = int(num_training_steps * constant_lr_ratio)

    def factor(step):
        if step < num_warmup_steps:
            return float(step) / float(max(1, num_warmup_steps))
        step = min(step, constant)
        progress = float(step - num_warmup_steps) / float(max(1, constant - num_warmup_steps))
        return max(0, (1 - min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))) + min_lr_ratio

    return _lambda(lr, factor, last_epoch)


@record(MODULE + "get_cosine_schedule_with_warmup_decay_constant").closed_form
def _decay_constant_at(b, t, lr, kw):
    w, r = kw["num_warmup_steps"], kw["min_lr_ratio"]
    constant = int(kw["num_training_steps"] * kw["constant_lr_ratio"])
    progress = (minimum(t, constant) - w) / float(max(1, constant - w))
    cosine = maximum(0, (1 - r) * 0.5 * (1.0 + cos(PI * float(kw["num_cycles"]) * 2.0 * progress))) + r
    return lr * where(t < w, t / float(max(1, w)), cosine)


@register(
    MODULE + "RexLR",
    family="rex",
    params=(
        Param("max_lr", "float", example="0.001", doc="Only its ratio to min_lr matters: the lr is the optimizer's."),
        Param("min_lr", "float", example="0.0"),
        Param("total_steps", "int", 0, from_training=True),
        Param("num_warmup_steps", "int", 0),
        Param("last_step", "int", 0, doc="Resuming is out of scope: only 0 (a fresh start) is accepted."),
    ),
    needs_lr=True,
    summary="Linear warmup, then the reflected exponential (REX) decay to min_lr (axolotl's lr_scheduler: rex).",
)
def rex_lr(lr, max_lr, min_lr, total_steps=0, num_warmup_steps=0, last_step=0):
    check(min_lr <= max_lr, f'Value of "min_lr" should be less than value of "max_lr". Got min_lr={min_lr} and max_lr={max_lr}')
    check(num_warmup_steps <= total_steps, f"num_warmup_steps ({num_warmup_steps}) must be less than or equal to total_steps ({total_steps}).")
    check(last_step == 0, f"last_step={last_step!r} resumes a run; lrcalc computes from the start (last_step=0)")
    check(max_lr != 0, "max_lr must not be 0 (RexLR divides min_lr by it)")

    def factor(t):  # its get_lr at last_step = t
        if 1 <= t <= num_warmup_steps:
            return t / num_warmup_steps
        after, remaining = t - num_warmup_steps, total_steps - num_warmup_steps
        if after >= remaining or after == -1 or remaining <= 0:
            return None
        z = (remaining - after % remaining) / remaining
        return min_lr / max_lr + (1.0 - min_lr / max_lr) * (z / (0.1 + 0.9 * z))

    def schedule(step):
        check(is_int(step) and step >= 0, f"step must be a whole number >= 0 (got step={step!r})")
        value = factor(step + 1)  # the constructor's own step: step i uses last_step i + 1
        return min_lr if value is None else lr * value

    return schedule


@record(MODULE + "RexLR").closed_form
def _rex_at(b, t, lr, kw):
    w, n, low, high = kw["num_warmup_steps"], kw["total_steps"], kw["min_lr"], kw["max_lr"]
    s = t + 1
    remaining = n - w
    z = (remaining - (s - w)) / float(max(remaining, 1))
    decay = lr * (low / high + (1.0 - low / high) * (z / (0.1 + 0.9 * z)))
    return where(s <= w, lr * s / float(max(w, 1)), where(s - w >= remaining, low, decay))
