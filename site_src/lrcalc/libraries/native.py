"""lrcalc's own schedule families, in the same registry as the libraries.

Registering them as ``lrcalc.<name>`` lets the page, the paste box and the CLI
treat "a family with lrcalc's conventions" and "a library's scheduler" alike:
a name, its arguments with defaults, and a builder. Nested schedules (for
``warmup``, ``join`` and ``chain``) are dicts ``{"api": "lrcalc....", ...}``.
"""

from __future__ import annotations

from typing import Any

import math

from .. import phases as ph
from .. import schedules as s
from ..export.expr import PI, Body, Expr, after, ceil, chain_below, closed_at, cos, count_reached, floor, integral, log, maximum, minimum, nested, real, sqrt, tanh, where
from . import Param, check, from_library, record, register

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


def _nested(spec: Any, owner: str):
    """Build a nested lrcalc family from ``{"api": ..., **kwargs}``."""
    check(isinstance(spec, dict) and "api" in spec, f"{owner} takes schedules as dicts {{'api': ..., **kwargs}} (got {spec!r})")
    api = str(spec["api"])
    name = api if api.startswith(MODULE) else MODULE + api
    return from_library(name, **{k: v for k, v in spec.items() if k != "api"})


def _family(name: str, label: str, params: tuple[Param, ...], summary: str, build=None) -> None:
    """Register ``lrcalc.<name>`` with its factory from :mod:`lrcalc.schedules`, listed on the page as ``label``."""
    factory = build or getattr(s, name)
    register(MODULE + name, family=name, params=params, needs_lr=False, summary=summary, stepping="epoch", label=label)(factory)


INIT = Param("init_value", "float", 0.1, doc="The learning rate at step 0.")

