"""Hugging Face transformers' schedules (``transformers.get_*_schedule*``).

Each is a PyTorch ``LambdaLR`` on the optimizer: ``lr(i) = lr * factor(i)``,
where ``i`` counts optimizer steps (batches) and ``lr`` is the optimizer's
learning rate. Conventions worth knowing:

- ``num_training_steps`` includes the warmup; warmup starts from 0 at step 0.
- After ``num_training_steps`` the linear schedule stays at 0 and the
  polynomial one holds ``lr_end``, but the cosine ones rise again: their
  cosine goes on past its half period (``max(0, ...)`` clips only below 0).
- ``get_cosine_with_min_lr_schedule_with_warmup``: the floor is ``min_lr``
  (absolute) or ``min_lr_rate`` (a fraction of ``lr``).
- ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate`` counts one step
  ahead: its warmup starts above 0 and its decay starts at step ``warmup + 1``.
- ``get_reduce_on_plateau_schedule`` is PyTorch's ``ReduceLROnPlateau``.

Why one module of this length: it is the one home of transformers' schedules
and its ``get_scheduler`` dispatcher, each with its record, phases, closed form,
equivalents and stated run length beside it.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from .. import phases as ph
from ..export.expr import PI, Expr, after, chain_below, cos, maximum, need, sqrt, where
from ..export.natives import same
from . import REGISTRY, Param, bind, check, first, given, is_int, is_number, record, register
from .pytorch import PLATEAU_PARAMS
from ..schedules import Schedule

MODULE = "transformers."
LAST_EPOCH = Param("last_epoch", "int", -1, doc="Resuming is out of scope: only -1 (a fresh start) is accepted.")
WARMUP = Param("num_warmup_steps", "int", example="500")
TRAINING = Param("num_training_steps", "int", from_training=True)


def _lambda(lr: float, factor: Callable[[int], float], last_epoch: int) -> Schedule:
    """LambdaLR: the optimizer's lr times ``factor(step)``."""
    check(
        last_epoch == -1,
        f"last_epoch={last_epoch!r} resumes a run; lrcalc computes from the start (last_epoch=-1): read later steps instead",
    )

    def schedule(step: int) -> float:
        check(is_int(step) and step >= 0, f"step must be a whole number >= 0 (got step={step!r})")
        return lr * factor(step)

    return schedule


def _steps(**values) -> None:
    for name, value in values.items():
        check(is_int(value), f"{name} must be a whole number (got {name}={value!r})")


def _warmup(step: int, warmup: int) -> float:
    return float(step) / float(max(1, warmup))


@register(MODULE + "get_constant_schedule", family="constant", params=(LAST_EPOCH,), needs_lr=True, summary="The optimizer's lr, unchanged.")
def get_constant_schedule(lr, last_epoch=-1):
    return _lambda(lr, lambda step: 1, last_epoch)


@register(
    MODULE + "get_constant_schedule_with_warmup",
    family="warmup",
    params=(WARMUP, LAST_EPOCH),
    needs_lr=True,
    summary="Linear warmup from 0 over num_warmup_steps, then the optimizer's lr.",
)
def get_constant_schedule_with_warmup(lr, num_warmup_steps, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps)

    def factor(step):
        return float(step) / float(max(1.0, num_warmup_steps)) if step < num_warmup_steps else 1.0

    return _lambda(lr, factor, last_epoch)


@register(
    MODULE + "get_linear_schedule_with_warmup",
    family="linear",
    params=(WARMUP, TRAINING, LAST_EPOCH),
    needs_lr=True,
    summary="Linear warmup from 0, then linear decay to 0 at num_training_steps.",
)
def get_linear_schedule_with_warmup(lr, num_warmup_steps, num_training_steps, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)

    def factor(step):
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        return max(0.0, float(num_training_steps - step) / float(max(1, num_training_steps - num_warmup_steps)))

    return _lambda(lr, factor, last_epoch)


