"""lrcalc's own schedule families, in the same registry as the libraries.

Registering them as ``lrcalc.<name>`` lets the page, the paste box and the CLI
treat "a family with lrcalc's conventions" and "a library's scheduler" alike:
a name, its arguments with defaults, and a builder. Nested schedules (for
``warmup``, ``join`` and ``chain``) are dicts ``{"api": "lrcalc....", ...}``.
"""

from __future__ import annotations

from typing import Any

from .. import schedules as s
from . import Param, check, register

MODULE = "lrcalc."

GROUPS: dict[str, tuple[str, ...]] = {
    "Classic": ("exponential_decay", "step_decay", "constant"),
    "Step-wise": ("multistep_decay", "piecewise_constant"),
    "Smooth decay": ("linear", "polynomial_decay", "cosine_decay", "inverse_time_decay", "inverse_sqrt", "tanh_decay"),
    "Cycles and restarts": ("cosine_restarts", "cyclic", "one_cycle"),
    "Warmup and phases": ("warmup", "warmup_stable_decay", "piecewise_interpolate"),
    "Driven by a metric": ("reduce_on_plateau",),
    "Composition": ("join", "chain"),
}
"""The families as the page lists them: the three original schedules first."""

LABELS = {
    "exponential_decay": "Exponential Decay",
    "step_decay": "Step Decay",
    "constant": "Constant",
    "multistep_decay": "Multi-step (milestones)",
    "piecewise_constant": "Piecewise constant",
    "linear": "Linear",
    "polynomial_decay": "Polynomial",
    "cosine_decay": "Cosine annealing",
    "inverse_time_decay": "Inverse time",
    "inverse_sqrt": "Inverse square root",
    "tanh_decay": "Tanh",
    "cosine_restarts": "Cosine with warm restarts",
    "cyclic": "Cyclic",
    "one_cycle": "One-cycle",
    "warmup": "Warmup, then any schedule",
    "warmup_stable_decay": "Warmup-stable-decay",
    "piecewise_interpolate": "Piecewise interpolated",
    "reduce_on_plateau": "Reduce on plateau",
    "join": "Sequential (join)",
    "chain": "Chained (multiply)",
}


def _nested(spec: Any, owner: str):
    """Build a nested lrcalc family from ``{"api": ..., **kwargs}``."""
    from . import from_library

    check(isinstance(spec, dict) and "api" in spec, f"{owner} takes schedules as dicts {{'api': ..., **kwargs}} (got {spec!r})")
    api = str(spec["api"])
    name = api if api.startswith(MODULE) else MODULE + api
    return from_library(name, **{k: v for k, v in spec.items() if k != "api"})


def _family(name: str, params: tuple[Param, ...], summary: str, build=None) -> None:
    """Register ``lrcalc.<name>`` with its factory from :mod:`lrcalc.schedules`."""
    factory = build or getattr(s, name)
    register(MODULE + name, family=name, params=params, needs_lr=False, summary=summary, stepping="epoch")(factory)


INIT = Param("init_value", "float", 0.1, doc="The learning rate at step 0.")

_family("exponential_decay", (INIT, Param("decay_rate", "float", 0.95)), "Multiply by decay_rate every step.")
_family("step_decay", (INIT, Param("step_size", "int", 30), Param("decay_factor", "float", 0.1)), "Multiply by decay_factor every step_size steps.")
_family("constant", (Param("value", "float", 0.1),), "The same value at every step.")
_family("multistep_decay", (INIT, Param("milestones", "ints", [30, 60, 80]), Param("decay_factor", "float", 0.1)), "Multiply by decay_factor at each milestone.")
_family(
    "piecewise_constant",
    (Param("boundaries", "ints", [30, 60]), Param("values", "floats", [0.1, 0.01, 0.001])),
    "Hold each value until the next boundary (the change happens at the boundary).",
)
_family("linear", (Param("init_value", "float", 0.1), Param("end_value", "float", 0.0), Param("steps", "int", 90)), "A straight line from init_value to end_value, then hold.")
_family(
    "polynomial_decay",
    (INIT, Param("end_value", "float", 0.0), Param("steps", "int", 90), Param("power", "float", 2.0), Param("cycle", "bool", False)),
    "Decay as (1 - t/steps)^power to end_value.",
)
_family(
    "cosine_decay",
    (INIT, Param("steps", "int", 90), Param("end_value", "float", 0.0, doc="An absolute floor."), Param("exponent", "float", 1.0)),
    "Half a cosine down to end_value (an absolute floor), then hold.",
)
_family("inverse_time_decay", (INIT, Param("decay_steps", "int", 10), Param("decay_rate", "float", 0.5), Param("staircase", "bool", False)), "Divide by 1 + decay_rate · t / decay_steps.")
_family("inverse_sqrt", (INIT, Param("timescale", "int", 10)), "Hold for timescale steps, then decay as 1/sqrt(t).")
_family(
    "tanh_decay",
    (INIT, Param("steps", "int", 90), Param("end_value", "float", 0.0), Param("lower", "float", -7.0), Param("upper", "float", 3.0)),
    "A tanh-shaped fall from init_value to end_value.",
)
_family(
    "cosine_restarts",
    (INIT, Param("period", "int", 10), Param("period_mult", "float", 2.0), Param("end_value", "float", 0.0), Param("peak_decay", "float", 1.0)),
    "Cosine annealing restarted every period, each period_mult times longer (SGDR).",
)
_family(
    "cyclic",
    (
        Param("base_value", "float", 0.001),
        Param("max_value", "float", 0.006),
        Param("step_size_up", "int", 10),
        Param("step_size_down", "int", None, optional=True),
        Param("mode", "choice", "triangular", choices=("triangular", "triangular2", "exp_range")),
        Param("gamma", "float", 1.0),
    ),
    "Cycle between base_value and max_value (Smith 2015).",
)
_family(
    "one_cycle",
    (
        Param("max_value", "float", 0.1),
        Param("total_steps", "int", 90),
        Param("pct_start", "float", 0.3),
        Param("anneal", "choice", "cos", choices=("cos", "linear")),
        Param("div_factor", "float", 25.0),
        Param("final_div_factor", "float", 1e4),
        Param("three_phase", "bool", False),
    ),
    "Warm up to max_value, then anneal far below the start (Smith and Topin 2017).",
)


