"""timm's ``timm.scheduler`` classes, as functions of the epoch.

timm sets the learning rate from the epoch number rather than by counting
calls: ``scheduler.step(epoch)`` sets the lr for that epoch, so
``schedule(i)`` is the lr after ``scheduler.step(i)``, that is, during epoch
``i`` (with ``t_in_epochs=False`` the same values come from
``step_update(num_updates)``, counted in batches). ``lr`` is the optimizer's
learning rate. Conventions worth knowing:

- warmup runs linearly from ``warmup_lr_init`` over ``warmup_t`` steps; with
  ``warmup_prefix=False`` (the default for cosine, tanh and poly) the warmup
  overlaps the start of the schedule, with ``True`` it comes before it.
  ``StepLRScheduler`` and ``MultiStepLRScheduler`` default to a prefix.
- ``lr_min`` is an absolute floor; after ``cycle_limit`` cycles the lr stays
  at ``lr_min``.
- ``MultiStepLRScheduler`` applies a milestone ``m`` from epoch ``m - 1``
  (it bisects ``t + 1``).
- timm's optional noise is random, so it is out of scope.
- ``create_scheduler(args, optimizer)``, train.py's factory, reads its settings
  from ``args`` with defaults of its own (``warmup_epochs`` 5, where
  ``create_scheduler_v2`` defaults to 0), then calls ``create_scheduler_v2``.

Why one module of this length: it is the one home of timm's seven schedulers
and its two factories, each with its record, phases, closed form and
equivalents beside it; the factories resolve to the schedulers above them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any, Callable

from .. import phases as ph
from ..export.expr import PI, Body, Expr, after, cos, count_reached, floor, log, maximum, minimum, need, sqrt, tanh, where
from . import Param, check, from_library, given, is_int, is_number, record, register, simulated
from ..schedules import Schedule

MODULE = "timm.scheduler."


def _common(warmup_prefix: bool, *extra: Param) -> tuple[Param, ...]:
    """The arguments every timm scheduler shares, in timm's order (``extra`` goes before initialize)."""
    return (
        Param("warmup_t", "int", 0),
        Param("warmup_lr_init", "float", 0.0),
        Param("warmup_prefix", "bool", warmup_prefix),
        Param("t_in_epochs", "bool", True, doc="False: step_update(num_updates) gives the same values, counted in batches."),
        Param("noise_range_t", "ints", None, optional=True, doc="Random noise is out of scope: leave None."),
        Param("noise_pct", "float", 0.67),
        Param("noise_std", "float", 1.0),
        Param("noise_seed", "int", 42),
        *extra,
        Param("initialize", "bool", True),
    )


def _no_noise(noise_range_t, initialize, **_ignored) -> None:
    check(noise_range_t is None, "timm's noise is random, so lrcalc cannot reproduce it: leave noise_range_t=None")
    check(initialize is True, "initialize=False needs an optimizer that already holds initial_lr; lrcalc starts fresh")


def _warmed(lr: float, warmup_t, warmup_lr_init, warmup_target: float, shape: Callable[[int], float]) -> Schedule:
    """timm's linear warmup from warmup_lr_init over warmup_t epochs, then ``shape(t)``."""
    check(is_int(warmup_t) and warmup_t >= 0, f"warmup_t must be a whole number >= 0 (got {warmup_t!r})")
    check(is_number(warmup_lr_init), f"warmup_lr_init must be a number (got {warmup_lr_init!r})")
    step = (warmup_target - warmup_lr_init) / warmup_t if warmup_t else 1

    def schedule(t: int) -> float:
        check(is_int(t) and t >= 0, f"step must be a whole number >= 0 (got step={t!r})")
        if t < warmup_t:
            return warmup_lr_init + t * step
        return shape(t)

    return schedule


def _cycles(t_initial, cycle_mul):
    """A function from t to (cycle index, cycle length, position in the cycle)."""

    def locate(t):
        if cycle_mul != 1:
            i = math.floor(math.log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))
            length = cycle_mul**i * t_initial
            return i, length, t - (1 - cycle_mul**i) / (1 - cycle_mul) * t_initial
        i = t // t_initial
        return i, t_initial, t - (t_initial * i)

    return locate


