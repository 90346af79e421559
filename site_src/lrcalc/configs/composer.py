"""MosaicML Composer configs: llm-foundry and the examples' YAML, Hydra configs and old YAHP files.

The schedule is :mod:`lrcalc.libraries.composer`'s (a Composer scheduler as the Trainer steps it); this
module finds its parts in the config's layouts, each as its builder reads them:

- **llm-foundry** (``llmfoundry/optim/__init__.py``, ``build_scheduler``): ``scheduler: {name: ...,
  **kwargs}`` with ``cosine_with_warmup``, ``linear_decay_with_warmup``, ``constant_with_warmup``;
  ``optimizer.lr``; ``max_duration``; ``global_train_batch_size`` (the whole batch, over every device);
  ``max_seq_len`` (a batch of packed text holds ``global_train_batch_size × max_seq_len`` tokens);
  ``${variables...}`` references resolved; an MCLI run file's ``parameters:`` is read as the config.
- **Hydra** (``scheduler: {_target_: composer.optim.LinearWithWarmupScheduler, ...}``), with the
  trainer's ``max_duration`` under ``trainer:`` and the batch under ``dataset.train_batch_size``.
- **mosaicml/examples' ResNet** (``scheduler: {t_warmup, alpha_f}`` without a name: its ``main.py``
  always builds ``CosineAnnealingWithWarmupScheduler``), its per-device ``train_dataset.batch_size``.
- **old YAHP files** (``schedulers:`` keyed by registry name, ``optimizers:``, ``train_batch_size``,
  ``scale_schedule_ratio``), as ``TrainerHparams`` built them.

An epoch is ``len(train_dataloader)`` batches: ``floor`` of the examples over the global batch with
``drop_last`` (as llm-foundry's loaders set it), ``ceil`` without.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from .. import fmt
from ..libraries import apis, from_library
from . import Asked, ConfigError, Run, yaml12

FRAMEWORK = "MosaicML Composer (llm-foundry)"

NAMED = {
    "cosine_with_warmup": "CosineAnnealingWithWarmupScheduler",  # llm-foundry's registry
    "linear_decay_with_warmup": "LinearWithWarmupScheduler",
    "constant_with_warmup": "ConstantWithWarmupScheduler",
    "cosine_decay_with_warmup": "CosineAnnealingWithWarmupScheduler",  # Composer's YAHP registry (before 0.12)
    "multistep_with_warmup": "MultiStepWithWarmupScheduler",
    "polynomial_with_warmup": "PolynomialWithWarmupScheduler",
    "cosine_decay": "CosineAnnealingScheduler",
    "linear_decay": "LinearScheduler",
    "polynomial": "PolynomialScheduler",
    "constant": "ConstantScheduler",
    "multistep": "MultiStepScheduler",
    "step": "StepScheduler",
    "exponential": "ExponentialScheduler",
}
"""The schedulers' registry names in llm-foundry's and in Composer's old YAHP configs."""

REFUSED = {"inv_sqrt_with_warmup": "llm-foundry's own InverseSquareRootWithWarmupScheduler, which lrcalc does not compute",
           "cosine_warmrestart": "Composer's CosineAnnealingWarmRestartsScheduler, which lrcalc does not compute"}


def is_config(config: Mapping[str, Any]) -> bool:
    """A Composer config: a ``max_duration`` beside a Composer scheduler (or YAHP's ``schedulers``)."""
    trainer = config.get("trainer")
    if "max_duration" not in config and not (isinstance(trainer, Mapping) and "max_duration" in trainer):  # Hydra: under trainer
        return False
    scheduler = config.get("scheduler")
    if isinstance(scheduler, Mapping):
        target = str(scheduler.get("_target_", ""))
        return "name" in scheduler or "t_warmup" in scheduler or target.startswith("composer.optim.")
    return isinstance(config.get("schedulers"), (list, Mapping))


