"""The layout of an exported snippet: imports, the optimizer, the scheduler, how to step it.

A snippet is either a library's own constructor (:class:`~lrcalc.export.natives.Native`)
or the closed form written out (:func:`custom_snippet`): a ``LambdaLR`` for
PyTorch and transformers, a ``LearningRateSchedule`` with ``keras.ops`` for
Keras, a function of ``count`` with ``jax.numpy`` for optax.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .. import fmt
from ..libraries import Scheduler
from .expr import JAX, KERAS, PYTHON, STEP, Body, Dialect, Expr, Unavailable, closed_at, format_value, render, uses
from .expr import _MATH
from .natives import Call, Native

TARGETS = ("pytorch", "keras", "optax", "transformers")
"""The libraries code is exported to."""

TARGET_LABELS = {"pytorch": "PyTorch", "keras": "Keras", "optax": "optax", "transformers": "Hugging Face transformers"}

WIDTH = 120
"""Lines longer than this are broken one argument per line."""


@dataclass
class Source:
    """The schedule being exported: spec, lr, arguments with defaults, arguments as given, lrcalc's schedule."""

    spec: Scheduler
    lr: float | None
    kw: dict[str, Any]
    given: dict[str, Any]
    schedule: Callable[[int], float]


def custom_reason(target: str) -> str:
    """How a written-out closed form reproduces the schedule on ``target``."""
    return CUSTOM_REASON[target]




def _source(value: Any, indent: int = 0, column: int = 0) -> str:
    """Python source for a value or a Call; a call that does not fit is broken one argument per line."""
    if isinstance(value, Call):
        parts = list(value.positional) + [f"{k}={_source(v, indent + 4, indent + 5 + len(k))}" for k, v in value.keywords.items()]
        flat = f"{value.name}({', '.join(_one_line(p) for p in parts)})"
        if column + len(flat) <= WIDTH:
            return flat
        pad = " " * (indent + 4)
        return f"{value.name}(\n" + "".join(f"{pad}{p},\n" for p in parts) + " " * indent + ")"
    if isinstance(value, list) and any(isinstance(v, Call) for v in value):
        items = [_source(v, indent + 4, indent + 4) for v in value]
        flat = "[" + ", ".join(_one_line(i) for i in items) + "]"
        if column + len(flat) <= WIDTH:
            return flat
        return "[\n" + "".join(f"{' ' * (indent + 4)}{i},\n" for i in items) + " " * indent + "]"
    return format_value(value)


def _one_line(text: str) -> str:
    """A fragment from :func:`_source` on one line."""
    if "\n" not in text:
        return text
    lines = [line.strip() for line in text.splitlines()]
    return lines[0] + " ".join(lines[1:-1]).rstrip(",") + lines[-1]


def _assign(name: str, call: Call) -> str:
    return f"{name} = {_source(call, 0, len(name) + 3)}"


KERAS_USAGE = ["# model.compile(optimizer=optimizer, ...): Keras calls schedule(optimizer.iterations) once per batch,",
               "# so schedule(i) is the learning rate of batch i (count epochs in batches: i = epoch * steps_per_epoch)."]
OPTAX_USAGE = ["# opt_state = optimizer.init(params); each optimizer.update(...) advances the step count by one,",
               "# so schedule(i) is the learning rate of update i (count epochs in updates: i = epoch * updates_per_epoch)."]


def _torch_usage(source: Source, metric: bool, hf: bool) -> list[str]:
    """How to step it: per step or epoch, with a metric, or by the Trainer."""
    if metric:
        if hf:
            return ["# The Trainer steps it with the evaluation metric (metric_for_best_model); in your own loop,",
                    "# scheduler.step(metric) after each evaluation. After i such calls the lr is lrcalc's step i."]
        return ["# After each evaluation: scheduler.step(metric), with the validation loss or accuracy. After i such",
                "# calls, optimizer.param_groups[0]['lr'] is lrcalc's step i."]
    if hf:
        return ["# Trainer(model=model, args=args, optimizers=(optimizer, scheduler)) steps it after every optimizer step;",
                "# in your own loop: optimizer.step(), then scheduler.step()."]
    unit = "epoch" if source.spec.stepping == "epoch" else "step"
    return [f"# Training loop: optimizer.step(), then scheduler.step() once per {unit}. After i calls,",
            f"# optimizer.param_groups[0]['lr'] is the learning rate of {unit} i."]


