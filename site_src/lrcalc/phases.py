"""Where a schedule changes phase: the end of warmup, milestones, restarts, the end of a decay.

:func:`boundaries` lists the steps (0-based, as :func:`lrcalc.from_library`
counts them) at which a configured schedule enters a new phase, each with a
label, so the page can mark them on the chart and say, for any step, which
phase it is in and how far through it. Each scheduler's record says where its
phases are (its ``phase_rule``, next to it in its library's module, following
that library's conventions); this module holds the helpers those rules use and
the generic parts.
"""

from __future__ import annotations

import math
from typing import Any

from . import fmt

MAX_BOUNDARIES = 40


def warmup(kwargs: dict, *names: str) -> list[tuple[int, str]]:
    """The end of warmup at the first of ``names`` that is a positive number."""
    for name in names:
        value = kwargs.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return [(int(value), "the end of warmup")]
    return []


def every(start: int, period: float, total: int, label: str) -> list[tuple[int, str]]:
    """A boundary every ``period`` steps after ``start``: ``label 1``, ``label 2``, ..."""
    if not period or period <= 0:
        return []
    out, k = [], 1
    while start + period * k < total and len(out) <= MAX_BOUNDARIES:
        out.append((int(math.ceil(start + period * k)), f"{label} {k}"))
        k += 1
    return out


def restarts(first: float, mult: float, total: int, offset: int = 0) -> list[tuple[int, str]]:
    """Restarts after periods of ``first``, ``first * mult``, ... steps from ``offset``."""
    out, start, length, k = [], float(offset), float(first), 1
    while start + length < total and len(out) <= MAX_BOUNDARIES and length > 0:
        start += length
        out.append((int(math.ceil(start)), f"restart {k}"))
        length *= mult
        k += 1
    return out


def listed(values: Any, label: str, shift: int = 0) -> list[tuple[int, str]]:
    """A boundary at each listed step (or dict key), moved by ``shift``."""
    if isinstance(values, dict):
        values = [int(k) for k in values]
    if not isinstance(values, (list, tuple)):
        return []
    points = sorted({int(v) + shift for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)})
    return [(p, f"{label} {i}") for i, p in enumerate(points, start=1)]


def end(kwargs: dict, label: str, *names: str, offset: int = 0) -> list[tuple[int, str]]:
    """One boundary at the first of ``names`` that is a positive number, plus ``offset``."""
    for name in names:
        value = kwargs.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return [(int(value) + offset, label)]
    return []


def decay_window(kwargs: dict, *length: str) -> list[tuple[int, str]]:
    """A decay that may start late (optax's ``transition_begin``) and ends after its length."""
    begin = kwargs.get("transition_begin", 0) if isinstance(kwargs.get("transition_begin"), int) else 0
    found = end(kwargs, "the end of decay", *length, offset=max(begin, 0))
    return ([(begin, "the start of decay")] if begin > 0 else []) + found


def boundaries(spec, kwargs: dict, total: int) -> list[tuple[int, str]]:
    """Phase boundaries of a configured scheduler (its record's rule), in 0-based steps below ``total``.

    >>> from lrcalc.libraries import lookup
    >>> boundaries(lookup("torch.optim.lr_scheduler.MultiStepLR"), {"milestones": [30, 60]}, 90)
    [(30, 'milestone 1'), (60, 'milestone 2')]
    >>> boundaries(lookup("optax.warmup_cosine_decay_schedule"), {"warmup_steps": 100, "decay_steps": 1000}, 2000)
    [(100, 'the end of warmup'), (1000, 'the end of decay')]
    """
    from .libraries import bind, lookup

    lr = None
    while spec.resolve is not None:  # a dispatcher has the phases of what it builds
        api, inner, lr = spec.resolve(lr, kwargs)
        spec = lookup(api)
        kwargs = bind(spec, inner)
    found = spec.phases(kwargs, total) if spec.phases else []
    return sorted({(s, label) for s, label in found if 0 < s < total})[:MAX_BOUNDARIES]


def describe(step: int, found: list[tuple[int, str]], total: int, unit_text) -> str:
    """Which phase ``step`` falls in and how far through it, e.g. ``between the end of warmup …``."""
    starts = [0] + [s for s, _ in found]
    ends = [s for s, _ in found] + [total]
    labels = ["the start"] + [label for _, label in found]
    for index, (start, end) in enumerate(zip(starts, ends)):
        if start <= step < end or (index == len(starts) - 1 and step >= start):
            span = max(end - start, 1)
            progress = min(max((step - start) / span, 0.0), 1.0)
            ending = "the end of the run" if end == total else ends_label(found, end)
            return (
                f"Phase {index + 1} of {len(starts)}: from {labels[index]} ({unit_text(start)}) to {ending} ({unit_text(end)}), "
                f"{fmt.lr(progress * 100)}% of the way through."
            )
    return ""


def ends_label(found: list[tuple[int, str]], step: int) -> str:
    """The label of the boundary at ``step``."""
    return next((label for s, label in found if s == step), "the next boundary")
