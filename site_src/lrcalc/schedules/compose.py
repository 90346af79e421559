"""Schedules made of schedules: one after another, with a warmup, in phases, or multiplied.

:func:`join` is the composition every warmup and phase is built from: it runs
schedules one after another, each counting its own steps from 0.
:func:`warmup` prefixes a schedule with a ramp, :func:`warmup_stable_decay`
joins a warmup, a plateau and a decay, and :func:`chain` multiplies a schedule
by unitless factors.
"""

from __future__ import annotations

import math

from .checks import (
    InvalidArgument,
    Schedule,
    _check_step,
    _hold,
    check_choice,
    check_increasing,
    check_non_negative,
    check_positive,
    check_whole,
)
from .decays import linear


# ---------------------------------------------------------------- warmup and phases


def join(schedules: list[Schedule], boundaries: list[int]) -> Schedule:
    """Run schedules one after another; each restarts its own count at its boundary.

    .. math:: \\mathrm{LR}(t) = s_i(t - b_{i-1}) \\quad\\text{for}\\quad b_{i-1} \\le t < b_i

    As ``optax.join_schedules`` and PyTorch's ``SequentialLR`` (with closed-form
    schedulers): the composition every warmup and phase below is built from.

    Args:
      schedules: one more schedule than boundaries.
      boundaries: increasing steps, each >= 1.

    >>> from lrcalc.schedules import constant
    >>> schedule = join([linear(0.0, 0.1, 5), constant(0.1)], [5])
    >>> schedule(2), schedule(5), schedule(50)
    (0.04, 0.1, 0.1)
    """
    points = check_increasing("boundaries", boundaries, low=1)
    if not isinstance(schedules, (list, tuple)) or len(schedules) != len(points) + 1:
        raise InvalidArgument("schedules", f"a list of {len(points) + 1} schedules (one more than boundaries)", schedules)

    def schedule(step: int) -> float:
        _check_step(step)
        index = sum(1 for b in points if b <= step)
        return schedules[index](step - (points[index - 1] if index else 0))

    return schedule


def warmup(schedule: Schedule, warmup_steps: int, start_value: float = 0.0, kind: str = "linear") -> Schedule:
    """Prefix ``schedule`` with a warmup of ``warmup_steps`` steps.

    Linear: from ``start_value`` up to ``schedule(0)``. Constant: hold
    ``start_value``. The wrapped schedule then starts at step ``warmup_steps``
    from its own step 0: the warmup comes *before* it, not inside it (optax's
    ``warmup_cosine_decay_schedule`` and Hugging Face count the warmup inside
    the total; the library modes reproduce their conventions).

    Args:
      schedule: what follows the warmup.
      warmup_steps: the warmup's length, >= 0 (0: no warmup).
      start_value: the first value, >= 0.
      kind: ``"linear"`` or ``"constant"``.

    >>> from lrcalc.schedules import cosine_decay
    >>> schedule = warmup(cosine_decay(0.1, 100), 10)
    >>> schedule(0), schedule(5), schedule(10)
    (0.0, 0.05, 0.1)
    """
    steps = check_whole("warmup_steps", warmup_steps)
    start = check_non_negative("start_value", start_value)
    check_choice("kind", kind, ("linear", "constant"))
    if steps == 0:
        return schedule
    ramp = linear(start, schedule(0), steps) if kind == "linear" else constant_or_zero(start)
    return join([ramp, schedule], [steps])


def constant_or_zero(value: float) -> Schedule:
    """A constant that may be 0 (for warmups); :func:`constant` requires > 0."""
    level = check_non_negative("value", value)
    return lambda step: (_check_step(step), level)[1]


def warmup_stable_decay(peak_value: float, warmup_steps: int, stable_steps: int, decay_steps: int, start_value: float = 0.0, end_value: float = 0.0, decay: str = "linear") -> Schedule:
    """Warm up, hold the peak, then decay: the warmup-stable-decay (WSD) schedule.

    Linear warmup from ``start_value`` to ``peak_value`` over ``warmup_steps``,
    hold for ``stable_steps``, then decay to ``end_value`` over
    ``decay_steps`` with the chosen shape: linear, cosine or ``1-sqrt``
    (``1 - sqrt(p)``), and hold (Hu et al. 2024, MiniCPM; Hugging Face's
    ``get_wsd_schedule`` and timm's ``WSDLRScheduler`` are variants).

    Args:
      peak_value: the plateau, > 0.
      warmup_steps, stable_steps: >= 0.
      decay_steps: >= 1.
      start_value, end_value: >= 0.
      decay: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.

    >>> schedule = warmup_stable_decay(0.1, 10, 80, 10)
    >>> schedule(5), schedule(50), round(schedule(95), 12), schedule(100)
    (0.05, 0.1, 0.05, 0.0)
    """
    peak = check_positive("peak_value", peak_value)
    up = check_whole("warmup_steps", warmup_steps)
    flat = check_whole("stable_steps", stable_steps)
    down = check_whole("decay_steps", decay_steps, low=1)
    start = check_non_negative("start_value", start_value)
    end = check_non_negative("end_value", end_value)
    check_choice("decay", decay, ("linear", "cosine", "1-sqrt"))
    shapes = {
        "linear": lambda p: 1 - p,
        "cosine": lambda p: (1 + math.cos(math.pi * p)) / 2,
        "1-sqrt": lambda p: 1 - math.sqrt(p),
    }
    shape = shapes[decay]

    def falling(step: int) -> float:
        _check_step(step)
        return end + (peak - end) * shape(_hold(step, down) / down)

    body = join([constant_or_zero(peak), falling], [flat]) if flat else falling
    return warmup(body, up, start)


# ---------------------------------------------------------------- multiplied


def chain(schedules: list[Schedule]) -> Schedule:
    """Multiply a schedule by multiplier schedules (PyTorch's ``ChainedScheduler``, for multiplicative schedules).

    .. math:: \\mathrm{LR}(t) = s_1(t) \\prod_{k \\ge 2} s_k(t)

    The first schedule is a learning rate; each later one is a unitless
    multiplier, such as ``linear(0.5, 1.0, 5)`` for a factor that ramps from
    0.5 to 1 over 5 steps.

    >>> from lrcalc.schedules import exponential_decay
    >>> schedule = chain([exponential_decay(0.1, 0.9), linear(0.5, 1.0, 5)])
    >>> round(schedule(0), 12), round(schedule(5), 12)
    (0.05, 0.059049)
    """
    if not isinstance(schedules, (list, tuple)) or not schedules:
        raise InvalidArgument("schedules", "a non-empty list of schedules", schedules)

    def schedule(step: int) -> float:
        _check_step(step)
        value = schedules[0](step)
        for factor in schedules[1:]:
            value *= factor(step)
        return value

    return schedule
