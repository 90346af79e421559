"""Keras 3's ``keras.optimizers.schedules``, as pure functions of the step.

Keras schedules are called with the optimizer's iteration count (batches, not
epochs) and compute in the backend's float type: float32 by default, float64
with ``keras.config.set_floatx("float64")``. lrcalc computes in float64, so a
default Keras run differs from it in the 7th or 8th significant digit.
Conventions worth knowing:

- ``PiecewiseConstantDecay`` switches value *after* a boundary: at step
  ``boundaries[0]`` it still returns ``values[0]``.
- ``PolynomialDecay(cycle=True)`` stretches ``decay_steps`` to the next
  multiple of itself instead of holding ``end_learning_rate``.
- ``CosineDecay``'s ``alpha`` is a fraction of the initial rate; with
  ``warmup_target`` it first warms up linearly from ``initial_learning_rate``
  over ``warmup_steps`` (not counted in ``decay_steps``).
- A schedule computes in the dtype of ``initial_learning_rate``: written as an
  integer (``0``, ``1``), it is int32, and every argument cast to it is
  truncated, π too (Keras's own ``CosineDecay`` docstring example, with
  ``initial_learning_rate = 0``, is 0 at every step). lrcalc refuses such a
  call where the truncation changes something, and says what.
"""

from __future__ import annotations

import math
from typing import Any

from .. import phases as ph
from ..export.expr import PI, Expr, after, cos, floor, log, minimum, need, where, wrap
from ..export.natives import same
from . import Param, check, given, is_number, record, register
from .native import polynomial_at, step_or_exponential

MODULE = "keras.optimizers.schedules."


def _positive_steps(name: str, value) -> None:
    check(is_number(value) and value > 0, f"Argument `{name}` must be > 0. Received: {name}={value!r}")


def _numbers(**values) -> None:
    for name, value in values.items():
        check(is_number(value) and math.isfinite(value), f"{name} must be a finite number (got {name}={value!r})")


def _float_dtype(schedule: str, initial_learning_rate, pi: bool = False, **cast) -> None:
    """Refuse an integer ``initial_learning_rate`` where Keras's int32 arithmetic would change the schedule.

    Each schedule's ``__call__`` does ``dtype = ops.convert_to_tensor(self.initial_learning_rate).dtype``
    and then ``ops.cast(self.<argument>, dtype)`` for ``cast`` (and ``ops.array(math.pi, dtype=dtype)``
    for the cosines): keras/src/optimizers/schedules/learning_rate_schedule.py, Keras 3.
    """
    if isinstance(initial_learning_rate, bool) or not isinstance(initial_learning_rate, int):
        return
    cut = [f"{name}={value!r} becomes {math.trunc(value)}" for name, value in cast.items() if is_number(value) and value != math.trunc(value)]
    if pi:
        cut.insert(0, "π becomes 3")
    check(
        not cut,
        f"initial_learning_rate={initial_learning_rate} is an integer, so Keras computes {schedule} in int32: "
        f"{', '.join(cut)}. Write initial_learning_rate={initial_learning_rate}.0 for the schedule you mean",
    )


def _name(default: str) -> Param:
    """Keras's ``name`` argument: a name scope that does not change the values."""
    return Param("name", "str", default, doc="A name scope; it does not change the values.")


