"""The batch-size helper: a learning rate tuned at one batch size, moved to another.

Two rules of thumb, each with its source and its limits:

- **Linear scaling** (Goyal et al. 2017, "Accurate, Large Minibatch SGD"):
  multiply the learning rate by ``k = B2 / B1``. It held for ResNet-50 on
  ImageNet with SGD and momentum up to a batch of 8,192, *with a gradual
  warmup* over the first 5 epochs; beyond that, and early in training, it
  breaks down.
- **Square-root scaling** (Hoffer et al. 2017, "Train longer, generalize
  better"): multiply by ``sqrt(k)``, which keeps the covariance of the update
  step unchanged for SGD; Malladi et al. (2022) derive it for adaptive
  optimizers such as Adam and RMSprop.

The article credits each rule to the same papers (a build test checks it).

When the new rate is much larger than the old (by 2× or more), the helper
suggests a linear warmup, as Goyal et al. used: 5 epochs, from the old rate to
the new one, given in optimizer steps when the dataset size is known.
"""

from __future__ import annotations

import math
from typing import Mapping

from . import fmt
from .forms import FieldError, read_number, read_whole

WARMUP_EPOCHS = 5
"""Goyal et al. (2017) warm up linearly over the first 5 epochs."""
WARMUP_FROM = 2.0
"""Suggest a warmup when the learning rate grows by at least this factor."""

FIELDS = (
    {"name": "lr", "label": "Tuned learning rate", "default": "0.1", "hint": "The learning rate that worked at the old batch size.", "inputmode": "text"},
    {"name": "from_batch", "label": "Tuned at batch size", "default": "256", "hint": "The batch size it was tuned at.", "inputmode": "numeric"},
    {"name": "to_batch", "label": "New batch size", "default": "1024", "hint": "The batch size you will train with.", "inputmode": "numeric"},
    {"name": "dataset_size", "label": "Dataset size (optional)", "default": "", "hint": "Training examples per epoch: gives the warmup in optimizer steps.", "inputmode": "numeric"},
)

RULES = (
    {
        "id": "linear",
        "label": "Linear rule",
        "formula": "LR × (new ÷ old)",
        "source": "Goyal et al. (2017), for SGD with momentum; with a 5-epoch warmup.",
        "limits": "Held up to a batch of 8,192 for ResNet-50 on ImageNet; at larger batches and early in training it overshoots.",
    },
    {
        "id": "sqrt",
        "label": "Square-root rule",
        "formula": "LR × √(new ÷ old)",
        "source": "Hoffer et al. (2017), for SGD; Malladi et al. (2022) for Adam and RMSprop.",
        "limits": "Often preferred with Adam; more conservative than linear when the batch grows.",
    },
)


def scale(lr: float, from_batch: int, to_batch: int, rule: str) -> float:
    """The learning rate for ``to_batch`` under a rule: ``"linear"`` or ``"sqrt"``.

    >>> scale(0.1, 256, 1024, "linear"), scale(0.1, 256, 1024, "sqrt")
    (0.4, 0.2)
    """
    ratio = to_batch / from_batch
    if rule == "linear":
        return lr * ratio
    if rule == "sqrt":
        return lr * math.sqrt(ratio)
    raise ValueError(f"rule must be 'linear' or 'sqrt' (got rule={rule!r})")


def helper(raw: Mapping[str, object]) -> dict:
    """The page's batch-size helper: both rules, their sources and limits, and warmup advice.

    >>> out = helper({"lr": "0.1", "from_batch": "256", "to_batch": "8192", "dataset_size": "1281167"})
    >>> [r["text"] for r in out["results"]], out["warmup"]
    (['3.2', '0.5657'], 'The linear rule raises the learning rate 32×. Goyal et al. (2017) warm up linearly from 0.1 to the new rate over the first 5 epochs: 785 optimizer steps at batch size 8,192.')
    """
    text = {field["name"]: str(raw.get(field["name"], "")).strip() for field in FIELDS}
    errors: dict[str, str] = {}
    values: dict[str, float | int | None] = {}
    readers = {
        "lr": lambda t: read_number("lr", "Tuned learning rate", t, "0.1"),
        "from_batch": lambda t: read_whole("from_batch", "Tuned at batch size", t, 1, 10**9),
        "to_batch": lambda t: read_whole("to_batch", "New batch size", t, 1, 10**9),
        "dataset_size": lambda t: read_whole("dataset_size", "Dataset size", t, 1, 10**13) if t else None,
    }
    for name, reader in readers.items():
        try:
            values[name] = reader(text[name])
        except FieldError as error:
            errors[name] = error.message
    if "lr" not in errors and values["lr"] <= 0:
        errors["lr"] = f"Tuned learning rate must be > 0 (got {text['lr']})."
    if errors:
        return {"ok": False, "errors": errors}
    lr, old, new = values["lr"], values["from_batch"], values["to_batch"]
    results = []
    for rule in RULES:
        value = scale(lr, old, new, rule["id"])
        results.append({**rule, "value": value, "text": fmt.lr(value)})
    factor = new / old
    warmup = ""
    if factor >= WARMUP_FROM:
        steps = ""
        if values["dataset_size"]:
            per_epoch = math.ceil(values["dataset_size"] / new)
            steps = f": {fmt.count(WARMUP_EPOCHS * per_epoch)} optimizer steps at batch size {fmt.count(new)}"
        warmup = (
            f"The linear rule raises the learning rate {fmt.lr(factor)}×. Goyal et al. (2017) warm up linearly from "
            f"{fmt.number(lr)} to the new rate over the first {WARMUP_EPOCHS} epochs{steps}."
        )
    elif factor < 1:
        warmup = "The batch shrinks, so both rules lower the learning rate; no warmup is needed for the change."
    return {"ok": True, "factor": factor, "results": results, "warmup": warmup}
