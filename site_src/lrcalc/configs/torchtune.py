"""torchtune recipe configs: the schedule a recipe builds from ``lr_scheduler: _component_: ...``.

The rules, from torchtune 0.6.1's single-device recipes (``recipes/full_finetune_single_device.py``,
``lora_finetune_single_device.py``, ``lora_dpo_single_device.py``; line numbers in
tests/configs/torchtune/README.md) and their distributed twins:

- **Batches per epoch**: the sampler (``DistributedSampler``, one replica per device) gives each
  device ``ceil(examples / devices)`` examples, and the ``DataLoader`` has ``drop_last=True``:
  ``floor(examples per device / batch_size)`` batches (torch/utils/data/distributed.py,
  ``DistributedSampler.__init__``; recipes' ``_setup_data``).
- **Optimizer steps per epoch**: ``batches // gradient_accumulation_steps`` (the batches left over
  after the last full accumulation never make a step), capped at ``max_steps_per_epoch`` when it is
  set (``setup``: ``self._steps_per_epoch``).
- **The scheduler**: the config's ``lr_scheduler`` component, built with
  ``num_training_steps = epochs * steps per epoch`` and ``last_epoch = -1``
  (``_setup_lr_scheduler``), stepped right after every ``optimizer.step()``. torchtune's one
  scheduler, ``get_cosine_schedule_with_warmup``, is Hugging Face's formula (its docstring says it
  is based on it; the recorded runs agree at every step): transformers' record says it is copied
  there (:meth:`~lrcalc.libraries.Scheduler.copied_as`), and lrcalc computes it as that.
- **Numbers**: recipes are read by OmegaConf, whose YAML loader reads ``3e-4`` as a float (PyYAML,
  YAML 1.1, reads it as text): omegaconf/_utils.py, ``get_yaml_loader``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .. import fmt
from ..libraries import copy_of
from . import Asked, ConfigError, Run, number, whole, yaml12

FRAMEWORK = "torchtune recipe"
USED = ("optimizer", "lr_scheduler", "epochs", "batch_size", "gradient_accumulation_steps", "max_steps_per_epoch")
def is_config(config: Mapping[str, Any]) -> bool:
    """A torchtune recipe: its scheduler is an ``lr_scheduler`` mapping with a ``_component_``."""
    return isinstance(config.get("lr_scheduler"), Mapping) and "_component_" in config["lr_scheduler"]


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The recipe's run for ``config``; see the module's rules."""
    scheduler = dict(config["lr_scheduler"])
    component = scheduler.pop("_component_")
    spec = copy_of(str(component))
    if spec is None:
        raise ConfigError(f"lr_scheduler {component!r} is not one lrcalc knows: it reads torchtune's get_cosine_schedule_with_warmup "
                          "(torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup), the scheduler torchtune ships")
    optimizer = config.get("optimizer")
    if not isinstance(optimizer, Mapping) or "lr" not in optimizer:
        raise ConfigError("the config has no optimizer with an lr (optimizer: _component_: torch.optim.AdamW, lr: 3e-4): the schedule scales it")
    lr = number(yaml12(optimizer["lr"]), "optimizer.lr", low=0.0)
    warmup = whole(scheduler.pop("num_warmup_steps", None), "lr_scheduler.num_warmup_steps", low=0)
    cycles = number(yaml12(scheduler.pop("num_cycles", 0.5)), "lr_scheduler.num_cycles")
    scheduler.pop("last_epoch", None)
    if scheduler:
        raise ConfigError(f"lr_scheduler has arguments get_cosine_schedule_with_warmup does not take: {', '.join(sorted(scheduler))}")
    epochs = whole(config.get("epochs", 1), "epochs", low=1)
    batch = whole(config.get("batch_size"), "batch_size", low=1)
    accumulation = whole(config.get("gradient_accumulation_steps", 1), "gradient_accumulation_steps", low=1)
    cap = config.get("max_steps_per_epoch")
    cap = None if cap is None else whole(cap, "max_steps_per_epoch", low=1)
    used = {key: config[key] for key in USED if key in config}
    counting: list[str] = []
    run = Run(framework=FRAMEWORK, api=spec.api, lr=lr, kwargs={}, total_steps=0, steps_per_epoch=None, used=used,
              ignored=sorted(key for key in config if key not in USED), counting=counting,
              notes=[f"torchtune's {component.rsplit('.', 1)[-1]} is {spec.name} of {spec.library}, step for step: it is computed as that"])
    if steps_per_epoch:
        per_epoch = steps_per_epoch
        counting.append(f"{fmt.count(per_epoch)} optimizer steps per epoch (given)")
    elif dataset_size:
        per_device = math.ceil(dataset_size / devices)
        batches = per_device // batch
        per_epoch = batches // accumulation
        line = f"{fmt.count(dataset_size)} examples" + (f" / {devices} devices = {fmt.count(per_device)} per device (ceil)" if devices > 1 else "")
        counting.append(f"{line} / batch_size {batch} = {fmt.count(batches)} batches (floor: drop_last)")
        counting.append(f"{fmt.count(batches)} batches // gradient_accumulation_steps {accumulation} = {fmt.count(per_epoch)} optimizer steps per epoch"
                        + (f" (the last {batches % accumulation} batches make no step)" if batches % accumulation else ""))
    else:
        run.asked.append(Asked("dataset_size", "Training examples", "the number of examples in the training set (len(train_dataset)); or give the optimizer steps per epoch"))
        return run
    if cap is not None and cap < per_epoch:
        counting.append(f"max_steps_per_epoch={fmt.count(cap)} caps it: {fmt.count(cap)} optimizer steps per epoch")
        per_epoch = cap
    total = epochs * per_epoch
    if total < 1:
        raise ConfigError(f"the run has no optimizer step: {fmt.count(per_epoch)} per epoch (fewer batches than gradient_accumulation_steps); torchtune would train nothing")
    counting.append(f"{epochs} epoch{'' if epochs == 1 else 's'} × {fmt.count(per_epoch)} = {fmt.count(total)} optimizer steps")
    run.total_steps, run.steps_per_epoch = total, per_epoch
    run.kwargs = {"num_warmup_steps": warmup, "num_training_steps": total, "num_cycles": cycles}
    if warmup > total:
        run.warnings.append(f"num_warmup_steps={fmt.count(warmup)} is longer than the run ({fmt.count(total)} steps): the learning rate never reaches optimizer.lr")
    return run


