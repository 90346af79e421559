#!/usr/bin/env python
"""Record axolotl's own schedulers (axolotl.utils.schedulers) stepped as the Trainer steps them.

expected.json checks whole configs through axolotl's real training pipeline; this script checks each
of axolotl's scheduler constructors on its own, including those no public config in the corpus uses
(RexLR, the warmup-decay-constant cosine), with a plain PyTorch loop: read
``optimizer.param_groups[0]["lr"]`` (the lr step i uses), ``optimizer.step()``, ``scheduler.step()``.

    tests/configs/axolotl/.venv/bin/python tests/configs/axolotl/generate_functions.py

writes functions.json beside it (deterministic).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import axolotl
import torch
from axolotl.utils import schedulers

HERE = Path(__file__).resolve().parent
M = "axolotl.utils.schedulers."

CASES = [
    ("quadratic-warmup", "get_cosine_schedule_with_quadratic_warmup", 2e-4, {"num_warmup_steps": 10, "num_training_steps": 100}, 110),
    ("quadratic-warmup-cycles", "get_cosine_schedule_with_quadratic_warmup", 1e-3, {"num_warmup_steps": 5, "num_training_steps": 60, "num_cycles": 1.5}, 60),
    ("min-lr", "get_cosine_schedule_with_min_lr", 2e-5, {"num_warmup_steps": 3, "num_training_steps": 50, "min_lr_ratio": 0.1}, 60),
    ("min-lr-no-warmup", "get_cosine_schedule_with_min_lr", 1e-4, {"num_warmup_steps": 0, "num_training_steps": 40}, 40),
    ("decay-constant", "get_cosine_schedule_with_warmup_decay_constant", 3e-4,
     {"num_warmup_steps": 10, "num_training_steps": 100, "constant_lr_ratio": 0.8, "min_lr_ratio": 0.1}, 120),
    ("decay-constant-cycles", "get_cosine_schedule_with_warmup_decay_constant", 1e-3,
     {"num_warmup_steps": 0, "num_training_steps": 50, "constant_lr_ratio": 0.5, "min_lr_ratio": 0.2, "num_cycles": 1.0}, 50),
    ("rex", "RexLR", 1e-3, {"max_lr": 1e-3, "min_lr": 1e-5, "total_steps": 100, "num_warmup_steps": 10}, 110),
    ("rex-no-warmup", "RexLR", 5e-4, {"max_lr": 5e-4, "min_lr": 0.0, "total_steps": 40}, 40),
]


def record(name: str, lr: float, kwargs: dict, steps: int) -> list[float]:
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = getattr(schedulers, name)(optimizer, **kwargs)
    values = []
    for _ in range(steps):
        values.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    return values


def main() -> None:
    cases = [{"id": cid, "api": M + name, "lr": lr, "kwargs": kwargs, "lrs": record(name, lr, kwargs, steps)} for cid, name, lr, kwargs, steps in CASES]
    document = {
        "generated_by": "tests/configs/axolotl/generate_functions.py",
        "libraries": {"axolotl": axolotl.__version__, "torch": torch.__version__, "python": platform.python_version()},
        "notes": "lrs[i]: optimizer.param_groups[0]['lr'] before the i-th optimizer.step(); scheduler.step() after each.",
        "cases": cases,
    }
    (HERE / "functions.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote functions.json ({len(cases)} cases)")


if __name__ == "__main__":
    main()
