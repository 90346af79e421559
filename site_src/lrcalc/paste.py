"""Read scheduler code pasted from a training script, without running it.

``parse_call(text)`` finds the scheduler a paste builds and its arguments as
Python values. The text is parsed with :mod:`ast`; nothing is evaluated,
imported or called. What real code contains is read:

- literals and arithmetic on them (``+ - * / // % **``, unary minus),
  ``int()``, ``float()``, ``round()``, ``abs()``, ``min()``, ``max()``,
  ``math.ceil``, ``math.floor``, ``len()`` of a literal list;
- names given earlier in the paste (``warmup_steps = 500``, tuples and lists
  too), imports and their aliases (``import torch.optim.lr_scheduler as
  lrs``, ``from tensorflow import keras``), ``return ...``, ``self.x = ...``,
  ``x: int = ...``, ``**{...}`` with a literal dict, a ``def`` whose body
  builds the scheduler, a ``with`` block;
- everything else a value depends on (``args.epochs``, ``len(train_loader)``,
  ``cfg["lr"]``, ``get_steps(args)``) is a *name*: :class:`Name`, the text as
  written. A name gets its value from ``values`` (what the user typed for it),
  and until it has one the paste reads as :class:`Pasted` with that name in
  ``missing``. Names that are the run's epochs, steps per epoch or total steps
  say so in their ``role``, so the page can take them from its training length
  instead of asking twice.

The scheduler is the last one the paste builds (the outermost, when one is an
argument of another); the optimizer's ``lr`` is read from an optimizer built in
the paste. A statement that cannot be read this way (``for``, an ``if`` whose
condition depends on a name) is skipped with a note; the names it would have
set are then asked for. Anything else that cannot be read gets a
:class:`PasteError` saying what and where.

Why one module: reading expressions, statements and names is one pass over
one tree with one state (the names given so far, the import aliases, the
names asked for, the schedulers built); split, each part would reach into the
others' state.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .libraries import Scheduler, lookup

MAX_TEXT = 20_000
"""Longer pastes are refused before parsing."""

MAX_ITEMS = 100_000
"""Longer lists (``[x] * n``) are refused: no real scheduler argument is that long."""

_PREFIXES = {
    "torch.optim.lr_scheduler.": "torch.optim.lr_scheduler.",
    "torch.optim.swa_utils.": "torch.optim.swa_utils.",
    "optim.lr_scheduler.": "torch.optim.lr_scheduler.",
    "lr_scheduler.": "torch.optim.lr_scheduler.",
    "swa_utils.": "torch.optim.swa_utils.",
    "tensorflow.keras.optimizers.schedules.": "keras.optimizers.schedules.",
    "tf.keras.optimizers.schedules.": "keras.optimizers.schedules.",
    "tensorflow.optimizers.schedules.": "keras.optimizers.schedules.",
    "tf.optimizers.schedules.": "keras.optimizers.schedules.",
    "keras.optimizers.schedules.": "keras.optimizers.schedules.",
    "optimizers.schedules.": "keras.optimizers.schedules.",
    "schedules.": "keras.optimizers.schedules.",
    "optax.schedules.": "optax.",
    "optax.": "optax.",
    "transformers.optimization.": "transformers.",
    "transformers.": "transformers.",
    "timm.scheduler.scheduler_factory.": "timm.scheduler.",
    "timm.scheduler.": "timm.scheduler.",
    "scheduler.": "timm.scheduler.",
    "lrcalc.": "lrcalc.",
}
"""How the libraries' schedulers are spelled in code, by the module path written before the name."""

_OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "SparseAdam", "ASGD", "Rprop", "Adafactor", "Lion", "LAMB", "LARS"}

ROLES = {
    "steps_per_epoch": "the optimizer steps (batches) per epoch",
    "epochs": "the run's number of epochs",
    "total_steps": "the run's optimizer steps (epochs × steps per epoch)",
}
"""What a name with a role stands for: the page takes it from its training length, the command line from --epochs and --steps-per-epoch."""

