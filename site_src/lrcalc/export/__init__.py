"""Copyable code that reproduces a schedule in PyTorch, Keras, optax or Hugging Face transformers.

:func:`code` takes a configured schedule the way :func:`lrcalc.from_library`
does (a registered name such as ``lrcalc.cosine_decay`` or
``torch.optim.lr_scheduler.OneCycleLR``, the optimizer's ``lr``, the keyword
arguments) and a target, and returns a complete snippet: imports, an optimizer
placeholder, the scheduler and a two-line usage comment. Step ``i`` of the
exported code is step ``i`` of lrcalc's schedule, in each library's own
convention: for PyTorch and transformers the lr in
``optimizer.param_groups[0]["lr"]`` after ``i`` calls of ``scheduler.step()``;
for Keras and optax ``schedule(i)``.

Each target gets, in this order of preference:

1. the same library's call, as written. The transformers target takes
   PyTorch's schedulers as written too: its ``Trainer`` accepts any of them;
2. a built-in of the target library that gives exactly the same values at
   every step, such as Keras' ``ExponentialDecay(staircase=True)`` for a step
   decay. Never one that agrees only up to the end of the schedule: PyTorch's
   ``CosineAnnealingLR`` rises again after ``T_max`` and its ``OneCycleLR``
   raises after ``total_steps``, so neither stands in for a schedule that holds;
3. the closed form written out, following lrcalc's formulas operation by
   operation: a ``LambdaLR`` (PyTorch, transformers), a function of ``count``
   with ``jax.numpy`` (optax), a small ``LearningRateSchedule`` with
   ``keras.ops`` (Keras);
4. otherwise :class:`Unavailable`, saying why. Schedules PyTorch replays step
   by step (``SequentialLR``, ``ChainedScheduler``) and those driven by a
   metric have no closed form: they exist in PyTorch (and transformers) only.

Nothing here names a scheduler: each record says what it equals (``same_as``),
which families it stands for (``standing_for``), its closed form and, for a
dispatcher, what it builds. The package's parts: :mod:`.expr` (the expression
language and its dialects), :mod:`.natives` (the constructors a snippet
writes), :mod:`.snippets` (the layout of the code). Numbers are written with
``repr``, so they read back exactly. The curves the snippets give under the
real libraries are recorded in ``tests/reference/exports.json`` and checked
against lrcalc's own.

>>> print(code("lrcalc.step_decay", None, {"init_value": 0.1, "step_size": 30, "decay_factor": 0.5}, "optax"))
import optax
<BLANKLINE>
schedule = optax.exponential_decay(init_value=0.1, transition_steps=30, decay_rate=0.5, staircase=True)
optimizer = optax.sgd(learning_rate=schedule)
<BLANKLINE>
# opt_state = optimizer.init(params); each optimizer.update(...) advances the step count by one,
# so schedule(i) is the learning rate of update i (count epochs in updates: i = epoch * updates_per_epoch).
<BLANKLINE>
"""

from __future__ import annotations

from typing import Any

from ..libraries import apis, bind, from_library, lookup
from .expr import Unavailable, format_value, nested
from .natives import OWNERS, Call, Native
from .snippets import TARGETS, Source, closed_body, custom_reason, custom_snippet, native_snippet

__all__ = ["TARGETS", "Unavailable", "all_code", "code", "format_value", "native_call"]

LIBRARY_OF = {"pytorch": ("torch",), "keras": ("keras",), "optax": ("optax",), "transformers": ("transformers", "torch")}
"""The libraries whose schedulers each target can run (the Trainer takes PyTorch's too)."""


def code(api: str, lr: float | None, kwargs: dict[str, Any], target: str) -> str:
    """A complete snippet for ``target`` that gives the schedule's values exactly.

    Args:
      api: a registered name (``lrcalc.cosine_decay``, ``torch.optim.lr_scheduler.StepLR``, ...).
      lr: the optimizer's learning rate for schedulers that wrap one, else None.
      kwargs: the constructor's keyword arguments, as for :func:`lrcalc.from_library`.
      target: one of :data:`TARGETS`.

    Returns:
      Python source: imports, the optimizer, the scheduler and how to step it.

    Raises:
      ValueError: an unknown target, or arguments lrcalc itself rejects.
      Unavailable: the target cannot express this schedule; the message says why.
    """
    return _export(api, lr, kwargs, target)[0]


def all_code(api: str, lr: float | None, kwargs: dict[str, Any]) -> dict[str, dict[str, str | None]]:
    """Every target's snippet, or why there is none: ``{target: {"code": str | None, "reason": str}}``.

    ``reason`` says how the snippet reproduces the schedule (the library's own
    call, an exact equivalent, or the closed form written out), or why the
    target cannot express it.
    """
    answers = {}
    for target in TARGETS:
        try:
            text, how = _export(api, lr, kwargs, target)
            answers[target] = {"code": text, "reason": how}
        except Unavailable as error:
            answers[target] = {"code": None, "reason": str(error)}
    return answers


