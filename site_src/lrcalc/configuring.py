"""The page's Config mode: a training config read by :mod:`lrcalc.configs`, drawn per optimizer step.

:func:`resolve_config` reads the config's text and the values it cannot say
(the training set's size or the optimizer steps per epoch, the number of
devices), works out the run as the framework does and gives the explorer the
scheduler the framework builds, stepped once per optimizer step over the whole
run. Everything else (results, chart, warnings, code, link, comparison) is the
explorer's, as for the other modes.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from . import configs
from .explore import Resolved
from .forms import FieldError, Invalid, read_whole
from .training import MAX_STEPS, Training

RUN_FIELDS: list[dict[str, str]] = [
    {"name": "dataset_size", "label": "Training examples", "default": "10000", "inputmode": "numeric",
     "hint": "len(train_dataset): the examples in one epoch. Not needed when the config sets max_steps."},
    {"name": "steps_per_epoch", "label": "Or optimizer steps per epoch", "default": "", "inputmode": "numeric",
     "hint": "Instead of the examples: the optimizer steps one epoch takes (as your logs show them)."},
    {"name": "devices", "label": "Devices", "default": "1", "inputmode": "numeric",
     "hint": "GPUs (data-parallel processes): each takes its share of every epoch's batches."},
    {"name": "current", "label": "Current optimizer step", "default": "0", "inputmode": "numeric",
     "hint": "The optimizer step (0-based) to read the learning rate at."},
]
"""What a config cannot say, as the page asks for it."""

RUN_DEFAULTS = {f["name"]: f["default"] for f in RUN_FIELDS}


def resolve_config(request: Mapping[str, Any]) -> tuple[Resolved, configs.Run]:
    """The scheduler a config builds and the run, read from the page's request; ``Invalid`` with field errors."""
    raw = request.get("run") or {}
    text = {name: str(raw.get(name, "")).strip() for name in RUN_DEFAULTS}
    errors: dict[str, str] = {}

    def whole(name: str, label: str, low: int, high: int, default: str = "") -> int | None:
        if not text[name] and not default:
            return None
        try:
            return read_whole(f"run.{name}", label, text[name] or default, low, high)
        except FieldError as error:
            errors[error.name] = error.message
            return None

    dataset_size = whole("dataset_size", "Training examples", 1, 10**12)
    steps_per_epoch = whole("steps_per_epoch", "Optimizer steps per epoch", 1, MAX_STEPS)
    devices = whole("devices", "Devices", 1, 1_000_000, default="1") or 1
    try:
        run = configs.from_config(str(request.get("config", "")), dataset_size=dataset_size, steps_per_epoch=steps_per_epoch, devices=devices)
    except configs.ConfigError as error:
        raise Invalid({"config": _sentence(str(error)), **errors}) from None
    if errors:
        raise Invalid(errors)
    if run.asked:
        asked = run.asked[0]
        if asked.name == "dataset_size":
            raise Invalid({"run.dataset_size": "Give the number of training examples (or the optimizer steps per epoch): the config sets the run in epochs, and how many optimizer steps an epoch has depends on it."})
        raise Invalid({f"run.{asked.name}": f"Give the {asked.label.lower()}: {asked.hint}."})
    if run.total_steps > MAX_STEPS:
        raise Invalid({"run.dataset_size": f"The run has {run.total_steps:,} optimizer steps; the calculator draws at most {MAX_STEPS:,}."})
    try:
        current = read_whole("run.current", "Current optimizer step", text["current"] or "0", 0, 2 * run.total_steps)
    except FieldError as error:
        raise Invalid({error.name: error.message}) from None
    if run.epoch_stepped:  # a per-epoch scheduler drawn over the run's optimizer steps
        training = Training(epochs=math.ceil(run.total_steps / run.steps_per_epoch), steps_per_epoch=run.steps_per_epoch, stepping="epoch", unit="step", current=current)
    else:
        training = Training(epochs=1, steps_per_epoch=run.total_steps, stepping="step", unit="step", current=current)
    resolved = Resolved(run.spec, run.lr, dict(run.kwargs), training, tuple(run.notes), cautions=tuple(run.warnings),
                        counted=(read_as(run.framework), *run.counting), epoch_steps=run.steps_per_epoch)
    return resolved, run


def read_as(framework: str) -> str:
    """``Read as a Lightning CLI config``, ``Read as an OpenMMLab ... config``."""
    return f"Read as {'an' if framework[:1].lower() in 'aeiou' else 'a'} {framework} config"


def config_view(run: configs.Run) -> dict[str, Any]:
    """What the page lists under the config: the framework, how the steps were counted, the keys used and ignored."""
    return {
        "framework": run.framework,
        "read_as": read_as(run.framework) + ".",
        "counting": list(run.counting),
        "used": [f"{key}: {_shown(value)}" for key, value in run.used.items()],
        "defaults": [f"{key}: {_shown(value)}" for key, value in run.defaults.items()],
        "ignored": list(run.ignored),
        "steps_per_epoch": run.steps_per_epoch,
        "total_steps": run.total_steps,
    }


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."
