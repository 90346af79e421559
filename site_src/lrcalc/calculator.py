"""The calculator behind the page: the form's raw text in, plain data out.

:func:`calculate` takes what the user typed, exactly as typed, and returns a
JSON-ready dict: either ``{"ok": True, ...results, chart, formula...}`` or
``{"ok": False, "errors": {field: message}}``. It never raises for bad input,
and never returns NaN or infinity. The form itself (labels, defaults, which
fields each schedule uses) is described here too, so the page, the build and
the tests all read one definition.

The epoch convention: the user's epoch number is ``epoch``; the schedule's
0-based step is ``t = epoch - count_from``. Counting from 0 (the default),
``t`` is the epoch number, which equals PyTorch's scheduler after ``t`` calls
of ``step()``. Counting from 1, the first epoch is epoch 1 and uses the
initial learning rate. Training with ``total_epochs`` epochs runs from epoch
``count_from`` to ``total_epochs - 1 + count_from``; the chart covers exactly
those epochs, extended to the current epoch when it lies beyond them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from . import fmt, schedules
from .chart import CHART_POINTS, sample
from .forms import FieldError, echo, read_number, read_whole
from .libraries import from_library, lookup
from .schedules import InvalidArgument, Schedule

MAX_EPOCHS = 10_000_000
"""The largest epoch count, step size or current epoch the form accepts."""


_LISTED_DROPS = 12
"""A summary names each drop epoch up to this many drops, then counts them."""



@dataclass(frozen=True)
class Field:
    """One input of the form, as the page renders it."""

    name: str
    label: str
    default: str
    hint: str
    kind: str  # "real", "int" or "choice"
    inputmode: str = "decimal"
    choices: tuple[tuple[str, str], ...] = ()
    argument: str = ""  # the factory argument whose rule applies ("real" fields)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field(
            "schedule",
            "Schedule type",
            "exponential",
            "How the learning rate changes from epoch to epoch.",
            "choice",  # its choices are the KINDS below, by their families' labels
        ),
        Field(
            "initial_lr",
            "Initial learning rate",
            "0.01",
            "Unitless, > 0; typically 1e-4 to 1. Scientific notation such as 3e-4 works.",
            "real",
            inputmode="text",
            argument="init_value",
        ),
        Field(
            "decay_rate",
            "Decay rate",
            "0.95",
            "Multiplier applied every epoch, > 0; typically 0.8 to 0.99. Closer to 1 decays more slowly.",
            "real",
            argument="decay_rate",
        ),
        Field(
            "step_size",
            "Step size",
            "25",
            "Epochs between drops, a whole number; typically 5 to 50.",
            "int",
            inputmode="numeric",
        ),
        Field(
            "step_factor",
            "Step decay factor",
            "0.5",
            "Multiplier applied at each drop, > 0; typically 0.1 to 0.9 (0.5 halves the rate).",
            "real",
            argument="decay_factor",
        ),
        Field(
            "total_epochs",
            "Number of epochs",
            "100",
            f"The length of training, 1 to {fmt.count(MAX_EPOCHS)}.",
            "int",
            inputmode="numeric",
        ),
        Field(
            "current_epoch",
            "Current epoch",
            "30",
            "The epoch to read the learning rate at.",
            "int",
            inputmode="numeric",
        ),
        Field(
            "count_from",
            "Count epochs from",
            "0",
            "0: the first epoch is epoch 0, as PyTorch counts scheduler steps. 1: it is epoch 1.",
            "choice",
            choices=(("0", "0 (first epoch is epoch 0)"), ("1", "1 (first epoch is epoch 1)")),
        ),
    )
}

DEFAULTS: dict[str, str] = {name: f.default for name, f in FIELDS.items()}

_COMMON_BEFORE = ("schedule", "initial_lr")
_COMMON_AFTER = ("total_epochs", "current_epoch", "count_from")


@dataclass(frozen=True)
class Kind:
    """A classic schedule: the lrcalc family it is, which form field gives each argument, its formula."""

    name: str
    api: str  # the family's record, which computes it (lrcalc.libraries)
    arguments: tuple[tuple[str, str], ...]  # (the family's argument, the form field that gives it)
    formula: str
    rate_field: str = ""  # the field whose value can make the curve overflow
    drop_field: str = ""  # the field of the epochs between drops, for a schedule that drops in steps

    @property
    def label(self) -> str:
        """The family's label, as every list on the page shows it."""
        return lookup(self.api).shown

    @property
    def own_fields(self) -> tuple[str, ...]:
        """The fields of this schedule besides the initial learning rate and the training length."""
        return tuple(name for _, name in self.arguments if name != "initial_lr")

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field this schedule shows, in form order."""
        return _COMMON_BEFORE + self.own_fields + _COMMON_AFTER

    def kwargs(self, values: Mapping[str, float | int]) -> dict[str, float | int]:
        """The family's arguments from the form's validated values."""
        return {argument: values[name] for argument, name in self.arguments}

    def schedule(self, values: Mapping[str, float | int]) -> Schedule:
        """The schedule, computed by the family's record."""
        return from_library(self.api, **self.kwargs(values))


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("exponential", "lrcalc.exponential_decay", (("init_value", "initial_lr"), ("decay_rate", "decay_rate")), "LR(t) = InitialLR × DecayRate^t", "decay_rate"),
        Kind(
            "step",
            "lrcalc.step_decay",
            (("init_value", "initial_lr"), ("step_size", "step_size"), ("decay_factor", "step_factor")),
            "LR(t) = InitialLR × StepDecayFactor^floor(t / StepSize)",
            "step_factor",
            "step_size",
        ),
        Kind("constant", "lrcalc.constant", (("value", "initial_lr"),), "LR(t) = InitialLR"),
    )
}
"""The three classic schedules: ordinary lrcalc families, shown through the epoch calculator's form and results."""

