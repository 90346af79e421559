"""The rules a schedule's arguments must follow, and the pieces every schedule shares.

Each ``check_*`` function takes an argument's name and value, returns the value
(as a float, a whole number or a list) if it follows the rule, and otherwise
raises :class:`InvalidArgument` naming the argument, the rule and the value.
The factories in the other modules call them once, when a schedule is built;
the calculator form (:mod:`lrcalc.calculator`) applies the same functions to
each field, so a rule is never restated elsewhere.

Also here: :data:`Schedule`, the type every factory returns; the private step
helpers the schedules share (``_check_step``, ``_hold``, ``_power``); and
:func:`first_failure`, the search the calculator uses to find where a curve
stops being finite or positive.
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


# ---------------------------------------------------------------- steps


def _check_step(step: int) -> None:
    """Reject negative steps: no library evaluates a schedule before step 0."""
    if step < 0:
        raise InvalidArgument("step", ">= 0", step)


def _hold(step: int, steps: int) -> int:
    """The step, held at ``steps`` once past it."""
    return min(step, steps)


def _power(base: float, exponent: float) -> float:
    """``base ** exponent``, returning ``inf`` where the float would overflow."""
    try:
        return base**exponent
    except OverflowError:
        return math.inf


# ---------------------------------------------------------------- searching a curve


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
