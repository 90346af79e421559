"""The LR range test: read any tool's output, reproduce each tool's suggestion, add a robust one.

Leslie Smith's LR range test (Smith, *Cyclical Learning Rates for Training
Neural Networks*, 2017) trains for a few hundred batches while the learning rate
grows from tiny to huge, and reads a good learning rate off the loss curve. The
popular tools all run it, and all suggest a different point of the same curve:

=============================  =====================================================
rule                           what the tool does
=============================  =====================================================
``fastai.minimum``             LR at the lowest loss, divided by 10
``fastai.steep``               LR where the loss falls fastest per unit of log LR
``fastai.valley``              middle of the longest descending run of the curve
``fastai.slide``               where the slope stops changing, sliding leftwards
``torch_lr_finder.steepest``   most negative ``numpy.gradient`` of the loss
``lightning.steepest``         most negative ``d loss / d lr`` (``torch.gradient``)
``lrcalc.recommended``         ours: steepest descent before the minimum, shrunk
=============================  =====================================================

Each tool's rule is reproduced exactly, quirks included: the same trimming, the
same arithmetic (float32 where the tool computes in float32, emulated with
:mod:`array`), the same tie-breaking, so :func:`suggest` returns the tool's value
and :func:`suggest_point` the index of the point it chose. The module is
standard-library only and runs under Pyodide.

Four parts:

- :func:`parse` reads a tool's exported output (JSON or CSV) into a
  :class:`RangeTest`, saying what it detected; bad input raises
  :class:`FinderError` with a message for the page, and :func:`analyse` wraps it
  all into JSON-ready data that never raises for bad input.
- :func:`smooth` applies the tools' smoothing formulas, explicitly.
- :func:`suggest`, :func:`suggest_point` and :func:`suggest_all` apply the rules.
- :func:`range_test_steps` and :func:`range_test` run a real range test in pure
  Python (softmax regression or a small MLP on 8x8 digits).

Conventions: ``lrs`` and ``losses`` are the lists exactly as the tool returns
them (the tool's rules do their own trimming and NaN handling); indexes are
0-based positions in those lists.
"""

from __future__ import annotations

import array
import bisect
import csv
import io
import json
import math
import random
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from . import fmt

MIN_POINTS = 20
"""The fewest finite points a curve needs before any rule is applied."""

RULES: dict[str, str] = {
    "fastai.minimum": "fastai's minimum: the LR at the lowest loss, divided by 10.",
    "fastai.steep": "fastai's steep: the LR where the loss falls fastest per unit of log LR.",
    "fastai.valley": "fastai's valley: about halfway along the longest run of falling loss (its code steps ⌊L/3⌋ + ⌊L/6⌋ points in).",
    "fastai.slide": "fastai's slide: sliding left from the end until the slope stops changing.",
    "torch_lr_finder.steepest": "torch-lr-finder's plot(suggest_lr=True): the most negative loss step, per point.",
    "lightning.steepest": "Lightning's suggestion(): the most negative slope of loss against LR.",
    "lrcalc.recommended": (
        "lrcalc's rule: the steepest descent of a centred average of the curve before its minimum, "
        "pulled halfway (in log LR) towards a tenth of the LR at the minimum; it reads the raw batch "
        "losses when the file has them, since a centred average does not lag."
    ),
}
"""Every rule :func:`suggest` knows, with a one-sentence explanation."""

RULE_LABELS: dict[str, str] = {
    "fastai.minimum": "fastai minimum",
    "fastai.steep": "fastai steep",
    "fastai.valley": "fastai valley",
    "fastai.slide": "fastai slide",
    "torch_lr_finder.steepest": "torch-lr-finder steepest",
    "lightning.steepest": "Lightning steepest",
    "lrcalc.recommended": "lrcalc recommended",
}

CHOSEN_POINTS: dict[str, tuple[str, str]] = {
    "fastai.minimum": ("a tenth of", "the loss minimum"),
}
"""Rules whose value is not the LR of the point they choose: how the value relates to that LR, and what the point is."""

SMOOTHING = ("none", "ema", "debiased_ema")
"""The smoothing methods :func:`smooth` offers."""


class FinderError(ValueError):
    """Input the finder cannot use; ``str(error)`` is a message for the page."""


# --------------------------------------------------------------------------- float32 and numpy-like helpers


def _f32(values: Sequence[float]) -> list[float]:
    """Round each value to the nearest float32 (as ``torch.tensor(values)`` does); too large reads ±inf."""
    try:
        return array.array("f", values).tolist()
    except OverflowError:  # some Pythons refuse to pack values beyond float32's range
        return [_f32_one(v) for v in values]