FIELDS["schedule"] = replace(FIELDS["schedule"], choices=tuple((kind.name, kind.label) for kind in KINDS.values()))

RESULTS: dict[str, str] = {
    "current_lr": "Current learning rate",
    "decay_factor": "Effective decay factor",
    "next_lr": "LR after next epoch",
    "first_lr": "LR at epoch 1",
}
"""The result outputs, by id, with their visible labels."""


def _parse_real(spec: Field, text: str) -> float:
    """Read a decimal such as ``0.01`` or ``3e-4`` and apply the field's rule."""
    if not text.strip():
        raise FieldError(spec.name, f"{spec.label} is required: enter a number > 0, such as {spec.default}.")
    value = read_number(spec.name, spec.label, text, spec.default)
    try:
        return schedules.check_positive(spec.argument, value)
    except InvalidArgument as error:
        raise FieldError(spec.name, f"{spec.label} must be {error.rule} (got {echo(text)}).") from None


def _parse_int(spec: Field, text: str, low: int) -> int:
    """Read a whole number between ``low`` and :data:`MAX_EPOCHS`."""
    return read_whole(spec.name, spec.label, text, low, MAX_EPOCHS)


def _parse_choice(spec: Field, text: str) -> str:
    """Accept one of the field's listed choices."""
    allowed = [value for value, _ in spec.choices]
    if text not in allowed:
        raise FieldError(spec.name, f"{spec.label} must be one of {', '.join(allowed)} (got {echo(text)}).")
    return text


WHOLE_FROM = {"step_size": 1, "total_epochs": 1}
"""The least value of each whole-number field; the current epoch's is the first epoch's number (count_from)."""


@dataclass
class Inputs:
    """The validated form: numbers for the fields the chosen schedule uses."""

    kind: Kind
    count_from: int
    values: dict[str, float | int] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)

    def schedule(self) -> Schedule:
        """The schedule these inputs describe, computed by its family's record."""
        return self.kind.schedule(self.values)


def read_form(raw: Mapping[str, object]) -> tuple[Inputs | None, dict[str, str]]:
    """Validate the fields the chosen schedule shows; hidden fields are ignored.

    Returns the inputs and no errors, or ``None`` and ``{field: message}``.
    """
    text = {name: str(raw.get(name, "")).strip() for name in FIELDS}
    errors: dict[str, str] = {}
    try:
        kind = KINDS[_parse_choice(FIELDS["schedule"], text["schedule"])]
    except FieldError as error:
        return None, {error.name: error.message}
    try:
        count_from = int(_parse_choice(FIELDS["count_from"], text["count_from"]))
    except FieldError as error:
        errors[error.name] = error.message
        count_from = 0
    inputs = Inputs(kind, count_from)
    lows = {**WHOLE_FROM, "current_epoch": count_from}
    for name in kind.own_fields + ("initial_lr", "total_epochs", "current_epoch"):
        spec = FIELDS[name]
        try:
            if spec.kind == "real":
                inputs.values[name] = _parse_real(spec, text[name])
            else:
                inputs.values[name] = _parse_int(spec, text[name], lows[name])
            inputs.text[name] = text[name]
        except FieldError as error:
            errors[error.name] = error.message
    return (None, errors) if errors else (inputs, {})


