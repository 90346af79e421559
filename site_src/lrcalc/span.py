"""Where a scheduler call and the training run disagree on length, and what happens then.

Many calls state how long the run is: OneCycleLR's ``total_steps`` (or
``epochs × steps_per_epoch``), CosineAnnealingLR's ``T_max``, Hugging Face's
``num_training_steps``, Keras's and optax's ``decay_steps``, timm's
``t_initial``; and how long the warmup is. Each library's module says which
arguments those are (:meth:`~lrcalc.libraries.Scheduler.spans`); this module
reads them for any scheduler, following a dispatcher (``get_scheduler``,
``create_scheduler``) to what it builds:

- :func:`stated`: the run length and the warmup a call states, in its own steps;
- :func:`warnings`: what happens where the run is longer than the call (the
  library raises, the curve rises again, or it stays flat), shorter (the
  schedule never finishes), or shorter than the warmup (the peak is never
  reached). What they say is found by evaluating the schedule itself, so a
  warning describes the curve the page draws, from the step it happens;
- :func:`length_from_call`: the training length a pasted call implies, for the
  page to take (epochs and steps per epoch, and whether it steps per batch).

A run of ``total`` steps uses the learning rates of steps ``0 .. total - 1``;
its last ``scheduler.step()`` computes step ``total``'s, which is where PyTorch
raises when a OneCycleLR is one step too short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from . import fmt
from .libraries import Scheduler, bind, lookup

PROBES = 64
"""Steps sampled past a call's end to see what the curve does there."""
LOOK_AHEAD = 2_000_000
"""The furthest step evaluated beyond the run (a schedule PyTorch replays step by step computes every step up to it)."""


@dataclass(frozen=True)
class Spans:
    """The run length and warmup a call states: (step, as written), or None where it states none."""

    length: tuple[int, str] | None = None
    warmup: tuple[int, str] | None = None


def stated(spec: Scheduler, kwargs: dict[str, Any], lr: Any = None) -> Spans:
    """The spans a configured scheduler states (following dispatchers); nothing for arguments it would refuse.

    >>> stated(lookup("torch.optim.lr_scheduler.CosineAnnealingLR"), {"T_max": 90})
    Spans(length=(90, 'T_max=90'), warmup=None)
    """
    try:
        while spec.resolve is not None:
            api, inner, lr = spec.resolve(lr, bind(spec, kwargs))
            spec, kwargs = lookup(api), inner
        arguments = bind(spec, kwargs)
    except (ValueError, TypeError, KeyError):
        return Spans()
    try:
        length = spec.length(arguments) if spec.length else None
        warmup = spec.warmup(arguments) if spec.warmup else None
    except (TypeError, ValueError, KeyError):
        return Spans()
    return Spans(length if length and length[0] > 0 else None, warmup if warmup and warmup[0] > 0 else None)


def warnings(schedule: Callable[[int], float], spans: Spans, total: int, where: Callable[[int], str], name: str) -> list[str]:
    """What happens where the run (``total`` steps) and the call's spans disagree, from which step.

    ``where(step)`` says a step as the page shows it (``step 1,000``, ``epoch 10``).
    """
    found = []
    if spans.length is not None:
        end, words = spans.length
        if total > end:
            found += _past_end(schedule, end, total, words, where, name)
        elif total < end:
            last, at_end = _value(schedule, total - 1), _value(schedule, end) if end <= LOOK_AHEAD else None
            if last is not None and (at_end is None or not _same(last, at_end)):
                found.append(
                    f"The run is shorter than {name}'s {words}: it stops at {where(total - 1)} with the learning rate at "
                    f"{fmt.lr(last)}, before the schedule's end at {where(end)}" + (f" ({fmt.lr(at_end)})." if at_end is not None else ".")
                )
    if spans.warmup is not None:
        peak, words = _top(schedule, *spans.warmup)
        last, top = _value(schedule, total - 1), _value(schedule, peak) if peak <= LOOK_AHEAD else None
        if peak >= total and last is not None and top is not None and not _same(last, top):
            found.append(
                f"The warmup is longer than the run: {name}'s {words} reaches its peak of {fmt.lr(top)} at {where(peak)}, "
                f"but the run ends at {where(total - 1)}, at {fmt.lr(last)}; the learning rate never gets to the peak."
            )
    return found


def _top(schedule, peak: int, words: str) -> tuple[int, str]:
    """The warmup's top: its stated step, or the step before where the schedule is already past it there
    (timm without warmup_prefix: the warmup ends at warmup_t - 1 and the decay has begun at warmup_t)."""
    if peak >= 1 and peak - 1 <= LOOK_AHEAD:
        before, at = _value(schedule, peak - 1), _value(schedule, peak)
        if before is not None and at is not None and before > at:
            return peak - 1, words
    return peak, words


