"""The arithmetic the rules share: float32 emulation, numpy's and torch's gradients, argmin, smoothing.

The tools compute in float32 (fastai, Lightning) or float64 (torch-lr-finder);
:func:`f32` and :func:`f32_one` round as a float32 tensor does, with
:mod:`array`, so the rules in :mod:`lrcalc.finder.rules` can repeat each tool's
arithmetic exactly. :func:`smooth` holds the tools' smoothing formulas and
:func:`centred_average` lrcalc's own.
"""

from __future__ import annotations

import array
import math
from typing import Sequence

from .errors import FinderError

SMOOTHING = ("none", "ema", "debiased_ema")
"""The smoothing methods :func:`smooth` offers."""


# --------------------------------------------------------------------------- float32 and numpy-like helpers


def f32(values: Sequence[float]) -> list[float]:
    """Round each value to the nearest float32 (as ``torch.tensor(values)`` does); too large reads ±inf."""
    try:
        return array.array("f", values).tolist()
    except OverflowError:  # some Pythons refuse to pack values beyond float32's range
        return [f32_one(v) for v in values]


def f32_one(value: float) -> float:
    """One value rounded to float32, overflowing to ±inf like a C cast."""
    try:
        return array.array("f", [value])[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def div(a: float, b: float) -> float:
    """IEEE division: ``x / 0`` is ±inf (or NaN for ``0 / 0``) instead of an exception."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def argmin(values: Sequence[float]) -> int:
    """The index of the first smallest value; a NaN counts as smallest, as in numpy and torch.

    >>> argmin([3.0, 1.0, 2.0, 1.0]), argmin([3.0, float("nan"), 0.0])
    (1, 1)
    """
    if not values:
        raise FinderError("argmin of an empty sequence")
    best = 0
    for i, value in enumerate(values):
        if math.isnan(value):
            return i
        if value < values[best]:
            best = i
    return best


def gradient(values: Sequence[float], x: Sequence[float] | None = None) -> list[float]:
    """``numpy.gradient(values, x)`` in pure Python (float64, ``edge_order=1``).

    Interior points use second-order central differences; for spacings
    ``h1 = x[i] - x[i-1]`` and ``h2 = x[i+1] - x[i]``:

    .. math:: g_i = -\\frac{h_2}{h_1 (h_1 + h_2)} f_{i-1} + \\frac{h_2 - h_1}{h_1 h_2} f_i
                    + \\frac{h_1}{h_2 (h_1 + h_2)} f_{i+1}

    which is ``(f[i+1] - f[i-1]) / (2h)`` for even spacing; the two ends use
    one-sided first differences. Like numpy, evenly spaced ``x`` (every step
    exactly equal) takes the even-spacing formula, and no ``x`` means spacing 1.

    >>> gradient([1.0, 4.0, 9.0, 16.0])
    [3.0, 4.0, 6.0, 7.0]
    >>> gradient([0.0, 1.0, 9.0], [0.0, 1.0, 3.0])  # x² at uneven points: 2x inside
    [1.0, 2.0, 4.0]
    """
    f = [float(v) for v in values]
    n = len(f)
    if n < 2:
        raise FinderError(f"a gradient needs at least 2 points (got {n})")
    if x is None:
        steps: list[float] | float = 1.0
    else:
        if len(x) != n:
            raise FinderError(f"x must have as many points as values (got {len(x)} and {n})")
        diffs = [x[i + 1] - x[i] for i in range(n - 1)]
        steps = diffs[0] if all(d == diffs[0] for d in diffs) else diffs
    if isinstance(steps, float):
        h = steps
        inner = [div(f[i + 1] - f[i - 1], 2.0 * h) for i in range(1, n - 1)]
        return [div(f[1] - f[0], h), *inner, div(f[-1] - f[-2], h)]
    inner = []
    for i in range(1, n - 1):
        h1, h2 = steps[i - 1], steps[i]
        a = div(-h2, h1 * (h1 + h2))
        b = div(h2 - h1, h1 * h2)
        c = div(h1, h2 * (h1 + h2))
        inner.append(a * f[i - 1] + b * f[i] + c * f[i + 1])
    return [div(f[1] - f[0], steps[0]), *inner, div(f[-1] - f[-2], steps[-1])]


def torch_gradient_f32(f: list[float], x: list[float]) -> list[float]:
    """``torch.gradient(f, spacing=[x])[0]`` for float32 tensors: every operation rounded to float32.

    Torch evaluates, tensor op by tensor op, ``a*f[:-2] + b*f[1:-1] + c*f[2:]``
    with ``a = -dx2 / (dx1*(dx1+dx2))``, ``b = (dx2-dx1) / (dx1*dx2)``,
    ``c = dx1 / (dx2*(dx1+dx2))``, and one-sided differences at the ends; it
    never switches to an even-spacing formula.
    """
    r = f32_one
    dx = [r(x[i + 1] - x[i]) for i in range(len(x) - 1)]
    out = [r(div(r(f[1] - f[0]), dx[0]))]
    for i in range(1, len(f) - 1):
        h1, h2 = dx[i - 1], dx[i]
        s = r(h1 + h2)
        a = r(div(-h2, r(h1 * s)))
        b = r(div(r(h2 - h1), r(h1 * h2)))
        c = r(div(h1, r(h2 * s)))
        out.append(r(r(r(a * f[i - 1]) + r(b * f[i])) + r(c * f[i + 1])))
    out.append(r(div(r(f[-1] - f[-2]), dx[-1])))
    return out


def numpy_gradient_f32(f: list[float]) -> list[float]:
    """``numpy.gradient`` of a float32 array with unit spacing: float32 differences, halved exactly."""
    r = f32_one
    n = len(f)
    inner = [r(r(f[i + 1] - f[i - 1]) / 2.0) for i in range(1, n - 1)]
    return [r(f[1] - f[0]), *inner, r(f[-1] - f[-2])]


# --------------------------------------------------------------------------- smoothing


def smooth(
    losses: Sequence[float],
    method: str,
    *,
    smooth_f: float = 0.05,
    beta: float = 0.98,
    step_offset: int = 0,
) -> list[float]:
    """Smooth a loss curve the way one of the tools does.

    ``"none"``
        the losses unchanged.
    ``"ema"`` (torch-lr-finder's ``range_test(smooth_f=0.05)``)
        .. math:: s_0 = \\ell_0, \\qquad s_t = f \\ell_t + (1 - f) s_{t-1}

        where ``f`` is ``smooth_f``; not debiased, the first loss is taken as is.
    ``"debiased_ema"`` (fastai's ``AvgSmoothLoss``, Lightning's ``_LRCallback``)
        .. math:: m_0 = 0, \\qquad m_t = \\beta m_{t-1} + (1 - \\beta) \\ell_t, \\qquad
                  s_t = \\frac{m_t}{1 - \\beta^{t + 1 + k}}

        with ``t`` counted from 0 and ``k`` the ``step_offset``. fastai uses
        ``k = 0``. Lightning divides by ``1 - β^(global_step + 1)`` after the
        optimizer step has already advanced ``global_step``, so its first
        smoothed loss is about half the first loss: ``step_offset=1`` reproduces
        it exactly.

    A NaN propagates to every later value, as in the tools.

    Args:
      losses: the per-batch losses.
      method: one of ``"none"``, ``"ema"``, ``"debiased_ema"``.
      smooth_f: the weight of the newest loss for ``"ema"``, in ``[0, 1)``.
      beta: the weight of the running average for ``"debiased_ema"``, in ``[0, 1)``.
      step_offset: ``k`` above, a whole number >= 0.

    Returns:
      A new list, as long as ``losses``.

    >>> smooth([1.0, 2.0, 3.0], "ema", smooth_f=0.5)
    [1.0, 1.5, 2.25]
    >>> [round(v, 12) for v in smooth([2.0, 2.0, 2.0], "debiased_ema")]
    [2.0, 2.0, 2.0]
    """
    values = [float(v) for v in losses]
    if method == "none":
        return values
    if method == "ema":
        if not 0 <= smooth_f < 1:
            raise FinderError(f"smooth_f must be in [0, 1) (got smooth_f={smooth_f!r})")
        out: list[float] = []
        for t, loss in enumerate(values):
            # torch-lr-finder's own expression, term for term.
            out.append(loss if t == 0 else smooth_f * loss + (1 - smooth_f) * out[-1])
        return out
    if method == "debiased_ema":
        if not 0 <= beta < 1:
            raise FinderError(f"beta must be in [0, 1) (got beta={beta!r})")
        if isinstance(step_offset, bool) or not isinstance(step_offset, int) or step_offset < 0:
            raise FinderError(f"step_offset must be a whole number >= 0 (got step_offset={step_offset!r})")
        out, avg = [], 0.0
        for t, loss in enumerate(values):
            avg = beta * avg + (1 - beta) * loss
            out.append(avg / (1 - beta ** (t + 1 + step_offset)))
        return out
    raise FinderError(f"method must be one of {', '.join(SMOOTHING)} (got method={method!r})")


def undo_lightning_offset(losses: Sequence[float], *, beta: float = 0.98) -> list[float]:
    """Lightning's smoothed losses re-debiased the way fastai does (``step_offset`` 1 to 0).

    Lightning divides its running average by ``1 - β^(t+2)`` instead of
    ``1 - β^(t+1)``, which pulls the start of its curve down (the first point
    to about half the first loss) and makes the curve rise over its first few
    dozen points. Multiplying each value by ``(1 - β^(t+2)) / (1 - β^(t+1))``
    gives exactly ``smooth(raw, "debiased_ema")``, without needing the raw losses.

    >>> raw = [2.0, 2.0, 2.0]
    >>> undo_lightning_offset(smooth(raw, "debiased_ema", step_offset=1)) == smooth(raw, "debiased_ema")
    True
    """
    return [v * (1 - beta ** (t + 2)) / (1 - beta ** (t + 1)) for t, v in enumerate(losses)]


def centred_average(values: Sequence[float], half_width: int) -> list[float]:
    """Each value replaced by the mean of itself and ``half_width`` neighbours on each side.

    Near the ends the window shrinks symmetrically (point ``i`` averages
    ``i - h .. i + h`` with ``h = min(half_width, i, n - 1 - i)``), so the
    average never lags behind the curve the way an EMA does.

    >>> centred_average([0.0, 3.0, 0.0, 3.0, 0.0], 1)
    [0.0, 1.0, 2.0, 1.0, 0.0]
    """
    n = len(values)
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    out = []
    for i in range(n):
        h = min(half_width, i, n - 1 - i)
        out.append((prefix[i + h + 1] - prefix[i - h]) / (2 * h + 1))
    return out
