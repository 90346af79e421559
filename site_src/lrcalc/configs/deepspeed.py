"""DeepSpeed JSON configs: the schedule its ``"scheduler": {"type": ..., "params": {...}}`` block builds.

The engine builds the named scheduler of ``deepspeed.runtime.lr_schedules`` with the optimizer
(``DeepSpeedEngine._scheduler_from_config``) and steps it after every optimizer step
(``_take_model_step``); its formulas are :mod:`lrcalc.libraries.deepspeed`'s. A config says nothing
about epochs: the run is ``total_num_steps`` where the scheduler has it (``WarmupDecayLR``,
``WarmupCosineLR``), otherwise the optimizer steps the user gives. ``warmup_max_lr`` defaults to the
optimizer's ``lr`` (``optimizer.params.lr``). ``"auto"`` values are filled by the Hugging Face
Trainer from its own arguments (transformers/integrations/deepspeed.py,
``HfTrainerDeepSpeedConfig.trainer_config_finalize``), which this config does not contain: such a
config is refused with what fills each value.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .. import fmt
from ..libraries import apis, bind, from_library
from . import Asked, ConfigError, Run

FRAMEWORK = "DeepSpeed"
USED = ("scheduler", "optimizer")
AUTO = {
    "warmup_min_lr": "0",
    "warmup_max_lr": "the Trainer's learning_rate",
    "warmup_num_steps": "the Trainer's warmup steps (at least 1)",
    "total_num_steps": "the Trainer's total optimizer steps",
    "lr": "the Trainer's learning_rate",
}


def is_config(config: Mapping[str, Any]) -> bool:
    """A DeepSpeed config: a ``scheduler`` mapping with a ``type``."""
    return isinstance(config.get("scheduler"), Mapping) and "type" in config["scheduler"]


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The engine's schedule for ``config``; the run is ``total_num_steps``, or the optimizer steps given."""
    block = config["scheduler"]
    known = {spec.name: spec for spec in apis("deepspeed")}
    kind = block["type"]
    if kind not in known:
        raise ConfigError(f"scheduler type {kind!r} is not one of DeepSpeed's: {', '.join(known)}")
    spec = known[kind]
    params = dict(block.get("params") or {})
    optimizer = config.get("optimizer") if isinstance(config.get("optimizer"), Mapping) else {}
    lr = (optimizer.get("params") or {}).get("lr") if isinstance(optimizer.get("params"), Mapping) else None
    auto = [f"{name} (filled with {AUTO.get(name, 'a Trainer argument')})" for name, value in params.items() if value == "auto"]
    if lr == "auto":
        auto.append(f"optimizer lr (filled with {AUTO['lr']})")
    if auto:
        raise ConfigError(f"this DeepSpeed config leaves values to the Hugging Face Trainer (\"auto\"): {'; '.join(auto)}. "
                          "Write the values in, as the Trainer would: the curve is DeepSpeed's " + kind + ", not the Trainer's own schedule")
    if spec.needs_lr and lr is None and params.get("warmup_max_lr") is None and kind != "WarmupDecayLR":
        raise ConfigError(f"{kind} scales the optimizer's lr, and the config gives none: add \"optimizer\": {{\"params\": {{\"lr\": ...}}}}")
    rate = float(lr) if spec.needs_lr and lr is not None else (0.001 if spec.needs_lr else None)
    try:
        arguments = bind(spec, params)
        from_library(spec.api, lr=rate, **params)(0)  # DeepSpeed's own checks (warmup_num_steps > 0, ...)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    run = Run(framework=FRAMEWORK, api=spec.api, lr=rate, kwargs=params, total_steps=0, steps_per_epoch=None,
              used={key: config[key] for key in USED if key in config}, ignored=sorted(key for key in config if key not in USED),
              notes=[] if lr is not None or not spec.needs_lr else ["the config gives no optimizer lr; it does not change this schedule"])
    stated = arguments.get("total_num_steps")
    if isinstance(stated, int) and stated > 0 and not steps_per_epoch:
        run.total_steps = stated
        run.counting.append(f"total_num_steps={fmt.count(stated)}: the run's optimizer steps, as the scheduler states them")
    elif steps_per_epoch:
        run.total_steps = steps_per_epoch
        run.counting.append(f"{fmt.count(steps_per_epoch)} optimizer steps (given: a DeepSpeed config states no epochs)")
    else:
        run.asked.append(Asked("steps_per_epoch", "Optimizer steps", f"{kind} states no run length: give the run's optimizer steps (in the steps per epoch field)"))
    if run.total_steps and stated and run.total_steps > stated and kind == "WarmupDecayLR":
        run.warnings.append(f"the run is longer than total_num_steps={fmt.count(stated)}: from step {fmt.count(stated + 1)} the lr stays at warmup_min_lr")
    if run.total_steps and not math.isfinite(run.total_steps):
        raise ConfigError("the run's length must be a whole number of steps")
    return run


def config_block(api: str, lr: float | None, kwargs: Mapping[str, Any], stepping: str = "step") -> dict[str, str | None]:
    """The DeepSpeed config blocks (``scheduler``, and ``optimizer`` for its lr) that build this schedule, or why none does.

    DeepSpeed's own schedulers are written as they are; no other scheduler has a DeepSpeed equivalent
    that lrcalc can prove gives the same values.
    """
    import json

    from ..libraries import lookup

    spec = lookup(api)
    if stepping != "step":
        return {"code": None, "reason": "No DeepSpeed config gives this schedule: the engine steps its scheduler after every optimizer step, and this one steps once per epoch."}
    if spec.library != "deepspeed":
        return {"code": None, "reason": "No DeepSpeed config gives exactly this schedule: its five schedulers (WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest) have other shapes."}
    block: dict[str, Any] = {"scheduler": {"type": spec.name, "params": dict(kwargs)}}
    scales = spec.name == "WarmupCosineLR" or (spec.name == "WarmupLR" and kwargs.get("warmup_max_lr") is None)
    if scales and lr is not None:
        block["optimizer"] = {"type": "AdamW", "params": {"lr": lr}}
    text = json.dumps(block, indent=2) + "\n"
    reason = "The DeepSpeed config's scheduler block" + (" and the optimizer's lr it scales" if scales else "") + ", to merge into your ds_config.json."
    return {"code": text, "reason": reason}