def _past_end(schedule, end: int, total: int, words: str, where, name: str) -> list[str]:
    """The run goes on past the call's end: does the library raise, the curve rise again, or stay put?"""
    failing = _first_failure(schedule, end, total)
    if failing is not None:
        step, error = failing
        return [
            f"The run is longer than {name}'s {words}: at {where(step)} the library raises ({error}). "
            f"Make the call's length at least the run's {total:,} scheduler steps."
        ]
    bottom = _value(schedule, end)
    if bottom is None:
        return []
    probes = sorted({end + 1 + round(i * (total - 2 - end) / (PROBES - 1)) for i in range(PROBES)} & set(range(end + 1, total)))
    values = [(step, _value(schedule, step)) for step in probes]
    rising = [(step, value) for step, value in values if value is not None and value > bottom and not _same(value, bottom)]
    if rising:
        first = rising[0][0]
        top_step, top = max(rising, key=lambda item: item[1])
        start = _first_rise(schedule, end, first, bottom)
        return [
            f"The run is longer than {name}'s {words}: from {where(start)} the learning rate rises again, "
            f"up to {fmt.lr(top)} at {where(top_step)}. Set the call's length to the run's {total:,} scheduler steps, or shorten the run."
        ]
    if all(value is not None and _same(value, bottom) for _, value in values):
        return [
            f"The run is longer than {name}'s {words}: from {where(end)} to the end of the run ({total - end:,} scheduler steps) "
            f"the learning rate stays at {fmt.lr(bottom)}."
        ]
    return []


def _first_failure(schedule, end: int, total: int) -> tuple[int, str] | None:
    """The first step in ``end .. total`` where the schedule raises (once it raises, it keeps raising)."""
    if _error(schedule, total) is None:
        return None
    low, high = end, total  # schedule(high) raises
    while high - low > 1:
        middle = (low + high) // 2
        if _error(schedule, middle) is None:
            low = middle
        else:
            high = middle
    return high, _error(schedule, high) or ""


def _first_rise(schedule, end: int, seen: int, bottom: float) -> int:
    """The first step after ``end`` above ``bottom`` (at most ``seen``, where a rise was seen)."""
    for step in range(end + 1, min(seen, end + 256) + 1):
        value = _value(schedule, step)
        if value is not None and value > bottom and not _same(value, bottom):
            return step
    return seen


def _error(schedule, step: int) -> str | None:
    try:
        schedule(step)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return str(error) or type(error).__name__
    return None


def _value(schedule, step: int) -> float | None:
    try:
        value = float(schedule(step))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return value if math.isfinite(value) else None


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


@dataclass(frozen=True)
class Length:
    """The training length a call implies: field texts for the page's Training length box, and why."""

    fields: dict[str, str]
    note: str


def length_from_call(spans: Spans, stepping: str, per_epoch: int | None, written: dict[str, int] | None = None) -> Length | None:
    """The training length to take from a call that states one.

    ``stepping``: how the scheduler steps ("step" or "epoch"); ``per_epoch``:
    the steps per epoch the page has (None: not given). ``written``: epochs or
    steps per epoch the call gives as numbers (OneCycleLR's ``epochs=30``),
    taken as they are.

    >>> length_from_call(Spans((1000, "total_steps=1,000")), "step", 100).fields
    {'epochs': '10'}
    >>> length_from_call(Spans((90, "T_max=90")), "epoch", None).fields
    {'epochs': '90'}
    """
    if written:
        return Length({key: str(value) for key, value in written.items()}, "Taken from the call: " + ", ".join(f"{key}={value:,}" for key, value in written.items()) + ".")
    if spans.length is None:
        return None
    steps, words = spans.length
    if stepping == "epoch":
        return Length({"epochs": str(steps)}, f"Taken from the call: {words} epochs (the scheduler steps once per epoch).")
    if per_epoch:
        epochs = math.ceil(steps / per_epoch)
        exact = epochs * per_epoch == steps
        how = f"{words} ÷ {per_epoch:,} steps per epoch" + ("" if exact else f", rounded up (the run has {epochs * per_epoch:,} steps)")
        return Length({"epochs": str(epochs)}, f"Taken from the call: {how}.")
    return Length(
        {"epochs": "1", "steps_per_epoch": str(steps)},
        f"Taken from the call: {words} steps, as one epoch; type your steps per epoch to read the curve in epochs.",
    )
