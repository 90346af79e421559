"""Read a scheduler constructor call pasted from a training script, without running it.

``parse_call("OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)")`` returns
the registered API, and the arguments as Python values. The text is parsed
with :mod:`ast` and only literals are read (numbers, strings, booleans, None,
lists, tuples, dicts, and ``1e-3 * 2``-style arithmetic on them); nothing is
evaluated, imported or called. The optimizer argument, whatever expression it
is, is skipped. Anything else gets a :class:`PasteError` saying what could not
be read and where.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from .libraries import Scheduler, lookup

MAX_TEXT = 20_000
"""Longer pastes are refused before parsing."""

_PREFIXES = {
    "torch.optim.lr_scheduler.": "torch.optim.lr_scheduler.",
    "optim.lr_scheduler.": "torch.optim.lr_scheduler.",
    "lr_scheduler.": "torch.optim.lr_scheduler.",
    "tf.keras.optimizers.schedules.": "keras.optimizers.schedules.",
    "keras.optimizers.schedules.": "keras.optimizers.schedules.",
    "optimizers.schedules.": "keras.optimizers.schedules.",
    "schedules.": "keras.optimizers.schedules.",
    "optax.schedules.": "optax.",
    "optax.": "optax.",
    "transformers.optimization.": "transformers.",
    "transformers.": "transformers.",
    "timm.scheduler.": "timm.scheduler.",
    "scheduler.": "timm.scheduler.",
    "lrcalc.": "lrcalc.",
}


class PasteError(ValueError):
    """The pasted text could not be read; the message says what and where."""


def _dotted(node: ast.AST) -> str:
    """``a.b.C`` for a Name/Attribute chain."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise PasteError("the call must name a scheduler, such as StepLR(...) or optax.cosine_decay_schedule(...)")


def _is_literal_node(node: ast.AST) -> bool:
    """Whether a node is a plain literal (so not an optimizer expression)."""
    return isinstance(node, (ast.Constant, ast.List, ast.Tuple, ast.Dict)) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
    )


def _resolve(name: str) -> Scheduler:
    """The registered scheduler a dotted name refers to."""
    for prefix, module in _PREFIXES.items():
        if name.startswith(prefix):
            try:
                return lookup(module + name[len(prefix) :])
            except ValueError:
                break
    try:
        return lookup(name)
    except ValueError as error:
        raise PasteError(str(error)) from None


_OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "SparseAdam", "ASGD", "Rprop", "Adafactor", "Lion", "LAMB"}


@dataclass
class Pasted:
    """What a paste describes: the scheduler, its arguments, and the optimizer's lr if it was pasted too."""

    spec: Scheduler
    kwargs: dict[str, Any]
    lr: float | None = None


