"""Hugging Face ``TrainingArguments``: the schedule the ``Trainer`` builds, per optimizer step.

The rules, each from transformers' own source (5.x; file and method named where
the rule lives, so a new release can be checked against them):

- **Batches per epoch** (the training ``DataLoader``'s length, per process):
  ``ceil(examples / per_device_train_batch_size)`` batches, ``floor`` with
  ``dataloader_drop_last``; with several devices Accelerate shards those
  batches round-robin and pads the last round (``even_batches``), so each
  process has ``ceil(batches / devices)`` (``floor`` with ``drop_last``):
  accelerate/data_loader.py, ``BatchSamplerShard.__len__``.
- **Optimizer steps per epoch**: ``max(ceil(batches / gradient_accumulation_steps), 1)``;
  the last step of an epoch takes the remaining batches
  (trainer.py, ``Trainer.set_initial_training_values``). transformers before
  4.46 rounded down instead (``batches // gradient_accumulation_steps``).
- **Total steps**: ``max_steps`` when it is > 0 (the data set's size then does
  not matter), else ``ceil(num_train_epochs * steps_per_epoch)``; a fractional
  ``num_train_epochs`` stops mid-epoch (same method).
- **Warmup**: ``int(warmup_steps)`` when ``warmup_steps >= 1``, else
  ``ceil(total * warmup_steps)`` (training_args.py,
  ``TrainingArguments.get_warmup_steps``). transformers 4 had
  ``warmup_ratio`` with the same rounding, used when ``warmup_steps`` is 0;
  transformers 5 removed it and reads a ``warmup_steps`` below 1 as the ratio.
- **The scheduler**: ``get_scheduler(lr_scheduler_type, optimizer,
  num_warmup_steps, num_training_steps, scheduler_specific_kwargs=lr_scheduler_kwargs)``
  (``Trainer.create_scheduler``), stepped once per optimizer step, after it:
  the i-th optimizer step uses ``schedule(i)``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

from .. import fmt
from . import Asked, ConfigError, Run, Unread, number, whole

FRAMEWORK = "Hugging Face Trainer (TrainingArguments)"
API = "transformers.get_scheduler"

DEFAULTS: dict[str, Any] = {
    "learning_rate": 5e-5,
    "lr_scheduler_type": "linear",
    "lr_scheduler_kwargs": None,
    "warmup_steps": 0,
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "dataloader_drop_last": False,
}
"""TrainingArguments' defaults for the keys that decide the schedule (training_args.py)."""

USED = (*DEFAULTS, "warmup_ratio")
MARKERS = {"learning_rate", "lr_scheduler_type", "num_train_epochs", "max_steps", "per_device_train_batch_size",
           "gradient_accumulation_steps", "warmup_ratio", "warmup_steps", "output_dir", "per_device_eval_batch_size"}

OUT_OF_SCOPE = {
    "reduce_lr_on_plateau": "it follows the evaluation metric, which a config does not contain",
    "greedy": "it follows the evaluation metric, which a config does not contain",
}


