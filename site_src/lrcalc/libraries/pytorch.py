"""PyTorch's ``torch.optim.lr_scheduler``, replayed step by step.

PyTorch updates most learning rates recursively: each ``scheduler.step()``
multiplies the optimizer's current ``lr`` by a factor (the "chainable form"),
and ``SequentialLR`` and ``ChainedScheduler`` compose schedulers through that
shared, mutated ``lr``. To match PyTorch exactly, including those
compositions, this module replays the same update rules on a one-group
optimizer stand-in, in the same order as PyTorch (construction runs an initial
step; ``SequentialLR`` resets and re-runs it), rather than evaluating closed
forms. ``schedule(i)`` is ``optimizer.param_groups[0]["lr"]`` after ``i``
calls of ``scheduler.step()``, each after ``optimizer.step()``.

Conventions worth knowing (PyTorch 2.x):

- ``StepLR``/``MultiStepLR``: the drop happens at step ``step_size`` (a
  milestone ``m`` first applies at ``schedule(m)``); a milestone listed twice
  applies ``gamma`` twice.
- ``ConstantLR``/``LinearLR``/``PolynomialLR``: after ``total_iters`` the
  value holds; ``ConstantLR`` restores the base value at ``total_iters``.
- ``CosineAnnealingLR``: ``eta_min`` is an absolute floor; past ``T_max`` the
  cosine continues, rising back towards the initial value.
- ``CyclicLR``: starts at ``base_lr`` (it overwrites the optimizer's lr).
- ``OneCycleLR``: starts at ``max_lr / div_factor``, ignoring the optimizer's
  lr, and raises past ``total_steps``.
- ``ReduceLROnPlateau``: ``schedule(i)`` is the lr after ``step(metrics[i-1])``.

Why one module of this length: it is the one home of PyTorch's fourteen
schedulers. The replay classes come first (they share one optimizer stand-in
and one update loop, as PyTorch's classes share ``LRScheduler``); then each
scheduler's record with everything else about it (its phases, its closed form
for the code export, the lrcalc family it equals, the families it stands for),
so that adding or changing a scheduler touches this file only.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Any, Iterator

from .. import phases as ph
from ..export.expr import PI, cos, count_reached, floor, integral, minimum, need, where
from ..export.natives import same
from . import Param, check, first, given, is_int, is_number, record, refuse, register, simulated
from .native import one_cycle_at, one_cycle_phases, restarts_at

MODULE = "torch.optim.lr_scheduler."
LAST_EPOCH = Param("last_epoch", "int", -1, doc="Resuming is out of scope: only -1 (a fresh start) is accepted.")


class _Optimizer:
    """The one parameter group a scheduler reads and writes, as in an SGD optimizer with momentum."""

    def __init__(self, lr: float) -> None:
        self.group: dict[str, float] = {"lr": lr}


class _Scheduler:
    """PyTorch's LRScheduler: construction runs one initial step in "initial" mode."""

    has_closed_form = False

    def __init__(self, optimizer: _Optimizer) -> None:
        self.optimizer = optimizer
        self.group = optimizer.group
        self.group.setdefault("initial_lr", self.group["lr"])
        self.base = self.group["initial_lr"]
        self.last_epoch = -1
        self.initial_step()

    def initial_step(self) -> None:
        self.step_count = 0
        self.initial = True
        self.step()
        self.initial = False

    def step(self) -> None:
        self.step_count += 1
        self.last_epoch += 1
        self.group["lr"] = self.chainable()

    def jump(self, epoch: int) -> None:
        """PyTorch's ``_update_lr(epoch)``: the closed form where there is one."""
        self.last_epoch = epoch
        self.group["lr"] = self.closed_form() if self.has_closed_form else self.chainable()

    def chainable(self) -> float:
        raise NotImplementedError

    def closed_form(self) -> float:
        raise NotImplementedError

    def undo(self) -> None:
        """SequentialLR's ``recursive_undo``."""
        self.last_epoch -= 1


class _StepLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, step_size, gamma):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def chainable(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self.group["lr"]
        return self.group["lr"] * self.gamma

    def closed_form(self):
        return self.base * self.gamma ** (self.last_epoch // self.step_size)


class _MultiStepLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, milestones, gamma):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer)

    def chainable(self):
        if self.last_epoch not in self.milestones:
            return self.group["lr"]
        return self.group["lr"] * self.gamma ** self.milestones[self.last_epoch]

    def closed_form(self):
        return self.base * self.gamma ** bisect_right(sorted(self.milestones.elements()), self.last_epoch)


class _ConstantLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, factor, total_iters):
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer)

    def chainable(self):
        if self.last_epoch == 0:
            return self.group["lr"] * self.factor
        if self.last_epoch != self.total_iters:
            return self.group["lr"]
        check(self.factor != 0, "ConstantLR with factor=0 divides by zero at total_iters (PyTorch raises ZeroDivisionError)")
        return self.group["lr"] * (1.0 / self.factor)

    def closed_form(self):
        return self.base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))