_EPOCHS = re.compile(r"^(num_train_epochs|num_epochs|n_epochs|epochs|max_epochs|total_epochs|train_epochs|epoch_num|nepochs)$")
_TOTAL = re.compile(r"^(max_train_steps|num_training_steps|num_train_steps|total_steps|total_training_steps|t_total|max_steps|train_steps|total_iters|num_steps|max_iters|total_iterations|num_iterations|training_steps)$")
_PER_EPOCH = re.compile(r"^(steps_per_epoch|num_update_steps_per_epoch|updates_per_epoch|iters_per_epoch|iterations_per_epoch|batches_per_epoch|num_steps_per_epoch|n_iter_per_epoch|niter_per_ep|train_steps_per_epoch)$")
_LR = re.compile(r"^(lr|learning_rate|base_lr|max_lr|init_lr|initial_lr|peak_lr)$")


class PasteError(ValueError):
    """The pasted text could not be read; the message says what and where."""


@dataclass(frozen=True)
class Name:
    """A value the paste uses but does not give: ``args.epochs``, ``len(train_loader)``."""

    text: str  # as written (normalised by ast.unparse)
    role: str  # "epochs", "steps_per_epoch", "total_steps", or "" (the user types it)
    hint: str  # where such a value usually comes from
    default: str = ""  # the value used when none is typed (an attribute create_scheduler reads with a default)


class Unknown:
    """A value that depends on names without values."""

    __slots__ = ("names",)

    def __init__(self, names) -> None:
        self.names = frozenset(names)


@dataclass
class Pasted:
    """What a paste builds: the scheduler, its arguments, the optimizer's lr if built in the paste, the names it needs."""

    spec: Scheduler
    kwargs: dict[str, Any]
    lr: float | None = None
    names: list[Name] = field(default_factory=list)  # every name the scheduler's arguments (or lr) depend on, in order
    missing: list[str] = field(default_factory=list)  # the texts of those without a value
    notes: list[str] = field(default_factory=list)  # statements skipped, aliases guessed


def role_of(text: str) -> tuple[str, str]:
    """The role and hint of a name, from how training scripts name such values."""
    inner = text[4:-1] if text.startswith("len(") and text.endswith(")") else None
    if inner is not None:
        if re.search(r"load|data|batch|dl\b|iter", inner, re.IGNORECASE):
            return "steps_per_epoch", ROLES["steps_per_epoch"]
        return "", f"the length of {inner}"
    last = re.split(r"[.\[\]'\"]+", text.strip("]'\""))[-1] if text else text
    for pattern, role in ((_EPOCHS, "epochs"), (_TOTAL, "total_steps"), (_PER_EPOCH, "steps_per_epoch")):
        if pattern.match(last):
            return role, ROLES[role]
    if _LR.match(last):
        return "", "a learning rate, such as 0.001"
    for word, hint in (
        ("warmup", "a warmup length, in the scheduler's steps"),
        ("decay", "a decay setting from your script"),
        ("batch", "a batch size"),
        ("accum", "gradient accumulation steps"),
        ("gamma", "a decay factor, such as 0.1"),
        ("milestone", "a list of steps, such as [30, 60]"),
        ("min_lr", "a floor for the learning rate"),
        ("lr", "a learning rate"),
        ("step", "a number of steps"),
        ("epoch", "a number of epochs"),
    ):
        if word in last.lower():
            return "", hint
    return "", "a value from your script"


def _format(value: Any) -> str:
    """A default as Python source."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return repr(value)


def _param_hint(spec: Scheduler, param) -> str:
    """What a name passed straight to an argument stands for: that argument, described."""
    kinds = {
        "schedule": "a scheduler, such as a call to one",
        "schedules": "a list of schedulers, such as [LinearLR(optimizer, total_iters=5), ...]",
        "ints": "a list of whole numbers, such as [30, 60]",
        "strs": "a list of times, such as ['30ep', '60ep']",
        "floats": "a list of numbers",
        "int": "a whole number",
        "float": "a number",
        "bool": "True or False",
        "choice": "one of " + ", ".join(repr(c) for c in param.choices),
    }
    what = param.doc or kinds.get(param.kind, "a value")
    return f"{spec.name}'s {param.name}: {what[0].lower()}{what[1:]}".rstrip(".")


def _dotted(node: ast.AST) -> str | None:
    """``a.b.C`` for a Name/Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scheduler_dict(value: Any) -> bool:
    return isinstance(value, dict) and "api" in value and isinstance(value["api"], str)


def _unknown_in(value: Any) -> frozenset:
    """The names a value (or anything inside it) still needs."""
    if isinstance(value, Unknown):
        return value.names
    if isinstance(value, (list, tuple)):
        return frozenset().union(*(_unknown_in(v) for v in value)) if value else frozenset()
    if isinstance(value, dict):
        return frozenset().union(*(_unknown_in(v) for v in value.values())) if value else frozenset()
    return frozenset()


