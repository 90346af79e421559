"""Lightning CLI configs: ``lr_scheduler: class_path: ... init_args: ...`` with a PyTorch scheduler.

The rules, from Lightning's own source (lightning/pytorch/cli.py and the training loops; line
numbers in tests/configs/lightning/README.md):

- **The scheduler**: ``LightningCLI`` builds the optimizer and the scheduler from their
  ``class_path`` and ``init_args`` and returns them from ``configure_optimizers`` as
  ``[optimizer], [lr_scheduler]`` (``LightningCLI.configure_optimizers``): Lightning's defaults,
  ``interval: "epoch"`` and ``frequency: 1``, so ``scheduler.step()`` runs once at the end of each
  epoch, and every optimizer step of epoch ``e`` uses the scheduler's value after ``e`` steps.
  ``ReduceLROnPlateau`` follows a metric, which a config does not contain: refused.
- **Optimizer steps per epoch**: the training loader's ``ceil(examples / batch_size)`` batches (the
  user's data set), in groups of ``trainer.accumulate_grad_batches``, the last group stepping too:
  ``ceil(batches / accumulate_grad_batches)``.
- **The run**: ``trainer.max_epochs`` epochs (Lightning's default is 1000 when neither it nor
  ``max_steps`` is set), stopped at ``trainer.max_steps`` when that is set.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .. import fmt
from ..libraries import bind, from_library, lookup
from . import Asked, ConfigError, Run, yaml12

FRAMEWORK = "Lightning CLI"
USED = ("optimizer", "lr_scheduler", "trainer")
DEFAULT_EPOCHS = 1000


def is_config(config: Mapping[str, Any]) -> bool:
    """A Lightning CLI config: an ``lr_scheduler`` with a ``class_path``."""
    return isinstance(config.get("lr_scheduler"), Mapping) and "class_path" in config["lr_scheduler"]


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The Trainer's run for ``config``; see the module's rules."""
    config = yaml12(config)  # jsonargparse reads YAML 1.2: lr: 1e-4 is a number
    scheduler = config["lr_scheduler"]
    path = str(scheduler["class_path"])
    try:
        spec = lookup(path)
    except ValueError:
        raise ConfigError(f"lr_scheduler class_path {path!r} is not a scheduler lrcalc knows (it reads PyTorch's, torch.optim.lr_scheduler.*)") from None
    if spec.library != "torch":
        raise ConfigError(f"lr_scheduler class_path {path!r}: Lightning CLI builds PyTorch schedulers (torch.optim.lr_scheduler.*)")
    if spec.driven_by_metric:
        raise ConfigError(f"{spec.name} follows a monitored metric, which a config does not contain (LightningCLI steps it after each epoch with the metric named by monitor)")
    kwargs = dict(scheduler.get("init_args") or {})
    optimizer = config.get("optimizer")
    lr = None
    if isinstance(optimizer, Mapping):
        lr = (optimizer.get("init_args") or {}).get("lr")
    if lr is None:
        raise ConfigError("the config has no optimizer lr (optimizer: class_path: torch.optim.SGD, init_args: {lr: 0.1}): the scheduler scales it")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise ConfigError(f"optimizer init_args lr must be a number (got {lr!r})")
    try:
        bind(spec, kwargs)
        from_library(spec.api, lr=float(lr), **kwargs)(0)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    trainer = config.get("trainer") if isinstance(config.get("trainer"), Mapping) else {}
    max_epochs, max_steps = trainer.get("max_epochs"), trainer.get("max_steps", -1)
    limit = trainer.get("limit_train_batches")
    accumulation = trainer.get("accumulate_grad_batches", 1)
    for key, value in (("trainer.max_epochs", max_epochs), ("trainer.max_steps", max_steps), ("trainer.accumulate_grad_batches", accumulation)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{key} must be a whole number (got {value!r})")
    if max_epochs is None:
        max_epochs = DEFAULT_EPOCHS if max_steps in (None, -1) else -1
    run = Run(framework=FRAMEWORK, api=spec.api, lr=float(lr), kwargs=kwargs, total_steps=0, steps_per_epoch=None,
              used={key: config[key] for key in USED if key in config}, ignored=sorted(key for key in config if key not in USED),
              notes=[f"{spec.name} steps once per epoch (LightningCLI's interval: epoch): every optimizer step of epoch e uses its value after e steps"])
    if steps_per_epoch:
        per_epoch = steps_per_epoch
        run.counting.append(f"{fmt.count(per_epoch)} optimizer steps per epoch (given)")
    elif dataset_size:
        data = config.get("data") if isinstance(config.get("data"), Mapping) else {}
        arguments = data.get("init_args") if isinstance(data.get("init_args"), Mapping) else data  # with or without a class_path
        batch = arguments.get("batch_size")
        if not isinstance(batch, int) or isinstance(batch, bool):
            run.asked.append(Asked("steps_per_epoch", "Optimizer steps per epoch", "the config's data has no batch_size to count batches with: give the optimizer steps per epoch"))
            return run
        batches = math.ceil(dataset_size / (batch * devices))
        run.counting.append(f"{fmt.count(dataset_size)} examples / batch_size {batch}" + (f" × {devices} devices" if devices > 1 else "") + f" = {fmt.count(batches)} batches (ceil)")
        if isinstance(limit, int) and not isinstance(limit, bool) and limit < batches:
            batches = limit
            run.counting.append(f"limit_train_batches={limit} caps them at {limit}")
        elif isinstance(limit, float) and limit < 1:  # a fraction: int(len * f) (trainer/connectors/data_connector.py)
            run.counting.append(f"limit_train_batches={limit} keeps int({fmt.count(batches)} × {limit}) = {fmt.count(int(batches * limit))} of them")
            batches = int(batches * limit)
        per_epoch = math.ceil(batches / accumulation)
        if accumulation > 1:
            run.counting.append(f"{fmt.count(batches)} batches / accumulate_grad_batches {accumulation} = {fmt.count(per_epoch)} optimizer steps per epoch (ceil: the last group steps too)")
    else:
        run.asked.append(Asked("steps_per_epoch", "Optimizer steps per epoch", "the optimizer steps one epoch takes (len(train_dataloader) / accumulate_grad_batches)"))
        return run
    total = per_epoch * max_epochs if max_epochs > 0 else max_steps
    if max_steps not in (None, -1) and max_steps > 0:
        total = min(total, max_steps)
    run.counting.append(f"{max_epochs} epochs × {fmt.count(per_epoch)} = {fmt.count(per_epoch * max_epochs)} optimizer steps" if max_epochs > 0 else f"max_steps={fmt.count(max_steps)}")
    if max_steps not in (None, -1) and 0 < max_steps < per_epoch * max(max_epochs, 1):
        run.counting.append(f"stopped at max_steps={fmt.count(max_steps)}")
    run.total_steps, run.steps_per_epoch = total, per_epoch
    run.epoch_stepped = True
    return run