@register(
    MODULE + "ExponentialDecay",
    family="exponential",
    params=(Param("initial_learning_rate", "float", example="0.1"), Param("decay_steps", "int", example="1000"), Param("decay_rate", "float", example="0.96"), Param("staircase", "bool", False), _name("ExponentialDecay")),
    needs_lr=False,
    summary="initial_learning_rate * decay_rate^(step / decay_steps), floored with staircase.",
)
def exponential_decay(initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
    _numbers(initial_learning_rate=initial_learning_rate, decay_rate=decay_rate)
    _float_dtype("ExponentialDecay", initial_learning_rate, decay_steps=decay_steps, decay_rate=decay_rate)
    _positive_steps("decay_steps", decay_steps)

    def schedule(step):
        p = step / decay_steps
        if staircase:
            p = math.floor(p)
        return initial_learning_rate * decay_rate**p

    return schedule


@register(
    MODULE + "PiecewiseConstantDecay",
    family="piecewise_constant",
    params=(Param("boundaries", "ints", example="[3000, 6000]"), Param("values", "floats", example="[0.1, 0.01, 0.001]"), _name("PiecewiseConstant")),
    needs_lr=False,
    summary="values[i] while step <= boundaries[i]: each value changes one step after its boundary.",
)
def piecewise_constant_decay(boundaries, values, name=None):
    check(isinstance(boundaries, (list, tuple)) and isinstance(values, (list, tuple)), "boundaries and values must be lists")
    check(
        len(boundaries) == len(values) - 1,
        "The length of boundaries should be 1 less than the length of values. "
        f"Received: boundaries={list(boundaries)} of length {len(boundaries)}, and values={list(values)} of length {len(values)}.",
    )
    check(all(is_number(b) for b in boundaries) and all(is_number(v) for v in values), "boundaries and values must hold numbers")

    def schedule(step):
        result = 0.0
        result += values[0] if step <= boundaries[0] else 0.0
        result += values[-1] if step > boundaries[-1] else 0.0
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            result += value if low < step <= high else 0.0
        return result

    return schedule


@register(
    MODULE + "PolynomialDecay",
    family="polynomial",
    params=(
        Param("initial_learning_rate", "float", example="0.1"),
        Param("decay_steps", "int", example="9000"),
        Param("end_learning_rate", "float", 0.0001),
        Param("power", "float", 1.0),
        Param("cycle", "bool", False),
        _name("PolynomialDecay"),
    ),
    needs_lr=False,
    summary="From initial_learning_rate to end_learning_rate as (1 - step/decay_steps)^power; cycle restarts it.",
)
def polynomial_decay(initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False, name=None):
    _numbers(initial_learning_rate=initial_learning_rate, end_learning_rate=end_learning_rate, power=power)
    _float_dtype("PolynomialDecay", initial_learning_rate, end_learning_rate=end_learning_rate, power=power, decay_steps=decay_steps)
    _positive_steps("decay_steps", decay_steps)

    def schedule(step):
        step, steps = float(step), float(decay_steps)
        if cycle:
            steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, steps)
        return (initial_learning_rate - end_learning_rate) * (1 - step / steps) ** power + end_learning_rate

    return schedule


