"""optax's schedules (``optax.<name>``), as pure functions of the step count.

optax schedules are stateless: ``schedule(count)``. This module follows
optax's own formulas in float64 (optax computes in float32 unless JAX's x64
mode is on; the reference curves are generated with x64). Conventions worth
knowing:

- ``transition_begin`` delays a decay; ``exponential_decay``'s ``end_value``
  is a floor when decaying and a ceiling when ``decay_rate > 1``.
- ``piecewise_constant_schedule`` multiplies by each scale once ``count``
  reaches the boundary (``count >= boundary``).
- ``warmup_cosine_decay_schedule``'s ``decay_steps`` includes the warmup.
- optax quietly falls back to a constant schedule for a non-positive
  ``transition_steps`` (and clamps a negative ``transition_begin`` to 0);
  lrcalc reproduces that and says so in the schedule's ``notes``.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from .. import phases as ph
from ..export.expr import PI, Expr, after, chain_below, closed_at, cos, floor, maximum, minimum, need, nested, where
from ..export.natives import same
from . import Param, bind, check, given, is_number, lookup, record, register
from .native import step_or_exponential
from ..schedules import Schedule

MODULE = "optax."


def _noted(schedule: Schedule, *notes: str) -> Schedule:
    """Attach notes (library fallbacks a user should know about) to a schedule."""
    schedule.notes = tuple(getattr(schedule, "notes", ())) + notes  # type: ignore[attr-defined]
    return schedule


def _constant(value: float, *notes: str) -> Schedule:
    return _noted(lambda count: float(value), *notes)


def _numbers(**values: Any) -> None:
    for name, value in values.items():
        check(is_number(value) and math.isfinite(value), f"{name} must be a finite number (got {name}={value!r})")


@register(MODULE + "constant_schedule", family="constant", params=(Param("value", "float", example="0.001"),), needs_lr=False, summary="The same value at every step.")
def constant_schedule(value):
    _numbers(value=value)
    return _constant(value)


def _polynomial(init_value, end_value, power, transition_steps, transition_begin=0):
    _numbers(init_value=init_value, end_value=end_value, power=power, transition_steps=transition_steps, transition_begin=transition_begin)
    if transition_steps <= 0:
        return _constant(init_value, f"optax treats transition_steps={transition_steps} (not > 0) as a constant schedule at init_value.")
    notes = ()
    if transition_begin < 0:
        notes = (f"optax treats transition_begin={transition_begin} (negative) as 0.",)
        transition_begin = 0

    def schedule(count):
        count = min(max(count - transition_begin, 0), transition_steps)
        frac = 1 - count / transition_steps
        return (init_value - end_value) * (frac**power) + end_value

    return _noted(schedule, *notes)


register(
    MODULE + "polynomial_schedule",
    family="polynomial",
    params=(Param("init_value", "float", example="0.001"), Param("end_value", "float", example="0.0"), Param("power", "float", example="2.0"), Param("transition_steps", "int", example="9000"), Param("transition_begin", "int", 0)),
    needs_lr=False,
    summary="From init_value to end_value as (1 - t/transition_steps)^power, after transition_begin.",
)(_polynomial)


@register(
    MODULE + "linear_schedule",
    family="linear",
    params=(Param("init_value", "float", example="0.001"), Param("end_value", "float", example="0.0"), Param("transition_steps", "int", example="9000"), Param("transition_begin", "int", 0)),
    needs_lr=False,
    summary="A straight line from init_value to end_value over transition_steps.",
)
def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    return _polynomial(init_value, end_value, 1, transition_steps, transition_begin)


def _scales(boundaries_and_scales: Any, owner: str) -> list[tuple[int, float]]:
    """Sorted (boundary, scale) pairs from a dict; JSON keys may arrive as strings."""
    if boundaries_and_scales is None:
        return []
    check(isinstance(boundaries_and_scales, dict), f"boundaries_and_scales must be a dict {{step: scale}} (got {boundaries_and_scales!r})")
    pairs = []
    for boundary, scale in boundaries_and_scales.items():
        try:
            step = int(boundary)
        except (TypeError, ValueError):
            raise ValueError(f"boundaries_and_scales keys must be whole numbers (got {boundary!r})") from None
        check(is_number(scale), f"boundaries_and_scales values must be numbers (got {scale!r})")
        pairs.append((step, float(scale)))
    check(all(scale >= 0.0 for _, scale in pairs), f"`{owner}` expects non-negative scale factors")
    return sorted(pairs)


@register(
    MODULE + "piecewise_constant_schedule",
    family="piecewise_constant",
    params=(Param("init_value", "float", example="0.001"), Param("boundaries_and_scales", "int_float_map", None, optional=True)),
    needs_lr=False,
    summary="Start at init_value; multiply by each scale once the step reaches its boundary.",
)
def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    _numbers(init_value=init_value)
    pairs = _scales(boundaries_and_scales, "piecewise_constant_schedule")

    def schedule(count):
        value = init_value
        for boundary, scale in pairs:
            if count >= boundary:
                value = value * scale
        return value

    return schedule


@register(
    MODULE + "exponential_decay",
    family="exponential",
    params=(
        Param("init_value", "float", example="0.001"),
        Param("transition_steps", "int", example="1000"),
        Param("decay_rate", "float", example="0.9"),
        Param("transition_begin", "int", 0),
        Param("staircase", "bool", False),
        Param("end_value", "float", None, optional=True),
    ),
    needs_lr=False,
    summary="init_value * decay_rate^((t - transition_begin) / transition_steps), optionally stepwise and bounded by end_value.",
)
def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0, staircase=False, end_value=None):
    _numbers(init_value=init_value, decay_rate=decay_rate, transition_steps=transition_steps, transition_begin=transition_begin)
    if end_value is not None:
        _numbers(end_value=end_value)
    if transition_steps <= 0:
        return _constant(init_value, f"optax treats transition_steps={transition_steps} (not > 0) as a constant schedule at init_value.")
    if decay_rate == 0:
        return _constant(init_value, "optax treats decay_rate=0 as a constant schedule at init_value.")
    notes = ()
    if transition_begin < 0:
        notes = (f"optax treats transition_begin={transition_begin} (negative) as 0.",)
        transition_begin = 0
    clip = max if decay_rate < 1.0 else min

    def schedule(count):
        decreased = count - transition_begin
        p = decreased / transition_steps
        if staircase:
            p = math.floor(p)
        value = init_value if decreased <= 0 else init_value * decay_rate**p
        return value if end_value is None else clip(value, end_value)

    return _noted(schedule, *notes)


def _cosine(init_value, decay_steps, alpha=0.0, exponent=1.0):
    _numbers(init_value=init_value, alpha=alpha, exponent=exponent)
    check(is_number(decay_steps) and decay_steps > 0, f"The cosine_decay_schedule requires positive decay_steps, got decay_steps={decay_steps!r}.")

    def schedule(count):
        count = min(float(count), float(decay_steps))
        cosine = 0.5 * (1 + math.cos(math.pi * count / decay_steps))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


register(
    MODULE + "cosine_decay_schedule",
    family="cosine",
    params=(Param("init_value", "float", example="0.001"), Param("decay_steps", "int", example="9000"), Param("alpha", "float", 0.0), Param("exponent", "float", 1.0)),
    needs_lr=False,
    summary="Half a cosine from init_value to alpha * init_value over decay_steps (alpha is a fraction).",
)(_cosine)


def _interpolated(kind: str, init_value, boundaries_and_scales=None) -> Schedule:
    check(kind in ("linear", "cosine"), "`interpolate_type` must be either 'cosine' or 'linear'")
    _numbers(init_value=init_value)
    pairs = _scales(boundaries_and_scales, "piecewise_interpolate_schedule")
    bounds = [0] + [b for b, _ in pairs]
    values = [float(init_value)]
    for _, scale in pairs:
        values.append(values[-1] * scale)

    def schedule(count):
        total = 0.0
        for i in range(len(bounds) - 1):
            if bounds[i] <= count < bounds[i + 1]:
                pct = (count - bounds[i]) / max(bounds[i + 1] - bounds[i], 1)
                start, end = values[i], values[i + 1]
                if kind == "linear":
                    total += (end - start) * pct + start
                else:
                    total += end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return total + (values[-1] if bounds[-1] <= count else 0.0)

    return schedule


@register(
    MODULE + "piecewise_interpolate_schedule",
    family="piecewise_interpolate",
    params=(Param("interpolate_type", "choice", choices=("linear", "cosine"), example="linear"), Param("init_value", "float", example="0.001"), Param("boundaries_and_scales", "int_float_map", None, optional=True)),
    needs_lr=False,
    summary="Interpolate (linearly or by cosine) between values that multiply at each boundary.",
)
def piecewise_interpolate_schedule(interpolate_type, init_value, boundaries_and_scales=None):
    return _interpolated(interpolate_type, init_value, boundaries_and_scales)


def _onecycle_steps(transition_steps):
    check(is_number(transition_steps) and transition_steps > 0, "A linear onecycle schedule was set with a non-positive `transition_steps`")
    check(float(transition_steps).is_integer(), f"lrcalc computes one-cycle schedules over a whole number of steps (got transition_steps={transition_steps!r})")


@register(
    MODULE + "linear_onecycle_schedule",
    family="one_cycle",
    params=(
        Param("transition_steps", "int", example="9000"),
        Param("peak_value", "float", example="0.001"),
        Param("pct_start", "float", 0.3),
        Param("pct_final", "float", 0.85),
        Param("div_factor", "float", 25.0),
        Param("final_div_factor", "float", 1e4),
    ),
    needs_lr=False,
    summary="Three linear phases: up to peak_value, back down, then far below (fast.ai's one-cycle).",
)
def linear_onecycle_schedule(transition_steps, peak_value, pct_start=0.3, pct_final=0.85, div_factor=25.0, final_div_factor=1e4):
    _onecycle_steps(transition_steps)
    _numbers(peak_value=peak_value, pct_start=pct_start, pct_final=pct_final, div_factor=div_factor, final_div_factor=final_div_factor)
    return _interpolated(
        "linear",
        peak_value / div_factor,
        {
            int(pct_start * transition_steps): div_factor,
            int(pct_final * transition_steps): 1.0 / div_factor,
            transition_steps: 1.0 / final_div_factor,
        },
    )


@register(
    MODULE + "cosine_onecycle_schedule",
    family="one_cycle",
    params=(
        Param("transition_steps", "int", example="9000"),
        Param("peak_value", "float", example="0.001"),
        Param("pct_start", "float", 0.3),
        Param("div_factor", "float", 25.0),
        Param("final_div_factor", "float", 1e4),
    ),
    needs_lr=False,
    summary="Cosine up to peak_value, then cosine down far below the start (Smith and Topin 2017).",
)
def cosine_onecycle_schedule(transition_steps, peak_value, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    _onecycle_steps(transition_steps)
    _numbers(peak_value=peak_value, pct_start=pct_start, div_factor=div_factor, final_div_factor=final_div_factor)
    return _interpolated(
        "cosine",
        peak_value / div_factor,
        {int(pct_start * transition_steps): div_factor, int(transition_steps): 1.0 / (div_factor * final_div_factor)},
    )


def _join(schedules: list[Schedule], boundaries: list[int]) -> Schedule:
    """optax.join_schedules: after each boundary, the next schedule, re-based to start at 0."""

    def schedule(count):
        output = schedules[0](count)
        for boundary, following in zip(boundaries, schedules[1:]):
            if count >= boundary:
                output = following(count - boundary)
        return output

    notes = tuple(note for s in schedules for note in getattr(s, "notes", ()))
    return _noted(schedule, *notes)


@register(
    MODULE + "warmup_constant_schedule",
    family="warmup",
    params=(Param("init_value", "float", example="0.0"), Param("peak_value", "float", example="0.001"), Param("warmup_steps", "int", example="500")),
    needs_lr=False,
    summary="A linear warmup from init_value to peak_value, then constant.",
)
def warmup_constant_schedule(init_value, peak_value, warmup_steps):
    return _polynomial(init_value, peak_value, 1, warmup_steps)


@register(
    MODULE + "warmup_cosine_decay_schedule",
    family="warmup",
    params=(
        Param("init_value", "float", example="0.0"),
        Param("peak_value", "float", example="0.001"),
        Param("warmup_steps", "int", example="500"),
        Param("decay_steps", "int", doc="Includes the warmup steps.", example="9000"),
        Param("end_value", "float", 0.0),
        Param("exponent", "float", 1.0),
    ),
    needs_lr=False,
    summary="Linear warmup to peak_value, then cosine decay to end_value; decay_steps includes the warmup.",
)
def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps, end_value=0.0, exponent=1.0):
    _numbers(peak_value=peak_value, end_value=end_value)
    _numbers(warmup_steps=warmup_steps, decay_steps=decay_steps)
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return _join(
        [_polynomial(init_value, peak_value, 1, warmup_steps), _cosine(peak_value, decay_steps - warmup_steps, alpha, exponent)],
        [warmup_steps],
    )


@register(
    MODULE + "warmup_exponential_decay_schedule",
    family="warmup",
    params=(
        Param("init_value", "float", example="0.0"),
        Param("peak_value", "float", example="0.001"),
        Param("warmup_steps", "int", example="500"),
        Param("transition_steps", "int", example="1000"),
        Param("decay_rate", "float", example="0.5"),
        Param("transition_begin", "int", 0),
        Param("staircase", "bool", False),
        Param("end_value", "float", None, optional=True),
    ),
    needs_lr=False,
    summary="Linear warmup to peak_value, then exponential decay.",
)
def warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps, transition_steps, decay_rate, transition_begin=0, staircase=False, end_value=None):
    _numbers(warmup_steps=warmup_steps)
    return _join(
        [
            _polynomial(init_value, peak_value, 1, warmup_steps),
            exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value),
        ],
        [warmup_steps],
    )


@register(
    MODULE + "sgdr_schedule",
    family="warm_restarts",
    params=(
        Param(
            "cosine_kwargs",
            "dicts",
            doc="One dict of warmup_cosine_decay_schedule arguments per cycle.",
            example=(
                "[{'init_value': 0.0, 'peak_value': 0.001, 'warmup_steps': 100, 'decay_steps': 3000},\n"
                " {'init_value': 0.0, 'peak_value': 0.0005, 'warmup_steps': 100, 'decay_steps': 6000}]"
            ),
        ),
    ),
    needs_lr=False,
    summary="Warm restarts: one warmup-cosine cycle after another (Loshchilov and Hutter 2016).",
)
def sgdr_schedule(cosine_kwargs):
    check(isinstance(cosine_kwargs, (list, tuple)) and cosine_kwargs, f"cosine_kwargs must be a non-empty list of dicts (got {cosine_kwargs!r})")
    schedules, boundaries, step = [], [], 0
    for kwargs in cosine_kwargs:
        check(isinstance(kwargs, dict) and "decay_steps" in kwargs, f"each cosine_kwargs entry must be a dict with decay_steps (got {kwargs!r})")
        from . import REGISTRY, bind

        schedules.append(warmup_cosine_decay_schedule(**bind(REGISTRY[MODULE + "warmup_cosine_decay_schedule"], kwargs)))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    return _join(schedules, boundaries[:-1])


@register(
    MODULE + "join_schedules",
    family="sequential",
    params=(
        Param("schedules", "schedules", example="[optax.linear_schedule(0.0, 0.001, 500), optax.cosine_decay_schedule(0.001, 8500)]"),
        Param("boundaries", "ints", example="[500]"),
    ),
    needs_lr=False,
    summary="One schedule after another: after each boundary the next starts from its own step 0.",
)
def join_schedules(schedules, boundaries):
    from . import from_library

    check(isinstance(schedules, (list, tuple)) and schedules, "join_schedules needs a non-empty list of schedules")
    check(
        isinstance(boundaries, (list, tuple)) and all(is_number(b) and math.isfinite(b) for b in boundaries),
        f"boundaries must be a list of numbers (got {boundaries!r})",
    )
    built = []
    for spec in schedules:
        check(isinstance(spec, dict) and "api" in spec, f"join_schedules takes schedules as dicts {{'api': ..., **kwargs}} (got {spec!r})")
        check(str(spec["api"]).startswith(MODULE) or "." not in str(spec["api"]), f"join_schedules can only join optax schedules (got {spec['api']!r})")
        name = spec["api"] if str(spec["api"]).startswith(MODULE) else MODULE + spec["api"]
        built.append(from_library(name, **{k: v for k, v in spec.items() if k != "api"}))
    return _join(built, list(boundaries))


# ---------------------------------------------------------------- each schedule's closed form, phases and equivalents
# (for the code export and the page's phase marks; see lrcalc.export and lrcalc.phases)

def _optax_polynomial(t: Expr, init, end, power, steps, begin=0) -> Any:
    if steps <= 0:
        return init  # optax's fallback to a constant schedule
    c = minimum(maximum(t - max(begin, 0), 0), steps)
    return (init - end) * (1 - c / steps) ** power + end


def _optax_cosine(t: Expr, init, steps, alpha=0.0, exponent=1.0) -> Expr:
    return init * ((1 - alpha) * (0.5 * (1 + cos(PI * minimum(t, float(steps)) / steps))) ** exponent + alpha)


def _optax_exponential(t: Expr, init, steps, rate, begin=0, staircase=False, end=None) -> Any:
    if steps <= 0 or rate == 0:
        return init  # optax's fallback to a constant schedule
    decreased = t - max(begin, 0)
    p = decreased / steps
    value = where(decreased <= 0, init, init * rate ** (floor(p) if staircase else p))
    return value if end is None else (maximum(value, end) if rate < 1.0 else minimum(value, end))


def _optax_join(t: Expr, parts: list[Callable[[Expr], Any]], boundaries: list[int]) -> Any:
    """optax.join_schedules: from each boundary on, the next schedule counted from that boundary."""
    result = parts[0](t)
    for boundary, part in zip(boundaries, parts[1:]):
        result = where(t >= boundary, part(after(t, boundary) if boundary > 0 else t - boundary), result)
    return result


def _optax_interpolate(t: Expr, kind: str, init, boundaries_and_scales) -> Expr:
    pairs = sorted((int(k), float(v)) for k, v in (boundaries_and_scales or {}).items())
    need(all(k >= 0 for k, _ in pairs), "piecewise_interpolate_schedule with a negative boundary is not written out")
    bounds, values = [0] + [k for k, _ in pairs], [float(init)]
    for _, scale in pairs:
        values.append(values[-1] * scale)
    pieces = []
    for i in range(len(bounds) - 1):
        if bounds[i] < bounds[i + 1]:
            pct = (t - bounds[i]) / max(bounds[i + 1] - bounds[i], 1)
            a, z = values[i], values[i + 1]
            pieces.append((bounds[i + 1], (z - a) * pct + a if kind == "linear" else z + (a - z) / 2.0 * (cos(PI * pct) + 1)))
    return chain_below(t, pieces, values[-1])


def _warmup_cosine(t: Expr, init_value, peak_value, warmup_steps, decay_steps, end_value=0.0, exponent=1.0) -> Any:
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    parts = [lambda s: _optax_polynomial(s, init_value, peak_value, 1, warmup_steps), lambda s: _optax_cosine(s, peak_value, decay_steps - warmup_steps, alpha, exponent)]
    return _optax_join(t, parts, [warmup_steps])


record(MODULE + "constant_schedule").closed_form(lambda b, t, lr, kw: float(kw["value"]))
record(MODULE + "polynomial_schedule").closed_form(lambda b, t, lr, kw: _optax_polynomial(t, kw["init_value"], kw["end_value"], kw["power"], kw["transition_steps"], kw["transition_begin"]))
record(MODULE + "linear_schedule").closed_form(lambda b, t, lr, kw: _optax_polynomial(t, kw["init_value"], kw["end_value"], 1, kw["transition_steps"], kw["transition_begin"]))


@record(MODULE + "piecewise_constant_schedule").closed_form
def _piecewise_constant_schedule_at(b, t, lr, kw):
    result: Any = kw["init_value"]
    for boundary, scale in sorted((int(k), float(v)) for k, v in (kw["boundaries_and_scales"] or {}).items()):
        result = result * where(t >= boundary, scale, 1.0)
    return result


record(MODULE + "exponential_decay").closed_form(lambda b, t, lr, kw: _optax_exponential(t, kw["init_value"], kw["transition_steps"], kw["decay_rate"], kw["transition_begin"], kw["staircase"], kw["end_value"]))
record(MODULE + "cosine_decay_schedule").closed_form(lambda b, t, lr, kw: _optax_cosine(t, kw["init_value"], kw["decay_steps"], kw["alpha"], kw["exponent"]))
record(MODULE + "piecewise_interpolate_schedule").closed_form(lambda b, t, lr, kw: _optax_interpolate(t, kw["interpolate_type"], kw["init_value"], kw["boundaries_and_scales"]))


@record(MODULE + "linear_onecycle_schedule").closed_form
def _linear_onecycle_schedule_at(b, t, lr, kw):
    steps, div = kw["transition_steps"], kw["div_factor"]
    scales = {int(kw["pct_start"] * steps): div, int(kw["pct_final"] * steps): 1.0 / div, steps: 1.0 / kw["final_div_factor"]}
    return _optax_interpolate(t, "linear", kw["peak_value"] / div, scales)


@record(MODULE + "cosine_onecycle_schedule").closed_form
def _cosine_onecycle_schedule_at(b, t, lr, kw):
    steps, div = kw["transition_steps"], kw["div_factor"]
    scales = {int(kw["pct_start"] * steps): div, int(steps): 1.0 / (div * kw["final_div_factor"])}
    return _optax_interpolate(t, "cosine", kw["peak_value"] / div, scales)


record(MODULE + "warmup_constant_schedule").closed_form(lambda b, t, lr, kw: _optax_polynomial(t, kw["init_value"], kw["peak_value"], 1, kw["warmup_steps"]))
record(MODULE + "warmup_cosine_decay_schedule").closed_form(lambda b, t, lr, kw: _warmup_cosine(t, **kw))


@record(MODULE + "warmup_exponential_decay_schedule").closed_form
def _warmup_exponential_decay_schedule_at(b, t, lr, kw):
    decay = [kw[k] for k in ("transition_steps", "decay_rate", "transition_begin", "staircase", "end_value")]
    parts = [lambda s: _optax_polynomial(s, kw["init_value"], kw["peak_value"], 1, kw["warmup_steps"]), lambda s: _optax_exponential(s, kw["peak_value"], *decay)]
    return _optax_join(t, parts, [kw["warmup_steps"]])


@record(MODULE + "sgdr_schedule").closed_form
def _sgdr_schedule_at(b, t, lr, kw):
    spec = lookup(MODULE + "warmup_cosine_decay_schedule")
    cycles = [bind(spec, cycle) for cycle in kw["cosine_kwargs"]]
    ends = [sum(c["decay_steps"] for c in cycles[: i + 1]) for i in range(len(cycles))]
    return _optax_join(t, [lambda s, c=c: _warmup_cosine(s, **c) for c in cycles], ends[:-1])


@record(MODULE + "join_schedules").closed_form
def _join_schedules_at(b, t, lr, kw):
    def part(spec: dict) -> Callable[[Expr], Expr]:
        api, inner = nested(spec, MODULE)
        return lambda s: closed_at(b, s, api, None, inner)

    return _optax_join(t, [part(spec) for spec in kw["schedules"]], list(kw["boundaries"]))


record(MODULE + "constant_schedule").same_as(lambda lr, kw: ("lrcalc.constant", {"value": kw["value"]}))
record(MODULE + "linear_schedule").same_as(lambda lr, kw: None if kw["transition_begin"] else (
        "lrcalc.linear", {"init_value": kw["init_value"], "end_value": kw["end_value"], "steps": kw["transition_steps"]}))
record(MODULE + "polynomial_schedule").same_as(lambda lr, kw: None if kw["transition_begin"] else (
        "lrcalc.polynomial_decay", {"init_value": kw["init_value"], "end_value": kw["end_value"], "steps": kw["transition_steps"], "power": kw["power"]}))
record(MODULE + "exponential_decay").same_as(lambda lr, kw: None if kw["transition_begin"] or kw["end_value"] is not None else step_or_exponential(
        kw["init_value"], kw["transition_steps"], kw["decay_rate"], kw["staircase"]))
record(MODULE + "cosine_decay_schedule").same_as(lambda lr, kw: (
        "lrcalc.cosine_decay", {"init_value": kw["init_value"], "steps": kw["decay_steps"], "end_value": kw["alpha"] * kw["init_value"], "exponent": kw["exponent"]}))
record(MODULE + "constant_schedule").standing_for("lrcalc.constant")(lambda kw: same(MODULE + "constant_schedule", {"value": kw["value"]}))
record(MODULE + "exponential_decay").standing_for("lrcalc.exponential_decay")(lambda kw: same(MODULE + "exponential_decay", {"init_value": kw["init_value"], "transition_steps": 1, "decay_rate": kw["decay_rate"]}, note=" with transition_steps=1"))
record(MODULE + "exponential_decay").standing_for("lrcalc.step_decay")(lambda kw: same(MODULE + "exponential_decay", {
        "init_value": kw["init_value"], "transition_steps": kw["step_size"], "decay_rate": kw["decay_factor"], "staircase": True}, note=" with staircase=True"))
record(MODULE + "piecewise_constant_schedule").standing_for("lrcalc.multistep_decay")(lambda kw: same(MODULE + "piecewise_constant_schedule", {"init_value": kw["init_value"], "boundaries_and_scales": {m: kw["decay_factor"] for m in kw["milestones"]}}))
record(MODULE + "piecewise_constant_schedule").standing_for("lrcalc.piecewise_constant")(lambda kw: same(MODULE + "piecewise_constant_schedule", {
        "init_value": kw["values"][0], "boundaries_and_scales": {b: v / u for b, u, v in zip(kw["boundaries"], kw["values"], kw["values"][1:])}},
        note=" (each value a scale of the one before)"))
record(MODULE + "linear_schedule").standing_for("lrcalc.linear")(lambda kw: same(MODULE + "linear_schedule", {"init_value": kw["init_value"], "end_value": kw["end_value"], "transition_steps": kw["steps"]}))
record(MODULE + "polynomial_schedule").standing_for("lrcalc.polynomial_decay")(lambda kw: None if kw["cycle"] else same(MODULE + "polynomial_schedule", {"init_value": kw["init_value"], "end_value": kw["end_value"], "power": kw["power"], "transition_steps": kw["steps"]}))
record(MODULE + "cosine_decay_schedule").standing_for("lrcalc.cosine_decay")(lambda kw: same(MODULE + "cosine_decay_schedule", {
        "init_value": kw["init_value"], "decay_steps": kw["steps"], "alpha": kw["end_value"] / kw["init_value"], "exponent": kw["exponent"]}, note=" (alpha = end_value / init_value)"))


@record(MODULE + "piecewise_interpolate_schedule").standing_for("lrcalc.piecewise_interpolate")
def _piecewise_interpolate_for(kw: dict):
    values = [float(v) for v in kw["values"]]
    if min(values) <= 0:
        return None  # optax chains the values as scales, which cannot leave 0
    scales = {kw["boundaries"][0]: 1.0} | {b: v / u for b, u, v in zip(kw["boundaries"][1:], values, values[1:])}
    arguments = {"interpolate_type": kw["kind"], "init_value": values[0], "boundaries_and_scales": scales}
    return same(MODULE + "piecewise_interpolate_schedule", arguments, note=" (each value a scale of the one before)")


record(MODULE + "piecewise_constant_schedule").phase_rule(lambda k, total: ph.listed(k["boundaries_and_scales"], "boundary"))
record(MODULE + "piecewise_interpolate_schedule").phase_rule(lambda k, total: ph.listed(k["boundaries_and_scales"], "boundary"))
record(MODULE + "join_schedules").phase_rule(lambda k, total: ph.listed(k["boundaries"], "switch"))
record(MODULE + "warmup_constant_schedule").phase_rule(lambda k, total: ph.warmup(k, "warmup_steps"))
record(MODULE + "warmup_exponential_decay_schedule").phase_rule(lambda k, total: ph.warmup(k, "warmup_steps"))
record(MODULE + "warmup_cosine_decay_schedule").phase_rule(lambda k, total: ph.warmup(k, "warmup_steps") + ph.end(k, "the end of decay", "decay_steps"))
record(MODULE + "cosine_decay_schedule").phase_rule(lambda k, total: ph.decay_window(k, "decay_steps"))
record(MODULE + "linear_schedule").phase_rule(lambda k, total: ph.decay_window(k, "transition_steps"))
record(MODULE + "polynomial_schedule").phase_rule(lambda k, total: ph.decay_window(k, "transition_steps"))


@record(MODULE + "sgdr_schedule").phase_rule
def _sgdr_phases(k, total):
    if not isinstance(k["cosine_kwargs"], list):
        return []
    ends = [sum(int(cycle.get("decay_steps", 0)) for cycle in k["cosine_kwargs"][: i + 1]) for i in range(len(k["cosine_kwargs"]) - 1)]
    return [(end, f"restart {i}") for i, end in enumerate(ends, start=1)]


# ---------------------------------------------------------------- the run length a call states, and its warmup (see lrcalc.span)

record(MODULE + "cosine_decay_schedule").spans(length=given("decay_steps"))
record(MODULE + "warmup_cosine_decay_schedule").spans(length=given("decay_steps"), warmup=given("warmup_steps"))  # decay_steps includes the warmup
record(MODULE + "warmup_constant_schedule").spans(warmup=given("warmup_steps"))
record(MODULE + "warmup_exponential_decay_schedule").spans(warmup=given("warmup_steps"))
record(MODULE + "polynomial_schedule").spans(length=given("transition_begin", "transition_steps"))
record(MODULE + "linear_schedule").spans(  # a decay states the run's length; a rise is a warmup
    length=given("transition_begin", "transition_steps", unless=lambda kw: not kw["init_value"] > kw["end_value"]),
    warmup=given("transition_begin", "transition_steps", unless=lambda kw: not kw["init_value"] < kw["end_value"]),
)
record(MODULE + "linear_onecycle_schedule").spans(length=given("transition_steps"))
record(MODULE + "cosine_onecycle_schedule").spans(length=given("transition_steps"))