@dataclass
class _Curve:
    """What :func:`calculate` knows about the curve once the inputs are valid."""

    inputs: Inputs
    schedule: Schedule

    @property
    def base(self) -> int:
        """The number of the first epoch: 0 or 1."""
        return self.inputs.count_from

    @property
    def last_epoch(self) -> int:
        """The number of the last epoch of training, in the user's count."""
        return int(self.inputs.values["total_epochs"]) - 1 + self.base

    def lr(self, epoch: int) -> float:
        """The learning rate at the user's epoch number."""
        return self.schedule(epoch - self.base)

    def drops(self, last: int) -> range:
        """Epochs (user count) where a step schedule changes, up to ``last``."""
        if not self.inputs.kind.drop_field:
            return range(0)
        size = int(self.inputs.values[self.inputs.kind.drop_field])
        return range(size + self.base, last + 1, size)


def _overflow_error(curve: _Curve, last: int) -> dict[str, str]:
    """An error on the rate field if the curve leaves the float range by ``last``."""
    lr0 = curve.inputs.values["initial_lr"]

    def finite(t: int) -> bool:
        value = curve.schedule(t)
        return math.isfinite(value) and math.isfinite(value / lr0)

    if finite(last - curve.base):
        return {}
    kind = curve.inputs.kind
    spec = FIELDS[kind.rate_field]
    epoch = schedules.first_failure(finite, last - curve.base) + curve.base
    return {
        spec.name: (
            f"{spec.label} {curve.inputs.text[spec.name]} makes the learning rate grow past 1.8e308 "
            f"by epoch {fmt.count(epoch)}: use a {spec.label.lower()} of at most 1, or fewer epochs."
        )
    }


def _notes(curve: _Curve, last_shown: int) -> dict[str, str]:
    """Allowed but surprising inputs, explained next to their field."""
    v, text, notes = curve.inputs.values, curve.inputs.text, {}
    last, current = curve.last_epoch, int(v["current_epoch"])
    rate_field = curve.inputs.kind.rate_field
    if rate_field:
        rate = v[rate_field]
        label = FIELDS[rate_field].label
        if rate > 1:
            notes[rate_field] = f"{label} {text[rate_field]} is above 1, so the learning rate grows instead of decaying."
        elif rate == 1:
            notes[rate_field] = f"{label} 1 keeps the learning rate constant."
        elif curve.lr(last_shown) == 0:
            zero = schedules.first_failure(lambda t: curve.schedule(t) > 0, last_shown - curve.base) + curve.base
            notes[rate_field] = (
                f"The learning rate falls below the smallest float (about 5e-324) and reads 0 "
                f"from epoch {fmt.count(zero)}."
            )
    if current > last:
        notes["current_epoch"] = (
            f"Epoch {fmt.count(current)} is past the last epoch of training ({fmt.count(last)}): "
            "the result extends the schedule beyond training (an extrapolation)."
        )
    if curve.inputs.kind.drop_field:
        first_drop = int(v["step_size"]) + curve.base
        if first_drop > last:
            notes["step_size"] = (
                f"With a step size of {fmt.count(int(v['step_size']))}, the first drop would come at epoch "
                f"{fmt.count(first_drop)}, after the last epoch of training ({fmt.count(last)}): "
                "the learning rate never drops."
            )
    return notes


def _formula(curve: _Curve, epoch: int) -> str:
    """The formula with the user's numbers filled in, ending in the result."""
    v = curve.inputs.values
    t = epoch - curve.base
    step = f"t = {epoch} − 1 = {t}" if curve.base else str(t)
    lr0 = fmt.number(v["initial_lr"])
    result = fmt.lr(curve.lr(epoch))
    kind = curve.inputs.kind.name
    if kind == "exponential":
        return f"LR({step}) = {lr0} × {fmt.number(v['decay_rate'])}^{t} = {result}"
    if kind == "step":
        size, factor = int(v["step_size"]), fmt.number(v["step_factor"])
        drops = t // size
        return f"LR({step}) = {lr0} × {factor}^floor({t} / {size}) = {lr0} × {factor}^{drops} = {result}"
    return f"LR({step}) = {lr0}"


