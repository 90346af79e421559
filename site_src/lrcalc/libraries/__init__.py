"""Schedules exactly as PyTorch, Keras, optax, Hugging Face and timm compute them.

:func:`from_library` takes the public dotted name a user writes in a training
script and that constructor's own keyword arguments, with the library's own
defaults, and returns ``schedule(i) -> lr``: the learning rate in effect for
0-based step (or epoch) ``i``.

- torch, transformers, timm: what ``optimizer.param_groups[0]["lr"]`` holds
  before the i-th ``scheduler.step()`` (timm: during epoch ``i``, stepping with
  ``scheduler.step(epoch)``); ``lr`` is the optimizer's learning rate.
- keras, optax: ``schedule(i)``; there is no optimizer, so ``lr`` stays None.

Nested schedulers (``SequentialLR``, ``ChainedScheduler``, ``optax.join_schedules``)
are given as dicts ``{"api": ..., **kwargs}``. ``ReduceLROnPlateau`` and the
other plateau schedulers take ``metrics=[...]``, the values passed to
``step()`` in order. Arguments the library would reject raise ``ValueError``
with the same meaning. Python callables (``LambdaLR``, ``MultiplicativeLR``,
custom ``scale_fn``) are out of scope.

Each library's module registers its schedulers with :func:`register`; the
registry also describes every argument (name, default, kind) so that the page
can show each constructor's form.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..schedules import Schedule

REQUIRED = object()
"""Default of an argument the constructor requires."""

PARAM_KINDS = ("float", "int", "bool", "str", "strs", "choice", "ints", "floats", "schedule", "schedules", "int_float_map", "dicts", "metrics")


@dataclass(frozen=True)
class Param:
    """One keyword argument of a library's constructor."""

    name: str
    kind: str
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    doc: str = ""
    optional: bool = False  # None is accepted (e.g. OneCycleLR's total_steps)
    positional: bool = True  # False: keyword-only, or not a constructor argument (metrics)
    example: str = ""  # what the page fills in for a required argument, as typed text
    from_training: bool = False  # left empty, the page gives it the run's length in scheduler steps
    alternatives: tuple[str, ...] = ()  # ...unless one of these arguments is given instead

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(eq=False)
class Scheduler:
    """Everything about one scheduler, in one record: registered once, in its library's module.

    How it computes (``build``), its arguments with their defaults and examples,
    how it is usually stepped, and, attached with the decorators below by the
    same module: its phase boundaries, its closed form for the code export, the
    lrcalc family it equals, which families it can stand for in its own library,
    and for a dispatcher (``get_scheduler``, ``create_scheduler_v2``) what it
    builds. Generic code (phases, export, the page) asks the record; nothing
    else names a scheduler.
    """

    api: str
    library: str
    family: str
    params: tuple[Param, ...]
    needs_lr: bool
    build: Callable[..., Schedule]
    summary: str = ""
    stepping: str = "step"  # what one step is by default: "step" (batch) or "epoch"
    notes: tuple[str, ...] = ()
    leading_optimizer: bool = False  # the constructor takes the optimizer as a positional argument
    optimizer_index: int = 0  # where among the positional arguments (get_scheduler(name, optimizer, ...): 1)
    label: str = ""  # how the page lists it; the short name when empty
    args_object: bool = False  # its arguments are the attributes of one object (timm's create_scheduler(args, ...))
    phases: Callable[[dict, int], list] | None = None  # (arguments with defaults, total steps) -> [(step, label)]
    closed: Callable[..., Any] | None = None  # (body, t, lr, arguments with defaults) -> its value at step t
    equals: Callable[[Any, dict], tuple[str, dict] | None] | None = None  # (lr, arguments) -> the same lrcalc family
    stands_for: dict[str, Callable[[dict], Any]] = field(default_factory=dict)  # family api -> (its arguments) -> Native
    resolve: Callable[[Any, dict], tuple[str, dict, Any]] | None = None  # a dispatcher: (lr, arguments) -> (api, arguments, lr) it builds
    length: Callable[[dict], tuple[int, str] | None] | None = None  # (arguments with defaults) -> the run length the call states, and where
    warmup: Callable[[dict], tuple[int, str] | None] | None = None  # (arguments with defaults) -> its warmup's length, and where
    renamed: dict[str, str] = field(default_factory=dict)  # an argument's older name -> "its name now (when it changed)", for the message
    copies: tuple[str, ...] = ()  # the same function under another framework's name (torchtune's copy of transformers' cosine)

    @property
    def name(self) -> str:
        """The short name: ``StepLR``, ``CosineDecay``, ``warmup_cosine_decay_schedule``."""
        return self.api.rsplit(".", 1)[1]

    @property
    def driven_by_metric(self) -> bool:
        """Whether it follows a metric passed to step() (plateau schedulers) rather than the step alone."""
        return self.resolve is None and any(p.kind == "metrics" for p in self.params)

    @property
    def shown(self) -> str:
        """The label the page lists it by."""
        return self.label or self.name

    def phase_rule(self, rule: Callable[[dict, int], list]) -> Callable[[dict, int], list]:
        """Decorator: where this scheduler changes phase (see :mod:`lrcalc.phases`)."""
        self.phases = rule
        return rule

    def closed_form(self, form: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: its value at step ``t`` as an expression (see :mod:`lrcalc.export.expr`)."""
        self.closed = form
        return form

    def same_as(self, translate: Callable[[Any, dict], tuple[str, dict] | None]) -> Callable:
        """Decorator: the lrcalc family with exactly its values (None where the arguments leave the family)."""
        self.equals = translate
        return translate

    def standing_for(self, *families: str) -> Callable:
        """Decorator: this scheduler written for an lrcalc family's arguments (a Native, or None where it cannot)."""

        def attach(build: Callable[[dict], Any]) -> Callable[[dict], Any]:
            for family in families:
                self.stands_for[family] = build
            return build

        return attach

    def spans(self, length: Callable[[dict], tuple[int, str] | None] | None = None, warmup: Callable[[dict], tuple[int, str] | None] | None = None) -> "Scheduler":
        """Attach how long the call says the run is and how long its warmup is (see :mod:`lrcalc.span`, :func:`given`)."""
        self.length = length or self.length
        self.warmup = warmup or self.warmup
        return self

    def was_called(self, **older: str) -> "Scheduler":
        """Arguments the library renamed: ``was_called(t_mul="cycle_mul (timm 0.5.0)")``, quoted when old code passes them."""
        self.renamed.update(older)
        return self

    def copied_as(self, *names: str) -> "Scheduler":
        """Other frameworks' copies of this scheduler, computing the same values (a config may name them)."""
        self.copies += names
        return self

    def dispatch(self, resolve: Callable[[Any, dict], tuple[str, dict, Any]]) -> Callable:
        """Decorator: for a dispatcher, ``(lr, arguments) -> (api, arguments, lr)``: what it builds, for computing and exporting."""
        self.resolve = resolve
        return resolve


REGISTRY: dict[str, Scheduler] = {}
LIBRARIES = ("lrcalc", "torch", "keras", "optax", "transformers", "timm", "deepspeed", "mmengine", "axolotl", "composer")


def register(api: str, *, family: str, params: tuple[Param, ...], needs_lr: bool, summary: str = "", stepping: str = "step", notes: tuple[str, ...] = (), leading_optimizer: bool | None = None, label: str = "", args_object: bool = False, optimizer_index: int = 0):
    """Decorator: record ``build(lr, **kwargs) -> Schedule`` (or ``build(**kwargs)``) under ``api``.

    The function stays as it is; :func:`record` gives the record, to attach its other parts.
    """
    library = api.split(".", 1)[0]
    if library not in LIBRARIES:
        raise ValueError(f"unknown library in {api!r}")

    def decorate(build: Callable[..., Schedule]) -> Callable[..., Schedule]:
        leading = needs_lr if leading_optimizer is None else leading_optimizer
        REGISTRY[api] = Scheduler(api, library, family, params, needs_lr, build, summary, stepping, notes, leading, optimizer_index, label, args_object)
        return build

    return decorate


REFUSED: dict[str, str] = {}
"""Schedulers a library has that lrcalc does not compute, by name, with the reason (``refuse()``)."""


def refuse(api: str, reason: str) -> None:
    """Record a library's scheduler lrcalc does not compute, and why, for the messages that name it."""
    REFUSED[api] = reason


def given(*names: str, unless: Callable[[dict], bool] | None = None) -> Callable[[dict], tuple[int, str] | None]:
    """A span rule: the sum of the named arguments that are numbers, said as written.

    ``given("decay_steps", "warmup_steps")`` reads ``CosineDecay(..., decay_steps=1000,
    warmup_steps=100)`` as (1100, "decay_steps=1,000 + warmup_steps=100"); zero terms
    are left out of the words. ``a*b`` multiplies two arguments (OneCycleLR's
    ``epochs*steps_per_epoch``). ``unless``: the call states no span for these arguments.
    """

    def rule(kwargs: dict) -> tuple[int, str] | None:
        if unless is not None and unless(kwargs):
            return None
        terms = []
        for name in names:
            parts = name.split("*")
            factors = [kwargs.get(part) for part in parts]
            if any(f is not None and not is_number(f) for f in factors):
                return None  # a term not known yet (a name without a value): no length stated
            if all(is_number(f) for f in factors):
                terms.append((math.prod(factors), " × ".join(f"{part}={_count(kwargs[part])}" for part in parts)))
        total = sum(value for value, _ in terms)
        if not terms or not math.isfinite(total) or total <= 0:
            return None
        return math.ceil(total), " + ".join(words for value, words in terms if value) or terms[0][1]

    return rule


def first(*rules: Callable[[dict], tuple[int, str] | None]) -> Callable[[dict], tuple[int, str] | None]:
    """A span rule: the first of several that applies (OneCycleLR: total_steps, else epochs × steps_per_epoch)."""
    return lambda kwargs: next((found for found in (rule(kwargs) for rule in rules) if found is not None), None)


def _count(value: Any) -> str:
    return f"{value:,}" if is_int(value) else repr(value)


def record(api: str) -> Scheduler:
    """The record registered under ``api`` (in a library's own module, right after registering it)."""
    return REGISTRY[api]


def copy_of(name: str) -> Scheduler | None:
    """The registered scheduler another framework copied under ``name`` (see :meth:`Scheduler.copied_as`), or None."""
    _load()
    return next((spec for spec in REGISTRY.values() if name in spec.copies), None)


def lookup(api: str) -> Scheduler:
    """The registered scheduler for a dotted name (or an unambiguous short name)."""
    _load()
    if api in REGISTRY:
        return REGISTRY[api]
    matches = [spec for spec in REGISTRY.values() if spec.name == api or spec.api.endswith("." + api)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        short = api.rsplit(".", 1)[-1]
        refused = next((reason for name, reason in REFUSED.items() if name == api or name.rsplit(".", 1)[-1] == short), None)
        if refused:
            raise ValueError(refused)
        close = sorted(spec.api for spec in REGISTRY.values() if spec.name.lower() == short.lower())
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ValueError(f"unknown scheduler {api!r}{hint}")
    raise ValueError(f"{api!r} is ambiguous: {', '.join(sorted(m.api for m in matches))}")


def from_library(api: str, lr: float | None = None, **kwargs: Any) -> Schedule:
    """The schedule a library's constructor produces, as ``schedule(i) -> lr``.

    Args:
      api: the dotted name, e.g. ``"torch.optim.lr_scheduler.OneCycleLR"``.
      lr: the optimizer's learning rate, for schedulers that wrap an optimizer.
      **kwargs: the constructor's own keyword arguments (not the optimizer).

    Returns:
      ``schedule(i) -> lr`` for the 0-based step or epoch ``i``.

    Raises:
      ValueError: for an unknown name, an unknown or missing argument, or a
        value the library itself would reject.

    >>> schedule = from_library("torch.optim.lr_scheduler.StepLR", lr=0.1, step_size=30)
    >>> schedule(29), schedule(30)
    (0.1, 0.010000000000000002)
    """
    spec = lookup(api)
    arguments = bind(spec, kwargs)
    if spec.needs_lr and lr is None:
        raise ValueError(f"{spec.api} wraps an optimizer: give its learning rate as lr=...")
    if not spec.needs_lr and lr is not None:
        raise ValueError(f"{spec.api} takes no optimizer, so lr must be None (got lr={lr!r})")
    try:
        schedule = spec.build(_check_lr(lr), **arguments) if spec.needs_lr else spec.build(**arguments)
    except ZeroDivisionError as error:
        raise ValueError(f"{error} when {spec.name} is built (the library raises ZeroDivisionError there)") from None
    return _guarded(schedule)


def _guarded(schedule: Schedule) -> Schedule:
    """Report arithmetic failures as the libraries' users see them.

    A division by zero (a zero-length phase, say) becomes ValueError naming
    the step; a value that overflows is ``inf``, as JAX and PyTorch return it;
    a negative number to a fractional power (complex in Python) is ``nan``, as
    in JAX and NumPy.
    """

    def guarded(step: int) -> float:
        try:
            value = schedule(step)
            return math.nan if isinstance(value, complex) else value
        except ZeroDivisionError as error:
            raise ValueError(f"{error} at step {step} (the library raises ZeroDivisionError there)") from None
        except OverflowError:
            return math.inf

    guarded.__dict__.update(schedule.__dict__)
    return guarded


def bind(spec: Scheduler, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Check argument names against the constructor and fill in its defaults."""
    known = {p.name: p for p in spec.params}
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        if unknown[0] in spec.renamed:
            raise ValueError(f"{spec.api} got an unexpected argument {unknown[0]!r}: it is now called {spec.renamed[unknown[0]]}")
        raise ValueError(
            f"{spec.api} got an unexpected argument {unknown[0]!r}; it takes {', '.join(known) or 'no arguments'}"
        )
    arguments = {}
    for name, param in known.items():
        if name in kwargs:
            arguments[name] = kwargs[name]
        elif param.required:
            raise ValueError(f"{spec.api} needs the argument {name!r}")
        else:
            arguments[name] = param.default
    return arguments


def _check_lr(lr: Any) -> float:
    """The optimizer's learning rate: a finite number >= 0 (optimizers reject negatives)."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr):
        raise ValueError(f"lr must be a finite number (got lr={lr!r})")
    if lr < 0:
        raise ValueError(f"Invalid learning rate: {lr} (lr must be >= 0)")
    return float(lr)


def apis(library: str | None = None) -> list[Scheduler]:
    """Every registered scheduler, optionally of one library, in registration order."""
    _load()
    return [spec for spec in REGISTRY.values() if library is None or spec.library == library]


def _load() -> None:
    """Import every library module, so that each registers its schedulers (imports run once)."""
    from . import axolotl, composer, deepspeed, keras, mmengine, native, optax, pytorch, timm, transformers  # noqa: F401 - imported for registration


def check(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition``: a library's own argument check."""
    if not condition:
        raise ValueError(message)


def is_int(value: Any) -> bool:
    """A whole number (bools excluded), as the libraries check with isinstance(x, int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An int or float (bools excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def simulated(run: Callable[[], Iterator[float]]) -> Schedule:
    """A schedule read from a simulation: ``run()`` yields the values for steps 0, 1, 2, ...

    For schedulers whose value depends on their history (PyTorch's recursive
    forms, plateau detection, chaining), lrcalc replays the library's own
    update rule step by step. The simulation runs once, lazily, as far as the
    largest step asked for; results never depend on the order of calls. Where
    the library raises (OneCycleLR past total_steps), the simulation raises the
    same ValueError, and so does every later step.
    """
    cache = array("d")
    source = run()
    failure: list[ValueError] = []

    def schedule(step: int) -> float:
        if not is_int(step) or step < 0:
            raise ValueError(f"step must be a whole number >= 0 (got step={step!r})")
        while len(cache) <= step:
            if failure:
                raise failure[0]
            try:
                cache.append(next(source))
            except StopIteration:
                failure.append(ValueError(f"the schedule ends at step {len(cache) - 1} (asked for step {step})"))
            except ValueError as error:
                failure.append(error)
            except ZeroDivisionError as error:
                failure.append(ValueError(f"{error} (the library raises ZeroDivisionError at step {len(cache)})"))
        return cache[step]

    schedule.replayed = True  # type: ignore[attr-defined]
    return schedule