_family("exponential_decay", "Exponential Decay", (INIT, Param("decay_rate", "float", 0.95)), "Multiply by decay_rate every step.")
_family("step_decay", "Step Decay", (INIT, Param("step_size", "int", 30), Param("decay_factor", "float", 0.1)), "Multiply by decay_factor every step_size steps.")
_family("constant", "Constant", (Param("value", "float", 0.1),), "The same value at every step.")
_family("multistep_decay", "Multi-step (milestones)", (INIT, Param("milestones", "ints", [30, 60, 80]), Param("decay_factor", "float", 0.1)), "Multiply by decay_factor at each milestone.")
_family(
    "piecewise_constant",
    "Piecewise constant",
    (Param("boundaries", "ints", [30, 60]), Param("values", "floats", [0.1, 0.01, 0.001])),
    "Hold each value until the next boundary (the change happens at the boundary).",
)
_family("linear", "Linear", (Param("init_value", "float", 0.1), Param("end_value", "float", 0.0), Param("steps", "int", 90)), "A straight line from init_value to end_value, then hold.")
_family(
    "polynomial_decay",
    "Polynomial",
    (INIT, Param("end_value", "float", 0.0), Param("steps", "int", 90), Param("power", "float", 2.0), Param("cycle", "bool", False)),
    "Decay as (1 - t/steps)^power to end_value.",
)
_family(
    "cosine_decay",
    "Cosine annealing",
    (INIT, Param("steps", "int", 90), Param("end_value", "float", 0.0, doc="An absolute floor."), Param("exponent", "float", 1.0)),
    "Half a cosine down to end_value (an absolute floor), then hold.",
)
_family("inverse_time_decay", "Inverse time", (INIT, Param("decay_steps", "int", 10), Param("decay_rate", "float", 0.5), Param("staircase", "bool", False)), "Divide by 1 + decay_rate · t / decay_steps.")
_family("inverse_sqrt", "Inverse square root", (INIT, Param("timescale", "int", 10)), "Hold for timescale steps, then decay as 1/sqrt(t).")
_family(
    "tanh_decay",
    "Tanh",
    (INIT, Param("steps", "int", 90), Param("end_value", "float", 0.0), Param("lower", "float", -7.0), Param("upper", "float", 3.0)),
    "A tanh-shaped fall from init_value to end_value.",
)
_family(
    "cosine_restarts",
    "Cosine with warm restarts",
    (INIT, Param("period", "int", 10), Param("period_mult", "float", 2.0), Param("end_value", "float", 0.0), Param("peak_decay", "float", 1.0)),
    "Cosine annealing restarted every period, each period_mult times longer (SGDR).",
)
_family(
    "cyclic",
    "Cyclic",
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
    "One-cycle",
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
    "Warmup, then any schedule",
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
    "Warmup-stable-decay",
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
    "Piecewise interpolated",
    (
        Param("boundaries", "ints", [0, 10, 90]),
        Param("values", "floats", [0.0, 0.1, 0.0]),
        Param("kind", "choice", "linear", choices=("linear", "cosine")),
    ),
    "Interpolate between a value at each knot (linear or cosine); hold outside.",
)
_family(
    "reduce_on_plateau",
    "Reduce on plateau",
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
    "Sequential (join)",
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
    "Chained (multiply)",
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


# ---------------------------------------------------------------- each family's closed form (for the code export) and phases

# The classic three take symbolic arguments too (real): the page's first answer is written from them.
record(MODULE + "constant").closed_form(lambda b, t, lr, kw: real(kw["value"]))
record(MODULE + "exponential_decay").closed_form(lambda b, t, lr, kw: real(kw["init_value"]) * real(kw["decay_rate"]) ** t)
record(MODULE + "step_decay").closed_form(lambda b, t, lr, kw: real(kw["init_value"]) * real(kw["decay_factor"]) ** (t // kw["step_size"]))
record(MODULE + "multistep_decay").closed_form(lambda b, t, lr, kw: float(kw["init_value"]) * float(kw["decay_factor"]) ** count_reached(t, kw["milestones"]))


@record(MODULE + "piecewise_constant").closed_form
def _piecewise_constant_at(b, t, lr, kw):
    values = [float(v) for v in kw["values"]]
    return chain_below(t, list(zip(kw["boundaries"], values)), values[-1])


@record(MODULE + "linear").closed_form
def _linear_at(b, t, lr, kw):
    start, end, steps = float(kw["init_value"]), float(kw["end_value"]), kw["steps"]
    return start + (end - start) * minimum(t, steps) / steps


def polynomial_at(b: Body, t: Expr, start: float, end: float, steps: Any, power: float, cycle: bool) -> Expr:
    """lrcalc's polynomial_decay, which is also Keras' PolynomialDecay."""
    if cycle:
        span = b.let("span", steps * maximum(1, ceil(t / steps)))
        return (start - end) * (1 - t / span) ** power + end
    return (start - end) * (1 - minimum(t, steps) / steps) ** power + end


record(MODULE + "polynomial_decay").closed_form(lambda b, t, lr, kw: polynomial_at(b, t, float(kw["init_value"]), float(kw["end_value"]), kw["steps"], float(kw["power"]), kw["cycle"]))


@record(MODULE + "cosine_decay").closed_form
def _cosine_decay_at(b, t, lr, kw):
    lr0, steps, end, exponent = float(kw["init_value"]), kw["steps"], float(kw["end_value"]), float(kw["exponent"])
    return end + (lr0 - end) * ((1 + cos(PI * minimum(t, steps) / steps)) / 2) ** exponent


@record(MODULE + "inverse_time_decay").closed_form
def _inverse_time_decay_at(b, t, lr, kw):
    p = t // kw["decay_steps"] if kw["staircase"] else t / kw["decay_steps"]
    return float(kw["init_value"]) / (1 + float(kw["decay_rate"]) * p)


record(MODULE + "inverse_sqrt").closed_form(lambda b, t, lr, kw: float(kw["init_value"]) * sqrt(kw["timescale"] / maximum(t, kw["timescale"])))


@record(MODULE + "tanh_decay").closed_form
def _tanh_decay_at(b, t, lr, kw):
    lr0, end, lo, hi = float(kw["init_value"]), float(kw["end_value"]), float(kw["lower"]), float(kw["upper"])
    r = b.let("r", minimum(t, kw["steps"]) / kw["steps"])
    return end + 0.5 * (lr0 - end) * (1 - tanh(lo * (1 - r) + hi * r))


def restarts_at(b: Body, t: Expr, lr0: float, period: int, mult: float, end: float, decay: float) -> Expr:
    """Cosine annealing restarted every period, each ``mult`` times longer; the period index is exact."""
    if mult == 1:
        k = b.let("k", t // period)
        start, length = k * period, period
    else:
        guess = b.let("k0", floor(log(1 + t * (mult - 1) / period) / math.log(mult)))

        def begins(i):
            return period * (mult**i - 1) / (mult - 1)

        k = b.let("k", where(t < begins(guess), guess - 1, where(t >= begins(guess + 1), guess + 1, guess)))
        start, length = b.let("start", begins(k)), b.let("length", period * mult**k)
    return end + (lr0 * decay**k - end) * (1 + cos(PI * (t - start) / length)) / 2


record(MODULE + "cosine_restarts").closed_form(lambda b, t, lr, kw: restarts_at(b, t, float(kw["init_value"]), kw["period"], float(kw["period_mult"]), float(kw["end_value"]), float(kw["peak_decay"])))


@record(MODULE + "cyclic").closed_form
def _cyclic_at(b, t, lr, kw):
    low, high, up = float(kw["base_value"]), float(kw["max_value"]), kw["step_size_up"]
    down = up if kw["step_size_down"] is None else kw["step_size_down"]
    position = b.let("position", t % (up + down))
    height = where(position <= up, position / up, (up + down - position) / down)
    amplitude = {"triangular": 1.0, "triangular2": 0.5 ** (t // (up + down)), "exp_range": float(kw["gamma"]) ** t}[kw["mode"]]
    return low + (high - low) * height * amplitude


def one_cycle_at(s: Expr, phases: list[tuple[float, float, float]], cosine: bool, guard: bool) -> Expr:
    """One-cycle phases (end step, start level, end level) at step ``s``, as PyTorch's OneCycleLR computes them.

    ``guard``: a zero-length phase gives its end level (lrcalc's one_cycle) instead of dividing by zero.
    """
    result: Any = None
    begins = [0.0] + [finish for finish, _, _ in phases[:-1]]
    for (finish, a, z), begin in reversed(list(zip(phases, begins))):
        p = (s - begin) / (finish - begin) if finish > begin or not guard else 1.0
        value = z + (a - z) / 2.0 * (cos(PI * p) + 1) if cosine else (z - a) * p + a
        result = value if result is None else where(s <= finish, value, result)
    return result


def one_cycle_phases(peak: float, total: int, pct: float, start: float, end: float, three_phase: bool) -> list[tuple[float, float, float]]:
    if three_phase:
        return [(float(pct * total) - 1, start, peak), (float(2 * pct * total) - 2, peak, start), (total - 1, start, end)]
    return [(float(pct * total) - 1, start, peak), (total - 1, peak, end)]


@record(MODULE + "one_cycle").closed_form
def _one_cycle_at(b, t, lr, kw):
    peak, total = float(kw["max_value"]), kw["total_steps"]
    start = peak / float(kw["div_factor"])
    phases = one_cycle_phases(peak, total, float(kw["pct_start"]), start, start / float(kw["final_div_factor"]), kw["three_phase"])
    return one_cycle_at(b.let("s", minimum(t, total - 1)), phases, kw["anneal"] == "cos", guard=True)


@record(MODULE + "warmup").closed_form
def _warmup_at(b, t, lr, kw):
    api, inner = nested(kw["schedule"], "lrcalc.")
    w, start = kw["warmup_steps"], float(kw["start_value"])
    if w == 0:
        return closed_at(b, t, api, None, inner)
    first = from_library(api, **inner)(0)
    ramp = start + (first - start) * minimum(t, w) / w if kw["kind"] == "linear" else start
    return where(t < w, ramp, closed_at(b, after(t, w), api, None, inner))


@record(MODULE + "warmup_stable_decay").closed_form
def _warmup_stable_decay_at(b, t, lr, kw):
    peak, up, flat, down = float(kw["peak_value"]), kw["warmup_steps"], kw["stable_steps"], kw["decay_steps"]
    start, end = float(kw["start_value"]), float(kw["end_value"])

    def falling(s):
        p = minimum(s, down) / down
        shape = {"linear": lambda: 1 - p, "cosine": lambda: (1 + cos(PI * p)) / 2, "1-sqrt": lambda: 1 - sqrt(p)}[kw["decay"]]()
        return end + (peak - end) * shape

    def body(s):
        return where(s < flat, peak, falling(after(s, flat))) if flat else falling(s)

    if up == 0:
        return body(t)
    first = peak if flat else end + (peak - end) * 1.0  # body(0): every shape is exactly 1.0 at 0
    return where(t < up, start + (first - start) * minimum(t, up) / up, body(after(t, up)))


@record(MODULE + "piecewise_interpolate").closed_form
def _piecewise_interpolate_at(b, t, lr, kw):
    points, levels = kw["boundaries"], [float(v) for v in kw["values"]]
    pieces = []
    for (b0, v0), (b1, v1) in zip(zip(points, levels), zip(points[1:], levels[1:])):
        p = (t - b0) / (b1 - b0)
        pieces.append((b1, v0 + (v1 - v0) * (p if kw["kind"] == "linear" else (1 - cos(PI * p)) / 2)))
    return where(t <= points[0], levels[0], chain_below(t, pieces, levels[-1]))


@record(MODULE + "join").closed_form
def _join_at(b, t, lr, kw):
    parts = [nested(spec, "lrcalc.") for spec in kw["schedules"]]
    values = [closed_at(b, after(t, start), api, None, inner) for start, (api, inner) in zip([0, *kw["boundaries"]], parts)]
    return chain_below(t, list(zip(kw["boundaries"], values)), values[-1])


@record(MODULE + "chain").closed_form
def _chain_at(b, t, lr, kw):
    result: Any = None
    for api, inner in (nested(spec, "lrcalc.") for spec in kw["schedules"]):
        value = closed_at(b, t, api, None, inner)
        result = value if result is None else result * value
    return result


def step_or_exponential(init, steps, rate, staircase) -> tuple[str, dict] | None:
    """The family a rate-per-``steps`` decay equals: step decay with a staircase, exponential decay per step."""
    if staircase and integral(steps):
        return MODULE + "step_decay", {"init_value": init, "step_size": int(steps), "decay_factor": rate}
    return (MODULE + "exponential_decay", {"init_value": init, "decay_rate": rate}) if steps == 1 else None


# Where each family changes phase.

record(MODULE + "step_decay").phase_rule(lambda k, total: ph.every(0, k["step_size"], total, "drop"))
record(MODULE + "multistep_decay").phase_rule(lambda k, total: ph.listed(k["milestones"], "milestone"))
record(MODULE + "piecewise_constant").phase_rule(lambda k, total: ph.listed(k["boundaries"], "boundary"))
record(MODULE + "piecewise_interpolate").phase_rule(lambda k, total: ph.listed(k["boundaries"], "boundary"))
record(MODULE + "cosine_restarts").phase_rule(lambda k, total: ph.restarts(k["period"], k["period_mult"], total))
record(MODULE + "join").phase_rule(lambda k, total: ph.listed(k["boundaries"], "switch"))
record(MODULE + "cyclic").phase_rule(lambda k, total: ph.every(0, k["step_size_up"] + (k["step_size_down"] or k["step_size_up"]), total, "cycle"))
record(MODULE + "warmup").phase_rule(lambda k, total: ph.warmup(k, "warmup_steps"))
record(MODULE + "inverse_sqrt").phase_rule(lambda k, total: ph.end(k, "the start of decay", "timescale"))
for _decaying in ("linear", "polynomial_decay", "cosine_decay", "tanh_decay"):
    record(MODULE + _decaying).phase_rule(lambda k, total: ph.decay_window(k, "steps"))


@record(MODULE + "one_cycle").phase_rule
def _one_cycle_phases_at(k, total):
    steps, pct = k["total_steps"], k["pct_start"]
    return [(int(pct * steps), "the peak"), (steps, "the end of the cycle")]


@record(MODULE + "warmup_stable_decay").phase_rule
def _wsd_phases(k, total):
    up, flat = k["warmup_steps"], k["stable_steps"]
    return [(up, "the end of warmup"), (up + flat, "the start of decay"), (up + flat + k["decay_steps"], "the end of decay")]
