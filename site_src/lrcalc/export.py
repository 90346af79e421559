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

Numbers are written with ``repr``, so they read back exactly. The curves the
snippets give under the real libraries are recorded in
``tests/reference/exports.json`` and checked against lrcalc's own.

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

import math
from dataclasses import dataclass
from typing import Any, Callable

from . import fmt
from .libraries import LibraryAPI, bind, from_library, lookup

TARGETS = ("pytorch", "keras", "optax", "transformers")
"""The libraries code is exported to."""

TARGET_LABELS = {"pytorch": "PyTorch", "keras": "Keras", "optax": "optax", "transformers": "Hugging Face transformers"}

TORCH, KS, HF, TIMM = "torch.optim.lr_scheduler.", "keras.optimizers.schedules.", "transformers.", "timm.scheduler."
WIDTH = 120
"""Lines longer than this are broken one argument per line."""


class Unavailable(ValueError):
    """The target cannot express the schedule; the message says why."""


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


@dataclass
class _Source:
    """The schedule being exported: spec, lr, arguments with defaults, arguments as given, lrcalc's schedule."""

    spec: LibraryAPI
    lr: float | None
    kw: dict[str, Any]
    given: dict[str, Any]
    schedule: Callable[[int], float]


def _export(api: str, lr: float | None, kwargs: dict[str, Any], target: str) -> tuple[str, str]:
    """The snippet, and a sentence saying how it reproduces the schedule."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)} (got {target!r})")
    spec = lookup(api)
    schedule = from_library(spec.api, lr=lr, **kwargs)  # lrcalc's own checks first
    source = _Source(spec, lr, bind(spec, dict(kwargs)), dict(kwargs), schedule)
    native = _native(source, target)
    if native is not None:
        return _native_snippet(native, source, target), native.reason
    return _custom_snippet(_closed_body(source, target), source, target), _CUSTOM_REASON[target]


def format_value(value: Any) -> str:
    """A literal as Python source: floats with ``repr`` (exact), ``True``/``None``, strings in double quotes.

    >>> format_value([0.1, 1e-05, 25.0, True, "cos"])
    '[0.1, 1e-05, 25.0, True, "cos"]'
    """
    if isinstance(value, str):
        return f'"{value}"' if value.isprintable() and '"' not in value and "\\" not in value else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in value.items()) + "}"
    return repr(value)  # numbers (repr reads back exactly), booleans, None


# ---------------------------------------------------------------- expressions


class Expr:
    """A closed form in the step, built with Python's operators and rendered for each target."""

    __slots__ = ("op", "args")

    def __init__(self, op: str, *args: Any) -> None:
        self.op, self.args = op, args

    def __add__(self, other): return _binary("+", self, other)  # noqa: E704 - the operators read best as a table
    def __radd__(self, other): return _binary("+", other, self)  # noqa: E704
    def __sub__(self, other): return _binary("-", self, other)  # noqa: E704
    def __rsub__(self, other): return _binary("-", other, self)  # noqa: E704
    def __mul__(self, other): return _binary("*", self, other)  # noqa: E704
    def __rmul__(self, other): return _binary("*", other, self)  # noqa: E704
    def __truediv__(self, other): return _binary("/", self, other)  # noqa: E704
    def __rtruediv__(self, other): return _binary("/", other, self)  # noqa: E704
    def __floordiv__(self, other): return _binary("//", self, other)  # noqa: E704
    def __mod__(self, other): return _binary("%", self, other)  # noqa: E704
    def __pow__(self, other): return _binary("**", self, other)  # noqa: E704
    def __rpow__(self, other): return _binary("**", other, self)  # noqa: E704
    def __lt__(self, other): return Expr("<", self, _wrap(other))  # noqa: E704
    def __le__(self, other): return Expr("<=", self, _wrap(other))  # noqa: E704
    def __gt__(self, other): return Expr(">", self, _wrap(other))  # noqa: E704
    def __ge__(self, other): return Expr(">=", self, _wrap(other))  # noqa: E704


STEP = Expr("step")
PI = Expr("pi")


