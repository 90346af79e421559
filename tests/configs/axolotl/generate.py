#!/usr/bin/env python
"""Record the LR of every optimizer step for real axolotl YAML configs.

For each config in sources.json this script (one fresh subprocess per config, so that
axolotl's process-wide state -- plugin manager, monkeypatches -- cannot leak between
configs):

1. loads the YAML file (kept verbatim under configs/) with ``yaml.safe_load`` -- the loader
   ``axolotl.cli.config.load_cfg`` itself uses (so e.g. ``learning_rate: 2e-5`` is the
   *string* "2e-5" until axolotl's pydantic schema converts it);
2. keeps from it only the keys that decide the LR schedule (SCHEDULE_KEYS: learning_rate,
   lr_scheduler, lr_scheduler_kwargs, lr_quadratic_warmup, cosine_min_lr_ratio,
   cosine_constant_lr_ratio, lr_div_factor, warmup_steps, warmup_ratio, num_epochs,
   max_steps, micro_batch_size, gradient_accumulation_steps, batch_size,
   dataloader_drop_last, jagged_restart_*), unchanged, including keys written as an
   explicit null;
3. replaces everything else (model, adapters, quantization, datasets, precision, plugins,
   deepspeed/fsdp, loggers, ...) by TEST_BASE: a tiny LlamaForCausalLM + word-level tokenizer
   saved to a temp dir (no hub access) and a local JSONL "completion" dataset of
   ``dataset_size`` rows; ``sample_packing`` is forced to false (recorded);
4. runs axolotl's REAL pipeline on that derived config, exactly as ``axolotl train`` does:
   ``axolotl.cli.config.load_cfg`` (schema validation + normalize_config) ->
   ``axolotl.common.datasets.load_datasets`` (tokenization, ``calculate_total_num_steps``,
   the ``min(..., max_steps)`` rule) -> ``axolotl.train.setup_model_and_trainer``
   (ModelLoader, ``HFCausalTrainerBuilder.build(total_num_steps)``, AxolotlTrainer with its
   ``SchedulerMixin.create_scheduler``) -> ``trainer.train()`` on CPU;
5. records ``optimizer.param_groups[0]["lr"]`` in ``TrainerCallback.on_pre_optimizer_step``,
   which transformers calls right before ``optimizer.step()`` once per optimizer step (after
   gradient accumulation) -- ``lrs[i]`` is the LR optimizer step ``i`` uses.

Run with the venv made by setup_venv.sh:  .venv/bin/python generate.py
It writes expected.json next to this file (deterministic: no timings, no paths).
``generate.py <id> ...`` only prints a summary of those entries.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

OFFLINE_ENV = {
    "AXOLOTL_DO_NOT_TRACK": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "WANDB_MODE": "disabled",
    "WANDB_DISABLED": "true",
    "TOKENIZERS_PARALLELISM": "false",
    "CUDA_VISIBLE_DEVICES": "",
    "PYTHONHASHSEED": "0",
}

# Keys taken from the config unchanged (if present in the file, even as null).
SCHEDULE_KEYS = (
    "learning_rate",
    "lr_scheduler",
    "lr_scheduler_kwargs",
    "lr_quadratic_warmup",
    "cosine_min_lr_ratio",
    "cosine_constant_lr_ratio",
    "lr_div_factor",
    "warmup_steps",
    "warmup_ratio",
    "num_epochs",
    "max_steps",
    "micro_batch_size",
    "gradient_accumulation_steps",
    "batch_size",
    "dataloader_drop_last",
    "jagged_restart_steps",
    "jagged_restart_warmup_steps",
    "jagged_restart_anneal_steps",
)

# Keys recorded as written (not used, or overridden).
RECORD_ONLY_KEYS = ("sample_packing", "optimizer", "reward_model", "rl", "adapter", "deepspeed", "fsdp_version")

SEQUENCE_LEN = 64
WORDS_PER_ROW = 8

# Per-config run settings. dataset_size: rows of the local JSONL dataset (all kept: every
# row tokenizes to 9 tokens < sequence_len, val_set_size 0). override: schedule keys changed
# from the file (none so far).
RUNS = {
    "axo_llama3_instruct_lora_8b_cosine": {"dataset_size": 30},
    "axo_phi35_lora_cosine": {"dataset_size": 40},
    "axo_mamba_cosine": {"dataset_size": 50},
    "axo_qwen3_reward_model_linear": {"dataset_size": 40},
    "axo_llama3_3b_qat_fsdp2_cosine_min_lr_ratio": {"dataset_size": 200},
    "axo_llama3_3b_qat_mxfp4_cosine_min_lr_ratio": {"dataset_size": 80},
    "axo_cerebras_btlm_quadratic_warmup": {"dataset_size": 30},
    "axo_llama2_gptq_lora_quadratic_warmup": {"dataset_size": 10},
    "axo_replit3b_lora_null_scheduler": {"dataset_size": 10},
    "axo_gemma4_e2b_vision_max_steps": {"dataset_size": 24},
    "axo_eaft_max_steps": {"dataset_size": 40},
    "axo_qwen2_adamw_pretrain_max_steps": {"dataset_size": 64},
    "axo_deepseek_v4_constant": {"dataset_size": 20},
    "axo_gpt_oss_20b_lora_constant_with_warmup": {"dataset_size": 100},
    "axo_qwen3_ep_lora_warmup_steps_fraction": {"dataset_size": 20},
    "modal_mistral_cosine": {"dataset_size": 100},
    "modal_codellama_cosine": {"dataset_size": 320},
    "parlance_hc_mistral_cosine": {"dataset_size": 448},
}


def test_base(tmp: Path) -> dict:
    """Everything that is not a schedule key (see module docstring)."""
    return {
        "base_model": str(tmp / "tiny"),
        "model_type": "LlamaForCausalLM",
        "tokenizer_type": "AutoTokenizer",
        "datasets": [{"path": str(tmp / "data.jsonl"), "ds_type": "json", "type": "completion"}],
        "val_set_size": 0,
        "dataset_prepared_path": str(tmp / "prepared"),
        "output_dir": str(tmp / "out"),
        "sequence_len": SEQUENCE_LEN,
        "sample_packing": False,
        "eval_sample_packing": False,
        "pad_to_sequence_len": False,
        "optimizer": "adamw_torch",
        "weight_decay": 0.0,
        "bf16": False,
        "fp16": False,
        "tf32": False,
        "flash_attention": False,
        "gradient_checkpointing": False,
        "save_strategy": "no",
        "logging_steps": 1,
        "dataset_num_proc": 1,
        "dataloader_num_workers": 0,
        "seed": 42,
        "strict": False,
    }


# ---------------------------------------------------------------------------------------
# worker: one config, in its own process
# ---------------------------------------------------------------------------------------


def make_tiny_model_and_data(tmp: Path, dataset_size: int) -> None:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    mdir = tmp / "tiny"
    mdir.mkdir()
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "<pad>": 3}
    for i in range(60):
        vocab[f"w{i}"] = len(vocab)
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(
        tokenizer_object=tk, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>"
    ).save_pretrained(mdir)
    torch.manual_seed(0)
    LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(vocab),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=SEQUENCE_LEN,
            bos_token_id=1,
            eos_token_id=2,
            pad_token_id=3,
        )
    ).save_pretrained(mdir)
    with open(tmp / "data.jsonl", "w", encoding="utf-8") as f:
        for i in range(dataset_size):
            text = " ".join(f"w{(i + j) % 60}" for j in range(WORDS_PER_ROW))
            f.write(json.dumps({"text": text}) + "\n")


def jsonable(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if hasattr(v, "value"):  # enums (SchedulerType)
        return jsonable(v.value)
    return str(v)


def scheduler_info(sched) -> dict:
    info = {"class": f"{type(sched).__module__}.{type(sched).__qualname__}"}
    lambdas = getattr(sched, "lr_lambdas", None)
    if lambdas:
        fn = lambdas[0]
        func = getattr(fn, "func", fn)
        info["lr_lambda"] = f"{func.__module__}.{func.__qualname__}"
        if getattr(fn, "keywords", None):
            info["lr_lambda_kwargs"] = jsonable(fn.keywords)
    return info


def worker(src_id: str, out_path: str) -> None:
    import yaml

    src = {s["id"]: s for s in json.loads((HERE / "sources.json").read_text())}[src_id]
    run = RUNS[src_id]
    raw = yaml.safe_load((HERE / src["file"]).read_text(encoding="utf-8"))
    kept = {k: raw[k] for k in SCHEDULE_KEYS if k in raw}
    kept.update(run.get("override", {}))
    recorded = {k: raw[k] for k in RECORD_ONLY_KEYS if k in raw}

    entry: dict = {
        "id": src_id,
        "file": src["file"],
        "devices": 1,
        "dataset_size": run["dataset_size"],
        "config_schedule_keys": jsonable(kept),
        "config_schedule_key_types": {k: type(v).__name__ for k, v in kept.items()},
        "config_other_keys": jsonable(recorded),
        "override": run.get("override", {}),
        "sample_packing_forced_false": bool(raw.get("sample_packing")),
    }

    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        make_tiny_model_and_data(tmp, run["dataset_size"])
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            import torch
            from transformers import TrainerCallback

            from axolotl.cli.args import TrainerCliArgs
            from axolotl.cli.config import load_cfg
            from axolotl.common.datasets import load_datasets
            from axolotl.train import setup_model_and_trainer
            from axolotl.utils.dict import DictDefault

            torch.manual_seed(0)
            derived = {**test_base(tmp), **kept}
            try:
                cfg = load_cfg(DictDefault(derived))
            except Exception as exc:  # a config axolotl's schema rejects: record why
                msg = str(exc).splitlines()
                entry["error"] = {"stage": "axolotl.cli.config.load_cfg (validate_config)",
                                  "type": type(exc).__name__,
                                  "message": [m for m in msg if m.strip()][:6]}
                entry["lrs"] = []
                Path(out_path).write_text(json.dumps(entry))
                return

            meta = load_datasets(cfg=cfg, cli_args=TrainerCliArgs())
            trainer, _model, _tok, _peft, _proc = setup_model_and_trainer(cfg, meta)

            class LRRecorder(TrainerCallback):
                def __init__(self):
                    self.lrs: list[float] = []

                def on_pre_optimizer_step(self, args, state, control, **kwargs):
                    self.lrs.append(float(trainer.optimizer.param_groups[0]["lr"]))

            rec = LRRecorder()
            trainer.add_callback(rec)
            trainer.train()
        finally:
            os.chdir(cwd)

        a = trainer.args
        n_train = len(meta.train_dataset)
        batches = math.ceil(n_train / a.per_device_train_batch_size)
        hf_steps_per_epoch = max(batches // a.gradient_accumulation_steps + int(batches % a.gradient_accumulation_steps > 0), 1)
        entry.update(
            {
                "train_rows_after_axolotl_prep": n_train,
                "cfg_resolved": {
                    "micro_batch_size": cfg.micro_batch_size,
                    "gradient_accumulation_steps": cfg.gradient_accumulation_steps,
                    "batch_size": cfg.batch_size,
                    "world_size": cfg.world_size,
                    "num_epochs": cfg.num_epochs,
                    "max_steps": cfg.max_steps,
                    "learning_rate": cfg.learning_rate,
                    "lr_scheduler": cfg.lr_scheduler,
                    "warmup_steps": cfg.warmup_steps,
                    "warmup_ratio": cfg.warmup_ratio,
                    "cosine_min_lr_ratio": cfg.cosine_min_lr_ratio,
                    "cosine_constant_lr_ratio": cfg.cosine_constant_lr_ratio,
                    "lr_quadratic_warmup": cfg.lr_quadratic_warmup,
                    "lr_scheduler_kwargs": jsonable(cfg.lr_scheduler_kwargs),
                },
                "axolotl_total_num_steps": meta.total_num_steps,
                "hf_batches_per_epoch": batches,
                "hf_steps_per_epoch": hf_steps_per_epoch,
                "training_args": {
                    "learning_rate": a.learning_rate,
                    "lr_scheduler_type": jsonable(a.lr_scheduler_type),
                    "alternate_lr_scheduler_type": getattr(a, "alternate_lr_scheduler_type", None),
                    "lr_scheduler_kwargs": jsonable(a.lr_scheduler_kwargs),
                    "warmup_steps": a.warmup_steps,
                    "max_steps": a.max_steps,
                    "num_train_epochs": a.num_train_epochs,
                    "per_device_train_batch_size": a.per_device_train_batch_size,
                    "gradient_accumulation_steps": a.gradient_accumulation_steps,
                    "cosine_min_lr_ratio": getattr(a, "cosine_min_lr_ratio", None),
                    "cosine_constant_lr_ratio": getattr(a, "cosine_constant_lr_ratio", None),
                    "lr_quadratic_warmup": getattr(a, "lr_quadratic_warmup", None),
                    "dataloader_drop_last": a.dataloader_drop_last,
                },
                "trainer_class": f"{type(trainer).__module__}.{type(trainer).__qualname__}",
                "num_training_steps_for_scheduler": a.max_steps,
                "num_warmup_steps_used": a.get_warmup_steps(a.max_steps),
                "scheduler": scheduler_info(trainer.lr_scheduler),
                "global_step": trainer.state.global_step,
                "epochs_run": math.ceil(trainer.state.epoch) if trainer.state.epoch else 0,
                "num_optimizer_steps": len(rec.lrs),
                "lr_after_training": float(trainer.optimizer.param_groups[0]["lr"]),
                "lrs": rec.lrs,
            }
        )
        assert len(rec.lrs) == trainer.state.global_step, (src_id, len(rec.lrs), trainer.state.global_step)
    Path(out_path).write_text(json.dumps(jsonable(entry)))


# ---------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------


def run_worker(src_id: str) -> dict:
    with tempfile.TemporaryDirectory() as tmpd:
        out = Path(tmpd) / "entry.json"
        env = {**os.environ, **OFFLINE_ENV}
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", src_id, str(out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0 or not out.exists():
            sys.stderr.write(proc.stdout[-6000:])
            raise SystemExit(f"worker for {src_id} failed (rc={proc.returncode})")
        return json.loads(out.read_text())


def versions() -> dict:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for name in ("torch", "axolotl", "transformers", "accelerate", "peft", "trl", "datasets", "pydantic", "PyYAML"):
        out[name] = version(name)
    import torch

    out["torch"] = torch.__version__
    return out


NOTES = [
    "lrs[i] is trainer.optimizer.param_groups[0]['lr'] read in TrainerCallback.on_pre_optimizer_step of optimizer "
    "step i (0-based): transformers calls it right before optimizer.step() (trainer.py 1793-1794) and steps the "
    "scheduler right after (1803), so it is the LR that optimizer step uses. len(lrs) == trainer.state.global_step.",
    "Each run is axolotl's real pipeline: axolotl.cli.config.load_cfg (pydantic validation, normalize_config) -> "
    "axolotl.common.datasets.load_datasets (tokenization, calculate_total_num_steps, min(total, max_steps)) -> "
    "axolotl.train.setup_model_and_trainer (ModelLoader, HFCausalTrainerBuilder.build(total_num_steps), "
    "AxolotlTrainer + SchedulerMixin.create_scheduler) -> trainer.train() on CPU, one subprocess per config.",
    "Only the schedule keys of each file (SCHEDULE_KEYS in generate.py) are used, unchanged; everything else "
    "(model, adapter, quantization, datasets, precision, plugins, deepspeed/fsdp, loggers) is replaced by a tiny "
    "local LlamaForCausalLM + word-level tokenizer and a local JSONL completion dataset of dataset_size rows "
    "(9 tokens each, all kept, val_set_size 0), optimizer adamw_torch, fp32, devices=1 (WORLD_SIZE unset).",
    "sample_packing is forced to false (sample_packing_forced_false records where the file had it true): with packing "
    "axolotl counts steps from packed bins (MultipackBatchSampler, or sample_packing_eff_est), which depends on real "
    "token lengths.",
    "axolotl_total_num_steps = ceil(rows * num_epochs / batch_size) with batch_size = micro_batch_size * "
    "gradient_accumulation_steps * world_size (no packing), then min(that, max_steps) if max_steps is set. The "
    "TrainingArguments get max_steps = cfg.max_steps or axolotl_total_num_steps, so the HF Trainer runs exactly that "
    "many optimizer steps and its scheduler is built for that many (HF's own per-epoch count, hf_steps_per_epoch = "
    "ceil(ceil(rows/micro_batch_size)/gradient_accumulation_steps), only decides epoch boundaries).",
    "Warmup: warmup_steps as written if set; else int(warmup_ratio * axolotl_total_num_steps) (floor; with max_steps "
    "this uses min(total, max_steps), not max_steps); else min(int(0.03 * total), 100); a result of exactly 1 becomes "
    "2. TrainingArguments.get_warmup_steps then uses int(warmup_steps) if >= 1 else ceil(max_steps * warmup_steps).",
]


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--worker":
        os.environ.update(OFFLINE_ENV)
        worker(sys.argv[2], sys.argv[3])
        return
    sources = json.loads((HERE / "sources.json").read_text())
    only = set(sys.argv[1:])
    entries = []
    for src in sources:
        if only and src["id"] not in only:
            continue
        e = run_worker(src["id"])
        print(f"{e['id']}: {e.get('num_optimizer_steps', 'ERROR')} steps", file=sys.stderr)
        entries.append(e)
    if only:
        for e in entries:
            lrs = e["lrs"]
            print(e["id"], json.dumps({k: e.get(k) for k in ("axolotl_total_num_steps", "hf_steps_per_epoch", "num_warmup_steps_used", "global_step", "epochs_run", "scheduler", "error")}))
            print("   lrs[:12]", lrs[:12], "... last", lrs[-3:])
        return
    out = {
        "generated_by": "tests/configs/axolotl/generate.py",
        "libraries": versions(),
        "notes": NOTES,
        "entries": entries,
    }
    (HERE / "expected.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
