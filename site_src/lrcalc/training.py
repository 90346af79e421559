"""The training length a schedule is read over: epochs, steps per epoch, stepping, the unit to read in.

A scheduler steps either once per optimizer step (a batch, after gradient
accumulation) or once per epoch; by default as its library's users step it
(:func:`convention`), or as the user chooses. ``steps_per_epoch`` (given, or
worked out as ``ceil(ceil(dataset_size / batch_size) / accumulation)``: every
batch, a last partial one included, and a last partial accumulation counted as
an update, as Hugging Face's Trainer counts in transformers 5) converts between
the two, and the curve can be read in either unit; a position typed in one unit
is converted when the unit changes. Steps per epoch is never assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from . import fmt
from .forms import FieldError, Invalid, echo, read_whole
from .libraries import Scheduler

MAX_STEPS = 10_000_000
"""The longest run, in scheduler steps."""


_CONVENTIONS = {
    ("torch", "epoch"): "PyTorch's examples call scheduler.step() once per epoch",
    ("torch", "step"): "PyTorch's documentation calls scheduler.step() after every batch",
    ("keras", "step"): "Keras evaluates a schedule at the optimizer's iteration count",
    ("optax", "step"): "optax evaluates a schedule at the optimizer's update count",
    ("transformers", "step"): "the Trainer steps it after every optimizer step",
    ("timm", "epoch"): "timm's train.py calls scheduler.step(epoch) once per epoch",
    ("deepspeed", "step"): "the DeepSpeed engine steps it after every optimizer step",
    ("lrcalc", "epoch"): "lrcalc's families count epochs unless told otherwise",
}
"""Why each library's scheduler steps as it does by default (the "Automatic" choice)."""


def convention(spec: Scheduler) -> str:
    """How ``spec`` is usually stepped, and why, for the page's "Automatic" choice."""
    how = "once per epoch" if spec.stepping == "epoch" else "after every optimizer step"
    why = _CONVENTIONS.get((spec.library, spec.stepping), "its library's convention")
    return f"{spec.name} steps {how}: {why}."


@dataclass(frozen=True)
class Training:
    """The run a schedule is read over: its length, what one scheduler step is, and where to read."""

    epochs: int
    steps_per_epoch: int | None  # None: not given, and not needed (per-epoch stepping read in epochs)
    stepping: str  # "step" (after every optimizer step) or "epoch"
    unit: str  # "step" or "epoch": how positions are shown and typed
    current: int  # the position to read, in ``unit``
    per_epoch_source: str = "given"  # "given", "dataset" or "none"
    stepping_chosen: bool = False  # False: the scheduler's own convention ("Automatic")
    notes: Mapping[str, str] = field(default_factory=dict)  # per field: how a value was worked out
    rewrites: Mapping[str, str] = field(default_factory=dict)  # field texts that replace what was typed

    @property
    def total(self) -> int:
        """Scheduler steps in the run."""
        return self.epochs * (self.steps_per_epoch or 1) if self.stepping == "step" else self.epochs

    @property
    def current_step(self) -> int:
        """The scheduler step in effect at the current position."""
        return self.to_step(self.current)

    def to_step(self, x: float) -> int:
        """The scheduler step in effect at position ``x`` of the chosen unit."""
        if self.stepping == self.unit:
            return int(x)
        per = self.steps_per_epoch or 1
        return int(x * per) if self.stepping == "step" else int(x // per)

    def to_unit(self, step: int) -> float:
        """Where scheduler step ``step`` starts, in the chosen unit."""
        if self.stepping == self.unit:
            return step
        per = self.steps_per_epoch or 1
        return step / per if self.stepping == "step" else step * per

    def where(self, step: int) -> str:
        """``step 300`` or ``epoch 2.5``: where a scheduler step falls, in the chosen unit."""
        position = self.to_unit(step)
        shown = f"{position:,}" if float(position).is_integer() else fmt.lr(position)
        return f"{self.unit} {shown.removesuffix('.0')}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON the page gets."""
        return {
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "per_epoch_source": self.per_epoch_source,
            "stepping": self.stepping,
            "stepping_chosen": self.stepping_chosen,
            "unit": self.unit,
            "total": self.total,
            "current": self.current,
        }


_TEXT_KEYS = ("epochs", "steps_per_epoch", "dataset_size", "batch_size", "accumulation", "stepping", "unit", "current", "stepping_was", "unit_was")


def read_training(raw: Mapping[str, Any], spec: Scheduler) -> Training:
    """Epochs, steps per epoch, how often the scheduler steps, and the position to read.

    ``stepping`` and ``unit`` may be ``auto`` (or empty): the scheduler's own
    convention, and the unit it steps in. ``stepping_was`` and ``unit_was`` are
    their choices before the user changed one of them: when the unit they gave
    (for the same scheduler) is not the unit now, the position is converted into
    it (``rewrites`` carries the new text). Changing the scheduler converts
    nothing. Steps per epoch is needed whenever steps are involved: given, or
    worked out from the dataset, never assumed.
    """
    text = {key: str(raw.get(key, "")).strip() for key in _TEXT_KEYS}
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}

    def attempt(key: str, reader):
        try:
            return reader()
        except FieldError as error:
            errors[f"training.{key}"] = error.message
            return None

    epochs = attempt("epochs", lambda: read_whole("training.epochs", "Number of epochs", text["epochs"], 1, MAX_STEPS))
    chosen = text["stepping"] not in ("", "auto")
    stepping, unit = _effective(text["stepping"], text["unit"], spec)
    if stepping not in ("step", "epoch"):
        errors["training.stepping"] = f"The scheduler steps per 'step' (batch) or per 'epoch' (got {echo(text['stepping'])})."
    if unit not in ("step", "epoch"):
        errors["training.unit"] = f"Read the curve in 'step' or 'epoch' (got {echo(text['unit'])})."
    typed_in = unit
    if text["stepping_was"] or text["unit_was"]:
        _, was = _effective(text["stepping_was"] or text["stepping"], text["unit_was"] or text["unit"], spec)
        typed_in = was if was in ("step", "epoch") else unit
    if not chosen and stepping in ("step", "epoch"):
        notes["training.stepping"] = f"Automatic: {convention(spec)}"
    needed = "step" in (stepping, unit, typed_in)
    per_epoch, source = attempt("steps_per_epoch", lambda: _steps_per_epoch(text, needed, notes, errors)) or (None, "none")
    if errors:
        raise Invalid(errors)
    total = epochs * per_epoch if stepping == "step" else epochs
    if total > MAX_STEPS:
        raise Invalid({"training.epochs": f"The run has {total:,} scheduler steps; the explorer draws at most {MAX_STEPS:,}."})

    def length(in_unit: str) -> int:
        return epochs * per_epoch if in_unit == "step" else epochs

    try:
        typed = read_whole("training.current", f"Current {typed_in}", text["current"] or "0", 0, 2 * length(typed_in))
    except FieldError as error:
        raise Invalid({error.name: error.message}) from None
    current, rewrites = typed, {}
    if typed_in != unit:
        current = typed * per_epoch if unit == "step" else typed // per_epoch
        rewrites["training.current"] = str(current)
        if current != typed:
            notes["training.current"] = _converted(typed, typed_in, current, unit, per_epoch)
    return Training(epochs, per_epoch, stepping, unit, current, source, chosen, notes, rewrites)


