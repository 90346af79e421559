"""The schedule explorer behind the page's Family, Library, Paste and Config modes.

:func:`explore` takes what the user typed (a family or library scheduler and
its arguments as text, a pasted constructor call, or a training config, plus
the training length) and returns the curve, the summary numbers and any notes
as plain data, or ``{"ok": False, "errors": {field: message}}``. Field names
are ``lr``, ``args.<argument>``, ``training.<setting>``, ``paste``, ``api``,
``config`` and ``run.<setting>`` (what a config cannot say, see
:mod:`lrcalc.configuring`).

The training length (:mod:`lrcalc.training`) says how many scheduler steps the
run has and how positions are read; the curve covers every scheduler step of
the run, sampled for the chart (:mod:`lrcalc.chart`) and exact in the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Mapping

from . import fmt, phases, span
from .chart import sample
from .forms import FieldError, Invalid, echo, read_number
from .libraries import REQUIRED, Param, Scheduler, bind, lookup
from .paste import Name, PasteError, literal
from .schedules import InvalidArgument, first_failure
from .training import Training, read_training

MAX_REPLAYED = 1_000_000
"""The longest run for schedulers replayed step by step (PyTorch's, plateaus)."""

EXACT_MEAN = 20_000
"""Runs up to this many steps are evaluated at every step (exact peak and mean); longer ones
from the chart's samples, with the peak refined between its neighbouring samples."""

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
        if "api" in value:
            return _nested_call(value)
        return "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _nested_call(value: Mapping[str, Any]) -> str:
    """A nested scheduler (``{"api": ..., **kwargs}``) as the call that builds it."""
    try:
        spec = lookup(str(value["api"]))
    except ValueError:
        return "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in value.items()) + "}"
    parts = _optimizer_part(spec)
    parts += [f"{name}={format_value(v)}" for name, v in value.items() if name != "api"]
    return f"{spec.name}({', '.join(parts)})"


def _optimizer_part(spec: Scheduler) -> list[str]:
    """How a call passes the optimizer: first, or by keyword where it is not the first argument (get_scheduler)."""
    if not spec.leading_optimizer:
        return []
    return ["optimizer"] if spec.optimizer_index == 0 else ["optimizer=optimizer"]


def call_text(spec: Scheduler, lr: float | None, kwargs: Mapping[str, Any]) -> str:
    """The constructor call as a user would write it: a library's with its non-default
    arguments only; an lrcalc family's with every argument, as ``lrcalc.name(...)``."""
    parts = _optimizer_part(spec)
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
    if kind == "strs":  # a list of texts, with or without quotes: ['30ep', '60ep'] or 30ep, 60ep
        return [item.strip().strip("'\"") for item in text.strip("[]()").replace(";", ",").replace("\n", ",").split(",") if item.strip()]
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
        value = literal(tree.body, label)
    except SyntaxError as error:
        raise FieldError(name, f"{label} could not be read: {error.msg} (got {echo(text)}).") from None
    except PasteError as error:
        raise FieldError(name, f"{error}.") from None
    expected = {"int_float_map": dict, "schedule": dict, "schedules": list, "dicts": list}[kind]
    if not isinstance(value, expected):
        shape = "a dict such as {100: 0.5, 200: 0.1}" if kind == "int_float_map" else "a dict such as {'api': ..., ...}" if kind == "schedule" else "a list"
        raise FieldError(name, f"{label} must be {shape} (got {echo(text)}).")
    return value


def _field_of(error: Exception, spec: Scheduler) -> str:
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


# ---------------------------------------------------------------- the curve


def _computable(schedule, total: int, notes: list[str]) -> int:
    """How many steps of the run the schedule can compute: ``total``, or fewer where the
    library raises (OneCycleLR past total_steps) or the value stops being finite."""

    def fine(step: int) -> bool:
        try:
            return math.isfinite(float(schedule(step)))
        except (ValueError, OverflowError, ZeroDivisionError):
            return False

    if total == 0 or fine(total - 1) and fine(0):
        return total
    low = first_failure(fine, total - 1) if fine(0) else 0
    try:
        value = float(schedule(low))
        notes.append(f"The value is not a finite number ({value!r}) from step {low:,}, so the curve stops before it.")
    except (ValueError, OverflowError, ZeroDivisionError) as error:
        notes.append(f"The library raises at step {low:,} ({error}), so the curve stops before it.")
    return low