def _cosine_factor(step, warmup, training, cycles, min_rate=0.0):
    if step < warmup:
        return _warmup(step, warmup)
    progress = float(step - warmup) / float(max(1, training - warmup))
    value = 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress))
    value = value * (1 - min_rate) + min_rate
    return max(0.0, value)


@register(
    MODULE + "get_cosine_schedule_with_warmup",
    family="cosine",
    params=(WARMUP, TRAINING, Param("num_cycles", "float", 0.5), LAST_EPOCH),
    needs_lr=True,
    summary="Linear warmup from 0, then a cosine to 0 at num_training_steps (num_cycles=0.5 is half a wave).",
)
def get_cosine_schedule_with_warmup(lr, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    check(is_number(num_cycles), f"num_cycles must be a number (got {num_cycles!r})")
    return _lambda(lr, lambda step: _cosine_factor(step, num_warmup_steps, num_training_steps, num_cycles), last_epoch)


@register(
    MODULE + "get_cosine_with_hard_restarts_schedule_with_warmup",
    family="warm_restarts",
    params=(WARMUP, TRAINING, Param("num_cycles", "int", 1), LAST_EPOCH),
    needs_lr=True,
    summary="Linear warmup from 0, then num_cycles cosine decays to 0, each restarting at the peak.",
)
def get_cosine_with_hard_restarts_schedule_with_warmup(lr, num_warmup_steps, num_training_steps, num_cycles=1, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    check(is_number(num_cycles), f"num_cycles must be a number (got {num_cycles!r})")

    def factor(step):
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        if progress >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))

    return _lambda(lr, factor, last_epoch)