def _wrap(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Unavailable(f"its closed form would contain {value!r}, which is not a finite number")
    return Expr("num", value)


def _is(e: Expr, value: float) -> bool:
    return e.op == "num" and e.args[0] == value


def _binary(op: str, a: Any, b: Any) -> Expr:
    """``a op b``, dropping only exact identities: x + 0, x - 0, x * 1, x / 1, x ** 1."""
    a, b = _wrap(a), _wrap(b)
    if (op in "+-" and _is(b, 0)) or (op in ("*", "/", "**") and _is(b, 1)):
        return a
    if (op == "+" and _is(a, 0)) or (op == "*" and _is(a, 1)):
        return b
    if op in "+-" and _negative(b):  # a + (-c) * x is exactly a - c * x
        return _binary("-" if op == "+" else "+", a, _negate(b))
    return Expr(op, a, b)


def _negative(e: Expr) -> bool:
    """A negative number, or a product whose first factor is one."""
    return (e.op == "num" and e.args[0] < 0) or (e.op == "*" and e.args[0].op == "num" and e.args[0].args[0] < 0)


def _negate(e: Expr) -> Expr:
    return Expr("num", -e.args[0]) if e.op == "num" else Expr("*", Expr("num", -e.args[0].args[0]), e.args[1])


def _function(name: str) -> Callable[..., Expr]:
    return lambda *args: Expr("call", name, *[_wrap(a) for a in args])


cos, sqrt, tanh, log, floor, ceil = (_function(name) for name in ("cos", "sqrt", "tanh", "log", "floor", "ceil"))
minimum, maximum = _function("min"), _function("max")


def where(condition: Any, then: Any, otherwise: Any) -> Expr:
    """``then`` where ``condition`` holds, else ``otherwise``."""
    return Expr("where", condition, _wrap(then), _wrap(otherwise))


def count_reached(t: Expr, points: list[int]) -> Expr:
    """How many of ``points`` are <= t: a sum of 1.0/0.0 terms (floats, so Keras' TensorFlow backend accepts them)."""
    total: Any = 0
    for point in points:
        total = total + where(t >= point, 1.0, 0.0)
    return _wrap(total)


def chain_below(t: Expr, pieces: list[tuple[Any, Any]], last: Any) -> Expr:
    """``pieces[0][1]`` while t < pieces[0][0], then the next piece's value, ..., then ``last``."""
    result = _wrap(last)
    for bound, value in reversed(pieces):
        result = where(t < bound, value, result)
    return result


def _after(t: Expr, boundary: int) -> Expr:
    """The step counted from ``boundary``, held at 0 before it (so unused branches stay in range)."""
    return t if boundary == 0 else maximum(t - boundary, 0)


class _Body:
    """Named intermediate values of a closed form (``k = ...``), in the order they are computed."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, Expr]] = []

    def let(self, hint: str, value: Any) -> Expr:
        value = _wrap(value)
        if value.op in ("num", "step", "name"):
            return value
        taken = {name for name, _ in self.lines}
        name = next(f"{hint}{n or ''}" for n in range(len(taken) + 2) if n != 1 and f"{hint}{n or ''}" not in taken)
        self.lines.append((name, value))
        return Expr("name", name)


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Dialect:
    """How one target spells the step, pi, the functions and the conditional."""

    step: str
    pi: str
    functions: dict[str, str]
    where: str | None  # None: Python's conditional expression
    floor_ops: bool  # a // b and a % b written with floor (keras.ops)


_MATH = ("cos", "sqrt", "tanh", "log", "floor", "ceil")
PYTHON = _Dialect("step", "math.pi", {f: f"math.{f}" for f in _MATH} | {"min": "min", "max": "max"}, None, False)
JAX = _Dialect("count", "jnp.pi", {f: f"jnp.{f}" for f in _MATH} | {"min": "jnp.minimum", "max": "jnp.maximum"}, "jnp.where", False)
KERAS = _Dialect("step", "math.pi", {f: f"ops.{f}" for f in _MATH} | {"min": "ops.minimum", "max": "ops.maximum"}, "ops.where", True)
_PRECEDENCE = {"where": 1, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "//": 5, "%": 5, "**": 7}


def render(e: Expr, d: _Dialect) -> str:
    """Python source for an expression, with the parentheses its evaluation order needs.

    >>> render(0.1 * 0.5 ** (STEP // 30), PYTHON), render(minimum(STEP, 10) / 10, JAX)
    ('0.1 * 0.5 ** (step // 30)', 'jnp.minimum(count, 10) / 10')
    """
    return _render(e, d)[0]


def _render(e: Expr, d: _Dialect) -> tuple[str, int]:
    """(source, precedence): 10 for atoms, 6 for a negative number."""
    op = e.op
    if op == "num":
        text = format_value(e.args[0])
        return text, 6 if text.startswith("-") else 10
    if op in ("step", "pi", "name"):
        return {"step": d.step, "pi": d.pi}.get(op) or e.args[0], 10
    if op == "call":
        return f"{d.functions[e.args[0]]}({', '.join(render(a, d) for a in e.args[1:])})", 10
    if op == "where":
        c, a, b = e.args
        if d.where:
            return f"{d.where}({render(c, d)}, {render(a, d)}, {render(b, d)})", 10
        return f"{_operand(a, d, 2)} if {_operand(c, d, 2)} else {_operand(b, d, 1)}", 1
    a, b = e.args
    if d.floor_ops and op == "//":
        return _render(floor(a / b), d)
    if d.floor_ops and op == "%":
        return _render(a - b * floor(a / b), d)
    precedence = _PRECEDENCE[op]
    if op == "**":
        return f"{_operand(a, d, 8)} ** {_operand(b, d, 6)}", precedence
    # The right operand gets parentheses at equal precedence, so the grouping (and the rounding) is kept.
    return f"{_operand(a, d, precedence)} {op} {_operand(b, d, precedence + 1)}", precedence


def _operand(e: Expr, d: _Dialect, needed: int) -> str:
    text, precedence = _render(e, d)
    return text if precedence >= needed else f"({text})"


def _uses(e: Expr, names: set[str]) -> bool:
    """Whether the expression uses any of ``names`` (node kinds or function names)."""
    if e.op in names or (e.op == "call" and e.args[0] in names):
        return True
    return any(isinstance(a, Expr) and _uses(a, names) for a in e.args)


# ---------------------------------------------------------------- closed forms

_CLOSED: dict[str, Callable[..., Any]] = {}


def _closed(*apis: str):
    """Register ``build(body, t, lr, kw)``: the closed form of ``apis`` at step ``t`` (kw has every default)."""

    def decorate(build):
        for api in apis:
            _CLOSED[api] = build
        return build

    return decorate


def _closed_form(body: _Body, t: Expr, api: str, lr: float | None, kwargs: dict[str, Any]) -> Expr:
    """The closed form of a registered schedule at step ``t``; Unavailable where there is none."""
    spec = lookup(api)
    build = _CLOSED.get(spec.api)
    if build is None:
        if spec.family == "plateau" or spec.name == "reduce_on_plateau":
            raise Unavailable(f"{spec.name} follows the metric passed to each step(), so it has no formula in the step")
        raise Unavailable(f"{spec.name} is replayed step by step in PyTorch (each scheduler changes the lr the others left), so it has no closed form to write out")
    return _wrap(build(body, t, lr, bind(spec, {k: v for k, v in kwargs.items() if k != "api"})))


def _need(condition: bool, reason: str) -> None:
    if not condition:
        raise Unavailable(reason)


def _integral(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and float(value).is_integer()


def _nested(spec: dict, prefix: str) -> tuple[str, dict[str, Any]]:
    """``{"api": ..., **kwargs}`` as (full name, kwargs)."""
    api = str(spec["api"])
    return (api if api.startswith(prefix) else prefix + api), {k: v for k, v in spec.items() if k != "api"}


# lrcalc's own families (lrcalc.schedules).


_CLOSED["lrcalc.constant"] = lambda b, t, lr, kw: float(kw["value"])
_CLOSED["lrcalc.exponential_decay"] = lambda b, t, lr, kw: float(kw["init_value"]) * float(kw["decay_rate"]) ** t
_CLOSED["lrcalc.step_decay"] = lambda b, t, lr, kw: float(kw["init_value"]) * float(kw["decay_factor"]) ** (t // kw["step_size"])
_CLOSED["lrcalc.multistep_decay"] = lambda b, t, lr, kw: float(kw["init_value"]) * float(kw["decay_factor"]) ** count_reached(t, kw["milestones"])


@_closed("lrcalc.piecewise_constant")
def _(b, t, lr, kw):
    values = [float(v) for v in kw["values"]]
    return chain_below(t, list(zip(kw["boundaries"], values)), values[-1])


@_closed("lrcalc.linear")
def _(b, t, lr, kw):
    start, end, steps = float(kw["init_value"]), float(kw["end_value"]), kw["steps"]
    return start + (end - start) * minimum(t, steps) / steps


def _polynomial(b: _Body, t: Expr, start: float, end: float, steps: Any, power: float, cycle: bool) -> Expr:
    """lrcalc's polynomial_decay, which is also Keras' PolynomialDecay."""
    if cycle:
        span = b.let("span", steps * maximum(1, ceil(t / steps)))
        return (start - end) * (1 - t / span) ** power + end
    return (start - end) * (1 - minimum(t, steps) / steps) ** power + end


_CLOSED["lrcalc.polynomial_decay"] = lambda b, t, lr, kw: _polynomial(b, t, float(kw["init_value"]), float(kw["end_value"]), kw["steps"], float(kw["power"]), kw["cycle"])


@_closed("lrcalc.cosine_decay")
def _(b, t, lr, kw):
    lr0, steps, end, exponent = float(kw["init_value"]), kw["steps"], float(kw["end_value"]), float(kw["exponent"])
    return end + (lr0 - end) * ((1 + cos(PI * minimum(t, steps) / steps)) / 2) ** exponent


@_closed("lrcalc.inverse_time_decay")
def _(b, t, lr, kw):
    p = t // kw["decay_steps"] if kw["staircase"] else t / kw["decay_steps"]
    return float(kw["init_value"]) / (1 + float(kw["decay_rate"]) * p)


_CLOSED["lrcalc.inverse_sqrt"] = lambda b, t, lr, kw: float(kw["init_value"]) * sqrt(kw["timescale"] / maximum(t, kw["timescale"]))


@_closed("lrcalc.tanh_decay")
def _(b, t, lr, kw):
    lr0, end, lo, hi = float(kw["init_value"]), float(kw["end_value"]), float(kw["lower"]), float(kw["upper"])
    r = b.let("r", minimum(t, kw["steps"]) / kw["steps"])
    return end + 0.5 * (lr0 - end) * (1 - tanh(lo * (1 - r) + hi * r))


def _restarts(b: _Body, t: Expr, lr0: float, period: int, mult: float, end: float, decay: float) -> Expr:
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


_CLOSED["lrcalc.cosine_restarts"] = lambda b, t, lr, kw: _restarts(b, t, float(kw["init_value"]), kw["period"], float(kw["period_mult"]), float(kw["end_value"]), float(kw["peak_decay"]))


@_closed("lrcalc.cyclic")
def _(b, t, lr, kw):
    low, high, up = float(kw["base_value"]), float(kw["max_value"]), kw["step_size_up"]
    down = up if kw["step_size_down"] is None else kw["step_size_down"]
    position = b.let("position", t % (up + down))
    height = where(position <= up, position / up, (up + down - position) / down)
    amplitude = {"triangular": 1.0, "triangular2": 0.5 ** (t // (up + down)), "exp_range": float(kw["gamma"]) ** t}[kw["mode"]]
    return low + (high - low) * height * amplitude


def _one_cycle(s: Expr, phases: list[tuple[float, float, float]], cosine: bool, guard: bool) -> Expr:
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


def _one_cycle_phases(peak: float, total: int, pct: float, start: float, end: float, three_phase: bool) -> list[tuple[float, float, float]]:
    if three_phase:
        return [(float(pct * total) - 1, start, peak), (float(2 * pct * total) - 2, peak, start), (total - 1, start, end)]
    return [(float(pct * total) - 1, start, peak), (total - 1, peak, end)]


@_closed("lrcalc.one_cycle")
def _(b, t, lr, kw):
    peak, total = float(kw["max_value"]), kw["total_steps"]
    start = peak / float(kw["div_factor"])
    phases = _one_cycle_phases(peak, total, float(kw["pct_start"]), start, start / float(kw["final_div_factor"]), kw["three_phase"])
    return _one_cycle(b.let("s", minimum(t, total - 1)), phases, kw["anneal"] == "cos", guard=True)


@_closed("lrcalc.warmup")
def _(b, t, lr, kw):
    api, inner = _nested(kw["schedule"], "lrcalc.")
    w, start = kw["warmup_steps"], float(kw["start_value"])
    if w == 0:
        return _closed_form(b, t, api, None, inner)
    first = from_library(api, **inner)(0)
    ramp = start + (first - start) * minimum(t, w) / w if kw["kind"] == "linear" else start
    return where(t < w, ramp, _closed_form(b, _after(t, w), api, None, inner))


@_closed("lrcalc.warmup_stable_decay")
def _(b, t, lr, kw):
    peak, up, flat, down = float(kw["peak_value"]), kw["warmup_steps"], kw["stable_steps"], kw["decay_steps"]
    start, end = float(kw["start_value"]), float(kw["end_value"])

    def falling(s):
        p = minimum(s, down) / down
        shape = {"linear": lambda: 1 - p, "cosine": lambda: (1 + cos(PI * p)) / 2, "1-sqrt": lambda: 1 - sqrt(p)}[kw["decay"]]()
        return end + (peak - end) * shape

    def body(s):
        return where(s < flat, peak, falling(_after(s, flat))) if flat else falling(s)

    if up == 0:
        return body(t)
    first = peak if flat else end + (peak - end) * 1.0  # body(0): every shape is exactly 1.0 at 0
    return where(t < up, start + (first - start) * minimum(t, up) / up, body(_after(t, up)))


@_closed("lrcalc.piecewise_interpolate")
def _(b, t, lr, kw):
    points, levels = kw["boundaries"], [float(v) for v in kw["values"]]
    pieces = []
    for (b0, v0), (b1, v1) in zip(zip(points, levels), zip(points[1:], levels[1:])):
        p = (t - b0) / (b1 - b0)
        pieces.append((b1, v0 + (v1 - v0) * (p if kw["kind"] == "linear" else (1 - cos(PI * p)) / 2)))
    return where(t <= points[0], levels[0], chain_below(t, pieces, levels[-1]))


@_closed("lrcalc.join")
def _(b, t, lr, kw):
    parts = [_nested(spec, "lrcalc.") for spec in kw["schedules"]]
    values = [_closed_form(b, _after(t, start), api, None, inner) for start, (api, inner) in zip([0, *kw["boundaries"]], parts)]
    return chain_below(t, list(zip(kw["boundaries"], values)), values[-1])


@_closed("lrcalc.chain")
def _(b, t, lr, kw):
    result: Any = None
    for api, inner in (_nested(spec, "lrcalc.") for spec in kw["schedules"]):
        value = _closed_form(b, t, api, None, inner)
        result = value if result is None else result * value
    return result


# PyTorch (lrcalc.libraries.pytorch): the closed forms its recursions follow.


@_closed(TORCH + "StepLR")
def _(b, t, lr, kw):
    size = kw["step_size"]
    _need(_integral(size) and size != 0, f"StepLR with step_size={size!r} has no closed form (PyTorch drops the lr at whole multiples only, and raises for 0)")
    return lr * kw["gamma"] ** (t // abs(int(size)))


_CLOSED[TORCH + "MultiStepLR"] = lambda b, t, lr, kw: lr * kw["gamma"] ** count_reached(t, [m for m in kw["milestones"] if m >= 0])


@_closed(TORCH + "ConstantLR")
def _(b, t, lr, kw):
    factor, n = kw["factor"], kw["total_iters"]
    if not (_integral(n) and n >= 1):
        return lr * factor  # the factor applied at step 0 is never undone
    _need(factor != 0, "ConstantLR with factor=0 raises ZeroDivisionError at total_iters in PyTorch")
    return where(t < int(n), lr * factor, lr)


@_closed(TORCH + "LinearLR")
def _(b, t, lr, kw):
    start, end, n = kw["start_factor"], kw["end_factor"], kw["total_iters"]
    return lr * start if n <= 0 else lr * (start + (end - start) * minimum(t, math.floor(n)) / n)


_CLOSED[TORCH + "ExponentialLR"] = lambda b, t, lr, kw: lr * kw["gamma"] ** t


@_closed(TORCH + "PolynomialLR")
def _(b, t, lr, kw):
    n = kw["total_iters"]
    return lr if n <= 0 else lr * (1.0 - minimum(t, math.floor(n)) / n) ** kw["power"]


@_closed(TORCH + "CosineAnnealingLR")
def _(b, t, lr, kw):
    _need(kw["T_max"] != 0, "CosineAnnealingLR with T_max=0 raises ZeroDivisionError at its first step() in PyTorch")
    return kw["eta_min"] + (lr - kw["eta_min"]) * (1 + cos(PI * t / kw["T_max"])) / 2


@_closed(TORCH + "CyclicLR")
def _(b, t, lr, kw):
    up = float(kw["step_size_up"])
    total = up + (float(kw["step_size_down"]) if kw["step_size_down"] is not None else up)
    ratio = up / total
    cycle = b.let("cycle", floor(1 + t / total))
    x = b.let("x", 1.0 + t / total - cycle)
    factor = where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    scale = {"triangular": 1.0, "triangular2": 1 / 2.0 ** (cycle - 1), "exp_range": kw["gamma"] ** t}[kw["mode"]]
    return kw["base_lr"] + (kw["max_lr"] - kw["base_lr"]) * factor * scale


_CLOSED[TORCH + "CosineAnnealingWarmRestarts"] = lambda b, t, lr, kw: _restarts(b, t, lr, kw["T_0"], kw["T_mult"], kw["eta_min"], 1.0)


@_closed(TORCH + "OneCycleLR")
def _(b, t, lr, kw):
    total = kw["total_steps"] if kw["total_steps"] is not None else kw["epochs"] * kw["steps_per_epoch"]
    initial = kw["max_lr"] / kw["div_factor"]
    phases = _one_cycle_phases(kw["max_lr"], total, kw["pct_start"], initial, initial / kw["final_div_factor"], kw["three_phase"])
    return _one_cycle(t, phases, kw["anneal_strategy"] == "cos", guard=False)


# Keras (lrcalc.libraries.keras).


@_closed(KS + "ExponentialDecay")
def _(b, t, lr, kw):
    p = t / kw["decay_steps"]
    return kw["initial_learning_rate"] * kw["decay_rate"] ** (floor(p) if kw["staircase"] else p)


@_closed(KS + "PiecewiseConstantDecay")
def _(b, t, lr, kw):
    bounds, values = list(kw["boundaries"]), list(kw["values"])
    _need(bounds == sorted(bounds), "PiecewiseConstantDecay with unsorted boundaries adds up overlapping values; only sorted ones are written out")
    result = _wrap(values[-1])
    for bound, value in reversed(list(zip(bounds, values))):
        result = where(t <= bound, value, result)
    return result


_CLOSED[KS + "PolynomialDecay"] = lambda b, t, lr, kw: _polynomial(b, t, kw["initial_learning_rate"], kw["end_learning_rate"], kw["decay_steps"], kw["power"], kw["cycle"])


@_closed(KS + "InverseTimeDecay")
def _(b, t, lr, kw):
    p = t / kw["decay_steps"]
    return kw["initial_learning_rate"] / (1 + kw["decay_rate"] * (floor(p) if kw["staircase"] else p))


def _keras_cosine(s: Expr, steps: Any, start: float, alpha: float) -> Expr:
    return start * ((1 - alpha) * (0.5 * (1.0 + cos(PI * (s / steps)))) + alpha)


@_closed(KS + "CosineDecay")
def _(b, t, lr, kw):
    steps, init, alpha, target, w = kw["decay_steps"], kw["initial_learning_rate"], kw["alpha"], kw["warmup_target"], kw["warmup_steps"]
    if target is None:
        return _keras_cosine(minimum(t, steps), steps, init, alpha)
    s = b.let("s", minimum(t, steps + w))
    decay = _keras_cosine(_after(s, w), steps, target, alpha)
    return where(s < w, (target - init) * (s / w) + init, decay) if w > 0 else decay


@_closed(KS + "CosineDecayRestarts")
def _(b, t, lr, kw):
    init, first, t_mul, m_mul, alpha = kw["initial_learning_rate"], kw["first_decay_steps"], kw["t_mul"], kw["m_mul"], kw["alpha"]
    if t_mul == 1.0:
        restart = b.let("restart", floor(t / first))
        fraction = t / first - restart
    else:  # Keras' own index, from a logarithm
        restart = b.let("restart", floor(log(1.0 - t / first * (1.0 - t_mul)) / math.log(t_mul)))
        fraction = (t / first - (1.0 - t_mul**restart) / (1.0 - t_mul)) / t_mul**restart
    return init * ((1 - alpha) * (0.5 * m_mul**restart * (1.0 + cos(PI * fraction))) + alpha)


# optax (lrcalc.libraries.optax).


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
        result = where(t >= boundary, part(_after(t, boundary) if boundary > 0 else t - boundary), result)
    return result


def _optax_interpolate(t: Expr, kind: str, init, boundaries_and_scales) -> Expr:
    pairs = sorted((int(k), float(v)) for k, v in (boundaries_and_scales or {}).items())
    _need(all(k >= 0 for k, _ in pairs), "piecewise_interpolate_schedule with a negative boundary is not written out")
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


_CLOSED["optax.constant_schedule"] = lambda b, t, lr, kw: float(kw["value"])
_CLOSED["optax.polynomial_schedule"] = lambda b, t, lr, kw: _optax_polynomial(t, kw["init_value"], kw["end_value"], kw["power"], kw["transition_steps"], kw["transition_begin"])
_CLOSED["optax.linear_schedule"] = lambda b, t, lr, kw: _optax_polynomial(t, kw["init_value"], kw["end_value"], 1, kw["transition_steps"], kw["transition_begin"])


@_closed("optax.piecewise_constant_schedule")
def _(b, t, lr, kw):
    result: Any = kw["init_value"]
    for boundary, scale in sorted((int(k), float(v)) for k, v in (kw["boundaries_and_scales"] or {}).items()):
        result = result * where(t >= boundary, scale, 1.0)
    return result


_CLOSED["optax.exponential_decay"] = lambda b, t, lr, kw: _optax_exponential(t, kw["init_value"], kw["transition_steps"], kw["decay_rate"], kw["transition_begin"], kw["staircase"], kw["end_value"])
_CLOSED["optax.cosine_decay_schedule"] = lambda b, t, lr, kw: _optax_cosine(t, kw["init_value"], kw["decay_steps"], kw["alpha"], kw["exponent"])
_CLOSED["optax.piecewise_interpolate_schedule"] = lambda b, t, lr, kw: _optax_interpolate(t, kw["interpolate_type"], kw["init_value"], kw["boundaries_and_scales"])


@_closed("optax.linear_onecycle_schedule")
def _(b, t, lr, kw):
    steps, div = kw["transition_steps"], kw["div_factor"]
    scales = {int(kw["pct_start"] * steps): div, int(kw["pct_final"] * steps): 1.0 / div, steps: 1.0 / kw["final_div_factor"]}
    return _optax_interpolate(t, "linear", kw["peak_value"] / div, scales)


@_closed("optax.cosine_onecycle_schedule")
def _(b, t, lr, kw):
    steps, div = kw["transition_steps"], kw["div_factor"]
    scales = {int(kw["pct_start"] * steps): div, int(steps): 1.0 / (div * kw["final_div_factor"])}
    return _optax_interpolate(t, "cosine", kw["peak_value"] / div, scales)


_CLOSED["optax.warmup_constant_schedule"] = lambda b, t, lr, kw: _optax_polynomial(t, kw["init_value"], kw["peak_value"], 1, kw["warmup_steps"])
_CLOSED["optax.warmup_cosine_decay_schedule"] = lambda b, t, lr, kw: _warmup_cosine(t, **kw)


@_closed("optax.warmup_exponential_decay_schedule")
def _(b, t, lr, kw):
    decay = [kw[k] for k in ("transition_steps", "decay_rate", "transition_begin", "staircase", "end_value")]
    parts = [lambda s: _optax_polynomial(s, kw["init_value"], kw["peak_value"], 1, kw["warmup_steps"]), lambda s: _optax_exponential(s, kw["peak_value"], *decay)]
    return _optax_join(t, parts, [kw["warmup_steps"]])


@_closed("optax.sgdr_schedule")
def _(b, t, lr, kw):
    spec = lookup("optax.warmup_cosine_decay_schedule")
    cycles = [bind(spec, cycle) for cycle in kw["cosine_kwargs"]]
    ends = [sum(c["decay_steps"] for c in cycles[: i + 1]) for i in range(len(cycles))]
    return _optax_join(t, [lambda s, c=c: _warmup_cosine(s, **c) for c in cycles], ends[:-1])


@_closed("optax.join_schedules")
def _(b, t, lr, kw):
    def part(spec: dict) -> Callable[[Expr], Expr]:
        api, inner = _nested(spec, "optax.")
        return lambda s: _closed_form(b, s, api, None, inner)

    return _optax_join(t, [part(spec) for spec in kw["schedules"]], list(kw["boundaries"]))


# Hugging Face transformers (lrcalc.libraries.transformers): lr times the LambdaLR factor.


def _hf_warmup(t: Expr, warmup: int) -> Expr:
    return t / float(max(1, warmup))


def _hf_cosine(t: Expr, warmup: int, training: int, cycles: float, rate: float = 0.0) -> Expr:
    progress = (t - warmup) / float(max(1, training - warmup))
    value = 0.5 * (1.0 + cos(PI * float(cycles) * 2.0 * progress))
    return where(t < warmup, _hf_warmup(t, warmup), maximum(0.0, value * (1 - rate) + rate))


_CLOSED[HF + "get_constant_schedule"] = lambda b, t, lr, kw: lr * 1


@_closed(HF + "get_constant_schedule_with_warmup")
def _(b, t, lr, kw):
    w = kw["num_warmup_steps"]
    return lr * where(t < w, t / float(max(1.0, w)), 1.0)


@_closed(HF + "get_linear_schedule_with_warmup")
def _(b, t, lr, kw):
    w, n = kw["num_warmup_steps"], kw["num_training_steps"]
    return lr * where(t < w, _hf_warmup(t, w), maximum(0.0, (n - t) / float(max(1, n - w))))


_CLOSED[HF + "get_cosine_schedule_with_warmup"] = lambda b, t, lr, kw: lr * _hf_cosine(t, kw["num_warmup_steps"], kw["num_training_steps"], kw["num_cycles"])


@_closed(HF + "get_cosine_with_hard_restarts_schedule_with_warmup")
def _(b, t, lr, kw):
    w, n = kw["num_warmup_steps"], kw["num_training_steps"]
    progress = b.let("progress", (t - w) / float(max(1, n - w)))
    wave = maximum(0.0, 0.5 * (1.0 + cos(PI * ((float(kw["num_cycles"]) * progress) % 1.0))))
    return lr * where(t < w, _hf_warmup(t, w), where(progress >= 1.0, 0.0, wave))


@_closed(HF + "get_polynomial_decay_schedule_with_warmup")
def _(b, t, lr, kw):
    w, n, end, power = kw["num_warmup_steps"], kw["num_training_steps"], kw["lr_end"], kw["power"]
    _need(n != w, "get_polynomial_decay_schedule_with_warmup with num_warmup_steps == num_training_steps divides 0 by 0 at that step")
    decay = ((lr - end) * (1 - (t - w) / (n - w)) ** power + end) / lr
    return lr * where(t < w, _hf_warmup(t, w), where(t > n, end / lr, decay))


@_closed(HF + "get_inverse_sqrt_schedule")
def _(b, t, lr, kw):
    w, timescale = kw["num_warmup_steps"], kw["timescale"]
    timescale = (w or 10_000) if timescale is None else timescale
    return lr * where(t < w, _hf_warmup(t, w), 1.0 / sqrt((t + (timescale - w)) / timescale))


def _hf_min_rate(lr: float, kw: dict) -> float:
    from .libraries.transformers import _min_rate

    return _min_rate(lr, kw["min_lr"], kw["min_lr_rate"])


_CLOSED[HF + "get_cosine_with_min_lr_schedule_with_warmup"] = lambda b, t, lr, kw: lr * _hf_cosine(t, kw["num_warmup_steps"], kw["num_training_steps"], kw["num_cycles"], _hf_min_rate(lr, kw))


@_closed(HF + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate")
def _(b, t, lr, kw):
    rate, warmup, training = _hf_min_rate(lr, kw), float(kw["num_warmup_steps"]), float(kw["num_training_steps"])
    if kw["warmup_lr_rate"] is None:
        rising = (t + 1.0) / max(1.0, warmup)
    else:
        start = float(kw["warmup_lr_rate"])
        rising = start + (1.0 - start) * t / max(1, warmup - 1)
    progress = (t - warmup + 1.0) / max(1.0, training - warmup)
    value = 0.5 * (1.0 + cos(PI * kw["num_cycles"] * 2.0 * progress))
    return lr * where(t < warmup, rising, maximum(0, value * (1 - rate) + rate))


@_closed(HF + "get_wsd_schedule")
def _(b, t, lr, kw):
    w, d, r, cycles = kw["num_warmup_steps"], kw["num_decay_steps"], kw["min_lr_ratio"], kw["num_cycles"]
    s = kw["num_stable_steps"] if kw["num_stable_steps"] is not None else kw["num_training_steps"] - w - d

    def shape(kind: str, p: Expr, rising: bool) -> Expr:
        if kind == "linear":
            return p if rising else 1.0 - p
        if kind == "cosine":
            return 0.5 * (1.0 - cos(PI * p)) if rising else 0.5 * (1.0 + cos(PI * float(cycles) * 2.0 * p))
        return 1.0 - sqrt(1.0 - p) if rising else 1.0 - sqrt(p)

    up = maximum(0.0, shape(kw["warmup_type"], t / float(max(1, w)), True) * (1.0 - r) + r)
    down = maximum(0.0, shape(kw["decay_type"], _after(t, w + s) / float(max(1, d)), False) * (1.0 - r) + r)
    return lr * chain_below(t, [(w, up), (w + s, 1.0), (w + s + d, down)], r)


def _hf_dispatch(kw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The schedule ``transformers.get_scheduler`` builds, as (api, kwargs)."""
    from .libraries.transformers import _BY_NAME

    name, extra = kw["name"], dict(kw["scheduler_specific_kwargs"] or {})
    api = HF + _BY_NAME[name]
    if name == "constant":
        return api, {}
    if name in ("reduce_lr_on_plateau", "greedy"):
        return api, {**extra, "metrics": list(kw["metrics"])}
    if name == "constant_with_warmup":
        return api, {"num_warmup_steps": kw["num_warmup_steps"]}
    if name == "inverse_sqrt":
        return api, {"num_warmup_steps": kw["num_warmup_steps"], **extra}
    return api, {"num_warmup_steps": kw["num_warmup_steps"], "num_training_steps": kw["num_training_steps"], **extra}


@_closed(HF + "get_scheduler")
def _(b, t, lr, kw):
    api, inner = _hf_dispatch(kw)
    return _closed_form(b, t, api, lr, inner)


# timm (lrcalc.libraries.timm), stepped with scheduler.step(epoch).


def _timm_warmed(t: Expr, warmup_t: int, warmup_lr_init: float, target: float, shape: Any) -> Any:
    if not warmup_t:
        return shape
    return where(t < warmup_t, warmup_lr_init + t * ((target - warmup_lr_init) / warmup_t), shape)


def _timm_cyclic(b: _Body, t: Expr, lr: float, kw: dict, curve: Callable[[Any, Expr, Any], Expr]) -> Expr:
    """timm's cosine/tanh/poly skeleton: the cycle index as timm computes it, then ``curve(peak, position, length)``."""
    ti, mul = kw["t_initial"], kw["cycle_mul"]
    s = b.let("t", _after(t, kw["warmup_t"])) if kw["warmup_prefix"] else t
    if mul != 1:
        i = b.let("i", floor(log(1 - s / ti * (1 - mul)) / math.log(mul)))
        length = b.let("length", mul**i * ti)
        position = b.let("position", s - (1 - mul**i) / (1 - mul) * ti)
    else:
        i = b.let("i", s // ti)
        length, position = ti, b.let("position", s - ti * i)
    return where(i < kw["cycle_limit"], curve(lr * kw["cycle_decay"] ** i, position, length), kw["lr_min"])


@_closed(TIMM + "CosineLRScheduler")
def _(b, t, lr, kw):
    low, k = kw["lr_min"], kw["k_decay"]
    shape = _timm_cyclic(b, t, lr, kw, lambda peak, pos, length: low + 0.5 * (peak - low) * (1 + cos(PI * pos**k / length**k)))
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, shape)


@_closed(TIMM + "PolyLRScheduler")
def _(b, t, lr, kw):
    low, k, power = kw["lr_min"], kw["k_decay"], kw["power"]
    shape = _timm_cyclic(b, t, lr, kw, lambda peak, pos, length: low + (peak - low) * (1 - pos**k / length**k) ** power)
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, shape)


@_closed(TIMM + "TanhLRScheduler")
def _(b, t, lr, kw):
    low, lb, ub, w = kw["lr_min"], kw["lb"], kw["ub"], kw["warmup_t"]

    def curve(peak, pos, length):
        tr = pos / length
        return low + 0.5 * (peak - low) * (1 - tanh(lb * (1.0 - tr) + ub * tr))

    shape = _timm_cyclic(b, t, lr, kw, curve)
    target = lr if kw["warmup_prefix"] or not w else from_library(TIMM + "TanhLRScheduler", lr=lr, **kw)(w)
    return _timm_warmed(t, w, kw["warmup_lr_init"], target, shape)


@_closed(TIMM + "StepLRScheduler")
def _(b, t, lr, kw):
    s = t - kw["warmup_t"] if kw["warmup_prefix"] else t
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, lr * kw["decay_rate"] ** (s // kw["decay_t"]))


@_closed(TIMM + "MultiStepLRScheduler")
def _(b, t, lr, kw):
    milestones = list(kw["decay_t"])
    _need(milestones == sorted(milestones), "MultiStepLRScheduler with unsorted decay_t bisects an unsorted list; only sorted ones are written out")
    s = t - kw["warmup_t"] if kw["warmup_prefix"] else t
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, lr * kw["decay_rate"] ** count_reached(s + 1, milestones))


@_closed(TIMM + "WSDLRScheduler")
def _(b, t, lr, kw):
    w, low, ratio = kw["warmup_t"], kw["lr_min"], kw["decay_ratio"]
    t_s = b.let("t_s", _after(t, w))
    if kw["stable_fn"] == "constant":
        level: Any = max(lr * 1.0, low)
    else:
        power = 0.5 if kw["stable_fn"] == "rsqrt" else kw["stable_power"]
        timescale = kw["stable_timescale"] if kw["stable_timescale"] is not None else w
        level = b.let("level", maximum(lr * (1.0 + t_s / timescale) ** -power, low))
    t_decay = b.let("t_decay", t_s - (kw["t_initial"] - kw["decay_t"]))
    frac = minimum(t_decay / kw["decay_t"], 1.0)
    decay = {
        "linear": lambda: 1.0 - frac,
        "1-sqrt": lambda: 1.0 - sqrt(frac),
        "cosine": lambda: 0.5 * (1.0 + cos(PI * frac)),
        "power": lambda: 1.0 - frac ** kw["decay_power"],
        "exp": lambda: (ratio**frac - ratio) / (1.0 - ratio),
    }[kw["decay_fn"]]()
    return _timm_warmed(t, w, kw["warmup_lr_init"], lr, where(t_decay <= 0, level, low + (level - low) * decay))


def _timm_dispatch(kw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The scheduler ``timm.scheduler.create_scheduler_v2`` builds, as (api, kwargs); ``lrcalc.constant`` for "none"."""
    sched = kw["sched"]
    decay_epochs = kw["decay_epochs"] if kw["decay_epochs"] is not None else (0.2 if sched in ("wsd", "rsqrt") else 90)
    t_initial, warmup_t, decay_t, timescale, milestones = kw["num_epochs"], kw["warmup_epochs"], decay_epochs, kw["stable_timescale"], kw["decay_milestones"]
    if not kw["step_on_epochs"]:
        per = kw["updates_per_epoch"]
        t_initial, warmup_t, decay_t = t_initial * per, warmup_t * per, decay_t * per
        milestones = [d * per for d in milestones]
        timescale = None if timescale is None else timescale * per
    warm = {"warmup_t": warmup_t, "warmup_lr_init": kw["warmup_lr"], "warmup_prefix": kw["warmup_prefix"]}
    cycles = {"lr_min": kw["min_lr"], "cycle_mul": kw["cycle_mul"], "cycle_decay": kw["cycle_decay"], "cycle_limit": kw["cycle_limit"]}
    if sched in ("wsd", "rsqrt"):
        t_sched = t_initial if kw["warmup_prefix"] else t_initial - warmup_t
        decay_t = decay_epochs * t_sched if 0 < decay_epochs < 1 else decay_t
        return TIMM + "WSDLRScheduler", {
            "t_initial": t_sched, "decay_t": round(decay_t), "lr_min": kw["min_lr"], "stable_fn": "rsqrt" if sched == "rsqrt" else "constant",
            "stable_timescale": timescale, "decay_fn": kw["decay_fn"] or ("linear" if sched == "rsqrt" else "1-sqrt"),
            "warmup_t": warmup_t, "warmup_lr_init": kw["warmup_lr"],
        }
    return {
        "cosine": (TIMM + "CosineLRScheduler", {"t_initial": t_initial, **cycles, **warm, "k_decay": kw["k_decay"]}),
        "tanh": (TIMM + "TanhLRScheduler", {"t_initial": t_initial, **cycles, **warm}),
        "step": (TIMM + "StepLRScheduler", {"decay_t": decay_t, "decay_rate": kw["decay_rate"], **warm}),
        "constant": (TIMM + "StepLRScheduler", {"decay_t": 1, "decay_rate": 1.0, **warm}),
        "multistep": (TIMM + "MultiStepLRScheduler", {"decay_t": list(milestones), "decay_rate": kw["decay_rate"], **warm}),
        "plateau": (TIMM + "PlateauLRScheduler", {"metrics": kw["metrics"], "decay_rate": kw["decay_rate"], "patience_t": kw["patience_epochs"], "warmup_t": warmup_t,
                                                  "warmup_lr_init": kw["warmup_lr"], "lr_min": kw["min_lr"], "mode": kw["plateau_mode"]}),
        "poly": (TIMM + "PolyLRScheduler", {"t_initial": t_initial, "power": kw["decay_rate"], **cycles, **warm, "k_decay": kw["k_decay"]}),
    }.get(sched, ("lrcalc.constant", {"value": None}))


@_closed(TIMM + "create_scheduler_v2")
def _(b, t, lr, kw):
    api, inner = _timm_dispatch(kw)
    return lr * 1 if api == "lrcalc.constant" else _closed_form(b, t, api, lr, inner)


# ---------------------------------------------------------------- the libraries' own constructors


@dataclass
class Call:
    """A constructor call to write out: ``name(*positional, **keywords)``."""

    name: str
    keywords: dict[str, Any]
    positional: tuple[str, ...] = ()


@dataclass
class _Native:
    """A library's own constructor for the target, and what the snippet needs around it."""

    call: Call
    reason: str
    lr: float | None = None  # the optimizer's lr (PyTorch, transformers)
    momentum: bool = False  # the scheduler cycles momentum, so the optimizer needs some
    metric: bool = False  # stepped with a metric
    hf: bool = False  # needs ``import transformers``


def _native(source: _Source, target: str) -> _Native | None:
    """The target library's own constructor giving the schedule's values, or None."""
    spec = source.spec
    written = _as_written(source, target)
    if written is not None:
        return written
    built = _dispatched(source)
    if built is not None:
        return _native(built, target)
    if spec.family == "plateau" or spec.name == "reduce_on_plateau":
        return _plateau(source, target)
    family = _as_family(source)
    if family is None:
        return None
    api, kwargs = family
    build = _FAMILY_NATIVES.get((api, target))
    if build is None and target == "transformers":
        build = _FAMILY_NATIVES.get((api, "pytorch"))
    native = build(bind(lookup(api), kwargs)) if build else None
    if native is not None and spec.library != "lrcalc":
        native.reason = f"{native.reason[:-1]} as {spec.name}."
    return native


def _dispatched(source: _Source) -> _Source | None:
    """What a dispatcher (``get_scheduler``, ``create_scheduler_v2``) builds; None for other schedulers."""
    if source.spec.name not in ("get_scheduler", "create_scheduler_v2"):
        return None
    api, inner = _hf_dispatch(source.kw) if source.spec.library == "transformers" else _timm_dispatch(source.kw)
    if api == "lrcalc.constant":
        inner = {"value": source.lr}
    built = lookup(api)
    return _Source(built, None if built.library == "lrcalc" else source.lr, bind(built, inner), inner, source.schedule)


def _torch_value(value: Any) -> Any:
    """Nested ``{"api": ...}`` PyTorch schedulers become calls on the same optimizer."""
    if isinstance(value, list):
        return [_torch_value(v) for v in value]
    if isinstance(value, dict) and "api" in value:
        name = TORCH + str(value["api"]).rsplit(".", 1)[-1]
        return Call(name, {k: _torch_value(v) for k, v in value.items() if k != "api"}, () if name.endswith("ChainedScheduler") else ("optimizer",))
    return value


def _optax_value(key: str, value: Any) -> Any:
    """Nested optax schedules become calls; ``boundaries_and_scales`` keys become ints again."""
    if key == "boundaries_and_scales" and isinstance(value, dict):
        return {int(k): v for k, v in value.items()}
    if isinstance(value, list):
        return [_optax_value("", v) for v in value]
    if isinstance(value, dict) and "api" in value:
        api, inner = _nested(value, "optax.")
        return Call(api, {k: _optax_value(k, v) for k, v in inner.items()})
    return value


def _as_written(source: _Source, target: str) -> _Native | None:
    """The same library's call, as written (without ``metrics``, which go to step())."""
    spec, library, lr = source.spec, source.spec.library, source.lr
    constructor = {p.name for p in spec.params if p.positional}
    arguments = {k: v for k, v in source.given.items() if k in constructor}
    if library == "torch" and target in ("pytorch", "transformers"):
        call = Call(spec.api, {k: _torch_value(v) for k, v in arguments.items()}, () if spec.name == "ChainedScheduler" else ("optimizer",))
        momentum = spec.name in ("CyclicLR", "OneCycleLR") and bool(source.kw["cycle_momentum"])
        return _Native(call, f"PyTorch's own {spec.name}, as written.", lr, momentum, spec.name == "ReduceLROnPlateau")
    if library == "transformers" and target == "transformers":
        metric = spec.family == "plateau" or (spec.name == "get_scheduler" and source.kw["name"] in ("reduce_lr_on_plateau", "greedy"))
        if spec.name == "get_scheduler":
            call = Call(spec.api, {"name": arguments.pop("name")}, ("optimizer=optimizer",))
            call.keywords.update(arguments)
        else:
            call = Call(spec.api, arguments, ("optimizer",))
        return _Native(call, f"transformers' own {spec.name}, as written.", lr, metric=metric, hf=True)
    if library == "keras" and target == "keras":
        return _Native(Call(spec.api, arguments), f"Keras' own {spec.name}, as written.")
    if library == "optax" and target == "optax":
        return _Native(Call(spec.api, {k: _optax_value(k, v) for k, v in arguments.items()}), f"optax's own {spec.name}, as written.")
    return None


def _plateau(source: _Source, target: str) -> _Native | None:
    """Metric-driven schedules: PyTorch's ReduceLROnPlateau where it is the same rule; None elsewhere."""
    spec, kw = source.spec, source.kw
    if target not in ("pytorch", "transformers"):
        return None
    if spec.name == "reduce_on_plateau":
        names = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown")
        arguments, lr = {n: kw[n] for n in names} | {"min_lr": kw["min_value"], "eps": kw["eps"]}, float(kw["init_value"])
    elif spec.name == "get_reduce_on_plateau_schedule":
        arguments, lr = {k: v for k, v in source.given.items() if k != "metrics"}, source.lr
    elif spec.name == "PlateauLRScheduler" and kw["warmup_t"] == 0:
        arguments = {"mode": kw["mode"], "factor": kw["decay_rate"], "patience": kw["patience_t"], "threshold": kw["threshold"],
                     "cooldown": kw["cooldown_t"], "min_lr": kw["lr_min"]}
        lr = source.lr
    else:
        return None
    if spec.name != "get_reduce_on_plateau_schedule":
        arguments = _short(TORCH + "ReduceLROnPlateau", arguments)
    if target == "transformers":
        return _Native(Call(HF + "get_reduce_on_plateau_schedule", arguments, ("optimizer",)),
                       f"transformers' get_reduce_on_plateau_schedule (PyTorch's ReduceLROnPlateau) applies the same rule as {spec.name}.", lr, metric=True, hf=True)
    return _Native(Call(TORCH + "ReduceLROnPlateau", arguments, ("optimizer",)), f"PyTorch's ReduceLROnPlateau applies the same rule as {spec.name}.", lr, metric=True)


def _as_family(source: _Source) -> tuple[str, dict[str, Any]] | None:
    """The lrcalc family with exactly the same values, to look up other libraries' built-ins."""
    if source.spec.library == "lrcalc":
        return source.spec.api, source.kw
    translate = _TRANSLATIONS.get(source.spec.api)
    candidate = translate(source.lr, source.kw) if translate else None
    if candidate is None:
        return None
    try:
        from_library(candidate[0], **candidate[1])  # within the family's own rules (init_value > 0, ...)
    except ValueError:
        return None
    return candidate


def _step_or_exponential(init, steps, rate, staircase) -> tuple[str, dict] | None:
    if staircase and _integral(steps):
        return "lrcalc.step_decay", {"init_value": init, "step_size": int(steps), "decay_factor": rate}
    return ("lrcalc.exponential_decay", {"init_value": init, "decay_rate": rate}) if steps == 1 else None


_TRANSLATIONS: dict[str, Callable[[Any, dict], tuple[str, dict] | None]] = {
    TORCH + "StepLR": lambda lr, kw: ("lrcalc.step_decay", {"init_value": lr, "step_size": kw["step_size"], "decay_factor": kw["gamma"]}),
    TORCH + "ExponentialLR": lambda lr, kw: ("lrcalc.exponential_decay", {"init_value": lr, "decay_rate": kw["gamma"]}),
    TORCH + "MultiStepLR": lambda lr, kw: ("lrcalc.multistep_decay", {"init_value": lr, "milestones": kw["milestones"], "decay_factor": kw["gamma"]}),
    TORCH + "CosineAnnealingWarmRestarts": lambda lr, kw: (
        "lrcalc.cosine_restarts", {"init_value": lr, "period": kw["T_0"], "period_mult": float(kw["T_mult"]), "end_value": kw["eta_min"]}),
    TORCH + "PolynomialLR": lambda lr, kw: ("lrcalc.polynomial_decay", {"init_value": lr, "end_value": 0.0, "steps": kw["total_iters"], "power": kw["power"]}),
    KS + "ExponentialDecay": lambda lr, kw: _step_or_exponential(kw["initial_learning_rate"], kw["decay_steps"], kw["decay_rate"], kw["staircase"]),
    KS + "PolynomialDecay": lambda lr, kw: ("lrcalc.polynomial_decay", {
        "init_value": kw["initial_learning_rate"], "end_value": kw["end_learning_rate"], "steps": kw["decay_steps"], "power": kw["power"], "cycle": kw["cycle"]}),
    KS + "InverseTimeDecay": lambda lr, kw: ("lrcalc.inverse_time_decay", {
        "init_value": kw["initial_learning_rate"], "decay_steps": kw["decay_steps"], "decay_rate": kw["decay_rate"], "staircase": kw["staircase"]}),
    KS + "CosineDecay": lambda lr, kw: None if kw["warmup_target"] is not None else (
        "lrcalc.cosine_decay", {"init_value": kw["initial_learning_rate"], "steps": kw["decay_steps"], "end_value": kw["alpha"] * kw["initial_learning_rate"]}),
    KS + "PiecewiseConstantDecay": lambda lr, kw: ("lrcalc.piecewise_constant", {"boundaries": [b + 1 for b in kw["boundaries"]], "values": kw["values"]}),
    "optax.constant_schedule": lambda lr, kw: ("lrcalc.constant", {"value": kw["value"]}),
    "optax.linear_schedule": lambda lr, kw: None if kw["transition_begin"] else (
        "lrcalc.linear", {"init_value": kw["init_value"], "end_value": kw["end_value"], "steps": kw["transition_steps"]}),
    "optax.polynomial_schedule": lambda lr, kw: None if kw["transition_begin"] else (
        "lrcalc.polynomial_decay", {"init_value": kw["init_value"], "end_value": kw["end_value"], "steps": kw["transition_steps"], "power": kw["power"]}),
    "optax.exponential_decay": lambda lr, kw: None if kw["transition_begin"] or kw["end_value"] is not None else _step_or_exponential(
        kw["init_value"], kw["transition_steps"], kw["decay_rate"], kw["staircase"]),
    "optax.cosine_decay_schedule": lambda lr, kw: (
        "lrcalc.cosine_decay", {"init_value": kw["init_value"], "steps": kw["decay_steps"], "end_value": kw["alpha"] * kw["init_value"], "exponent": kw["exponent"]}),
    HF + "get_constant_schedule": lambda lr, kw: ("lrcalc.constant", {"value": lr}),
    HF + "get_polynomial_decay_schedule_with_warmup": lambda lr, kw: None if kw["num_warmup_steps"] else (
        "lrcalc.polynomial_decay", {"init_value": lr, "end_value": kw["lr_end"], "steps": kw["num_training_steps"], "power": kw["power"]}),
    TIMM + "StepLRScheduler": lambda lr, kw: None if kw["warmup_t"] else ("lrcalc.step_decay", {"init_value": lr, "step_size": kw["decay_t"], "decay_factor": kw["decay_rate"]}),
    TIMM + "CosineLRScheduler": lambda lr, kw: None if kw["warmup_t"] or kw["cycle_limit"] != 1 or kw["k_decay"] != 1 else (
        "lrcalc.cosine_decay", {"init_value": lr, "steps": kw["t_initial"], "end_value": kw["lr_min"]}),
}
"""Library schedulers that equal an lrcalc family exactly (None where the arguments leave the family)."""

_SAME = "gives exactly the same values"


def _short(api: str, arguments: dict) -> dict:
    """The arguments without those equal to the constructor's defaults."""
    defaults = {p.name: p.default for p in lookup(api).params}

    def same(a, b):
        return a is b if isinstance(a, bool) or isinstance(b, bool) else a == b

    return {k: v for k, v in arguments.items() if not (k in defaults and same(v, defaults[k]))}


def _torch(name: str, arguments: dict, lr: float) -> _Native:
    return _Native(Call(TORCH + name, _short(TORCH + name, arguments), ("optimizer",)), f"PyTorch's {name} {_SAME}.", lr)


def _keras(name: str, arguments: dict, note: str = "") -> _Native:
    return _Native(Call(KS + name, _short(KS + name, arguments)), f"Keras' {name}{note} {_SAME}.")


def _optax(name: str, arguments: dict, note: str = "") -> _Native:
    return _Native(Call("optax." + name, _short("optax." + name, arguments)), f"optax's {name}{note} {_SAME}.")


def _hf(name: str, arguments: dict, lr: float, note: str = "") -> _Native:
    return _Native(Call(HF + name, _short(HF + name, arguments), ("optimizer",)), f"transformers' {name}{note} {_SAME}.", lr, hf=True)


def _linear_torch(kw: dict) -> _Native | None:
    start, end = float(kw["init_value"]), float(kw["end_value"])
    if start <= 0:
        return None  # LinearLR's start_factor must be > 0
    base = max(start, end)
    return _torch("LinearLR", {"start_factor": start / base, "end_factor": end / base, "total_iters": kw["steps"]}, base)


def _piecewise_interpolate_optax(kw: dict) -> _Native | None:
    values = [float(v) for v in kw["values"]]
    if min(values) <= 0:
        return None  # optax chains the values as scales, which cannot leave 0
    scales = {kw["boundaries"][0]: 1.0} | {b: v / u for b, u, v in zip(kw["boundaries"][1:], values, values[1:])}
    return _optax("piecewise_interpolate_schedule", {"interpolate_type": kw["kind"], "init_value": values[0], "boundaries_and_scales": scales}, " (each value a scale of the one before)")


def _restarts_keras(kw: dict) -> _Native | None:
    if kw["period_mult"] != 1 or (kw["peak_decay"] != 1 and kw["end_value"] != 0):
        return None  # Keras finds longer periods with a logarithm, and decays its floor with the peak
    arguments = {"initial_learning_rate": kw["init_value"], "first_decay_steps": kw["period"], "t_mul": 1.0, "m_mul": kw["peak_decay"], "alpha": kw["end_value"] / kw["init_value"]}
    return _keras("CosineDecayRestarts", arguments, " with t_mul=1")


_FAMILY_NATIVES: dict[tuple[str, str], Callable[[dict], _Native | None]] = {
    ("lrcalc.constant", "pytorch"): lambda kw: _torch("ConstantLR", {"factor": 1.0, "total_iters": 0}, kw["value"]),
    ("lrcalc.constant", "optax"): lambda kw: _optax("constant_schedule", {"value": kw["value"]}),
    ("lrcalc.constant", "transformers"): lambda kw: _hf("get_constant_schedule", {}, kw["value"]),
    ("lrcalc.exponential_decay", "pytorch"): lambda kw: _torch("ExponentialLR", {"gamma": kw["decay_rate"]}, kw["init_value"]),
    ("lrcalc.exponential_decay", "keras"): lambda kw: _keras(
        "ExponentialDecay", {"initial_learning_rate": kw["init_value"], "decay_steps": 1, "decay_rate": kw["decay_rate"]}, " with decay_steps=1"),
    ("lrcalc.exponential_decay", "optax"): lambda kw: _optax(
        "exponential_decay", {"init_value": kw["init_value"], "transition_steps": 1, "decay_rate": kw["decay_rate"]}, " with transition_steps=1"),
    ("lrcalc.step_decay", "pytorch"): lambda kw: _torch("StepLR", {"step_size": kw["step_size"], "gamma": kw["decay_factor"]}, kw["init_value"]),
    ("lrcalc.step_decay", "keras"): lambda kw: _keras("ExponentialDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["step_size"], "decay_rate": kw["decay_factor"], "staircase": True}, " with staircase=True"),
    ("lrcalc.step_decay", "optax"): lambda kw: _optax("exponential_decay", {
        "init_value": kw["init_value"], "transition_steps": kw["step_size"], "decay_rate": kw["decay_factor"], "staircase": True}, " with staircase=True"),
    ("lrcalc.multistep_decay", "pytorch"): lambda kw: _torch("MultiStepLR", {"milestones": kw["milestones"], "gamma": kw["decay_factor"]}, kw["init_value"]),
    ("lrcalc.multistep_decay", "optax"): lambda kw: _optax(
        "piecewise_constant_schedule", {"init_value": kw["init_value"], "boundaries_and_scales": {m: kw["decay_factor"] for m in kw["milestones"]}}),
    ("lrcalc.piecewise_constant", "keras"): lambda kw: _keras(
        "PiecewiseConstantDecay", {"boundaries": [b - 1 for b in kw["boundaries"]], "values": kw["values"]}, " (it changes one step after each boundary)"),
    ("lrcalc.piecewise_constant", "optax"): lambda kw: _optax("piecewise_constant_schedule", {
        "init_value": kw["values"][0], "boundaries_and_scales": {b: v / u for b, u, v in zip(kw["boundaries"], kw["values"], kw["values"][1:])}},
        " (each value a scale of the one before)"),
    ("lrcalc.linear", "pytorch"): _linear_torch,
    ("lrcalc.linear", "keras"): lambda kw: _keras("PolynomialDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["steps"], "end_learning_rate": kw["end_value"], "power": 1.0}, " with power=1"),
    ("lrcalc.linear", "optax"): lambda kw: _optax("linear_schedule", {"init_value": kw["init_value"], "end_value": kw["end_value"], "transition_steps": kw["steps"]}),
    ("lrcalc.polynomial_decay", "pytorch"): lambda kw: None if kw["cycle"] or kw["end_value"] != 0 else _torch(
        "PolynomialLR", {"total_iters": kw["steps"], "power": kw["power"]}, kw["init_value"]),
    ("lrcalc.polynomial_decay", "keras"): lambda kw: _keras("PolynomialDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["steps"], "end_learning_rate": kw["end_value"], "power": kw["power"], "cycle": kw["cycle"]}),
    ("lrcalc.polynomial_decay", "optax"): lambda kw: None if kw["cycle"] else _optax(
        "polynomial_schedule", {"init_value": kw["init_value"], "end_value": kw["end_value"], "power": kw["power"], "transition_steps": kw["steps"]}),
    ("lrcalc.polynomial_decay", "transformers"): lambda kw: None if kw["cycle"] or not kw["init_value"] > kw["end_value"] else _hf(
        "get_polynomial_decay_schedule_with_warmup", {"num_warmup_steps": 0, "num_training_steps": kw["steps"], "lr_end": kw["end_value"], "power": kw["power"]},
        kw["init_value"], " without warmup"),
    ("lrcalc.cosine_decay", "keras"): lambda kw: None if kw["exponent"] != 1 else _keras(
        "CosineDecay", {"initial_learning_rate": kw["init_value"], "decay_steps": kw["steps"], "alpha": kw["end_value"] / kw["init_value"]}, " (alpha = end_value / init_value)"),
    ("lrcalc.cosine_decay", "optax"): lambda kw: _optax("cosine_decay_schedule", {
        "init_value": kw["init_value"], "decay_steps": kw["steps"], "alpha": kw["end_value"] / kw["init_value"], "exponent": kw["exponent"]}, " (alpha = end_value / init_value)"),
    ("lrcalc.inverse_time_decay", "keras"): lambda kw: _keras("InverseTimeDecay", {
        "initial_learning_rate": kw["init_value"], "decay_steps": kw["decay_steps"], "decay_rate": kw["decay_rate"], "staircase": kw["staircase"]}),
    ("lrcalc.cosine_restarts", "pytorch"): lambda kw: None if kw["peak_decay"] != 1 or not _integral(kw["period_mult"]) else _torch(
        "CosineAnnealingWarmRestarts", {"T_0": kw["period"], "T_mult": int(kw["period_mult"]), "eta_min": kw["end_value"]}, kw["init_value"]),
    ("lrcalc.cosine_restarts", "keras"): _restarts_keras,
    ("lrcalc.cyclic", "pytorch"): lambda kw: _torch("CyclicLR", {
        "base_lr": kw["base_value"], "max_lr": kw["max_value"], "step_size_up": kw["step_size_up"], "step_size_down": kw["step_size_down"],
        "mode": kw["mode"], "gamma": kw["gamma"], "cycle_momentum": False}, kw["base_value"]),
    ("lrcalc.warmup_stable_decay", "transformers"): lambda kw: None if kw["start_value"] != kw["end_value"] else _hf("get_wsd_schedule", {
        "num_warmup_steps": kw["warmup_steps"], "num_decay_steps": kw["decay_steps"], "num_stable_steps": kw["stable_steps"],
        "decay_type": kw["decay"], "min_lr_ratio": kw["end_value"] / kw["peak_value"]}, kw["peak_value"], " (its warmup starts at min_lr_ratio × lr: the start value)"),
    ("lrcalc.piecewise_interpolate", "optax"): _piecewise_interpolate_optax,
}
"""Built-ins of each target that give an lrcalc family's values exactly (None where the arguments rule them out)."""


# ---------------------------------------------------------------- snippets


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


def _torch_usage(source: _Source, metric: bool, hf: bool) -> list[str]:
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


def _native_snippet(native: _Native, source: _Source, target: str) -> str:
    if target == "keras":
        return _layout(["import keras"], [], [_assign("schedule", native.call), "optimizer = keras.optimizers.SGD(learning_rate=schedule)"], KERAS_USAGE)
    if target == "optax":
        return _layout(["import optax"], [], [_assign("schedule", native.call), "optimizer = optax.sgd(learning_rate=schedule)"], OPTAX_USAGE)
    hf = target == "transformers"
    imports = ["import torch"] + (["import transformers"] if native.hf else [])
    statements = _torch_setup(format_value(native.lr), native.momentum, hf) + [_assign("scheduler", native.call)]
    return _layout(imports, [], statements, _torch_usage(source, native.metric, hf))


_CUSTOM_REASON = {
    "pytorch": "No PyTorch built-in gives exactly these values, so this is the closed form in a LambdaLR.",
    "transformers": "No built-in gives exactly these values, so this is the closed form in a LambdaLR (the Trainer takes any PyTorch scheduler).",
    "keras": "No Keras built-in gives exactly these values, so this is the closed form in a LearningRateSchedule.",
    "optax": "No optax built-in gives exactly these values, so this is the closed form as a function of the step count.",
}


def _closed_body(source: _Source, target: str) -> tuple[_Body, Expr]:
    """The closed form of the source schedule, or Unavailable saying why the target cannot express it."""
    label, spec = TARGET_LABELS[target], source.spec
    built = (_dispatched(source) or source).spec
    if built.family == "plateau" or built.name == "reduce_on_plateau":
        raise Unavailable(f"{label} cannot express it: {_METRIC_REASON[target].format(name=built.name, why=_metric_rule(built))}.")
    body = _Body()
    try:
        return body, _closed_form(body, STEP, spec.api, source.lr, source.given)
    except Unavailable as error:
        hint = " (PyTorch and transformers run it as it is)" if spec.name in ("SequentialLR", "ChainedScheduler") else ""
        raise Unavailable(f"{label} cannot express it: {error}{hint}.") from None


_METRIC_REASON = {
    "keras": "{name} follows the metric passed to each step(), and Keras has no schedule driven by a metric "
             "(keras.callbacks.ReduceLROnPlateau is a callback with its own rule, not a LearningRateSchedule)",
    "optax": "{name} follows the metric passed to each step(), and optax has no schedule driven by a metric "
             "(optax.contrib.reduce_on_plateau scales the updates by its own rule; it is not a learning-rate schedule)",
    "pytorch": "{name} follows the metric passed to each step() by a rule PyTorch's ReduceLROnPlateau does not have: {why}",
    "transformers": "{name} follows the metric passed to each step() by a rule PyTorch's ReduceLROnPlateau does not have: {why}",
}


def _metric_rule(spec: LibraryAPI) -> str:
    if spec.library == "timm":
        return "it warms up first (warmup_t > 0)"
    return "it also raises the lr after sustained improvement (transformers runs it as it is)"


def _describe(source: _Source, room: int) -> str:
    """The source call on one line if it fits in ``room`` characters, else its name (for a docstring)."""
    spec = source.spec
    text = f"{spec.api}({', '.join(f'{k}={format_value(v)}' for k, v in source.given.items())})"
    if spec.needs_lr:
        text += f" with lr={format_value(source.lr)}"
    return text if len(text) <= room else spec.api


def _function_lines(body: _Body, value: Expr, d: _Dialect, indent: str) -> list[str]:
    return [f"{indent}{name} = {render(e, d)}" for name, e in body.lines] + [f"{indent}return {render(value, d)}"]


def _custom_snippet(closed: tuple[_Body, Expr], source: _Source, target: str) -> str:
    body, value = closed
    expressions = [value] + [e for _, e in body.lines]
    if target == "keras":
        doc = _describe(source, WIDTH - 24)
        if _uses(value, {"step", "name"}):
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
        imports = (["import math", ""] if any(_uses(e, {"pi"}) for e in expressions) else []) + ["import keras", "from keras import ops"]
        return _layout(imports, [klass], ["schedule = LRSchedule()", "optimizer = keras.optimizers.SGD(learning_rate=schedule)"], KERAS_USAGE)
    if target == "optax":
        doc = _describe(source, WIDTH - 57)
        lines = _function_lines(body, value, JAX, " " * 4) if _uses(value, {"step", "name"}) else [f"    return jnp.asarray({render(value, JAX)})"]
        function = "\n".join(["def schedule(count):", f'    """The learning rate at step count: {doc}, written out."""', *lines])
        return _layout(["import jax.numpy as jnp", "import optax"], [function], ["optimizer = optax.sgd(learning_rate=schedule)"], OPTAX_USAGE)
    hf, doc = target == "transformers", _describe(source, WIDTH - 51)
    function = "\n".join(["def lr_at(step):", f'    """The learning rate at step: {doc}, written out."""', *_function_lines(body, value, PYTHON, " " * 4)])
    imports = (["import math", ""] if any(_uses(e, {"pi", *_MATH}) for e in expressions) else []) + ["import torch"]
    base = f"BASE_LR = {format_value(_base_lr(source))}  # the optimizer's lr; LambdaLR multiplies it by lr_at(step) / BASE_LR"
    statements = _torch_setup("BASE_LR", False, hf) + ["scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_at(step) / BASE_LR)"]
    return _layout(imports, [base + "\n\n\n" + function], statements, _torch_usage(source, False, hf))


def _base_lr(source: _Source) -> float:
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
