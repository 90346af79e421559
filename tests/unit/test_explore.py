"""The schedule explorer behind the page's Family, Library and Paste modes."""

import json
import math

import pytest

from lrcalc import from_library
from lrcalc.explore import explore
from lrcalc.page.catalog import catalog

ONE_CYCLE = {
    "mode": "library",
    "api": "torch.optim.lr_scheduler.OneCycleLR",
    "lr": "0.1",
    "args": {"max_lr": "0.1", "total_steps": "1000"},
    "training": {"epochs": "10", "steps_per_epoch": "100", "stepping": "step", "unit": "step", "current": "300"},
}


def summary(out):
    """Summary values by id."""
    return {item["id"]: item["value"] for item in out["summary"]}


class TestLibraryMode:
    """A library's scheduler with its own argument names and defaults."""

    def test_summary_numbers_are_exact(self):
        """Peak (and where), final, mean and current against the schedule itself."""
        out = explore(ONE_CYCLE)
        assert out["ok"], out
        curve = [from_library("torch.optim.lr_scheduler.OneCycleLR", lr=0.1, max_lr=0.1, total_steps=1000)(i) for i in range(1000)]
        values = summary(out)
        assert values["peak"] == max(curve)
        assert values["final"] == curve[-1]
        assert values["mean"] == pytest.approx(math.fsum(curve) / 1000, rel=1e-12)
        assert values["current"] == curve[300]
        assert out["summary"][0]["text"] == f"0.1 at step {curve.index(max(curve)):,}"

    def test_empty_arguments_take_the_library_defaults(self):
        """Only typed arguments appear in the call; the others are the library's defaults."""
        out = explore(ONE_CYCLE)
        assert out["call"] == "OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)  # optimizer lr=0.1"

    def test_library_errors_land_on_the_argument(self):
        """A value the library rejects is reported next to that argument."""
        out = explore({**ONE_CYCLE, "args": {"max_lr": "0.1", "total_steps": "1000", "anneal_strategy": "exp"}})
        assert out["errors"]["args.anneal_strategy"].startswith("anneal_strategy must be one of")
        out = explore({**ONE_CYCLE, "args": {"max_lr": "0.1", "total_steps": "0"}})
        assert "total_steps" in out["errors"]["args.total_steps"]

    def test_text_errors_name_the_argument(self):
        """Unreadable text is refused before the library sees it."""
        out = explore({**ONE_CYCLE, "args": {"max_lr": "abc", "total_steps": "1.5"}})
        assert set(out["errors"]) == {"args.max_lr", "args.total_steps"}

    def test_missing_optimizer_lr(self):
        """Schedulers that wrap an optimizer need its lr."""
        out = explore({**ONE_CYCLE, "lr": ""})
        assert "lr" in out["errors"]

    def test_where_the_library_raises_the_curve_stops_with_a_note(self):
        """OneCycleLR raises past total_steps: the note names the exact step, and the numbers are exact up to it."""
        out = explore({**ONE_CYCLE, "args": {"max_lr": "0.1", "total_steps": "500"}})
        assert out["ok"]
        assert max(out["chart"]["x"]) == 500
        assert any("raises at step 501" in note for note in out["notes"])
        assert out["summary"][1]["text"].endswith("at step 500")
        assert out["summary"][2]["label"] == "Mean LR"

    def test_library_fallback_is_noted(self):
        """optax quietly turns transition_steps=0 into a constant: the page says so."""
        out = explore({"mode": "library", "api": "optax.exponential_decay", "args": {"init_value": "0.1", "transition_steps": "0", "decay_rate": "0.5"}, "training": {"epochs": "10", "steps_per_epoch": "1"}})
        assert out["ok"]
        assert any("constant schedule" in note for note in out["notes"])


class TestTraining:
    """Steps, epochs and units."""

    def test_steps_per_epoch_from_the_dataset(self):
        """Every batch, and a partial accumulation as one more update, as the Hugging Face Trainer counts."""
        out = explore({**ONE_CYCLE, "training": {"epochs": "3", "dataset_size": "50000", "batch_size": "32", "accumulation": "4"}})
        assert out["training"]["steps_per_epoch"] == 391  # 1,563 batches: 390 full accumulations and one partial

    def test_epoch_stepping_read_in_steps_is_a_staircase(self):
        """A per-epoch scheduler read in steps holds each value for a whole epoch."""
        request = {"mode": "library", "api": "torch.optim.lr_scheduler.StepLR", "lr": "0.1", "args": {"step_size": "2"},
                   "training": {"epochs": "6", "steps_per_epoch": "10", "stepping": "epoch", "unit": "step"}}
        out = explore(request)
        assert out["chart"]["x"] == [0, 10, 20, 30, 40, 50]
        assert out["chart"]["path"] == "stepped"

    def test_step_stepping_read_in_epochs(self):
        """Per-step values placed at fractional epochs."""
        out = explore({**ONE_CYCLE, "training": {"epochs": "10", "steps_per_epoch": "100", "stepping": "step", "unit": "epoch", "current": "3"}})
        assert out["chart"]["x"][1] == 0.01
        assert out["chart"]["x_text"][1] == "0.01"
        assert summary(out)["current"] == from_library("torch.optim.lr_scheduler.OneCycleLR", lr=0.1, max_lr=0.1, total_steps=1000)(300)

    @pytest.mark.parametrize(("field", "text"), [("epochs", "0"), ("epochs", "x"), ("steps_per_epoch", "-1"), ("stepping", "hour"), ("current", "-3")])
    def test_bad_training_values(self, field, text):
        """Each bad training value is reported on its own field."""
        out = explore({**ONE_CYCLE, "training": {**ONE_CYCLE["training"], field: text}})
        assert f"training.{field}" in out["errors"]

    def test_long_runs_are_sampled(self):
        """A million steps are drawn from about a thousand samples, with an estimated mean."""
        out = explore({"mode": "family", "api": "lrcalc.cosine_decay", "args": {"steps": "1000000"}, "training": {"epochs": "1000", "steps_per_epoch": "1000", "stepping": "step"}})
        assert len(out["chart"]["x"]) <= 1002
        assert out["summary"][2]["label"].startswith("Mean LR (estimated")


