"""MosaicML Composer's schedulers (``composer.optim``), as its Trainer steps them.

A Composer scheduler is a multiplier of the optimizer's lr computed from the training's timestamp, with
its times written in units (``"100ba"`` batches, ``"1ep"`` epochs, ``"4096tok"`` tokens, ``"1000sp"``
samples, ``"0.02dur"`` a fraction of ``max_duration``), so each record here takes, beside the
scheduler's own arguments, the Trainer's: ``max_duration``, the batches of an epoch, the samples and
tokens of a batch, and ``scale_schedule_ratio``. The rules, from Composer 0.32.1's source (line numbers
in tests/configs/composer/README.md):

- **Times** (``_convert_time``): ``dur`` is a fraction of ``max_duration`` (in batches when it is in
  epochs); ``ep`` becomes batches; then every time but a warmup (unless ``scale_warmup``) is multiplied
  by ``scale_schedule_ratio`` and truncated. ``max_duration`` itself is scaled (truncated) first.
- **Stepping**: the Trainer wraps the scheduler in a ``LambdaLR`` and steps it after every batch's
  ``optimizer.step()``, before the timestamp moves on, so batch ``i`` (i ≥ 1) uses the multiplier at
  batch ``i - 1``'s timestamp, and batch 0 the one at 0: with a warmup, the first two batches both use 0.
- **Warmups** rise linearly from 0 in ``t_warmup``'s unit; ``t_warmup`` and ``t_max`` must end in the same
  unit, and ``t_max`` must cover ``max_duration`` (both checked as Composer does).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..export.expr import PI, cos, floor, maximum, minimum, need, where
from . import Param, check, is_int, is_number, record, register

MODULE = "composer.optim."
UNITS = {"ba": "batch", "ep": "epoch", "sp": "sample", "tok": "token", "dur": "duration"}
_TIME = re.compile(r"^(.+)(iter|ep|ba|sp|tok|dur|sec)$")


def parse_time(text: Any, name: str) -> tuple[float, str]:
    """``Time.from_timestring``: (value, unit); every unit but ``dur`` needs a whole number."""
    found = _TIME.match(str(text).strip()) if isinstance(text, str) else None
    check(found is not None, f"{name} must be a time such as '100ba', '1ep', '0.1dur', '4096tok' or '1000sp' (got {text!r})")
    number, unit = found.group(1), found.group(2)
    check(unit not in ("sec", "iter"), f"{name}={text!r}: lrcalc counts batches, epochs, samples, tokens and fractions of the run, not {unit}")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{name}={text!r}: {number!r} is not a number") from None
    check(unit == "dur" or value.is_integer(), f"{name}={text!r}: time in {UNITS[unit]}s must be a whole number")
    return (value if unit == "dur" else int(value)), unit


@dataclass(frozen=True)
class Clock:
    """The Trainer's run: ``max_duration`` (already scaled), the batches of an epoch, the samples and tokens of a batch."""

    duration: tuple[int, str]
    batches_per_epoch: int | None
    samples_per_batch: int | None
    tokens_per_batch: int | None
    ssr: float

    def convert(self, text: str, name: str, scaled: bool = True) -> tuple[int, str]:
        """``_convert_time``: a time in the unit the scheduler compares it in (``scaled``: by the ratio)."""
        value, unit = parse_time(text, name)
        if unit == "dur":
            length, of = self.duration
            if of == "ep":
                return int(value * self.per_epoch(name) * length), "ba"
            return int(value * length), of
        if unit == "ep":
            value, unit = value * self.per_epoch(name), "ba"
        return int(value * (self.ssr if scaled else 1.0)), unit

    def per_epoch(self, name: str) -> int:
        check(self.batches_per_epoch is not None, f"{name} counts epochs: give batches_per_epoch (len(train_dataloader))")
        return self.batches_per_epoch

    def at(self, batch: int, unit: str) -> int:
        """The timestamp's counter in ``unit`` at the start of ``batch`` (0-based)."""
        if unit == "ba":
            return batch
        if unit == "ep":
            return batch // self.per_epoch("an epoch time")
        per = self.samples_per_batch if unit == "sp" else self.tokens_per_batch
        check(per is not None, f"a time in {UNITS[unit]}s needs {'samples_per_batch' if unit == 'sp' else 'tokens_per_batch'}: how many one batch holds")
        return batch * per