def _steps(curve: _Curve, epoch: int) -> list[str]:
    """The calculation for the current epoch, one line per step, with the user's numbers."""
    v = curve.inputs.values
    t = epoch - curve.base
    lines = [f"t = epoch − 1 = {epoch} − 1 = {t}" if curve.base else f"t = {t} (counting from 0, t is the epoch number)"]
    lr0 = fmt.number(v["initial_lr"])
    kind = curve.inputs.kind.name
    if kind == "constant":
        return [f"The constant schedule never changes: LR({t}) = InitialLR = {lr0}."]
    if kind == "exponential":
        rate = fmt.number(v["decay_rate"])
        factor = fmt.lr(curve.lr(epoch) / v["initial_lr"])
        return lines + [f"DecayRate^t = {rate}^{t} = {factor}", f"LR({t}) = InitialLR × {factor} = {lr0} × {factor} = {fmt.lr(curve.lr(epoch))}"]
    size, factor = int(v["step_size"]), fmt.number(v["step_factor"])
    drops = t // size
    multiplier = fmt.lr(curve.lr(epoch) / v["initial_lr"])
    return lines + [
        f"floor(t / StepSize) = floor({t} / {size}) = {drops} drop{'s' if drops != 1 else ''} so far",
        f"StepDecayFactor^{drops} = {factor}^{drops} = {multiplier}",
        f"LR({t}) = InitialLR × {multiplier} = {lr0} × {multiplier} = {fmt.lr(curve.lr(epoch))}",
    ]


MAX_MARKS = 40
"""At most this many phase boundaries are marked on a chart."""
DROP_MARK = "drop {number} at epoch {epoch}"
"""A step schedule's drop, as its mark on the chart names it."""
X_LABEL = "Epoch (counting from {base})"
"""The chart's x axis."""
CHART_LABELS = {"point_label": "Epoch", "y_label": "Learning rate"}
"""The chart's name for a point and its y axis."""


def _marks(curve: _Curve, last: int) -> list[dict]:
    """The epochs where a step schedule drops, to mark on the chart."""
    drops = curve.drops(last)
    if len(drops) > MAX_MARKS:
        return []
    return [{"x": d, "label": DROP_MARK.format(number=i, epoch=fmt.count(d))} for i, d in enumerate(drops, start=1)]


def _every(epochs: int) -> str:
    """``every epoch`` or ``every 25 epochs``."""
    return "every epoch" if epochs == 1 else f"every {fmt.count(epochs)} epochs"


def _summary(curve: _Curve, first: int, last: int, current: int) -> str:
    """A sentence or two describing the curve, for the chart's text alternative."""
    v = curve.inputs.values
    start, end, now = (fmt.lr(curve.lr(e)) for e in (first, last, current))
    kind = curve.inputs.kind.name
    span = f"From epoch {fmt.count(first)} to epoch {fmt.count(last)}"
    if kind == "constant":
        text = f"{span} the learning rate stays at {start}."
    elif kind == "exponential":
        rate = v["decay_rate"]
        change = f"falls from {start} to {end}" if rate < 1 else f"rises from {start} to {end}" if rate > 1 else f"stays at {start}"
        text = f"{span} the learning rate {change}, multiplied by {fmt.number(rate)} every epoch."
    else:
        drops = curve.drops(last)
        if not drops:
            where = "never drops"
        elif len(drops) <= _LISTED_DROPS:
            where = f"drops at epoch{'s' if len(drops) > 1 else ''} {fmt.listing([fmt.count(d) for d in drops])}"
        else:
            where = f"drops {fmt.count(len(drops))} times, from epoch {fmt.count(drops[0])} to epoch {fmt.count(drops[-1])}"
        text = (
            f"The learning rate starts at {start} and is multiplied by {fmt.number(v['step_factor'])} "
            f"{_every(int(v['step_size']))}: it {where}, ending at {end} at epoch {fmt.count(last)}."
        )
    return f"{text} At epoch {fmt.count(current)} it is {now}."