def _resolved(config: Mapping[str, Any]) -> Any:
    """OmegaConf's ``${a.b}`` references, where a value is exactly one (numbers and texts alike)."""

    def lookup(path: str) -> Any:
        node: Any = config
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ConfigError(f"${{{path}}} refers to a key the config does not have")
            node = node[part]
        return node

    def walk(value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            found = re.fullmatch(r"\$\{([\w.]+)\}", value.strip())
            return walk(lookup(found.group(1)), depth + 1) if found and depth < 10 else value
        if isinstance(value, Mapping):
            return {key: walk(item, depth) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, depth) for item in value]
        return value

    return walk(config)


def _scheduler(config: Mapping[str, Any]) -> tuple[str, dict[str, Any], str]:
    """The Composer scheduler the config builds: (class name, its arguments, how it was named)."""
    scheduler = config.get("scheduler")
    if isinstance(scheduler, Mapping):
        kwargs = {key: value for key, value in scheduler.items() if key not in ("name", "_target_")}
        if "_target_" in scheduler:
            return str(scheduler["_target_"]).rsplit(".", 1)[-1], kwargs, f"_target_: {scheduler['_target_']}"
        if "name" not in scheduler:  # mosaicml/examples' ResNet: main.py builds this one from t_warmup and alpha_f
            return "CosineAnnealingWithWarmupScheduler", kwargs, "a scheduler without a name (the ResNet example's main.py builds a cosine with warmup)"
        return _named(str(scheduler["name"])), kwargs, f"name: {scheduler['name']}"
    entries = config["schedulers"]
    items = list(entries.items()) if isinstance(entries, Mapping) else [item for entry in entries for item in (entry.items() if isinstance(entry, Mapping) else [(entry, {})])]
    if len(items) != 1:
        raise ConfigError(f"the config lists {len(items)} schedulers; Composer multiplies them, which lrcalc does not compute: keep one")
    name, kwargs = items[0]
    return _named(str(name)), dict(kwargs or {}), f"schedulers: {name}"


def _named(name: str) -> str:
    if name in REFUSED:
        raise ConfigError(f"scheduler {name!r} is {REFUSED[name]}")
    if name not in NAMED:
        raise ConfigError(f"scheduler {name!r} is not one Composer or llm-foundry registers (they register {', '.join(sorted(NAMED))})")
    return NAMED[name]


def _lr(config: Mapping[str, Any]) -> tuple[float, str]:
    """The optimizer's lr and where it was read: ``optimizer.lr``, YAHP's ``optimizers: {name: {lr}}``, or the first
    ``<model>_optimizer`` with one (the diffusion autoencoder's ``autoencoder_optimizer``)."""
    candidates = [("optimizer", config.get("optimizer"))]
    if isinstance(config.get("optimizers"), Mapping):
        candidates += [(f"optimizers.{name}", value) for name, value in config["optimizers"].items()]
    candidates += [(key, value) for key, value in config.items() if key.endswith("_optimizer")]
    for where, optimizer in candidates:
        lr = optimizer.get("lr") if isinstance(optimizer, Mapping) else None
        if lr is None:
            continue
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr < 0:
            raise ConfigError(f"{where}.lr must be a number >= 0 (got {lr!r})")
        return float(lr), where
    raise ConfigError("the config's optimizer has no lr: the scheduler scales it")


