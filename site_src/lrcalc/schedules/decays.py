"""The families that run once, from a start value towards an end, without restarting.

The classic three (constant, exponential and step decay), the step-wise ones
(multi-step, piecewise constant, piecewise interpolated) and the smooth ones
(polynomial, linear, cosine, inverse time, inverse square root, tanh). Each
factory validates its arguments with :mod:`lrcalc.schedules.checks` and
returns a plain ``schedule(step) -> lr``.
"""

from __future__ import annotations

import math

from .checks import (
    InvalidArgument,
    Schedule,
    _check_real,
    _check_step,
    _hold,
    _power,
    check_choice,
    check_increasing,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_whole,
)


# ---------------------------------------------------------------- the classic three


def constant(value: float) -> Schedule:
    """A learning rate that never changes.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_0

    Args:
      value: the learning rate ``LR_0``, > 0.

    Returns:
      ``schedule(step) -> lr``, always ``value``.

    >>> constant(0.01)(500)
    0.01

    Same as PyTorch's optimizer without a scheduler, or ``optax.constant_schedule``.
    """
    lr = check_positive("value", value)

    def schedule(step: int) -> float:
        _check_step(step)
        return lr

    return schedule


def exponential_decay(init_value: float, decay_rate: float) -> Schedule:
    """Multiply the learning rate by ``decay_rate`` after every step.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_0 \\cdot \\gamma^{t}

    where ``LR_0`` is ``init_value``, ``γ`` is ``decay_rate`` and ``t`` is the
    0-based step. A rate below 1 decays, 1 keeps the rate, above 1 grows it.

    Args:
      init_value: the learning rate at step 0, > 0.
      decay_rate: the multiplier per step ``γ``, > 0.

    Returns:
      ``schedule(step) -> lr``; ``inf`` once the value leaves the float range.

    >>> schedule = exponential_decay(0.01, 0.95)
    >>> round(schedule(30), 10)
    0.0021463876

    Equals PyTorch's ``ExponentialLR(optimizer, gamma=decay_rate)`` after
    ``t`` calls of ``step()`` (PyTorch multiplies recursively; the closed form
    here agrees to within a few units in the last place), and Keras's
    ``ExponentialDecay(init_value, decay_steps=1, decay_rate=decay_rate)``.
    """
    lr0 = check_positive("init_value", init_value)
    gamma = check_positive("decay_rate", decay_rate)

    def schedule(step: int) -> float:
        _check_step(step)
        return lr0 * _power(gamma, step)

    return schedule


