"""A library's own constructor, to be written into a snippet: the call, and what the code needs around it.

A scheduler's record says which lrcalc families it can stand for, through
:func:`same`: ``same(api, arguments, lr)`` is that scheduler called with those
arguments (those equal to its defaults left out), with the sentence the page
shows for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OWNERS = {"torch": "PyTorch's", "keras": "Keras'", "optax": "optax's", "transformers": "transformers'", "timm": "timm's", "deepspeed": "DeepSpeed's", "mmengine": "mmengine's", "axolotl": "axolotl's", "composer": "Composer's"}
"""How the page says whose a constructor is."""


@dataclass
class Call:
    """A constructor call to write out: ``name(*positional, **keywords)``."""

    name: str
    keywords: dict[str, Any]
    positional: tuple[str, ...] = ()


@dataclass
class Native:
    """A library's own constructor for the target, and what the snippet needs around it."""

    call: Call
    reason: str
    lr: float | None = None  # the optimizer's lr (PyTorch, transformers)
    momentum: bool = False  # the scheduler cycles momentum, so the optimizer needs some
    metric: bool = False  # stepped with a metric
    hf: bool = False  # needs ``import transformers``


def short(api: str, arguments: dict) -> dict:
    """The arguments without those equal to the constructor's defaults."""
    from ..libraries import lookup

    defaults = {p.name: p.default for p in lookup(api).params}

    def same_value(a, b):
        return a is b if isinstance(a, bool) or isinstance(b, bool) else a == b

    return {k: v for k, v in arguments.items() if not (k in defaults and same_value(v, defaults[k]))}


def same(api: str, arguments: dict, lr: float | None = None, note: str = "") -> Native:
    """``api`` called with ``arguments``, standing for a schedule with exactly its values (or its rule, if metric-driven)."""
    from ..libraries import lookup

    spec = lookup(api)
    claim = "applies the same rule" if spec.driven_by_metric else "gives exactly the same values"
    positional = ("optimizer",) if spec.leading_optimizer else ()
    return Native(
        Call(api, short(api, arguments), positional),
        f"{OWNERS[spec.library]} {spec.name}{note} {claim}.",
        lr,
        metric=spec.driven_by_metric,
        hf=spec.library == "transformers",
    )