class TestFamilyAndPaste:
    """lrcalc's families and pasted calls go through the same path."""

    def test_family_defaults_give_a_curve(self):
        """Every family works with its defaults."""
        for group in catalog()["families"]:
            for item in group["items"]:
                out = explore({"mode": "family", "api": item["api"], "args": {}, "training": {"epochs": "90", "stepping": "epoch"}})
                assert out["ok"], (item, out)
                json.dumps(out, allow_nan=False)

    def test_paste_gives_the_same_curve_as_library_mode(self):
        """A pasted call and the same arguments typed in Library mode agree."""
        pasted = explore({"mode": "paste", "paste": "OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", "lr": "0.1", "training": ONE_CYCLE["training"]})
        assert pasted["chart"]["y"] == explore(ONE_CYCLE)["chart"]["y"]

    def test_pasted_optimizer_lr_is_used(self):
        """An optimizer built in the paste gives the lr."""
        out = explore({"mode": "paste", "paste": "opt = SGD(params, lr=0.5)\nStepLR(opt, 10)", "lr": "", "training": {"epochs": "30", "stepping": "epoch"}})
        assert summary(out)["peak"] == 0.5

    def test_paste_errors_are_reported_on_the_paste_box(self):
        """Unreadable pastes and rejected arguments both land on the paste field."""
        assert "paste" in explore({"mode": "paste", "paste": "StepLR(", "training": {"epochs": "3"}})["errors"]
        assert "paste" in explore({"mode": "paste", "paste": "StepLR(optimizer)", "lr": "0.1", "training": {"epochs": "3"}})["errors"]


def test_catalog_lists_every_scheduler_with_text_defaults():
    """The page's forms come from Python: every API, every argument, defaults as typed text."""
    data = catalog()
    assert len(data["apis"]) >= 70
    assert [lib["id"] for lib in data["libraries"]] == ["torch", "keras", "optax", "transformers", "timm", "deepspeed", "mmengine", "axolotl", "composer"]
    for spec in data["apis"].values():
        for param in spec["params"]:
            from_training = param["placeholder"] == "the training length"
            assert param["required"] or from_training or isinstance(param["default"], str)
    json.dumps(data)


class TestArithmeticTheLibrariesFailOn:
    """Found by the link property test under Pyodide: arithmetic failures are messages, never crashes."""

    def test_a_negative_decay_rate_is_not_a_number_not_complex(self):
        """(-0.5) ** 0.1 is complex in Python and NaN in JAX: the curve stops there, with a note."""
        import math

        from lrcalc import from_library

        assert math.isnan(from_library("keras.optimizers.schedules.ExponentialDecay", initial_learning_rate=0.1, decay_steps=10, decay_rate=-0.5)(1))
        body = explore({"mode": "library", "api": "optax.exponential_decay", "args": {"init_value": "0.1", "transition_steps": "10", "decay_rate": "-0.5"},
                        "training": {"epochs": "3", "steps_per_epoch": "10"}})
        assert body["ok"] and any("not a finite number" in note for note in body["notes"])

    def test_a_division_by_zero_when_built_is_a_message(self):
        """optax's one-cycle with div_factor=0 divides by zero when built, as optax does: an error at the field, not a crash."""
        body = explore({"mode": "library", "api": "optax.linear_onecycle_schedule", "args": {"transition_steps": "100", "peak_value": "0.1", "div_factor": "0"},
                        "training": {"epochs": "1", "steps_per_epoch": "100"}})
        assert not body["ok"] and "ZeroDivisionError" in next(iter(body["errors"].values()))

    def test_a_failure_at_step_zero_of_a_replayed_schedule(self):
        """timm's k_decay=-1 divides by zero at step 0 only: the page says so instead of crashing."""
        body = explore({"mode": "library", "api": "timm.scheduler.create_scheduler_v2", "lr": "0.1", "args": {"k_decay": "-1"},
                        "training": {"epochs": "10"}})
        assert not body["ok"] and "step 0" in next(iter(body["errors"].values()))