def _batch(config: Mapping[str, Any], devices: int) -> tuple[int | None, str]:
    """The global batch (samples per optimizer step) and where it was read."""
    dataset = config.get("dataset") if isinstance(config.get("dataset"), Mapping) else {}
    train = config.get("train_dataset") if isinstance(config.get("train_dataset"), Mapping) else {}
    for value, where in ((config.get("global_train_batch_size"), "global_train_batch_size"), (config.get("train_batch_size"), "train_batch_size"),
                         (dataset.get("train_batch_size"), "dataset.train_batch_size")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value, where
    value = train.get("batch_size")
    if isinstance(value, int) and not isinstance(value, bool):  # the ResNet example's: per device
        return value * devices, f"train_dataset.batch_size {value} per device × {devices} devices" if devices > 1 else "train_dataset.batch_size"
    return None, ""


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The Trainer's run for ``config``; see the module's rules."""
    config = _resolved(yaml12(config))  # OmegaConf reads YAML 1.2 numbers
    trainer = config.get("trainer") if isinstance(config.get("trainer"), Mapping) else {}
    max_duration = config.get("max_duration", trainer.get("max_duration"))
    if not isinstance(max_duration, str):
        raise ConfigError(f"max_duration must be a time such as 4800ba or 2ep (got {max_duration!r})")
    name, kwargs, named = _scheduler(config)
    api = next((spec.api for spec in apis("composer") if spec.name == name), None)
    if api is None:
        raise ConfigError(f"{name} is not a Composer scheduler lrcalc computes (it computes {', '.join(spec.name for spec in apis('composer'))})")
    lr, lr_from = _lr(config)
    batch, batch_from = _batch(config, devices)
    seq = config.get("max_seq_len")
    ratio = config.get("scale_schedule_ratio", 1.0)
    run = Run(framework=FRAMEWORK, api=api, lr=lr, kwargs={}, total_steps=0, steps_per_epoch=None,
              used={key: config[key] for key in ("scheduler", "schedulers", "optimizer", "optimizers", "max_duration", "global_train_batch_size",
                                                 "train_batch_size", "max_seq_len", "scale_schedule_ratio") if key in config},
              ignored=[], notes=[f"{named} builds composer.optim.{name}"] + ([f"the lr is {lr_from}'s"] if lr_from != "optimizer" else []))
    run.ignored = sorted(key for key in config if key not in run.used)
    texts = [str(value) for key, value in kwargs.items() if isinstance(value, str)] + [max_duration]
    texts += [str(v) for v in kwargs.get("milestones") or []]
    units = {found.group(1) for text in texts for found in [re.search(r"(ep|ba|sp|tok|dur)$", text.strip())] if found}
    per_epoch = None
    if "ep" in units:
        if steps_per_epoch:
            per_epoch = steps_per_epoch
            run.counting.append(f"{fmt.count(per_epoch)} batches (optimizer steps) per epoch (given)")
        elif dataset_size and batch:
            train_loader = config.get("train_loader") if isinstance(config.get("train_loader"), Mapping) else {}
            drop_last = bool(train_loader.get("drop_last", config.get("drop_last", False)))
            per_epoch = (dataset_size // batch) if drop_last else math.ceil(dataset_size / batch)
            run.counting.append(f"{fmt.count(dataset_size)} examples / batch {batch} ({batch_from}) = {fmt.count(per_epoch)} batches per epoch ({'floor: drop_last' if drop_last else 'ceil'})")
        else:
            run.asked.append(Asked("dataset_size", "Training examples", "the config counts epochs: give the examples (or the batches) of one epoch"))
            return run
    tokens = batch * seq if "tok" in units and batch and isinstance(seq, int) else None
    if "tok" in units and tokens is None:
        raise ConfigError("the config counts tokens: it needs global_train_batch_size and max_seq_len (tokens per batch = their product)")
    run.kwargs = {**kwargs, "max_duration": max_duration, "batches_per_epoch": per_epoch, "samples_per_batch": batch,
                  "tokens_per_batch": tokens, "scale_schedule_ratio": ratio}
    from ..libraries.composer import run_batches

    try:
        run.total_steps = run_batches(max_duration, per_epoch, batch, tokens, ratio)
        from_library(api, lr=lr, **run.kwargs)(0)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if tokens:
        run.counting.append(f"a batch holds {fmt.count(batch)} × max_seq_len {seq} = {fmt.count(tokens)} tokens (packed text)")
    if ratio != 1.0:
        run.counting.append(f"scale_schedule_ratio {fmt.number(ratio)} scales max_duration and the times (not the warmup unless scale_warmup)")
    run.counting.append(f"max_duration {max_duration}: {fmt.count(run.total_steps)} optimizer steps (the Trainer stops at the first batch that reaches it)")
    run.notes.append("the Trainer steps the scheduler after each batch, before its clock moves on: batch i uses the multiplier at batch i - 1, so a warmup's first two batches both use 0")
    run.steps_per_epoch = per_epoch
    return run
