"""Training configs from public repositories, against the real Hugging Face Trainer running them.

tests/configs/hf/ holds the configs verbatim (sources.json: repository, path, commit);
tests/configs/expected.json is the learning rate of every optimizer step of a real
``transformers.Trainer.train()`` run of each (written by tests/configs/generate.py, never
edited by hand), with the data-set size it ran on. lrcalc, given the same config file and the
same data-set size, must count the same run and give the same learning rate at every step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrcalc.configs import from_config

HERE = Path(__file__).resolve().parents[1] / "configs"
SOURCES = {s["id"]: s for s in json.loads((HERE / "sources.json").read_text(encoding="utf-8"))}
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
ENTRIES = EXPECTED["entries"]


def run_of(entry):
    path = HERE / SOURCES[entry["id"]]["file"]
    return from_config(path.read_text(encoding="utf-8"), path.name, dataset_size=entry["dataset_size"], devices=entry["devices"])


@pytest.mark.parametrize("entry", [e for e in ENTRIES if "lrs" in e], ids=lambda e: e["id"])
def test_every_optimizer_step_matches_the_trainer(entry):
    run = run_of(entry)
    assert run.total_steps == entry["steps"] == len(entry["lrs"])
    if entry["config_max_steps"] <= 0:
        assert run.steps_per_epoch == entry["num_update_steps_per_epoch"]
    assert run.kwargs["num_warmup_steps"] == entry["num_warmup_steps"]
    assert set(entry["ignored_keys"]) <= set(run.ignored)  # what the Trainer's parser drops, lrcalc lists as ignored
    peak = max(entry["lrs"]) or 1.0
    for step, (mine, theirs) in enumerate(zip(run.curve(), entry["lrs"], strict=True)):
        assert abs(mine - theirs) <= 1e-9 * peak, f"step {step}: lrcalc {mine!r}, Trainer {theirs!r}"


def test_the_corpus_is_real_and_varied():
    """At least 30 configs from at least 5 repositories, several schedule types, partial last steps exercised."""
    assert len(ENTRIES) >= 30 and all("lrs" in e for e in ENTRIES)  # the Trainer ran every one
    assert len({SOURCES[e["id"]]["repo"] for e in ENTRIES}) >= 5
    assert len({e["lr_scheduler_type"] for e in ENTRIES if "lrs" in e}) >= 4
    assert any(e["batches_per_epoch"] % e["gradient_accumulation_steps"] for e in ENTRIES if "lrs" in e)
    assert {"transformers", "accelerate", "torch"} <= set(EXPECTED["libraries"])
    for source in SOURCES.values():
        assert len(source["commit"]) == 40 and (HERE / source["file"]).is_file()


TORCHTUNE = HERE / "torchtune"
TT_EXPECTED = json.loads((TORCHTUNE / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", TT_EXPECTED["entries"], ids=lambda e: e["id"])
def test_torchtune_recipes_match_the_recipe_loop(entry):
    """Verbatim torchtune recipes, against torchtune's own single-device recipes run on CPU (tests/configs/torchtune)."""
    path = TORCHTUNE / entry["config"]
    if not entry["lrs"]:  # too few examples for one optimizer step: the recipe trains nothing, lrcalc says so
        with pytest.raises(ValueError, match="no optimizer step"):
            from_config(path.read_text(encoding="utf-8"), path.name, dataset_size=entry["dataset_size"])
        return
    run = from_config(path.read_text(encoding="utf-8"), path.name, dataset_size=entry["dataset_size"])
    assert (run.steps_per_epoch, run.total_steps) == (entry["steps_per_epoch"], entry["num_training_steps"]) and run.lr == entry["lr"]
    peak = max(entry["lrs"])
    for step, (mine, theirs) in enumerate(zip(run.curve(), entry["lrs"], strict=True)):
        assert abs(mine - theirs) <= 1e-9 * peak, f"step {step}: lrcalc {mine!r}, torchtune {theirs!r}"


def test_the_torchtune_corpus_is_real():
    sources = json.loads((TORCHTUNE / "sources.json").read_text(encoding="utf-8"))
    assert len(sources) >= 10 and len({s["repo"] for s in sources}) >= 3
    assert {"torchtune", "torch"} <= set(TT_EXPECTED["libraries"])
    for source in sources:
        assert len(source["commit"]) == 40 and (TORCHTUNE / source["file"]).is_file()


