"""axolotl YAML configs: the run axolotl counts and the scheduler its Trainer builds.

axolotl passes its own count of the run to the Hugging Face Trainer as ``max_steps``, so the Trainer's
per-epoch counting never decides the schedule. The rules, from axolotl 0.19.0's source (file and line
numbers in tests/configs/axolotl/README.md):

- **Batch size** (``normalize_config``): ``gradient_accumulation_steps`` (default 1) or
  ``batch_size // micro_batch_size``; then ``batch_size`` = ``batch_size`` or ``micro_batch_size ×
  gradient_accumulation_steps``, times the devices (data parallel is on whenever there are several).
- **The run** (``calculate_total_num_steps``, without sample packing): ``ceil(examples × num_epochs /
  batch_size)`` optimizer steps (``num_epochs`` defaults to 1), capped by ``max_steps``; the Trainer then
  runs ``max_steps`` if set, else that count (``TrainingArguments.max_steps``).
- **Warmup** (``_configure_warmup_and_logging``): ``warmup_steps`` as written (a whole number); else
  ``int(warmup_ratio × total)`` (rounded down, on the capped count); else axolotl's default
  ``min(int(0.03 × total), 100)``; a result of exactly 1 becomes 2. Both keys together are refused.
- **The scheduler** (``SchedulerMixin.create_scheduler``, first match): ``lr_scheduler: one_cycle`` is
  PyTorch's OneCycleLR (``pct_start`` = warmup / run); ``rex`` is axolotl's RexLR; a cosine with
  ``lr_quadratic_warmup`` its quadratic-warmup cosine; a cosine with ``cosine_min_lr_ratio`` and a
  non-zero ``cosine_constant_lr_ratio`` its warmup-decay-constant cosine; with ``cosine_min_lr_ratio``
  alone its min-lr cosine (0 counts as not set); otherwise Hugging Face's ``get_scheduler`` with
  ``lr_scheduler`` (empty means cosine) and ``lr_scheduler_kwargs``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .. import fmt
from ..libraries import apis, from_library
from . import Asked, ConfigError, Run, number, whole, yaml12
from .transformers import API  # Hugging Face's get_scheduler, which the Trainer calls

FRAMEWORK = "axolotl"
USED = ("learning_rate", "lr_scheduler", "lr_scheduler_kwargs", "lr_quadratic_warmup", "cosine_min_lr_ratio", "cosine_constant_lr_ratio",
        "warmup_steps", "warmup_ratio", "num_epochs", "max_steps", "micro_batch_size", "gradient_accumulation_steps", "batch_size", "sample_packing")
DEFAULTS = {"lr_scheduler": "cosine", "num_epochs": 1.0, "micro_batch_size": 1, "gradient_accumulation_steps": 1}
"""axolotl's schema defaults for the keys the schedule reads (utils/schemas/training.py)."""