def _cyclic(lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_prefix, curve):
    """The shared skeleton of timm's cosine, tanh and poly schedulers."""
    check(is_number(t_initial) and t_initial > 0, f"t_initial must be > 0 (got {t_initial!r}); timm asserts t_initial > 0")
    check(is_number(lr_min) and lr_min >= 0, f"lr_min must be >= 0 (got {lr_min!r}); timm asserts lr_min >= 0")
    check(is_number(cycle_mul) and cycle_mul > 0, f"cycle_mul must be > 0 (got {cycle_mul!r})")
    check(is_number(cycle_decay), f"cycle_decay must be a number (got {cycle_decay!r})")
    check(is_number(cycle_limit), f"cycle_limit must be a number (got {cycle_limit!r})")
    locate = _cycles(t_initial, cycle_mul)

    def shape(t):
        if warmup_prefix:
            t = t - warmup_t
        i, length, position = locate(t)
        if i < cycle_limit:
            return curve(lr * cycle_decay**i, position, length)
        return lr_min

    return shape


CYCLES = (
    Param("lr_min", "float", 0.0),
    Param("cycle_mul", "float", 1.0),
    Param("cycle_decay", "float", 1.0),
    Param("cycle_limit", "int", 1),
)


@register(
    MODULE + "CosineLRScheduler",
    family="cosine",
    params=(Param("t_initial", "int", example="90"), *CYCLES, *_common(False, Param("k_decay", "float", 1.0))),
    needs_lr=True,
    summary="Cosine from lr to lr_min over t_initial epochs, with optional warmup and restarts.",
    stepping="epoch",
)
def cosine_lr_scheduler(lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_lr_init, warmup_prefix, k_decay=1.0, **rest):
    _no_noise(**rest)
    check(is_number(k_decay), f"k_decay must be a number (got {k_decay!r})")

    def curve(peak, position, length):
        return lr_min + 0.5 * (peak - lr_min) * (1 + math.cos(math.pi * position**k_decay / length**k_decay))

    shape = _cyclic(lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_prefix, curve)
    return _warmed(lr, warmup_t, warmup_lr_init, lr, shape)


@register(
    MODULE + "TanhLRScheduler",
    family="tanh",
    params=(Param("t_initial", "int", example="90"), Param("lb", "float", -7.0), Param("ub", "float", 3.0), *CYCLES, *_common(False)),
    needs_lr=True,
    summary="A tanh-shaped decay from lr to lr_min over t_initial epochs (Hsueh et al. 2019).",
    stepping="epoch",
)
def tanh_lr_scheduler(lr, t_initial, lb, ub, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_lr_init, warmup_prefix, **rest):
    _no_noise(**rest)
    check(is_number(lb) and is_number(ub) and lb < ub, f"lb must be < ub (got lb={lb!r}, ub={ub!r}); timm asserts lb < ub")
    check(cycle_limit >= 0 and warmup_t >= 0 and warmup_lr_init >= 0, "cycle_limit, warmup_t and warmup_lr_init must be >= 0; timm asserts it")

    def curve(peak, position, length):
        tr = position / length
        return lr_min + 0.5 * (peak - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))

    shape = _cyclic(lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_prefix, curve)
    target = lr if warmup_prefix or not warmup_t else shape(warmup_t)
    return _warmed(lr, warmup_t, warmup_lr_init, target, shape)


@register(
    MODULE + "PolyLRScheduler",
    family="polynomial",
    params=(Param("t_initial", "int", example="90"), Param("power", "float", 0.5), *CYCLES, *_common(False, Param("k_decay", "float", 1.0))),
    needs_lr=True,
    summary="Polynomial decay (1 - t/t_initial)^power from lr to lr_min, with optional warmup and restarts.",
    stepping="epoch",
)
def poly_lr_scheduler(lr, t_initial, power, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_lr_init, warmup_prefix, k_decay=1.0, **rest):
    _no_noise(**rest)
    check(is_number(power) and is_number(k_decay), "power and k_decay must be numbers")

    def curve(peak, position, length):
        return lr_min + (peak - lr_min) * (1 - position**k_decay / length**k_decay) ** power

    shape = _cyclic(lr, t_initial, lr_min, cycle_mul, cycle_decay, cycle_limit, warmup_t, warmup_prefix, curve)
    return _warmed(lr, warmup_t, warmup_lr_init, lr, shape)