def _torch_setup(lr: str, momentum: bool, hf: bool) -> list[str]:
    """The model and optimizer placeholders (AdamW for the Trainer, as it uses by default)."""
    if hf:
        optimizer = f"torch.optim.AdamW(model.parameters(), lr={lr})"
    else:
        optimizer = f"torch.optim.SGD(model.parameters(), lr={lr}{', momentum=0.9' if momentum else ''})"
    return ["model = torch.nn.Linear(1, 1)", f"optimizer = {optimizer}"]


def _layout(imports: list[str], definitions: list[str], statements: list[str], usage: list[str]) -> str:
    """Imports, top-level definitions (two blank lines around each), statements, then the usage comment."""
    blocks = ["\n".join(imports), *definitions]
    return "\n\n\n".join(blocks) + ("\n\n\n" if definitions else "\n\n") + "\n".join(statements) + "\n\n" + "\n".join(usage) + "\n"


def native_snippet(native: Native, source: Source, target: str) -> str:
    if target == "keras":
        return _layout(["import keras"], [], [_assign("schedule", native.call), "optimizer = keras.optimizers.SGD(learning_rate=schedule)"], KERAS_USAGE)
    if target == "optax":
        return _layout(["import optax"], [], [_assign("schedule", native.call), "optimizer = optax.sgd(learning_rate=schedule)"], OPTAX_USAGE)
    hf = target == "transformers"
    imports = ["import torch"] + (["import transformers"] if native.hf else [])
    statements = _torch_setup(format_value(native.lr), native.momentum, hf) + [_assign("scheduler", native.call)]
    return _layout(imports, [], statements, _torch_usage(source, native.metric, hf))


CUSTOM_REASON = {
    "pytorch": "No PyTorch built-in gives exactly these values, so this is the closed form in a LambdaLR.",
    "transformers": "No built-in gives exactly these values, so this is the closed form in a LambdaLR (the Trainer takes any PyTorch scheduler).",
    "keras": "No Keras built-in gives exactly these values, so this is the closed form in a LearningRateSchedule.",
    "optax": "No optax built-in gives exactly these values, so this is the closed form as a function of the step count.",
}


def closed_body(source: Source, target: str) -> tuple[Body, Expr]:
    """The closed form of the source schedule, or Unavailable saying why the target cannot express it."""
    from ..libraries import lookup

    from ..libraries import bind

    label, spec = TARGET_LABELS[target], source.spec
    built, lr, kw = spec, source.lr, source.kw
    while built.resolve:  # a dispatcher (or a chain of them): what it builds in the end
        api, inner, lr = built.resolve(lr, kw)
        built = lookup(api)
        kw = bind(built, inner)
    if built.driven_by_metric:
        raise Unavailable(f"{label} cannot express it: {_METRIC_REASON[target].format(name=built.name, why=_metric_rule(built))}.")
    body = Body()
    try:
        return body, closed_at(body, STEP, spec.api, source.lr, source.given)
    except Unavailable as error:
        replayed = spec.library == "torch" and spec.closed is None
        hint = " (PyTorch and transformers run it as it is)" if replayed else ""
        raise Unavailable(f"{label} cannot express it: {error}{hint}.") from None


_METRIC_REASON = {
    "keras": "{name} follows the metric passed to each step(), and Keras has no schedule driven by a metric "
             "(keras.callbacks.ReduceLROnPlateau is a callback with its own rule, not a LearningRateSchedule)",
    "optax": "{name} follows the metric passed to each step(), and optax has no schedule driven by a metric "
             "(optax.contrib.reduce_on_plateau scales the updates by its own rule; it is not a learning-rate schedule)",
    "pytorch": "{name} follows the metric passed to each step() by a rule PyTorch's ReduceLROnPlateau does not have: {why}",
    "transformers": "{name} follows the metric passed to each step() by a rule PyTorch's ReduceLROnPlateau does not have: {why}",
}