@register(
    MODULE + "get_polynomial_decay_schedule_with_warmup",
    family="polynomial",
    params=(WARMUP, TRAINING, Param("lr_end", "float", 1e-7), Param("power", "float", 1.0), LAST_EPOCH),
    needs_lr=True,
    summary="Linear warmup from 0, then polynomial decay to lr_end (absolute) at num_training_steps.",
)
def get_polynomial_decay_schedule_with_warmup(lr, num_warmup_steps, num_training_steps, lr_end=1e-7, power=1.0, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    check(is_number(lr_end) and is_number(power), "lr_end and power must be numbers")
    check(lr > lr_end, f"lr_end ({lr_end}) must be smaller than initial lr ({lr})")

    def factor(step):
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        if step > num_training_steps:
            return lr_end / lr
        remaining = 1 - (step - num_warmup_steps) / (num_training_steps - num_warmup_steps)
        return ((lr - lr_end) * remaining**power + lr_end) / lr

    return _lambda(lr, factor, last_epoch)


@register(
    MODULE + "get_inverse_sqrt_schedule",
    family="inverse_sqrt",
    params=(WARMUP, Param("timescale", "int", None, optional=True, doc="Defaults to num_warmup_steps, or 10,000 without warmup."), LAST_EPOCH),
    needs_lr=True,
    summary="Linear warmup from 0, then lr / sqrt((step + shift) / timescale) (Vaswani et al. 2017).",
)
def get_inverse_sqrt_schedule(lr, num_warmup_steps, timescale=None, last_epoch=-1):
    _steps(num_warmup_steps=num_warmup_steps)
    if timescale is None:
        timescale = num_warmup_steps or 10_000
    check(is_number(timescale) and timescale != 0, f"timescale must be a non-zero number (got {timescale!r})")
    shift = timescale - num_warmup_steps

    def factor(step):
        if step < num_warmup_steps:
            return _warmup(step, num_warmup_steps)
        return 1.0 / math.sqrt((step + shift) / timescale)

    return _lambda(lr, factor, last_epoch)


def _min_rate(lr, min_lr, min_lr_rate) -> float:
    check(min_lr is None or min_lr_rate is None, "Only one of min_lr or min_lr_rate should be set")
    if min_lr is not None:
        check(is_number(min_lr), f"min_lr must be a number (got {min_lr!r})")
        check(lr != 0, "min_lr is divided by the optimizer's lr, which must not be 0")
        return min_lr / lr
    check(min_lr_rate is not None, "One of min_lr or min_lr_rate should be set through the `lr_scheduler_kwargs`")
    check(is_number(min_lr_rate), f"min_lr_rate must be a number (got {min_lr_rate!r})")
    return min_lr_rate


MIN_LR = (Param("min_lr", "float", None, optional=True, doc="An absolute floor."), Param("min_lr_rate", "float", None, optional=True, doc="A floor as a fraction of lr.", example="0.1"))


@register(
    MODULE + "get_cosine_with_min_lr_schedule_with_warmup",
    family="cosine",
    params=(WARMUP, TRAINING, Param("num_cycles", "float", 0.5), LAST_EPOCH, *MIN_LR),
    needs_lr=True,
    summary="Like the cosine schedule, but decaying to a floor (min_lr, or min_lr_rate × lr) instead of 0.",
)
def get_cosine_with_min_lr_schedule_with_warmup(lr, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1, min_lr=None, min_lr_rate=None):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    rate = _min_rate(lr, min_lr, min_lr_rate)
    return _lambda(lr, lambda step: _cosine_factor(step, num_warmup_steps, num_training_steps, num_cycles, rate), last_epoch)


@register(
    MODULE + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    family="cosine",
    params=(WARMUP, TRAINING, Param("num_cycles", "float", 0.5), LAST_EPOCH, *MIN_LR, Param("warmup_lr_rate", "float", None, optional=True)),
    needs_lr=True,
    summary="Cosine to a floor, counting one step ahead: warmup starts at warmup_lr_rate × lr (or 1/num_warmup_steps).",
)
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(lr, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1, min_lr=None, min_lr_rate=None, warmup_lr_rate=None):
    _steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    rate = _min_rate(lr, min_lr, min_lr_rate)
    warmup, training = float(num_warmup_steps), float(num_training_steps)

    def factor(step):
        step = float(step)
        if step < warmup:
            if warmup_lr_rate is None:
                return (step + 1.0) / max(1.0, warmup)
            start = float(warmup_lr_rate)
            return start + (1.0 - start) * step / max(1, warmup - 1)
        progress = (step - warmup + 1.0) / max(1.0, training - warmup)
        value = 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress))
        return max(0, value * (1 - rate) + rate)

    return _lambda(lr, factor, last_epoch)


_SHAPES = ("linear", "cosine", "1-sqrt")


