"""The calculator: raw form text in, results, errors and notes out."""

import json
import math

import pytest

from lrcalc.calculator import CHART_POINTS, DEFAULTS, FIELDS, KINDS, MAX_EPOCHS, calculate, form_spec

EXAMPLE_1 = {**DEFAULTS, "schedule": "exponential", "initial_lr": "0.01", "decay_rate": "0.95", "total_epochs": "100"}
EXAMPLE_2 = {
    **DEFAULTS,
    "schedule": "step",
    "initial_lr": "0.001",
    "step_factor": "0.5",
    "step_size": "25",
    "total_epochs": "100",
}


def result(inputs, key="current_lr"):
    """The formatted text of one result."""
    out = calculate(inputs)
    assert out["ok"], out
    return next(r["text"] for r in out["results"] if r["id"] == key)


def value(inputs, key="current_lr"):
    """The exact value of one result."""
    return next(r["value"] for r in calculate(inputs)["results"] if r["id"] == key)


class TestWorkedExampleOne:
    """Exponential 0.01 x 0.95^t over 100 epochs, the original article's Example 1."""

    @pytest.mark.parametrize(("epoch", "text"), [(30, "0.002146"), (31, "0.002039"), (1, "0.0095"), (0, "0.01")])
    def test_counting_from_zero(self, epoch, text):
        """Counting from 0, epoch t applies t decays."""
        inputs = {**EXAMPLE_1, "current_epoch": str(epoch)}
        assert result(inputs) == text
        assert value(inputs) == 0.01 * 0.95**epoch

    def test_defaults_are_example_one(self):
        """The page opens on Example 1 read at epoch 30."""
        assert DEFAULTS == {**EXAMPLE_1, "current_epoch": "30"}
        out = calculate(DEFAULTS)
        texts = {r["id"]: r["text"] for r in out["results"]}
        assert texts == {"current_lr": "0.002146", "decay_factor": "0.2146", "next_lr": "0.002039", "first_lr": "0.0095"}

    def test_formula_fills_in_the_numbers(self):
        """The formula line shows the user's own numbers and the result."""
        assert calculate(DEFAULTS)["formula"] == "LR(30) = 0.01 × 0.95^30 = 0.002146"

    def test_effective_decay_factor_is_lr_over_initial(self):
        """The effective decay factor is LR(t) / InitialLR."""
        assert value(DEFAULTS, "decay_factor") == (0.01 * 0.95**30) / 0.01

    def test_counting_from_one_starts_at_the_initial_lr(self):
        """Counting from 1, t = epoch - 1, so epoch 1 uses the initial LR."""
        inputs = {**EXAMPLE_1, "count_from": "1", "current_epoch": "30"}
        assert value(inputs) == 0.01 * 0.95**29
        assert result(inputs, "first_lr") == "0.01"
        assert value(inputs, "next_lr") == 0.01 * 0.95**30
        assert calculate(inputs)["formula"] == "LR(t = 30 − 1 = 29) = 0.01 × 0.95^29 = 0.002259"


