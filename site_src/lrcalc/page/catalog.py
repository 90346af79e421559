"""The scheduler catalog the page's forms are built from: every family and library scheduler with its arguments.

Python decides every word: each argument's hint (what it is, its default, the
example the page fills in), its placeholder, and how the schedulers are
grouped and labelled. The page only builds the fields from it.
"""

from __future__ import annotations

from ..explore import format_value
from ..libraries import Param, Scheduler, lookup

LIBRARY_LABELS = {
    "torch": "PyTorch",
    "keras": "Keras",
    "optax": "optax",
    "transformers": "Hugging Face transformers",
    "timm": "timm",
    "deepspeed": "DeepSpeed",
    "mmengine": "OpenMMLab mmengine",
    "axolotl": "axolotl",
    "composer": "MosaicML Composer",
}


def argument_hint(param: Param) -> str:
    """The sentence under an argument's field: what it is, its default, and what the page filled in."""
    parts = [param.doc] if param.doc else []
    if param.from_training:
        verb = "is" if len(param.alternatives) == 1 else "are"
        unless = f" (unless {' and '.join(param.alternatives)} {verb} given)" if param.alternatives else ""
        parts.append(f"Empty: the run's length in scheduler steps, from the training length below{unless}.")
    elif param.example:
        shown = f" ({param.example})" if len(param.example) <= 24 else ""
        required = "Required" if param.required else f"Default: {format_value(param.default)}"
        parts.append(f"{required}; the page filled in an example{shown}: type your own.")
    else:
        parts.append("Required." if param.required else f"Default: {format_value(param.default)}.")
    return " ".join(parts)


_LONG = ("schedule", "schedules", "dicts", "metrics", "int_float_map")
"""Argument kinds typed over several lines."""


def _widget(param: Param) -> str:
    """The field an argument gets: ``select`` (a choice or a boolean), ``textarea`` or ``text``."""
    if param.kind in ("choice", "bool"):
        return "select"
    return "textarea" if param.kind in _LONG else "text"


def _options(param: Param) -> list[list[str]]:
    """A select's options as [value, text]: the library's default first ("default (cos)") unless required."""
    if param.kind not in ("choice", "bool"):
        return []
    choices = ["True", "False"] if param.kind == "bool" else list(param.choices)
    first = [] if param.required else [["", f"default ({format_value(param.default)})"]]
    return first + [[choice, choice] for choice in choices]


def catalog() -> dict:
    """Every family and library scheduler with its arguments, for the page's forms.

    Defaults are given as the text a user would type (``0.1``, ``[30, 60]``),
    so the page can show them without formatting anything itself.
    """
    from ..libraries import apis
    from ..libraries.native import GROUPS

    def describe(spec: Scheduler) -> dict:
        return {
            "api": spec.api,
            "library": spec.library,
            "name": spec.name,
            "label": spec.shown,
            "summary": spec.summary,
            "needs_lr": spec.needs_lr,
            "stepping": spec.stepping,
            "params": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "required": p.required and not p.from_training,
                    "default": None if p.required else format_value(p.default),
                    "choices": list(p.choices),
                    "example": p.example,
                    "widget": _widget(p),
                    "options": _options(p),
                    "placeholder": "the training length" if p.from_training else "" if p.required else format_value(p.default),
                    "hint": argument_hint(p),
                }
                for p in spec.params
            ],
        }

    every = apis()
    return {
        "families": [
            {"group": group, "items": [{"api": f"lrcalc.{name}", "label": lookup(f"lrcalc.{name}").shown} for name in names]}
            for group, names in GROUPS.items()
        ],
        "libraries": [
            {"id": library, "label": label, "apis": [spec.api for spec in every if spec.library == library]}
            for library, label in LIBRARY_LABELS.items()
        ],
        "apis": {spec.api: describe(spec) for spec in every},
    }