def _summary(training: Training, schedule, steps: list[int], values: list[float], total: int) -> list[dict]:
    """Peak (and where), final, mean and current learning rates."""
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
    try:
        current = float(schedule(training.current_step))
        current_text = fmt.lr(current)
    except ValueError as error:
        current, current_text = None, f"— (the library raises: {error})"
    return [
        {"id": "peak", "label": "Peak LR", "value": peak_value, "text": f"{fmt.lr(peak_value)} at {training.where(peak_step)}"},
        {"id": "final", "label": "Final LR", "value": values[-1], "text": f"{fmt.lr(values[-1])} at {training.where(steps[-1])}"},
        {"id": "mean", "label": mean_label, "value": mean, "text": fmt.lr(mean)},
        {"id": "current", "label": f"LR at {training.unit} {training.current:,}", "value": current, "text": current_text},
    ]


def _steps_text(training: Training, summary: list[dict], found: list[tuple[int, str]], total: int) -> list[str]:
    """Where the current position falls: its scheduler step, its phase and the value."""
    current, step, unit = training.current, training.current_step, training.unit
    lines = [f"{unit.capitalize()} {current:,} is scheduler step {step:,} of the run's {total:,} (0-based)."]
    if training.stepping == "step" and unit == "epoch":
        lines[0] = f"Epoch {current:,} starts at scheduler step {current:,} × {training.steps_per_epoch:,} = {step:,} of {total:,}."
    elif training.stepping == "epoch" and unit == "step":
        lines[0] = f"Step {current:,} is in epoch floor({current:,} / {training.steps_per_epoch:,}) = {step:,}; the scheduler steps once per epoch."
    text = phases.describe(step, found, total, training.where)
    if text:
        lines.append(text)
    lines.append(f"The learning rate there is {summary[3]['text']}.")
    return lines


def _describe(spec: Scheduler, training: Training, summary: list[dict], total: int, drawn: int) -> str:
    """A sentence describing the curve, for the chart's text alternative."""
    peak, final, mean = (item["text"] for item in summary[:3])
    length = f"{total:,} scheduler steps, one per {'epoch' if training.stepping == 'epoch' else 'optimizer step'}"
    shown = "" if drawn >= total else f" Drawn from {drawn:,} of them."
    return f"{spec.name} over {length}: peak {peak}, final {final}, mean {mean}.{shown}"


def copy_text(call: str, training: Training, summary: list[dict], notes: list[str], page_url: str = "", warned: list[str] = (), counted: list[str] = ()) -> str:
    """Plain text for the clipboard: the scheduler call, the run (or how a config's run was counted), the numbers, the warnings, the notes and the link."""
    lines = ["Learning rate schedule", "", f"Scheduler: {call}", "", "Training:"]
    if counted:
        lines += [f"  {line}" for line in counted]
    else:
        lines.append(f"  Epochs: {training.epochs:,}")
        if training.steps_per_epoch is not None:
            lines.append(f"  Steps per epoch: {training.steps_per_epoch:,}")
        lines.append(f"  Scheduler steps once per: {'epoch' if training.stepping == 'epoch' else 'optimizer step'}")
        lines.append(f"  Scheduler steps in the run: {training.total:,}")
    lines += ["", "Results:"] + [f"  {item['label']}: {item['text']}" for item in summary]
    if warned:
        lines += ["", "Warnings:"] + [f"  {warning}" for warning in warned]
    if notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in notes]
    if page_url:
        lines += ["", f"Calculated with {page_url}"]
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


@dataclass(frozen=True)
class Resolved:
    """A request read and validated: the scheduler, its arguments as Python values, and the run."""

    spec: Scheduler
    lr: float | None
    kwargs: Mapping[str, Any]  # what the user gave (and what the training length filled in)
    training: Training
    notes: tuple[str, ...] = ()  # how arguments were filled in
    names: tuple[Name, ...] = ()  # a paste's names (those with roles are taken from the training length)
    bound: Mapping[str, Any] = dataclass_field(default_factory=dict)  # the values those names took from the training length
    cautions: tuple[str, ...] = ()  # warnings from reading the input (a config key one framework version ignores)
    counted: tuple[str, ...] = ()  # how a config's run was counted, said in place of the training length
    epoch_steps: int | None = None  # a config's optimizer steps per epoch (its run is drawn as one span of steps)

    def warnings(self, schedule) -> list[str]:
        """Where the call and the run disagree on length, and what happens then (:mod:`lrcalc.span`)."""
        spans = span.stated(self.spec, dict(self.kwargs), self.lr)
        return [*self.cautions, *span.warnings(schedule, spans, self.training.total, self.training.where, self.spec.name)]

    def schedule(self):
        """``schedule(step) -> lr``, exactly as the library computes it."""
        from .libraries import from_library

        return from_library(self.spec.api, lr=self.lr, **self.kwargs)

    @property
    def call(self) -> str:
        """The constructor call as the user would write it."""
        return call_text(self.spec, self.lr, self.kwargs)