def step_decay(init_value: float, step_size: int, decay_factor: float) -> Schedule:
    """Multiply the learning rate by ``decay_factor`` every ``step_size`` steps.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_0 \\cdot \\gamma^{\\lfloor t / s \\rfloor}

    where ``LR_0`` is ``init_value``, ``γ`` is ``decay_factor``, ``s`` is
    ``step_size`` and ``t`` is the 0-based step. The first drop happens at
    ``t = s``: steps ``0 … s-1`` use ``LR_0``.

    Args:
      init_value: the learning rate at step 0, > 0.
      step_size: steps between drops ``s``, a whole number >= 1.
      decay_factor: the multiplier at each drop ``γ``, > 0 (0.5 halves).

    Returns:
      ``schedule(step) -> lr``; ``inf`` once the value leaves the float range.

    >>> schedule = step_decay(0.001, step_size=25, decay_factor=0.5)
    >>> schedule(24), schedule(25), schedule(60)
    (0.001, 0.0005, 0.00025)

    Equals PyTorch's ``StepLR(optimizer, step_size, gamma=decay_factor)``
    after ``t`` calls of ``step()``.
    """
    lr0 = check_positive("init_value", init_value)
    size = check_positive_int("step_size", step_size)
    gamma = check_positive("decay_factor", decay_factor)

    def schedule(step: int) -> float:
        _check_step(step)
        return lr0 * _power(gamma, step // size)

    return schedule


# ---------------------------------------------------------------- step-wise


def multistep_decay(init_value: float, milestones: list[int], decay_factor: float) -> Schedule:
    """Multiply the learning rate by ``decay_factor`` at each milestone.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_0 \\cdot \\gamma^{|\\{m_i \\le t\\}|}

    where ``m_i`` are the ``milestones``: the drop at ``m`` first applies at
    step ``m``, as in PyTorch's ``MultiStepLR``.

    Args:
      init_value: the learning rate at step 0, > 0.
      milestones: increasing steps at which to multiply, each >= 1.
      decay_factor: the multiplier ``γ`` at each milestone, > 0.

    >>> schedule = multistep_decay(0.1, [30, 80], 0.1)
    >>> schedule(29), schedule(30), round(schedule(80), 12)
    (0.1, 0.010000000000000002, 0.001)
    """
    lr0 = check_positive("init_value", init_value)
    points = check_increasing("milestones", milestones, low=1)
    gamma = check_positive("decay_factor", decay_factor)

    def schedule(step: int) -> float:
        _check_step(step)
        return lr0 * _power(gamma, sum(1 for m in points if m <= step))

    return schedule


def piecewise_constant(boundaries: list[int], values: list[float]) -> Schedule:
    """Hold ``values[i]`` from ``boundaries[i-1]`` up to (not including) ``boundaries[i]``.

    .. math:: \\mathrm{LR}(t) = v_i \\quad\\text{for}\\quad b_{i-1} \\le t < b_i

    The value changes *at* each boundary (optax's convention; Keras's
    ``PiecewiseConstantDecay`` changes one step later).

    Args:
      boundaries: increasing steps, each >= 1.
      values: one more value than boundaries, each > 0.

    >>> schedule = piecewise_constant([10, 20], [0.1, 0.01, 0.001])
    >>> schedule(9), schedule(10), schedule(25)
    (0.1, 0.01, 0.001)
    """
    points = check_increasing("boundaries", boundaries, low=1)
    if not isinstance(values, (list, tuple)) or len(values) != len(points) + 1:
        raise InvalidArgument("values", f"a list of {len(points) + 1} numbers (one more than boundaries)", values)
    levels = [check_positive("values", v) for v in values]

    def schedule(step: int) -> float:
        _check_step(step)
        return levels[sum(1 for b in points if b <= step)]

    return schedule


def piecewise_interpolate(boundaries: list[int], values: list[float], kind: str = "linear") -> Schedule:
    """Interpolate between ``values[i]`` at ``boundaries[i]``; hold outside them.

    .. math:: \\mathrm{LR}(t) = v_i + (v_{i+1} - v_i)\\, s\\!\\left(\\frac{t - b_i}{b_{i+1} - b_i}\\right)

    with ``s(p) = p`` (linear) or ``s(p) = (1 - cos(πp))/2`` (cosine).

    Args:
      boundaries: increasing knot steps, the first >= 0.
      values: the learning rate at each knot, each >= 0.
      kind: ``"linear"`` or ``"cosine"``.

    >>> schedule = piecewise_interpolate([0, 10, 20], [0.0, 0.1, 0.0])
    >>> schedule(5), schedule(10), schedule(15), schedule(30)
    (0.05, 0.1, 0.05, 0.0)
    """
    points = check_increasing("boundaries", boundaries)
    if len(points) < 1:
        raise InvalidArgument("boundaries", "a list of at least one step", boundaries)
    if not isinstance(values, (list, tuple)) or len(values) != len(points):
        raise InvalidArgument("values", f"a list of {len(points)} numbers (one per boundary)", values)
    levels = [check_non_negative("values", v) for v in values]
    check_choice("kind", kind, ("linear", "cosine"))

    def schedule(step: int) -> float:
        _check_step(step)
        if step <= points[0]:
            return levels[0]
        for (b0, v0), (b1, v1) in zip(zip(points, levels), zip(points[1:], levels[1:])):
            if step < b1:
                p = (step - b0) / (b1 - b0)
                shape = p if kind == "linear" else (1 - math.cos(math.pi * p)) / 2
                return v0 + (v1 - v0) * shape
        return levels[-1]

    return schedule


# ---------------------------------------------------------------- smooth decays


def polynomial_decay(init_value: float, end_value: float, steps: int, power: float = 1.0, cycle: bool = False) -> Schedule:
    """Decay from ``init_value`` to ``end_value`` as a power of the remaining fraction.

    .. math:: \\mathrm{LR}(t) = (\\mathrm{LR}_0 - \\mathrm{LR}_{end}) \\left(1 - \\frac{\\min(t, T)}{T}\\right)^{p} + \\mathrm{LR}_{end}

    ``power`` 1 is a straight line. After ``T = steps`` the value holds at
    ``end_value``; with ``cycle`` the decay restarts, stretched to the next
    multiple of ``T`` (Keras's ``PolynomialDecay(cycle=True)``).

    Args:
      init_value: the learning rate at step 0, > 0.
      end_value: the learning rate at step ``steps`` and after, >= 0 (absolute).
      steps: the length ``T`` of the decay, >= 1.
      power: the exponent ``p``, > 0.
      cycle: restart instead of holding.

    >>> schedule = polynomial_decay(0.1, 0.0, 10, power=2.0)
    >>> round(schedule(5), 12), schedule(10), schedule(20)
    (0.025, 0.0, 0.0)
    """
    lr0 = check_positive("init_value", init_value)
    lr_end = check_non_negative("end_value", end_value)
    length = check_whole("steps", steps, low=1)
    p = check_positive("power", power)

    def schedule(step: int) -> float:
        _check_step(step)
        span = length * (max(1, math.ceil(step / length)) if cycle else 1)
        return (lr0 - lr_end) * (1 - _hold(step, span) / span) ** p + lr_end

    return schedule


def linear(init_value: float, end_value: float, steps: int) -> Schedule:
    """A straight line from ``init_value`` to ``end_value`` over ``steps``, then hold.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_0 + (\\mathrm{LR}_{end} - \\mathrm{LR}_0) \\frac{\\min(t, T)}{T}

    Unlike the decays, it may rise (a warmup) and may start at 0.

    Args:
      init_value: the value at step 0, >= 0.
      end_value: the value at step ``steps`` and after, >= 0.
      steps: the length ``T``, >= 1.

    >>> schedule = linear(0.0, 0.1, 10)
    >>> schedule(0), schedule(5), schedule(12)
    (0.0, 0.05, 0.1)
    """
    start = check_non_negative("init_value", init_value)
    end = check_non_negative("end_value", end_value)
    length = check_whole("steps", steps, low=1)

    def schedule(step: int) -> float:
        _check_step(step)
        if step >= length:
            return end  # exactly: start + (end - start) can miss end by a rounding error, even below 0
        return start + (end - start) * step / length

    return schedule


def cosine_decay(init_value: float, steps: int, end_value: float = 0.0, exponent: float = 1.0) -> Schedule:
    """Half a cosine from ``init_value`` down to a floor, then hold the floor.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_{end} + (\\mathrm{LR}_0 - \\mathrm{LR}_{end}) \\left(\\frac{1 + \\cos(\\pi \\min(t, T)/T)}{2}\\right)^{e}

    The floor ``end_value`` is absolute, as PyTorch's ``eta_min``; Keras's
    ``alpha`` and optax's ``alpha`` are the same floor as a fraction of
    ``init_value`` (``end_value = alpha * init_value``). Unlike PyTorch's
    ``CosineAnnealingLR``, the value holds at the floor after ``T``.

    Args:
      init_value: the learning rate at step 0, > 0.
      steps: the length ``T`` of the decay, >= 1.
      end_value: the floor, >= 0.
      exponent: ``e``; above 1 the decay comes sooner (optax's ``exponent``).

    >>> schedule = cosine_decay(0.1, 100, end_value=0.001)
    >>> schedule(0), round(schedule(50), 12), round(schedule(100), 12)
    (0.1, 0.0505, 0.001)
    """
    lr0 = check_positive("init_value", init_value)
    length = check_whole("steps", steps, low=1)
    floor = check_non_negative("end_value", end_value)
    e = check_positive("exponent", exponent)

    def schedule(step: int) -> float:
        _check_step(step)
        return floor + (lr0 - floor) * ((1 + math.cos(math.pi * _hold(step, length) / length)) / 2) ** e

    return schedule


def inverse_time_decay(init_value: float, decay_steps: int, decay_rate: float, staircase: bool = False) -> Schedule:
    """Divide by ``1 + rate · t / decay_steps`` (Keras's ``InverseTimeDecay``).

    .. math:: \\mathrm{LR}(t) = \\frac{\\mathrm{LR}_0}{1 + r\\, t / s}

    With ``staircase``, ``t / s`` is rounded down.

    Args:
      init_value: the learning rate at step 0, > 0.
      decay_steps: ``s``, >= 1.
      decay_rate: ``r``, >= 0.
      staircase: decay in whole multiples of ``decay_steps``.

    >>> inverse_time_decay(0.1, 10, 1.0)(10)
    0.05
    """
    lr0 = check_positive("init_value", init_value)
    length = check_whole("decay_steps", decay_steps, low=1)
    rate = check_non_negative("decay_rate", decay_rate)

    def schedule(step: int) -> float:
        _check_step(step)
        p = step // length if staircase else step / length
        return lr0 / (1 + rate * p)

    return schedule


def inverse_sqrt(init_value: float, timescale: int) -> Schedule:
    """Hold ``init_value`` for ``timescale`` steps, then decay as ``1/sqrt(t)``.

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_0 \\sqrt{\\frac{s}{\\max(t, s)}}

    The "rsqrt" decay of the Transformer (Vaswani et al. 2017) and T5, usually
    after a warmup of ``s`` steps (combine with :func:`warmup`).

    Args:
      init_value: the learning rate up to step ``timescale``, > 0.
      timescale: ``s``, >= 1.

    >>> inverse_sqrt(0.01, 100)(400)
    0.005
    """
    lr0 = check_positive("init_value", init_value)
    s = check_whole("timescale", timescale, low=1)

    def schedule(step: int) -> float:
        _check_step(step)
        return lr0 * math.sqrt(s / max(step, s))

    return schedule


def tanh_decay(init_value: float, steps: int, end_value: float = 0.0, lower: float = -7.0, upper: float = 3.0) -> Schedule:
    """A tanh-shaped decay: flat, then a steep fall, then flat (timm's ``TanhLRScheduler``).

    .. math:: \\mathrm{LR}(t) = \\mathrm{LR}_{end} + \\frac{\\mathrm{LR}_0 - \\mathrm{LR}_{end}}{2} \\left(1 - \\tanh\\big(L + (U - L)\\tfrac{\\min(t,T)}{T}\\big)\\right)

    Args:
      init_value: the peak learning rate, > 0.
      steps: the length ``T`` of the decay, >= 1.
      end_value: the level the curve falls towards, >= 0; like timm's ``lr_min``
        it is approached, not reached (at step ``T`` the value is still
        ``(LR_0 - LR_end)(1 - tanh U)/2`` above it), and held after ``T``.
      lower: ``L``, where the tanh starts (timm's ``lb``).
      upper: ``U`` > ``L``, where it ends (timm's ``ub``).

    >>> round(tanh_decay(0.1, 100)(0), 6)
    0.1
    """
    lr0 = check_positive("init_value", init_value)
    length = check_whole("steps", steps, low=1)
    floor = check_non_negative("end_value", end_value)
    lo, hi = _check_real("lower", lower), _check_real("upper", upper)
    if hi <= lo:
        raise InvalidArgument("upper", f"> lower ({lo})", upper)

    def schedule(step: int) -> float:
        _check_step(step)
        r = _hold(step, length) / length
        return floor + 0.5 * (lr0 - floor) * (1 - math.tanh(lo * (1 - r) + hi * r))

    return schedule
