"""Record the learning rate of every optimizer step of a REAL transformers.Trainer run for each
training config of the corpus in tests/configs/hf/ (see tests/configs/README.md).

    tests/reference/.venv/bin/python tests/configs/generate.py

Writes tests/configs/expected.json (sorted keys, entries in the order of sources.json).

For each config:
  1. load it verbatim (yaml.safe_load / json.load);
  2. translate keys that transformers 5 removed but the config uses and that carry the learning rate
     (only `warmup_ratio` -> `warmup_steps`, see TRANSLATIONS), recorded in the entry's "translated";
  3. replace the settings that cannot run on this CPU-only box or that would write files or talk to
     the network (OVERRIDES, plus `optim` when its optimizer cannot be built here); none of them takes
     part in the learning-rate schedule; recorded in the entry's "overrides" when they change a value;
  4. build the arguments the way the frameworks do:
     HfArgumentParser(TrainingArguments).parse_dict(config, allow_extra_keys=True)
     (recipe keys that are not TrainingArguments fields are ignored, listed in "ignored_keys");
  5. run Trainer.train() with a one-Linear-layer model on a dataset of `dataset_size` examples and a
     callback that reads param_groups[0]["lr"] in on_optimizer_step.

Why on_optimizer_step gives the LR the optimizer used (transformers 5.24.0, trainer.py, Trainer._run_epoch):
    L1942  self.control = self.callback_handler.on_pre_optimizer_step(self.args, self.state, self.control)
    L1943  self.optimizer.step()
    L1944  self.control = self.callback_handler.on_optimizer_step(self.args, self.state, self.control)
    L1947  learning_rate = self._get_learning_rate()      # what the Trainer itself logs as "learning_rate"
    L1952  self.lr_scheduler.step()                        # only after the callback
    L1956  self.state.global_step += 1
so the value read in on_optimizer_step is the one optimizer.step() has just used, and equals the
Trainer's own logged learning_rate for that step. Step counting: Trainer.set_initial_training_values
(L2495-2563): num_update_steps_per_epoch = max(len_dataloader // GA + int(len_dataloader % GA > 0), 1),
max_steps = ceil(num_train_epochs * num_update_steps_per_epoch) when max_steps <= 0; the last update step of
an epoch takes the remaining `len_dataloader % GA` micro-batches (L1870-1880). Warmup:
TrainingArguments.get_warmup_steps (training_args.py L2154): int(warmup_steps) if >= 1 else
ceil(num_training_steps * warmup_steps).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import math
import os
import platform
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_DISABLED", "true")
os.environ.setdefault("DISABLE_MLFLOW_INTEGRATION", "TRUE")

import accelerate  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import yaml  # noqa: E402
from transformers import HfArgumentParser, Trainer, TrainerCallback, TrainingArguments  # noqa: E402

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources.json"
OUT = HERE / "expected.json"

# Settings replaced in every config: hardware / precision / distribution / I/O / logging / hub.
# None of them enters Trainer.create_scheduler or the step counting (see README.md).
OVERRIDES = {
    "use_cpu": True,
    "bf16": False,
    "fp16": False,
    "tf32": False,
    "gradient_checkpointing": False,
    "deepspeed": None,
    "fsdp": "",
    "torch_compile": False,
    "use_liger_kernel": False,
    "report_to": "none",
    "save_strategy": "no",
    "eval_strategy": "no",
    "logging_strategy": "no",
    "push_to_hub": False,
    "load_best_model_at_end": False,
    "dataloader_num_workers": 0,
    "dataloader_persistent_workers": False,
    "dataloader_prefetch_factor": None,
    "resume_from_checkpoint": None,
}
# group_by_length only reorders the examples (LengthGroupedSampler needs input_ids); it is switched
# off only when a config turns it on.
OVERRIDE_IF_SET = {"group_by_length": False, "neftune_noise_alpha": None}
FALLBACK_OPTIM = "adamw_torch"

# Keys removed from TrainingArguments in transformers 5 that configs written for 4.x still use and
# that change the learning rate. v5: warmup_steps in [0, 1) is a ratio, ceil(total * ratio) steps.
TRANSLATIONS = {"warmup_ratio": "warmup_steps"}

# Step budget: epoch-based configs get about this many optimizer steps in total.
TARGET_TOTAL_STEPS = 150
MIN_UPDATES_PER_EPOCH = 4


class TinyModel(torch.nn.Module):
    """One Linear layer; returns {"loss": ...} like a transformers model."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, input_ids=None, labels=None, x=None):
        pred = self.linear(x)
        return {"loss": torch.nn.functional.mse_loss(pred, labels)}


class TinyDataset(torch.utils.data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.tensor([float(i % 7) / 7.0]), "labels": torch.tensor([0.5])}


class LRRecorder(TrainerCallback):
    """param_groups[0]["lr"] right after optimizer.step(), before lr_scheduler.step()."""

    def __init__(self):
        self.lrs = []

    def on_optimizer_step(self, args, state, control, **kwargs):
        self.lrs.append(float(kwargs["optimizer"].param_groups[0]["lr"]))