def _metric_rule(spec: Scheduler) -> str:
    if spec.library == "timm":
        return "it warms up first (warmup_t > 0)"
    return "it also raises the lr after sustained improvement (transformers runs it as it is)"


def _describe(source: Source, room: int) -> str:
    """The source call on one line if it fits in ``room`` characters, else its name (for a docstring)."""
    spec = source.spec
    text = f"{spec.api}({', '.join(f'{k}={format_value(v)}' for k, v in source.given.items())})"
    if spec.needs_lr:
        text += f" with lr={format_value(source.lr)}"
    return text if len(text) <= room else spec.api


def _function_lines(body: Body, value: Expr, d: Dialect, indent: str) -> list[str]:
    return [f"{indent}{name} = {render(e, d)}" for name, e in body.lines] + [f"{indent}return {render(value, d)}"]


def custom_snippet(closed: tuple[Body, Expr], source: Source, target: str) -> str:
    body, value = closed
    expressions = [value] + [e for _, e in body.lines]
    if target == "keras":
        doc = _describe(source, WIDTH - 24)
        if uses(value, {"step", "name"}):
            lines = ["        step = ops.cast(step, keras.config.floatx())", *_function_lines(body, value, KERAS, " " * 8)]
        else:
            lines = [f"        return ops.convert_to_tensor({render(value, KERAS)}, dtype=keras.config.floatx())"]
        klass = "\n".join([
            "class LRSchedule(keras.optimizers.schedules.LearningRateSchedule):",
            f'    """{doc}, written out."""',
            "",
            "    def __call__(self, step):",
            *lines,
            "",
            "    def get_config(self):",
            "        return {}",
        ])
        imports = (["import math", ""] if any(uses(e, {"pi"}) for e in expressions) else []) + ["import keras", "from keras import ops"]
        return _layout(imports, [klass], ["schedule = LRSchedule()", "optimizer = keras.optimizers.SGD(learning_rate=schedule)"], KERAS_USAGE)
    if target == "optax":
        doc = _describe(source, WIDTH - 57)
        lines = _function_lines(body, value, JAX, " " * 4) if uses(value, {"step", "name"}) else [f"    return jnp.asarray({render(value, JAX)})"]
        function = "\n".join(["def schedule(count):", f'    """The learning rate at step count: {doc}, written out."""', *lines])
        return _layout(["import jax.numpy as jnp", "import optax"], [function], ["optimizer = optax.sgd(learning_rate=schedule)"], OPTAX_USAGE)
    hf, doc = target == "transformers", _describe(source, WIDTH - 51)
    function = "\n".join(["def lr_at(step):", f'    """The learning rate at step: {doc}, written out."""', *_function_lines(body, value, PYTHON, " " * 4)])
    imports = (["import math", ""] if any(uses(e, {"pi", *_MATH}) for e in expressions) else []) + ["import torch"]
    base = f"BASE_LR = {format_value(_base_lr(source))}  # the optimizer's lr; LambdaLR multiplies it by lr_at(step) / BASE_LR"
    statements = _torch_setup("BASE_LR", False, hf) + ["scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_at(step) / BASE_LR)"]
    return _layout(imports, [base + "\n\n\n" + function], statements, _torch_usage(source, False, hf))


def _base_lr(source: Source) -> float:
    """The optimizer's lr around a LambdaLR: the given lr, else the schedule's peak to 4 significant digits."""
    if source.lr:
        return source.lr
    numbers = [n for n in _whole_numbers(source.given) if 0 <= n <= 1_000_000]
    horizon = max([1, *numbers])
    probes = {round(i * horizon / 256) for i in range(257)} | {n + d for n in numbers for d in (-1, 0, 1) if n + d >= 0}
    peak = 0.0
    for step in sorted(probes):
        try:
            value = float(source.schedule(step))
        except ValueError:
            break
        peak = max(peak, value) if math.isfinite(value) else peak
    return float(fmt.lr(peak)) if peak > 0 else 1.0


def _whole_numbers(value: Any) -> list[int]:
    """Every whole number in the arguments (dict keys too), where the schedule's knots are."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        return [int(value)] if value.isdigit() else []
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _whole_numbers(v)]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _whole_numbers(k) + _whole_numbers(v)]
    return []