def native_call(api: str, lr: float | None, kwargs: dict[str, Any], target: str) -> tuple[str, dict[str, Any], float | None] | None:
    """The target library's own constructor that gives the schedule's values, as (api, keyword arguments, lr), or None."""
    spec = lookup(api)
    schedule = from_library(spec.api, lr=lr, **kwargs)
    native = _native(Source(spec, lr, bind(spec, dict(kwargs)), dict(kwargs), schedule), target)
    return None if native is None else (native.call.name, dict(native.call.keywords), native.lr)


def _export(api: str, lr: float | None, kwargs: dict[str, Any], target: str) -> tuple[str, str]:
    """The snippet, and a sentence saying how it reproduces the schedule."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)} (got {target!r})")
    spec = lookup(api)
    schedule = from_library(spec.api, lr=lr, **kwargs)  # lrcalc's own checks first
    source = Source(spec, lr, bind(spec, dict(kwargs)), dict(kwargs), schedule)
    native = _native(source, target)
    if native is not None:
        return native_snippet(native, source, target), native.reason
    return custom_snippet(closed_body(source, target), source, target), custom_reason(target)


# ---------------------------------------------------------------- the target's own constructor


def _native(source: Source, target: str) -> Native | None:
    """The target library's own constructor giving the schedule's values, or None."""
    written = _as_written(source, target)
    if written is not None:
        return written
    built = _dispatched(source)
    if built is not None:
        return _native(built, target)
    family = _as_family(source)
    if family is None:
        return None
    api, kwargs = family
    native = _standing_for(api, bind(lookup(api), kwargs), target)
    if native is not None and (source.spec.library != "lrcalc" or native.metric):
        native.reason = f"{native.reason[:-1]} as {source.spec.name}."
    return native


def _standing_for(family: str, kwargs: dict[str, Any], target: str) -> Native | None:
    """The first scheduler of the target's libraries that stands for ``family`` with these arguments."""
    for library in LIBRARY_OF[target]:
        for spec in apis(library):
            build = spec.stands_for.get(family)
            native = build(kwargs) if build else None
            if native is not None:
                return native
    return None


def _dispatched(source: Source) -> Source | None:
    """What a dispatcher (``get_scheduler``, ``create_scheduler_v2``) builds; None for other schedulers."""
    if source.spec.resolve is None:
        return None
    api, inner, lr = source.spec.resolve(source.lr, source.kw)
    built = lookup(api)
    return Source(built, None if built.library == "lrcalc" else lr, bind(built, inner), inner, source.schedule)


def _written(key: str, value: Any, module: str) -> Any:
    """An argument as written in the snippet: nested ``{"api": ...}`` schedulers become calls on the same
    optimizer, and the keys of optax's ``boundaries_and_scales`` whole numbers again."""
    if key == "boundaries_and_scales" and isinstance(value, dict):
        return {int(k): v for k, v in value.items()}
    if isinstance(value, list):
        return [_written("", v, module) for v in value]
    if isinstance(value, dict) and "api" in value:
        api, inner = nested(value, module)
        spec = lookup(api)
        return Call(spec.api, {k: _written(k, v, module) for k, v in inner.items()}, ("optimizer",) if spec.leading_optimizer else ())
    return value


def _as_written(source: Source, target: str) -> Native | None:
    """The same library's call, as written (without ``metrics``, which go to step())."""
    spec, library, lr = source.spec, source.spec.library, source.lr
    if library not in LIBRARY_OF[target] or library == "lrcalc":
        return None
    constructor = {p.name for p in spec.params if p.positional}
    module = spec.api.rsplit(".", 1)[0] + "."
    arguments = {k: _written(k, v, module) for k, v in source.given.items() if k in constructor}
    built = _dispatched(source)
    metric = (built or source).spec.driven_by_metric
    reason = f"{OWNERS[library]} own {spec.name}, as written."
    if library in ("keras", "optax"):
        return Native(Call(spec.api, arguments), reason)
    if spec.resolve is not None and library == "transformers":  # get_scheduler(name, optimizer=..., ...)
        call = Call(spec.api, {"name": arguments.pop("name"), **arguments}, ("optimizer=optimizer",))
    else:
        call = Call(spec.api, arguments, ("optimizer",) if spec.leading_optimizer else ())
    momentum = bool(source.kw.get("cycle_momentum")) and library == "torch"
    return Native(call, reason, lr, momentum, metric, hf=library == "transformers")


def _as_family(source: Source) -> tuple[str, dict[str, Any]] | None:
    """The lrcalc family with exactly the same values, to look up other libraries' built-ins."""
    if source.spec.library == "lrcalc":
        return source.spec.api, source.kw
    candidate = source.spec.equals(source.lr, source.kw) if source.spec.equals else None
    if candidate is None:
        return None
    try:
        from_library(candidate[0], **candidate[1])  # within the family's own rules (init_value > 0, ...)
    except ValueError:
        return None
    return candidate

