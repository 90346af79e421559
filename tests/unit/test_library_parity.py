"""from_library against curves recorded by running PyTorch, Keras, optax, transformers and timm.

The fixture tests/reference/curves.json is written by tests/reference/generate.py
with the real libraries (versions recorded in the file) and never edited by hand.
Each curve must match to within 1e-9 of its peak; curves the library computed
partly in float32 (Keras's and optax's cosine) to within 1e-6 of the peak.
"""

import json
import math
from pathlib import Path

import pytest

from lrcalc import from_library

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "reference" / "curves.json").read_text(encoding="utf-8"))
CURVES = FIXTURE["curves"]


def build(case):
    """The lrcalc schedule for a fixture case."""
    extra = {"metrics": case["metrics"]} if "metrics" in case else {}
    return from_library(case["api"], lr=case["lr"], **case["kwargs"], **extra)


def tolerance(case):
    """1e-9 of the peak, or 1e-6 where the library computed in float32."""
    peak = max((abs(v) for v in case["values"]), default=1.0) or 1.0
    return (1e-9 if case.get("dtype", "float64") == "float64" else 1e-6) * peak


@pytest.mark.parametrize("case", [c for c in CURVES if c["values"]], ids=lambda c: c["id"])
def test_curve_matches_the_library(case):
    """Every recorded step gives the library's value."""
    schedule = build(case)
    tol = tolerance(case)
    for step, expected in enumerate(case["values"]):
        assert abs(schedule(step) - expected) <= tol, f"step {step}: lrcalc {schedule(step)!r}, library {expected!r}"


@pytest.mark.parametrize("case", [c for c in CURVES if "raises_on_construct" in c], ids=lambda c: c["id"])
def test_rejects_what_the_library_rejects(case):
    """Arguments the library refuses raise ValueError, quoting the library's message where it has one."""
    with pytest.raises(ValueError) as error:
        build(case)
    expected = case["raises_on_construct"]["error"]
    if expected and case["raises_on_construct"]["type"] in ("ValueError", "ZeroDivisionError"):
        assert expected in str(error.value)


@pytest.mark.parametrize("case", [c for c in CURVES if "raises" in c], ids=lambda c: c["id"])
def test_raises_where_the_library_raises(case):
    """A step the library cannot compute (OneCycleLR past total_steps) raises ValueError."""
    schedule = build(case)
    with pytest.raises(ValueError):
        schedule(case["raises"]["step"])


@pytest.mark.parametrize("case", [c for c in CURVES if "nonfinite" in c], ids=lambda c: c["id"])
def test_non_finite_where_the_library_returns_non_finite(case):
    """Where the library returns NaN or infinity, lrcalc does too."""
    value = build(case)(case["nonfinite"]["step"])
    assert not math.isfinite(value)


def test_fixture_covers_every_library_and_enough_configurations():
    """At least 80 configurations, from all five libraries, with their versions recorded."""
    libraries = {c["library"] for c in CURVES}
    assert libraries == {"torch", "keras", "optax", "transformers", "timm"}
    assert len(CURVES) >= 80
    assert {"torch", "keras", "optax", "transformers", "timm"} <= set(FIXTURE["libraries"])


DEEPSPEED = json.loads((Path(__file__).resolve().parents[1] / "configs" / "deepspeed" / "expected.json").read_text(encoding="utf-8"))
"""DeepSpeed's schedulers, recorded by running its engine on CPU (its own venv: tests/configs/deepspeed/)."""


@pytest.mark.parametrize("entry", DEEPSPEED["entries"], ids=lambda e: e["id"])
def test_deepspeed_curve_matches_the_engine(entry):
    """Every optimizer step of a real DeepSpeed engine run, from the config's scheduler block (lr: the optimizer's)."""
    api = "deepspeed.runtime.lr_schedules." + entry["scheduler_type"]
    from lrcalc.libraries import lookup

    lr = (entry["optimizer_lr"] if entry["optimizer_lr"] is not None else 1e-3) if lookup(api).needs_lr else None  # 1e-3: the client AdamW's
    schedule = from_library(api, lr=lr, **entry["scheduler_params"])
    peak = max(entry["lrs"])
    for step, expected in enumerate(entry["lrs"]):
        assert abs(schedule(step) - expected) <= 1e-9 * peak, f"step {step}: lrcalc {schedule(step)!r}, DeepSpeed {expected!r}"


