"""OpenMMLab mmengine: a config's ``param_scheduler`` list, replayed iteration by iteration as the Runner runs it.

An mmengine config (mmdetection, mmpretrain, mmsegmentation, mmocr, ...) never builds one scheduler: it
lists several, each active in its own window ``[begin, end)``, counted in epochs (``by_epoch=True``, the
default) or in iterations, and the Runner steps all of them on one shared ``lr``. So the one record here
is the Runner given that list, ``param_scheduler``, with the training loop's length (``max_epochs`` or ``max_iters``) and
``epoch_length``, the iterations (batches) of one epoch. ``schedule(i)`` is the lr iteration ``i`` uses.

The rules, from mmengine 0.10.7's source (line numbers in tests/configs/mmengine/README.md):

- **Building** (``Runner._build_param_scheduler``; ``registry/build_functions.py``): in list order; a
  scheduler without ``end`` ends with the loop (``max_epochs``, or ``max_iters`` when ``by_epoch=False``);
  ``convert_to_iter_based=True`` turns an epoch-counted scheduler into an iteration-counted one, ``begin``
  and ``end`` times ``epoch_length`` (``int()``), and so its periods (``T_max``, ``step_size``,
  ``milestones``, ``total_steps``, ``periods``). Each constructor steps once (``_ParamScheduler.__init__``),
  so schedulers whose window starts at 0 set iteration 0's lr.
- **Stepping** (``ParamSchedulerHook``): after every iteration, the iteration-counted schedulers in list
  order; after the last iteration of an epoch, then the epoch-counted ones. An ``IterBasedTrainLoop`` is one
  long epoch: its epoch-counted schedulers never step again.
- **Windows** (``_ParamScheduler.step``): a step outside ``begin <= t < end`` changes nothing; inside, the
  scheduler's own count ``last_step`` advances from 0 at ``begin``.
- **Chained, not closed**: each scheduler rescales the lr it finds. Linear, Constant, Step, MultiStep and
  Exponential multiply it; CosineAnnealing and Poly move it affinely towards ``eta_min``; OneCycle and
  CosineRestart (at a restart) overwrite it. Overlapping windows therefore do not give a product of closed
  forms: the replay follows the same arithmetic in the same order.
- ``base_values`` are ``initial_lr``, the optimizer's lr, set by the first scheduler built (OneCycle sets
  it to ``eta_max / div_factor``). Schedulers of other parameters (``CosineAnnealingMomentum``, a
  ``*ParamScheduler`` with ``param_name='weight_decay'``) leave the lr alone.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Any, Iterator

from . import Param, check, first, given, is_int, is_number, record, register, simulated

INF = 1_000_000_000
"""mmengine's ``INF = int(1e9)``: the ``end`` of a scheduler built without a training loop."""


class _Group:
    """The optimizer's one parameter group the schedulers read and write."""

    def __init__(self, lr: float) -> None:
        self.values: dict[str, float] = {"lr": lr}


class _Param:
    """mmengine's _ParamScheduler on the lr: a window, a step count, one chained update."""

    def __init__(self, group: _Group, begin: int, end: int, by_epoch: bool) -> None:
        check(end > begin, f"end should be larger than begin, but got begin={begin}, end={end}")
        self.group, self.begin, self.end, self.by_epoch = group.values, begin, end, by_epoch
        self.group.setdefault("initial_lr", self.group["lr"])
        self.base = self.group["initial_lr"]
        self.last_step = -1
        self.global_step = -1
        self.step()

    def step(self) -> None:
        self.global_step += 1
        if self.begin <= self.global_step < self.end:
            self.last_step += 1
            self.group["lr"] = self.value(self.group["lr"])

    def value(self, lr: float) -> float:
        raise NotImplementedError


class _StepLR(_Param):
    def __init__(self, group, step_size, gamma=0.1, **window):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(group, **window)

    def value(self, lr):
        return lr if self.last_step == 0 or self.last_step % self.step_size != 0 else lr * self.gamma


class _MultiStepLR(_Param):
    def __init__(self, group, milestones, gamma=0.1, **window):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(group, **window)

    def value(self, lr):
        return lr * self.gamma ** self.milestones[self.last_step] if self.last_step in self.milestones else lr


