"""Several schedules on one chart, and any curve as exact CSV or JSON.

An *item* is what the page would send for one schedule: ``{"kind": "classic",
"inputs": {...}}`` for the epoch calculator or ``{"kind": "explore",
"request": {...}}`` for a family, library scheduler or pasted call.
:func:`compare` draws up to four items on a shared axis, in the unit of the
first (the others are converted with their own steps per epoch), and
:func:`download` writes every step or epoch of one or more items with exact
values (``repr`` of the float, not the 4 digits shown on the page).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Callable

from . import fmt
from .calculator import DEFAULTS, KINDS, calculate, read_form
from .explore import explore, format_value
from .schedules import first_failure

MAX_ITEMS = 4
MAX_ROWS = 1_000_000
"""Downloads hold every step or epoch up to this many rows."""
CHART_POINTS = 1001


@dataclass
class Line:
    """One schedule as a function of position in its own unit."""

    label: str
    unit: str  # "epoch" or "step"
    first: int
    last: int  # inclusive, in the line's own unit
    per_epoch: int
    value: Callable[[int], float]

    def to_common(self, x: float, unit: str) -> float:
        """A position in this line's unit expressed in ``unit``."""
        if unit == self.unit:
            return x
        return x * self.per_epoch if unit == "step" else x / self.per_epoch

    def from_common(self, x: float, unit: str) -> float:
        """A position in ``unit`` expressed in this line's unit."""
        if unit == self.unit:
            return x
        return x / self.per_epoch if unit == "step" else x * self.per_epoch

    def at(self, x: float, unit: str) -> float | None:
        """The value at a common position, or None outside the line."""
        own = self.from_common(x, unit)
        position = math.floor(own + 1e-9)
        if position < self.first or position > self.last:
            return None
        try:
            value = self.value(position)
        except ValueError:
            return None
        return value if math.isfinite(value) else None


def _line(item: dict) -> tuple[Line | None, dict]:
    """The line an item describes, or (None, errors)."""
    if item.get("kind") == "classic":
        raw = {**DEFAULTS, **{k: str(v) for k, v in (item.get("inputs") or {}).items()}}
        out = calculate(raw)
        if not out["ok"]:
            return None, out["errors"]
        inputs, _ = read_form(raw)
        schedule, base = inputs.schedule(), inputs.count_from
        v = inputs.values
        label = f"{KINDS[inputs.kind.name].label}: " + ", ".join(
            f"{name}={fmt.number(v[name])}" for name in inputs.kind.own_fields + ("initial_lr",)
        )
        last = max(int(v["total_epochs"]) - 1 + base, int(v["current_epoch"]))
        return Line(label, "epoch", base, last, 1, lambda x: schedule(x - base)), {}
    request = item.get("request") or {}
    out = explore(request)
    if not out["ok"]:
        return None, out["errors"]
    from .libraries import from_library

    training = out["training"]
    kwargs = _kwargs(out)
    schedule = from_library(out["api"], lr=out["lr"], **kwargs)
    arguments = ", ".join(f"{k}={v}" for k, v in out["arguments"].items())
    label = f"{out['name']}({arguments})"
    unit = "step" if training["stepping"] == "step" else "epoch"
    line = Line(label, unit, 0, training["total"] - 1, training["steps_per_epoch"], schedule)
    line.last = _end_of(schedule, line.last)
    return line, {}


def _kwargs(out: dict) -> dict:
    """The arguments of an explorer answer, back as Python values."""
    import ast

    return {name: ast.literal_eval(text) for name, text in out["arguments"].items()}


def _end_of(schedule, last: int) -> int:
    """The last step a schedule can compute (OneCycleLR raises past total_steps)."""

    def computes(step: int) -> bool:
        try:
            schedule(step)
            return True
        except ValueError:
            return False

    return last if last <= 0 or computes(last) else first_failure(computes, last) - 1


def _lines(items: list) -> tuple[list[Line], dict]:
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        return [], {"compare": f"Compare between 1 and {MAX_ITEMS} schedules."}
    lines, errors = [], {}
    for index, item in enumerate(items):
        line, problems = _line(item if isinstance(item, dict) else {})
        if line is None:
            errors[f"compare.{index}"] = "; ".join(problems.values())
        else:
            lines.append(line)
    return lines, errors


def compare(items: list) -> dict:
    """Up to four schedules on one chart: a shared x grid, one y series and legend entry each.

    >>> out = compare([{"kind": "classic", "inputs": {}}, {"kind": "classic", "inputs": {"schedule": "step"}}])
    >>> out["legend"][1], out["y"][1][30]
    ('Step Decay: step_size=25, step_factor=0.5, initial_lr=0.01', 0.005)
    """
    lines, errors = _lines(items)
    if errors:
        return {"ok": False, "errors": errors}
    unit = lines[0].unit
    start = min(line.to_common(line.first, unit) for line in lines)
    end = max(line.to_common(line.last, unit) for line in lines)
    span = end - start
    if span <= CHART_POINTS:
        grid = [start + i for i in range(int(span) + 1)]
    else:
        grid = sorted({round(start + i * span / (CHART_POINTS - 1)) for i in range(CHART_POINTS)})
    ys = [[line.at(x, unit) for x in grid] for line in lines]
    texts = [[fmt.lr(v) if v is not None else "—" for v in y] for y in ys]
    positive = [v for y in ys for v in y if v is not None]
    return {
        "ok": True,
        "unit": unit,
        "x": grid,
        "x_text": [format_value(x) if isinstance(x, int) else fmt.lr(x) for x in grid],
        "y": ys,
        "text": texts,
        "legend": [line.label for line in lines],
        "x_label": unit.capitalize(),
        "log_ok": bool(positive) and min(positive) > 0,
    }


def download(items: list) -> dict:
    """Every step or epoch of the items, exact: CSV text, and JSON text, or errors.

    >>> print(download([{"kind": "classic", "inputs": {"total_epochs": "3", "current_epoch": "1"}}])["csv"])
    epoch,lr
    0,0.01
    1,0.0095
    2,0.009025
    <BLANKLINE>
    """
    lines, errors = _lines(items)
    if errors:
        return {"ok": False, "errors": errors}
    unit = lines[0].unit
    start = math.floor(min(line.to_common(line.first, unit) for line in lines))
    end = math.floor(max(line.to_common(line.last, unit) for line in lines))
    rows = end - start + 1
    if rows > MAX_ROWS:
        return {"ok": False, "errors": {"download": f"The curve has {rows:,} {unit}s; a download holds at most {MAX_ROWS:,}. Shorten the run or read it in epochs."}}
    headers = [unit, "lr"] if len(lines) == 1 else [unit] + [f"lr_{i + 1}" for i in range(len(lines))]
    table = []
    for x in range(start, end + 1):
        values = [line.at(x, unit) for line in lines]
        table.append([x] + values)
    csv = ",".join(headers) + "\n" + "".join(",".join([str(row[0])] + ["" if v is None else repr(v) for v in row[1:]]) + "\n" for row in table)
    document = {
        "unit": unit,
        "columns": headers,
        "schedules": [line.label for line in lines],
        "rows": table,
    }
    return {"ok": True, "csv": csv, "json": json.dumps(document, allow_nan=False), "filename": f"learning-rate-by-{unit}"}