def is_config(config: Mapping[str, Any]) -> bool:
    """An axolotl config: ``micro_batch_size``, or a ``base_model`` with axolotl's schedule keys."""
    return "micro_batch_size" in config or ("base_model" in config and bool({"num_epochs", "lr_scheduler", "cosine_min_lr_ratio"} & set(config)))


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """axolotl's run for ``config``; see the module's rules."""
    raw = {key: config[key] for key in USED if key in config}
    values = {**DEFAULTS, **{key: value for key, value in yaml12(raw).items() if value is not None or key == "lr_scheduler"}}
    if "learning_rate" not in values:
        raise ConfigError("the config has no learning_rate (axolotl requires it)")
    lr = number(values["learning_rate"], "learning_rate", low=0.0)  # axolotl converts text such as 2e-5 with float()
    micro = whole(values["micro_batch_size"], "micro_batch_size", 1)
    accumulation = values["gradient_accumulation_steps"] or (whole(values.get("batch_size"), "batch_size", 1) // micro)
    batch = (values.get("batch_size") or micro * accumulation) * devices
    epochs = number(values["num_epochs"], "num_epochs", low=0.0)
    max_steps = values.get("max_steps")
    if max_steps is not None:
        max_steps = whole(max_steps, "max_steps", 1)
    warmup_steps, ratio = values.get("warmup_steps"), values.get("warmup_ratio")
    if warmup_steps is not None and not (isinstance(warmup_steps, int) and not isinstance(warmup_steps, bool)):
        raise ConfigError(f"warmup_steps must be a whole number in axolotl's schema (got {warmup_steps!r}); for a fraction of the run write warmup_ratio")
    if warmup_steps and ratio:
        raise ConfigError("warmup_steps and warmup_ratio are both set; axolotl refuses the config: keep one")
    if config.get("jagged_restart_steps"):
        raise ConfigError("jagged_restart_steps wraps the schedule in axolotl's jagged restarts, which lrcalc does not compute")

    run = Run(framework=FRAMEWORK, api="", lr=lr, kwargs={}, total_steps=0, steps_per_epoch=None, used=raw,
              ignored=sorted(key for key in config if key not in USED), defaults={k: v for k, v in DEFAULTS.items() if k not in raw})
    if values.get("sample_packing"):
        run.warnings.append("sample_packing packs several examples into each sequence, so axolotl counts the run from token lengths: "
                            "give the optimizer steps per epoch it logs (total_num_steps / num_epochs)")
    total = None
    if steps_per_epoch:
        total = math.ceil(epochs * steps_per_epoch)
        run.counting.append(f"num_epochs {fmt.number(epochs)} × {fmt.count(steps_per_epoch)} optimizer steps per epoch (given) = {fmt.count(total)}")
    elif dataset_size and not values.get("sample_packing"):
        total = math.ceil(dataset_size * epochs / batch)
        split = f" (micro_batch_size {micro} × gradient_accumulation_steps {accumulation}{f' × {devices} devices' if devices > 1 else ''})"
        run.counting.append(f"ceil({fmt.count(dataset_size)} examples × num_epochs {fmt.number(epochs)} / batch size {batch}{split}) = {fmt.count(total)} optimizer steps "
                            "(axolotl's count over the whole run, not per epoch)")
    needs_total = max_steps is None or warmup_steps is None
    if total is None and needs_total:
        run.asked.append(Asked("dataset_size", "Training examples", "the rows of the prepared data set (axolotl counts the run from them)")
                         if not values.get("sample_packing") else Asked("steps_per_epoch", "Optimizer steps per epoch", "with sample_packing, the steps per epoch axolotl logs"))
        return run
    if max_steps is not None:
        capped = min(total, max_steps) if total is not None else None
        run.counting.append(f"max_steps={fmt.count(max_steps)}: the Trainer runs {fmt.count(max_steps)} optimizer steps" + (f"; warmup is counted on min({fmt.count(total)}, {fmt.count(max_steps)}) = {fmt.count(capped)}" if capped is not None and warmup_steps is None else ""))
        length, total = max_steps, capped
    else:
        length = total
    if warmup_steps is not None:
        warmup = warmup_steps
    elif ratio is not None:
        warmup = max(int(number(ratio, "warmup_ratio", low=0.0) * total), 0)
        run.counting.append(f"warmup: int(warmup_ratio {fmt.number(ratio)} × {fmt.count(total)}) = {warmup}")
    else:
        warmup = min(int(0.03 * total), 100)
        run.counting.append(f"warmup: neither warmup_steps nor warmup_ratio, so axolotl's default min(int(0.03 × {fmt.count(total)}), 100) = {warmup}")
    if warmup == 1:
        warmup = 2
        run.counting.append("a warmup of exactly 1 step becomes 2 (axolotl)")
    if length < 1:
        raise ConfigError("the run has no optimizer step: give more training examples")
    run.api, run.kwargs = _scheduler(values, lr, warmup, length, run)
    run.total_steps = length
    try:
        from_library(run.api, lr=run.lr, **run.kwargs)(0)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return run


def _scheduler(values: Mapping[str, Any], lr: float, warmup: int, length: int, run: Run) -> tuple[str, dict[str, Any]]:
    """What axolotl's trainer builds (SchedulerMixin.create_scheduler, first match), as (api, arguments)."""
    name = values.get("lr_scheduler") or "cosine"
    extra = dict(values.get("lr_scheduler_kwargs") or {})
    own = {spec.name: spec.api for spec in apis("axolotl")}
    low_ratio, constant_ratio = values.get("cosine_min_lr_ratio"), values.get("cosine_constant_lr_ratio")
    if name == "one_cycle":
        one_cycle = next(spec for spec in apis("torch") if spec.family == "one_cycle")
        return one_cycle.api, {"max_lr": lr, "total_steps": length, "pct_start": warmup / length, "anneal_strategy": "cos", **extra}
    if name == "rex":
        return own["RexLR"], {"max_lr": lr, "min_lr": lr * low_ratio if low_ratio else 0, "total_steps": length, "num_warmup_steps": warmup}
    if name == "cosine" and values.get("lr_quadratic_warmup") is True:
        if low_ratio:
            run.warnings.append("lr_quadratic_warmup wins over cosine_min_lr_ratio in axolotl: the min-lr ratio is ignored")
        return own["get_cosine_schedule_with_quadratic_warmup"], {"num_warmup_steps": warmup, "num_training_steps": length}
    if name == "cosine" and low_ratio and constant_ratio:
        return own["get_cosine_schedule_with_warmup_decay_constant"], {"num_warmup_steps": warmup, "num_training_steps": length,
                                                                       "constant_lr_ratio": constant_ratio, "min_lr_ratio": low_ratio}
    if name == "cosine" and low_ratio:
        return own["get_cosine_schedule_with_min_lr"], {"num_warmup_steps": warmup, "num_training_steps": length, "min_lr_ratio": low_ratio}
    if low_ratio and name != "cosine":
        run.warnings.append(f"cosine_min_lr_ratio applies to lr_scheduler: cosine only; with {name} axolotl ignores it")
    return API, {"name": name, "num_warmup_steps": warmup, "num_training_steps": length, "scheduler_specific_kwargs": extra or None}
