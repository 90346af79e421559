"""The family driven by data: reduce the learning rate when a metric stops improving.

Unlike the other families, its curve depends on a list of measured metrics,
not on arguments alone: :func:`reduce_on_plateau` replays PyTorch's
``ReduceLROnPlateau`` over them once, when the schedule is built.
"""

from __future__ import annotations

import math

from .checks import (
    InvalidArgument,
    Schedule,
    _check_real,
    _check_step,
    check_choice,
    check_non_negative,
    check_positive,
    check_whole,
)


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