@register(
    MODULE + "StepLRScheduler",
    family="step",
    params=(Param("decay_t", "float", example="30"), Param("decay_rate", "float", 1.0), *_common(True)),
    needs_lr=True,
    summary="Multiply lr by decay_rate every decay_t epochs (after the warmup, by default).",
    stepping="epoch",
)
def step_lr_scheduler(lr, decay_t, decay_rate, warmup_t, warmup_lr_init, warmup_prefix, **rest):
    _no_noise(**rest)
    check(is_number(decay_t) and decay_t > 0, f"decay_t must be > 0 (got {decay_t!r})")
    check(is_number(decay_rate), f"decay_rate must be a number (got {decay_rate!r})")

    def shape(t):
        if warmup_prefix:
            t = t - warmup_t
        return lr * decay_rate ** (t // decay_t)

    return _warmed(lr, warmup_t, warmup_lr_init, lr, shape)


@register(
    MODULE + "MultiStepLRScheduler",
    family="multistep",
    params=(Param("decay_t", "ints", example="[30, 60]"), Param("decay_rate", "float", 1.0), *_common(True)),
    needs_lr=True,
    summary="Multiply lr by decay_rate at each listed epoch (timm applies milestone m from epoch m - 1).",
    stepping="epoch",
)
def multistep_lr_scheduler(lr, decay_t, decay_rate, warmup_t, warmup_lr_init, warmup_prefix, **rest):
    _no_noise(**rest)
    check(isinstance(decay_t, (list, tuple)) and all(is_number(d) for d in decay_t), f"decay_t must be a list of epochs (got {decay_t!r})")
    check(is_number(decay_rate), f"decay_rate must be a number (got {decay_rate!r})")
    milestones = list(decay_t)

    def shape(t):
        if warmup_prefix:
            t = t - warmup_t
        return lr * decay_rate ** bisect_right(milestones, t + 1)

    return _warmed(lr, warmup_t, warmup_lr_init, lr, shape)


_STABLE = ("constant", "rsqrt", "power")
_DECAY = ("linear", "1-sqrt", "cosine", "power", "exp")


@register(
    MODULE + "WSDLRScheduler",
    family="wsd",
    params=(
        Param("t_initial", "int", example="90"),
        Param("decay_t", "int", example="10"),
        Param("lr_min", "float", 0.0),
        Param("stable_fn", "choice", "constant", choices=_STABLE),
        Param("stable_timescale", "float", None, optional=True),
        Param("stable_power", "float", 0.5),
        Param("decay_fn", "choice", "1-sqrt", choices=_DECAY),
        Param("decay_power", "float", 0.5),
        Param("decay_ratio", "float", 0.1),
        Param("warmup_t", "int", 0),
        Param("warmup_lr_init", "float", 0.0),
        *_common(False)[3:],
    ),
    needs_lr=True,
    summary="Warmup, a stable phase, then a decay over the last decay_t of t_initial epochs (warmup-stable-decay).",
    stepping="epoch",
)
def wsd_lr_scheduler(lr, t_initial, decay_t, lr_min, stable_fn, stable_timescale, stable_power, decay_fn, decay_power, decay_ratio, warmup_t, warmup_lr_init, **rest):
    _no_noise(**rest)
    check(is_number(t_initial) and t_initial > 0, f"Invalid t_initial ({t_initial}), must be > 0.")
    check(is_number(decay_t) and 0 < decay_t <= t_initial, f"Invalid decay_t ({decay_t}), must be in (0, t_initial] w/ t_initial={t_initial}.")
    check(is_number(lr_min) and lr_min >= 0, f"Invalid lr_min ({lr_min}), must be >= 0.")
    check(stable_fn in _STABLE, f"Invalid stable_fn ({stable_fn}), must be one of {_STABLE}.")
    check(decay_fn in _DECAY, f"Invalid decay_fn ({decay_fn}), must be one of {_DECAY} or a callable.")
    check(is_number(decay_ratio) and 0.0 < decay_ratio < 1.0, f"Invalid decay_ratio ({decay_ratio}), must be in (0, 1).")
    check(is_number(decay_power) and decay_power > 0, f"Invalid decay_power ({decay_power}), must be > 0.")
    check(is_number(stable_power) and stable_power > 0, f"Invalid stable_power ({stable_power}), must be > 0.")
    if stable_fn != "constant":
        if stable_timescale is None:
            stable_timescale = warmup_t
        check(
            stable_timescale > 0,
            f"stable_fn={stable_fn} requires a positive stable_timescale, it defaults to warmup_t ({warmup_t}), "
            "set it explicitly when there is no warmup.",
        )

    def stable(t_s):
        if stable_fn == "constant":
            return 1.0
        power = 0.5 if stable_fn == "rsqrt" else stable_power
        return (1.0 + t_s / stable_timescale) ** -power

    def decay(frac):
        if decay_fn == "linear":
            return 1.0 - frac
        if decay_fn == "1-sqrt":
            return 1.0 - math.sqrt(frac)
        if decay_fn == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * frac))
        if decay_fn == "power":
            return 1.0 - frac**decay_power
        return (decay_ratio**frac - decay_ratio) / (1.0 - decay_ratio)

    def shape(t):
        t_s = t - warmup_t
        level = max(lr * stable(t_s), lr_min)
        t_decay = t_s - (t_initial - decay_t)
        if t_decay <= 0:
            return level
        return lr_min + (level - lr_min) * decay(min(t_decay / decay_t, 1.0))

    return _warmed(lr, warmup_t, warmup_lr_init, lr, shape)