class _ConstantLR(_Param):
    def __init__(self, group, factor=1.0 / 3, **window):
        check(is_number(factor) and 0 <= factor <= 1.0, "Constant multiplicative factor should between 0 and 1.")
        self.factor, self.total_iters = factor, window["end"] - window["begin"] - 1
        super().__init__(group, **window)

    def value(self, lr):
        if self.last_step == 0:
            return lr * self.factor
        return lr * (1.0 / self.factor) if self.last_step == self.total_iters else lr


class _ExponentialLR(_Param):
    def __init__(self, group, gamma, **window):
        self.gamma = gamma
        super().__init__(group, **window)

    def value(self, lr):
        return lr if self.last_step == 0 else lr * self.gamma


class _CosineAnnealingLR(_Param):
    def __init__(self, group, T_max=None, eta_min=None, eta_min_ratio=None, **window):
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.0
        check((eta_min is None) != (eta_min_ratio is None), "Either `eta_min` or `eta_min_ratio should be specified")
        self.T_max = T_max or (window["end"] - window["begin"])
        self.eta_min, self.eta_min_ratio = eta_min, eta_min_ratio
        super().__init__(group, **window)

    def value(self, lr):
        low = self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio
        t, T = self.last_step, self.T_max
        if t == 0:
            return lr
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (self.base - low) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - low) + low


class _LinearLR(_Param):
    def __init__(self, group, start_factor=1.0 / 3, end_factor=1.0, **window):
        check(is_number(start_factor) and 0 <= start_factor <= 1.0, "Starting multiplicative factor should between 0 and 1.")
        check(is_number(end_factor) and 0 <= end_factor <= 1.0, "Ending multiplicative factor should between 0 and 1.")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, window["end"] - window["begin"] - 1
        super().__init__(group, **window)

    def value(self, lr):
        if self.last_step == 0:
            return lr * self.start_factor
        change = self.end_factor - self.start_factor
        return lr * (1.0 + change / (self.total_iters * self.start_factor + (self.last_step - 1) * change))


class _PolyLR(_Param):
    def __init__(self, group, eta_min=0, power=1.0, **window):
        self.eta_min, self.power, self.total_iters = eta_min, power, window["end"] - window["begin"] - 1
        super().__init__(group, **window)

    def value(self, lr):
        if self.last_step == 0:
            return lr
        return (lr - self.eta_min) * (1 - 1 / (self.total_iters - self.last_step + 1)) ** self.power + self.eta_min


class _OneCycleLR(_Param):
    def __init__(self, group, eta_max=0, total_steps=None, pct_start=0.3, anneal_strategy="cos", div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, **window):
        if total_steps is not None:
            check(is_int(total_steps) and total_steps > 0, f"Expected positive integer total_steps, but got {total_steps}")
        self.total_steps = total_steps if total_steps is not None else window["end"] - window["begin"]
        check(isinstance(pct_start, float) and 0 <= pct_start <= 1, f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        check(anneal_strategy in ("cos", "linear"), f'anneal_strategy must by one of "cos" or "linear", instead got {anneal_strategy}')
        check(div_factor != 0 and final_div_factor != 0, "div_factor and final_div_factor must not be 0")
        self.cos = anneal_strategy == "cos"
        initial = eta_max / div_factor
        low = initial / final_div_factor
        total, rise = self.total_steps, float(pct_start * self.total_steps) - 1
        self.phases = ([(rise, initial, eta_max), (float(2 * pct_start * total) - 2, eta_max, initial), (total - 1, initial, low)]
                       if three_phase else [(rise, initial, eta_max), (total - 1, eta_max, low)])
        group.values["initial_lr"] = initial  # set, not setdefault (OneCycleParamScheduler.__init__)
        super().__init__(group, **window)

    def value(self, lr):
        t = self.last_step
        check(t <= self.total_steps, f"Tried to step {t + 1} times. The specified number of total steps is {self.total_steps}")
        start_step = 0
        for index, (end_step, start, end) in enumerate(self.phases):
            if t <= end_step or index == len(self.phases) - 1:
                pct = (t - start_step) / (end_step - start_step)
                return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1) if self.cos else (end - start) * pct + start
            start_step = end_step
        raise AssertionError("unreachable")