def _f32_one(value: float) -> float:
    """One value rounded to float32, overflowing to ±inf like a C cast."""
    try:
        return array.array("f", [value])[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _div(a: float, b: float) -> float:
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
        inner = [_div(f[i + 1] - f[i - 1], 2.0 * h) for i in range(1, n - 1)]
        return [_div(f[1] - f[0], h), *inner, _div(f[-1] - f[-2], h)]
    inner = []
    for i in range(1, n - 1):
        h1, h2 = steps[i - 1], steps[i]
        a = _div(-h2, h1 * (h1 + h2))
        b = _div(h2 - h1, h1 * h2)
        c = _div(h1, h2 * (h1 + h2))
        inner.append(a * f[i - 1] + b * f[i] + c * f[i + 1])
    return [_div(f[1] - f[0], steps[0]), *inner, _div(f[-1] - f[-2], steps[-1])]


def _torch_gradient_f32(f: list[float], x: list[float]) -> list[float]:
    """``torch.gradient(f, spacing=[x])[0]`` for float32 tensors: every operation rounded to float32.

    Torch evaluates, tensor op by tensor op, ``a*f[:-2] + b*f[1:-1] + c*f[2:]``
    with ``a = -dx2 / (dx1*(dx1+dx2))``, ``b = (dx2-dx1) / (dx1*dx2)``,
    ``c = dx1 / (dx2*(dx1+dx2))``, and one-sided differences at the ends; it
    never switches to an even-spacing formula.
    """
    r = _f32_one
    dx = [r(x[i + 1] - x[i]) for i in range(len(x) - 1)]
    out = [r(_div(r(f[1] - f[0]), dx[0]))]
    for i in range(1, len(f) - 1):
        h1, h2 = dx[i - 1], dx[i]
        s = r(h1 + h2)
        a = r(_div(-h2, r(h1 * s)))
        b = r(_div(r(h2 - h1), r(h1 * h2)))
        c = r(_div(h1, r(h2 * s)))
        out.append(r(r(r(a * f[i - 1]) + r(b * f[i])) + r(c * f[i + 1])))
    out.append(r(_div(r(f[-1] - f[-2]), dx[-1])))
    return out


def _numpy_gradient_f32(f: list[float]) -> list[float]:
    """``numpy.gradient`` of a float32 array with unit spacing: float32 differences, halved exactly."""
    r = _f32_one
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


# --------------------------------------------------------------------------- the tools' rules


@dataclass(frozen=True)
class Suggestion:
    """One rule's answer: the suggested LR and the index of the point it chose."""

    rule: str
    value: float
    index: int

    @property
    def explanation(self) -> str:
        """The rule in one sentence."""
        return RULES[self.rule]


def _fastai_window(lrs: Sequence[float], losses: Sequence[float], num_it: int) -> tuple[int, list[float], list[float]]:
    """fastai's ``lr_find`` inputs: ``[num_it//10 : -5]`` as float32 tensors, cut at the first NaN."""
    start = num_it // 10
    window_lrs = _f32(list(lrs[start:-5]))
    window_losses = _f32(list(losses[start:-5]))
    cut = next((i for i, v in enumerate(window_losses) if math.isnan(v)), len(window_losses))
    return start, window_lrs[:cut], window_losses[:cut]


def _need(rule: str, count: int, needed: int, where: str) -> None:
    """Raise when a rule has fewer points than it needs."""
    if count < needed:
        raise FinderError(f"{RULE_LABELS[rule]} needs at least {needed} points {where} (got {count}).")


def _fastai_minimum(lrs, losses, num_it):
    """fastai ``minimum``: ``lrs[losses.argmin()] / 10`` on the float32 window."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    _need("fastai.minimum", len(w_losses), 1, "after fastai's trimming")
    i = argmin(w_losses)
    return w_lrs[i] / 10, start + i


def _fastai_steep(lrs, losses, num_it):
    """fastai ``steep``: argmin of float32 ``diff(losses) / diff(log(lrs))``; the left point's LR."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    _need("fastai.steep", len(w_losses), 2, "after fastai's trimming")
    r = _f32_one
    # torch's float32 log (MKL's vsLn on x86 builds) is within 1 ulp of the correctly
    # rounded log used here; the two differ in the last bit for a few % of inputs, which
    # changes the chosen index only when two slopes tie to within that bit.
    logs = [r(math.log(v)) if v > 0 else (-math.inf if v == 0 else math.nan) for v in w_lrs]
    grads = [r(_div(r(w_losses[i + 1] - w_losses[i]), r(logs[i + 1] - logs[i]))) for i in range(len(w_losses) - 1)]
    i = argmin(grads)
    return w_lrs[i], start + i


def _fastai_valley(lrs, losses, num_it):
    """fastai ``valley``: 1/3 + 1/6 of the way along the longest strictly falling subsequence."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    _need("fastai.valley", len(w_losses), 1, "after fastai's trimming")
    n = len(w_losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):  # fastai's loop, unchanged: max_start is set mid-loop
        for j in range(i):
            if w_losses[i] < w_losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    # fastai's max_start is one before the run (it can be -1, and lrs[-1] is then the
    # last LR); kept as is.
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return w_lrs[idx], start + (idx if idx >= 0 else n + idx)


def _fastai_slide(lrs, losses, num_it, lr_diff=15, thresh=0.005, adjust_value=1.0):
    """fastai ``slide``: slide a 15-point interval left until its slopes differ by <= 0.005."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    n = len(w_losses)
    _need("fastai.slide", n, lr_diff + 1, "after fastai's trimming")
    grad = _numpy_gradient_f32(w_losses)
    r_idx = -1
    l_idx = r_idx - lr_diff
    chosen = l_idx
    while l_idx >= -n and abs(_f32_one(grad[r_idx] - grad[l_idx])) > thresh:
        chosen = l_idx
        r_idx -= 1
        l_idx -= 1
    return w_lrs[chosen] * adjust_value, start + n + chosen


def _torch_lr_finder_steepest(lrs, losses, num_it, skip_start=10, skip_end=5):
    """torch-lr-finder ``plot(suggest_lr=True)``: argmin of ``np.gradient(losses[10:-5])`` (float64)."""
    _need("torch_lr_finder.steepest", len(lrs), skip_start + skip_end + 2, "(torch-lr-finder skips 10 + 5)")
    w_lrs = list(lrs[skip_start:-skip_end] if skip_end else lrs[skip_start:])
    w_losses = list(losses[skip_start:-skip_end] if skip_end else losses[skip_start:])
    i = argmin(gradient(w_losses))
    return float(w_lrs[i]), skip_start + i


def _lightning_steepest(lrs, losses, num_it, skip_begin=10, skip_end=1):
    """Lightning ``suggestion()``: argmin of float32 ``torch.gradient(losses, spacing=[lrs])``."""
    w_losses = _f32(list(losses[skip_begin:-skip_end]))
    w_lrs = _f32(list(lrs[skip_begin:-skip_end]))
    kept = [i for i, v in enumerate(w_losses) if math.isfinite(v)]
    if len(kept) < 2:
        raise FinderError(
            f"{RULE_LABELS['lightning.steepest']} needs at least 2 finite losses after skipping the first "
            f"{skip_begin} and the last {skip_end} (got {len(kept)}); Lightning's suggestion() returns None here."
        )
    grads = _torch_gradient_f32([w_losses[i] for i in kept], [w_lrs[i] for i in kept])
    index = skip_begin + kept[argmin(grads)]
    return float(lrs[index]), index


def _finite_prefix(lrs: Sequence[float], losses: Sequence[float]) -> tuple[list[float], list[float]]:
    """The curve up to (not including) its first NaN or infinite loss."""
    cut = next((i for i, v in enumerate(losses) if not math.isfinite(v)), len(losses))
    return [float(v) for v in lrs[:cut]], [float(v) for v in losses[:cut]]


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


def _recommended(lrs, losses, num_it):
    """lrcalc's rule; see :func:`recommended_details`."""
    details = recommended_details(lrs, losses)
    return details["value"], details["index"]


def recommended_details(lrs: Sequence[float], losses: Sequence[float]) -> dict:
    """lrcalc's recommended LR, with the intermediate points that explain it.

    1. Cut the curve at its first NaN or infinite loss.
    2. Smooth it with a centred average over ``h = max(2, round(n / 20))``
       points each side (:func:`centred_average`): it removes batch noise
       without the lag of an EMA, which shifts a curve to the right.
    3. Let ``m`` be the earlier of the lowest given loss and the lowest smoothed
       loss: everything after ``m`` is past the minimum.
    4. Between ``h`` and ``m`` (or ``0`` and ``m`` for a short descent), find the
       steepest descent ``s`` of the smoothed loss against log LR
       (:func:`gradient` with ``x = log(lr)``).
    5. Pull it halfway, in log LR, towards a tenth of the LR at ``m`` (fastai's
       conservative ``minimum`` rule):

       .. math:: \\mathrm{LR}^* = \\sqrt{\\mathrm{LR}_s \\cdot \\mathrm{LR}_m / 10}

       and return the largest tested LR at or below ``LR*``.

    Both factors are at most ``LR_m``, so the result never lies past the
    minimum of the curve, however noisy; on a clean curve it sits between the
    steepest point and a tenth of the minimum, where the tools disagree least.

    Returns:
      ``{"value", "index", "steepest_index", "minimum_index", "half_width"}``.

    Raises:
      FinderError: when the loss never falls.
    """
    f_lrs, f_losses = _finite_prefix(lrs, losses)
    n = len(f_losses)
    _need("lrcalc.recommended", n, 5, "before the first non-finite loss")
    if any(v <= 0 for v in f_lrs):
        raise FinderError("lrcalc recommended needs learning rates > 0.")
    h = max(2, round(n / 20))
    smoothed = centred_average(f_losses, h)
    m = min(argmin(f_losses), argmin(smoothed))
    if m == 0:
        raise FinderError(
            "The loss never falls below its first value, so there is no descent to read a learning rate from: "
            "start the range test from a smaller learning rate."
        )
    slopes = gradient(smoothed, [math.log(v) for v in f_lrs])
    first = h if m > h else 0
    s = first + argmin(slopes[first : m + 1])
    target = math.sqrt(f_lrs[s] * f_lrs[m] / 10)
    index = max((i for i in range(m + 1) if f_lrs[i] <= target), default=0)
    return {"value": f_lrs[index], "index": index, "steepest_index": s, "minimum_index": m, "half_width": h}


_RULE_FUNCTIONS: dict[str, Callable] = {
    "fastai.minimum": _fastai_minimum,
    "fastai.steep": _fastai_steep,
    "fastai.valley": _fastai_valley,
    "fastai.slide": _fastai_slide,
    "torch_lr_finder.steepest": _torch_lr_finder_steepest,
    "lightning.steepest": _lightning_steepest,
    "lrcalc.recommended": _recommended,
}


def _check_curve(lrs: Sequence[float], losses: Sequence[float]) -> None:
    """Reject lists of different lengths or holding things other than numbers."""
    if len(lrs) != len(losses):
        raise FinderError(f"lrs and losses must have the same length (got {len(lrs)} and {len(losses)})")
    for name, values in (("lrs", lrs), ("losses", losses)):
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise FinderError(f"{name} must hold numbers (got {name}[{i}]={v!r})")


def suggest_point(
    lrs: Sequence[float], losses: Sequence[float], rule: str, *, num_it: int | None = None
) -> Suggestion:
    """Apply one rule to a range-test curve; the LR it suggests and the point it chose.

    Args:
      lrs: the learning rates, as the tool recorded them.
      losses: the losses at those learning rates, as the tool recorded them
        (fastai's and Lightning's are smoothed already; NaN and inf allowed).
      rule: a key of :data:`RULES`.
      num_it: fastai's ``num_it`` (its rules trim ``[num_it // 10 : -5]``);
        defaults to ``len(lrs)``, which is right unless fastai stopped early.

    Returns:
      A :class:`Suggestion`. ``index`` is the position in ``lrs`` of the point
      the rule chose; for ``fastai.minimum`` it is the lowest loss, whose LR the
      suggestion divides by 10.

    Raises:
      FinderError: for an unknown rule, mismatched lists, or too few points.

    >>> lrs = [10 ** (-5 + i / 10) for i in range(60)]
    >>> losses = [2.0 - math.tanh((i - 30) / 8) + (0.004 * (i - 45) ** 2 if i > 45 else 0) for i in range(60)]
    >>> suggest_point(lrs, losses, "torch_lr_finder.steepest").index
    30
    """
    if rule not in _RULE_FUNCTIONS:
        raise FinderError(f"rule must be one of {', '.join(RULES)} (got rule={rule!r})")
    _check_curve(lrs, losses)
    if num_it is None:
        num_it = len(lrs)
    elif isinstance(num_it, bool) or not isinstance(num_it, int) or num_it < 1:
        raise FinderError(f"num_it must be a whole number >= 1 (got num_it={num_it!r})")
    value, index = _RULE_FUNCTIONS[rule](lrs, losses, num_it)
    return Suggestion(rule, float(value), int(index))


def suggest(lrs: Sequence[float], losses: Sequence[float], rule: str, *, num_it: int | None = None) -> float:
    """The learning rate one rule suggests for a range-test curve (see :func:`suggest_point`).

    >>> lrs = [10 ** (-5 + i / 10) for i in range(60)]
    >>> losses = [2.0 - math.tanh((i - 30) / 8) + (0.004 * (i - 45) ** 2 if i > 45 else 0) for i in range(60)]
    >>> fmt.lr(suggest(lrs, losses, "fastai.minimum"))
    '0.03981'
    """
    return suggest_point(lrs, losses, rule, num_it=num_it).value


def suggest_all(
    lrs: Sequence[float],
    losses: Sequence[float],
    *,
    num_it: int | None = None,
    rules: Sequence[str] = tuple(RULES),
    own_losses: Sequence[float] | None = None,
) -> dict:
    """Every rule's suggestion for one curve, and how far they agree.

    The tools' rules read ``losses`` exactly as given; lrcalc's rule reads
    ``own_losses`` when given (for Lightning's curve,
    :func:`undo_lightning_offset` of it), else ``losses``. A rule that cannot
    answer (too few points, no descent) is listed with its ``error`` and no
    value, instead of failing the whole call.

    Returns:
      ``{"rules": [{"rule", "label", "value", "index", "text", "explanation", "error"}, ...],
      "agreement": {"min", "max", "ratio", "low_rule", "high_rule", "summary", "table"}}``,
      JSON-ready; ``agreement`` values are ``None`` when no rule answered.
    """
    rows = []
    for rule in rules:
        try:
            curve = own_losses if own_losses is not None and rule.startswith("lrcalc.") else losses
            point = suggest_point(lrs, curve, rule, num_it=num_it)
            value, index, error = point.value, point.index, None
        except FinderError as exc:
            value, index, error = None, None, str(exc)
        ok = value is not None and math.isfinite(value) and value > 0
        rows.append(
            {
                "rule": rule,
                "label": RULE_LABELS[rule],
                "value": value if ok else None,
                "index": index if ok else None,
                "text": fmt.lr(value) if ok else "—",
                "explanation": RULES[rule],
                "error": error if error or ok else f"{RULE_LABELS[rule]} gave no usable value ({value!r}).",
            }
        )
    return {"rules": rows, "agreement": agreement(rows)}


def agreement(rows: Sequence[dict]) -> dict:
    """The band the answered rules span: lowest, highest, their ratio, and a table."""
    answered = [r for r in rows if r["value"] is not None]
    if not answered:
        return {"min": None, "max": None, "ratio": None, "low_rule": None, "high_rule": None,
                "summary": "No rule could suggest a learning rate for this curve.", "table": []}
    low = min(answered, key=lambda r: r["value"])
    high = max(answered, key=lambda r: r["value"])
    ratio = high["value"] / low["value"]
    table = [
        {"rule": r["label"], "lr": r["text"], "times_lowest": f"×{fmt.lr(r['value'] / low['value'])}"}
        for r in sorted(answered, key=lambda r: r["value"])
    ]
    summary = (
        f"The {len(answered)} rules suggest {fmt.lr(low['value'])} ({low['label']}) to "
        f"{fmt.lr(high['value'])} ({high['label']}): the highest is {fmt.lr(ratio)} times the lowest."
    )
    return {"min": low["value"], "max": high["value"], "ratio": ratio, "low_rule": low["rule"],
            "high_rule": high["rule"], "summary": summary, "table": table}


# --------------------------------------------------------------------------- reading a tool's output


@dataclass
class RangeTest:
    """A range-test curve as read from a tool's output (or produced by :func:`range_test`).

    ``lrs``/``losses`` are the curve as the tool recorded it, NaN and inf
    included, so the tools' rules see exactly their own input; ``curve()``
    gives the part before the first non-finite loss, which is what is drawn
    and what lrcalc's own rule reads.
    """

    lrs: list[float]
    losses: list[float]
    tool: str  # "torch_lr_finder", "fastai", "lightning", "keras", "csv" or "lrcalc"
    format: str  # "JSON", "CSV" or "Python"
    detected: str  # a sentence for the page
    smoothed_by_tool: bool
    raw_losses: list[float] | None = None
    num_it: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def finite_count(self) -> int:
        """How many points come before the first NaN or infinite loss."""
        return next((i for i, v in enumerate(self.losses) if not math.isfinite(v)), len(self.losses))

    def curve(self) -> tuple[list[float], list[float]]:
        """The LRs and losses before the first NaN or infinite loss."""
        n = self.finite_count
        return self.lrs[:n], self.losses[:n]


_LR_NAMES = ("lr", "lrs", "learning_rate", "learning rate", "learning_rates")
_LOSS_NAMES = ("loss", "losses", "smooth_loss", "smoothed_loss", "train_loss")
_RAW_NAMES = ("raw_loss", "raw_losses", "raw", "batch_loss")


def _numbers(name: str, values: object) -> list[float]:
    """A JSON list of numbers (``NaN``/``Infinity`` allowed) as floats."""
    if not isinstance(values, list):
        raise FinderError(f"“{name}” must be a list of numbers (got {type(values).__name__}).")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FinderError(f"“{name}” must hold only numbers; item {i + 1} is {json.dumps(v)[:30]}.")
        out.append(float(v))
    return out


def _looks_like_lightning(lrs: list[float]) -> bool:
    """Lightning's ramp skips its second step: the first gap is twice the others (log or linear)."""
    if len(lrs) < 6 or any(v <= 0 for v in lrs[:6]):
        return False

    def doubled(gaps: list[float]) -> bool:
        rest = gaps[1:]
        return all(math.isclose(g, rest[0], rel_tol=1e-6) for g in rest) and math.isclose(
            gaps[0], 2 * rest[0], rel_tol=1e-6
        )

    logs = [math.log(lrs[i + 1] / lrs[i]) for i in range(5)]
    lins = [lrs[i + 1] - lrs[i] for i in range(5)]
    return doubled(logs) or doubled(lins)


def _looks_raw(losses: list[float]) -> bool:
    """Batch losses alternate up and down; smoothed ones drift: lag-1 autocorrelation of the steps."""
    finite = [v for v in losses if math.isfinite(v)]
    steps = [finite[i + 1] - finite[i] for i in range(len(finite) - 1)]
    if len(steps) < 10:
        return False
    mean = sum(steps) / len(steps)
    d = [s - mean for s in steps]
    var = sum(x * x for x in d)
    if var == 0:
        return False
    return sum(d[i] * d[i + 1] for i in range(len(d) - 1)) / var < -0.25


def _infer_fastai_num_it(lrs: list[float]) -> int | None:
    """fastai's ``num_it`` from its default ramp ``1e-7 * 1e8**(i/num_it)``, when the LRs fit it exactly."""
    if len(lrs) < 2 or not math.isclose(lrs[0], 1e-7, rel_tol=1e-12) or lrs[1] <= lrs[0]:
        return None
    guess = round(math.log(1e8) / math.log(lrs[1] / lrs[0]))
    if guess < len(lrs) or guess > 100_000:
        return None
    expected = 1e-7 * 1e8 ** ((len(lrs) - 1) / guess)
    return guess if math.isclose(expected, lrs[-1], rel_tol=1e-9) else None


_TOOLS: dict[str, tuple[str, bool, str]] = {
    "torch_lr_finder": ("torch-lr-finder history", True,
                        "torch-lr-finder's losses are smoothed already (EMA, smooth_f = 0.05)."),
    "lightning": ("Lightning lr_finder.results", True, (
        "Lightning's losses are smoothed already (debiased EMA, β = 0.98, with its debiasing one step ahead: "
        "lrcalc's own rule reads the curve with it undone).")),
    "fastai": ("fastai recorder.lrs / recorder.losses", True,
               "fastai's losses are smoothed already (debiased EMA, β = 0.98)."),
    "keras": ("Keras LR finder lrs / losses", False, "A Keras LR finder records each batch's loss, unsmoothed."),
}
"""Each tool the parser knows: what its output is called, whether the tool smoothed it, and a note saying how."""

_TOOL_WORDS = (
    ("torch_lr_finder", "torchlrfinder"), ("lightning", "lightning"), ("fastai", "fastai"), ("keras", "keras"),
)
"""The word that names each tool in a file name, once case and every ``-``, ``_``, space and dot are dropped."""


def _named_tool(filename: str) -> str | None:
    """The tool a file name spells out (``torch_lr_finder_history.csv``, ``Lightning-results.json``), if any."""
    squashed = "".join(c for c in filename.lower() if c.isalnum())
    return next((tool for tool, word in _TOOL_WORDS if word in squashed), None)


def _tool_test(tool: str, lrs: list[float], losses: list[float], fmt_name: str, why: str | None = None) -> RangeTest:
    """A curve read as one tool's own output; ``why``, when given, is a note saying what gave the tool away."""
    label, smoothed, about = _TOOLS[tool]
    num_it = _infer_fastai_num_it(lrs) if tool == "fastai" else None
    notes = [note for note in (why, about) if note]
    if num_it is not None and num_it != len(lrs):
        notes.append(f"fastai stopped early: num_it = {num_it} read from its default LR ramp.")
    return RangeTest(lrs, losses, tool, fmt_name, f"{label} ({fmt_name})", smoothed, num_it=num_it, notes=notes)


def _from_mapping(data: dict, fmt_name: str, filename: str) -> RangeTest:
    """Recognise a tool from a JSON object's keys (and, where keys are shared, from the name or the data)."""
    keys = set(data)
    named = _named_tool(filename)
    for wrapper in ("history", "results", "recorder"):
        if isinstance(data.get(wrapper), dict) and not ({"lr", "lrs"} & keys):
            return _from_mapping(data[wrapper], fmt_name, filename)
    if {"lr", "loss"} <= keys:
        # Exactly what json.dump gives for torch-lr-finder's history and Lightning's results; Lightning's
        # ramp (or the file name) tells the two apart.
        lrs, losses = _numbers("lr", data["lr"]), _numbers("loss", data["loss"])
        tool = "lightning" if named == "lightning" or _looks_like_lightning(lrs) else "torch_lr_finder"
        return _tool_test(tool, lrs, losses, fmt_name)
    if {"lrs", "losses"} <= keys:
        lrs, losses = _numbers("lrs", data["lrs"]), _numbers("losses", data["losses"])
        if named in ("fastai", "keras"):
            return _tool_test(named, lrs, losses, fmt_name)
        if "iters" in keys or "values" in keys:
            return _tool_test("fastai", lrs, losses, fmt_name)
        if _looks_raw(losses):
            return _tool_test("keras", lrs, losses, fmt_name, "Judged from the data: these losses look raw (they "
                              "alternate up and down), as a Keras LR finder records them.")
        return _tool_test("fastai", lrs, losses, fmt_name, "Judged from the data: these losses look smoothed, as "
                          "fastai records them (a Keras LR finder records raw ones).")
    raise FinderError(
        "This JSON has no learning-rate and loss lists: expected keys “lr” and “loss” (torch-lr-finder, "
        f"Lightning) or “lrs” and “losses” (fastai, Keras); found {', '.join(sorted(map(str, keys))) or 'none'}."
    )


def _is_number(text: str) -> bool:
    """Whether a CSV cell reads as a number (``1e-05``, ``nan`` and ``inf`` included)."""
    try:
        float(text.replace("\u2212", "-"))
    except ValueError:
        return False
    return True


def _csv_float(text: str, row: int, column: str) -> float:
    """One CSV cell as a float (``nan``, ``inf`` accepted), or a message naming the cell."""
    cleaned = text.strip().replace("\u2212", "-")
    try:
        return float(cleaned)
    except ValueError:
        raise FinderError(f"Row {row}, column {column} is not a number (got “{cleaned[:24]}”).") from None


def _from_csv(text: str, filename: str) -> RangeTest:
    """A CSV of ``lr, loss[, raw_loss]``, with or without a header (pandas' index column is dropped)."""
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise FinderError(f"This file cannot be read as CSV: {exc}.") from None
    if not rows:
        raise FinderError("The file is empty.")
    header = [c.strip().lower() for c in rows[0]]
    has_header = not all(_is_number(c) for c in header if c)
    body = rows[1:] if has_header else rows
    columns = {"lr": 0, "loss": 1, "raw_loss": 2}
    if has_header:
        lr_col = next((i for i, c in enumerate(header) if c in _LR_NAMES), None)
        loss_col = next((i for i, c in enumerate(header) if c in _LOSS_NAMES), None)
        raw_col = next((i for i, c in enumerate(header) if c in _RAW_NAMES), None)
        if lr_col is None or loss_col is None:
            raise FinderError(
                f"The CSV header must name a learning-rate column (lr) and a loss column (loss); "
                f"found {', '.join(h or '(empty)' for h in header)}."
            )
        columns = {"lr": lr_col, "loss": loss_col, "raw_loss": raw_col}
    width = len(body[0]) if body else 0
    if not has_header and width not in (2, 3):
        raise FinderError(f"A CSV without a header must have 2 or 3 columns: lr, loss[, raw_loss] (got {width}).")
    if not has_header and width == 2:
        columns["raw_loss"] = None
    lrs, losses, raw = [], [], []
    for number, row in enumerate(body, 2 if has_header else 1):
        for name, col in columns.items():
            if col is not None and col >= len(row):
                raise FinderError(f"Row {number} has {len(row)} columns; expected at least {col + 1}.")
        lrs.append(_csv_float(row[columns["lr"]], number, "lr"))
        losses.append(_csv_float(row[columns["loss"]], number, "loss"))
        if columns["raw_loss"] is not None:
            raw.append(_csv_float(row[columns["raw_loss"]], number, "raw_loss"))
    if raw:
        return RangeTest(lrs, losses, "csv", "CSV", "CSV of lr, loss and raw_loss", True, raw_losses=raw,
                         notes=["The loss column is taken as smoothed already; raw_loss holds the batch losses."])
    return _two_columns(lrs, losses, has_header, filename)


def _two_columns(lrs: list[float], losses: list[float], has_header: bool, filename: str) -> RangeTest:
    """An lr, loss CSV: a tool's output only on evidence a CSV can carry, else a CSV judged from its data."""
    # A header of lr and loss names no tool (any script writes it), and neither does pandas' unnamed index
    # column (DataFrame.to_csv adds one to any table). What a CSV can carry is a tool's name in its file
    # name, which is how the page's example, range-test-torch-lr-finder.csv, says whose it is (and says
    # so in a note), or Lightning's ramp, whose first step is twice the others.
    named = _named_tool(filename)
    if named:
        return _tool_test(named, lrs, losses, "CSV", f"Recognised by its file name, {filename}: a CSV of lr and loss "
                          "carries no other sign of the tool that wrote it.")
    if _looks_like_lightning(lrs):
        return _tool_test("lightning", lrs, losses, "CSV", "Recognised by its ramp: the first LR step is twice the "
                          "others, as only Lightning's finder makes it.")
    raw = _looks_raw(losses)
    if raw:
        note = ("Judged from the data: the losses look raw (they alternate up and down), so automatic smoothing "
                "smooths them.")
    else:
        note = ("Judged from the data: the losses look smoothed already (they drift instead of alternating), so "
                "automatic smoothing leaves them as they are.")
    return RangeTest(lrs, losses, "csv", "CSV", f"CSV of lr and loss{'' if has_header else ' (no header)'}", not raw,
                     notes=[note])


def _validate(test: RangeTest) -> RangeTest:
    """Apply the data rules: finite positive increasing LRs, enough points, cut at NaN/inf with a note."""
    n = len(test.lrs)
    if n != len(test.losses):
        raise FinderError(f"The learning-rate and loss lists differ in length ({n} and {len(test.losses)}).")
    for i, lr in enumerate(test.lrs):
        if not math.isfinite(lr):
            raise FinderError(f"Learning rate {i + 1} is not a finite number ({lr!r}).")
        if lr <= 0:
            raise FinderError(f"Learning rates must be > 0; learning rate {i + 1} is {fmt.number(lr)}.")
    for i in range(1, n):
        if test.lrs[i] == test.lrs[i - 1]:
            raise FinderError(f"Learning rates {i} and {i + 1} are equal ({fmt.number(test.lrs[i])}): "
                              "a range test's learning rate must grow at every step.")
        if test.lrs[i] < test.lrs[i - 1]:
            raise FinderError(f"Learning rates must increase; learning rate {i + 1} ({fmt.number(test.lrs[i])}) "
                              f"is below learning rate {i} ({fmt.number(test.lrs[i - 1])}).")
    finite = test.finite_count
    if finite < n:
        test.notes.append(
            f"The loss is {'NaN' if math.isnan(test.losses[finite]) else 'infinite'} from point {finite + 1} "
            f"(learning rate {fmt.lr(test.lrs[finite])}): the curve is cut there and "
            f"{n - finite} point{'s' if n - finite != 1 else ''} dropped. The tools' own rules still read "
            "the whole list, each in its own way (fastai cuts at the first NaN, Lightning skips "
            "non-finite losses, torch-lr-finder keeps them)."
        )
    if finite < MIN_POINTS:
        raise FinderError(f"A range test needs at least {MIN_POINTS} points with a finite loss (got {finite}).")
    if test.raw_losses is not None and len(test.raw_losses) != n:
        raise FinderError(f"The raw-loss column has {len(test.raw_losses)} values for {n} learning rates.")
    test.detected = f"{test.detected}, {n} points"
    return test


def parse(text: str, filename: str | None = None) -> RangeTest:
    """Read a range test exported from torch-lr-finder, fastai, Lightning, a Keras LR finder, or a CSV.

    Detection, in order, on evidence that belongs to the tool:

    - JSON ``{"lr": [...], "loss": [...]}``, which is what ``json.dump`` gives
      for torch-lr-finder's ``history`` and Lightning's ``results``: Lightning
      when its ramp skips the second step (its scheduler's quirk) or the file
      name says ``lightning``, else torch-lr-finder. Both are smoothed by the
      tool already.
    - JSON ``{"lrs": [...], "losses": [...]}``: fastai's recorder when it also
      has ``iters``/``values`` or the name says ``fastai``; a Keras LR finder
      when the name says ``keras``; otherwise fastai if the losses look
      smoothed and Keras if they look raw, with a note saying so.
    - CSV with a header naming ``lr`` and ``loss`` (pandas' unnamed index
      column is ignored), or without a header, two or three columns
      ``lr, loss[, raw_loss]``. Two columns are a tool's only when the file
      name names the tool or the ramp is Lightning's; otherwise the file is a
      plain CSV, and whether its losses are smoothed is judged from the data.

    Args:
      text: the file's contents.
      filename: the file's name, if known; used only as a hint.

    Returns:
      A :class:`RangeTest` whose ``detected`` says what was found, such as
      ``"torch-lr-finder history (JSON), 100 points"``.

    Raises:
      FinderError: for unreadable files, fewer than :data:`MIN_POINTS` finite
        points, or learning rates that are not > 0 and increasing.
    """
    if not isinstance(text, str):
        raise FinderError(f"text must be a string (got {type(text).__name__})")
    name = filename or ""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise FinderError("The file is empty.")
    if stripped[0] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise FinderError(f"This looks like JSON but cannot be read: {exc}.") from None
        if not isinstance(data, dict):
            raise FinderError("The JSON must be an object with learning-rate and loss lists, not a bare list.")
        test = _from_mapping(data, "JSON", name)
    else:
        test = _from_csv(stripped, name)
    return _validate(test)


# --------------------------------------------------------------------------- the page's entry point


def analyse(text: str, filename: str | None = None, *, smoothing: str = "auto", num_it: int | None = None) -> dict:
    """Parse a file and apply every rule: JSON-ready data for the page, never an exception for bad input.

    ``smoothing="auto"`` keeps a curve the tool smoothed already and applies
    fastai's debiased EMA to raw losses; ``"none"``, ``"ema"`` and
    ``"debiased_ema"`` force a method (see :func:`smooth`). The rules read the
    smoothed curve.

    Returns:
      ``{"ok": False, "error": message}`` or ``{"ok": True, "detected", "tool",
      "smoothing", "notes", "chart": {"x", "y", "raw", ..., "marks"}, "suggestions"}``.
      Each rule's row also has ``"how"``, the rules table's words; ``marks``
      are the chart's markers, ``{"colour", "shape", "x", "y", "index",
      "label"}``: a dot at the LR each rule suggests and, for a rule whose
      value is not the LR of the point it chose (:data:`CHOSEN_POINTS`), a
      ring at that point.
    """
    try:
        return analyse_test(parse(text, filename), smoothing=smoothing, num_it=num_it)
    except FinderError as exc:
        return {"ok": False, "error": str(exc)}


def _view(losses: Sequence[float], raw: Sequence[float] | None) -> list[float] | None:
    """A loss range worth looking at: everything up to 30% above the curve before its minimum.

    The divergence at the end can be orders of magnitude higher; plotting it
    all would flatten the part where the rules choose.
    """
    finite = [v for v in losses if math.isfinite(v)]
    if not finite:
        return None
    lowest = min(range(len(losses)), key=lambda i: losses[i] if math.isfinite(losses[i]) else math.inf)
    seen = [v for v in losses[: lowest + 1] if math.isfinite(v)]
    if raw:
        seen += [v for v in raw[: lowest + 1] if math.isfinite(v)]
    low, high = min(seen + finite), max(seen)
    pad = (high - low) * 0.3 or abs(high) * 0.1 or 1.0
    return [low - pad * 0.2, high + pad]


def _on_curve(lr: float, x: Sequence[float], y: Sequence[float]) -> tuple[int, float] | None:
    """Where an LR lies on the drawn curve: the nearest tested point and the loss (interpolated in log LR), or None."""
    if not x or not x[0] <= lr <= x[-1]:
        return None
    j = bisect.bisect_right(x, lr) - 1
    if j == len(x) - 1 or x[j] == lr:
        return j, y[j]
    t = math.log(lr / x[j]) / math.log(x[j + 1] / x[j])
    return (j if t < 0.5 else j + 1), y[j] + t * (y[j + 1] - y[j])


def _mark(colour: int, shape: str, x: float, y: float, index: int, label: str) -> dict:
    """One marker for the chart: the row's colour, a ``"dot"`` or a ``"ring"``, its place, and the readout's words."""
    return {"colour": colour, "shape": shape, "x": x, "y": y, "index": index, "label": label}


def _row_marks(colour: int, row: dict, x: Sequence[float], y: Sequence[float]) -> list[dict]:
    """A dot at the LR a rule suggests, and a ring at the point it chose when that is elsewhere (fastai's minimum)."""
    i = row["index"]
    if row["value"] is None or i >= len(x):
        return []
    if row["rule"] not in CHOSEN_POINTS:
        return [_mark(colour, "dot", x[i], y[i], i, row["label"])]
    relation, name = CHOSEN_POINTS[row["rule"]]
    ring = _mark(colour, "ring", x[i], y[i], i, f"○ {name} ({row['label']} suggests {relation} its LR)")
    place = _on_curve(row["value"], x, y)
    if place is None:
        return [ring]
    return [ring, _mark(colour, "dot", row["value"], place[1], place[0], f"{row['label']} at {row['text']}")]


def _how(row: dict, lrs: Sequence[float], x: Sequence[float], marks: Sequence[dict]) -> str:
    """The rules table's words for one row: the rule, and for a rule whose value is not its point's LR, both."""
    if row["value"] is None:
        return row["error"]
    if row["rule"] not in CHOSEN_POINTS:
        return row["explanation"]
    relation, name = CHOSEN_POINTS[row["rule"]]
    text = f"{row['explanation']} Here: {relation} {fmt.lr(lrs[row['index']])}, the LR at {name}"
    shapes = [m["shape"] for m in marks]
    if "ring" not in shapes:
        return f"{text} (after the first non-finite loss, so not on the chart)."
    if "dot" in shapes:
        return f"{text} (marked ○ on the chart)."
    side = "below" if row["value"] < x[0] else "above"
    return f"{text} (marked ○ on the chart); {row['text']} is {side} the tested range, so it is not drawn."


def _explain_rows(rows: list[dict], lrs: Sequence[float], y: Sequence[float]) -> list[dict]:
    """Give each row its table text (``"how"``) and return the chart's marks, in table order (colour = position)."""
    x = lrs[: len(y)]
    marks = []
    for colour, row in enumerate(rows, 1):
        own = _row_marks(colour, row, x, y)
        row["how"] = _how(row, lrs, x, own)
        marks += own
    return marks


def analyse_test(test: RangeTest, *, smoothing: str = "auto", num_it: int | None = None) -> dict:
    """:func:`analyse` for a curve already read (or produced by :func:`range_test`)."""
    try:
        method = ("none" if test.smoothed_by_tool else "debiased_ema") if smoothing == "auto" else smoothing
        if method not in SMOOTHING:
            raise FinderError(f"smoothing must be auto or one of {', '.join(SMOOTHING)} (got {smoothing!r}).")
        losses = smooth(test.losses, method)
        notes = list(test.notes)
        if method != "none" and test.smoothed_by_tool:
            who = "This curve looks smoothed already" if test.tool == "csv" else "The tool smoothed this curve already"
            notes.append(f"{who}; smoothing it again shifts it to the right.")
        # lrcalc's rule smooths with a centred average, which has no lag: give it the raw batch losses
        # when the file has them, else undo Lightning's one-step offset, else the curve as given.
        if test.raw_losses:
            own = list(test.raw_losses)
        elif test.tool == "lightning" and method == "none":
            own = undo_lightning_offset(losses)
        else:
            own = None
        suggestions = suggest_all(test.lrs, losses, num_it=num_it or test.num_it, own_losses=own)
        n = test.finite_count
        marks = _explain_rows(suggestions["rules"], test.lrs, losses[:n])
        return {
            "ok": True,
            "detected": test.detected,
            "tool": test.tool,
            "smoothing": method,
            "notes": notes,
            "chart": {
                "x": test.lrs[:n],
                "y": losses[:n],
                "raw": test.raw_losses[:n] if test.raw_losses else None,
                "x_text": [fmt.lr(v) for v in test.lrs[:n]],
                "y_text": [fmt.lr(v) for v in losses[:n]],
                "raw_text": [fmt.lr(v) if math.isfinite(v) else "—" for v in test.raw_losses[:n]] if test.raw_losses else None,
                "y_range": _view(losses[:n], test.raw_losses[:n] if test.raw_losses else None),
                "marks": marks,
            },
            "suggestions": suggestions,
        }
    except FinderError as exc:
        return {"ok": False, "error": str(exc)}


# --------------------------------------------------------------------------- a live range test in pure Python


@dataclass(frozen=True)
class Step:
    """One iteration of :func:`range_test_steps`."""

    iteration: int
    lr: float
    loss: float  # this batch's loss
    smoothed: float  # fastai's debiased EMA (β = 0.98) of the losses so far


def _digits(count: int | None) -> tuple[list[list[float]], list[int]]:
    """The bundled 8x8 digits, pixels scaled to [0, 1]."""
    from .data import digits

    images, labels = digits.load()
    if count is not None:
        images, labels = images[:count], labels[:count]
    return [[p / 16.0 for p in image] for image in images], labels


def _softmax_xent(logits: list[float], label: int) -> tuple[float, list[float]]:
    """Cross-entropy and its gradient (softmax minus one-hot), computed stably."""
    top = max(logits)
    if not math.isfinite(top):
        return math.nan, [math.nan] * len(logits)
    exps = [math.exp(z - top) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    loss = math.log(total) + top - logits[label]
    probs[label] -= 1.0
    return loss, probs


def range_test_steps(
    *,
    start_lr: float = 1e-4,
    end_lr: float = 100.0,
    num_it: int = 100,
    model: str = "softmax",
    hidden: int = 16,
    batch_size: int = 32,
    momentum: float = 0.9,
    diverge_factor: float = 4.0,
    seed: int = 0,
) -> Iterator[Step]:
    """Run an LR range test in pure Python, yielding each iteration as it happens.

    The model learns the bundled 8x8 digits (:mod:`lrcalc.data.digits`):
    softmax regression (64 → 10) or an MLP (64 → ``hidden`` ReLU → 10), with
    SGD and heavy-ball momentum (``v = μ v + g; w -= lr v``, as PyTorch's SGD)
    on mini-batches drawn by reshuffling the data every epoch. The learning
    rate grows exponentially, as in torch-lr-finder's ``step_mode="exp"``:

    .. math:: \\mathrm{LR}_i = \\mathrm{LR}_{start} \\cdot
              (\\mathrm{LR}_{end} / \\mathrm{LR}_{start})^{i / (N - 1)}, \\quad i = 0 … N-1

    where ``N`` is ``num_it``. Like fastai, it stops once the debiased EMA of the
    loss exceeds ``diverge_factor`` times its best value, or at a NaN or
    infinite loss; that last step is yielded too.

    Everything is seeded by ``seed`` (a :class:`random.Random`), so equal
    arguments give equal runs. With the defaults (softmax regression, batch 32)
    a run takes about 0.2 s in CPython: the loss bottoms out near LR 5 and the
    test stops at about LR 50.

    Yields:
      a :class:`Step` per iteration.
    """
    lr0 = _check_positive("start_lr", start_lr)
    lr1 = _check_positive("end_lr", end_lr)
    if lr1 <= lr0:
        raise FinderError(f"end_lr must be > start_lr (got end_lr={end_lr!r}, start_lr={start_lr!r})")
    steps = _check_int("num_it", num_it, 2)
    size = _check_int("batch_size", batch_size, 1)
    width = _check_int("hidden", hidden, 1)
    if model not in ("softmax", "mlp"):
        raise FinderError(f"model must be softmax or mlp (got model={model!r})")
    if not 0 <= momentum < 1:
        raise FinderError(f"momentum must be in [0, 1) (got momentum={momentum!r})")
    factor = _check_positive("diverge_factor", diverge_factor)

    rng = random.Random(seed)
    xs, ys = _digits(None)
    n_in, n_out = len(xs[0]), 10
    layers = [(n_in, width), (width, n_out)] if model == "mlp" else [(n_in, n_out)]
    # Each layer: weights[out][in] and bias[out], initialised like torch.nn.Linear (U(±1/sqrt(in))).
    params = []
    for fan_in, fan_out in layers:
        bound = 1 / math.sqrt(fan_in)
        weights = [[rng.uniform(-bound, bound) for _ in range(fan_in)] for _ in range(fan_out)]
        params.append((weights, [rng.uniform(-bound, bound) for _ in range(fan_out)]))
    velocity = [([[0.0] * len(row) for row in w], [0.0] * len(b)) for w, b in params]

    order: list[int] = []
    avg, best = 0.0, math.inf
    for i in range(steps):
        lr = lr0 * (lr1 / lr0) ** (i / (steps - 1))
        if len(order) < size:
            order = list(range(len(xs)))
            rng.shuffle(order)
        batch, order = order[:size], order[size:]
        grads = [([[0.0] * len(row) for row in w], [0.0] * len(b)) for w, b in params]
        total = 0.0
        for k in batch:
            total += _accumulate(params, grads, xs[k], ys[k])
        loss = total / size
        scale = 1.0 / size
        for (w, b), (gw, gb), (vw, vb) in zip(params, grads, velocity):
            for row, grow, vrow in zip(w, gw, vw):
                for j in range(len(row)):
                    vrow[j] = momentum * vrow[j] + grow[j] * scale
                    row[j] -= lr * vrow[j]
            for j in range(len(b)):
                vb[j] = momentum * vb[j] + gb[j] * scale
                b[j] -= lr * vb[j]
        avg = 0.98 * avg + 0.02 * loss
        smoothed = avg / (1 - 0.98 ** (i + 1))
        yield Step(i, lr, loss, smoothed)
        if not math.isfinite(smoothed):
            return
        best = min(best, smoothed)
        if smoothed > factor * best:
            return


def _accumulate(params, grads, x: list[float], label: int) -> float:
    """Forward one example, add its gradients into ``grads``, return its loss."""
    activations = [x]
    for layer, (w, b) in enumerate(params):
        z = [bias + sum(map(float.__mul__, row, activations[-1])) for row, bias in zip(w, b)]
        if layer < len(params) - 1:
            z = [v if v > 0 else 0.0 for v in z]
        activations.append(z)
    loss, delta = _softmax_xent(activations[-1], label)
    for layer in range(len(params) - 1, -1, -1):
        w, _ = params[layer]
        gw, gb = grads[layer]
        inputs = activations[layer]
        for o, d in enumerate(delta):
            if d:
                grow = gw[o]
                for j, v in enumerate(inputs):
                    if v:
                        grow[j] += d * v
                gb[o] += d
        if layer:
            back = [sum(w[o][j] * delta[o] for o in range(len(delta))) for j in range(len(inputs))]
            delta = [g if a > 0 else 0.0 for g, a in zip(back, inputs)]
    return loss


def _check_positive(name: str, value: object) -> float:
    """A finite number > 0, or a FinderError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise FinderError(f"{name} must be a finite number > 0 (got {name}={value!r})")
    return float(value)


def _check_int(name: str, value: object, low: int) -> int:
    """A whole number >= ``low``, or a FinderError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise FinderError(f"{name} must be a whole number >= {low} (got {name}={value!r})")
    return value


class RangeTestRun:
    """A range test advanced a few iterations at a time, so a page can draw it live.

    >>> run = RangeTestRun(num_it=20, seed=1)
    >>> len(run.advance(5)), run.done
    (5, False)
    """

    def __init__(self, **options) -> None:
        self.options = options
        self._steps = range_test_steps(**options)
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.raw: list[float] = []
        self.done = False

    def advance(self, count: int) -> list[Step]:
        """Run up to ``count`` more iterations; ``done`` turns true at the end."""
        taken = []
        for _ in range(count):
            step = next(self._steps, None)
            if step is None:
                self.done = True
                break
            self.lrs.append(step.lr)
            self.losses.append(step.smoothed)
            self.raw.append(step.loss)
            taken.append(step)
        return taken

    def result(self, stopped: bool = False) -> RangeTest:
        """The curve so far as a :class:`RangeTest` (fastai-style smoothed losses, raw ones beside)."""
        model = self.options.get("model", "softmax")
        label = "softmax regression" if model == "softmax" else f"an MLP ({self.options.get('hidden', 16)} hidden units)"
        requested = self.options.get("num_it", 100)
        test = RangeTest(
            list(self.lrs), list(self.losses), "lrcalc", "Python",
            f"lrcalc range test: {label} on 8x8 digits, {len(self.lrs)} points", True, raw_losses=list(self.raw), num_it=requested,
        )
        if stopped:
            test.notes.append(f"Stopped by you after {len(self.lrs)} of {requested} iterations.")
        elif len(self.lrs) < requested:
            test.notes.append(f"Stopped after {len(self.lrs)} of {requested} iterations: the loss diverged.")
        return test


def range_test(*, on_step: Callable[[Step], None] | None = None, **options) -> RangeTest:
    """Run :func:`range_test_steps` to the end and return the curve as a :class:`RangeTest`.

    ``losses`` holds the smoothed (debiased EMA) losses, as fastai records
    them, and ``raw_losses`` the batch losses; ``on_step`` is called with each
    :class:`Step` as it arrives (for a progress bar). Options are those of
    :func:`range_test_steps`.
    """
    run = RangeTestRun(**options)
    while not run.done:
        for step in run.advance(1):
            if on_step is not None:
                on_step(step)
    return run.result()
