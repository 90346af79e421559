"""The Paste mode: a pasted call, the values typed for its names, and the training length it states.

:func:`resolve_paste` reads the call with :func:`lrcalc.paste.parse_call`, gives
its names the values the user typed, and the ones that are the run's epochs,
steps per epoch or total steps the training length's (so one value is typed
once). When the call is new (``paste_was`` differs from ``paste``), the
training length and the stepping are taken from the call where it states them
(:mod:`lrcalc.span`), each field with a note saying so; they stay editable.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any, Mapping

from . import span
from .explore import Resolved, _attempt_lr, _fill_from_training, format_value
from .forms import Invalid, echo
from .paste import Name, PasteError, literal, parse_call
from .training import read_training


def resolve_paste(request: Mapping[str, Any]) -> Resolved:
    """A pasted call: read, its names given what the user typed and what the training length says, checked."""
    errors: dict[str, str] = {}
    text = str(request.get("paste", ""))
    typed = read_names(request.get("names") or {}, errors)
    try:
        first = parse_call(text, typed)
    except PasteError as error:
        raise Invalid({"paste": f"{error}."}) from None
    spec = first.spec
    lr = first.lr if first.lr is not None else _attempt_lr(request, spec, errors)
    raw = dict(request.get("training") or {})
    taken: dict[str, str] = {}
    if isinstance(request.get("paste_was"), str) and request["paste_was"] != text:
        raw, taken = _take_from_call(first, lr, raw, typed)
    try:
        training = read_training(raw, spec)
    except Invalid as invalid:
        raise Invalid({**errors, **invalid.errors}) from None
    if taken:
        training = replace(
            training,
            notes={**training.notes, **{f"training.{key}": note for key, note in taken.items()}},
            rewrites={**training.rewrites, **{f"training.{key}": raw[key] for key in taken}},
        )
    bound = role_values(first.names, typed, training.epochs, training.steps_per_epoch)
    pasted = parse_call(text, {**typed, **bound}) if bound else first
    for missing in pasted.missing:
        name = next(n for n in pasted.names if n.text == missing)
        if name.role in ROLE_FIELDS:  # steps per epoch, when the training length does not need it
            errors["training.steps_per_epoch"] = f"Give the steps per epoch: the call uses {missing} ({name.hint})."
        else:
            errors.setdefault(f"names.{missing}", f"Type a value for {missing}: {name.hint}.")
    if errors:
        raise Invalid(errors)
    kwargs = dict(pasted.kwargs)
    notes = [*pasted.notes, *_fill_from_training(spec, kwargs, training)]
    return Resolved(spec, pasted.lr if pasted.lr is not None else lr, kwargs, training, tuple(notes), tuple(pasted.names), bound)


def _take_from_call(pasted, lr, raw: dict[str, Any], typed: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A new call's training length and stepping, where it states them: the training fields to take, and a note for each.

    A call whose arguments count batches (``len(train_loader)``, ``num_training_steps``)
    is stepped after every optimizer step; a length written in the call (``T_max=200``,
    ``total_steps=10_000``) becomes the run's length.
    """
    spec, raw, taken = pasted.spec, dict(raw), {}
    counted = [n.text for n in pasted.names if n.role in ("steps_per_epoch", "total_steps") and n.text not in typed]
    chosen = str(raw.get("stepping", "auto") or "auto")
    stepping = spec.stepping if chosen == "auto" else chosen
    if counted and stepping != "step":
        raw["stepping"], stepping = "step", "step"
        taken["stepping"] = f"Taken from the call: it counts optimizer steps ({', '.join(counted)}), so the scheduler steps after every one."
    try:
        per_epoch = read_training(raw, spec).steps_per_epoch
    except Invalid:
        per_epoch = None
    kwargs = pasted.kwargs
    written = {key: kwargs[key] for key in ("epochs", "steps_per_epoch") if isinstance(kwargs.get(key), int) and not isinstance(kwargs[key], bool) and kwargs[key] > 0}
    length = span.length_from_call(span.stated(spec, dict(kwargs), lr), stepping, per_epoch, written)
    if length is not None:
        for key, value in length.fields.items():
            if str(raw.get(key, "")).strip() != value:
                raw[key] = value
                taken[key] = length.note
    return raw, taken


ROLE_FIELDS = {
    "epochs": "the Training length's epochs",
    "steps_per_epoch": "the Training length's steps per epoch",
    "total_steps": "epochs × steps per epoch from the Training length",
}
"""The names a paste gets from the training length, so their values are typed once."""


def role_values(names, typed: Mapping[str, Any], epochs: int | None, per_epoch: int | None) -> dict[str, int]:
    """The values of the names that are the run's epochs, steps per epoch or total steps (those not typed), where known."""
    known = {"epochs": epochs, "steps_per_epoch": per_epoch, "total_steps": epochs * per_epoch if epochs and per_epoch else None}
    return {name.text: known[name.role] for name in names if name.role in known and known[name.role] is not None and name.text not in typed}


def _shown_value(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else format_value(value)


def read_names(raw: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The values typed for a paste's names (empty ones left out), read as Python literals."""
    values = {}
    for name, text in raw.items():
        text = str(text).strip()
        if not text:
            continue
        try:
            values[str(name)] = literal(ast.parse(text, mode="eval").body, str(name))
        except SyntaxError as error:
            errors[f"names.{name}"] = f"{name} could not be read: {error.msg} (got {echo(text)})."
        except PasteError as error:
            errors[f"names.{name}"] = f"{error}."
    return values


def name_row(name: Name, value: Any = None, typed: bool = False) -> dict[str, Any]:
    """A paste's name as the page lists it: a field to type, or (``from_training``) a line saying which training value it takes."""
    taken = name.role in ROLE_FIELDS and not typed
    line = ""
    if taken:
        line = f"{name.text} = {_shown_value(value)}: {ROLE_FIELDS[name.role]}." if value is not None else f"{name.text}: {ROLE_FIELDS[name.role]}."
    return {"text": name.text, "hint": name.hint, "from_training": taken, "default": name.default, "line": line}


def paste_names(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The names a paste needs, for the page's fields, even while some have no value."""
    typed = read_names(request.get("names") or {}, {})
    try:
        return [name_row(name, typed=name.text in typed) for name in parse_call(str(request.get("paste", "")), typed).names]
    except PasteError:
        return []
