"""lrcalc.export: code for PyTorch, Keras, optax and transformers, checked against the real libraries.

tests/reference/exports.json is written by tests/reference/generate_exports.py, which executes
every snippet with the real library and records the curve it gives; it is never edited by hand.
Each snippet here must still be the recorded one (so changing the exporter means regenerating the
fixture), and each recorded curve must be lrcalc's own to within 1e-9 of its peak (1e-6 where Keras
computed in float32: keras.ops.cos, tanh and floor of a float64 tensor compute in float32).
"""

import json
from pathlib import Path

import pytest

from lrcalc import export, from_library
from lrcalc.libraries import apis

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
FIXTURE = json.loads((REFERENCE / "exports.json").read_text(encoding="utf-8"))
CASES = FIXTURE["cases"]
PAIRS = [(case, target) for case in CASES for target in export.TARGETS]
VERIFIED = [(case, target) for case, target in PAIRS if "code" in case["targets"][target]]


def pair_id(pair):
    """``<case id> -> <target>`` for test ids."""
    return f"{pair[0]['id']}->{pair[1]}"


def tolerance(values, dtype):
    """1e-9 of the peak, or 1e-6 where the library computed in float32."""
    peak = max((abs(v) for v in values), default=1.0) or 1.0
    return (1e-9 if dtype == "float64" else 1e-6) * peak


class TestRecordedSnippets:
    """The exporter still writes exactly what the real libraries ran."""

    @pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
    def test_code_is_the_recorded_snippet_or_reason(self, pair):
        """Same snippet text, or Unavailable with the same message."""
        case, target = pair
        recorded = case["targets"][target]
        if "code" in recorded:
            assert export.code(case["api"], case["lr"], case["kwargs"], target) == recorded["code"]
        else:
            with pytest.raises(export.Unavailable) as error:
                export.code(case["api"], case["lr"], case["kwargs"], target)
            assert str(error.value) == recorded["reason"]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
    def test_all_code_gives_every_target_with_its_reason(self, case):
        """all_code answers each target with the code and how it works, or no code and why."""
        answers = export.all_code(case["api"], case["lr"], case["kwargs"])
        for target, recorded in case["targets"].items():
            if "code" in recorded:
                assert answers[target] == {"code": recorded["code"], "reason": recorded["how"]}
            else:
                assert answers[target] == {"code": None, "reason": recorded["reason"]}


class TestRecordedCurves:
    """What the real library computed from each snippet is lrcalc's schedule."""

    @pytest.mark.parametrize("pair", VERIFIED, ids=pair_id)
    def test_library_curve_equals_lrcalcs(self, pair):
        """Every recorded step, within 1e-9 of the peak (1e-6 where Keras computed in float32)."""
        case, target = pair
        recorded = case["targets"][target]
        schedule = from_library(case["api"], lr=case["lr"], **case["kwargs"])
        assert len(recorded["values"]) == case["steps"]
        tol = tolerance(recorded["values"], recorded["dtype"])
        for step, value in enumerate(recorded["values"]):
            assert abs(schedule(step) - value) <= tol, f"step {step}: lrcalc {schedule(step)!r}, {target} {value!r}"

    def test_only_keras_computes_in_float32(self):
        """optax ran in float64 (x64); PyTorch and transformers in Python floats; only Keras' ops drop to float32."""
        reduced = {target for case, target in VERIFIED if case["targets"][target]["dtype"] != "float64"}
        assert reduced == {"keras"}


class TestCoverage:
    """The fixture covers every family, every library scheduler and every target."""

    def test_every_registered_scheduler_is_exported_and_run(self):
        """Each lrcalc family and each library scheduler has at least one recorded configuration."""
        assert {spec.api for spec in apis()} <= {case["api"] for case in CASES}

    def test_each_target_ran_at_least_forty_configurations(self):
        """Forty or more verified snippets per target, with the library versions recorded."""
        for target in export.TARGETS:
            assert sum(1 for _, t in VERIFIED if t == target) >= 40, target
        assert {"torch", "keras", "optax", "transformers", "jax"} <= set(FIXTURE["libraries"])

    def test_every_registered_scheduler_gets_an_answer_for_every_target(self):
        """Code that compiles, or a reason, for the families' defaults and a reference configuration of each scheduler."""
        reference = json.loads((REFERENCE / "curves.json").read_text(encoding="utf-8"))["curves"]
        configurations = {spec.api: (None, {}) for spec in apis("lrcalc")}
        for curve in reference:
            if curve["values"] and curve["api"] not in configurations:
                extra = {"metrics": curve["metrics"]} if "metrics" in curve else {}
                configurations[curve["api"]] = (curve["lr"], {**curve["kwargs"], **extra})
        for case in CASES:  # DeepSpeed's are recorded from its engine elsewhere (tests/configs/deepspeed/)
            configurations.setdefault(case["api"], (case["lr"], case["kwargs"]))
        assert set(configurations) == {spec.api for spec in apis()}
        for api, (lr, kwargs) in configurations.items():
            for target, answer in export.all_code(api, lr, kwargs).items():
                assert answer["reason"], (api, target)
                if answer["code"] is not None:
                    compile(answer["code"], f"<{api} -> {target}>", "exec")