MMENGINE = json.loads((Path(__file__).resolve().parents[1] / "configs" / "mmengine" / "expected.json").read_text(encoding="utf-8"))
"""mmengine's Runner stepping real param_scheduler lists, recorded on CPU (its own venv: tests/configs/mmengine/)."""


@pytest.mark.parametrize("entry", MMENGINE["entries"], ids=lambda e: e["id"])
def test_mmengine_runner_matches_the_real_runner(entry):
    """Every iteration of a real Runner, from the list as the config resolved it and the loop's length."""
    length = {"max_epochs": entry["max_epochs"]} if entry["loop"] == "EpochBasedTrainLoop" else {"max_iters": entry["max_iters"]}
    lr = entry["lr"] if entry["lr"] is not None else entry["initial_lr_in_optimizer"]
    schedule = from_library("mmengine.runner.Runner", lr=lr, param_scheduler=entry["param_scheduler"], epoch_length=entry["iters_per_epoch"], **length)
    peak = max(entry["lrs"])
    for step, expected in enumerate(entry["lrs"]):
        assert abs(schedule(step) - expected) <= 1e-9 * peak, f"iteration {step}: lrcalc {schedule(step)!r}, mmengine {expected!r}"


AXOLOTL = json.loads((Path(__file__).resolve().parents[1] / "configs" / "axolotl" / "functions.json").read_text(encoding="utf-8"))
"""axolotl's own schedulers, each stepped by a plain PyTorch loop in axolotl's venv (tests/configs/axolotl/generate_functions.py)."""


@pytest.mark.parametrize("case", AXOLOTL["cases"], ids=lambda c: c["id"])
def test_axolotl_scheduler_matches_axolotl(case):
    schedule = from_library(case["api"], lr=case["lr"], **case["kwargs"])
    peak = max(case["lrs"])
    for step, expected in enumerate(case["lrs"]):
        assert abs(schedule(step) - expected) <= 1e-9 * peak, f"step {step}: lrcalc {schedule(step)!r}, axolotl {expected!r}"


COMPOSER = json.loads((Path(__file__).resolve().parents[1] / "configs" / "composer" / "functions.json").read_text(encoding="utf-8"))
"""Composer's schedulers, each run through a real composer Trainer.fit() on CPU (tests/configs/composer/generate_functions.py)."""


@pytest.mark.parametrize("case", COMPOSER["cases"], ids=lambda c: c["id"])
def test_composer_scheduler_matches_the_trainer(case):
    """Every batch, the one-batch lag included; the Trainer's run (max_duration, batches, samples, tokens, SSR) as given."""
    run = {key: (value if value else None) if key == "tokens_per_batch" else value for key, value in case["run"].items()}
    schedule = from_library(case["api"], lr=case["lr"], **case["kwargs"], **run)
    peak = max(case["lrs"])
    for step, expected in enumerate(case["lrs"]):
        assert abs(schedule(step) - expected) <= 1e-9 * peak, f"batch {step}: lrcalc {schedule(step)!r}, Composer {expected!r}"


def test_every_registered_scheduler_has_a_fixture():
    """Each library scheduler lrcalc offers is checked against at least one recorded curve."""
    from lrcalc.libraries import apis

    covered = {c["api"] for c in CURVES if c["values"]} | {"deepspeed.runtime.lr_schedules." + e["scheduler_type"] for e in DEEPSPEED["entries"]}
    covered |= {"mmengine.runner.Runner"} if MMENGINE["entries"] else set()
    covered |= {case["api"] for case in AXOLOTL["cases"] if case["lrs"]}
    covered |= {case["api"] for case in COMPOSER["cases"] if case["lrs"]}
    missing = [spec.api for spec in apis() if spec.library != "lrcalc" and spec.api not in covered]
    assert missing == []
