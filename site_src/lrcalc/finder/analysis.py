"""The page's entry point: a file in, every rule's suggestion and the chart's data out, as JSON-ready data."""

from __future__ import annotations

import bisect
import math
from typing import Sequence

from .. import fmt
from .errors import FinderError
from .files import RangeTest, parse
from .numerics import SMOOTHING, smooth, undo_lightning_offset
from .rules import CHOSEN_POINTS, suggest_all


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