class Reader:
    """Reads expressions of a paste: literals, arithmetic, names given earlier, and names to ask for.

    ``strict``: a name that is not given is an error (for typing a single
    argument's value, where there is nobody to ask), and lrcalc's families
    may be called by their short names (``cosine_decay(...)`` typed for a
    warmup's schedule).
    """

    def __init__(self, values: Mapping[str, Any] | None = None, strict: bool = False) -> None:
        self.values = dict(values or {})
        self.strict = strict
        self.names: dict[str, Any] = {}  # given earlier in the paste: "x", "self.x"
        self.aliases: dict[str, str] = {}  # import aliases: local name -> dotted path
        self.free: dict[str, Name] = {}  # names asked for, in order of first use
        self.built: list[dict] = []  # every scheduler built, in order
        self.lr: Any = None
        self.notes: list[str] = []

    # ---------------------------------------------------------------- names

    def ask(self, node: ast.AST, where: str) -> Any:
        """A name the paste does not give: its value if the user gave one, else Unknown."""
        text = ast.unparse(node)
        if self.strict:
            raise PasteError(f"{where}: {text[:60]!r} is not a literal value (only numbers, strings, lists, dicts and scheduler calls are read)")
        if text not in self.free:
            role, hint = role_of(text)
            self.free[text] = Name(text, role, hint)
        if text in self.values:
            return self.values[text]
        return Unknown([text])

    def expand(self, dotted: str) -> str:
        """A dotted name with its import alias replaced: ``lrs.StepLR`` -> ``torch.optim.lr_scheduler.StepLR``."""
        head, _, rest = dotted.partition(".")
        if head in self.aliases:
            return self.aliases[head] + (f".{rest}" if rest else "")
        return dotted

    def scheduler(self, dotted: str) -> Scheduler | None:
        """The registered scheduler a (dotted) name refers to, or None."""
        name = self.expand(dotted)
        if not name.startswith("lrcalc.") and not self.strict:  # in a paste, lrcalc's families only by their full name: a script's one_cycle() is its own
            spec = self._library_scheduler(name)
            return spec if spec is None or spec.library != "lrcalc" else None
        return self._library_scheduler(name)

    def _library_scheduler(self, name: str) -> Scheduler | None:
        """The registered scheduler a dotted name, its aliases expanded, refers to, or None."""
        for prefix, module in _PREFIXES.items():
            if name.startswith(prefix):
                try:
                    return lookup(module + name[len(prefix) :])
                except ValueError:
                    return None
        try:
            return lookup(name)
        except ValueError:
            pass
        short = name.rsplit(".", 1)[-1]
        if "." in name and short != name:
            try:
                spec = lookup(short)
            except ValueError:
                return None
            note = f"{name.rsplit('.', 1)[0]}.{short} was read as {spec.api} (the import is not in the paste)."
            if note not in self.notes:
                self.notes.append(note)
            return spec
        return None

    # ---------------------------------------------------------------- expressions

    def value(self, node: ast.AST, where: str) -> Any:
        """The value of an expression, Unknown where it needs names, or a PasteError naming ``where``."""
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, (bool, int, float, str)):
                return node.value
            raise PasteError(f"{where}: {ast.unparse(node)[:60]!r} is not a value lrcalc reads")
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = []
            for item in node.elts:
                if isinstance(item, ast.Starred):
                    inner = self.value(item.value, where)
                    if isinstance(inner, Unknown) or not isinstance(inner, list):
                        return self._unknown_or_name(inner, item, where)
                    items.extend(inner)
                else:
                    items.append(self.value(item, where))
            return items
        if isinstance(node, ast.Dict):
            return self._dict(node, where)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, where)
        if isinstance(node, ast.BinOp):
            return self._binary(node, where)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            return self.ask(node, where)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted in self.names:
                return self.names[dotted]
            if dotted is not None and self.expand(dotted) in ("math.pi", "math.e", "math.inf"):
                return {"math.pi": math.pi, "math.e": math.e, "math.inf": math.inf}[self.expand(dotted)]
            return self.ask(node, where)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, where)
        if isinstance(node, ast.Call):
            return self.call(node, where)
        if isinstance(node, ast.IfExp):
            test = self.value(node.test, where)
            if isinstance(test, Unknown):
                return self.ask(node, where)
            return self.value(node.body if test else node.orelse, where)
        if isinstance(node, ast.Lambda):
            raise PasteError(f"{where}: a lambda is a Python function, which lrcalc cannot evaluate (LambdaLR and scale_fn are out of scope)")
        if isinstance(node, ast.Starred):
            raise PasteError(f"{where}: *args cannot be read; write the arguments out")
        return self.ask(node, where)

    def _unknown_or_name(self, value: Any, node: ast.AST, where: str) -> Any:
        return value if isinstance(value, Unknown) else self.ask(node, where)

    def _dict(self, node: ast.Dict, where: str) -> Any:
        out: dict[Any, Any] = {}
        for key, item in zip(node.keys, node.values):
            if key is None:  # **other
                inner = self.value(item, where)
                if isinstance(inner, Unknown) or not isinstance(inner, dict):
                    return self._unknown_or_name(inner, item, where)
                out.update(inner)
                continue
            k = self.value(key, where)
            if isinstance(k, Unknown):
                return k
            out[k] = self.value(item, where)
        return out

    def _unary(self, node: ast.UnaryOp, where: str) -> Any:
        operand = self.value(node.operand, where)
        if isinstance(operand, Unknown):
            return operand
        if isinstance(node.op, ast.Not):
            return not operand
        if _is_number(operand) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return -operand if isinstance(node.op, ast.USub) else operand
        return self.ask(node, where)

    def _binary(self, node: ast.BinOp, where: str) -> Any:
        left, right = self.value(node.left, where), self.value(node.right, where)
        missing = _unknown_in(left) | _unknown_in(right)
        if missing:
            return Unknown(missing)
        if isinstance(node.op, (ast.Add, ast.Mult)) and (isinstance(left, list) or isinstance(right, list)):
            return _list_arithmetic(node.op, left, right, where)
        if _is_number(left) and _is_number(right):
            return _arithmetic(node.op, left, right, where)
        return self.ask(node, where)

    def _subscript(self, node: ast.Subscript, where: str) -> Any:
        dotted = ast.unparse(node)
        if dotted in self.names:
            return self.names[dotted]
        base = self.value(node.value, where) if isinstance(node.value, (ast.Name, ast.List, ast.Tuple, ast.Dict)) and (
            not isinstance(node.value, ast.Name) or node.value.id in self.names) else None
        if isinstance(base, (list, dict)) and not isinstance(node.slice, ast.Slice):
            index = self.value(node.slice, where)
            if isinstance(index, Unknown):
                return index
            try:
                return base[index]
            except (IndexError, KeyError, TypeError):
                raise PasteError(f"{where}: {dotted[:60]!r} is not in the paste's {type(base).__name__}") from None
        return self.ask(node, where)

    def call(self, node: ast.Call, where: str) -> Any:
        """A scheduler call (a dict), an optimizer (its lr is kept), a known function, or a name to ask for."""
        dotted = _dotted(node.func)
        if dotted is None:
            return self.ask(node, where)
        spec = self.scheduler(dotted)
        if spec is not None:
            built = {"api": spec.api, **self.arguments(node, spec)}
            self.built.append(built)
            return built
        name = self.expand(dotted)
        short = name.rsplit(".", 1)[-1]
        if short in _OPTIMIZERS:
            self.optimizer_lr(node)
            return self.ask(node, where) if not self.strict else None
        known = _FUNCTIONS.get(name)
        if known is not None:
            return self._known(node, name, known, where)
        if short == "dict" and not node.args:
            return {k.arg: self.value(k.value, where) for k in node.keywords if k.arg}
        # An unknown function: its arguments may still build a scheduler (optax.adamw(learning_rate=schedule)).
        if not self.strict:
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(argument, ast.Call):
                    self.value(argument, where)
        return self.ask(node, where)

    def _known(self, node: ast.Call, name: str, function, where: str) -> Any:
        """``int``, ``min``, ``math.ceil``, ``len`` of a literal...: computed when their arguments are known."""
        if node.keywords and name != "round":
            return self.ask(node, where)
        args = [self.value(a, where) for a in node.args]
        if name == "len":
            if len(args) == 1 and isinstance(args[0], (list, str, dict)):
                return len(args[0])
            return self.ask(node, where)  # the length of a data loader: a value to ask for
        missing = frozenset().union(*(_unknown_in(a) for a in args)) if args else frozenset()
        if missing:
            return Unknown(missing)
        try:
            return function(*args)
        except (TypeError, ValueError, OverflowError) as error:
            raise PasteError(f"{where}: {ast.unparse(node)[:60]!r} gives an error: {error}") from None

    def arguments(self, call: ast.Call, spec: Scheduler) -> dict[str, Any]:
        """Map positional and keyword arguments onto the registered parameters."""
        if spec.args_object:
            return self.object_arguments(call, spec)
        positional = [p.name for p in spec.params if p.positional]
        args = list(call.args)
        at = spec.optimizer_index
        if spec.leading_optimizer and len(args) > at and not _is_literal_node(args[at]):
            args = args[:at] + args[at + 1 :]  # the optimizer, whatever expression it is: skipped, never read
        if any(isinstance(a, ast.Starred) for a in args):
            raise PasteError(f"{spec.name}: *args cannot be read; write the arguments out")
        if len(args) > len(positional):
            raise PasteError(f"{spec.name} takes at most {len(positional)} positional arguments besides the optimizer (got {len(args)})")
        values = {name: self.argument(spec, name, node) for name, node in zip(positional, args)}
        for keyword in call.keywords:
            if keyword.arg is None:
                text = ast.unparse(keyword.value)
                extra = self.value(keyword.value, f"{spec.name}, **{text[:40]}")
                if isinstance(extra, Unknown):  # **scheduler_kwargs: a dict the user types, such as {'patience': 5}
                    if extra.names == {text} and not self.free[text].role:
                        self.free[text] = Name(text, "", f"{spec.name}'s keyword arguments, as a dict such as {_example_kwargs(spec)}")
                    values[f"**{text}"] = extra
                    continue
                if not isinstance(extra, dict) or any(not isinstance(k, str) for k in extra):
                    raise PasteError(
                        f"{spec.name}: **{ast.unparse(keyword.value)[:40]} is not a dict: only a dict can be unpacked into keyword arguments"
                    )
                for name, value in extra.items():
                    self._set(values, spec, name, value)
                continue
            if keyword.arg == "optimizer" and spec.needs_lr:
                continue
            self._set(values, spec, keyword.arg, self.argument(spec, keyword.arg, keyword.value))
        return values

    def argument(self, spec: Scheduler, name: str, node: ast.AST) -> Any:
        """One argument's value; a name passed as it is gets the argument's own description as its hint."""
        value = self.value(node, f"{spec.name}, argument {name}")
        text = ast.unparse(node)
        if isinstance(value, Unknown) and value.names == {text} and text in self.free and not self.free[text].role:
            param = next((p for p in spec.params if p.name == name), None)
            if param is not None:
                self.free[text] = Name(text, "", _param_hint(spec, param))
        return value

    def object_arguments(self, call: ast.Call, spec: Scheduler) -> dict[str, Any]:
        """``create_scheduler(args, optimizer)``: each argument is an attribute of ``args``, with the library's default."""
        if not call.args or not isinstance(call.args[0], (ast.Name, ast.Attribute)):
            raise PasteError(f"{spec.name} reads its settings from an object such as args: paste it as {spec.name}(args, optimizer)")
        holder = ast.unparse(call.args[0])
        values = {}
        for param in spec.params:
            if param.kind == "metrics":
                continue
            text = f"{holder}.{param.name}"
            role, hint = role_of(text)
            default = "" if param.required else _format(param.default)
            self.free.setdefault(text, Name(text, role, _param_hint(spec, param) if not role else hint, default))
            if text in self.values:
                values[param.name] = self.values[text]
            elif param.required:
                values[param.name] = Unknown([text])
        for keyword in call.keywords:
            if keyword.arg == "updates_per_epoch":
                values["updates_per_epoch"] = self.argument(spec, "updates_per_epoch", keyword.value)
        return values

    def _set(self, values: dict, spec: Scheduler, name: str, value: Any) -> None:
        if name in values:
            raise PasteError(f"{spec.name} got multiple values for argument {name!r}")
        values[name] = value

    def optimizer_lr(self, call: ast.Call) -> None:
        """Keep the ``lr`` of an optimizer built in the paste, such as ``torch.optim.SGD(params, lr=0.1)``."""
        for keyword in call.keywords:
            if keyword.arg in ("lr", "learning_rate"):
                self.lr = self.value(keyword.value, "the optimizer's lr")
                return
        if len(call.args) >= 2:
            self.lr = self.value(call.args[1], "the optimizer's lr")

    # ---------------------------------------------------------------- statements

    def statements(self, body: list[ast.stmt]) -> None:
        """Read statements in order: imports, assignments, returns, the body of a def or a with."""
        for statement in body:
            self.statement(statement)

    def statement(self, statement: ast.stmt) -> None:
        where = f"line {statement.lineno}"
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                self.aliases[alias.asname or alias.name] = f"{statement.module}.{alias.name}" if statement.module else alias.name
        elif isinstance(statement, ast.Assign):
            value = self.value(statement.value, where)
            for target in statement.targets:
                self.assign(target, value, where)
        elif isinstance(statement, ast.AnnAssign):
            if statement.value is not None:
                self.assign(statement.target, self.value(statement.value, where), where)
        elif isinstance(statement, ast.AugAssign):
            current = ast.BinOp(left=_load(statement.target), op=statement.op, right=statement.value)
            self.assign(statement.target, self.value(ast.fix_missing_locations(ast.copy_location(current, statement)), where), where)
        elif isinstance(statement, (ast.Expr, ast.Return)):
            if statement.value is not None:
                self.value(statement.value, where)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(statement)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            self.statements(statement.body)
        elif isinstance(statement, ast.If):
            test = self.value(statement.test, where)
            if isinstance(test, Unknown):
                self.notes.append(f"{where}: an if statement was skipped (its condition depends on {', '.join(sorted(test.names))}).")
            else:
                self.statements(statement.body if test else statement.orelse)
        elif isinstance(statement, ast.Pass):
            return
        else:
            kind = type(statement).__name__.lower().replace("functiondef", "def")
            self.notes.append(f"{where}: a {kind} statement was skipped; the names it sets are asked for.")

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A def that builds the scheduler: its body is read, its parameters are names (or their defaults)."""
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults) :], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        for name, default in defaults.items():
            self.names[name] = self.value(default, f"line {node.lineno}, the default of {name}")
        self.statements(node.body)

    def assign(self, target: ast.AST, value: Any, where: str) -> None:
        """Bind a name (``x``, ``self.x``, ``a, b``) to a value."""
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, list) and len(value) == len(target.elts):
                for item, part in zip(target.elts, value):
                    self.assign(item, part, where)
            elif _scheduler_dict(value) and target.elts:  # lr_scheduler, num_epochs = create_scheduler_v2(...)
                self.assign(target.elts[0], value, where)
            return
        text = _dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else ast.unparse(target)
        if text is not None:
            self.names[text] = value


_FUNCTIONS = {
    "int": int,
    "float": float,
    "round": round,
    "abs": abs,
    "min": min,
    "max": max,
    "len": len,
    "math.ceil": math.ceil,
    "math.floor": math.floor,
    "math.sqrt": math.sqrt,
    "np.ceil": math.ceil,
    "np.floor": math.floor,
    "numpy.ceil": math.ceil,
    "numpy.floor": math.floor,
}
"""Functions real scheduler code uses on its numbers, computed exactly as Python does."""


def _load(target: ast.AST) -> ast.AST:
    """An assignment target read as a value (for ``x += 1``)."""
    copy = ast.parse(ast.unparse(target), mode="eval").body
    return ast.copy_location(copy, target)


def _is_literal_node(node: ast.AST) -> bool:
    """Whether a node is a plain literal (so not an optimizer expression)."""
    return isinstance(node, (ast.Constant, ast.List, ast.Tuple, ast.Dict)) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
    )


def _arithmetic(op: ast.operator, a: float, b: float, where: str) -> float:
    """Simple arithmetic on numbers (``3 * 1e-4``, ``2 ** 10``), bounded so it cannot run away."""
    if isinstance(op, ast.Pow) and (abs(b) > 1000 or abs(a) > 1e100):
        raise PasteError(f"{where}: the power {a} ** {b} is too large to read")
    operations = {
        ast.Add: lambda: a + b,
        ast.Sub: lambda: a - b,
        ast.Mult: lambda: a * b,
        ast.Div: lambda: a / b,
        ast.FloorDiv: lambda: a // b,
        ast.Mod: lambda: a % b,
        ast.Pow: lambda: a**b,
    }
    if type(op) not in operations:
        raise PasteError(f"{where}: the operator {type(op).__name__} is not read")
    try:
        value = operations[type(op)]()
    except (ZeroDivisionError, OverflowError) as error:
        raise PasteError(f"{where}: {error}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise PasteError(f"{where}: the result is not a finite number")
    return value


def _list_arithmetic(op: ast.operator, a: Any, b: Any, where: str) -> list:
    """``[x] * 3`` and ``[a] + [b]``, bounded."""
    if isinstance(op, ast.Add) and isinstance(a, list) and isinstance(b, list):
        return a + b
    if isinstance(op, ast.Mult):
        items, times = (a, b) if isinstance(a, list) else (b, a)
        if isinstance(times, int) and not isinstance(times, bool) and 0 <= len(items) * times <= MAX_ITEMS:
            return items * times
    raise PasteError(f"{where}: this list arithmetic is not read")


def literal(node: ast.AST, where: str) -> Any:
    """One value typed into a field: literals, arithmetic, scheduler calls; no names."""
    return Reader(strict=True).value(node, where)


def parse_call(text: str, values: Mapping[str, Any] | None = None) -> Pasted:
    """The scheduler a paste builds and its arguments, with ``values`` for the names it needs.

    >>> pasted = parse_call("scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=1_000)")
    >>> pasted.spec.api, pasted.kwargs
    ('torch.optim.lr_scheduler.OneCycleLR', {'max_lr': 0.1, 'total_steps': 1000})
    >>> pasted = parse_call("StepLR(optimizer, step_size=args.epochs // 3)")
    >>> pasted.missing, parse_call("StepLR(optimizer, step_size=args.epochs // 3)", {"args.epochs": 90}).kwargs
    (['args.epochs'], {'step_size': 30})
    """
    if not isinstance(text, str) or not text.strip():
        raise PasteError("paste a scheduler call, such as StepLR(optimizer, step_size=30, gamma=0.1)")
    if len(text) > MAX_TEXT:
        raise PasteError(f"the text is too long to be a scheduler call ({len(text):,} characters; at most {MAX_TEXT:,})")
    try:
        tree = ast.parse(_dedent(text), mode="exec")
    except SyntaxError as error:
        raise PasteError(f"line {error.lineno}, column {error.offset}: {error.msg}") from None
    reader = Reader(values)
    reader.statements(tree.body)
    if not reader.built:
        raise PasteError(_nothing_found(tree, reader))
    chosen = reader.built[-1]
    spec = lookup(chosen["api"])
    kwargs = {k: v for k, v in chosen.items() if k != "api"}
    needed = set(_unknown_in(kwargs)) | (set(_unknown_in(reader.lr)) if spec.needs_lr else set())
    used = [name for text, name in reader.free.items() if text in needed or text in (values or {}) or name.default]
    lr = reader.lr if _is_number(reader.lr) else None
    missing = [name.text for name in used if name.text in needed]
    return Pasted(spec, kwargs, float(lr) if lr is not None else None, used, missing, reader.notes)


def _example_kwargs(spec: Scheduler) -> str:
    """A dict of keyword arguments for a scheduler, as an example: ``{'patience': 10}``."""
    for param in spec.params:
        if param.positional is not None and not param.required and param.kind in ("int", "float") and param.default is not None:
            return "{" + f"{param.name!r}: {param.default!r}" + "}"
    return "{'name': value}"


def _dedent(text: str) -> str:
    """The paste without the indentation it had in its file (a method's body, say)."""
    lines = text.strip("\n").splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] for line in lines)


def _nothing_found(tree: ast.Module, reader: Reader) -> str:
    """Why a paste built no scheduler: name the call it does make, if any."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _dotted(node.func)]
    names = [reader.expand(_dotted(call.func)) for call in calls]
    unknown = [n for n in names if n.rsplit(".", 1)[-1] not in _OPTIMIZERS and n not in _FUNCTIONS]
    for name in reversed(unknown):
        try:
            lookup(name)
        except ValueError as error:
            if "unknown scheduler" not in str(error):
                return str(error)  # a scheduler lrcalc knows of but does not compute (LambdaLR), with why
    if unknown:
        shown = ", ".join(dict.fromkeys(n.rsplit(".", 1)[-1] for n in unknown[-3:]))
        return f"no scheduler found: the paste calls {shown}, which lrcalc does not know as a scheduler; paste the line that builds the scheduler, such as StepLR(optimizer, 30)"
    return "no scheduler call found: paste the line that constructs the scheduler, such as StepLR(optimizer, 30)"