def _warmup(schedule, warmup_steps, start_value=0.0, kind="linear"):
    return s.warmup(_nested(schedule, "warmup"), warmup_steps, start_value, kind)


_family(
    "warmup",
    (
        Param("schedule", "schedule", {"api": "lrcalc.cosine_decay", "init_value": 0.1, "steps": 85}),
        Param("warmup_steps", "int", 5),
        Param("start_value", "float", 0.0),
        Param("kind", "choice", "linear", choices=("linear", "constant")),
    ),
    "A warmup before any schedule, which then starts from its own step 0.",
    build=_warmup,
)
_family(
    "warmup_stable_decay",
    (
        Param("peak_value", "float", 0.1),
        Param("warmup_steps", "int", 5),
        Param("stable_steps", "int", 65),
        Param("decay_steps", "int", 20),
        Param("start_value", "float", 0.0),
        Param("end_value", "float", 0.0),
        Param("decay", "choice", "linear", choices=("linear", "cosine", "1-sqrt")),
    ),
    "Warm up, hold the peak, then decay (WSD).",
)
_family(
    "piecewise_interpolate",
    (
        Param("boundaries", "ints", [0, 10, 90]),
        Param("values", "floats", [0.0, 0.1, 0.0]),
        Param("kind", "choice", "linear", choices=("linear", "cosine")),
    ),
    "Interpolate between a value at each knot (linear or cosine); hold outside.",
)
_family(
    "reduce_on_plateau",
    (
        INIT,
        Param("metrics", "metrics", [1.0, 0.8, 0.7, 0.69, 0.69, 0.7, 0.69, 0.69, 0.7, 0.7, 0.69, 0.68]),
        Param("factor", "float", 0.1),
        Param("patience", "int", 2),
        Param("threshold", "float", 1e-4),
        Param("mode", "choice", "min", choices=("min", "max")),
        Param("threshold_mode", "choice", "rel", choices=("rel", "abs")),
        Param("cooldown", "int", 0),
        Param("min_value", "float", 0.0),
        Param("eps", "float", 1e-8),
    ),
    "Cut the learning rate when the metric you paste stops improving.",
)


def _join(schedules, boundaries):
    check(isinstance(schedules, (list, tuple)), f"schedules must be a list (got {schedules!r})")
    return s.join([_nested(spec, "join") for spec in schedules], boundaries)


def _chain(schedules):
    check(isinstance(schedules, (list, tuple)), f"schedules must be a list (got {schedules!r})")
    return s.chain([_nested(spec, "chain") for spec in schedules])


_family(
    "join",
    (
        Param(
            "schedules",
            "schedules",
            [{"api": "lrcalc.linear", "init_value": 0.0, "end_value": 0.1, "steps": 10}, {"api": "lrcalc.exponential_decay", "init_value": 0.1, "decay_rate": 0.97}],
        ),
        Param("boundaries", "ints", [10]),
    ),
    "Run schedules one after another; each restarts its count at its boundary.",
    build=_join,
)
_family(
    "chain",
    (
        Param(
            "schedules",
            "schedules",
            [{"api": "lrcalc.exponential_decay", "init_value": 0.1, "decay_rate": 0.97}, {"api": "lrcalc.linear", "init_value": 0.1, "end_value": 1.0, "steps": 10}],
        ),
    ),
    "Multiply a schedule by multipliers (the later schedules are unitless factors).",
    build=_chain,
)