class _CosineRestartLR(_Param):
    def __init__(self, group, periods, restart_weights=(1,), eta_min=None, eta_min_ratio=None, **window):
        check((eta_min is None) != (eta_min_ratio is None), "Either `eta_min` or `eta_min_ratio should be specified")
        check(len(periods) == len(restart_weights), "periods and restart_weights should have the same length.")
        self.periods, self.weights, self.eta_min, self.eta_min_ratio = list(periods), list(restart_weights), eta_min, eta_min_ratio
        self.cumulative = [sum(self.periods[: i + 1]) for i in range(len(self.periods))]
        super().__init__(group, **window)

    def value(self, lr):
        index = bisect_right(self.cumulative, self.last_step)  # get_position_from_periods: the first period ending after it
        if index >= len(self.cumulative):
            return lr
        restart = 0 if index == 0 else self.cumulative[index - 1]
        period, step = self.periods[index], self.last_step - restart
        low = self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio
        if step == 0:
            return self.base * self.weights[index]
        return (1 + math.cos(math.pi * step / period)) / (1 + math.cos(math.pi * (step - 1) / period)) * (lr - low) + low


KINDS: dict[str, tuple[type[_Param], dict[str, Any], tuple[str, ...]]] = {
    "StepLR": (_StepLR, {"step_size": None, "gamma": 0.1}, ("step_size",)),
    "MultiStepLR": (_MultiStepLR, {"milestones": None, "gamma": 0.1}, ("milestones",)),
    "ConstantLR": (_ConstantLR, {"factor": 1.0 / 3}, ()),
    "ExponentialLR": (_ExponentialLR, {"gamma": None}, ()),
    "CosineAnnealingLR": (_CosineAnnealingLR, {"T_max": None, "eta_min": None, "eta_min_ratio": None}, ("T_max",)),
    "LinearLR": (_LinearLR, {"start_factor": 1.0 / 3, "end_factor": 1.0}, ()),
    "PolyLR": (_PolyLR, {"eta_min": 0, "power": 1.0}, ()),
    "OneCycleLR": (_OneCycleLR, {"eta_max": 0, "total_steps": None, "pct_start": 0.3, "anneal_strategy": "cos", "div_factor": 25.0,
                                 "final_div_factor": 1e4, "three_phase": False}, ("total_steps",)),
    "CosineRestartLR": (_CosineRestartLR, {"periods": None, "restart_weights": (1,), "eta_min": None, "eta_min_ratio": None}, ("periods",)),
}
"""Each lr scheduler of mmengine.optim.scheduler.lr_scheduler: its replay, its own arguments (None: required unless
noted), and the periods convert_to_iter_based multiplies by epoch_length."""

WINDOW = ("begin", "end", "by_epoch", "convert_to_iter_based", "last_step", "verbose", "param_name", "_scope_")
"""Arguments every scheduler takes besides its own (param_name only on the *ParamScheduler classes)."""

REQUIRED_ARGS = {"StepLR": ("step_size",), "MultiStepLR": ("milestones",), "ExponentialLR": ("gamma",), "CosineRestartLR": ("periods",)}

PARAM_SCHEDULERS = {"StepParamScheduler": "StepLR", "MultiStepParamScheduler": "MultiStepLR", "ConstantParamScheduler": "ConstantLR",
                    "ExponentialParamScheduler": "ExponentialLR", "CosineAnnealingParamScheduler": "CosineAnnealingLR",
                    "LinearParamScheduler": "LinearLR", "PolyParamScheduler": "PolyLR", "OneCycleParamScheduler": "OneCycleLR",
                    "CosineRestartParamScheduler": "CosineRestartLR"}
"""The generic schedulers, which act on the lr when given param_name='lr'."""

OTHER_PARAMETER = ("Momentum",)
"""Schedulers of another parameter, by their name's ending (CosineAnnealingMomentum, ...): the lr is left alone."""


def kind_of(entry: Any, where: str) -> str | None:
    """The lr scheduler an entry of the list builds (a key of :data:`KINDS`), or None when it schedules another parameter."""
    check(isinstance(entry, dict), f"{where} must be a dict(type=..., ...) (got {entry!r})")
    name = entry.get("type")
    check(isinstance(name, str), f"{where} needs a type, such as type='LinearLR' (got {name!r})")
    name = name.rsplit(".", 1)[-1]
    if name in PARAM_SCHEDULERS:
        return PARAM_SCHEDULERS[name] if entry.get("param_name") == "lr" else None
    if name.endswith(OTHER_PARAMETER):
        return None
    if name == "ReduceOnPlateauLR":
        raise ValueError(f"{where}: ReduceOnPlateauLR follows a validation metric, which a config does not contain")
    check(name in KINDS, f"{where}: {name} is not an mmengine lr scheduler lrcalc knows (it reads {', '.join(KINDS)})")
    return name


