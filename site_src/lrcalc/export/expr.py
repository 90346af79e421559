"""The expression language of the code export: a closed form in the step, rendered for each target.

A scheduler's record gives its closed form as a function ``(body, t, lr, kwargs)``
that builds an :class:`Expr` with Python's operators and the functions below
(``cos``, ``where``, ``minimum``, ...); :func:`render` writes it in a target's
dialect: plain Python with ``math`` (PyTorch's ``LambdaLR``), ``jax.numpy``
(optax), ``keras.ops`` (Keras) or JavaScript (the page's first answer, before
Python has loaded). Only exact identities are simplified (``x + 0``, ``x * 1``),
so the rendered code rounds exactly as lrcalc computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


class Unavailable(ValueError):
    """The target cannot express the schedule; the message says why."""


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
    def __lt__(self, other): return Expr("<", self, wrap(other))  # noqa: E704
    def __le__(self, other): return Expr("<=", self, wrap(other))  # noqa: E704
    def __gt__(self, other): return Expr(">", self, wrap(other))  # noqa: E704
    def __ge__(self, other): return Expr(">=", self, wrap(other))  # noqa: E704


STEP = Expr("step")
PI = Expr("pi")


def name(text: str) -> Expr:
    """A symbolic argument, rendered as ``text``: a closed form written for any value of it."""
    return Expr("name", text)


def real(value: Any) -> Any:
    """A float argument as a float (an int 30 becomes 30.0), or a symbolic argument (:func:`name`) as it is."""
    return value if isinstance(value, Expr) else float(value)


def wrap(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Unavailable(f"its closed form would contain {value!r}, which is not a finite number")
    return Expr("num", value)


def _is(e: Expr, value: float) -> bool:
    return e.op == "num" and e.args[0] == value


def _binary(op: str, a: Any, b: Any) -> Expr:
    """``a op b``, dropping only exact identities: x + 0, x - 0, x * 1, x / 1, x ** 1."""
    a, b = wrap(a), wrap(b)
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
    return lambda *args: Expr("call", name, *[wrap(a) for a in args])


cos, sqrt, tanh, log, floor, ceil = (_function(name) for name in ("cos", "sqrt", "tanh", "log", "floor", "ceil"))
minimum, maximum = _function("min"), _function("max")


def where(condition: Any, then: Any, otherwise: Any) -> Expr:
    """``then`` where ``condition`` holds, else ``otherwise``."""
    return Expr("where", condition, wrap(then), wrap(otherwise))


def count_reached(t: Expr, points: list[int]) -> Expr:
    """How many of ``points`` are <= t: a sum of 1.0/0.0 terms (floats, so Keras' TensorFlow backend accepts them)."""
    total: Any = 0
    for point in points:
        total = total + where(t >= point, 1.0, 0.0)
    return wrap(total)


def chain_below(t: Expr, pieces: list[tuple[Any, Any]], last: Any) -> Expr:
    """``pieces[0][1]`` while t < pieces[0][0], then the next piece's value, ..., then ``last``."""
    result = wrap(last)
    for bound, value in reversed(pieces):
        result = where(t < bound, value, result)
    return result


def after(t: Expr, boundary: int) -> Expr:
    """The step counted from ``boundary``, held at 0 before it (so unused branches stay in range)."""
    return t if boundary == 0 else maximum(t - boundary, 0)


class Body:
    """Named intermediate values of a closed form (``k = ...``), in the order they are computed."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, Expr]] = []

    def let(self, hint: str, value: Any) -> Expr:
        value = wrap(value)
        if value.op in ("num", "step", "name"):
            return value
        taken = {name for name, _ in self.lines}
        name = next(f"{hint}{n or ''}" for n in range(len(taken) + 2) if n != 1 and f"{hint}{n or ''}" not in taken)
        self.lines.append((name, value))
        return Expr("name", name)


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Dialect:
    """How one target spells the step, pi, the functions and the conditional."""

    step: str
    pi: str
    functions: dict[str, str]
    where: str | None  # None: a conditional expression (Python's, or JavaScript's with ternary)
    floor_ops: bool  # a // b and a % b written with floor (keras.ops, JavaScript)
    ternary: bool = False  # c ? a : b
    power: str = ""  # a ** b written as a call: power(a, b)


_MATH = ("cos", "sqrt", "tanh", "log", "floor", "ceil")
PYTHON = Dialect("step", "math.pi", {f: f"math.{f}" for f in _MATH} | {"min": "min", "max": "max"}, None, False)
JAX = Dialect("count", "jnp.pi", {f: f"jnp.{f}" for f in _MATH} | {"min": "jnp.minimum", "max": "jnp.maximum"}, "jnp.where", False)
KERAS = Dialect("step", "math.pi", {f: f"ops.{f}" for f in _MATH} | {"min": "ops.minimum", "max": "ops.maximum"}, "ops.where", True)
JAVASCRIPT = Dialect("t", "Math.PI", {f: f"Math.{f}" for f in _MATH} | {"min": "Math.min", "max": "Math.max"}, None, True, ternary=True, power="power")
"""The page's first answer (lrcalc.page.quick). ``**`` is quick.js's power(), rounded as C's pow (Python's float
``**``); Math.pow is an ulp off at times, and a 4-digit text can turn on it."""
_PRECEDENCE = {"where": 1, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "//": 5, "%": 5, "**": 7}


def render(e: Expr, d: Dialect) -> str:
    """Python source for an expression, with the parentheses its evaluation order needs.

    >>> render(0.1 * 0.5 ** (STEP // 30), PYTHON), render(minimum(STEP, 10) / 10, JAX)
    ('0.1 * 0.5 ** (step // 30)', 'jnp.minimum(count, 10) / 10')
    """
    return _render(e, d)[0]


def _render(e: Expr, d: Dialect) -> tuple[str, int]:
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
        if d.ternary:
            return f"{_operand(c, d, 2)} ? {_operand(a, d, 2)} : {_operand(b, d, 1)}", 1
        return f"{_operand(a, d, 2)} if {_operand(c, d, 2)} else {_operand(b, d, 1)}", 1
    a, b = e.args
    if d.floor_ops and op == "//":
        return _render(floor(a / b), d)
    if d.floor_ops and op == "%":
        return _render(a - b * floor(a / b), d)
    precedence = _PRECEDENCE[op]
    if op == "**":
        if d.power:
            return f"{d.power}({render(a, d)}, {render(b, d)})", 10
        return f"{_operand(a, d, 8)} ** {_operand(b, d, 6)}", precedence
    # The right operand gets parentheses at equal precedence, so the grouping (and the rounding) is kept.
    return f"{_operand(a, d, precedence)} {op} {_operand(b, d, precedence + 1)}", precedence


def _operand(e: Expr, d: Dialect, needed: int) -> str:
    text, precedence = _render(e, d)
    return text if precedence >= needed else f"({text})"


_LATEX_FUNCTIONS = {"cos": r"\cos", "tanh": r"\tanh", "log": r"\ln", "min": r"\min", "max": r"\max"}
_LATEX_RELATIONS = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}
_LATEX_SYMBOLS = {"+": "+", "-": "-", "*": r"\cdot", "/": "/"}


def latex(e: Expr, step: str = "t") -> str:
    r"""The expression as LaTeX, for the reference pages (the build converts it to MathML).

    >>> print(latex(0.1 * 0.5 ** (STEP // 30)))
    0.1 \cdot 0.5^{\left\lfloor t / 30 \right\rfloor}
    >>> print(latex(where(STEP < 5, STEP / 5, 1.0)))
    \begin{cases} t / 5 & t < 5 \\ 1.0 & \text{otherwise} \end{cases}
    """
    return _latex(e, step)[0]


def _latex(e: Expr, step: str) -> tuple[str, int]:
    """(LaTeX, precedence), as :func:`_render` gives Python's."""
    op = e.op
    if op == "num":  # to 12 significant digits: a formula to read (the code keeps every digit)
        value = e.args[0]
        text = format(value, ".12g") if isinstance(value, float) and not float(value).is_integer() else format_value(value)
        mantissa, _, exponent = text.partition("e")
        if exponent:
            return mantissa + r" \times 10^{" + str(int(exponent)) + "}", 5
        return text, 6 if text.startswith("-") else 10
    if op == "step":
        return step, 10
    if op == "pi":
        return r"\pi", 10
    if op == "name":
        return e.args[0].replace("_", r"\_"), 10
    if op == "call":
        name, args = e.args[0], [_latex(a, step)[0] for a in e.args[1:]]
        if name in ("floor", "ceil"):
            return r"\left\l" + name + " " + args[0] + r" \right\r" + name, 10
        if name == "sqrt":
            return r"\sqrt{" + args[0] + "}", 10
        return _LATEX_FUNCTIONS[name] + r"\left(" + ", ".join(args) + r"\right)", 10
    if op == "where":
        rows, rest = [], e
        while rest.op == "where":  # a chain of conditions reads as one set of cases
            condition, then, rest = rest.args
            rows.append(_latex(then, step)[0] + " & " + _latex(condition, step)[0])
        rows.append(_latex(rest, step)[0] + r" & \text{otherwise}")
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}", 10
    a, b = e.args
    if op in _LATEX_RELATIONS:
        return f"{_latex(a, step)[0]} {_LATEX_RELATIONS[op]} {_latex(b, step)[0]}", 3
    if op == "**":
        return _latex_operand(a, step, 8) + "^{" + _latex(b, step)[0] + "}", 7
    if op == "//":
        return r"\left\lfloor " + _latex_operand(a, step, 5) + " / " + _latex_operand(b, step, 6) + r" \right\rfloor", 10
    if op == "%":
        return _latex_operand(a, step, 5) + r" \bmod " + _latex_operand(b, step, 6), 5
    precedence = _PRECEDENCE[op]
    return f"{_latex_operand(a, step, precedence)} {_LATEX_SYMBOLS[op]} {_latex_operand(b, step, precedence + 1)}", precedence


def _latex_operand(e: Expr, step: str, needed: int) -> str:
    text, precedence = _latex(e, step)
    return text if precedence >= needed else r"\left(" + text + r"\right)"


def uses(e: Expr, names: set[str]) -> bool:
    """Whether the expression uses any of ``names`` (node kinds or function names)."""
    if e.op in names or (e.op == "call" and e.args[0] in names):
        return True
    return any(isinstance(a, Expr) and uses(a, names) for a in e.args)


# ---------------------------------------------------------------- closed forms of registered schedulers


def need(condition: bool, reason: str) -> None:
    """Raise :class:`Unavailable` with ``reason`` unless ``condition`` holds."""
    if not condition:
        raise Unavailable(reason)


def integral(value: Any) -> bool:
    """A finite number with no fractional part (a float such as 30.0 included)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and float(value).is_integer()


def nested(spec: dict, prefix: str) -> tuple[str, dict[str, Any]]:
    """A nested scheduler ``{"api": ..., **kwargs}`` as (full name, kwargs)."""
    api = str(spec["api"])
    return (api if api.startswith(prefix) else prefix + api), {k: v for k, v in spec.items() if k != "api"}


def _example_free(spec, lr: float | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The build's arguments: the lr first where it takes one, then every argument with its default."""
    from ..libraries import bind

    arguments = bind(spec, {k: v for k, v in kwargs.items() if k != "api"})
    return {"lr": lr, **arguments} if spec.needs_lr else arguments


def closed_at(body: "Body", t: Expr, api: str, lr: float | None, kwargs: dict[str, Any]) -> Expr:
    """The closed form of a registered scheduler at step ``t`` (its record's), or Unavailable saying why not."""
    from ..libraries import bind, lookup

    spec = lookup(api)
    if spec.resolve is not None:
        built, inner, lr = spec.resolve(lr, bind(spec, {k: v for k, v in kwargs.items() if k != "api"}))
        return closed_at(body, t, built, lr, inner)
    if spec.closed is None:
        if spec.driven_by_metric:
            raise Unavailable(f"{spec.name} follows the metric passed to each step(), so it has no formula in the step")
        from .natives import OWNERS

        if getattr(spec.build(**_example_free(spec, lr, kwargs)), "replayed", False):
            raise Unavailable(f"{spec.name} is replayed step by step as {OWNERS[spec.library]} code runs it (each scheduler changes the lr the others left), so it has no closed form to write out")
        raise Unavailable(f"lrcalc has no closed form of {OWNERS[spec.library]} {spec.name} to write out")
    return wrap(spec.closed(body, t, lr, bind(spec, {k: v for k, v in kwargs.items() if k != "api"})))
