"""What every chart on the page shares: how many points it draws, and which.

A curve longer than :data:`CHART_POINTS` positions is drawn from evenly spaced
positions plus the ones that must be exact on the chart (the current position,
a step schedule's drops); the numbers shown beside it are computed exactly.
"""

from __future__ import annotations

from typing import Iterable

CHART_POINTS = 1001
"""Curves longer than this are drawn from evenly spaced positions (plus the extra ones asked for)."""


def sample(first: int, last: int, extra: Iterable[int] = ()) -> list[int]:
    """Every position from ``first`` to ``last``, or an even sample of them plus ``extra`` (those within).

    >>> sample(0, 4), len(sample(0, 9_999)), 4_321 in sample(0, 9_999, [4_321])
    ([0, 1, 2, 3, 4], 1001, True)
    """
    n = last - first + 1
    if n <= CHART_POINTS:
        return list(range(first, last + 1))
    picks = {first + round(i * (n - 1) / (CHART_POINTS - 1)) for i in range(CHART_POINTS)}
    picks.update(e for e in extra if first <= e <= last)
    return sorted(picks)