@register(
    MODULE + "InverseTimeDecay",
    family="inverse_time",
    params=(Param("initial_learning_rate", "float", example="0.1"), Param("decay_steps", "int", example="1000"), Param("decay_rate", "float", example="0.5"), Param("staircase", "bool", False), _name("InverseTimeDecay")),
    needs_lr=False,
    summary="initial_learning_rate / (1 + decay_rate * step / decay_steps), floored with staircase.",
)
def inverse_time_decay(initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
    _numbers(initial_learning_rate=initial_learning_rate, decay_rate=decay_rate)
    _float_dtype("InverseTimeDecay", initial_learning_rate, decay_steps=decay_steps, decay_rate=decay_rate)
    _positive_steps("decay_steps", decay_steps)

    def schedule(step):
        p = step / decay_steps
        if staircase:
            p = math.floor(p)
        return initial_learning_rate / (1 + decay_rate * p)

    return schedule


def _cosine(step, decay_steps, start, alpha):
    return start * ((1 - alpha) * (0.5 * (1.0 + math.cos(math.pi * (step / decay_steps)))) + alpha)


@register(
    MODULE + "CosineDecay",
    family="cosine",
    params=(
        Param("initial_learning_rate", "float", example="0.1"),
        Param("decay_steps", "int", example="9000"),
        Param("alpha", "float", 0.0, doc="The floor, as a fraction of the peak."),
        _name("CosineDecay"),
        Param("warmup_target", "float", None, optional=True),
        Param("warmup_steps", "int", 0),
    ),
    needs_lr=False,
    summary="Half a cosine down to alpha times the peak over decay_steps, after an optional linear warmup.",
)
def cosine_decay(initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None, warmup_steps=0):
    _numbers(initial_learning_rate=initial_learning_rate, alpha=alpha)
    _positive_steps("decay_steps", decay_steps)
    if warmup_target is not None:
        _numbers(warmup_target=warmup_target, warmup_steps=warmup_steps)
    _float_dtype("CosineDecay", initial_learning_rate, pi=True, decay_steps=decay_steps, warmup_target=warmup_target, warmup_steps=warmup_steps)

    def schedule(step):
        step = float(step)
        if warmup_target is None:
            return _cosine(min(step, decay_steps), decay_steps, initial_learning_rate, alpha)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (warmup_target - initial_learning_rate) * (step / warmup_steps) + initial_learning_rate
        return _cosine(step - warmup_steps, decay_steps, warmup_target, alpha)

    return schedule


@register(
    MODULE + "CosineDecayRestarts",
    family="warm_restarts",
    params=(
        Param("initial_learning_rate", "float", example="0.1"),
        Param("first_decay_steps", "int", example="1000"),
        Param("t_mul", "float", 2.0),
        Param("m_mul", "float", 1.0),
        Param("alpha", "float", 0.0),
        _name("SGDRDecay"),
    ),
    needs_lr=False,
    summary="Cosine decay restarted with periods t_mul times longer and peaks m_mul times lower (SGDR).",
)
def cosine_decay_restarts(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name=None):
    _numbers(initial_learning_rate=initial_learning_rate, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    _float_dtype("CosineDecayRestarts", initial_learning_rate, pi=True, first_decay_steps=first_decay_steps, alpha=alpha, t_mul=t_mul, m_mul=m_mul)
    _positive_steps("first_decay_steps", first_decay_steps)

    def schedule(step):
        fraction = float(step) / first_decay_steps
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            inside = 1.0 - fraction * (1.0 - t_mul)
            if inside <= 0:  # t_mul < 1: the periods add up to a finite length; Keras returns NaN past it
                return math.nan
            restart = math.floor(math.log(inside) / math.log(t_mul))
            done = (1.0 - t_mul**restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul**restart
        decayed = 0.5 * m_mul**restart * (1.0 + math.cos(math.pi * fraction))
        return initial_learning_rate * ((1 - alpha) * decayed + alpha)

    return schedule


# ---------------------------------------------------------------- each schedule's closed form, phases and equivalents
# (for the code export and the page's phase marks; see lrcalc.export and lrcalc.phases)

@record(MODULE + "ExponentialDecay").closed_form
def _exponential_decay_at(b, t, lr, kw):
    p = t / kw["decay_steps"]
    return kw["initial_learning_rate"] * kw["decay_rate"] ** (floor(p) if kw["staircase"] else p)


@record(MODULE + "PiecewiseConstantDecay").closed_form
def _piecewise_constant_decay_at(b, t, lr, kw):
    bounds, values = list(kw["boundaries"]), list(kw["values"])
    need(bounds == sorted(bounds), "PiecewiseConstantDecay with unsorted boundaries adds up overlapping values; only sorted ones are written out")
    result = wrap(values[-1])
    for bound, value in reversed(list(zip(bounds, values))):
        result = where(t <= bound, value, result)
    return result


record(MODULE + "PolynomialDecay").closed_form(lambda b, t, lr, kw: polynomial_at(b, t, kw["initial_learning_rate"], kw["end_learning_rate"], kw["decay_steps"], kw["power"], kw["cycle"]))


@record(MODULE + "InverseTimeDecay").closed_form
def _inverse_time_decay_at(b, t, lr, kw):
    p = t / kw["decay_steps"]
    return kw["initial_learning_rate"] / (1 + kw["decay_rate"] * (floor(p) if kw["staircase"] else p))


def _keras_cosine(s: Expr, steps: Any, start: float, alpha: float) -> Expr:
    return start * ((1 - alpha) * (0.5 * (1.0 + cos(PI * (s / steps)))) + alpha)


@record(MODULE + "CosineDecay").closed_form
def _cosine_decay_at(b, t, lr, kw):
    steps, init, alpha, target, w = kw["decay_steps"], kw["initial_learning_rate"], kw["alpha"], kw["warmup_target"], kw["warmup_steps"]
    if target is None:
        return _keras_cosine(minimum(t, steps), steps, init, alpha)
    s = b.let("s", minimum(t, steps + w))
    decay = _keras_cosine(after(s, w), steps, target, alpha)
    return where(s < w, (target - init) * (s / w) + init, decay) if w > 0 else decay


@record(MODULE + "CosineDecayRestarts").closed_form
def _cosine_decay_restarts_at(b, t, lr, kw):
    init, first, t_mul, m_mul, alpha = kw["initial_learning_rate"], kw["first_decay_steps"], kw["t_mul"], kw["m_mul"], kw["alpha"]
    if t_mul == 1.0:
        restart = b.let("restart", floor(t / first))
        fraction = t / first - restart
    else:  # Keras' own index, from a logarithm
        restart = b.let("restart", floor(log(1.0 - t / first * (1.0 - t_mul)) / math.log(t_mul)))
        fraction = (t / first - (1.0 - t_mul**restart) / (1.0 - t_mul)) / t_mul**restart
    return init * ((1 - alpha) * (0.5 * m_mul**restart * (1.0 + cos(PI * fraction))) + alpha)


record(MODULE + "ExponentialDecay").same_as(lambda lr, kw: step_or_exponential(kw["initial_learning_rate"], kw["decay_steps"], kw["decay_rate"], kw["staircase"]))
record(MODULE + "PolynomialDecay").same_as(lambda lr, kw: ("lrcalc.polynomial_decay", {
        "init_value": kw["initial_learning_rate"], "end_value": kw["end_learning_rate"], "steps": kw["decay_steps"], "power": kw["power"], "cycle": kw["cycle"]}))
record(MODULE + "InverseTimeDecay").same_as(lambda lr, kw: ("lrcalc.inverse_time_decay", {
        "init_value": kw["initial_learning_rate"], "decay_steps": kw["decay_steps"], "decay_rate": kw["decay_rate"], "staircase": kw["staircase"]}))
record(MODULE + "CosineDecay").same_as(lambda lr, kw: None if kw["warmup_target"] is not None else (
        "lrcalc.cosine_decay", {"init_value": kw["initial_learning_rate"], "steps": kw["decay_steps"], "end_value": kw["alpha"] * kw["initial_learning_rate"]}))
record(MODULE + "PiecewiseConstantDecay").same_as(lambda lr, kw: ("lrcalc.piecewise_constant", {"boundaries": [b + 1 for b in kw["boundaries"]], "values": kw["values"]}))
record(MODULE + "ExponentialDecay").standing_for("lrcalc.exponential_decay")(lambda kw: same(MODULE + "ExponentialDecay", {"initial_learning_rate": kw["init_value"], "decay_steps": 1, "decay_rate": kw["decay_rate"]}, note=" with decay_steps=1"))
record(MODULE + "ExponentialDecay").standing_for("lrcalc.step_decay")(lambda kw: same(MODULE + "ExponentialDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["step_size"], "decay_rate": kw["decay_factor"], "staircase": True}, note=" with staircase=True"))
record(MODULE + "PiecewiseConstantDecay").standing_for("lrcalc.piecewise_constant")(lambda kw: same(MODULE + "PiecewiseConstantDecay", {"boundaries": [b - 1 for b in kw["boundaries"]], "values": kw["values"]}, note=" (it changes one step after each boundary)"))
record(MODULE + "PolynomialDecay").standing_for("lrcalc.linear")(lambda kw: same(MODULE + "PolynomialDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["steps"], "end_learning_rate": kw["end_value"], "power": 1.0}, note=" with power=1"))
record(MODULE + "PolynomialDecay").standing_for("lrcalc.polynomial_decay")(lambda kw: same(MODULE + "PolynomialDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["steps"], "end_learning_rate": kw["end_value"], "power": kw["power"], "cycle": kw["cycle"]}))
record(MODULE + "CosineDecay").standing_for("lrcalc.cosine_decay")(lambda kw: None if kw["exponent"] != 1 else same(MODULE + "CosineDecay", {"initial_learning_rate": kw["init_value"], "decay_steps": kw["steps"], "alpha": kw["end_value"] / kw["init_value"]}, note=" (alpha = end_value / init_value)"))
record(MODULE + "InverseTimeDecay").standing_for("lrcalc.inverse_time_decay")(lambda kw: same(MODULE + "InverseTimeDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["decay_steps"], "decay_rate": kw["decay_rate"], "staircase": kw["staircase"]}))

record(MODULE + "ExponentialDecay").phase_rule(lambda k, total: ph.every(0, k["decay_steps"], total, "drop") if k["staircase"] else [])
record(MODULE + "InverseTimeDecay").phase_rule(lambda k, total: ph.every(0, k["decay_steps"], total, "drop") if k["staircase"] else [])
record(MODULE + "PiecewiseConstantDecay").phase_rule(lambda k, total: ph.listed(k["boundaries"], "boundary", shift=1))
record(MODULE + "PolynomialDecay").phase_rule(lambda k, total: ph.end(k, "the end of decay", "decay_steps"))
record(MODULE + "CosineDecayRestarts").phase_rule(lambda k, total: ph.restarts(k["first_decay_steps"], k["t_mul"], total))


@record(MODULE + "CosineDecay").phase_rule
def _cosine_decay_phases(k, total):
    warm = k["warmup_steps"] if k["warmup_target"] is not None else 0
    return ([(warm, "the end of warmup")] if warm else []) + ph.end(k, "the end of decay", "decay_steps", offset=warm)


@record(MODULE + "CosineDecayRestarts").standing_for("lrcalc.cosine_restarts")
def _cosine_decay_restarts_for(kw: dict):
    if kw["period_mult"] != 1 or (kw["peak_decay"] != 1 and kw["end_value"] != 0):
        return None  # Keras finds longer periods with a logarithm, and decays its floor with the peak
    arguments = {"initial_learning_rate": kw["init_value"], "first_decay_steps": kw["period"], "t_mul": 1.0, "m_mul": kw["peak_decay"], "alpha": kw["end_value"] / kw["init_value"]}
    return same(MODULE + "CosineDecayRestarts", arguments, note=" with t_mul=1")


# ---------------------------------------------------------------- the run length a call states, and its warmup (see lrcalc.span)

record(MODULE + "CosineDecay").spans(
    length=given("warmup_steps", "decay_steps"),  # Keras 3: the warmup comes first, then decay_steps of decay
    warmup=given("warmup_steps", unless=lambda kw: kw["warmup_target"] is None),
)
record(MODULE + "PolynomialDecay").spans(length=given("decay_steps", unless=lambda kw: kw["cycle"]))