@register(
    MODULE + "get_wsd_schedule",
    family="wsd",
    params=(
        WARMUP,
        Param("num_decay_steps", "int", example="1000"),
        Param("num_training_steps", "int", None, optional=True, from_training=True, alternatives=("num_stable_steps",)),
        Param("num_stable_steps", "int", None, optional=True),
        Param("warmup_type", "choice", "linear", choices=_SHAPES),
        Param("decay_type", "choice", "cosine", choices=_SHAPES),
        Param("min_lr_ratio", "float", 0),
        Param("num_cycles", "float", 0.5),
        LAST_EPOCH,
    ),
    needs_lr=True,
    summary="Warmup, a stable plateau, then a decay to min_lr_ratio × lr (warmup-stable-decay).",
)
def get_wsd_schedule(lr, num_warmup_steps, num_decay_steps, num_training_steps=None, num_stable_steps=None, warmup_type="linear", decay_type="cosine", min_lr_ratio=0, num_cycles=0.5, last_epoch=-1):
    check(num_training_steps is not None or num_stable_steps is not None, "Either num_training_steps or num_stable_steps must be specified.")
    check(warmup_type in _SHAPES, f"Unknown warmup type: {warmup_type}, expected 'linear', 'cosine' or '1-sqrt'")
    check(decay_type in _SHAPES, f"Unknown decay type: {decay_type}, expected 'linear', 'cosine' or '1-sqrt'")
    _steps(num_warmup_steps=num_warmup_steps, num_decay_steps=num_decay_steps)
    both_given = num_training_steps is not None and num_stable_steps is not None
    if num_stable_steps is None:
        _steps(num_training_steps=num_training_steps)
        num_stable_steps = num_training_steps - num_warmup_steps - num_decay_steps
    _steps(num_stable_steps=num_stable_steps)

    def shape(kind: str, progress: float, rising: bool) -> float:
        if kind == "linear":
            return progress if rising else 1.0 - progress
        if kind == "cosine":
            return 0.5 * (1.0 - math.cos(math.pi * progress)) if rising else 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        return 1.0 - math.sqrt(1.0 - progress) if rising else 1.0 - math.sqrt(progress)

    def factor(step):
        if step < num_warmup_steps:
            progress = float(step) / float(max(1, num_warmup_steps))
            return max(0.0, shape(warmup_type, progress, True) * (1.0 - min_lr_ratio) + min_lr_ratio)
        if step < num_warmup_steps + num_stable_steps:
            return 1.0
        if step < num_warmup_steps + num_stable_steps + num_decay_steps:
            progress = float(step - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))
            return max(0.0, shape(decay_type, progress, False) * (1.0 - min_lr_ratio) + min_lr_ratio)
        return min_lr_ratio

    schedule = _lambda(lr, factor, last_epoch)
    if both_given:
        schedule.notes = ("transformers warns when both num_training_steps and num_stable_steps are given: num_stable_steps wins.",)  # type: ignore[attr-defined]
    return schedule


@register(
    MODULE + "get_reduce_on_plateau_schedule",
    family="plateau",
    params=PLATEAU_PARAMS,
    needs_lr=True,
    summary="PyTorch's ReduceLROnPlateau with its defaults.",
)
def get_reduce_on_plateau_schedule(lr, **kwargs):
    from .pytorch import reduce_lr_on_plateau

    return reduce_lr_on_plateau(lr, **kwargs)


class _StreamingAverage:
    """GreedyLR's moving average: a running sum, added to and subtracted from, over the window."""

    def __init__(self, size: int) -> None:
        self.size, self.values, self.total = size, [], 0.0

    def add(self, value: float) -> float:
        self.values.append(value)
        self.total += value
        if len(self.values) > self.size:
            self.total -= self.values.pop(0)
        return self.total / len(self.values)


GREEDY = (
    Param("mode", "choice", "min", choices=("min", "max")),
    Param("factor", "float", 0.95),
    Param("patience", "int", 10),
    Param("threshold", "float", 1e-6),
    Param("threshold_mode", "choice", "abs", choices=("rel", "abs")),
    Param("cooldown", "int", 0),
    Param("warmup", "int", 0),
    Param("min_lr", "float", 1e-3),
    Param("max_lr", "float", 1.0),
    Param("eps", "float", 1e-8),
    Param("verbose", "bool", False),
    Param("smooth", "bool", False),
    Param("window_size", "int", 50),
    Param("reset_start", "int", 500),
    Param("metrics", "metrics", [], doc="The values passed to step(), in order.", positional=False),
)