def is_config(config: Mapping[str, Any]) -> bool:
    """Whether a mapping has TrainingArguments' keys (a recipe's other keys are allowed beside them)."""
    return len(MARKERS & set(config)) >= 2 or "lr_scheduler_type" in config


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The Trainer's run for ``config``; see the module's rules."""
    used = {key: config[key] for key in USED if key in config}
    for key, value in used.items():
        if isinstance(value, Unread):
            raise ConfigError(f"{key}={value.text} is not a literal value: the schedule depends on it, so write its value")
    args = {**DEFAULTS, **{k: v for k, v in used.items() if k != "warmup_ratio"}}
    notes: list[str] = []
    warnings: list[str] = []
    lr = number(args["learning_rate"], "learning_rate", low=0.0)
    name = args["lr_scheduler_type"]
    if not isinstance(name, str):
        raise ConfigError(f"lr_scheduler_type must be a name such as 'linear' or 'cosine' (got {name!r})")
    if name in OUT_OF_SCOPE:
        raise ConfigError(f"lr_scheduler_type {name!r} cannot be computed from a config: {OUT_OF_SCOPE[name]}")
    kwargs = _scheduler_kwargs(args["lr_scheduler_kwargs"])
    epochs = number(args["num_train_epochs"], "num_train_epochs", low=0.0)
    max_steps = whole(args["max_steps"], "max_steps", low=None)
    batch = whole(args["per_device_train_batch_size"], "per_device_train_batch_size", low=1)
    accumulation = whole(args["gradient_accumulation_steps"], "gradient_accumulation_steps", low=1)
    drop_last = args["dataloader_drop_last"]
    if not isinstance(drop_last, bool):
        raise ConfigError(f"dataloader_drop_last must be true or false (got {drop_last!r})")
    warmup = number(args["warmup_steps"], "warmup_steps", low=None)
    if warmup < 0:
        raise ConfigError(f"Got warmup_steps = {fmt.number(warmup)}, Expected value warmup_steps >= 0")
    if "warmup_ratio" in used:
        ratio = number(used["warmup_ratio"], "warmup_ratio", low=0.0)
        if ratio > 1:
            raise ConfigError(f"warmup_ratio must lie in range [0,1] (got {fmt.number(ratio)})")
        if warmup == 0:
            warmup = ratio
            warnings.append(f"warmup_ratio is transformers 4's: the curve warms up as transformers 4 does (ceil(total steps × {fmt.number(ratio)})). "
                            f"transformers 5 has no warmup_ratio, and a recipe parser that allows extra keys drops it: no warmup at all. "
                            f"Write warmup_steps: {fmt.number(ratio)} for this warmup in both")
        else:
            notes.append("warmup_ratio is ignored: warmup_steps is set, and transformers 4 used warmup_steps first")
    counting: list[str] = []
    asked: list[Asked] = []
    per_epoch: int | None = None
    if max_steps > 0:
        total = max_steps
        counting.append(f"max_steps={fmt.count(max_steps)} sets the run's length (the data set's size and num_train_epochs do not change it)")
        if steps_per_epoch or dataset_size:
            per_epoch = _per_epoch(dataset_size, steps_per_epoch, batch, accumulation, devices, drop_last, [])
    else:
        if epochs <= 0:
            raise ConfigError("num_train_epochs must be > 0 when max_steps is not set (got 0)")
        if not (steps_per_epoch or dataset_size):
            asked.append(Asked("dataset_size", "Training examples", "the number of examples in the training set (len(train_dataset)); or give the optimizer steps per epoch"))
            total = 0
        else:
            per_epoch = _per_epoch(dataset_size, steps_per_epoch, batch, accumulation, devices, drop_last, counting)
            total = math.ceil(epochs * per_epoch)
            counting.append(f"{fmt.number(epochs)} epoch{'' if epochs == 1 else 's'} × {fmt.count(per_epoch)} = {fmt.count(total)} optimizer steps"
                            + (" (ceil: the last epoch stops part way)" if epochs * per_epoch != total else ""))
    warmup_steps = 0
    if total:
        warmup_steps = int(warmup) if warmup >= 1 else math.ceil(total * warmup)
        if warmup and warmup < 1:
            counting.append(f"warmup: ceil({fmt.count(total)} × {fmt.number(warmup)}) = {fmt.count(warmup_steps)} steps")
        elif warmup:
            counting.append(f"warmup: {fmt.count(warmup_steps)} steps")
    call = {"name": name, "num_warmup_steps": warmup_steps, "num_training_steps": total}
    if kwargs:
        call["scheduler_specific_kwargs"] = kwargs
    run = Run(
        framework=FRAMEWORK,
        api=API,
        lr=lr,
        kwargs=call,
        total_steps=total,
        steps_per_epoch=per_epoch,
        used=used,
        ignored=sorted(key for key in config if key not in USED),
        defaults={key: value for key, value in DEFAULTS.items() if key not in used},
        counting=counting,
        notes=notes,
        warnings=warnings,
        asked=asked,
    )
    if run.ready:
        try:
            run.schedule()(0)
        except ValueError as error:  # what get_scheduler itself refuses: an unknown name, a bad kwarg
            raise ConfigError(str(error)) from None
    return run


def _per_epoch(dataset_size: int | None, steps_per_epoch: int | None, batch: int, accumulation: int, devices: int,
               drop_last: bool, counting: list[str]) -> int:
    """Optimizer steps per epoch: given, or counted from the data set as the Trainer and Accelerate count them."""
    if steps_per_epoch:
        counting.append(f"{fmt.count(steps_per_epoch)} optimizer steps per epoch (given)")
        return steps_per_epoch
    assert dataset_size is not None
    rounding = math.floor if drop_last else math.ceil
    batches = rounding(dataset_size / batch)
    per_device = rounding(batches / devices)
    word = "floor" if drop_last else "ceil"
    line = f"{fmt.count(dataset_size)} examples / batch {batch} = {fmt.count(batches)} batches ({word})"
    if devices > 1:
        line += f"; / {devices} devices = {fmt.count(per_device)} per device ({word})"
    counting.append(line)
    if per_device < 1:
        raise ConfigError(f"the training set ({fmt.count(dataset_size)} examples) gives no full batch of {batch * devices} with dataloader_drop_last")
    steps = max(math.ceil(per_device / accumulation), 1)
    if accumulation > 1:
        rest = per_device % accumulation
        counting.append(f"{fmt.count(per_device)} batches / gradient_accumulation_steps {accumulation} = {fmt.count(steps)} optimizer steps per epoch (ceil"
                        + (f"; the last one takes {rest} batch{'es' if rest > 1 else ''})" if rest else ")"))
    return steps


def _scheduler_kwargs(value: Any) -> dict[str, Any]:
    """lr_scheduler_kwargs: a mapping, or a JSON object as text (TrainingArguments.__post_init__ parses those)."""
    if value is None:
        return {}
    if isinstance(value, str):
        if not value.startswith("{"):
            raise ConfigError(f"lr_scheduler_kwargs must be a mapping such as {{'min_lr_rate': 0.1}} (got {value!r})")
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ConfigError(f"lr_scheduler_kwargs could not be read as JSON: {error}") from None
    if not isinstance(value, Mapping):
        raise ConfigError(f"lr_scheduler_kwargs must be a mapping such as {{'min_lr_rate': 0.1}} (got {value!r})")
    return dict(value)


# ---------------------------------------------------------------- back: a schedule as a config block


def config_block(api: str, lr: float | None, kwargs: Mapping[str, Any], stepping: str = "step") -> dict[str, str | None]:
    """The TrainingArguments keys that make the Trainer build this schedule, checked by reading them back.

    ``{"code": YAML or None, "reason": why}``. The block sets ``max_steps`` (the run the schedule is
    written for) and, where the schedule has one, the warmup; it is given only when :func:`plan`,
    reading it back, builds the same ``get_scheduler`` call. That call gives the schedule's values
    because the export's choice of a transformers constructor does (checked against the real
    library in tests/reference/exports.json), so no curve is computed here: this runs on every edit.
    """
    from ..export import native_call
    from ..libraries.transformers import scheduler_type

    if stepping != "step":
        return {"code": None, "reason": "No Trainer config gives this schedule: the Trainer steps its scheduler after every optimizer step, and this one steps once per epoch."}
    found = native_call(api, lr, dict(kwargs), "transformers")
    if found is None or not found[0].startswith("transformers."):
        return {"code": None, "reason": "No Trainer config gives this schedule: lr_scheduler_type names only transformers' own schedules. Give it to the Trainer as Trainer(optimizers=(optimizer, scheduler)): the Hugging Face transformers code writes that."}
    function, arguments, rate = found
    arguments = dict(arguments)
    if function.endswith(".get_scheduler"):
        name = arguments.pop("name")
        extra = dict(arguments.pop("scheduler_specific_kwargs", None) or {})
    else:
        name = scheduler_type(function)
        extra = {}
    if name is None or name in OUT_OF_SCOPE:
        return {"code": None, "reason": f"No Trainer config gives this schedule: {function.rsplit('.', 1)[1]} has no lr_scheduler_type."}
    warmup = arguments.pop("num_warmup_steps", 0) or 0
    total = arguments.pop("num_training_steps", None)
    extra.update(arguments)
    if not total:
        return {"code": None, "reason": "No Trainer config gives this schedule without a run length: set the training length, and the block sets max_steps to it."}
    block: dict[str, Any] = {"learning_rate": rate if rate is not None else DEFAULTS["learning_rate"], "lr_scheduler_type": name}
    if extra:
        block["lr_scheduler_kwargs"] = extra
    if warmup:
        block["warmup_steps"] = warmup
    block["max_steps"] = total
    run = plan(block)
    call = {"name": name, "num_warmup_steps": warmup, "num_training_steps": total, **({"scheduler_specific_kwargs": extra} if extra else {})}
    if run.kwargs != call or run.lr != block["learning_rate"]:  # a warmup the keys cannot say (a fraction of a step)
        return {"code": None, "reason": "No Trainer config gives exactly this schedule: TrainingArguments cannot state its warmup."}
    text = "".join(f"{key}: {_yaml_value(value)}\n" for key, value in block.items())
    return {"code": text, "reason": f"TrainingArguments keys (YAML) that make the Trainer build it: max_steps={total:,} is the run it is written for; read back, they give the same learning rate."}


def _yaml_value(value: Any) -> str:
    """A value as YAML that reads back as the same Python value (floats always with a point or exponent YAML 1.1 reads)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float):
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}" if exponent else text
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_yaml_value(v)}" for key, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    if isinstance(value, str):
        plain = value.isidentifier() and value.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "y", "n")
        return value if plain else json.dumps(value)
    return str(value)
