"""Each tool's rule, reproduced exactly, lrcalc's recommended rule, and how far the rules agree.

A rule reads a curve (``lrs`` and ``losses`` as the tool returns them) and
returns the LR it suggests and the index of the point it chose;
:func:`suggest_point` applies one by name, :func:`suggest_all` applies them all
and measures their :func:`agreement`. :func:`recommended_details` explains
lrcalc's own rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from .. import fmt
from .errors import FinderError
from .numerics import argmin, centred_average, div, f32, f32_one, gradient, numpy_gradient_f32, torch_gradient_f32

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
    window_lrs = f32(list(lrs[start:-5]))
    window_losses = f32(list(losses[start:-5]))
    cut = next((i for i, v in enumerate(window_losses) if math.isnan(v)), len(window_losses))
    return start, window_lrs[:cut], window_losses[:cut]


def _need(rule: str, count: int, needed: int, where: str) -> None:
    """Raise when a rule has fewer points than it needs."""
    if count < needed:
        raise FinderError(f"{RULE_LABELS[rule]} needs at least {needed} points {where} (got {count}).")


def fastai_minimum(lrs, losses, num_it):
    """fastai ``minimum``: ``lrs[losses.argmin()] / 10`` on the float32 window."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    _need("fastai.minimum", len(w_losses), 1, "after fastai's trimming")
    i = argmin(w_losses)
    return w_lrs[i] / 10, start + i


def fastai_steep(lrs, losses, num_it):
    """fastai ``steep``: argmin of float32 ``diff(losses) / diff(log(lrs))``; the left point's LR."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    _need("fastai.steep", len(w_losses), 2, "after fastai's trimming")
    r = f32_one
    # torch's float32 log (MKL's vsLn on x86 builds) is within 1 ulp of the correctly
    # rounded log used here; the two differ in the last bit for a few % of inputs, which
    # changes the chosen index only when two slopes tie to within that bit.
    logs = [r(math.log(v)) if v > 0 else (-math.inf if v == 0 else math.nan) for v in w_lrs]
    grads = [r(div(r(w_losses[i + 1] - w_losses[i]), r(logs[i + 1] - logs[i]))) for i in range(len(w_losses) - 1)]
    i = argmin(grads)
    return w_lrs[i], start + i


def fastai_valley(lrs, losses, num_it):
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


def fastai_slide(lrs, losses, num_it, lr_diff=15, thresh=0.005, adjust_value=1.0):
    """fastai ``slide``: slide a 15-point interval left until its slopes differ by <= 0.005."""
    start, w_lrs, w_losses = _fastai_window(lrs, losses, num_it)
    n = len(w_losses)
    _need("fastai.slide", n, lr_diff + 1, "after fastai's trimming")
    grad = numpy_gradient_f32(w_losses)
    r_idx = -1
    l_idx = r_idx - lr_diff
    chosen = l_idx
    while l_idx >= -n and abs(f32_one(grad[r_idx] - grad[l_idx])) > thresh:
        chosen = l_idx
        r_idx -= 1
        l_idx -= 1
    return w_lrs[chosen] * adjust_value, start + n + chosen


def torch_lr_finder_steepest(lrs, losses, num_it, skip_start=10, skip_end=5):
    """torch-lr-finder ``plot(suggest_lr=True)``: argmin of ``np.gradient(losses[10:-5])`` (float64)."""
    _need("torch_lr_finder.steepest", len(lrs), skip_start + skip_end + 2, "(torch-lr-finder skips 10 + 5)")
    w_lrs = list(lrs[skip_start:-skip_end] if skip_end else lrs[skip_start:])
    w_losses = list(losses[skip_start:-skip_end] if skip_end else losses[skip_start:])
    i = argmin(gradient(w_losses))
    return float(w_lrs[i]), skip_start + i


def lightning_steepest(lrs, losses, num_it, skip_begin=10, skip_end=1):
    """Lightning ``suggestion()``: argmin of float32 ``torch.gradient(losses, spacing=[lrs])``."""
    w_losses = f32(list(losses[skip_begin:-skip_end]))
    w_lrs = f32(list(lrs[skip_begin:-skip_end]))
    kept = [i for i, v in enumerate(w_losses) if math.isfinite(v)]
    if len(kept) < 2:
        raise FinderError(
            f"{RULE_LABELS['lightning.steepest']} needs at least 2 finite losses after skipping the first "
            f"{skip_begin} and the last {skip_end} (got {len(kept)}); Lightning's suggestion() returns None here."
        )
    grads = torch_gradient_f32([w_losses[i] for i in kept], [w_lrs[i] for i in kept])
    index = skip_begin + kept[argmin(grads)]
    return float(lrs[index]), index


def _finite_prefix(lrs: Sequence[float], losses: Sequence[float]) -> tuple[list[float], list[float]]:
    """The curve up to (not including) its first NaN or infinite loss."""
    cut = next((i for i, v in enumerate(losses) if not math.isfinite(v)), len(losses))
    return [float(v) for v in lrs[:cut]], [float(v) for v in losses[:cut]]



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
    "fastai.minimum": fastai_minimum,
    "fastai.steep": fastai_steep,
    "fastai.valley": fastai_valley,
    "fastai.slide": fastai_slide,
    "torch_lr_finder.steepest": torch_lr_finder_steepest,
    "lightning.steepest": lightning_steepest,
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