def load_config(path: Path):
    with open(path, encoding="utf-8") as fh:
        if path.suffix == ".json":
            return json.load(fh)
        return yaml.safe_load(fh)


def clean_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", text)
    for p in sorted({str(HERE.parent.parent), tempfile.gettempdir(), sys.prefix, str(Path.home())}, key=len, reverse=True):
        text = text.replace(p, "…")
    text = re.sub(r"(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]*", "…", text)
    return text[:500]


def json_safe(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if hasattr(v, "value"):  # enums
        return v.value
    return str(v)


def choose_dataset_size(cfg: dict) -> int:
    """A size whose last batch is partial (per-device batch > 1) and whose last accumulation step is
    partial (GA > 1), so the Trainer's rounding shows in the curve; total steps kept small."""
    bs = int(cfg.get("per_device_train_batch_size", 8) or 8)
    ga = int(cfg.get("gradient_accumulation_steps", 1) or 1)
    max_steps = int(cfg.get("max_steps", -1) if cfg.get("max_steps") is not None else -1)
    if max_steps > 0:
        # several epochs inside max_steps: a few epoch boundaries with a partial accumulation step
        k = max(MIN_UPDATES_PER_EPOCH, max_steps // 3)
    else:
        epochs = float(cfg.get("num_train_epochs", 3.0) or 3.0)
        k = max(MIN_UPDATES_PER_EPOCH, round(TARGET_TOTAL_STEPS / epochs))
    n_batches = ga * k + (ga // 2 if ga > 1 else 0)
    return bs * (n_batches - 1) + (bs // 2 if bs > 1 else 1)


def optim_runs_here(args: TrainingArguments) -> bool:
    try:
        Trainer.get_optimizer_cls_and_kwargs(args, TinyModel())
        return True
    except Exception:  # noqa: BLE001 - ImportError (bitsandbytes, apex, ...), ValueError
        return False


def build_args(raw: dict, out_dir: str):
    """Returns (args, translated, overrides, ignored_keys)."""
    cfg = dict(raw)
    translated = {}
    fields = {f.name for f in dataclasses.fields(TrainingArguments)}
    for old, new in TRANSLATIONS.items():
        if old in cfg and old not in fields:
            if not cfg.get(new):  # warmup_steps absent or 0
                cfg[new] = cfg[old]
                translated[old] = new
    overrides = {}

    def put(key, value, always_record=False):
        # recorded when the config itself sets the key to another value (or for optim, always when
        # replaced); the values a config leaves at their defaults are documented once in the notes
        if key in cfg or always_record:
            before = cfg.get(key, FIELD_DEFAULTS.get(key))
            if json_safe(before) != json_safe(value):
                overrides[key] = {"from": json_safe(before), "to": json_safe(value)}
        cfg[key] = value

    for k, v in OVERRIDES.items():
        put(k, v)
    for k, v in OVERRIDE_IF_SET.items():
        if cfg.get(k):
            put(k, v)
    cfg["output_dir"] = out_dir
    parser = HfArgumentParser(TrainingArguments)
    (args,) = parser.parse_dict(cfg, allow_extra_keys=True)
    if not optim_runs_here(args):
        put("optim", FALLBACK_OPTIM, always_record=True)
        (args,) = parser.parse_dict(cfg, allow_extra_keys=True)
    ignored = sorted(k for k in raw if k not in fields and k not in translated)
    return args, translated, overrides, ignored


def _field_default(f):
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


FIELD_DEFAULTS = {f.name: _field_default(f) for f in dataclasses.fields(TrainingArguments)}


def schedule_replay(args: TrainingArguments, max_steps: int, steps: int) -> list:
    """Cross-check only: the same schedule from transformers.get_scheduler on a bare SGD optimizer,
    stepped `steps` times, reading the LR before each scheduler step (what Trainer.create_scheduler
    builds: get_scheduler(lr_scheduler_type, optimizer, get_warmup_steps(max_steps), max_steps,
    scheduler_specific_kwargs=lr_scheduler_kwargs))."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=args.learning_rate)
    sched = transformers.get_scheduler(
        args.lr_scheduler_type,
        optimizer=opt,
        num_warmup_steps=args.get_warmup_steps(max_steps),
        num_training_steps=max_steps,
        scheduler_specific_kwargs=args.lr_scheduler_kwargs,
    )
    out = []
    for _ in range(steps):
        out.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        sched.step()
    return out


def run_one(src: dict) -> dict:
    path = HERE / src["file"]
    raw = load_config(path)
    entry = {"id": src["id"]}
    with tempfile.TemporaryDirectory(prefix="lrcalc-hf-") as tmp:
        try:
            args, translated, overrides, ignored = build_args(raw, tmp)
        except Exception as exc:  # noqa: BLE001 - the framework refused the config
            return {"id": src["id"], "refused": {"stage": "parse", "type": type(exc).__name__, "error": clean_error(exc)}}
        n = choose_dataset_size(raw)
        recorder = LRRecorder()
        try:
            torch.manual_seed(0)
            trainer = Trainer(model=TinyModel(), args=args, train_dataset=TinyDataset(n), callbacks=[recorder])
            trainer.train()
        except Exception as exc:  # noqa: BLE001
            return {
                "id": src["id"],
                "dataset_size": n,
                "translated": translated,
                "overrides": overrides,
                "refused": {"stage": "train", "type": type(exc).__name__, "error": clean_error(exc)},
            }
        state = trainer.state
        len_dl = len(trainer.get_train_dataloader())
        ga = args.gradient_accumulation_steps
        upe = max(len_dl // ga + int(len_dl % ga > 0), 1)
        max_steps = state.max_steps
        entry.update(
            {
                "dataset_size": n,
                "devices": 1,
                "per_device_train_batch_size": args.per_device_train_batch_size,
                "gradient_accumulation_steps": ga,
                "dataloader_drop_last": args.dataloader_drop_last,
                "batches_per_epoch": len_dl,
                "num_update_steps_per_epoch": upe,
                "num_train_epochs": args.num_train_epochs,
                "config_max_steps": args.max_steps,
                "max_steps": max_steps,
                "num_warmup_steps": args.get_warmup_steps(max_steps),
                "warmup_steps": args.warmup_steps,
                "learning_rate": args.learning_rate,
                "lr_scheduler_type": json_safe(args.lr_scheduler_type),
                "lr_scheduler_kwargs": json_safe(args.lr_scheduler_kwargs or {}),
                "optim": json_safe(args.optim),
                "steps": len(recorder.lrs),
                "global_step": state.global_step,
                "final_epoch": state.epoch,
                "lrs": recorder.lrs,
                "translated": translated,
                "overrides": overrides,
                "ignored_keys": ignored,
            }
        )
        assert entry["steps"] == state.global_step, (entry["steps"], state.global_step)
        assert entry["lrs"] == schedule_replay(args, max_steps, entry["steps"]), src["id"]
    return entry


def main():
    t0 = time.time()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_default_handler()  # configs set log_level: info; keep the console quiet
    logging.getLogger("accelerate").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    sources = json.loads(SOURCES.read_text())
    entries = []
    for src in sources:
        t = time.time()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            e = run_one(src)
        entries.append(e)
        what = f"refused {e['refused']['type']}" if "refused" in e else f"{e['steps']} steps"
        print(f"{src['id']:40s} {what:>20s}  {time.time() - t:6.1f}s", file=sys.stderr)
    doc = {
        "generated_by": "tests/configs/generate.py",
        "libraries": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "accelerate": accelerate.__version__,
        },
        "notes": [
            "One entry per corpus config (sources.json order). lrs[i] is param_groups[0]['lr'] read in "
            "TrainerCallback.on_optimizer_step of a real transformers.Trainer.train() run, i.e. after "
            "optimizer.step() and before lr_scheduler.step(): the LR used by optimizer step i (0-based) and "
            "the value the Trainer logs as learning_rate for global_step i+1.",
            "Arguments: HfArgumentParser(TrainingArguments).parse_dict(config, allow_extra_keys=True); keys "
            "that are not TrainingArguments fields are ignored by that call (listed in ignored_keys).",
            "translated: warmup_ratio (removed in transformers 5) was passed as warmup_steps (a value in [0,1) "
            "is a ratio, ceil(max_steps * ratio) warmup steps), only when warmup_steps was absent or 0.",
            "overrides: CPU/precision/distribution/I-O/hub settings replaced so the run works here; none enters "
            "the LR schedule or the step count. output_dir is always a temporary directory (not listed). "
            "optim is replaced by adamw_torch only when the config's optimizer cannot be built here "
            "(bitsandbytes/paged optimizers); the schedule is a LambdaLR on top of any optimizer.",
            "devices is 1 (world size 1). dataset_size is chosen per config so the last batch and the last "
            "gradient-accumulation step of an epoch are partial; batches_per_epoch = len(train dataloader).",
            "num_update_steps_per_epoch = ceil(batches_per_epoch / GA); max_steps = config max_steps if > 0, "
            "else ceil(num_train_epochs * num_update_steps_per_epoch); num_warmup_steps = "
            "args.get_warmup_steps(max_steps). steps == len(lrs) == trainer.state.global_step.",
            "num_warmup_steps is recorded for every type, but lr_scheduler_type 'constant' ignores it (get_scheduler "
            "builds get_constant_schedule without warmup), so warmup_ratio in a 'constant' config has no effect.",
            "cross-checked at generation time: lrs equals transformers.get_scheduler(lr_scheduler_type, "
            "num_warmup_steps, max_steps, lr_scheduler_kwargs) stepped the same number of times, and "
            "steps == trainer.state.global_step.",
            "refused: the framework raised while parsing or training; stage, exception type and first line.",
        ],
        "entries": entries,
    }
    # header keys first (generated_by, libraries, notes, entries); every dict inside sorted by key
    OUT.write_text(json.dumps({k: json.loads(json.dumps(v, sort_keys=True)) for k, v in doc.items()}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(HERE.parent.parent)}: {len(entries)} entries in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