def _chart(curve: _Curve, first: int, last: int, current: int) -> dict:
    """The points to draw, with each value's display text, and the log-scale verdict."""
    drops = curve.drops(last)
    marked = drops if len(drops) <= CHART_POINTS else range(0)
    epochs = sample(first, last, [*marked, current])
    values = [curve.lr(e) for e in epochs]
    log_ok = min(values) > 0
    n = last - first + 1
    sampled = len(epochs) < n
    return {
        "x": epochs,
        "x_text": [str(e) for e in epochs],
        "y": values,
        "text": [fmt.lr(value) for value in values],
        "marker": epochs.index(current),
        "path": "stepped" if curve.inputs.kind.drop_field else "linear",
        "x_label": X_LABEL.format(base=curve.base),
        **CHART_LABELS,
        "log_ok": log_ok,
        "log_note": "" if log_ok else "Log scale is unavailable: the learning rate reaches 0.",
        "table_note": (
            f"The chart and this table show {fmt.count(len(epochs))} of {fmt.count(n)} epochs: evenly spaced, "
            f"plus {'every drop and ' if marked else ''}the current epoch. The results above are exact for any epoch."
            if sampled
            else ""
        ),
    }


def _copy_text(curve: _Curve, results: list[dict], formula: str, page_url: str) -> str:
    """Plain text for the clipboard: assumptions, results, formula and link."""
    inputs = curve.inputs
    lines = ["Learning rate schedule", "", "Assumptions:", f"  Schedule type: {inputs.kind.label}"]
    for name in inputs.kind.fields[1:]:
        spec = FIELDS[name]
        if name == "count_from":
            lines.append(f"  {spec.label}: {inputs.count_from}")
        else:
            lines.append(f"  {spec.label}: {fmt.number(inputs.values[name])}")
    lines += ["", "Results:"] + [f"  {r['label']}: {r['text']}" for r in results]
    lines += ["", f"Formula used: {formula}"]
    if page_url:
        lines += ["", f"Calculated with {page_url}"]
    return "\n".join(lines) + "\n"


def calculate(raw: Mapping[str, object], page_url: str = "") -> dict:
    """Validate the form's raw text and compute everything the page shows.

    Args:
      raw: field name to the text the user typed (missing fields read as empty).
      page_url: the page's address, quoted in the copy text.

    Returns:
      ``{"ok": False, "errors": {field: message}}`` for bad input, otherwise
      ``{"ok": True, "results": [...], "formula", "summary", "notes", "chart", "copy_text"}``.

    >>> calculate(DEFAULTS)["formula"]
    'LR(30) = 0.01 × 0.95^30 = 0.002146'
    >>> calculate({**DEFAULTS, "decay_rate": "-0.5"})["errors"]
    {'decay_rate': 'Decay rate must be > 0 (got -0.5).'}
    """
    inputs, errors = read_form(raw)
    if inputs is None:
        return {"ok": False, "errors": errors}
    curve = _Curve(inputs, inputs.schedule())
    current = int(inputs.values["current_epoch"])
    first, last = inputs.count_from, max(curve.last_epoch, current)
    overflow = _overflow_error(curve, max(last, current + 1))
    if overflow:
        return {"ok": False, "errors": overflow}
    lr0 = inputs.values["initial_lr"]
    now = curve.lr(current)
    values = {
        "current_lr": now,
        "decay_factor": now / lr0,
        "next_lr": curve.lr(current + 1),
        "first_lr": curve.lr(1),
    }
    results = [
        {"id": key, "label": RESULTS[key], "value": value, "text": fmt.lr(value)} for key, value in values.items()
    ]
    formula = _formula(curve, current)
    return {
        "ok": True,
        "schedule": inputs.kind.name,
        "results": results,
        "formula": formula,
        "summary": _summary(curve, first, last, current),
        "notes": _notes(curve, last),
        "chart": _chart(curve, first, last, current) | {"marks": _marks(curve, last)},
        "steps": _steps(curve, current),
        "copy_text": _copy_text(curve, results, formula, page_url),
    }


def form_spec() -> dict:
    """The form as data, for the build and for the page's script."""
    return {
        "fields": [f.__dict__ | {"choices": [list(c) for c in f.choices]} for f in FIELDS.values()],
        "kinds": {k.name: {"label": k.label, "fields": list(k.fields), "formula": k.formula} for k in KINDS.values()},
        "results": RESULTS,
        "defaults": DEFAULTS,
        "max_epochs": MAX_EPOCHS,
    }
