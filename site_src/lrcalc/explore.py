"""The schedule explorer behind the page's Family, Library and Paste modes.

:func:`explore` takes what the user typed (a family or library scheduler and
its arguments as text, or a pasted constructor call, plus the training length)
and returns the curve, the summary numbers and any notes as plain data, or
``{"ok": False, "errors": {field: message}}``. Field names are ``lr``,
``args.<argument>``, ``training.<setting>``, ``paste`` and ``api``.

Steps and epochs: a scheduler steps either once per optimizer step (a batch,
after gradient accumulation) or once per epoch. ``steps_per_epoch`` (given, or
worked out as ``ceil(ceil(dataset_size / batch_size) / accumulation)``: every
batch, a last partial one included, and a last partial accumulation counted as
an update, as Hugging Face's Trainer counts in transformers 5) converts between
the two, and the curve can be read in either unit. The curve covers the
scheduler steps of the whole run.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from . import fmt
from .forms import FieldError, echo, read_number, read_whole
from . import phases
from .libraries import REQUIRED, LibraryAPI, Param, bind, lookup
from .paste import PasteError, _Reader, parse_call
from .schedules import InvalidArgument, first_failure

MAX_STEPS = 10_000_000
"""The longest run, in scheduler steps."""

MAX_REPLAYED = 1_000_000
"""The longest run for schedulers replayed step by step (PyTorch's, plateaus)."""

EXACT_MEAN = 20_000
"""Runs up to this many steps are evaluated at every step (exact peak and mean); longer ones
from the chart's samples, with the peak refined between its neighbouring samples."""

CHART_POINTS = 1001


def format_value(value: Any) -> str:
    """An argument value as Python source: ``0.1``, ``1e-5``, ``[30, 60]``, ``None``."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # Python source: 25.0 stays a float, 1e-05 reads back exactly
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def call_text(spec: LibraryAPI, lr: float | None, kwargs: Mapping[str, Any]) -> str:
    """The constructor call as a user would write it: a library's with its non-default
    arguments only; an lrcalc family's with every argument, as ``lrcalc.name(...)``."""
    parts = ["optimizer"] if spec.leading_optimizer else []
    if spec.library == "lrcalc":
        values = {p.name: p.default for p in spec.params if not p.required} | dict(kwargs)
        return f"{spec.api}({', '.join(f'{name}={format_value(value)}' for name, value in values.items())})"
    defaults = {p.name: p.default for p in spec.params}
    for name, value in kwargs.items():
        if defaults.get(name, REQUIRED) is REQUIRED or value != defaults[name]:
            parts.append(f"{name}={format_value(value)}")
    text = f"{spec.name}({', '.join(parts)})"
    return text if lr is None or not spec.needs_lr else f"{text}  # optimizer lr={fmt.number(lr)}"


# ---------------------------------------------------------------- reading arguments


def read_argument(param: Param, text: str) -> Any:
    """The value of one argument typed as text; empty means the library's default."""
    name, label = f"args.{param.name}", param.name
    text = text.strip()
    if not text:
        if param.required:
            raise FieldError(name, f"{label} is required.")
        return param.default
    if param.optional and text == "None":
        return None
    kind = param.kind
    if kind == "float":
        return read_number(name, label, text)
    if kind == "int":
        return _read_int(name, label, text)
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise FieldError(name, f"{label} must be true or false (got {echo(text)}).")
    if kind == "choice":
        if param.choices and text not in param.choices:
            raise FieldError(name, f"{label} must be one of {', '.join(param.choices)} (got {echo(text)}).")
        return text
    if kind == "str":
        return text
    if kind in ("ints", "floats", "metrics"):
        items = [item for item in text.strip("[]()").replace(";", ",").replace("\n", ",").replace(" ", ",").split(",") if item]
        if kind == "ints":
            return [_read_int(name, f"Each of {label}", item) for item in items]
        return [read_number(name, f"Each of {label}", item) for item in items]
    return _read_literal(name, label, text, kind)


def _read_int(name: str, label: str, text: str) -> int:
    """A whole number, of any sign (the library checks the range)."""
    value = read_number(name, label, text, "10")
    if not value.is_integer():
        raise FieldError(name, f"{label} must be a whole number (got {echo(text)}).")
    return int(value)


def _read_literal(name: str, label: str, text: str, kind: str) -> Any:
    """Dicts, lists of dicts and nested schedulers, read as Python literals (never evaluated)."""
    import ast

    source = text
    if kind == "int_float_map" and not text.lstrip().startswith("{"):
        source = "{" + text + "}"
    try:
        tree = ast.parse(source, mode="eval")
        value = _Reader().value(tree.body, label)
    except SyntaxError as error:
        raise FieldError(name, f"{label} could not be read: {error.msg} (got {echo(text)}).") from None
    except PasteError as error:
        raise FieldError(name, f"{error}.") from None
    expected = {"int_float_map": dict, "schedule": dict, "schedules": list, "dicts": list}[kind]
    if not isinstance(value, expected):
        shape = "a dict such as {100: 0.5, 200: 0.1}" if kind == "int_float_map" else "a dict such as {'api': ..., ...}" if kind == "schedule" else "a list"
        raise FieldError(name, f"{label} must be {shape} (got {echo(text)}).")
    return value


def _field_of(error: Exception, spec: LibraryAPI) -> str:
    """The form field an argument error belongs to: the named argument, or the whole call."""
    if isinstance(error, InvalidArgument) and any(p.name == error.name for p in spec.params):
        return f"args.{error.name}"
    message = str(error)
    mentioned = [(message.find(p.name), p.name) for p in spec.params if _mentions(message, p.name)]
    return f"args.{min(mentioned)[1]}" if mentioned else "api"


def _mentions(message: str, word: str) -> bool:
    """Whether ``word`` appears in ``message`` as a whole identifier."""
    import re

    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", message) is not None


# ---------------------------------------------------------------- training length


def read_training(raw: Mapping[str, Any], default_stepping: str) -> dict[str, Any]:
    """Epochs, steps per epoch, how often the scheduler steps, and the unit to read in."""
    text = {key: str(raw.get(key, "")).strip() for key in ("epochs", "steps_per_epoch", "dataset_size", "batch_size", "accumulation", "stepping", "unit", "current")}
    errors: dict[str, str] = {}

    def attempt(key: str, reader):
        try:
            return reader()
        except FieldError as error:
            errors[f"training.{key}"] = error.message
            return None

    epochs = attempt("epochs", lambda: read_whole("training.epochs", "Number of epochs", text["epochs"] or "", 1, MAX_STEPS))
    if text["steps_per_epoch"]:
        per_epoch = attempt("steps_per_epoch", lambda: read_whole("training.steps_per_epoch", "Steps per epoch", text["steps_per_epoch"], 1, MAX_STEPS))
        source = "given"
    elif text["dataset_size"] or text["batch_size"]:
        size = attempt("dataset_size", lambda: read_whole("training.dataset_size", "Dataset size", text["dataset_size"], 1, 10**12))
        batch = attempt("batch_size", lambda: read_whole("training.batch_size", "Batch size", text["batch_size"], 1, 10**9))
        accumulate = attempt("accumulation", lambda: read_whole("training.accumulation", "Gradient accumulation", text["accumulation"] or "1", 1, 10**6))
        per_epoch = max(1, math.ceil(math.ceil(size / batch) / accumulate)) if None not in (size, batch, accumulate) else None
        source = "dataset"
    else:
        per_epoch, source = 1, "none"
    stepping = text["stepping"] or default_stepping
    if stepping not in ("step", "epoch"):
        errors["training.stepping"] = f"The scheduler steps per 'step' (batch) or per 'epoch' (got {echo(stepping)})."
    unit = text["unit"] or ("epoch" if stepping == "epoch" else "step")
    if unit not in ("step", "epoch"):
        errors["training.unit"] = f"Read the curve in 'step' or 'epoch' (got {echo(unit)})."
    if errors:
        raise _Invalid(errors)
    total = epochs * per_epoch if stepping == "step" else epochs
    if total > MAX_STEPS:
        raise _Invalid({"training.epochs": f"The run has {total:,} scheduler steps; the explorer draws at most {MAX_STEPS:,}."})
    unit_total = epochs * per_epoch if unit == "step" else epochs
    try:
        current = read_whole("training.current", f"Current {unit}", text["current"] or "0", 0, 2 * unit_total)
    except FieldError as error:
        raise _Invalid({error.name: error.message}) from None
    return {"epochs": epochs, "steps_per_epoch": per_epoch, "per_epoch_source": source, "stepping": stepping, "unit": unit, "total": total, "current": current}


class _Invalid(Exception):
    """Field errors gathered while reading a request."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


# ---------------------------------------------------------------- the curve


def _to_step(training: dict, x: float) -> int:
    """The scheduler step in effect at position ``x`` of the chosen unit."""
    per = training["steps_per_epoch"]
    if training["stepping"] == "step":
        return int(x * per) if training["unit"] == "epoch" else int(x)
    return int(x // per) if training["unit"] == "step" else int(x)


def _to_unit(training: dict, step: int) -> float:
    """Where scheduler step ``step`` starts, in the chosen unit."""
    per = training["steps_per_epoch"]
    if training["stepping"] == "step":
        return step / per if training["unit"] == "epoch" else step
    return step * per if training["unit"] == "step" else step


def _sample(total: int, extra: list[int]) -> list[int]:
    """Every step, or an even sample of them plus ``extra``."""
    if total <= CHART_POINTS:
        return list(range(total))
    picks = {round(i * (total - 1) / (CHART_POINTS - 1)) for i in range(CHART_POINTS)}
    picks.update(e for e in extra if 0 <= e < total)
    return sorted(picks)


def _computable(schedule, total: int, notes: list[str]) -> int:
    """How many steps of the run the schedule can compute: ``total``, or fewer where the
    library raises (OneCycleLR past total_steps) or the value stops being finite."""

    def fine(step: int) -> bool:
        try:
            return math.isfinite(float(schedule(step)))
        except (ValueError, OverflowError, ZeroDivisionError):
            return False

    if total == 0 or fine(total - 1) and (getattr(schedule, "replayed", False) or fine(0)):
        return total
    low = first_failure(fine, total - 1)
    try:
        value = float(schedule(low))
        notes.append(f"The value is not a finite number ({value!r}) from step {low:,}, so the curve stops before it.")
    except (ValueError, OverflowError, ZeroDivisionError) as error:
        notes.append(f"The library raises at step {low:,} ({error}), so the curve stops before it.")
    return low


def _summary(training: dict, schedule, steps: list[int], values: list[float], total: int, notes: list[str]) -> list[dict]:
    """Peak (and where), final, mean and current learning rates."""
    unit = training["unit"]
    replayed = getattr(schedule, "replayed", False)
    if total <= EXACT_MEAN or replayed:
        full = values if len(values) == total else [float(schedule(i)) for i in range(total)]
        mean, mean_label = math.fsum(full) / len(full), "Mean LR"
        peak_value = max(full)
        peak_step = full.index(peak_value)
    else:
        mean = _trapezoid(steps, values)
        mean_label = f"Mean LR (estimated from {len(steps):,} samples)"
        peak_step, peak_value = _refined_peak(schedule, steps, values)
    current_step = _to_step(training, training["current"])
    try:
        current = float(schedule(current_step))
        current_text = fmt.lr(current)
    except ValueError as error:
        current, current_text = None, f"— (the library raises: {error})"
    return [
        {"id": "peak", "label": "Peak LR", "value": peak_value, "text": f"{fmt.lr(peak_value)} at {_where(training, peak_step)}"},
        {"id": "final", "label": "Final LR", "value": values[-1], "text": f"{fmt.lr(values[-1])} at {_where(training, steps[-1])}"},
        {"id": "mean", "label": mean_label, "value": mean, "text": fmt.lr(mean)},
        {"id": "current", "label": f"LR at {unit} {training['current']:,}", "value": current, "text": current_text},
    ]


def _where(training: dict, step: int) -> str:
    """``step 300`` or ``epoch 2.5``: where a scheduler step falls, in the chosen unit."""
    position = _to_unit(training, step)
    shown = f"{position:,}" if float(position).is_integer() else fmt.lr(position)
    return f"{training['unit']} {shown.removesuffix('.0')}"


def _steps_text(training: dict, summary: list[dict], found: list[tuple[int, str]], total: int) -> list[str]:
    """Where the current position falls: its scheduler step, its phase and the value."""
    current = training["current"]
    step = _to_step(training, current)
    unit = training["unit"]
    lines = [f"{unit.capitalize()} {current:,} is scheduler step {step:,} of the run's {total:,} (0-based)."]
    if training["stepping"] == "step" and unit == "epoch":
        lines[0] = f"Epoch {current:,} starts at scheduler step {current:,} × {training['steps_per_epoch']:,} = {step:,} of {total:,}."
    elif training["stepping"] == "epoch" and unit == "step":
        lines[0] = f"Step {current:,} is in epoch floor({current:,} / {training['steps_per_epoch']:,}) = {step:,}; the scheduler steps once per epoch."
    text = phases.describe(step, found, total, lambda s: _where(training, s))
    if text:
        lines.append(text)
    lines.append(f"The learning rate there is {summary[3]['text']}.")
    return lines


def _describe(spec: LibraryAPI, training: dict, summary: list[dict], total: int, drawn: int) -> str:
    """A sentence describing the curve, for the chart's text alternative."""
    peak, final, mean = (item["text"] for item in summary[:3])
    length = f"{total:,} scheduler steps, one per {'epoch' if training['stepping'] == 'epoch' else 'optimizer step'}"
    shown = "" if drawn >= total else f" Drawn from {drawn:,} of them."
    return f"{spec.name} over {length}: peak {peak}, final {final}, mean {mean}.{shown}"


def _copy_text(call: str, training: dict, summary: list[dict], notes: list[str]) -> str:
    """Plain text for the clipboard: the scheduler call, the run, the numbers and the notes."""
    lines = ["Learning rate schedule", "", f"Scheduler: {call}", "", "Training:"]
    lines.append(f"  Epochs: {training['epochs']:,}")
    lines.append(f"  Steps per epoch: {training['steps_per_epoch']:,}")
    lines.append(f"  Scheduler steps once per: {'epoch' if training['stepping'] == 'epoch' else 'optimizer step'}")
    lines.append(f"  Scheduler steps in the run: {training['total']:,}")
    lines += ["", "Results:"] + [f"  {item['label']}: {item['text']}" for item in summary]
    if notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _refined_peak(schedule, steps: list[int], values: list[float]) -> tuple[int, float]:
    """The highest sample, then every step between its neighbouring samples (a peak between samples)."""
    best = values.index(max(values))
    low = steps[max(best - 1, 0)]
    high = steps[min(best + 1, len(steps) - 1)]
    peak_step, peak_value = steps[best], values[best]
    if high - low <= 4 * EXACT_MEAN:
        for step in range(low, high + 1):
            try:
                value = float(schedule(step))
            except ValueError:
                break
            if value > peak_value:
                peak_step, peak_value = step, value
    return peak_step, peak_value


def _trapezoid(steps: list[int], values: list[float]) -> float:
    """The mean of a sampled curve, weighting each sample by the steps it stands for."""
    if len(steps) == 1:
        return values[0]
    area = math.fsum((b - a) * (u + v) / 2 for a, b, u, v in zip(steps, steps[1:], values, values[1:]))
    return area / (steps[-1] - steps[0])


# ---------------------------------------------------------------- the request


def explore(request: Mapping[str, Any]) -> dict:
    """Answer one request from the page (see the module docstring).

    >>> out = explore({"mode": "library", "api": "torch.optim.lr_scheduler.StepLR", "lr": "0.1",
    ...                "args": {"step_size": "30"}, "training": {"epochs": "90", "stepping": "epoch"}})
    >>> [s["text"] for s in out["summary"]][:2]
    ['0.1 at epoch 0', '0.001 at epoch 89']
    """
    mode = str(request.get("mode", "library"))
    notes: list[str] = []
    try:
        if mode == "paste":
            try:
                pasted = parse_call(str(request.get("paste", "")))
            except PasteError as error:
                raise _Invalid({"paste": f"{error}."}) from None
            spec, kwargs = pasted.spec, pasted.kwargs
            lr = pasted.lr if pasted.lr is not None else _read_lr(request, spec)
        else:
            try:
                spec = lookup(str(request.get("api", "")))
            except ValueError as error:
                raise _Invalid({"api": f"{error}."}) from None
            kwargs, errors = {}, {}
            for param in spec.params:
                text = str((request.get("args") or {}).get(param.name, ""))
                try:
                    value = read_argument(param, text)
                except FieldError as error:
                    errors[error.name] = error.message
                    continue
                if text.strip():
                    kwargs[param.name] = value
            lr = None
            try:
                lr = _read_lr(request, spec)
            except _Invalid as error:
                errors.update(error.errors)
            if errors:
                raise _Invalid(errors)
        training = read_training(request.get("training") or {}, "epoch" if spec.stepping == "epoch" else "step")
        from .libraries import from_library

        try:
            schedule = from_library(spec.api, lr=lr, **kwargs)
        except ValueError as error:
            field = "paste" if mode == "paste" else _field_of(error, spec)
            raise _Invalid({field: f"{spec.name}: {error}"}) from None
    except _Invalid as invalid:
        return {"ok": False, "errors": invalid.errors}
    return _answer(spec, lr, kwargs, training, schedule, notes)


def _read_lr(request: Mapping[str, Any], spec: LibraryAPI) -> float | None:
    """The optimizer's learning rate, for schedulers that wrap an optimizer."""
    if not spec.needs_lr:
        return None
    try:
        value = read_number("lr", "The optimizer's learning rate", str(request.get("lr", "")), "0.1")
    except FieldError as error:
        raise _Invalid({"lr": error.message}) from None
    if value < 0:
        raise _Invalid({"lr": f"The optimizer's learning rate must be >= 0 (got {echo(str(request.get('lr')))})."})
    return value


def _answer(spec: LibraryAPI, lr, kwargs, training, schedule, notes) -> dict:
    """The curve, the summary numbers and the notes for a valid request."""
    total = training["total"]
    if getattr(schedule, "replayed", False) and total > MAX_REPLAYED:
        return {
            "ok": False,
            "errors": {"training.epochs": f"{spec.name} is replayed step by step; the explorer draws at most {MAX_REPLAYED:,} of its steps (this run has {total:,})."},
        }
    notes.extend(getattr(schedule, "notes", ()))
    current = _to_step(training, training["current"])
    total = _computable(schedule, total, notes)
    if not total:
        return {"ok": False, "errors": {"api": notes[-1] if notes else "The schedule has no values."}}
    steps = _sample(total, [current])
    values = [float(schedule(step)) for step in steps]
    if current >= total:
        notes.append(f"The current {training['unit']} is past the end of the run: the value shown extends the schedule (an extrapolation).")
    summary = _summary(training, schedule, steps, values, total, notes)
    xs = [_to_unit(training, step) for step in steps]
    stepped = training["stepping"] == "epoch" and training["unit"] == "step"
    call = call_text(spec, lr, kwargs)
    found = phases.boundaries(spec.api, bind(spec, dict(kwargs)), total)
    return {
        "ok": True,
        "api": spec.api,
        "library": spec.library,
        "name": spec.name,
        "call": call,
        "summary_text": _describe(spec, training, summary, total, len(steps)),
        "steps": _steps_text(training, summary, found, total),
        "copy_text": _copy_text(call, training, summary, notes),
        "arguments": {name: format_value(value) for name, value in kwargs.items()},
        "lr": lr,
        "training": training,
        "summary": summary,
        "notes": notes,
        "chart": {
            "x": xs,
            "x_text": [_where(training, step).split(" ", 1)[1] for step in steps],
            "y": values,
            "text": [fmt.lr(v) for v in values],
            "marker": min(range(len(steps)), key=lambda i: abs(steps[i] - min(current, steps[-1]))),
            "path": "stepped" if stepped else "linear",
            "x_label": f"{training['unit'].capitalize()}",
            "point_label": training["unit"].capitalize(),
            "y_label": "Learning rate",
            "log_ok": min(values) > 0,
            "log_note": "" if min(values) > 0 else "Log scale is unavailable: the learning rate reaches 0 or below.",
            "marks": [{"x": _to_unit(training, step), "label": f"{label} at {_where(training, step)}"} for step, label in found],
            "table_note": (
                f"The chart and this table show {len(steps):,} of {total:,} scheduler steps, evenly spaced."
                if len(steps) < total
                else ""
            ),
        },
    }


TRAINING_FIELDS = (
    {"name": "epochs", "label": "Training epochs", "default": "90", "hint": "How many epochs the run lasts.", "inputmode": "numeric"},
    {
        "name": "steps_per_epoch",
        "label": "Steps per epoch",
        "default": "100",
        "hint": "Optimizer steps per epoch (batches, after gradient accumulation). Leave empty to work it out from the dataset below.",
        "inputmode": "numeric",
    },
    {"name": "dataset_size", "label": "Dataset size", "default": "", "hint": "Training examples per epoch.", "inputmode": "numeric"},
    {"name": "batch_size", "label": "Batch size", "default": "", "hint": "Examples per batch.", "inputmode": "numeric"},
    {"name": "accumulation", "label": "Gradient accumulation steps", "default": "1", "hint": "Batches per optimizer step.", "inputmode": "numeric"},
    {
        "name": "stepping",
        "label": "Scheduler steps once per",
        "default": "step",
        "hint": "Call scheduler.step() after every optimizer step, or once an epoch.",
        "choices": [["step", "optimizer step (batch)"], ["epoch", "epoch"]],
    },
    {"name": "unit", "label": "Show the curve in", "default": "step", "hint": "Read the chart and the numbers in steps or in epochs.", "choices": [["step", "steps"], ["epoch", "epochs"]]},
    {"name": "current", "label": "Current position", "default": "0", "hint": "The step or epoch (in the unit above) to read the learning rate at.", "inputmode": "numeric"},
)
"""The training-length fields of the explorer modes, as the page renders them."""

LIBRARY_LABELS = {
    "torch": "PyTorch",
    "keras": "Keras",
    "optax": "optax",
    "transformers": "Hugging Face transformers",
    "timm": "timm",
}


def catalog() -> dict:
    """Every family and library scheduler with its arguments, for the page's forms.

    Defaults are given as the text a user would type (``0.1``, ``[30, 60]``),
    so the page can show them without formatting anything itself.
    """
    from .libraries import apis
    from .libraries.native import GROUPS, LABELS

    def describe(spec: LibraryAPI) -> dict:
        return {
            "api": spec.api,
            "library": spec.library,
            "name": spec.name,
            "label": LABELS.get(spec.name, spec.name),
            "summary": spec.summary,
            "needs_lr": spec.needs_lr,
            "stepping": spec.stepping,
            "params": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "required": p.required,
                    "default": None if p.required else format_value(p.default),
                    "choices": list(p.choices),
                    "doc": p.doc,
                }
                for p in spec.params
            ],
        }

    every = apis()
    return {
        "families": [
            {"group": group, "items": [{"api": f"lrcalc.{name}", "label": LABELS[name]} for name in names]}
            for group, names in GROUPS.items()
        ],
        "libraries": [
            {"id": library, "label": label, "apis": [spec.api for spec in every if spec.library == library]}
            for library, label in LIBRARY_LABELS.items()
        ],
        "apis": {spec.api: describe(spec) for spec in every},
    }
