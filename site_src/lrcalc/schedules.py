"""Learning-rate schedules as small validated factories.

Each factory checks its arguments once and returns a plain function
``schedule(step) -> lr`` with no state between calls, in the manner of optax.
``step`` is the 0-based count of scheduler steps taken so far: ``schedule(0)``
is the learning rate of the first epoch (or batch), and ``schedule(t)`` is the
value PyTorch's scheduler holds after ``t`` calls of ``scheduler.step()``.

Rules are written once, in the ``check_*`` functions below. The calculator
form (:mod:`lrcalc.calculator`) applies the same functions to each field, so a
rule is never restated elsewhere.
"""

from __future__ import annotations

import math
from typing import Callable

Schedule = Callable[[int], float]
"""A learning-rate schedule: 0-based step in, learning rate out."""


class InvalidArgument(ValueError):
    """An argument broke a rule: names the argument, the rule and the value.

    ``str(error)`` reads like ``decay_rate must be > 0 (got decay_rate=-0.5)``;
    the attributes let a form restate it with its own label.
    """

    def __init__(self, name: str, rule: str, value: object) -> None:
        self.name = name
        self.rule = rule
        self.value = value
        super().__init__(f"{name} must be {rule} (got {name}={value!r})")


def _check_real(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(name, "a number", value)
    if not math.isfinite(value):
        raise InvalidArgument(name, "a finite number", value)
    return float(value)


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and > 0."""
    number = _check_real(name, value)
    if number <= 0:
        raise InvalidArgument(name, "> 0", value)
    return number


def check_positive_int(name: str, value: object) -> int:
    """Return ``value`` if it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(name, "a whole number", value)
    if value < 1:
        raise InvalidArgument(name, ">= 1", value)
    return value


def _check_step(step: int) -> None:
    """Reject negative steps: no library evaluates a schedule before step 0."""
    if step < 0:
        raise InvalidArgument("step", ">= 0", step)


def first_failure(ok: Callable[[int], bool], last: int) -> int:
    """The smallest step in ``0..last`` where ``ok`` fails, for a property that fails from there on
    (``last + 1`` if it never fails). Binary search: O(log last) evaluations.

    >>> first_failure(lambda step: step < 7, 100), first_failure(lambda step: True, 100)
    (7, 101)
    """
    low, high = 0, last + 1
    while low < high:
        middle = (low + high) // 2
        if ok(middle):
            low = middle + 1
        else:
            high = middle
    return low


def _power(base: float, exponent: float) -> float:
    """``base ** exponent``, returning ``inf`` where the float would overflow."""
    try:
        return base**exponent
    except OverflowError:
        return math.inf


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


# ---------------------------------------------------------------- more validation


def check_non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and >= 0."""
    number = _check_real(name, value)
    if number < 0:
        raise InvalidArgument(name, ">= 0", value)
    return number


def check_fraction(name: str, value: object) -> float:
    """Return ``value`` as a float if it lies in [0, 1]."""
    number = _check_real(name, value)
    if not 0 <= number <= 1:
        raise InvalidArgument(name, "between 0 and 1", value)
    return number


def check_whole(name: str, value: object, low: int = 0) -> int:
    """Return ``value`` if it is a whole number >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(name, "a whole number", value)
    if value < low:
        raise InvalidArgument(name, f">= {low}", value)
    return value


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise InvalidArgument(name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value  # type: ignore[return-value]


def check_increasing(name: str, values: object, low: int = 0) -> list[int]:
    """Return ``values`` if it is a list of whole numbers >= ``low``, in increasing order."""
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise InvalidArgument(name, "a list of whole numbers", values)
    if any(v < low for v in values) or any(b <= a for a, b in zip(values, values[1:])):
        raise InvalidArgument(name, f"increasing whole numbers >= {low}", values)
    return list(values)


def _hold(step: int, steps: int) -> int:
    """The step, held at ``steps`` once past it."""
    return min(step, steps)


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


# ---------------------------------------------------------------- cycles


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


# ---------------------------------------------------------------- warmup and phases


def join(schedules: list[Schedule], boundaries: list[int]) -> Schedule:
    """Run schedules one after another; each restarts its own count at its boundary.

    .. math:: \\mathrm{LR}(t) = s_i(t - b_{i-1}) \\quad\\text{for}\\quad b_{i-1} \\le t < b_i

    As ``optax.join_schedules`` and PyTorch's ``SequentialLR`` (with closed-form
    schedulers): the composition every warmup and phase below is built from.

    Args:
      schedules: one more schedule than boundaries.
      boundaries: increasing steps, each >= 1.

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


# ---------------------------------------------------------------- driven by data


def reduce_on_plateau(init_value: float, metrics: list[float], factor: float = 0.1, patience: int = 10, threshold: float = 1e-4, mode: str = "min", threshold_mode: str = "rel", cooldown: int = 0, min_value: float = 0.0, eps: float = 1e-8) -> Schedule:
    """Cut the learning rate when a metric stops improving (PyTorch's ``ReduceLROnPlateau``).

    After more than ``patience`` evaluations without an improvement larger
    than ``threshold`` (relative or absolute), multiply by ``factor`` (not
    below ``min_value``), then ignore ``cooldown`` evaluations. Step ``i`` is
    the value after the ``i``-th metric; step 0 is ``init_value``.

    Args:
      init_value: the learning rate before the first metric, > 0.
      metrics: the validation metric at each evaluation, in order.
      factor: the multiplier at each cut, in (0, 1).
      patience, cooldown: whole numbers >= 0.
      threshold: the smallest improvement that counts, >= 0.
      mode: ``"min"`` (a loss) or ``"max"`` (an accuracy).
      threshold_mode: ``"rel"`` or ``"abs"``.
      min_value: the floor, >= 0.
      eps: changes smaller than this are skipped.

    >>> schedule = reduce_on_plateau(0.1, [1.0, 1.0, 1.0, 1.0], patience=1)
    >>> [round(schedule(i), 12) for i in range(5)]
    [0.1, 0.1, 0.1, 0.01, 0.01]
    """
    lr0 = check_positive("init_value", init_value)
    if not isinstance(metrics, (list, tuple)):
        raise InvalidArgument("metrics", "a list of numbers", metrics)
    values = [_check_real("metrics", m) for m in metrics]
    cut = _check_real("factor", factor)
    if not 0 < cut < 1:
        raise InvalidArgument("factor", "between 0 and 1 (exclusive)", factor)
    wait = check_whole("patience", patience)
    limit = check_non_negative("threshold", threshold)
    check_choice("mode", mode, ("min", "max"))
    check_choice("threshold_mode", threshold_mode, ("rel", "abs"))
    rest = check_whole("cooldown", cooldown)
    floor = check_non_negative("min_value", min_value)
    tiny = check_non_negative("eps", eps)

    def better(a: float, best: float) -> bool:
        if mode == "min":
            return a < best * (1 - limit) if threshold_mode == "rel" else a < best - limit
        return a > best * (1 + limit) if threshold_mode == "rel" else a > best + limit

    curve = [lr0]
    best, bad, cooling = (math.inf if mode == "min" else -math.inf), 0, 0
    for value in values:
        if better(value, best):
            best, bad = value, 0
        else:
            bad += 1
        if cooling > 0:
            cooling, bad = cooling - 1, 0
        if bad > wait:
            reduced = max(curve[-1] * cut, floor)
            curve.append(reduced if curve[-1] - reduced > tiny else curve[-1])
            cooling, bad = rest, 0
        else:
            curve.append(curve[-1])

    def schedule(step: int) -> float:
        _check_step(step)
        return curve[min(step, len(curve) - 1)]

    return schedule


def chain(schedules: list[Schedule]) -> Schedule:
    """Multiply a schedule by multiplier schedules (PyTorch's ``ChainedScheduler``, for multiplicative schedules).

    .. math:: \\mathrm{LR}(t) = s_1(t) \\prod_{k \\ge 2} s_k(t)

    The first schedule is a learning rate; each later one is a unitless
    multiplier, such as ``linear(0.5, 1.0, 5)`` for a factor that ramps from
    0.5 to 1 over 5 steps.

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