def config_block(api: str, lr: float | None, kwargs: Mapping[str, Any], stepping: str = "step") -> dict[str, str | None]:
    """The torchtune recipe keys that build this schedule, or why none does.

    torchtune's one scheduler is Hugging Face's cosine with warmup; its length is epochs times the
    steps per epoch, so the block sets ``epochs: 1`` and caps the epoch at the run's length with
    ``max_steps_per_epoch`` (exact when the data set has at least that many optimizer steps).
    """
    from ..libraries import apis, bind, lookup

    spec = lookup(api)
    if spec.resolve is not None:  # a dispatcher (get_scheduler): what it builds
        built, inner, lr = spec.resolve(lr, bind(spec, dict(kwargs)))
        spec, kwargs = lookup(built), inner
    copies = {copy for candidate in apis() for copy in candidate.copies if copy.startswith("torchtune.training.")}
    found = next((candidate for candidate in apis() if set(candidate.copies) & copies), None)
    if stepping != "step":
        return {"code": None, "reason": "No torchtune recipe gives this schedule: recipes step the scheduler after every optimizer step, and this one steps once per epoch."}
    if found is None or spec.api != found.api:
        return {"code": None, "reason": "No torchtune recipe gives exactly this schedule: torchtune's one scheduler is a cosine with a linear warmup (get_cosine_schedule_with_warmup)."}
    arguments = bind(spec, dict(kwargs))
    total = arguments["num_training_steps"]
    component = next(copy for copy in found.copies if copy.startswith("torchtune.training."))
    lines = ["optimizer:", "  _component_: torch.optim.AdamW", f"  lr: {lr!r}", "lr_scheduler:", f"  _component_: {component}",
             f"  num_warmup_steps: {arguments['num_warmup_steps']}"]
    if arguments["num_cycles"] != 0.5:
        lines.append(f"  num_cycles: {arguments['num_cycles']!r}")
    lines += ["epochs: 1", f"max_steps_per_epoch: {total}"]
    return {"code": "\n".join(lines) + "\n", "reason": f"torchtune recipe keys: one epoch capped at {total:,} optimizer steps gives num_training_steps={total:,} (exact when the data set has at least that many steps per epoch)."}