@register(
    MODULE + "PlateauLRScheduler",
    family="plateau",
    params=(
        Param("metrics", "metrics", [], doc="The metric passed with step(epoch, metric) for epochs 1, 2, 3, ...", positional=False),
        Param("decay_rate", "float", 0.1),
        Param("patience_t", "int", 10),
        Param("threshold", "float", 1e-4),
        Param("cooldown_t", "int", 0),
        Param("warmup_t", "int", 0),
        Param("warmup_lr_init", "float", 0.0),
        Param("lr_min", "float", 0.0),
        Param("mode", "choice", "max", choices=("min", "max")),
        Param("noise_range_t", "ints", None, optional=True, doc="Random noise is out of scope: leave None."),
        Param("noise_type", "choice", "normal", choices=("normal", "uniform")),
        Param("noise_pct", "float", 0.67),
        Param("noise_std", "float", 1.0),
        Param("noise_seed", "int", None, optional=True),
        Param("initialize", "bool", True),
    ),
    needs_lr=True,
    summary="timm's wrapper of ReduceLROnPlateau (mode 'max' by default), with a warmup; deprecated in timm.",
    stepping="epoch",
)
def plateau_lr_scheduler(lr, metrics, decay_rate, patience_t, threshold, cooldown_t, warmup_t, warmup_lr_init, lr_min, mode, noise_range_t, initialize, **_noise):
    _no_noise(noise_range_t=noise_range_t, initialize=initialize)
    check(is_number(decay_rate) and decay_rate < 1.0, "Factor should be < 1.0.")
    check(mode in ("min", "max"), f"mode {mode} is unknown!")
    check(isinstance(metrics, (list, tuple)) and all(is_number(m) for m in metrics), f"metrics must be a list of numbers (got {metrics!r})")
    check(is_int(warmup_t) and warmup_t >= 0, f"warmup_t must be a whole number >= 0 (got {warmup_t!r})")
    warm_step = (lr - warmup_lr_init) / warmup_t if warmup_t else 1

    def better(a, best):
        return a < best * (1.0 - threshold) if mode == "min" else a > best * (threshold + 1.0)

    def run():
        current = warmup_lr_init if warmup_t else lr
        best, bad, cooling = (math.inf if mode == "min" else -math.inf), 0, 0
        yield current
        for epoch, metric in enumerate(metrics, start=1):
            if epoch <= warmup_t:
                current = warmup_lr_init + epoch * warm_step
            else:
                if better(float(metric), best):
                    best, bad = float(metric), 0
                else:
                    bad += 1
                if cooling > 0:
                    cooling -= 1
                    bad = 0
                if bad > patience_t:
                    reduced = max(current * decay_rate, lr_min)
                    if current - reduced > 1e-8:
                        current = reduced
                    cooling, bad = cooldown_t, 0
            yield current

    return simulated(run)