def _greedy(lr, metrics, mode, factor, patience, threshold, threshold_mode, cooldown, warmup, min_lr, max_lr, eps, verbose, smooth, window_size, reset_start):
    """GreedyLR: lower the lr on a plateau like ReduceLROnPlateau, raise it on sustained improvement."""
    from . import simulated

    check(is_number(factor) and factor < 1.0, "Factor should be < 1.0.")
    check(mode in ("min", "max"), f"mode {mode} is unknown!")
    check(threshold_mode in ("rel", "abs"), f"threshold mode {threshold_mode} is unknown!")
    check(isinstance(metrics, (list, tuple)) and all(is_number(m) for m in metrics), f"metrics must be a list of numbers (got {metrics!r})")
    check(is_int(window_size) and window_size >= 1, f"window_size must be a whole number >= 1 (got {window_size!r})")

    def better(a, best):
        if mode == "min":
            return a < best * (1.0 - threshold) if threshold_mode == "rel" else a < best - threshold
        return a > best * (1.0 + threshold) if threshold_mode == "rel" else a > best + threshold

    def run():
        current, worst = float(lr), (math.inf if mode == "min" else -math.inf)
        best, bad, good, cooling, warming, countdown = worst, 0, 0, 0, 0, reset_start
        average = _StreamingAverage(window_size)
        yield current
        for metric in metrics:
            value = average.add(float(metric)) if smooth else float(metric)
            if cooling > 0:
                cooling, bad, good = cooling - 1, 0, 0
            elif warming > 0:
                warming, bad, good = warming - 1, 0, 0
            else:
                if better(value, best):
                    best, bad, good = value, 0, good + 1
                else:
                    bad, good = bad + 1, 0
                if good > patience:
                    raised = min(current / factor, max_lr)
                    if raised - current > eps:
                        current = raised
                    countdown, warming, good = reset_start, warmup, 0
                elif bad > patience:
                    reduced = max(current * factor, min_lr)
                    if current - reduced > eps:
                        current = reduced
                    if not current > min_lr:
                        countdown -= 1
                        if countdown <= 0:  # GreedyLR._reset: back to the initial lr
                            current, best, bad, good, warming, countdown = float(lr), worst, 0, 0, 0, reset_start
                            average = _StreamingAverage(window_size)
                    cooling, bad = cooldown, 0
            yield current

    return simulated(run)


register(
    MODULE + "GreedyLR",
    family="plateau",
    params=GREEDY,
    needs_lr=True,
    summary="Lower the lr on a plateau and raise it (÷ factor, up to max_lr) on sustained improvement.",
)(lambda lr, **kwargs: _greedy(lr, **kwargs))
register(
    MODULE + "get_greedy_schedule",
    family="plateau",
    params=GREEDY,
    needs_lr=True,
    summary="transformers' GreedyLR, as get_scheduler('greedy') builds it.",
)(lambda lr, **kwargs: _greedy(lr, **kwargs))


_BY_NAME = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "reduce_lr_on_plateau": "get_reduce_on_plateau_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
    "greedy": "get_greedy_schedule",
}


def scheduler_type(function: str) -> str | None:
    """The ``lr_scheduler_type`` that makes ``get_scheduler`` build ``function`` (such as "cosine"), or None."""
    short = function.rsplit(".", 1)[-1]
    return next((name for name, built in _BY_NAME.items() if built == short), None)


@register(
    MODULE + "get_scheduler",
    family="dispatch",
    optimizer_index=1,  # get_scheduler(name, optimizer, num_warmup_steps, ...)
    params=(
        Param("name", "choice", choices=tuple(_BY_NAME), example="linear"),
        Param("num_warmup_steps", "int", None, optional=True, example="500"),
        Param("num_training_steps", "int", None, optional=True, from_training=True),
        Param("scheduler_specific_kwargs", "int_float_map", None, optional=True, doc="A dict of extra arguments for the named schedule."),
        Param("metrics", "metrics", [], doc="For reduce_lr_on_plateau and greedy: the values passed to step().", positional=False),
    ),
    needs_lr=True,
    summary="The Trainer's dispatcher: a schedule by name (lr_scheduler_type), such as 'linear' or 'cosine'.",
)
def get_scheduler(lr, name, num_warmup_steps=None, num_training_steps=None, scheduler_specific_kwargs=None, metrics=()):
    api, inner, lr = _builds(lr, {"name": name, "num_warmup_steps": num_warmup_steps, "num_training_steps": num_training_steps,
                                  "scheduler_specific_kwargs": scheduler_specific_kwargs, "metrics": metrics})
    spec = REGISTRY[api]
    return spec.build(lr, **bind(spec, inner))


