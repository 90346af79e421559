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