@register(
    MODULE + "create_scheduler_v2",
    family="dispatch",
    params=(
        Param("sched", "choice", "cosine", choices=("cosine", "tanh", "step", "constant", "multistep", "plateau", "poly", "wsd", "rsqrt", "none")),
        Param("num_epochs", "int", 300),
        Param("decay_epochs", "float", None, optional=True),
        Param("decay_milestones", "ints", [90, 180, 270]),
        Param("cooldown_epochs", "int", 0, doc="Only lengthens the returned num_epochs."),
        Param("patience_epochs", "int", 10),
        Param("decay_rate", "float", 0.1),
        Param("min_lr", "float", 0.0),
        Param("warmup_lr", "float", 1e-5),
        Param("warmup_epochs", "int", 0),
        Param("warmup_prefix", "bool", False),
        Param("noise", "floats", None, optional=True, doc="Random noise is out of scope: leave None."),
        Param("noise_pct", "float", 0.67),
        Param("noise_std", "float", 1.0),
        Param("noise_seed", "int", 42),
        Param("cycle_mul", "float", 1.0),
        Param("cycle_decay", "float", 0.1),
        Param("cycle_limit", "int", 1),
        Param("k_decay", "float", 1.0),
        Param("decay_fn", "choice", None, optional=True, choices=_DECAY),
        Param("stable_timescale", "float", None, optional=True),
        Param("plateau_mode", "choice", "max", choices=("min", "max")),
        Param("step_on_epochs", "bool", True),
        Param("updates_per_epoch", "int", 0),
        Param("metrics", "metrics", [], doc="For sched='plateau': the metric passed with step(epoch, metric) for epochs 1, 2, ...", positional=False),
    ),
    needs_lr=True,
    summary="timm's factory: a scheduler by name, with epochs converted to updates when step_on_epochs=False.",
    stepping="epoch",
)
def create_scheduler_v2(lr, sched, num_epochs, decay_epochs, decay_milestones, cooldown_epochs, patience_epochs, decay_rate, min_lr, warmup_lr, warmup_epochs, warmup_prefix, noise, noise_pct, noise_std, noise_seed, cycle_mul, cycle_decay, cycle_limit, k_decay, decay_fn, stable_timescale, plateau_mode, step_on_epochs, updates_per_epoch, metrics):
    arguments = dict(locals())
    del arguments["lr"]
    api, inner, lr = _builds(lr, arguments)
    return from_library(api, lr=lr, **inner)


@record(MODULE + "create_scheduler_v2").dispatch
def _builds(lr, kw):
    """The scheduler create_scheduler_v2 builds, as (api, kwargs, lr): for computing it and for exporting it.

    Epochs become updates when ``step_on_epochs=False``; "none" is a constant lr.
    """
    sched = kw["sched"]
    check(kw["noise"] is None, "timm's noise is random, so lrcalc cannot reproduce it: leave noise=None")
    decay_epochs = kw["decay_epochs"] if kw["decay_epochs"] is not None else (0.2 if sched in ("wsd", "rsqrt") else 90)
    t_initial, warmup_t, decay_t, timescale, milestones = kw["num_epochs"], kw["warmup_epochs"], decay_epochs, kw["stable_timescale"], kw["decay_milestones"]
    if not kw["step_on_epochs"]:
        per = kw["updates_per_epoch"]
        check(is_int(per) and per > 0, "updates_per_epoch must be set to number of dataloader batches")
        t_initial, warmup_t, decay_t = t_initial * per, warmup_t * per, decay_t * per
        milestones = [d * per for d in milestones]
        timescale = None if timescale is None else timescale * per
    warm = {"warmup_t": warmup_t, "warmup_lr_init": kw["warmup_lr"], "warmup_prefix": kw["warmup_prefix"], "t_in_epochs": kw["step_on_epochs"]}
    cycles = {"lr_min": kw["min_lr"], "cycle_mul": kw["cycle_mul"], "cycle_decay": kw["cycle_decay"], "cycle_limit": kw["cycle_limit"]}
    if sched in ("wsd", "rsqrt"):
        t_sched = t_initial if kw["warmup_prefix"] else t_initial - warmup_t
        decay_t = round(decay_epochs * t_sched if 0 < decay_epochs < 1 else decay_t)
        check(
            0 < decay_t <= t_sched,
            f"{sched} schedule requires 0 < decay_epochs <= epochs{'' if kw['warmup_prefix'] else ' - warmup_epochs'}, "
            f"got decay {decay_t} and stable + decay length {t_sched}.",
        )
        return MODULE + "WSDLRScheduler", {
            "t_initial": t_sched, "decay_t": decay_t, "lr_min": kw["min_lr"], "stable_fn": "rsqrt" if sched == "rsqrt" else "constant",
            "stable_timescale": timescale, "decay_fn": kw["decay_fn"] or ("linear" if sched == "rsqrt" else "1-sqrt"),
            "warmup_t": warmup_t, "warmup_lr_init": kw["warmup_lr"], "t_in_epochs": kw["step_on_epochs"],
        }, lr
    if sched == "plateau":
        check(kw["step_on_epochs"], "Plateau LR only supports step per epoch.")
    built = {
        "cosine": (MODULE + "CosineLRScheduler", {"t_initial": t_initial, **cycles, **warm, "k_decay": kw["k_decay"]}),
        "tanh": (MODULE + "TanhLRScheduler", {"t_initial": t_initial, **cycles, **warm}),
        "step": (MODULE + "StepLRScheduler", {"decay_t": decay_t, "decay_rate": kw["decay_rate"], **warm}),
        "constant": (MODULE + "StepLRScheduler", {"decay_t": 1, "decay_rate": 1.0, **warm}),
        "multistep": (MODULE + "MultiStepLRScheduler", {"decay_t": list(milestones), "decay_rate": kw["decay_rate"], **warm}),
        "plateau": (MODULE + "PlateauLRScheduler", {"metrics": kw["metrics"], "decay_rate": kw["decay_rate"], "patience_t": kw["patience_epochs"], "warmup_t": warmup_t,
                                                    "warmup_lr_init": kw["warmup_lr"], "lr_min": kw["min_lr"], "mode": kw["plateau_mode"]}),
        "poly": (MODULE + "PolyLRScheduler", {"t_initial": t_initial, "power": kw["decay_rate"], **cycles, **warm, "k_decay": kw["k_decay"]}),
    }.get(sched)
    if built is None:
        check(sched == "none", f"Unknown scheduler '{sched}'.")
        return "lrcalc.constant", {"value": lr}, None
    return (*built, lr)