@record(MODULE + "get_scheduler").dispatch
def _builds(lr, kw):
    """The schedule get_scheduler builds, as (api, kwargs, lr): for computing it and for exporting it."""
    name, extra = kw["name"], dict(kw["scheduler_specific_kwargs"] or {})
    check(name in _BY_NAME, f"{name!r} is not a valid SchedulerType, please select one of {list(_BY_NAME)}")
    api, warmup, training = MODULE + _BY_NAME[name], kw["num_warmup_steps"], kw["num_training_steps"]
    if name == "constant":
        return api, {}, lr
    if name in ("reduce_lr_on_plateau", "greedy"):
        return api, {**extra, "metrics": list(kw["metrics"])}, lr
    check(warmup is not None, f"SchedulerType.{name.upper()} requires `num_warmup_steps`, please provide that argument.")
    if name == "constant_with_warmup":
        return api, {"num_warmup_steps": warmup}, lr
    if name == "inverse_sqrt":
        return api, {"num_warmup_steps": warmup, **extra}, lr
    if name != "warmup_stable_decay":
        check(training is not None, f"SchedulerType.{name.upper()} requires `num_training_steps`, please provide that argument.")
    return api, {"num_warmup_steps": warmup, "num_training_steps": training, **extra}, lr


# ---------------------------------------------------------------- each schedule's closed form, phases and equivalents
# (for the code export and the page's phase marks; see lrcalc.export and lrcalc.phases)

def _hf_warmup(t: Expr, warmup: int) -> Expr:
    return t / float(max(1, warmup))


def _hf_cosine(t: Expr, warmup: int, training: int, cycles: float, rate: float = 0.0) -> Expr:
    progress = (t - warmup) / float(max(1, training - warmup))
    value = 0.5 * (1.0 + cos(PI * float(cycles) * 2.0 * progress))
    return where(t < warmup, _hf_warmup(t, warmup), maximum(0.0, value * (1 - rate) + rate))


record(MODULE + "get_constant_schedule").closed_form(lambda b, t, lr, kw: lr * 1)


@record(MODULE + "get_constant_schedule_with_warmup").closed_form
def _get_constant_schedule_with_warmup_at(b, t, lr, kw):
    w = kw["num_warmup_steps"]
    return lr * where(t < w, t / float(max(1.0, w)), 1.0)


@record(MODULE + "get_linear_schedule_with_warmup").closed_form
def _get_linear_schedule_with_warmup_at(b, t, lr, kw):
    w, n = kw["num_warmup_steps"], kw["num_training_steps"]
    return lr * where(t < w, _hf_warmup(t, w), maximum(0.0, (n - t) / float(max(1, n - w))))


record(MODULE + "get_cosine_schedule_with_warmup").closed_form(lambda b, t, lr, kw: lr * _hf_cosine(t, kw["num_warmup_steps"], kw["num_training_steps"], kw["num_cycles"]))


@record(MODULE + "get_cosine_with_hard_restarts_schedule_with_warmup").closed_form
def _get_cosine_with_hard_restarts_schedule_with_warmup_at(b, t, lr, kw):
    w, n = kw["num_warmup_steps"], kw["num_training_steps"]
    progress = b.let("progress", (t - w) / float(max(1, n - w)))
    wave = maximum(0.0, 0.5 * (1.0 + cos(PI * ((float(kw["num_cycles"]) * progress) % 1.0))))
    return lr * where(t < w, _hf_warmup(t, w), where(progress >= 1.0, 0.0, wave))