def _effective(stepping: str, unit: str, spec: Scheduler) -> tuple[str, str]:
    """What one scheduler step is and the unit positions are read in, "auto" resolved for ``spec``."""
    stepping = stepping if stepping not in ("", "auto") else spec.stepping
    return stepping, stepping if unit in ("", "auto") else unit


def _steps_per_epoch(text: Mapping[str, str], needed: bool, notes: dict, errors: dict) -> tuple[int | None, str]:
    """Steps per epoch as given, or worked out from the dataset (said in a note), or None when not needed."""
    if text["steps_per_epoch"]:
        return read_whole("training.steps_per_epoch", "Steps per epoch", text["steps_per_epoch"], 1, MAX_STEPS), "given"
    if text["dataset_size"] or text["batch_size"]:
        sizes = []
        for key, label, high in (("dataset_size", "Dataset size", 10**12), ("batch_size", "Batch size", 10**9), ("accumulation", "Gradient accumulation", 10**6)):
            try:
                sizes.append(read_whole(f"training.{key}", label, text[key] or ("1" if key == "accumulation" else ""), 1, high))
            except FieldError as error:
                errors[error.name] = error.message
        if len(sizes) < 3:
            return None, "dataset"
        size, batch, accumulate = sizes
        batches = math.ceil(size / batch)
        per_epoch = math.ceil(batches / accumulate)
        notes["training.steps_per_epoch"] = (
            f"Worked out from the dataset: ⌈{size:,} / {batch:,}⌉ = {batches:,} batches"
            + (f", ⌈{batches:,} / {accumulate:,}⌉ = {per_epoch:,} optimizer steps" if accumulate > 1 else "")
            + f" per epoch, so {per_epoch:,} steps per epoch (a last partial batch or accumulation counts, as in Hugging Face's Trainer)."
        )
        return per_epoch, "dataset"
    if needed:
        raise FieldError(
            "training.steps_per_epoch",
            "Steps per epoch is required when the scheduler steps per optimizer step or the curve is read in steps: "
            "enter the optimizer steps per epoch (such as 100), or leave it empty and give the dataset size and batch size.",
        )
    return None, "none"


def _converted(typed: int, typed_in: str, current: int, unit: str, per_epoch: int) -> str:
    """The note for a position converted between steps and epochs."""
    if unit == "step":
        return f"Converted from epoch {typed:,}: epoch {typed:,} starts at step {typed:,} × {per_epoch:,} = {current:,}."
    inside = "" if typed % per_epoch == 0 else f" (step {typed:,} is inside it; it starts at step {current * per_epoch:,})"
    return f"Converted from step {typed:,}: it falls in epoch {current:,}{inside}."


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
        "default": "auto",
        "hint": "Call scheduler.step() after every optimizer step, or once an epoch. Automatic follows the scheduler's library.",
        "choices": [["auto", "Automatic (as its library does)"], ["step", "optimizer step (batch)"], ["epoch", "epoch"]],
    },
    {
        "name": "unit",
        "label": "Show the curve in",
        "default": "auto",
        "hint": "Read the chart and the numbers in steps or in epochs; the current position is converted when this changes.",
        "choices": [["auto", "Automatic (as it steps)"], ["step", "steps"], ["epoch", "epochs"]],
    },
    {"name": "current", "label": "Current position", "default": "0", "hint": "The step or epoch (in the unit above) to read the learning rate at.", "inputmode": "numeric"},
)
"""The training-length fields of the explorer modes, as the page renders them."""