_ARGS = (
    Param("sched", "choice", example="cosine", choices=("cosine", "tanh", "step", "constant", "multistep", "plateau", "poly", "wsd", "rsqrt", "none"), positional=False),
    Param("epochs", "int", 100, positional=False),
    Param("decay_epochs", "float", 30, positional=False),
    Param("decay_milestones", "ints", [30, 60], positional=False),
    Param("warmup_epochs", "int", 5, positional=False, doc="Note: 5 here, where create_scheduler_v2 defaults to 0."),
    Param("cooldown_epochs", "int", 0, positional=False, doc="Only lengthens the returned num_epochs."),
    Param("patience_epochs", "int", 10, positional=False),
    Param("decay_rate", "float", 0.1, positional=False),
    Param("min_lr", "float", 0.0, positional=False),
    Param("warmup_lr", "float", 1e-5, positional=False),
    Param("warmup_prefix", "bool", False, positional=False),
    Param("lr_noise", "floats", None, optional=True, positional=False, doc="Random noise is out of scope: leave None."),
    Param("lr_noise_pct", "float", 0.67, positional=False),
    Param("lr_noise_std", "float", 1.0, positional=False),
    Param("seed", "int", 42, positional=False),
    Param("lr_cycle_mul", "float", 1.0, positional=False),
    Param("lr_cycle_decay", "float", 0.1, positional=False),
    Param("lr_cycle_limit", "int", 1, positional=False),
    Param("lr_k_decay", "float", 1.0, positional=False),
    Param("lr_decay_fn", "choice", None, optional=True, choices=_DECAY, positional=False),
    Param("lr_stable_timescale", "float", None, optional=True, positional=False),
    Param("eval_metric", "str", "top1", positional=False, doc="A metric with 'loss' in its name makes plateau mode 'min'."),
    Param("sched_on_updates", "bool", False, positional=False),
    Param("updates_per_epoch", "int", 0, positional=False, doc="create_scheduler's own argument, beside args."),
    Param("metrics", "metrics", [], doc="For sched='plateau': the metric passed with step(epoch, metric) for epochs 1, 2, ...", positional=False),
)
"""The attributes of train.py's ``args`` that create_scheduler reads, with timm's defaults for absent ones."""


@register(
    MODULE + "create_scheduler",
    args_object=True,
    family="dispatch",
    params=_ARGS,
    needs_lr=True,
    summary="timm's train.py factory: a scheduler from the args namespace (sched, epochs, warmup_epochs, ...), through create_scheduler_v2.",
    stepping="epoch",
    leading_optimizer=False,
)
def create_scheduler(lr, **arguments):
    api, inner, lr = _from_args(lr, arguments)
    return from_library(api, lr=lr, **inner)