@record(MODULE + "get_polynomial_decay_schedule_with_warmup").closed_form
def _get_polynomial_decay_schedule_with_warmup_at(b, t, lr, kw):
    w, n, end, power = kw["num_warmup_steps"], kw["num_training_steps"], kw["lr_end"], kw["power"]
    need(n != w, "get_polynomial_decay_schedule_with_warmup with num_warmup_steps == num_training_steps divides 0 by 0 at that step")
    decay = ((lr - end) * (1 - (t - w) / (n - w)) ** power + end) / lr
    return lr * where(t < w, _hf_warmup(t, w), where(t > n, end / lr, decay))


@record(MODULE + "get_inverse_sqrt_schedule").closed_form
def _get_inverse_sqrt_schedule_at(b, t, lr, kw):
    w, timescale = kw["num_warmup_steps"], kw["timescale"]
    timescale = (w or 10_000) if timescale is None else timescale
    return lr * where(t < w, _hf_warmup(t, w), 1.0 / sqrt((t + (timescale - w)) / timescale))


def _hf_min_rate(lr: float, kw: dict) -> float:
    return _min_rate(lr, kw["min_lr"], kw["min_lr_rate"])


record(MODULE + "get_cosine_with_min_lr_schedule_with_warmup").closed_form(lambda b, t, lr, kw: lr * _hf_cosine(t, kw["num_warmup_steps"], kw["num_training_steps"], kw["num_cycles"], _hf_min_rate(lr, kw)))