DEEPSPEED = HERE / "deepspeed"
DS_EXPECTED = json.loads((DEEPSPEED / "expected.json").read_text(encoding="utf-8"))
DS_SOURCES = {s["id"]: s for s in json.loads((DEEPSPEED / "sources.json").read_text(encoding="utf-8"))}
DS_FILES = [e for e in DS_EXPECTED["entries"] if DS_SOURCES[e["id"]].get("kind", "json") == "json"]


def _filled(config: dict, values: dict) -> dict:
    """The config with the Trainer's "auto" values written in (``scheduler.params.warmup_max_lr`` -> value)."""
    config = json.loads(json.dumps(config))
    for dotted, value in values.items():
        *path, last = dotted.split(".")
        node = config
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return config


@pytest.mark.parametrize("entry", DS_FILES, ids=lambda e: e["id"])
def test_deepspeed_configs_match_the_engine(entry):
    """Verbatim DeepSpeed configs, against the real engine stepped on CPU (tests/configs/deepspeed); "auto" ones are
    refused, saying what fills each value, and give the engine's curve once those values are written in."""
    path = DEEPSPEED / DS_SOURCES[entry["id"]]["file"]
    text = path.read_text(encoding="utf-8")
    if entry["auto_filled"]:
        with pytest.raises(ValueError, match="leaves values to the Hugging Face Trainer"):
            from_config(text, path.name, steps_per_epoch=entry["steps"])
        text = json.dumps(_filled(json.loads(text), entry["auto_filled"]))
    run = from_config(text, path.name, steps_per_epoch=entry["steps"])
    assert run.total_steps == entry["steps"] and run.api.endswith(entry["scheduler_type"])
    peak = max(entry["lrs"])
    for step, (mine, theirs) in enumerate(zip(run.curve(), entry["lrs"], strict=True)):
        assert abs(mine - theirs) <= 1e-9 * peak, f"step {step}: lrcalc {mine!r}, DeepSpeed {theirs!r}"