def built(entries: list, epoch_length: int | None, max_epochs: int | None, max_iters: int | None) -> list[tuple[str, dict[str, Any]]]:
    """The list as the Runner builds it: each lr scheduler's kind and arguments, its ``end`` defaulted and converted."""
    check(isinstance(entries, (list, tuple)) and entries, "param_scheduler must be a list of dict(type=..., ...) (or one dict)")
    schedulers = []
    for index, entry in enumerate(entries):
        where = f"param_scheduler[{index}]"
        kind = kind_of(entry, where)
        if kind is None:
            continue
        cls, own, periods = KINDS[kind]
        args = {key: value for key, value in entry.items() if key not in ("type", "_scope_", "verbose", "param_name")}
        unknown = sorted(set(args) - set(own) - set(WINDOW))
        if unknown:
            raise ValueError(f"{where}: {kind}.__init__() got an unexpected keyword argument {unknown[0]!r}")
        missing = [name for name in REQUIRED_ARGS.get(kind, ()) if name not in args]
        if missing:
            raise ValueError(f"{where}: {kind} needs {missing[0]}")
        check(args.get("last_step", -1) == -1, f"{where}: last_step resumes a run; lrcalc computes from the start")
        args.pop("last_step", None)
        by_epoch = args.setdefault("by_epoch", True)
        check(isinstance(by_epoch, bool), f"{where}: by_epoch must be True or False (got {by_epoch!r})")
        if "end" not in args:  # Runner._build_param_scheduler: the loop's length
            args["end"] = max_epochs if by_epoch else max_iters
        args.setdefault("begin", 0)
        for key in ("begin", "end"):
            check(is_number(args[key]), f"{where}: {key} must be a whole number (got {args[key]!r})")
        if args.pop("convert_to_iter_based", False):
            check(by_epoch, f"{where}: Only epoch-based parameter scheduler can be converted to iter-based")
            check(is_int(epoch_length) and epoch_length > 0, f"`epoch_length` must be a positive integer, but got {epoch_length}.")
            args["by_epoch"] = False
            args["begin"] = int(args["begin"] * epoch_length)
            if args["end"] != INF:
                args["end"] = int(args["end"] * epoch_length)
            for name in periods:
                value = args.get(name)
                if value is not None:
                    args[name] = [p * epoch_length for p in value] if isinstance(value, (list, tuple)) else value * epoch_length
        schedulers.append((kind, args))
    return schedulers


def _loop(lr: float, schedulers: list[tuple[str, dict[str, Any]]], epoch_length: int, by_epoch_loop: bool) -> Iterator[float]:
    group = _Group(lr)
    running = []
    for kind, args in schedulers:
        try:
            running.append(KINDS[kind][0](group, **args))
        except TypeError as error:
            raise ValueError(f"{kind}: {error}") from None
    per_iteration = [s for s in running if not s.by_epoch]
    per_epoch = [s for s in running if s.by_epoch]
    while True:
        for _ in range(epoch_length if by_epoch_loop else INF):
            yield group.values["lr"]  # before_train_iter: what optimizer.step() uses
            for scheduler in per_iteration:  # ParamSchedulerHook.after_train_iter
                scheduler.step()
        for scheduler in per_epoch:  # ParamSchedulerHook.after_train_epoch
            scheduler.step()