@record(MODULE + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate").closed_form
def _get_cosine_with_min_lr_schedule_with_warmup_lr_rate_at(b, t, lr, kw):
    rate, warmup, training = _hf_min_rate(lr, kw), float(kw["num_warmup_steps"]), float(kw["num_training_steps"])
    if kw["warmup_lr_rate"] is None:
        rising = (t + 1.0) / max(1.0, warmup)
    else:
        start = float(kw["warmup_lr_rate"])
        rising = start + (1.0 - start) * t / max(1, warmup - 1)
    progress = (t - warmup + 1.0) / max(1.0, training - warmup)
    value = 0.5 * (1.0 + cos(PI * kw["num_cycles"] * 2.0 * progress))
    return lr * where(t < warmup, rising, maximum(0, value * (1 - rate) + rate))


@record(MODULE + "get_wsd_schedule").closed_form
def _get_wsd_schedule_at(b, t, lr, kw):
    w, d, r, cycles = kw["num_warmup_steps"], kw["num_decay_steps"], kw["min_lr_ratio"], kw["num_cycles"]
    s = kw["num_stable_steps"] if kw["num_stable_steps"] is not None else kw["num_training_steps"] - w - d

    def shape(kind: str, p: Expr, rising: bool) -> Expr:
        if kind == "linear":
            return p if rising else 1.0 - p
        if kind == "cosine":
            return 0.5 * (1.0 - cos(PI * p)) if rising else 0.5 * (1.0 + cos(PI * float(cycles) * 2.0 * p))
        return 1.0 - sqrt(1.0 - p) if rising else 1.0 - sqrt(p)

    up = maximum(0.0, shape(kw["warmup_type"], t / float(max(1, w)), True) * (1.0 - r) + r)
    down = maximum(0.0, shape(kw["decay_type"], after(t, w + s) / float(max(1, d)), False) * (1.0 - r) + r)
    return lr * chain_below(t, [(w, up), (w + s, 1.0), (w + s + d, down)], r)


record(MODULE + "get_constant_schedule").same_as(lambda lr, kw: ("lrcalc.constant", {"value": lr}))
record(MODULE + "get_polynomial_decay_schedule_with_warmup").same_as(lambda lr, kw: None if kw["num_warmup_steps"] else (
        "lrcalc.polynomial_decay", {"init_value": lr, "end_value": kw["lr_end"], "steps": kw["num_training_steps"], "power": kw["power"]}))
record(MODULE + "get_constant_schedule").standing_for("lrcalc.constant")(lambda kw: same(MODULE + "get_constant_schedule", {}, kw["value"]))
record(MODULE + "get_polynomial_decay_schedule_with_warmup").standing_for("lrcalc.polynomial_decay")(lambda kw: None if kw["cycle"] or not kw["init_value"] > kw["end_value"] else same(MODULE + "get_polynomial_decay_schedule_with_warmup", {"num_warmup_steps": 0, "num_training_steps": kw["steps"], "lr_end": kw["end_value"], "power": kw["power"]},
        kw["init_value"], note=" without warmup"))
record(MODULE + "get_wsd_schedule").standing_for("lrcalc.warmup_stable_decay")(lambda kw: None if kw["start_value"] != kw["end_value"] else same(MODULE + "get_wsd_schedule", {
        "num_warmup_steps": kw["warmup_steps"], "num_decay_steps": kw["decay_steps"], "num_stable_steps": kw["stable_steps"],
        "decay_type": kw["decay"], "min_lr_ratio": kw["end_value"] / kw["peak_value"]}, kw["peak_value"], note=" (its warmup starts at min_lr_ratio × lr: the start value)"))


PLATEAU = record(MODULE + "get_reduce_on_plateau_schedule")
PLATEAU.same_as(
    lambda lr, kw: ("lrcalc.reduce_on_plateau", {"init_value": lr, **{n: kw[n] for n in kw if n != "min_lr"}, "min_value": kw["min_lr"]})
)
PLATEAU.standing_for("lrcalc.reduce_on_plateau")(
    lambda kw: same(
        PLATEAU.api,
        {n: kw[n] for n in ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown")} | {"min_lr": kw["min_value"], "eps": kw["eps"]},
        float(kw["init_value"]),
        note=" (PyTorch's ReduceLROnPlateau)",
    )
)


def _warmup_then_training(k: dict, total: int) -> list:
    """The end of warmup and the end of training (``num_training_steps``), where given."""
    return ph.warmup(k, "num_warmup_steps") + ph.end(k, "the end of training", "num_training_steps")


for _spec in [spec for api, spec in REGISTRY.items() if api.startswith(MODULE) and spec.phases is None and spec.resolve is None and spec.name.startswith("get_")]:
    _spec.phase_rule(_warmup_then_training)


@record(MODULE + "get_wsd_schedule").phase_rule
def _wsd_phases(k, total):
    up, down, flat = k["num_warmup_steps"], k["num_decay_steps"], k["num_stable_steps"]
    if flat is None and isinstance(k["num_training_steps"], int):
        flat = k["num_training_steps"] - up - down
    if not isinstance(flat, int):
        return []
    return [(up, "the end of warmup"), (up + flat, "the start of decay"), (up + flat + down, "the end of decay")]


# ---------------------------------------------------------------- the run length a call states, and its warmup (see lrcalc.span)

for _name in ("get_linear_schedule_with_warmup", "get_cosine_schedule_with_warmup", "get_cosine_with_hard_restarts_schedule_with_warmup",
              "get_polynomial_decay_schedule_with_warmup", "get_cosine_with_min_lr_schedule_with_warmup",
              "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"):
    record(MODULE + _name).spans(length=given("num_training_steps"), warmup=given("num_warmup_steps"))
for _name in ("get_constant_schedule_with_warmup", "get_inverse_sqrt_schedule"):
    record(MODULE + _name).spans(warmup=given("num_warmup_steps"))
record(MODULE + "get_wsd_schedule").spans(
    length=first(given("num_training_steps"), given("num_warmup_steps", "num_stable_steps", "num_decay_steps")),
    warmup=given("num_warmup_steps"),
)


# torchtune ships the same function (torchtune/training/lr_schedulers.py: "based on the Hugging Face
# implementation", the same lr_lambda line for line); a torchtune recipe's lr_scheduler names it.
record(MODULE + "get_cosine_schedule_with_warmup").copied_as(
    "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup",
    "torchtune.modules.get_cosine_schedule_with_warmup",  # its place before torchtune 0.3
)
