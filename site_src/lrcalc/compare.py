"""Several schedules on one chart, and any curve as exact CSV or JSON.

An *item* is a page state (:class:`lrcalc.page.State`) for one schedule: the
classic calculator's inputs, or a family, library scheduler or pasted call
with its training length. :func:`compare` draws up to four items on a shared
axis, in the unit of the first (the others are converted with their own steps
per epoch), and :func:`download` writes every step or epoch of one or more
items with exact values (``repr`` of the float, not the 4 digits shown on the
page), each column named after its schedule.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from . import fmt
from .chart import CHART_POINTS
from .calculator import KINDS, calculate, read_form
from .explore import format_value, resolve
from .forms import Invalid
from .schedules import first_failure

if TYPE_CHECKING:
    from .page.state import State

MAX_ITEMS = 4
MAX_ROWS = 1_000_000
"""Downloads hold every step or epoch up to this many rows."""


@dataclass
class Line:
    """One schedule as a function of position in its own unit."""

    label: str
    unit: str  # "epoch" or "step"
    first: int
    last: int  # inclusive, in the line's own unit
    per_epoch: int | None  # None: unknown (a per-epoch schedule read in epochs without steps per epoch)
    value: Callable[[int], float]
    optimizer_lr: float | None = None

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


def _line(state: "State") -> tuple[Line | None, dict]:
    """The line a state describes, or (None, errors)."""
    if state.classic_mode:
        raw = state.classic_inputs()
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
    try:
        resolved = resolve(state.request())
        schedule = resolved.schedule()
    except Invalid as invalid:
        return None, invalid.errors
    except ValueError as error:
        return None, {"api": str(error)}
    training = resolved.training
    arguments = ", ".join(f"{k}={format_value(v)}" for k, v in resolved.kwargs.items())
    label = f"{resolved.spec.name}({arguments})"
    line = Line(label, training.stepping, 0, training.total - 1, resolved.epoch_steps or training.steps_per_epoch, schedule, resolved.lr)
    line.last = _end_of(schedule, line.last)
    return line, {}


def _end_of(schedule, last: int) -> int:
    """The last step a schedule can compute (OneCycleLR raises past total_steps)."""

    def computes(step: int) -> bool:
        try:
            schedule(step)
            return True
        except ValueError:
            return False

    return last if last <= 0 or computes(last) else first_failure(computes, last) - 1


def _lines(items: list["State"]) -> tuple[list[Line], dict]:
    """The items' lines, or errors naming each item (``compare.1`` is the second) that cannot be drawn."""
    if not 1 <= len(items) <= MAX_ITEMS:
        return [], {"compare": f"Compare between 1 and {MAX_ITEMS} schedules."}
    lines, errors = [], {}
    for index, item in enumerate(items):
        line, problems = _line(item)
        if line is None:
            errors[f"compare.{index}"] = f"#{index + 1}: " + "; ".join(problems.values())
        else:
            lines.append(line)
    if not errors:
        unit = lines[0].unit
        for index, line in enumerate(lines):
            if line.unit != unit and line.per_epoch is None:
                errors[f"compare.{index}"] = f"#{index + 1} steps once per epoch and has no steps per epoch: give it one to draw it by {unit}."
    return lines, errors


def entries(items: list["State"], current_ok: bool = True) -> list[str]:
    """The comparison's list as the page shows it: ``#2 StepLR(step_size=30)``, or why an item cannot be drawn."""
    out = []
    for index, item in enumerate(items):
        if index == 0 and not current_ok:
            out.append("#1 The current inputs have an error: fix the marked field to draw them.")
            continue
        line, problems = _line(item)
        text = line.label if line is not None else "cannot be drawn: " + "; ".join(problems.values())
        out.append(f"#{index + 1} {text}{' (current inputs)' if index == 0 else ''}")
    return out


def compare(items: list["State"]) -> dict:
    """Up to four schedules on one chart: a shared x grid, one y series and legend entry each.

    >>> from lrcalc.page import State
    >>> out = compare([State(), State(schedule="step")])
    >>> out["legend"][1], out["y"][1][30]
    ('Step Decay: step_size=25, step_factor=0.5, initial_lr=0.01', 0.005)
    """
    lines, errors = _lines(items)
    if errors:
        return {"ok": False, "errors": errors, "entries": [errors.get(f"compare.{i}") or text for i, text in enumerate(entries(items))]}
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
    drawn = [v for y in ys for v in y if v is not None]
    log_ok = any(v > 0 for v in drawn)
    return {
        "ok": True,
        "unit": unit,
        "x": grid,
        "x_text": [format_value(x) if isinstance(x, int) else fmt.lr(x) for x in grid],
        "y": ys,
        "text": texts,
        "legend": [line.label for line in lines],
        "entries": entries(items),
        "x_label": unit.capitalize(),
        "log_ok": log_ok,
        "log_note": "" if not log_ok or min(drawn) > 0 else "On a log scale the points at 0 or below are left out: a log axis has no 0.",
    }


def download(items: list["State"]) -> dict:
    """Every step or epoch of the items, exact: CSV text, and JSON text, or errors.

    >>> from lrcalc.page import State
    >>> print(download([State(classic={**State().classic, "total_epochs": "3", "current_epoch": "1"})])["csv"])
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
    headers = [unit, "lr"] if len(lines) == 1 else [unit] + [f"{line.label}" for line in lines]
    table = []
    for x in range(start, end + 1):
        values = [line.at(x, unit) for line in lines]
        table.append([x] + values)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([row[0]] + ["" if v is None else repr(v) for v in row[1:]] for row in table)
    document = {
        "unit": unit,
        "columns": headers,
        "schedules": [{"label": line.label, "optimizer_lr": line.optimizer_lr} for line in lines],
        "rows": table,
    }
    return {"ok": True, "csv": text.getvalue(), "json": json.dumps(document, allow_nan=False), "filename": f"learning-rate-by-{unit}"}
