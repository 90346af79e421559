"""The families that rise again: cosine with warm restarts, cyclic and one-cycle.

Each factory validates its arguments with :mod:`lrcalc.schedules.checks` and
returns a plain ``schedule(step) -> lr``.
"""

from __future__ import annotations

import math

from .checks import (
    InvalidArgument,
    Schedule,
    _check_real,
    _check_step,
    _power,
    check_choice,
    check_non_negative,
    check_positive,
    check_whole,
)


def cosine_restarts(init_value: float, period: int, period_mult: float = 1.0, end_value: float = 0.0, peak_decay: float = 1.0) -> Schedule:
    """Cosine annealing restarted from the peak at the end of each period (SGDR).

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_{end} + (\\mathrm{LR}_0 d^{k} - \\mathrm{LR}_{end}) \\frac{1 + \\cos(\\pi\\, t_k / T_k)}{2}

    where period ``k`` lasts ``T_k = T_0 · m^k`` steps, ``t_k`` is the step
    within it and ``d`` is ``peak_decay`` (Loshchilov and Hutter 2016; PyTorch's
    ``CosineAnnealingWarmRestarts`` with ``d = 1``, Keras's
    ``CosineDecayRestarts``).

    Args:
      init_value: the first peak, > 0.
      period: ``T_0``, >= 1.
      period_mult: ``m`` >= 1; 2 doubles each period.
      end_value: the floor, >= 0.
      peak_decay: ``d`` > 0, the peak's multiplier at each restart.

    >>> schedule = cosine_restarts(0.1, 10, period_mult=2)
    >>> schedule(0), schedule(10), schedule(30)
    (0.1, 0.1, 0.1)
    """
    lr0 = check_positive("init_value", init_value)
    t0 = check_whole("period", period, low=1)
    mult = _check_real("period_mult", period_mult)
    if mult < 1:
        raise InvalidArgument("period_mult", ">= 1", period_mult)
    floor = check_non_negative("end_value", end_value)
    decay = check_positive("peak_decay", peak_decay)

    def schedule(step: int) -> float:
        _check_step(step)
        start, length, k = 0.0, float(t0), 0
        while step >= start + length:
            start, length, k = start + length, length * mult, k + 1
        peak = lr0 * _power(decay, k)
        return floor + (peak - floor) * (1 + math.cos(math.pi * (step - start) / length)) / 2

    return schedule


def cyclic(base_value: float, max_value: float, step_size_up: int, step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0) -> Schedule:
    """Cycle between ``base_value`` and ``max_value`` (Smith 2015, PyTorch's ``CyclicLR``).

    .. math:: \\mathrm{LR}(t) = b + (M - b)\\, h(t)\\, a(t)

    where ``h`` rises linearly from 0 to 1 over ``step_size_up`` steps and falls
    back over ``step_size_down``, and the amplitude ``a`` is 1 (triangular),
    halves every cycle (triangular2) or is ``gamma^t`` (exp_range).

    Args:
      base_value: the bottom of each cycle, >= 0.
      max_value: the top of the first cycle, >= base_value.
      step_size_up: steps from bottom to top, >= 1.
      step_size_down: steps from top to bottom, >= 1 (default: step_size_up).
      mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
      gamma: the per-step amplitude factor of exp_range, > 0.

    >>> schedule = cyclic(0.001, 0.006, 4)
    >>> schedule(0), schedule(2), schedule(4), schedule(8)
    (0.001, 0.0035, 0.006, 0.001)
    """
    low = check_non_negative("base_value", base_value)
    high = check_non_negative("max_value", max_value)
    if high < low:
        raise InvalidArgument("max_value", f">= base_value ({low})", max_value)
    up = check_whole("step_size_up", step_size_up, low=1)
    down = up if step_size_down is None else check_whole("step_size_down", step_size_down, low=1)
    check_choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    g = check_positive("gamma", gamma)
    total = up + down

    def schedule(step: int) -> float:
        _check_step(step)
        cycle, position = divmod(step, total)
        height = position / up if position <= up else (total - position) / down
        if mode == "triangular":
            amplitude = 1.0
        elif mode == "triangular2":
            amplitude = 0.5**cycle
        else:
            amplitude = _power(g, step)
        return low + (high - low) * height * amplitude

    return schedule


def one_cycle(max_value: float, total_steps: int, pct_start: float = 0.3, anneal: str = "cos", div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False) -> Schedule:
    """One cycle: warm up to ``max_value``, then anneal far below the start.

    Starts at ``max_value / div_factor``, rises to ``max_value`` over the
    first ``pct_start`` of ``total_steps``, then falls to
    ``max_value / (div_factor · final_div_factor)`` at step ``total_steps - 1``
    (Smith and Topin 2017). With ``three_phase``, it first returns to the start
    value symmetrically, then falls. The phase boundaries follow PyTorch's
    ``OneCycleLR`` exactly; unlike it, steps past the end hold the final value.

    Args:
      max_value: the peak, > 0.
      total_steps: the length of the cycle, >= 2.
      pct_start: the fraction spent rising, in (0, 1).
      anneal: ``"cos"`` or ``"linear"``.
      div_factor: start = max_value / div_factor, > 0.
      final_div_factor: end = start / final_div_factor, > 0.
      three_phase: rise, fall back to the start, then fall further.

    >>> schedule = one_cycle(0.1, 100)
    >>> round(schedule(0), 12), round(schedule(29), 12)
    (0.004, 0.1)
    """
    peak = check_positive("max_value", max_value)
    total = check_whole("total_steps", total_steps, low=2)
    pct = _check_real("pct_start", pct_start)
    if not 0 < pct < 1:
        raise InvalidArgument("pct_start", "between 0 and 1 (exclusive)", pct_start)
    check_choice("anneal", anneal, ("cos", "linear"))
    start = peak / check_positive("div_factor", div_factor)
    end = start / check_positive("final_div_factor", final_div_factor)
    first = float(pct * total) - 1
    if three_phase:
        phases = [(first, start, peak), (float(2 * pct * total) - 2, peak, start), (total - 1, start, end)]
    else:
        phases = [(first, start, peak), (total - 1, peak, end)]

    def schedule(step: int) -> float:
        _check_step(step)
        step = min(step, total - 1)
        begin = 0.0
        for i, (finish, a, b) in enumerate(phases):
            if step <= finish or i == len(phases) - 1:
                p = (step - begin) / (finish - begin) if finish > begin else 1.0
                if anneal == "cos":
                    return b + (a - b) / 2.0 * (math.cos(math.pi * p) + 1)
                return (b - a) * p + a
            begin = finish
        raise AssertionError("unreachable")  # pragma: no cover

    return schedule