class TestWorkedExampleTwo:
    """Step decay 0.001, factor 0.5 every 25 epochs, the original article's Example 2."""

    @pytest.mark.parametrize(
        ("epoch", "text"),
        [(60, "0.00025"), (61, "0.00025"), (1, "0.001"), (25, "0.0005"), (26, "0.0005"), (50, "0.00025"), (51, "0.00025")],
    )
    def test_counting_from_zero(self, epoch, text):
        """Counting from 0 matches PyTorch's StepLR after `epoch` steps."""
        inputs = {**EXAMPLE_2, "current_epoch": str(epoch)}
        assert result(inputs) == text
        assert value(inputs) == 0.001 * 0.5 ** (epoch // 25)

    @pytest.mark.parametrize(("epoch", "t"), [(1, 0), (25, 24), (26, 25), (51, 50), (60, 59), (76, 75)])
    def test_counting_from_one(self, epoch, t):
        """Counting from 1, epoch 26 is the first at the lower rate."""
        inputs = {**EXAMPLE_2, "count_from": "1", "current_epoch": str(epoch)}
        assert value(inputs) == 0.001 * 0.5 ** (t // 25)

    def test_formula_shows_the_floor(self):
        """The step formula shows floor(t / s) worked out."""
        inputs = {**EXAMPLE_2, "current_epoch": "60"}
        assert calculate(inputs)["formula"] == "LR(60) = 0.001 × 0.5^floor(60 / 25) = 0.001 × 0.5^2 = 0.00025"

    def test_summary_lists_the_drops(self):
        """The chart's text alternative names the epochs where the LR drops."""
        zero = calculate({**EXAMPLE_2, "current_epoch": "60"})["summary"]
        one = calculate({**EXAMPLE_2, "current_epoch": "60", "count_from": "1"})["summary"]
        assert "drops at epochs 25, 50 and 75, ending at 0.000125 at epoch 99" in zero
        assert "drops at epochs 26, 51 and 76" in one


class TestConstant:
    """A constant schedule reads the initial LR everywhere."""

    def test_every_result_is_the_initial_lr(self):
        """The decay factor is 1 and every LR is the initial one."""
        out = calculate({**DEFAULTS, "schedule": "constant", "initial_lr": "3e-4"})
        assert {r["id"]: r["text"] for r in out["results"]} == {
            "current_lr": "0.0003",
            "decay_factor": "1",
            "next_lr": "0.0003",
            "first_lr": "0.0003",
        }
        assert out["formula"] == "LR(30) = 0.0003"


BAD_NUMBERS = ["", "abc", "-0.01", "0", "1e400", "NaN", "inf", "-inf", "0,01", "1e-400"]


class TestValidation:
    """Bad input comes back as field errors that say what is allowed, never as exceptions."""

    @pytest.mark.parametrize("text", BAD_NUMBERS)
    @pytest.mark.parametrize(
        ("schedule", "field"),
        [("exponential", "initial_lr"), ("exponential", "decay_rate"), ("step", "step_factor"), ("constant", "initial_lr")],
    )
    def test_rejects_bad_real_numbers(self, schedule, field, text):
        """Each bad value yields one message on that field, quoting the input."""
        out = calculate({**DEFAULTS, "schedule": schedule, field: text})
        assert out["ok"] is False
        assert list(out["errors"]) == [field]
        message = out["errors"][field]
        assert message.startswith(FIELDS[field].label)
        assert any(rule in message for rule in ("> 0", "a number", "a finite number", "a dot for decimals"))
        if text:
            assert f"(got {text})" in message

    def test_message_for_a_negative_decay_rate(self):
        """The message names the field, the rule and the value."""
        assert calculate({**DEFAULTS, "decay_rate": "-0.5"})["errors"] == {
            "decay_rate": "Decay rate must be > 0 (got -0.5)."
        }

    @pytest.mark.parametrize("text", ["", "2.5", "-5", "abc", "1e400", "NaN", "20000000"])
    @pytest.mark.parametrize("field", ["total_epochs", "current_epoch", "step_size"])
    def test_rejects_bad_whole_numbers(self, field, text):
        """Epoch counts and step sizes are whole numbers within stated limits (0: see below)."""
        out = calculate({**DEFAULTS, "schedule": "step", field: text})
        assert out["ok"] is False
        assert list(out["errors"]) == [field]
        assert "whole number" in out["errors"][field]
        assert "10,000,000" in out["errors"][field]

    def test_states_the_epoch_limit(self):
        """An absurd epoch count is refused with the limit spelled out."""
        out = calculate({**DEFAULTS, "total_epochs": str(MAX_EPOCHS + 1)})
        assert out["errors"]["total_epochs"] == (
            "Number of epochs must be a whole number from 1 to 10,000,000 (got 10000001)."
        )
        assert calculate({**DEFAULTS, "total_epochs": str(MAX_EPOCHS)})["ok"]
        assert calculate({**DEFAULTS, "total_epochs": "0"})["errors"] == {
            "total_epochs": "Number of epochs must be a whole number from 1 to 10,000,000 (got 0)."
        }

    def test_step_size_zero_is_refused(self):
        """A step size of 0 would divide by zero; it is an error on the field."""
        out = calculate({**EXAMPLE_2, "current_epoch": "60", "step_size": "0"})
        assert out["errors"] == {"step_size": "Step size must be a whole number from 1 to 10,000,000 (got 0)."}

    def test_epoch_zero_needs_count_from_zero(self):
        """Counting from 1 there is no epoch 0."""
        assert calculate({**DEFAULTS, "current_epoch": "0"})["ok"]
        out = calculate({**DEFAULTS, "current_epoch": "0", "count_from": "1"})
        assert out["errors"] == {"current_epoch": "Current epoch must be a whole number from 1 to 10,000,000 (got 0)."}

    def test_hidden_fields_are_not_validated(self):
        """Fields the chosen schedule does not show are ignored, however bad."""
        assert calculate({**DEFAULTS, "schedule": "step", "decay_rate": "abc"})["ok"]
        assert calculate({**DEFAULTS, "schedule": "exponential", "step_size": "0", "step_factor": "-1"})["ok"]
        assert calculate({**DEFAULTS, "schedule": "constant", "decay_rate": "", "step_size": ""})["ok"]

    def test_reports_every_bad_field_at_once(self):
        """Several bad fields give several messages."""
        out = calculate({**DEFAULTS, "initial_lr": "x", "decay_rate": "-1", "total_epochs": "0"})
        assert set(out["errors"]) == {"initial_lr", "decay_rate", "total_epochs"}

    def test_unknown_schedule_and_missing_fields_are_errors(self):
        """Nothing the caller sends can raise."""
        assert set(calculate({"schedule": "cosine"})["errors"]) == {"schedule"}
        assert set(calculate({"schedule": "step"})["errors"]) == {
            "count_from",
            "initial_lr",
            "step_size",
            "step_factor",
            "total_epochs",
            "current_epoch",
        }

    def test_long_input_is_shortened_in_the_message(self):
        """A 10,000-character value is quoted in a few characters."""
        message = calculate({**DEFAULTS, "initial_lr": "9" * 10_000 + "x"})["errors"]["initial_lr"]
        assert len(message) < 120

    def test_accepts_scientific_notation_spaces_and_unicode_minus(self):
        """3e-4, surrounding spaces and a typographic minus in an exponent all read as numbers."""
        assert result({**DEFAULTS, "initial_lr": " 3e-4 "}) == fmt_lr(3e-4 * 0.95**30)
        assert result({**DEFAULTS, "initial_lr": "3e\u22124"}) == fmt_lr(3e-4 * 0.95**30)

    @pytest.mark.parametrize(("rate", "epochs"), [("1.5", "2000"), ("10", "400"), ("2", "10000000")])
    def test_overflow_is_an_error_on_the_rate(self, rate, epochs):
        """A growing curve that leaves the float range is refused, naming the epoch."""
        out = calculate({**DEFAULTS, "decay_rate": rate, "total_epochs": epochs})
        assert set(out["errors"]) == {"decay_rate"}
        assert "1.8e308" in out["errors"]["decay_rate"]

    def test_overflow_of_the_decay_factor_alone_is_an_error(self):
        """A tiny initial LR can keep LR(t) finite while LR(t)/InitialLR overflows."""
        out = calculate({**DEFAULTS, "initial_lr": "1e-300", "decay_rate": "10", "total_epochs": "400", "current_epoch": "5"})
        assert set(out["errors"]) == {"decay_rate"}


def fmt_lr(x):
    """The package's own formatter, for expected texts built from closed forms."""
    from lrcalc import fmt

    return fmt.lr(x)


class TestNotes:
    """Allowed but surprising inputs get a note next to the field."""

    def test_decay_rate_above_one(self):
        """The LR grows; the note says so."""
        out = calculate({**DEFAULTS, "decay_rate": "1.05"})
        assert out["ok"]
        assert "grows" in out["notes"]["decay_rate"]

    def test_current_epoch_past_the_total(self):
        """Reading beyond the last epoch is an extrapolation."""
        out = calculate({**DEFAULTS, "current_epoch": "150"})
        assert out["ok"]
        assert out["notes"]["current_epoch"] == (
            "Epoch 150 is past the last epoch of training (99): "
            "the result extends the schedule beyond training (an extrapolation)."
        )
        assert out["chart"]["x"][-1] == 150
        assert "current_epoch" not in calculate(DEFAULTS)["notes"]

    @pytest.mark.parametrize(("count_from", "epoch", "noted"), [("0", "99", False), ("0", "100", True), ("1", "100", False), ("1", "101", True)])
    def test_last_epoch_depends_on_the_count(self, count_from, epoch, noted):
        """100 epochs run 0..99 counting from 0 and 1..100 counting from 1."""
        out = calculate({**DEFAULTS, "count_from": count_from, "current_epoch": epoch})
        assert ("current_epoch" in out["notes"]) is noted

    def test_step_size_larger_than_the_total(self):
        """The LR never drops during training."""
        out = calculate({**EXAMPLE_2, "current_epoch": "60", "step_size": "120"})
        assert out["ok"]
        assert "never drops" in out["notes"]["step_size"]
        assert "step_size" not in calculate({**EXAMPLE_2, "current_epoch": "60"})["notes"]

    @pytest.mark.parametrize(("count_from", "size", "noted"), [("0", "99", False), ("0", "100", True), ("1", "99", False), ("1", "100", True)])
    def test_step_size_equal_to_the_total_never_drops(self, count_from, size, noted):
        """With 100 epochs and a step size of 100, the first drop comes after training in either count."""
        out = calculate({**EXAMPLE_2, "count_from": count_from, "current_epoch": "60", "step_size": size})
        assert ("step_size" in out["notes"]) is noted

    def test_underflow_to_zero(self):
        """A curve that reaches 0.0 says where, and turns off the log scale."""
        out = calculate({**DEFAULTS, "decay_rate": "0.5", "total_epochs": "5000"})
        first_zero = next(t for t in range(5000) if 0.01 * 0.5**t == 0)
        assert f"0 from epoch {first_zero:,}." in out["notes"]["decay_rate"]
        assert out["chart"]["log_ok"] is False
        assert out["chart"]["log_note"]


class TestChart:
    """The curve for every epoch from the first to the total, with the current epoch marked."""

    def test_every_epoch_of_training_counting_from_zero(self):
        """Counting from 0, 100 epochs are epochs 0 to 99."""
        chart = calculate(DEFAULTS)["chart"]
        assert chart["x"] == list(range(0, 100))
        assert chart["y"] == [0.01 * 0.95**t for t in range(100)]
        assert chart["x"][chart["marker"]] == 30
        assert chart["text"][30] == "0.002146"

    def test_counting_from_one_starts_at_one(self):
        """Counting from 1, the chart starts at epoch 1 with the initial LR."""
        chart = calculate({**DEFAULTS, "count_from": "1"})["chart"]
        assert chart["x"] == list(range(1, 101))
        assert chart["y"][0] == 0.01
        assert chart["x_label"] == "Epoch (counting from 1)"

    def test_long_curves_are_sampled_but_keep_every_drop_and_the_marker(self):
        """Beyond CHART_POINTS epochs, the chart samples evenly and keeps each drop."""
        inputs = {**EXAMPLE_2, "total_epochs": "1000000", "step_size": "100000", "current_epoch": "123457"}
        chart = calculate(inputs)["chart"]
        assert CHART_POINTS <= len(chart["x"]) <= CHART_POINTS + 12
        assert set(range(100000, 1000000, 100000)) <= set(chart["x"])
        assert 123457 in chart["x"]
        assert chart["x"] == sorted(set(chart["x"]))
        assert "of 1,000,000 epochs" in chart["table_note"]

    def test_ten_million_epochs_stay_small(self):
        """The largest allowed curve still sends about a thousand points."""
        out = calculate({**EXAMPLE_2, "total_epochs": str(MAX_EPOCHS), "step_size": "1", "current_epoch": "5"})
        assert out["ok"]
        assert len(out["chart"]["x"]) <= CHART_POINTS + 1

    def test_step_schedules_draw_as_steps(self):
        """Step decay is drawn as a staircase; the others as lines."""
        assert calculate({**EXAMPLE_2, "current_epoch": "1"})["chart"]["path"] == "stepped"
        assert calculate(DEFAULTS)["chart"]["path"] == "linear"


class TestOutput:
    """What leaves the calculator is JSON without NaN, infinity or raw floats in text."""

    @pytest.mark.parametrize(
        "inputs",
        [
            DEFAULTS,
            {**DEFAULTS, "decay_rate": "1.5"},
            {**DEFAULTS, "decay_rate": "0.1", "total_epochs": "10000000"},
            {**EXAMPLE_2, "step_factor": "1e-300", "current_epoch": "99"},
            {**DEFAULTS, "initial_lr": "1e308", "decay_rate": "1.0000001"},
            {**DEFAULTS, "initial_lr": "5e-324", "decay_rate": "0.999"},
        ],
    )
    def test_serialises_as_strict_json(self, inputs):
        """allow_nan=False proves there is no NaN or infinity anywhere."""
        text = json.dumps(calculate(inputs, page_url="http://x/"), allow_nan=False)
        for word in ("NaN", "Infinity", "undefined", "Traceback"):
            assert word not in text

    def test_copy_text_has_assumptions_results_formula_and_link(self):
        """The clipboard text is complete and plain."""
        text = calculate(DEFAULTS, page_url="https://example.org/lr/?a=1")["copy_text"]
        for line in (
            "Schedule type: Exponential Decay",
            "Initial learning rate: 0.01",
            "Decay rate: 0.95",
            "Number of epochs: 100",
            "Current epoch: 30",
            "Count epochs from: 0",
            "Current learning rate: 0.002146",
            "Effective decay factor: 0.2146",
            "LR after next epoch: 0.002039",
            "LR at epoch 1: 0.0095",
            "Formula used: LR(30) = 0.01 × 0.95^30 = 0.002146",
            "https://example.org/lr/?a=1",
        ):
            assert line in text
        assert "Step size" not in text

    def test_form_spec_lists_each_schedules_fields(self):
        """The page learns which fields each schedule shows from Python."""
        spec = form_spec()
        assert spec["kinds"]["exponential"]["fields"] == [
            "schedule", "initial_lr", "decay_rate", "total_epochs", "current_epoch", "count_from"
        ]
        assert "step_size" in spec["kinds"]["step"]["fields"]
        assert "decay_rate" not in spec["kinds"]["constant"]["fields"]
        assert [k["label"] for k in spec["kinds"].values()] == ["Exponential Decay", "Step Decay", "Constant"]
        assert set(spec["defaults"]) == set(FIELDS)
        assert set(KINDS) == {value for value, _ in FIELDS["schedule"].choices}
        json.dumps(spec)
        assert math.isfinite(spec["max_epochs"])