RUN = (
    Param("max_duration", "str", example="1000ba", positional=False, doc="The Trainer's max_duration: the run, in ba, ep, sp or tok."),
    Param("batches_per_epoch", "int", None, optional=True, positional=False, example="100", doc="len(train_dataloader): needed for times in ep (or dur of a run in ep)."),
    Param("samples_per_batch", "int", None, optional=True, positional=False, doc="The global batch size: needed for times in sp."),
    Param("tokens_per_batch", "int", None, optional=True, positional=False, doc="Tokens in one batch: needed for times in tok."),
    Param("scale_schedule_ratio", "float", 1.0, positional=False, doc="The Trainer's scale_schedule_ratio (SSR)."),
)
"""The Trainer's arguments every Composer scheduler is computed with (not the scheduler's own)."""


def _clock(max_duration, batches_per_epoch, samples_per_batch, tokens_per_batch, scale_schedule_ratio) -> Clock:
    for name, value in (("batches_per_epoch", batches_per_epoch), ("samples_per_batch", samples_per_batch), ("tokens_per_batch", tokens_per_batch)):
        check(value is None or (is_int(value) and value > 0), f"{name} must be a whole number > 0 (got {value!r})")
    check(is_number(scale_schedule_ratio) and scale_schedule_ratio > 0, f"scale_schedule_ratio must be > 0 (got {scale_schedule_ratio!r})")
    length, unit = parse_time(max_duration, "max_duration")
    check(unit != "dur", "max_duration cannot be in dur: it is the run the fractions are of")
    return Clock((int(length * scale_schedule_ratio), unit), batches_per_epoch, samples_per_batch, tokens_per_batch, scale_schedule_ratio)


def _stepped(lr: float, multiplier: Callable[[int], float]) -> Callable[[int], float]:
    """The Trainer's LambdaLR: batch i uses the multiplier at batch max(i - 1, 0)'s timestamp."""

    def schedule(step: int) -> float:
        check(is_int(step) and step >= 0, f"step must be a whole number >= 0 (got step={step!r})")
        return lr * multiplier(max(step - 1, 0))

    multiplier(0)  # Composer's own checks, at once
    return schedule


def _linear(clock: Clock, batch: int, alpha_i: float, alpha_f: float, t_max: tuple[int, str]) -> float:
    """LinearScheduler: alpha_i + min(1, t / t_max) (alpha_f - alpha_i)."""
    return alpha_i + min(1.0, clock.at(batch, t_max[1]) / t_max[0]) * (alpha_f - alpha_i)