FROM_TORCH: dict[str, Any] = {
    "StepLR": lambda kw: {"step_size": kw["step_size"], "gamma": kw["gamma"]},
    "MultiStepLR": lambda kw: {"milestones": list(kw["milestones"]), "gamma": kw["gamma"]},
    "ExponentialLR": lambda kw: {"gamma": kw["gamma"]},
    "ConstantLR": lambda kw: {"factor": kw["factor"], "begin": 0, "end": kw["total_iters"] + 1},
    "LinearLR": lambda kw: {"start_factor": kw["start_factor"], "end_factor": kw["end_factor"], "begin": 0, "end": kw["total_iters"] + 1},
    "CosineAnnealingLR": lambda kw: {"T_max": kw["T_max"], "eta_min": kw["eta_min"]},
    "PolyLR": lambda kw: {"eta_min": 0, "power": kw["power"], "begin": 0, "end": kw["total_iters"] + 1},
    "OneCycleLR": lambda kw: {
        "eta_max": kw["max_lr"], "total_steps": kw["total_steps"] if kw["total_steps"] is not None else kw["epochs"] * kw["steps_per_epoch"],
        "pct_start": kw["pct_start"], "anneal_strategy": kw["anneal_strategy"], "div_factor": kw["div_factor"],
        "final_div_factor": kw["final_div_factor"], "three_phase": kw["three_phase"]},
}
"""This library's schedulers that repeat a PyTorch chainable scheduler (whose record says so: ``copied_as("mmengine.optim.
PolyLR")``), and how that scheduler's arguments (with defaults) carry over. Each is the same update in a window: PyTorch's
``total_iters`` is reached at the window's last step, ``end - 1``; without an ``end`` the window lasts the run. (tests:
every reference configuration of these, written as a param_scheduler list and read back, gives PyTorch's curve.)"""


def from_copy(kind: str, kwargs: dict[str, Any], by_epoch: bool) -> dict[str, Any] | None:
    """The param_scheduler entry of this library's ``kind`` that repeats a scheduler with these arguments, or None."""
    if kind not in FROM_TORCH:
        return None
    return {"type": kind, **FROM_TORCH[kind](kwargs), "by_epoch": by_epoch}


RUNNER = "mmengine.runner.Runner"


@register(
    RUNNER,
    family="chained",
    params=(
        Param("param_scheduler", "dicts", doc="The config's param_scheduler list, as written.",
              example="[dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),\n"
                      " dict(type='MultiStepLR', by_epoch=True, begin=0, end=90, milestones=[60, 80], gamma=0.1)]"),
        Param("epoch_length", "int", None, optional=True, doc="Iterations per epoch: len(train_dataloader).", example="100"),
        Param("max_epochs", "int", None, optional=True, doc="train_cfg's max_epochs (an EpochBasedTrainLoop).", example="90"),
        Param("max_iters", "int", None, optional=True, doc="train_cfg's max_iters, instead of max_epochs (an IterBasedTrainLoop)."),
    ),
    needs_lr=True,
    summary="The Runner's param_scheduler list: schedulers in windows [begin, end), by epoch or iteration, chained on one lr.",
    label="Runner: a param_scheduler list",
    leading_optimizer=False,
)
def runner(lr, param_scheduler, epoch_length=None, max_epochs=None, max_iters=None):
    """The lr of every iteration of an mmengine run (see the module's rules)."""
    check((max_epochs is None) != (max_iters is None), "give the training loop's length: max_epochs (EpochBasedTrainLoop) or max_iters (IterBasedTrainLoop), not both")
    for name, value in (("epoch_length", epoch_length), ("max_epochs", max_epochs), ("max_iters", max_iters)):
        check(value is None or (is_int(value) and value > 0), f"{name} must be a whole number > 0 (got {value!r})")
    epoch_loop = max_epochs is not None
    check(not epoch_loop or epoch_length is not None, "an EpochBasedTrainLoop needs epoch_length: the iterations (batches) of one epoch")
    entries = param_scheduler if isinstance(param_scheduler, (list, tuple)) else [param_scheduler]
    iterations = max_epochs * epoch_length if epoch_loop else max_iters  # EpochBasedTrainLoop.max_iters
    plan = built(list(entries), epoch_length, max_epochs if epoch_loop else 1, iterations)
    check(bool(plan), "param_scheduler has no lr scheduler (only schedulers of other parameters): the lr stays at the optimizer's")
    list(zip(range(1), _loop(lr, plan, epoch_length or 1, epoch_loop)))  # build now: the constructors' errors are the call's
    return simulated(lambda: _loop(lr, plan, epoch_length or 1, epoch_loop))


RUNNER_RECORD = record(RUNNER)
RUNNER_RECORD.spans(length=first(given("max_iters"), given("max_epochs*epoch_length")))