class _LinearLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, start_factor, end_factor, total_iters):
        self.start, self.end, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def chainable(self):
        if self.last_epoch == 0:
            return self.group["lr"] * self.start
        if self.initial or self.last_epoch > self.total_iters:
            return self.group["lr"]
        change = self.end - self.start
        return self.group["lr"] * (1.0 + change / (self.total_iters * self.start + (self.last_epoch - 1) * change))

    def closed_form(self):
        return self.base * (self.start + (self.end - self.start) * min(self.total_iters, self.last_epoch) / self.total_iters)


class _ExponentialLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, gamma):
        self.gamma = gamma
        super().__init__(optimizer)

    def chainable(self):
        return self.group["lr"] if self.initial else self.group["lr"] * self.gamma

    def closed_form(self):
        return self.base * self.gamma**self.last_epoch


class _PolynomialLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, total_iters, power):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer)

    def chainable(self):
        if self.initial or self.last_epoch > self.total_iters:
            return self.group["lr"]
        n, t = self.total_iters, self.last_epoch
        return self.group["lr"] * ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power

    def closed_form(self):
        return self.base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power


class _CosineAnnealingLR(_Scheduler):
    has_closed_form = True

    def __init__(self, optimizer, T_max, eta_min):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def chainable(self):
        t, T, low, lr = self.last_epoch, self.T_max, self.eta_min, self.group["lr"]
        if self.initial:
            return lr
        if self.step_count == 1 and t > 0:
            return low + (self.base - low) * (1 + math.cos(t * math.pi / T)) / 2
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (self.base - low) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - low) + low

    def closed_form(self):
        return self.eta_min + (self.base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2


class _SWALR(_Scheduler):
    """torch.optim.swa_utils.SWALR: each step works the start back out of the current lr, then anneals towards swa_lr."""

    def __init__(self, optimizer, swa_lr, anneal_epochs, anneal_strategy):
        self.swa_lr, self.anneal_epochs = swa_lr, anneal_epochs
        self.anneal = (lambda t: (1 - math.cos(math.pi * t)) / 2) if anneal_strategy == "cos" else (lambda t: t)
        super().__init__(optimizer)

    def chainable(self):
        step = self.step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        lr = self.group["lr"]
        start = self.swa_lr if prev_alpha == 1 else (lr - prev_alpha * self.swa_lr) / (1 - prev_alpha)
        alpha = self.anneal(max(0, min(1, step / max(1, self.anneal_epochs))))
        return self.swa_lr * alpha + start * (1 - alpha)


class _CyclicLR(_Scheduler):
    def __init__(self, optimizer, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, scale_mode):
        optimizer.group["lr"] = base_lr
        self.max_lr = max_lr
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode, self.gamma = mode, gamma
        self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_base = base_lr
        super().__init__(optimizer)

    def scale(self, x: float) -> float:
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def chainable(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        height = (self.max_lr - self.cycle_base) * factor
        return self.cycle_base + height * self.scale(cycle if self.scale_mode == "cycle" else self.last_epoch)


class _CosineAnnealingWarmRestarts(_Scheduler):
    def __init__(self, optimizer, T_0, T_mult, eta_min):
        self.T_0 = self.T_i = T_0
        self.T_mult, self.eta_min = T_mult, eta_min
        self.T_cur = -1
        super().__init__(optimizer)

    def step(self):
        if self.last_epoch < 0:  # PyTorch's step(epoch=0): T_0 > 0, so the first period
            self.T_i, self.T_cur, self.last_epoch = self.T_0, 0, 0
        else:
            self.last_epoch += 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        self.group["lr"] = self.chainable()

    def chainable(self):
        return self.eta_min + (self.base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2


class _OneCycleLR(_Scheduler):
    def __init__(self, optimizer, max_lr, total_steps, pct_start, anneal_strategy, div_factor, final_div_factor, three_phase):
        self.total_steps = total_steps
        initial = max_lr / div_factor
        self.levels = {"initial_lr": initial, "max_lr": max_lr, "min_lr": initial / final_div_factor}
        optimizer.group["initial_lr"] = initial
        if three_phase:
            self.phases = [
                (float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr"),
                (total_steps - 1, "initial_lr", "min_lr"),
            ]
        else:
            self.phases = [
                (float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                (total_steps - 1, "max_lr", "min_lr"),
            ]
        self.cosine = anneal_strategy == "cos"
        super().__init__(optimizer)

    def chainable(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        start_step = 0.0
        for i, (end_step, start, end) in enumerate(self.phases):
            if step <= end_step or i == len(self.phases) - 1:
                pct = (step - start_step) / (end_step - start_step)
                low, high = self.levels[start], self.levels[end]
                if self.cosine:
                    return high + (low - high) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (high - low) * pct + low
            start_step = end_step
        raise AssertionError("unreachable")  # pragma: no cover


class _SequentialLR(_Scheduler):
    def __init__(self, optimizer, schedulers, milestones):
        self.optimizer, self.group = optimizer, optimizer.group
        self.schedulers, self.milestones = schedulers, milestones
        self.last_epoch = 0
        self.group["lr"] = self.group["initial_lr"]
        for scheduler in schedulers:
            scheduler.undo()
        schedulers[bisect_right(milestones, 0)].initial_step()

    def initial_step(self):
        self.step()

    def undo(self):
        for scheduler in self.schedulers:
            scheduler.undo()

    def step(self):
        self.last_epoch += 1
        index = bisect_right(self.milestones, self.last_epoch)
        scheduler = self.schedulers[index]
        if index > 0 and self.milestones[index - 1] == self.last_epoch:
            scheduler.jump(0)
        else:
            scheduler.step()

    def jump(self, epoch):
        raise ValueError("SequentialLR cannot be restarted by an enclosing SequentialLR milestone in PyTorch")


class _ChainedScheduler(_Scheduler):
    def __init__(self, optimizer, schedulers):
        self.optimizer, self.group = optimizer, optimizer.group
        self.schedulers = schedulers

    def initial_step(self):
        self.step()

    def undo(self):
        for scheduler in self.schedulers:
            scheduler.undo()

    def step(self):
        for scheduler in self.schedulers:
            scheduler.step()

    def jump(self, epoch):
        raise ValueError("ChainedScheduler has no closed form: PyTorch cannot restart it from a SequentialLR milestone")


# ---------------------------------------------------------------- argument checks and builders


def _number(name: str, value: Any) -> None:
    check(is_number(value) and math.isfinite(value), f"{name} must be a finite number (got {name}={value!r})")


def _fresh_start(last_epoch: Any) -> None:
    check(
        last_epoch == -1,
        f"last_epoch={last_epoch!r} resumes a run, which needs the optimizer's saved state; "
        "lrcalc computes from the start (last_epoch=-1): read later steps instead",
    )


def _nested(optimizer: _Optimizer, spec: Any, owner: str) -> _Scheduler:
    """Construct a nested scheduler (a dict ``{"api": ..., **kwargs}``) on the shared optimizer."""
    check(isinstance(spec, dict) and "api" in spec, f"{owner} takes schedulers as dicts {{'api': ..., **kwargs}} (got {spec!r})")
    api = str(spec["api"])
    short = api.rsplit(".", 1)[-1]
    if short == "ReduceLROnPlateau":
        raise ValueError(
            f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs "
            "to be specified when calling `step`"
        )
    full = api if "." in api else next((name for name in _MAKERS if name.rsplit(".", 1)[-1] == short), "")
    if full not in _MAKERS:
        raise ValueError(f"{owner} can only nest PyTorch schedulers (got {api!r})")
    from . import bind, lookup

    arguments = bind(lookup(full), {k: v for k, v in spec.items() if k != "api"})
    return _MAKERS[full](optimizer, **arguments)


def _replay(lr: float, make) -> Iterator[float]:
    """Yield the lr before each step: construct, read, then step and read, forever."""
    optimizer = _Optimizer(lr)
    scheduler = make(optimizer)
    while True:
        yield optimizer.group["lr"]
        scheduler.step()


def _make_StepLR(optimizer, step_size, gamma, last_epoch=-1):
    _number("step_size", step_size)  # PyTorch accepts 0 and fails at the first step; so does lrcalc
    _number("gamma", gamma)
    _fresh_start(last_epoch)
    return _StepLR(optimizer, step_size, gamma)


def _make_MultiStepLR(optimizer, milestones, gamma, last_epoch=-1):
    check(
        isinstance(milestones, (list, tuple)) and all(is_int(m) for m in milestones),
        f"milestones must be a list of whole numbers (got {milestones!r})",
    )
    _number("gamma", gamma)
    _fresh_start(last_epoch)
    return _MultiStepLR(optimizer, list(milestones), gamma)


def _make_ConstantLR(optimizer, factor, total_iters, last_epoch=-1):
    _number("factor", factor)
    check(0 <= factor <= 1.0, "Constant multiplicative factor expected to be between 0 and 1.")
    _number("total_iters", total_iters)
    _fresh_start(last_epoch)
    return _ConstantLR(optimizer, factor, total_iters)


def _make_LinearLR(optimizer, start_factor, end_factor, total_iters, last_epoch=-1):
    _number("start_factor", start_factor)
    _number("end_factor", end_factor)
    check(0 < start_factor <= 1.0, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
    check(0 <= end_factor <= 1.0, "Ending multiplicative factor expected to be between 0 and 1.")
    _number("total_iters", total_iters)
    _fresh_start(last_epoch)
    return _LinearLR(optimizer, start_factor, end_factor, total_iters)


def _make_ExponentialLR(optimizer, gamma, last_epoch=-1):
    _number("gamma", gamma)
    _fresh_start(last_epoch)
    return _ExponentialLR(optimizer, gamma)


def _make_PolynomialLR(optimizer, total_iters, power, last_epoch=-1):
    _number("total_iters", total_iters)
    _number("power", power)
    _fresh_start(last_epoch)
    return _PolynomialLR(optimizer, total_iters, power)


def _make_CosineAnnealingLR(optimizer, T_max, eta_min, last_epoch=-1):
    _number("T_max", T_max)  # PyTorch accepts 0 and fails at the first step; so does lrcalc
    _number("eta_min", eta_min)
    _fresh_start(last_epoch)
    return _CosineAnnealingLR(optimizer, T_max, eta_min)


def _make_SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
    _number("swa_lr", swa_lr)
    check(anneal_strategy in ("cos", "linear"), f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
    check(is_int(anneal_epochs) and anneal_epochs >= 0, f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
    _fresh_start(last_epoch)
    return _SWALR(optimizer, swa_lr, anneal_epochs, anneal_strategy)


def _make_CyclicLR(optimizer, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode, cycle_momentum, base_momentum, max_momentum, last_epoch=-1):
    check(scale_fn is None, "a custom scale_fn is a Python callable, which lrcalc cannot evaluate: use mode instead")
    for name, value in (("base_lr", base_lr), ("max_lr", max_lr), ("gamma", gamma)):
        _number(name, value)
    check(is_number(step_size_up) and step_size_up > 0, f"step_size_up must be > 0 (got {step_size_up!r})")
    check(
        step_size_down is None or (is_number(step_size_down) and step_size_down > 0),
        f"step_size_down must be > 0 or None (got {step_size_down!r})",
    )
    check(mode in ("triangular", "triangular2", "exp_range"), "mode is invalid and scale_fn is None")
    check(scale_mode in ("cycle", "iterations"), f"scale_mode must be 'cycle' or 'iterations' (got {scale_mode!r})")
    _fresh_start(last_epoch)
    return _CyclicLR(optimizer, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, scale_mode)


def _make_CosineAnnealingWarmRestarts(optimizer, T_0, T_mult, eta_min, last_epoch=-1):
    check(is_int(T_0) and T_0 > 0, f"Expected positive integer T_0, but got {T_0}")
    check(is_int(T_mult) and T_mult >= 1, f"Expected integer T_mult >= 1, but got {T_mult}")
    check(is_number(eta_min), f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
    _fresh_start(last_epoch)
    return _CosineAnnealingWarmRestarts(optimizer, T_0, T_mult, eta_min)


def _make_OneCycleLR(optimizer, max_lr, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, cycle_momentum, base_momentum, max_momentum, div_factor, final_div_factor, three_phase, last_epoch=-1):
    if total_steps is not None:
        check(is_int(total_steps) and total_steps > 0, f"Expected positive integer total_steps, but got {total_steps}")
    elif epochs is not None and steps_per_epoch is not None:
        check(is_int(epochs) and epochs > 0, f"Expected positive integer epochs, but got {epochs}")
        check(is_int(steps_per_epoch) and steps_per_epoch > 0, f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
        total_steps = epochs * steps_per_epoch
    else:
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
    check(
        isinstance(pct_start, float) and 0 <= pct_start <= 1,
        f"Expected float between 0 and 1 pct_start, but got {pct_start}",
    )
    check(anneal_strategy in ("cos", "linear"), f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
    for name, value in (("max_lr", max_lr), ("div_factor", div_factor), ("final_div_factor", final_div_factor)):
        _number(name, value)
    check(div_factor != 0 and final_div_factor != 0, "div_factor and final_div_factor must not be 0")
    _fresh_start(last_epoch)
    return _OneCycleLR(optimizer, max_lr, total_steps, pct_start, anneal_strategy, div_factor, final_div_factor, three_phase)


def _make_SequentialLR(optimizer, schedulers, milestones, last_epoch=-1):
    check(isinstance(schedulers, (list, tuple)) and len(schedulers) >= 1, "SequentialLR expects at least one scheduler, but got no scheduler.")
    check(
        isinstance(milestones, (list, tuple)) and all(is_int(m) for m in milestones),
        f"milestones must be a list of whole numbers (got {milestones!r})",
    )
    check(
        len(milestones) == len(schedulers) - 1,
        "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone "
        f"points, but got number of schedulers {len(schedulers)} and the number of milestones to be equal to {len(milestones)}",
    )
    _fresh_start(last_epoch)
    built = [_nested(optimizer, spec, "SequentialLR") for spec in schedulers]
    return _SequentialLR(optimizer, built, list(milestones))


def _make_ChainedScheduler(optimizer, schedulers):
    check(isinstance(schedulers, (list, tuple)) and len(schedulers) >= 1, "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
    return _ChainedScheduler(optimizer, [_nested(optimizer, spec, "ChainedScheduler") for spec in schedulers])


_MAKERS: dict[str, Any] = {}
"""Each registered scheduler's maker (``_make_<name>``), by its public dotted name."""


def _registered(name: str, family: str, params: tuple[Param, ...], summary: str, stepping: str = "epoch", leading_optimizer: bool = True, module: str = MODULE):
    """Register ``<module><name>`` (``torch.optim.lr_scheduler.`` unless given) as a replay of ``_make_<name>``."""
    maker = _MAKERS[module + name] = globals()[f"_make_{name}"]

    @register(module + name, family=family, params=params, needs_lr=True, summary=summary, stepping=stepping, leading_optimizer=leading_optimizer)
    def build(lr: float, **arguments: Any):
        try:
            maker(_Optimizer(lr), **arguments)  # validate now, not at the first step
        except ZeroDivisionError as error:
            # Python 3.12+ words a float division "division by zero"; PyTorch's users see the 3.11 wording too.
            text = "float division by zero" if str(error) == "division by zero" else str(error)
            raise ValueError(f"{text} (PyTorch raises ZeroDivisionError when constructing {name} with these arguments)") from None
        return simulated(lambda: _replay(lr, lambda optimizer: maker(optimizer, **arguments)))

    return record(module + name)


# ---------------------------------------------------------------- each scheduler: its record and its parts
# (registration, phase boundaries, closed form for the code export, the lrcalc family it equals and
# the families it can stand for), one block per scheduler.

STEP_LR = _registered("StepLR", "step", (Param("step_size", "int", example="30"), Param("gamma", "float", 0.1), LAST_EPOCH), "Multiply the lr by gamma every step_size steps.")
STEP_LR.phase_rule(lambda k, total: ph.every(0, k["step_size"], total, "drop"))
STEP_LR.same_as(lambda lr, kw: ("lrcalc.step_decay", {"init_value": lr, "step_size": kw["step_size"], "decay_factor": kw["gamma"]}))
STEP_LR.standing_for("lrcalc.step_decay")(lambda kw: same(STEP_LR.api, {"step_size": kw["step_size"], "gamma": kw["decay_factor"]}, kw["init_value"]))


@STEP_LR.closed_form
def _step_lr_at(b, t, lr, kw):
    size = kw["step_size"]
    need(integral(size) and size != 0, f"StepLR with step_size={size!r} has no closed form (PyTorch drops the lr at whole multiples only, and raises for 0)")
    return lr * kw["gamma"] ** (t // abs(int(size)))


MULTI_STEP_LR = _registered("MultiStepLR", "multistep", (Param("milestones", "ints", example="[30, 60]"), Param("gamma", "float", 0.1), LAST_EPOCH), "Multiply the lr by gamma at each milestone.")
MULTI_STEP_LR.phase_rule(lambda k, total: ph.listed(k["milestones"], "milestone"))
MULTI_STEP_LR.closed_form(lambda b, t, lr, kw: lr * kw["gamma"] ** count_reached(t, [m for m in kw["milestones"] if m >= 0]))
MULTI_STEP_LR.same_as(lambda lr, kw: ("lrcalc.multistep_decay", {"init_value": lr, "milestones": kw["milestones"], "decay_factor": kw["gamma"]}))
MULTI_STEP_LR.standing_for("lrcalc.multistep_decay")(
    lambda kw: same(MULTI_STEP_LR.api, {"milestones": kw["milestones"], "gamma": kw["decay_factor"]}, kw["init_value"])
)

CONSTANT_LR = _registered("ConstantLR", "constant", (Param("factor", "float", 1.0 / 3), Param("total_iters", "int", 5), LAST_EPOCH), "Scale the lr by factor until total_iters, then restore it.")
CONSTANT_LR.phase_rule(lambda k, total: ph.end(k, "the end of the ramp", "total_iters"))
CONSTANT_LR.standing_for("lrcalc.constant")(lambda kw: same(CONSTANT_LR.api, {"factor": 1.0, "total_iters": 0}, kw["value"]))


@CONSTANT_LR.closed_form
def _constant_lr_at(b, t, lr, kw):
    factor, n = kw["factor"], kw["total_iters"]
    if not (integral(n) and n >= 1):
        return lr * factor  # the factor applied at step 0 is never undone
    need(factor != 0, "ConstantLR with factor=0 raises ZeroDivisionError at total_iters in PyTorch")
    return where(t < int(n), lr * factor, lr)


LINEAR_LR = _registered(
    "LinearLR",
    "linear",
    (Param("start_factor", "float", 1.0 / 3), Param("end_factor", "float", 1.0), Param("total_iters", "int", 5), LAST_EPOCH),
    "Scale the lr linearly from start_factor to end_factor over total_iters steps.",
)
LINEAR_LR.phase_rule(lambda k, total: ph.end(k, "the end of the ramp", "total_iters"))


@LINEAR_LR.closed_form
def _linear_lr_at(b, t, lr, kw):
    start, end, n = kw["start_factor"], kw["end_factor"], kw["total_iters"]
    return lr * start if n <= 0 else lr * (start + (end - start) * minimum(t, math.floor(n)) / n)


@LINEAR_LR.standing_for("lrcalc.linear")
def _linear_lr_for(kw):
    start, end = float(kw["init_value"]), float(kw["end_value"])
    if start <= 0:
        return None  # LinearLR's start_factor must be > 0
    base = max(start, end)
    return same(LINEAR_LR.api, {"start_factor": start / base, "end_factor": end / base, "total_iters": kw["steps"]}, base)


EXPONENTIAL_LR = _registered("ExponentialLR", "exponential", (Param("gamma", "float", example="0.95"), LAST_EPOCH), "Multiply the lr by gamma every step.")
EXPONENTIAL_LR.closed_form(lambda b, t, lr, kw: lr * kw["gamma"] ** t)
EXPONENTIAL_LR.same_as(lambda lr, kw: ("lrcalc.exponential_decay", {"init_value": lr, "decay_rate": kw["gamma"]}))
EXPONENTIAL_LR.standing_for("lrcalc.exponential_decay")(lambda kw: same(EXPONENTIAL_LR.api, {"gamma": kw["decay_rate"]}, kw["init_value"]))

POLYNOMIAL_LR = _registered("PolynomialLR", "polynomial", (Param("total_iters", "int", 5), Param("power", "float", 1.0), LAST_EPOCH), "Decay the lr to 0 over total_iters steps as (1 - t/total_iters)^power.")
POLYNOMIAL_LR.phase_rule(lambda k, total: ph.end(k, "the end of decay", "total_iters"))
POLYNOMIAL_LR.same_as(lambda lr, kw: ("lrcalc.polynomial_decay", {"init_value": lr, "end_value": 0.0, "steps": kw["total_iters"], "power": kw["power"]}))
POLYNOMIAL_LR.standing_for("lrcalc.polynomial_decay")(
    lambda kw: None if kw["cycle"] or kw["end_value"] != 0 else same(POLYNOMIAL_LR.api, {"total_iters": kw["steps"], "power": kw["power"]}, kw["init_value"])
)


@POLYNOMIAL_LR.closed_form
def _polynomial_lr_at(b, t, lr, kw):
    n = kw["total_iters"]
    return lr if n <= 0 else lr * (1.0 - minimum(t, math.floor(n)) / n) ** kw["power"]


COSINE_ANNEALING_LR = _registered("CosineAnnealingLR", "cosine", (Param("T_max", "int", example="90"), Param("eta_min", "float", 0.0), LAST_EPOCH), "Half a cosine from the lr down to eta_min over T_max steps.")
COSINE_ANNEALING_LR.phase_rule(lambda k, total: ph.every(0, k["T_max"], total, "cosine turns at T_max ×"))


@COSINE_ANNEALING_LR.closed_form
def _cosine_annealing_lr_at(b, t, lr, kw):
    need(kw["T_max"] != 0, "CosineAnnealingLR with T_max=0 raises ZeroDivisionError at its first step() in PyTorch")
    return kw["eta_min"] + (lr - kw["eta_min"]) * (1 + cos(PI * t / kw["T_max"])) / 2


CYCLIC_LR = _registered(
    "CyclicLR",
    "cyclic",
    (
        Param("base_lr", "float", example="0.001"),
        Param("max_lr", "float", example="0.1"),
        Param("step_size_up", "int", 2000),
        Param("step_size_down", "int", None, optional=True),
        Param("mode", "choice", "triangular", choices=("triangular", "triangular2", "exp_range")),
        Param("gamma", "float", 1.0),
        Param("scale_fn", "str", None, optional=True, doc="Callables are out of scope: leave None."),
        Param("scale_mode", "choice", "cycle", choices=("cycle", "iterations"), doc="Only used with a custom scale_fn."),
        Param("cycle_momentum", "bool", True, doc="Cycles momentum too; it does not change the lr."),
        Param("base_momentum", "float", 0.8),
        Param("max_momentum", "float", 0.9),
        LAST_EPOCH,
    ),
    "Cycle the lr between base_lr and max_lr (Smith 2015).",
    stepping="step",
)
CYCLIC_LR.phase_rule(lambda k, total: ph.every(0, k["step_size_up"] + (k["step_size_down"] or k["step_size_up"]), total, "cycle"))
CYCLIC_LR.standing_for("lrcalc.cyclic")(
    lambda kw: same(
        CYCLIC_LR.api,
        {"base_lr": kw["base_value"], "max_lr": kw["max_value"], "step_size_up": kw["step_size_up"], "step_size_down": kw["step_size_down"],
         "mode": kw["mode"], "gamma": kw["gamma"], "cycle_momentum": False},
        kw["base_value"],
    )
)


@CYCLIC_LR.closed_form
def _cyclic_lr_at(b, t, lr, kw):
    up = float(kw["step_size_up"])
    total = up + (float(kw["step_size_down"]) if kw["step_size_down"] is not None else up)
    ratio = up / total
    cycle = b.let("cycle", floor(1 + t / total))
    x = b.let("x", 1.0 + t / total - cycle)
    factor = where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    scale = {"triangular": 1.0, "triangular2": 1 / 2.0 ** (cycle - 1), "exp_range": kw["gamma"] ** t}[kw["mode"]]
    return kw["base_lr"] + (kw["max_lr"] - kw["base_lr"]) * factor * scale


WARM_RESTARTS = _registered(
    "CosineAnnealingWarmRestarts",
    "warm_restarts",
    (Param("T_0", "int", example="10"), Param("T_mult", "int", 1), Param("eta_min", "float", 0.0), LAST_EPOCH),
    "Cosine annealing restarted every T_0 steps, each period T_mult times longer (SGDR).",
)
WARM_RESTARTS.phase_rule(lambda k, total: ph.restarts(k["T_0"], k["T_mult"], total))
WARM_RESTARTS.closed_form(lambda b, t, lr, kw: restarts_at(b, t, lr, kw["T_0"], kw["T_mult"], kw["eta_min"], 1.0))
WARM_RESTARTS.same_as(
    lambda lr, kw: ("lrcalc.cosine_restarts", {"init_value": lr, "period": kw["T_0"], "period_mult": float(kw["T_mult"]), "end_value": kw["eta_min"]})
)
WARM_RESTARTS.standing_for("lrcalc.cosine_restarts")(
    lambda kw: None
    if kw["peak_decay"] != 1 or not integral(kw["period_mult"])
    else same(WARM_RESTARTS.api, {"T_0": kw["period"], "T_mult": int(kw["period_mult"]), "eta_min": kw["end_value"]}, kw["init_value"])
)

SWALR = _registered(
    "SWALR",
    "swa",
    (
        Param("swa_lr", "float", example="0.05", doc="The learning rate it anneals to and then holds."),
        Param("anneal_epochs", "int", 10),
        Param("anneal_strategy", "choice", "cos", choices=("cos", "linear")),
        LAST_EPOCH,
    ),
    "Anneal the lr to swa_lr over anneal_epochs, then hold it (stochastic weight averaging, Izmailov et al. 2018).",
    module="torch.optim.swa_utils.",
)
SWALR.phase_rule(lambda k, total: ph.end(k, "the end of annealing", "anneal_epochs"))


@SWALR.closed_form
def _swalr_at(b, t, lr, kw):
    swa, epochs = kw["swa_lr"], kw["anneal_epochs"]
    if epochs == 0:
        return swa  # PyTorch counts at least one step: the annealing is over at once
    p = minimum(t / float(epochs), 1.0)
    alpha = p if kw["anneal_strategy"] == "linear" else (1 - cos(PI * p)) / 2
    return swa * alpha + lr * (1 - alpha)


@SWALR.same_as
def _swalr_family(lr, kw):
    swa, epochs = kw["swa_lr"], kw["anneal_epochs"]
    if epochs == 0:
        return "lrcalc.constant", {"value": swa}
    if kw["anneal_strategy"] == "linear":
        return "lrcalc.linear", {"init_value": lr, "end_value": swa, "steps": epochs}
    return "lrcalc.cosine_decay", {"init_value": lr, "steps": epochs, "end_value": swa}


ONE_CYCLE_LR = _registered(
    "OneCycleLR",
    "one_cycle",
    (
        Param("max_lr", "float", example="0.1"),
        Param("total_steps", "int", None, optional=True, from_training=True, alternatives=("epochs", "steps_per_epoch")),
        Param("epochs", "int", None, optional=True),
        Param("steps_per_epoch", "int", None, optional=True),
        Param("pct_start", "float", 0.3),
        Param("anneal_strategy", "choice", "cos", choices=("cos", "linear")),
        Param("cycle_momentum", "bool", True, doc="Cycles momentum too; it does not change the lr."),
        Param("base_momentum", "float", 0.85),
        Param("max_momentum", "float", 0.95),
        Param("div_factor", "float", 25.0),
        Param("final_div_factor", "float", 1e4),
        Param("three_phase", "bool", False),
        LAST_EPOCH,
    ),
    "Warm up to max_lr, then anneal far below the start (Smith and Topin 2017); ignores the optimizer's lr.",
    stepping="step",
)


@ONE_CYCLE_LR.phase_rule
def _one_cycle_lr_phases(k, total):
    steps = k["total_steps"] or (k["epochs"] or 0) * (k["steps_per_epoch"] or 0)
    pct = k["pct_start"]
    returns = [(int(2 * pct * steps) - 1, "the return to the start")] if k["three_phase"] else []
    return [(int(pct * steps), "the peak"), *returns, (steps, "the end of the cycle")]


@ONE_CYCLE_LR.closed_form
def _one_cycle_lr_at(b, t, lr, kw):
    total = kw["total_steps"] if kw["total_steps"] is not None else kw["epochs"] * kw["steps_per_epoch"]
    initial = kw["max_lr"] / kw["div_factor"]
    phases = one_cycle_phases(kw["max_lr"], total, kw["pct_start"], initial, initial / kw["final_div_factor"], kw["three_phase"])
    return one_cycle_at(t, phases, kw["anneal_strategy"] == "cos", guard=False)


SEQUENTIAL_LR = _registered(
    "SequentialLR",
    "sequential",
    (
        Param("schedulers", "schedules", example="[LinearLR(optimizer, start_factor=0.1, total_iters=5), CosineAnnealingLR(optimizer, T_max=85)]"),
        Param("milestones", "ints", example="[5]"),
        LAST_EPOCH,
    ),
    "Run schedulers one after another, switching at each milestone.",
)
SEQUENTIAL_LR.phase_rule(lambda k, total: ph.listed(k["milestones"], "switch"))

CHAINED_SCHEDULER = _registered(
    "ChainedScheduler",
    "chained",
    (Param("schedulers", "schedules", example="[ConstantLR(optimizer, factor=0.5, total_iters=5), ExponentialLR(optimizer, gamma=0.95)]"),),
    "Step every scheduler each step, so their effects multiply.",
    leading_optimizer=False,
)


PLATEAU_PARAMS = (
    Param("metrics", "metrics", [], doc="The values passed to step(), in order.", positional=False),
    Param("mode", "choice", "min", choices=("min", "max")),
    Param("factor", "float", 0.1),
    Param("patience", "int", 10),
    Param("threshold", "float", 1e-4),
    Param("threshold_mode", "choice", "rel", choices=("rel", "abs")),
    Param("cooldown", "int", 0),
    Param("min_lr", "float", 0),
    Param("eps", "float", 1e-8),
)
"""ReduceLROnPlateau's arguments (transformers' get_reduce_on_plateau_schedule passes them through)."""


@register(
    MODULE + "ReduceLROnPlateau",
    family="plateau",
    params=PLATEAU_PARAMS,
    needs_lr=True,
    summary="Multiply the lr by factor when the metric stops improving for patience steps.",
)
def reduce_lr_on_plateau(lr, metrics, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps):
    """ReduceLROnPlateau driven by the metric values the user pastes."""
    check(is_number(factor) and factor < 1.0, "Factor should be < 1.0.")
    check(mode in ("min", "max"), f"mode {mode} is unknown!")
    check(threshold_mode in ("rel", "abs"), f"threshold mode {threshold_mode} is unknown!")
    check(isinstance(metrics, (list, tuple)) and all(is_number(m) for m in metrics), f"metrics must be a list of numbers (got {metrics!r})")
    for name, value in (("threshold", threshold), ("min_lr", min_lr), ("eps", eps)):
        _number(name, value)
    check(is_int(patience) and patience >= 0, f"patience must be a whole number >= 0 (got {patience!r})")
    check(is_int(cooldown) and cooldown >= 0, f"cooldown must be a whole number >= 0 (got {cooldown!r})")

    def better(a: float, best: float) -> bool:
        if mode == "min":
            return a < best * (1.0 - threshold) if threshold_mode == "rel" else a < best - threshold
        return a > best * (threshold + 1.0) if threshold_mode == "rel" else a > best + threshold

    def run() -> Iterator[float]:
        current, best = float(lr), math.inf if mode == "min" else -math.inf
        bad = cooling = 0
        yield current
        for metric in metrics:
            metric = float(metric)
            if better(metric, best):
                best, bad = metric, 0
            else:
                bad += 1
            if cooling > 0:
                cooling -= 1
                bad = 0
            if bad > patience:
                reduced = max(current * factor, min_lr)
                if current - reduced > eps:
                    current = reduced
                cooling, bad = cooldown, 0
            yield current

    return simulated(run)


for _name in ("LambdaLR", "MultiplicativeLR"):
    refuse(
        MODULE + _name,
        f"{_name} computes the learning rate with a Python function you wrote (lr_lambda), which lrcalc cannot read or run; "
        "write the schedule as one of the libraries' schedulers instead (a lambda for a warmup then decay is usually "
        "LinearLR and SequentialLR, or transformers' get_*_schedule_with_warmup)",
    )

REDUCE_LR_ON_PLATEAU = record(MODULE + "ReduceLROnPlateau")
REDUCE_LR_ON_PLATEAU.standing_for("lrcalc.reduce_on_plateau")(
    lambda kw: same(
        REDUCE_LR_ON_PLATEAU.api,
        {n: kw[n] for n in ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown")} | {"min_lr": kw["min_value"], "eps": kw["eps"]},
        float(kw["init_value"]),
    )
)


# ---------------------------------------------------------------- the run length a call states, and its warmup (see lrcalc.span)

ONE_CYCLE_LR.spans(
    length=first(given("total_steps"), given("epochs*steps_per_epoch")),
    warmup=lambda kw: _one_cycle_peak(kw),
)


def _one_cycle_peak(kw: dict) -> tuple[int, str] | None:
    """OneCycleLR reaches max_lr at step pct_start * total_steps - 1 (its first phase's end_step)."""
    stated = ONE_CYCLE_LR.length(kw)
    if stated is None or not is_number(kw["pct_start"]):
        return None
    return max(math.ceil(kw["pct_start"] * stated[0] - 1), 0), f"pct_start={kw['pct_start']!r} of {stated[1]}"


COSINE_ANNEALING_LR.spans(length=given("T_max"))

# mmengine's lr schedulers repeat these chainable updates in windows (lrcalc.libraries.mmengine.FROM_TORCH says how
# their arguments carry over): an OpenMMLab config can give their curves.
for _record, _copy in ((STEP_LR, "StepLR"), (MULTI_STEP_LR, "MultiStepLR"), (CONSTANT_LR, "ConstantLR"), (LINEAR_LR, "LinearLR"),
                       (EXPONENTIAL_LR, "ExponentialLR"), (POLYNOMIAL_LR, "PolyLR"), (COSINE_ANNEALING_LR, "CosineAnnealingLR"), (ONE_CYCLE_LR, "OneCycleLR")):
    _record.copied_as("mmengine.optim." + _copy)
POLYNOMIAL_LR.spans(length=given("total_iters"))
LINEAR_LR.spans(warmup=given("total_iters", unless=lambda kw: not kw["start_factor"] < kw["end_factor"]))