def resolve(request: Mapping[str, Any]) -> Resolved:
    """Read a request (see the module docstring) into Python values, or raise ``Invalid``."""
    mode = str(request.get("mode", "library"))
    errors: dict[str, str] = {}
    if mode == "paste":
        from .pasting import resolve_paste  # the Paste mode builds on this module's parts

        return resolve_paste(request)
    if mode == "config":
        from .configuring import resolve_config  # the Config mode too

        return resolve_config(request)[0]
    else:
        try:
            spec = lookup(str(request.get("api", "")))
        except ValueError as error:
            raise Invalid({"api": f"{error}."}) from None
        kwargs = _read_arguments(spec, request.get("args") or {}, errors)
        lr = _attempt_lr(request, spec, errors)
    try:
        training = read_training(request.get("training") or {}, spec)
    except Invalid as invalid:
        errors.update(invalid.errors)
    if errors:
        raise Invalid(errors)
    notes = _fill_from_training(spec, kwargs, training)
    return Resolved(spec, lr, kwargs, training, tuple(notes))


def _read_arguments(spec: Scheduler, args: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The typed arguments as Python values (empty ones are left to the library's defaults)."""
    kwargs = {}
    for param in spec.params:
        text = str(args.get(param.name, ""))
        if param.from_training and not text.strip():
            continue
        try:
            value = read_argument(param, text)
        except FieldError as error:
            errors[error.name] = error.message
            continue
        if text.strip():
            kwargs[param.name] = value
    return kwargs


def _fill_from_training(spec: Scheduler, kwargs: dict[str, Any], training: Training) -> list[str]:
    """Give arguments that mean "the run's length" the training length when they were left out."""
    notes = []
    for param in spec.params:
        if not param.from_training or param.name in kwargs or any(kwargs.get(name) is not None for name in param.alternatives):
            continue
        kwargs[param.name] = training.total
        notes.append(f"{param.name} = {training.total:,}, the run's length in scheduler steps (from the training length; type a value to override it).")
    return notes


def _attempt_lr(request: Mapping[str, Any], spec: Scheduler, errors: dict[str, str]) -> float | None:
    """The optimizer's learning rate, or None with the error recorded."""
    try:
        return _read_lr(request, spec)
    except Invalid as error:
        errors.update(error.errors)
        return None


def explore(request: Mapping[str, Any], page_url: str = "") -> dict:
    """Answer one request from the page (see the module docstring).

    >>> out = explore({"mode": "library", "api": "torch.optim.lr_scheduler.StepLR", "lr": "0.1",
    ...                "args": {"step_size": "30"}, "training": {"epochs": "90", "stepping": "epoch"}})
    >>> [s["text"] for s in out["summary"]][:2]
    ['0.1 at epoch 0', '0.001 at epoch 89']
    """
    return answer(request, page_url)[0]


def answer(request: Mapping[str, Any], page_url: str = "") -> tuple[dict, Resolved | None]:
    """:func:`explore`'s answer, with the request as Python values (None when it has errors)."""
    mode = str(request.get("mode", "library"))
    run = None
    try:
        if mode == "config":
            from .configuring import resolve_config  # the Config mode builds on this module's parts

            resolved, run = resolve_config(request)
        else:
            resolved = resolve(request)
        try:
            schedule = resolved.schedule()
        except ValueError as error:
            field_name = mode if mode in ("paste", "config") else _field_of(error, resolved.spec)
            raise Invalid({field_name: f"{resolved.spec.name}: {error}"}) from None
    except Invalid as invalid:
        body = {"ok": False, "errors": invalid.errors}
        if mode == "paste":
            from .pasting import paste_names

            body["names"] = paste_names(request)
        return body, None
    body = _answer(resolved, schedule, page_url)
    if run is not None:
        from .configuring import config_view

        body["config"] = config_view(run)
    if mode == "paste":
        from .pasting import name_row

        typed = request.get("names") or {}
        body["names"] = [name_row(name, resolved.bound.get(name.text), bool(str(typed.get(name.text, "")).strip())) for name in resolved.names]
    return body, resolved if body["ok"] else None


def _read_lr(request: Mapping[str, Any], spec: Scheduler) -> float | None:
    """The optimizer's learning rate, for schedulers that wrap an optimizer."""
    if not spec.needs_lr:
        return None
    try:
        value = read_number("lr", "The optimizer's learning rate", str(request.get("lr", "")), "0.1")
    except FieldError as error:
        raise Invalid({"lr": error.message}) from None
    if value < 0:
        raise Invalid({"lr": f"The optimizer's learning rate must be >= 0 (got {echo(str(request.get('lr')))})."})
    return value


def log_axis(values: list[float], training: Training, steps: list[int]) -> tuple[bool, str]:
    """Whether a log axis can show the curve, and what the page should say about it."""
    positive = [i for i, v in enumerate(values) if v > 0]
    if not positive:
        return False, "Log scale is unavailable: the learning rate is never above 0."
    if len(positive) == len(values):
        return True, ""
    first = positive[0]
    if all(v > 0 for v in values[first:]):
        return True, f"On a log scale the curve starts at its first positive value, at {training.where(steps[first])}: a log axis has no 0."
    return True, "On a log scale the points at 0 or below are left out: a log axis has no 0."


def _piecewise_constant(values: list[float]) -> bool:
    """Whether a curve holds its value between changes (StepLR, milestones): drawn as steps, not slopes."""
    changes = sum(a != b for a, b in zip(values, values[1:]))
    return len(values) > 2 and changes <= len(values) // 4


def _answer(resolved: Resolved, schedule, page_url: str) -> dict:
    """The curve, the summary numbers and the notes for a valid request."""
    spec, training = resolved.spec, resolved.training
    total = training.total
    if getattr(schedule, "replayed", False) and total > MAX_REPLAYED:
        return {
            "ok": False,
            "errors": {"training.epochs": f"{spec.name} is replayed step by step; the explorer draws at most {MAX_REPLAYED:,} of its steps (this run has {total:,})."},
        }
    notes = list(resolved.notes) + list(getattr(schedule, "notes", ()))
    current = training.current_step
    total = _computable(schedule, total, notes)
    if not total:
        return {"ok": False, "errors": {"api": notes[-1] if notes else "The schedule has no values."}}
    steps = sample(0, total - 1, [current])
    values = [float(schedule(step)) for step in steps]
    if current >= total:
        notes.append(f"The current {training.unit} is past the end of the run: the value shown extends the schedule (an extrapolation).")
    summary = _summary(training, schedule, steps, values, total)
    stepped = training.stepping == "epoch" and training.unit == "step" or _piecewise_constant(values)
    call = resolved.call
    found = phases.boundaries(spec, bind(spec, dict(resolved.kwargs)), total)
    warned = resolved.warnings(schedule)
    log_ok, log_note = log_axis(values, training, steps)
    return {
        "ok": True,
        "api": spec.api,
        "library": spec.library,
        "name": spec.name,
        "call": call,
        "summary_text": _describe(spec, training, summary, total, len(steps)),
        "steps": _steps_text(training, summary, found, total),
        "copy_text": copy_text(call, training, summary, notes, page_url, warned, list(resolved.counted)),
        "arguments": {name: format_value(value) for name, value in resolved.kwargs.items()},
        "lr": resolved.lr,
        "training": training.as_dict(),
        "field_notes": dict(training.notes),
        "rewrites": dict(training.rewrites),
        "automatic": {
            "stepping": f"Automatic (per {'epoch' if spec.stepping == 'epoch' else 'optimizer step'})",
            "unit": f"Automatic ({training.stepping}s)",
        },
        "summary": summary,
        "warnings": warned,
        "notes": notes,
        "chart": {
            "x": [training.to_unit(step) for step in steps],
            "x_text": [training.where(step).split(" ", 1)[1] for step in steps],
            "y": values,
            "text": [fmt.lr(v) for v in values],
            "marker": min(range(len(steps)), key=lambda i: abs(steps[i] - min(current, steps[-1]))),
            "path": "stepped" if stepped else "linear",
            "x_label": training.unit.capitalize(),
            "point_label": training.unit.capitalize(),
            "y_label": "Learning rate",
            "log_ok": log_ok,
            "log_note": log_note,
            "marks": [{"x": training.to_unit(step), "label": f"{label} at {training.where(step)}"} for step, label in found],
            "table_note": (
                f"The chart and this table show {len(steps):,} of {total:,} scheduler steps, evenly spaced."
                if len(steps) < total
                else ""
            ),
        },
    }