@record(MODULE + "create_scheduler").dispatch
def _from_args(lr, kw):
    """What create_scheduler(args, optimizer) builds: timm's scheduler_kwargs(args), passed to create_scheduler_v2."""
    v2 = {
        "sched": kw["sched"], "num_epochs": kw["epochs"], "decay_epochs": kw["decay_epochs"], "decay_milestones": kw["decay_milestones"],
        "warmup_epochs": kw["warmup_epochs"], "cooldown_epochs": kw["cooldown_epochs"], "patience_epochs": kw["patience_epochs"],
        "decay_rate": kw["decay_rate"], "min_lr": kw["min_lr"], "warmup_lr": kw["warmup_lr"], "warmup_prefix": kw["warmup_prefix"],
        "noise": kw["lr_noise"], "noise_pct": kw["lr_noise_pct"], "noise_std": kw["lr_noise_std"], "noise_seed": kw["seed"],
        "cycle_mul": kw["lr_cycle_mul"], "cycle_decay": kw["lr_cycle_decay"], "cycle_limit": kw["lr_cycle_limit"], "k_decay": kw["lr_k_decay"],
        "decay_fn": kw["lr_decay_fn"], "stable_timescale": kw["lr_stable_timescale"],
        "plateau_mode": "min" if "loss" in str(kw["eval_metric"]) else "max",
        "step_on_epochs": not kw["sched_on_updates"], "updates_per_epoch": kw["updates_per_epoch"], "metrics": kw["metrics"],
    }
    return MODULE + "create_scheduler_v2", v2, lr

# ---------------------------------------------------------------- each scheduler's closed form, phases and equivalents
# (for the code export and the page's phase marks; see lrcalc.export and lrcalc.phases)

def _timm_warmed(t: Expr, warmup_t: int, warmup_lr_init: float, target: float, shape: Any) -> Any:
    if not warmup_t:
        return shape
    return where(t < warmup_t, warmup_lr_init + t * ((target - warmup_lr_init) / warmup_t), shape)


def _timm_cyclic(b: Body, t: Expr, lr: float, kw: dict, curve: Callable[[Any, Expr, Any], Expr]) -> Expr:
    """timm's cosine/tanh/poly skeleton: the cycle index as timm computes it, then ``curve(peak, position, length)``."""
    ti, mul = kw["t_initial"], kw["cycle_mul"]
    s = b.let("t", after(t, kw["warmup_t"])) if kw["warmup_prefix"] else t
    if mul != 1:
        i = b.let("i", floor(log(1 - s / ti * (1 - mul)) / math.log(mul)))
        length = b.let("length", mul**i * ti)
        position = b.let("position", s - (1 - mul**i) / (1 - mul) * ti)
    else:
        i = b.let("i", s // ti)
        length, position = ti, b.let("position", s - ti * i)
    return where(i < kw["cycle_limit"], curve(lr * kw["cycle_decay"] ** i, position, length), kw["lr_min"])


@record(MODULE + "CosineLRScheduler").closed_form
def _cosine_lrscheduler_at(b, t, lr, kw):
    low, k = kw["lr_min"], kw["k_decay"]
    shape = _timm_cyclic(b, t, lr, kw, lambda peak, pos, length: low + 0.5 * (peak - low) * (1 + cos(PI * pos**k / length**k)))
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, shape)


@record(MODULE + "PolyLRScheduler").closed_form
def _poly_lrscheduler_at(b, t, lr, kw):
    low, k, power = kw["lr_min"], kw["k_decay"], kw["power"]
    shape = _timm_cyclic(b, t, lr, kw, lambda peak, pos, length: low + (peak - low) * (1 - pos**k / length**k) ** power)
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, shape)


@record(MODULE + "TanhLRScheduler").closed_form
def _tanh_lrscheduler_at(b, t, lr, kw):
    low, lb, ub, w = kw["lr_min"], kw["lb"], kw["ub"], kw["warmup_t"]

    def curve(peak, pos, length):
        tr = pos / length
        return low + 0.5 * (peak - low) * (1 - tanh(lb * (1.0 - tr) + ub * tr))

    shape = _timm_cyclic(b, t, lr, kw, curve)
    target = lr if kw["warmup_prefix"] or not w else from_library(MODULE + "TanhLRScheduler", lr=lr, **kw)(w)
    return _timm_warmed(t, w, kw["warmup_lr_init"], target, shape)