LIGHTNING = HERE / "lightning"
PL_EXPECTED = json.loads((LIGHTNING / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", PL_EXPECTED["entries"], ids=lambda e: e["id"])
def test_lightning_cli_configs_match_the_trainer(entry):
    """Verbatim LightningCLI configs, against the real LightningCLI and Trainer on CPU (tests/configs/lightning):
    the scheduler steps once per epoch; plateau schedulers follow a metric and are refused."""
    path = LIGHTNING / entry["file"]
    text = path.read_text(encoding="utf-8")
    if entry["reduce_on_plateau"]:
        with pytest.raises(ValueError, match="follows a monitored metric"):
            from_config(text, path.name, steps_per_epoch=entry["steps_per_epoch"])
        return
    run = from_config(text, path.name, steps_per_epoch=entry["steps_per_epoch"])
    assert run.epoch_stepped and run.steps_per_epoch == entry["steps_per_epoch"]
    if not entry["trainer_override"]:  # the generator shortened one run (max_steps 160,000 -> 60): the curve's start is compared
        assert run.total_steps == entry["num_optimizer_steps"]
    schedule = run.schedule()
    peak = max(entry["lrs"])
    for step, theirs in enumerate(entry["lrs"]):
        assert abs(schedule(step) - theirs) <= 1e-9 * peak, f"step {step}: lrcalc {schedule(step)!r}, Lightning {theirs!r}"


def test_lightning_counts_steps_per_epoch_as_the_trainer():
    """From the data set: ceil(examples / batch_size) batches, ceil(batches / accumulate_grad_batches) steps."""
    entry = next(e for e in PL_EXPECTED["entries"] if e["accumulate_grad_batches"] == 2)
    text = (LIGHTNING / entry["file"]).read_text(encoding="utf-8")
    config = __import__("yaml").safe_load(text)
    config.setdefault("data", {}).setdefault("init_args", {})["batch_size"] = entry["batch_size"]
    from lrcalc.configs import plan

    assert plan(config, dataset_size=entry["dataset_size"]).steps_per_epoch == entry["steps_per_epoch"]


MMENGINE = HERE / "mmengine"
MM_EXPECTED = json.loads((MMENGINE / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", MM_EXPECTED["entries"], ids=lambda e: e["id"])
def test_openmmlab_configs_match_the_runner(entry):
    """Verbatim OpenMMLab config files (variables, arithmetic, single dicts, convert_to_iter_based, overlapping
    windows), against the real mmengine Runner on CPU (tests/configs/mmengine): every iteration."""
    path = MMENGINE / "configs" / entry["config"]
    run = from_config(path.read_text(encoding="utf-8"), path.name, steps_per_epoch=entry["iters_per_epoch"])
    assert run.total_steps == entry["n_iters"] == len(entry["lrs"])
    assert run.lr == (entry["lr"] if entry["lr"] is not None else entry["initial_lr_in_optimizer"])
    assert run.steps_per_epoch == (entry["iters_per_epoch"] if entry["loop"] == "EpochBasedTrainLoop" else None)
    peak = max(entry["lrs"])
    for step, (mine, theirs) in enumerate(zip(run.curve(), entry["lrs"], strict=True)):
        assert abs(mine - theirs) <= 1e-9 * peak, f"iteration {step}: lrcalc {mine!r}, mmengine {theirs!r}"


def test_the_openmmlab_corpus_is_real_and_varied():
    """25 configs from 8 repositories; both loops; chained windows that overlap; schedulers of other parameters."""
    sources = json.loads((MMENGINE / "sources.json").read_text(encoding="utf-8"))
    assert len(sources) >= 20 and len({s["repo"] for s in sources}) >= 6
    assert {e["loop"] for e in MM_EXPECTED["entries"]} == {"EpochBasedTrainLoop", "IterBasedTrainLoop"}
    kinds = {s["type"] for e in MM_EXPECTED["entries"] for s in e["param_scheduler"]}
    assert {"LinearLR", "CosineAnnealingLR", "MultiStepLR", "PolyLR", "OneCycleLR", "CosineAnnealingMomentum"} <= kinds
    assert any(s.get("convert_to_iter_based") for e in MM_EXPECTED["entries"] for s in e["param_scheduler"])
    assert {"mmengine", "torch"} <= set(MM_EXPECTED["libraries"])
    for source in sources:
        assert len(source["commit"]) == 40 and all((MMENGINE / f).is_file() for f in source["files"])


def test_openmmlab_counts_iterations_per_epoch_as_the_dataloader():
    """From the data set: ceil(examples / devices) per device (DefaultSampler round_up), ceil(that / batch_size)."""
    from lrcalc.configs import plan

    config = {"param_scheduler": [{"type": "MultiStepLR", "milestones": [8, 11]}], "train_cfg": {"by_epoch": True, "max_epochs": 12},
              "optim_wrapper": {"optimizer": {"type": "SGD", "lr": 0.02}}, "train_dataloader": {"batch_size": 2}}
    assert plan(config, dataset_size=118_287, devices=8).steps_per_epoch == 7393  # ceil(ceil(118287 / 8) / 2)
    assert plan(config, dataset_size=118_287).steps_per_epoch == 59_144


AXOLOTL = HERE / "axolotl"
AX_EXPECTED = json.loads((AXOLOTL / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", AX_EXPECTED["entries"], ids=lambda e: e["id"])
def test_axolotl_configs_match_its_pipeline(entry):
    """Verbatim axolotl configs, against axolotl's own load_cfg -> load_datasets -> trainer.train() on CPU
    (tests/configs/axolotl): its run count, its warmup rules and its own schedulers, every optimizer step."""
    path = AXOLOTL / entry["file"]
    text = path.read_text(encoding="utf-8")
    if not entry["lrs"]:  # axolotl's schema refuses it
        with pytest.raises(ValueError, match="warmup_steps must be a whole number"):
            from_config(text, path.name, dataset_size=entry["dataset_size"])
        return
    if entry["sample_packing_forced_false"]:  # packed runs count tokens: the steps axolotl counted are given instead
        epochs = entry["cfg_resolved"]["num_epochs"]
        run = from_config(text, path.name, steps_per_epoch=int(entry["axolotl_total_num_steps"] / epochs))
        assert any("sample_packing" in warning for warning in run.warnings)
    else:
        run = from_config(text, path.name, dataset_size=entry["dataset_size"])
    assert run.framework == "axolotl" and run.total_steps == entry["num_optimizer_steps"] == len(entry["lrs"])
    assert run.kwargs.get("num_warmup_steps", entry["num_warmup_steps_used"]) == entry["num_warmup_steps_used"]
    built = entry["scheduler"]["lr_lambda"]  # axolotl's own lambda (_get_cosine_schedule_with_min_lr_lambda) or Hugging Face's
    assert run.api.startswith("axolotl.") == built.startswith("axolotl.")
    assert not built.startswith("axolotl.") or built.rsplit(".", 1)[1].startswith("_" + run.api.rsplit(".", 1)[1])
    peak = max(entry["lrs"])
    for step, (mine, theirs) in enumerate(zip(run.curve(), entry["lrs"], strict=True)):
        assert abs(mine - theirs) <= 1e-9 * peak, f"step {step}: lrcalc {mine!r}, axolotl {theirs!r}"


def test_the_axolotl_corpus_is_real_and_varied():
    sources = json.loads((AXOLOTL / "sources.json").read_text(encoding="utf-8"))
    assert len(sources) >= 15 and len({s["repo"] for s in sources}) >= 3
    assert {"axolotl", "torch", "transformers"} <= set(AX_EXPECTED["libraries"])
    kinds = {e["scheduler"]["lr_lambda"].rsplit(".", 1)[1] for e in AX_EXPECTED["entries"] if e["lrs"]}
    assert len(kinds) >= 5  # HF cosine, linear, constant, constant with warmup, axolotl's min-lr and quadratic-warmup cosines
    for source in sources:
        assert len(source["commit"]) == 40 and (AXOLOTL / source["file"]).is_file()


COMPOSER = HERE / "composer"
CO_EXPECTED = json.loads((COMPOSER / "expected.json").read_text(encoding="utf-8"))


def composer_config(entry):
    """The verbatim config as the generator ran it: its recorded overrides (a larger batch, a shorter run) applied."""
    from lrcalc.configs import read_config

    path = COMPOSER / entry["file"]
    config = read_config(path.read_text(encoding="utf-8"), path.name)
    root = config.get("parameters", config)  # an MCLI run file nests the llm-foundry config
    for key, value in (entry.get("overrides") or {}).items():
        if key == "max_duration" and "trainer" in root:
            root["trainer"][key] = value
        elif key in ("global_train_batch_size", "max_duration"):
            root[key] = value
    return config


@pytest.mark.parametrize("entry", CO_EXPECTED["entries"], ids=lambda e: e["id"])
def test_composer_configs_match_the_trainer(entry):
    """Verbatim llm-foundry, examples, Hydra and YAHP configs, against the real composer Trainer.fit() on CPU
    (tests/configs/composer): times in ba, ep, sp, tok and dur, scale_schedule_ratio, the one-batch lag."""
    from lrcalc.configs import plan

    config = composer_config(entry)
    if "error" in entry:  # Composer refuses it when the Trainer is built
        with pytest.raises(ValueError, match="t_warmup and t_max must use the same units"):
            plan(config, steps_per_epoch=entry["batches_per_epoch"])
        return
    run = plan(config, steps_per_epoch=entry["batches_per_epoch"])
    assert run.total_steps == entry["n_steps"] == len(entry["lrs"]) and run.lr == entry["lr"]
    peak = max(entry["lrs"])
    for step, (mine, theirs) in enumerate(zip(run.curve(), entry["lrs"], strict=True)):
        assert abs(mine - theirs) <= 1e-9 * peak, f"batch {step}: lrcalc {mine!r}, Composer {theirs!r}"


def test_the_composer_corpus_is_real_and_varied():
    sources = json.loads((COMPOSER / "sources.json").read_text(encoding="utf-8"))
    assert len(sources) >= 20 and len({s["repo"] for s in sources}) >= 4
    assert {"mosaicml", "torch"} <= set(CO_EXPECTED["libraries"])
    durations = {e["max_duration_as_written"][-2:] for e in CO_EXPECTED["entries"]}
    assert {"ba", "ep", "sp", "ok"} <= durations  # batches, epochs, samples, tokens
    for source in sources:
        assert len(source["commit"]) == 40 and (COMPOSER / source["file"]).is_file()