class Reader:
    """Reads literal expressions, resolving names assigned earlier in the same paste."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}

    def value(self, node: ast.AST, where: str) -> Any:
        """The value of a literal expression, or a PasteError naming ``where``."""
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (bool, int, float, str))):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(item, where) for item in node.elts]
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise PasteError(f"{where}: **unpacking is not a literal")
            return {self.value(k, where): self.value(v, where) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.value(node.operand, where)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow)):
            left, right = self.value(node.left, where), self.value(node.right, where)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
                return _arithmetic(node.op, left, right, where)
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            nested = _resolve(_dotted(node.func))
            return {"api": nested.api, **self.arguments(node, nested)}
        shown = ast.unparse(node)
        raise PasteError(f"{where}: {shown[:60]!r} is not a literal value (only numbers, strings, lists, dicts and scheduler calls are read)")

    def arguments(self, call: ast.Call, spec: Scheduler) -> dict[str, Any]:
        """Map positional and keyword arguments onto the registered parameters."""
        positional = [p.name for p in spec.params if p.positional]
        args = list(call.args)
        if spec.leading_optimizer and args and not _is_literal_node(args[0]):
            args = args[1:]  # the optimizer, whatever expression it is: skipped, never read
        if any(isinstance(a, ast.Starred) for a in args):
            raise PasteError(f"{spec.name}: *args cannot be read")
        if len(args) > len(positional):
            raise PasteError(f"{spec.name} takes at most {len(positional)} positional arguments besides the optimizer (got {len(args)})")
        values = {name: self.value(node, f"{spec.name}, argument {name}") for name, node in zip(positional, args)}
        for keyword in call.keywords:
            if keyword.arg is None:
                raise PasteError(f"{spec.name}: **kwargs cannot be read; write the arguments out")
            if keyword.arg == "optimizer" and spec.needs_lr:
                continue
            if keyword.arg in values:
                raise PasteError(f"{spec.name} got multiple values for argument {keyword.arg!r}")
            values[keyword.arg] = self.value(keyword.value, f"{spec.name}, argument {keyword.arg}")
        return values

    def optimizer_lr(self, call: ast.Call) -> float | None:
        """The ``lr`` of an optimizer construction such as ``torch.optim.SGD(params, lr=0.1)``."""
        for keyword in call.keywords:
            if keyword.arg in ("lr", "learning_rate"):
                value = self.value(keyword.value, "the optimizer's lr")
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return float(value)
        if len(call.args) >= 2:
            value = self.value(call.args[1], "the optimizer's lr")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        return None


def _arithmetic(op: ast.operator, a: float, b: float, where: str) -> float:
    """Simple arithmetic on numbers (``3 * 1e-4``, ``2 ** 10``), bounded so it cannot run away."""
    if isinstance(op, ast.Pow) and (abs(b) > 1000 or abs(a) > 1e100):
        raise PasteError(f"{where}: the power {a} ** {b} is too large to read")
    try:
        if isinstance(op, ast.Add):
            value = a + b
        elif isinstance(op, ast.Sub):
            value = a - b
        elif isinstance(op, ast.Mult):
            value = a * b
        elif isinstance(op, ast.Div):
            value = a / b
        elif isinstance(op, ast.FloorDiv):
            value = a // b
        else:
            value = a**b
    except (ZeroDivisionError, OverflowError) as error:
        raise PasteError(f"{where}: {error}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise PasteError(f"{where}: the result is not a finite number")
    return value


def parse_call(text: str) -> Pasted:
    """The scheduler and its arguments from a pasted constructor call.

    One statement, or a few lines that define an optimizer or sub-schedulers
    first (their names may then be used); the last statement is the scheduler.
    The optimizer argument is skipped, but an optimizer constructed in the
    paste gives its ``lr``.

    >>> pasted = parse_call("scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=1_000)")
    >>> pasted.spec.api, pasted.kwargs
    ('torch.optim.lr_scheduler.OneCycleLR', {'max_lr': 0.1, 'total_steps': 1000})
    >>> parse_call("optax.warmup_cosine_decay_schedule(0.0, 1e-3, 1000, 100_000)").kwargs
    {'init_value': 0.0, 'peak_value': 0.001, 'warmup_steps': 1000, 'decay_steps': 100000}
    """
    if not isinstance(text, str) or not text.strip():
        raise PasteError("paste a scheduler call, such as StepLR(optimizer, step_size=30, gamma=0.1)")
    if len(text) > MAX_TEXT:
        raise PasteError(f"the text is too long to be a scheduler call ({len(text):,} characters; at most {MAX_TEXT:,})")
    try:
        tree = ast.parse(text.strip(), mode="exec")
    except SyntaxError as error:
        raise PasteError(f"line {error.lineno}, column {error.offset}: {error.msg}") from None
    reader, lr, last = Reader(), None, None
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if not isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) or not isinstance(statement.value, ast.Call):
            raise PasteError(f"line {statement.lineno}: only imports, assignments and calls can be read")
        call = statement.value
        name = _dotted(call.func)
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if name.rsplit(".", 1)[-1] in _OPTIMIZERS:
            lr = reader.optimizer_lr(call)
            continue
        spec = _resolve(name)
        kwargs = reader.arguments(call, spec)
        last = Pasted(spec, kwargs)
        for target in targets:
            if isinstance(target, ast.Name):
                reader.names[target.id] = {"api": spec.api, **kwargs}
    if last is None:
        raise PasteError("no scheduler call found: paste the line that constructs the scheduler, such as StepLR(optimizer, 30)")
    last.lr = lr
    return last