@record(MODULE + "StepLRScheduler").closed_form
def _step_lrscheduler_at(b, t, lr, kw):
    s = t - kw["warmup_t"] if kw["warmup_prefix"] else t
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, lr * kw["decay_rate"] ** (s // kw["decay_t"]))


@record(MODULE + "MultiStepLRScheduler").closed_form
def _multi_step_lrscheduler_at(b, t, lr, kw):
    milestones = list(kw["decay_t"])
    need(milestones == sorted(milestones), "MultiStepLRScheduler with unsorted decay_t bisects an unsorted list; only sorted ones are written out")
    s = t - kw["warmup_t"] if kw["warmup_prefix"] else t
    return _timm_warmed(t, kw["warmup_t"], kw["warmup_lr_init"], lr, lr * kw["decay_rate"] ** count_reached(s + 1, milestones))


@record(MODULE + "WSDLRScheduler").closed_form
def _wsdlrscheduler_at(b, t, lr, kw):
    w, low, ratio = kw["warmup_t"], kw["lr_min"], kw["decay_ratio"]
    t_s = b.let("t_s", after(t, w))
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


record(MODULE + "StepLRScheduler").same_as(lambda lr, kw: None if kw["warmup_t"] else ("lrcalc.step_decay", {"init_value": lr, "step_size": kw["decay_t"], "decay_factor": kw["decay_rate"]}))
record(MODULE + "CosineLRScheduler").same_as(lambda lr, kw: None if kw["warmup_t"] or kw["cycle_limit"] != 1 or kw["k_decay"] != 1 else (
        "lrcalc.cosine_decay", {"init_value": lr, "steps": kw["t_initial"], "end_value": kw["lr_min"]}))


record(MODULE + "PlateauLRScheduler").same_as(
    lambda lr, kw: None
    if kw["warmup_t"]
    else ("lrcalc.reduce_on_plateau", {"init_value": lr, "metrics": kw["metrics"], "mode": kw["mode"], "factor": kw["decay_rate"], "patience": kw["patience_t"],
                                       "threshold": kw["threshold"], "cooldown": kw["cooldown_t"], "min_value": kw["lr_min"]})
)


def _cycle_ends(k: dict, total: int) -> list:
    """The end of warmup, and the end of each of timm's cycles (``cycle_limit`` of them)."""
    offset = k["warmup_t"] if k["warmup_prefix"] else 0
    found = ph.warmup(k, "warmup_t") + ph.restarts(k["t_initial"], k["cycle_mul"], total, offset)[: max(int(k["cycle_limit"]), 1)]
    return [(s, "the end of the cycle" if "restart" in label else label) for s, label in found]


for _name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
    record(MODULE + _name).phase_rule(_cycle_ends)


@record(MODULE + "StepLRScheduler").phase_rule
def _step_phases(k, total):
    offset = k["warmup_t"] if k["warmup_prefix"] else 0
    return ph.warmup(k, "warmup_t") + ph.every(offset, k["decay_t"], total, "drop")


record(MODULE + "MultiStepLRScheduler").phase_rule(
    lambda k, total: ph.listed(k["decay_t"], "milestone", shift=-1 + (k["warmup_t"] if k["warmup_prefix"] else 0))
)


@record(MODULE + "WSDLRScheduler").phase_rule
def _wsd_phases(k, total):
    warm, length, decay = k["warmup_t"], k["t_initial"], k["decay_t"]
    return ([(warm, "the end of warmup")] if warm else []) + [(warm + length - decay, "the start of decay"), (warm + length, "the end of decay")]


# ---------------------------------------------------------------- the run length a call states, and its warmup (see lrcalc.span)


def _one_cycle_length(kw: dict) -> tuple[int, str] | None:
    """One cycle of t_initial (after the warmup when warmup_prefix); cycles repeat it, so more than one states no end."""
    if kw.get("cycle_limit", 1) != 1:
        return None
    return given("warmup_t", "t_initial")(kw) if kw["warmup_prefix"] else given("t_initial")(kw)


for _name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
    record(MODULE + _name).spans(length=_one_cycle_length, warmup=given("warmup_t"))
record(MODULE + "WSDLRScheduler").spans(length=given("t_initial"), warmup=given("warmup_t"))
for _name in ("StepLRScheduler", "MultiStepLRScheduler", "PlateauLRScheduler"):
    record(MODULE + _name).spans(warmup=given("warmup_t"))

# Code written for timm before 0.5.0 (Swin Transformer's, for one) passes the cycle arguments' old names
# (timm commit 29a37e2 renamed them in cosine_lr.py and tanh_lr.py).
for _name in ("CosineLRScheduler", "TanhLRScheduler"):
    record(MODULE + _name).was_called(t_mul="cycle_mul (renamed in timm 0.5.0)", decay_rate="cycle_decay (renamed in timm 0.5.0)")
