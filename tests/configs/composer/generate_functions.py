#!/usr/bin/env python
"""Record the LR of every batch of a REAL ``composer.Trainer.fit()`` for hand-written scheduler cases.

Unlike generate.py (real YAML configs), each case here is a scheduler class of ``composer.optim`` with
keyword arguments given directly, run with a tiny model on CPU.  The machinery (TinyModel, LRRecorder
at ``Event.BEFORE_TRAIN_BATCH``, the in-memory DataLoader wrapped in a DataSpec) is generate.py's.

Run with the venv made by setup_venv.sh:  .venv/bin/python generate_functions.py
It writes functions.json next to this file (deterministic).  ``generate_functions.py <id> ...`` only
prints a summary of those cases.
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
import os
import platform
import sys
import tempfile
import warnings

import composer
import composer.optim
import torch
from composer import Trainer
from composer.core import DataSpec
from torch.utils.data import DataLoader, TensorDataset

from generate import HERE, LRRecorder, TinyModel

R = lambda md, bpe, spb, tpb=0, ssr=1.0: {  # noqa: E731
    "max_duration": md, "batches_per_epoch": bpe, "samples_per_batch": spb, "tokens_per_batch": tpb,
    "scale_schedule_ratio": ssr,
}
CW = "CosineAnnealingWithWarmupScheduler"
CASES = [
    ("cos-warmup-ba", CW, {"t_warmup": "10ba", "alpha_f": 0.1}, 1e-3, R("100ba", 25, 4)),
    ("cos-warmup-dur-ep", CW, {"t_warmup": "0.05dur", "t_max": "1dur"}, 0.1, R("8ep", 10, 4)),
    ("cos-warmup-ep-ssr", CW, {"t_warmup": "1ep", "alpha_f": 0.0}, 0.1, R("10ep", 6, 2, ssr=0.5)),
    ("cos-warmup-scale-warmup", CW, {"t_warmup": "1ep", "scale_warmup": True}, 0.1, R("10ep", 6, 2, ssr=0.5)),
    ("cos-warmup-tok", CW, {"t_warmup": "4096tok", "alpha_f": 0.1}, 6e-4, R("65536tok", 100, 4, 1024)),
    ("linear-warmup", "LinearWithWarmupScheduler", {"t_warmup": "0.06dur", "alpha_f": 0.02}, 5e-4, R("50ba", 20, 4)),
    ("linear-warmup-alpha-i", "LinearWithWarmupScheduler", {"t_warmup": "5ba", "alpha_i": 0.5, "alpha_f": 1.0}, 1e-3,
     R("40ba", 40, 1)),
    ("multistep-warmup", "MultiStepWithWarmupScheduler", {"t_warmup": "2ep", "milestones": ["5ep", "8ep"], "gamma": 0.1},
     0.1, R("10ep", 5, 2)),
    ("polynomial", "PolynomialScheduler", {"power": 0.9, "t_max": "1dur", "alpha_f": 0.0}, 0.01, R("30ep", 4, 2)),
    ("constant", "ConstantScheduler", {"alpha": 0.5, "t_max": "20ba"}, 1e-3, R("40ba", 10, 2)),
    ("constant-warmup", "ConstantWithWarmupScheduler", {"t_warmup": "10ba", "alpha": 0.8}, 1e-3, R("40ba", 10, 2)),
    ("poly-warmup", "PolynomialWithWarmupScheduler", {"t_warmup": "5ba", "power": 2.0, "alpha_f": 0.1}, 1e-3,
     R("60ba", 20, 2)),
    ("cosine", "CosineAnnealingScheduler", {"t_max": "1dur", "alpha_f": 0.05}, 0.1, R("6ep", 8, 2)),
    ("linear", "LinearScheduler", {"alpha_i": 1.0, "alpha_f": 0.1, "t_max": "30ba"}, 0.1, R("40ba", 10, 2)),
    ("multistep", "MultiStepScheduler", {"milestones": ["10ba", "25ba"], "gamma": 0.5}, 0.1, R("40ba", 10, 2)),
    ("step", "StepScheduler", {"step_size": "2ep", "gamma": 0.5}, 0.1, R("10ep", 4, 2)),
    ("exponential", "ExponentialScheduler", {"gamma": 0.9, "decay_period": "1ep"}, 0.1, R("12ep", 3, 2)),
    ("sp-duration", CW, {"t_warmup": "0.1dur"}, 1e-3, R("1000sp", 100, 16)),
]


def run_case(cid, cls_name, kwargs, lr, run) -> dict:
    cls = getattr(composer.optim, cls_name)
    inspect.signature(cls).bind(**kwargs)  # the argument names are the installed constructor's
    bpe, spb, tpb = run["batches_per_epoch"], run["samples_per_batch"], run["tokens_per_batch"]
    n = bpe * spb
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    ds = TensorDataset(torch.randn(n, 4, generator=g), torch.randn(n, 1, generator=g))
    loader = DataLoader(ds, sampler=[slice(i, i + spb) for i in range(0, n, spb)], batch_size=None, num_workers=0)
    data = DataSpec(loader, get_num_tokens_in_batch=(lambda b: tpb)) if tpb else DataSpec(loader)
    model = TinyModel()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    hook_lrs: list[float] = []
    opt.register_step_pre_hook(lambda o, a, k: hook_lrs.append(float(o.param_groups[0]["lr"])))
    rec = LRRecorder()
    case = {"id": cid, "api": f"composer.optim.{cls_name}", "lr": lr, "kwargs": kwargs, "run": run}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trainer = Trainer(
                    model=model, train_dataloader=data, optimizers=opt, schedulers=cls(**copy.deepcopy(kwargs)),
                    max_duration=run["max_duration"], scale_schedule_ratio=run["scale_schedule_ratio"],
                    device="cpu", device_train_microbatch_size=spb, callbacks=[rec], loggers=[],
                    progress_bar=False, log_to_console=False, seed=0, save_folder=None,
                )
                trainer.fit()
        except Exception as e:  # Composer rejects the case
            return {**case, "error": f"{type(e).__name__}: {e}"}
        finally:
            os.chdir(cwd)
    ts = trainer.state.timestamp
    assert rec.lrs == hook_lrs and rec.batches == list(range(len(rec.lrs))) and len(rec.lrs) == int(ts.batch), cid
    trainer.close()
    return {**case, "n_batches": len(rec.lrs), "lrs": rec.lrs}


NOTES = (
    "lrs[i] = optimizer.param_groups[0]['lr'] at Event.BEFORE_TRAIN_BATCH of batch i (0-based), asserted equal to "
    "the lr seen by a torch step pre-hook (the lr optimizer.step() uses); one value per batch; n_batches = "
    "state.timestamp.batch at the end. Composer steps the scheduler after each batch (step_schedulers_every_batch "
    "default) after optimizer.step() but before the timestamp advances, so lrs[0] = lr * f(t_0) and lrs[i] = lr * "
    "f(t_{i-1}) for i >= 1 (the one-batch lag; lrs[0] == lrs[1]), t_j = the timestamp at the start of batch j. Each case: "
    "getattr(composer.optim, api_class)(**kwargs), torch.optim.SGD(lr), a one-Linear ComposerModel, an in-memory "
    "DataLoader of batches_per_epoch batches of samples_per_batch samples (no shuffle), device_train_microbatch_size "
    "= samples_per_batch, run on CPU; tokens_per_batch > 0 is reported by DataSpec.get_num_tokens_in_batch, 0 means "
    "no token count is given (timestamp.token stays 0). max_duration and scale_schedule_ratio go to Trainer(...). "
    "A case with 'error' is one Composer raised for (message recorded, no lrs)."
)


def main() -> None:
    logging.disable(logging.WARNING)
    only = set(sys.argv[1:])
    cases = [run_case(*c) for c in CASES if not only or c[0] in only]
    for c in cases:
        print(c["id"], c.get("n_batches"), c.get("error", ""), (c.get("lrs") or [])[:6], file=sys.stderr)
    if only:
        return
    out = {
        "generated_by": "tests/configs/composer/generate_functions.py",
        "libraries": {"mosaicml": composer.__version__, "torch": torch.__version__, "python": platform.python_version()},
        "notes": NOTES,
        "cases": cases,
    }
    (HERE / "functions.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