class TestChoices:
    """Each target gets the library's own call, an exact built-in, the closed form, or a reason."""

    def test_same_library_call_is_written_as_given(self):
        """A PyTorch scheduler stays itself, with its arguments and the optimizer's lr."""
        text = export.code("torch.optim.lr_scheduler.StepLR", 0.1, {"step_size": 30, "gamma": 0.5}, "pytorch")
        assert "lr=0.1)" in text
        assert "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.5)" in text

    def test_cosine_that_holds_is_written_out_for_pytorch(self):
        """CosineAnnealingLR rises again after T_max, so a cosine that holds gets a LambdaLR."""
        text = export.code("lrcalc.cosine_decay", None, {"init_value": 0.1, "steps": 100}, "pytorch")
        assert "LambdaLR" in text and "CosineAnnealingLR" not in text

    def test_one_cycle_is_written_out_for_pytorch(self):
        """OneCycleLR raises after total_steps, where lrcalc's one_cycle holds: a LambdaLR instead."""
        text = export.code("lrcalc.one_cycle", None, {"max_value": 0.1, "total_steps": 100}, "pytorch")
        assert "LambdaLR" in text and "OneCycleLR" not in text

    def test_step_decay_is_keras_exponential_decay_with_staircase(self):
        """An exact built-in of another library is preferred to the closed form."""
        answer = export.all_code("lrcalc.step_decay", None, {"init_value": 0.1, "step_size": 30, "decay_factor": 0.5})["keras"]
        assert "schedule = keras.optimizers.schedules.ExponentialDecay(" in answer["code"]
        assert all(f"{argument}," in answer["code"] for argument in ("decay_steps=30", "decay_rate=0.5", "staircase=True"))
        assert "staircase=True" in answer["reason"]

    def test_replayed_pytorch_schedulers_cannot_go_to_keras_or_optax(self):
        """SequentialLR has no closed form: Keras and optax say so, PyTorch and transformers run it."""
        kwargs = {"schedulers": [{"api": "LinearLR", "start_factor": 0.1, "total_iters": 5}, {"api": "ExponentialLR", "gamma": 0.9}], "milestones": [5]}
        answers = export.all_code("torch.optim.lr_scheduler.SequentialLR", 0.1, kwargs)
        for target in ("keras", "optax"):
            assert answers[target]["code"] is None
            assert "replayed step by step" in answers[target]["reason"]
        assert "LinearLR(optimizer, start_factor=0.1, total_iters=5)" in answers["pytorch"]["code"]
        assert answers["transformers"]["code"] is not None

    def test_metric_driven_schedules_go_to_pytorch_only(self):
        """reduce_on_plateau becomes ReduceLROnPlateau; optax is told why it cannot follow a metric."""
        answers = export.all_code("lrcalc.reduce_on_plateau", None, {"init_value": 0.1, "patience": 2})
        assert "ReduceLROnPlateau(optimizer, patience=2)" in answers["pytorch"]["code"]
        assert "scheduler.step(metric)" in answers["pytorch"]["code"]
        with pytest.raises(export.Unavailable, match="no schedule driven by a metric"):
            export.code("lrcalc.reduce_on_plateau", None, {"init_value": 0.1}, "optax")

    def test_numbers_and_booleans_are_written_exactly(self):
        """repr for numbers (0.30000000000000004 stays itself), True/False for booleans."""
        text = export.code("optax.exponential_decay", None, {"init_value": 0.1 + 0.2, "transition_steps": 10, "decay_rate": 3e-4, "staircase": True}, "optax")
        assert "init_value=0.30000000000000004" in text and "decay_rate=0.0003" in text and "staircase=True" in text

    def test_snippets_define_what_the_loop_needs(self):
        """PyTorch code defines optimizer and scheduler; Keras and optax code defines schedule and optimizer."""
        for target, names in {"pytorch": ("optimizer = ", "scheduler = "), "keras": ("schedule = ", "optimizer = "),
                              "optax": ("def schedule(count)", "optimizer = "), "transformers": ("optimizer = ", "scheduler = ")}.items():
            text = export.code("lrcalc.tanh_decay", None, {}, target)
            assert all(name in text for name in names), target
            assert text.rstrip().splitlines()[-1].startswith("#")

    def test_unknown_target_is_a_value_error(self):
        """Only the four targets exist."""
        with pytest.raises(ValueError, match="target must be one of pytorch, keras, optax, transformers"):
            export.code("lrcalc.constant", None, {}, "jax")

    def test_bad_arguments_raise_lrcalcs_own_error_not_unavailable(self):
        """Arguments lrcalc rejects raise its ValueError before any code is written."""
        with pytest.raises(ValueError, match="decay_rate must be > 0") as error:
            export.code("lrcalc.exponential_decay", None, {"decay_rate": -1.0}, "keras")
        assert not isinstance(error.value, export.Unavailable)