def _cosine_anneal(x: float, low: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return low + (1.0 - low) * (1 + math.cos(x * math.pi)) / 2


def _check_max(clock: Clock, text: str) -> None:
    """``_raise_if_max_duration_exceeds_t_max``: t_max must reach the end of the (scaled) run where comparable."""
    value, unit = parse_time(text, "t_max")
    length, of = clock.duration
    if unit == of:
        short = value < length
    elif unit == "ba" and of == "ep" and clock.batches_per_epoch:
        short = value < length * clock.batches_per_epoch
    elif unit == "ep" and of == "ba" and clock.batches_per_epoch:
        short = value * clock.batches_per_epoch < length
    else:
        short = False
    check(not short, f"t_max {text} must be greater than or equal to max_duration {length}{of}. Otherwise, the LR schedule will not be defined for the entire training duration.")


def _warmed(clock: Clock, text: str, scale_warmup: bool, target: float, after: Callable[[int, tuple[int, str]], float], t_max_text: str | None):
    """A ``...WithWarmupScheduler``: linear from 0 to ``target`` over ``t_warmup``, then ``after(batch, warmup)``."""
    warmup = clock.convert(text, "t_warmup", scaled=False)
    if t_max_text is not None:
        t_max = clock.convert(t_max_text, "t_max")
        check(warmup[1] == t_max[1], f"Cannot use warmup scheduler with t_max {t_max_text} with units {UNITS.get(t_max[1], t_max[1])} and t_warmup {text} with "
                                     f"units {UNITS.get(warmup[1], warmup[1])}. t_warmup and t_max must use the same units.")
        _check_max(clock, t_max_text)
    ramp = clock.convert(text, "t_warmup", scaled=scale_warmup)

    def multiplier(batch: int) -> float:
        if clock.at(batch, warmup[1]) < warmup[0]:
            return _linear(clock, batch, 0.0, target, ramp)
        return after(batch, warmup)

    return multiplier


def _decayed(clock: Clock, t_max_text: str):
    """τ after the warmup: (t - t_warmup) / (t_max - t_warmup), at most 1 (0 when t_max <= t_warmup)."""
    t_max = clock.convert(t_max_text, "t_max")

    def tau(batch: int, warmup: tuple[int, str]) -> float:
        if not t_max[0] > warmup[0]:
            return 0.0
        return min(1.0, (clock.at(batch, warmup[1]) - warmup[0]) / (t_max[0] - warmup[0]))

    return tau


def _composer(name: str, family: str, own: tuple[Param, ...], summary: str):
    """Register ``composer.optim.<name>``: its own arguments, then the Trainer's."""
    return register(MODULE + name, family=family, params=(*own, *RUN), needs_lr=True, summary=summary, stepping="step", leading_optimizer=False)


WARMUP = Param("t_warmup", "str", example="100ba", doc="The warmup: a time such as 100ba or 0.02dur.")
T_MAX = Param("t_max", "str", "1dur", doc="When it ends, as a time.")
SCALE_WARMUP = Param("scale_warmup", "bool", False, doc="Whether scale_schedule_ratio scales the warmup too.")


@_composer("CosineAnnealingWithWarmupScheduler", "cosine", (WARMUP, T_MAX, Param("alpha_f", "float", 0.0), SCALE_WARMUP),
           "Linear warmup from 0, then a cosine from 1 to alpha_f at t_max (llm-foundry's cosine_with_warmup).")
def cosine_with_warmup(lr, t_warmup, t_max="1dur", alpha_f=0.0, scale_warmup=False, **run):
    clock = _clock(**run)
    tau = _decayed(clock, t_max)
    return _stepped(lr, _warmed(clock, t_warmup, scale_warmup, 1.0, lambda batch, warmup: _cosine_anneal(tau(batch, warmup), alpha_f), t_max))


@_composer("LinearWithWarmupScheduler", "linear", (WARMUP, Param("alpha_i", "float", 1.0), Param("alpha_f", "float", 0.0), T_MAX, SCALE_WARMUP),
           "Linear warmup from 0 to alpha_i, then a straight line to alpha_f at t_max (llm-foundry's linear_decay_with_warmup).")
def linear_with_warmup(lr, t_warmup, alpha_i=1.0, alpha_f=0.0, t_max="1dur", scale_warmup=False, **run):
    clock = _clock(**run)
    tau = _decayed(clock, t_max)
    return _stepped(lr, _warmed(clock, t_warmup, scale_warmup, alpha_i, lambda batch, warmup: alpha_i + tau(batch, warmup) * (alpha_f - alpha_i), t_max))


@_composer("ConstantWithWarmupScheduler", "warmup", (WARMUP, Param("alpha", "float", 1.0), T_MAX, SCALE_WARMUP),
           "Linear warmup from 0 to alpha, then alpha (llm-foundry's constant_with_warmup).")
def constant_with_warmup(lr, t_warmup, alpha=1.0, t_max="1dur", scale_warmup=False, **run):
    clock = _clock(**run)
    return _stepped(lr, _warmed(clock, t_warmup, scale_warmup, alpha, lambda batch, warmup: alpha, t_max))


@_composer("PolynomialWithWarmupScheduler", "polynomial", (WARMUP, Param("power", "float", 2.0), T_MAX, Param("alpha_f", "float", 0.0), SCALE_WARMUP),
           "Linear warmup from 0, then alpha_f + (1 - alpha_f)(1 - τ)^power.")
def polynomial_with_warmup(lr, t_warmup, power=2.0, t_max="1dur", alpha_f=0.0, scale_warmup=False, **run):
    clock = _clock(**run)
    tau = _decayed(clock, t_max)
    return _stepped(lr, _warmed(clock, t_warmup, scale_warmup, 1.0, lambda batch, warmup: alpha_f + (1 - tau(batch, warmup)) ** power * (1.0 - alpha_f), t_max))


@_composer("MultiStepWithWarmupScheduler", "multistep", (WARMUP, Param("milestones", "strs", example="['4ep', '8ep']"), Param("gamma", "float", 0.1), SCALE_WARMUP),
           "Linear warmup from 0, then times gamma at each milestone passed.")
def multistep_with_warmup(lr, t_warmup, milestones, gamma=0.1, scale_warmup=False, **run):
    clock = _clock(**run)
    steps = _milestones(clock, milestones, gamma)
    return _stepped(lr, _warmed(clock, t_warmup, scale_warmup, 1.0, lambda batch, warmup: steps(batch), None))


def _milestones(clock: Clock, milestones, gamma) -> Callable[[int], float]:
    check(isinstance(milestones, (list, tuple)), f"milestones must be a list of times such as ['30ep', '60ep'] (got {milestones!r})")
    points = [clock.convert(milestone, "milestones") for milestone in milestones]

    def factor(batch: int) -> float:
        value = 1.0
        for point, unit in points:
            if clock.at(batch, unit) >= point:
                value *= gamma
        return value

    return factor


@_composer("MultiStepScheduler", "multistep", (Param("milestones", "strs", example="['4ep', '8ep']"), Param("gamma", "float", 0.1)),
           "Times gamma at each milestone passed.")
def multistep(lr, milestones, gamma=0.1, **run):
    return _stepped(lr, _milestones(_clock(**run), milestones, gamma))


@_composer("StepScheduler", "step", (Param("step_size", "str", example="3ep"), Param("gamma", "float", 0.1)), "Times gamma every step_size.")
def step(lr, step_size, gamma=0.1, **run):
    clock = _clock(**run)
    size = clock.convert(step_size, "step_size")
    check(size[0] > 0, f"step_size {step_size} is 0 after scaling")
    return _stepped(lr, lambda batch: gamma ** int(clock.at(batch, size[1]) / size[0]))


@_composer("ExponentialScheduler", "exponential", (Param("gamma", "float", example="0.95"), Param("decay_period", "str", "1ep")),
           "gamma to the power of the time passed, in decay periods.")
def exponential(lr, gamma, decay_period="1ep", **run):
    clock = _clock(**run)
    period = clock.convert(decay_period, "decay_period")
    return _stepped(lr, lambda batch: gamma ** float(clock.at(batch, period[1]) / period[0]))


@_composer("ConstantScheduler", "constant", (Param("alpha", "float", 1.0), T_MAX), "alpha until t_max, then 1.")
def constant(lr, alpha=1.0, t_max="1dur", **run):
    clock = _clock(**run)
    end = clock.convert(t_max, "t_max")
    return _stepped(lr, lambda batch: alpha if clock.at(batch, end[1]) < end[0] else 1.0)


@_composer("LinearScheduler", "linear", (Param("alpha_i", "float", 1.0), Param("alpha_f", "float", 0.0), T_MAX), "A straight line from alpha_i to alpha_f at t_max, then held.")
def linear(lr, alpha_i=1.0, alpha_f=0.0, t_max="1dur", **run):
    clock = _clock(**run)
    end = clock.convert(t_max, "t_max")
    check(end[0] > 0, f"t_max {t_max} is 0 after conversion")
    return _stepped(lr, lambda batch: _linear(clock, batch, alpha_i, alpha_f, end))


@_composer("CosineAnnealingScheduler", "cosine", (T_MAX, Param("alpha_f", "float", 0.0)), "A cosine from 1 to alpha_f at t_max, then held.")
def cosine(lr, t_max="1dur", alpha_f=0.0, **run):
    clock = _clock(**run)
    end = clock.convert(t_max, "t_max")
    check(end[0] > 0, f"t_max {t_max} is 0 after conversion")
    return _stepped(lr, lambda batch: _cosine_anneal(clock.at(batch, end[1]) / end[0], alpha_f))


@_composer("PolynomialScheduler", "polynomial", (Param("power", "float", example="2.0"), T_MAX, Param("alpha_f", "float", 0.0)),
           "alpha_f + (1 - alpha_f)(1 - t / t_max)^power.")
def polynomial(lr, power, t_max="1dur", alpha_f=0.0, **run):
    clock = _clock(**run)
    end = clock.convert(t_max, "t_max")
    check(end[0] > 0, f"t_max {t_max} is 0 after conversion")
    return _stepped(lr, lambda batch: alpha_f + (1 - min(1.0, clock.at(batch, end[1]) / end[0])) ** power * (1.0 - alpha_f))


def run_batches(max_duration: str, batches_per_epoch=None, samples_per_batch=None, tokens_per_batch=None, scale_schedule_ratio=1.0) -> int:
    """The batches the Trainer runs: it stops at the first batch whose timestamp reaches the (scaled) max_duration."""
    clock = _clock(max_duration, batches_per_epoch, samples_per_batch, tokens_per_batch, scale_schedule_ratio)
    length, unit = clock.duration
    if unit == "ba":
        return length
    if unit == "ep":
        return length * clock.per_epoch("max_duration")
    per = clock.samples_per_batch if unit == "sp" else clock.tokens_per_batch
    check(per is not None, f"max_duration in {UNITS[unit]}s needs {'samples_per_batch' if unit == 'sp' else 'tokens_per_batch'}")
    return math.ceil(length / per)


# ---------------------------------------------------------------- closed forms, for the code export
# The multiplier at batch b = max(t - 1, 0) (the Trainer's lag), with each counter written out.


def _counter(clock: Clock, b, unit: str):
    if unit == "ba":
        return b
    if unit == "ep":
        return floor(b / clock.per_epoch("an epoch time"))
    return b * (clock.samples_per_batch if unit == "sp" else clock.tokens_per_batch)


def _warmup_closed(kw: dict, target: float, after: Callable[[Any, Clock, tuple[int, str]], Any], t):
    """A ...WithWarmupScheduler's closed form, from the same conversions as its replay."""
    run = {name: kw[name] for name in ("max_duration", "batches_per_epoch", "samples_per_batch", "tokens_per_batch", "scale_schedule_ratio")}
    clock = _clock(**run)
    warmup = clock.convert(kw["t_warmup"], "t_warmup", scaled=False)
    ramp = clock.convert(kw["t_warmup"], "t_warmup", scaled=kw["scale_warmup"])
    need(ramp[0] > 0 or warmup[0] == 0, "its warmup is 0 after scaling")
    b = maximum(t - 1, 0)
    counter = _counter(clock, b, warmup[1])
    rising = target * minimum(1.0, _counter(clock, b, ramp[1]) / max(ramp[0], 1))
    return where(counter < warmup[0], rising, after(counter, clock, warmup))


def _tau(kw: dict, clock: Clock, counter, warmup: tuple[int, str]):
    t_max = clock.convert(kw["t_max"], "t_max")
    if not t_max[0] > warmup[0]:
        return 0.0
    return minimum(1.0, (counter - warmup[0]) / (t_max[0] - warmup[0]))


@record(MODULE + "CosineAnnealingWithWarmupScheduler").closed_form
def _cosine_with_warmup_at(b, t, lr, kw):
    def after(counter, clock, warmup):
        x = minimum(maximum(_tau(kw, clock, counter, warmup), 0.0), 1.0)
        return kw["alpha_f"] + (1.0 - kw["alpha_f"]) * (1 + cos(x * PI)) / 2

    return lr * _warmup_closed(kw, 1.0, after, t)


@record(MODULE + "LinearWithWarmupScheduler").closed_form
def _linear_with_warmup_at(b, t, lr, kw):
    return lr * _warmup_closed(kw, kw["alpha_i"], lambda counter, clock, warmup: kw["alpha_i"] + _tau(kw, clock, counter, warmup) * (kw["alpha_f"] - kw["alpha_i"]), t)


@record(MODULE + "ConstantWithWarmupScheduler").closed_form
def _constant_with_warmup_at(b, t, lr, kw):
    return lr * _warmup_closed(kw, kw["alpha"], lambda counter, clock, warmup: kw["alpha"], t)


@record(MODULE + "PolynomialWithWarmupScheduler").closed_form
def _polynomial_with_warmup_at(b, t, lr, kw):
    return lr * _warmup_closed(kw, 1.0, lambda counter, clock, warmup: kw["alpha_f"] + (1 - _tau(kw, clock, counter, warmup)) ** kw["power"] * (1.0 - kw["alpha_f"]), t)


def _run_length(kw: dict) -> tuple[int, str] | None:
    """The run the Trainer's arguments state: max_duration in batches (see :mod:`lrcalc.span`)."""
    try:
        return run_batches(kw["max_duration"], kw["batches_per_epoch"], kw["samples_per_batch"], kw["tokens_per_batch"], kw["scale_schedule_ratio"]), f"max_duration={kw['max_duration']}"
    except (ValueError, TypeError, KeyError):
        return None


for _spec in [record(MODULE + name) for name in ("CosineAnnealingWithWarmupScheduler", "LinearWithWarmupScheduler", "ConstantWithWarmupScheduler",
                                                 "PolynomialWithWarmupScheduler", "MultiStepWithWarmupScheduler", "MultiStepScheduler", "StepScheduler",
                                                 "ExponentialScheduler", "ConstantScheduler", "LinearScheduler", "CosineAnnealingScheduler", "PolynomialScheduler")]:
    _spec.spans(length=_run_length)
