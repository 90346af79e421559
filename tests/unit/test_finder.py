"""The LR finder: each tool's rule against the tool's own runs, parsing, smoothing, our rule, the live test.

Expected values come from tests/reference/finder/fixtures.json, written by
generate_finder.py with the real torch-lr-finder, fastai and Lightning (see
the versions recorded in it), and from closed forms.
"""

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcalc import finder, fmt
from lrcalc.finder import FinderError

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "finder"
DATA = json.loads((REFERENCE / "fixtures.json").read_text())
RUNS = DATA["fixtures"]
SYNTHETIC = DATA["synthetic"]
TOOL_RULES = [r for r in finder.RULES if not r.startswith("lrcalc.")]

# fastai's steep divides by differences of torch's float32 log (MKL's vsLn), which
# is 1 ulp off the correctly rounded log for a few % of inputs. On a straight-line
# drop every slope ties, and that last bit picks the point (see TestToolQuirks).
KNOWN_TIES = {("synthetic-05-plateau-then-drop", "fastai.steep")}


def curve(run):
    """The LRs and losses of a fixture, exactly as the tool returned them."""
    output = run["output"]
    if "history" in output:
        return output["history"]["lr"], output["history"]["loss"]
    if "recorder" in output:
        return output["recorder"]["lrs"], output["recorder"]["losses"]
    return output["results"]["lr"], output["results"]["loss"]


RUN_CASES = [pytest.param(run, rule, id=f"{run['id']}:{rule}") for run in RUNS for rule in run["suggestions"]]
SYNTHETIC_CASES = [
    pytest.param(c, rule, id=f"{c['id']}:{rule}")
    for c in SYNTHETIC
    for rule in c["suggestions"]
    if (c["id"], rule) not in KNOWN_TIES
]


class TestFixtures:
    """The committed reference runs cover every tool, ramp and optimizer asked for."""

    def test_at_least_fifteen_real_runs_with_suggestions(self):
        """Every run carries its tool's own suggestion(s)."""
        assert len(RUNS) >= 15
        assert all(run["suggestions"] for run in RUNS)

    def test_every_tool_ramp_and_optimizer_appears(self):
        """torch-lr-finder, fastai and Lightning; exp and linear ramps; SGD, momentum and Adam."""
        assert {r["tool"] for r in RUNS} == {"torch_lr_finder", "fastai", "lightning"}
        assert {r["ramp"] for r in RUNS} == {"exp", "linear"}
        assert {r["optimizer"] for r in RUNS} == {"sgd", "momentum", "adam"}
        assert {r["dataset"] for r in RUNS} == {"digits", "breast_cancer", "wine", "iris", "moons"}

    def test_each_tool_has_a_run_that_reaches_nan(self):
        """A diverging run per tool keeps its NaN losses, as the tool recorded them."""
        for tool in ("torch_lr_finder", "fastai", "lightning"):
            assert any(any(math.isnan(v) for v in curve(r)[1]) for r in RUNS if r["tool"] == tool), tool


class TestToolRulesOnRealRuns:
    """Each tool's rule, applied to the tool's own output, picks the tool's point."""

    @pytest.mark.parametrize(("run", "rule"), RUN_CASES)
    def test_same_index_and_value_as_the_tool(self, run, rule):
        """Same chosen index, and the value within 1e-6 relative."""
        lrs, losses = curve(run)
        expected = run["suggestions"][rule]
        got = finder.suggest_point(lrs, losses, rule, num_it=run["num_it"])
        assert got.index == expected["index"]
        assert got.value == pytest.approx(expected["value"], rel=1e-6)

    @pytest.mark.parametrize("run", RUNS, ids=[r["id"] for r in RUNS])
    def test_every_rule_answers_or_explains_on_every_run(self, run):
        """suggest_all gives each rule a positive value or a message, never an exception."""
        lrs, losses = curve(run)
        own = finder.undo_lightning_offset(losses) if run["tool"] == "lightning" else None
        result = finder.suggest_all(lrs, losses, num_it=run["num_it"], own_losses=own)
        assert [r["rule"] for r in result["rules"]] == list(finder.RULES)
        for row in result["rules"]:
            assert (row["value"] is not None and row["value"] > 0) or row["error"]
        json.dumps(result, allow_nan=False)


class TestToolRulesOnSyntheticCurves:
    """The tools' own suggestion code on awkward made-up curves: ties, plateaus, NaN, inf, float32 limits."""

    @pytest.mark.parametrize(("case", "rule"), SYNTHETIC_CASES)
    def test_same_index_and_value_or_same_failure(self, case, rule):
        """Where the tool answers we answer the same; where it fails we raise FinderError."""
        expected = case["suggestions"][rule]
        if "error" in expected:
            with pytest.raises(FinderError):
                finder.suggest_point(case["lrs"], case["losses"], rule, num_it=case["num_it"])
            return
        got = finder.suggest_point(case["lrs"], case["losses"], rule, num_it=case["num_it"])
        assert (got.index, got.value) == (expected["index"], pytest.approx(expected["value"], rel=1e-6))


class TestToolQuirks:
    """The behaviours that make the tools disagree, pinned down."""

    def test_fastai_trims_num_it_over_ten_from_the_start_and_five_from_the_end(self):
        """With num_it=100, fastai's minimum ignores a lower loss in the first 10 or the last 5 points."""
        lrs = [10 ** (-6 + i / 20) for i in range(100)]
        losses = [2.0] * 100
        losses[3], losses[97], losses[50] = 0.1, 0.1, 1.0
        assert finder.suggest_point(lrs, losses, "fastai.minimum", num_it=100).index == 50

    def test_fastai_num_it_matters_when_the_run_stopped_early(self):
        """An early-stopped fastai run is trimmed by the num_it it was given, not by its length."""
        run = next(r for r in RUNS if r["tool"] == "fastai" and r["points"] < r["num_it"])
        lrs, losses = curve(run)
        start = finder.suggest_point(lrs, losses, "fastai.minimum", num_it=run["num_it"])
        assert start.index == run["suggestions"]["fastai.minimum"]["index"]

    def test_fastai_cuts_at_nan_after_trimming(self):
        """fastai drops the NaN tail after slicing [num_it//10:-5], so its last 5 finite points still count."""
        lrs = [10 ** (-6 + i / 20) for i in range(60)]
        losses = [3.0 - i * 0.01 for i in range(60)]
        losses[50:] = [math.nan] * 10
        assert finder.suggest_point(lrs, losses, "fastai.minimum").index == 49

    def test_fastai_minimum_divides_a_float32_lr_by_ten(self):
        """The value is the float32 LR at the minimum, divided by 10 in float64."""
        run = next(r for r in RUNS if r["tool"] == "fastai")
        lrs, losses = curve(run)
        point = finder.suggest_point(lrs, losses, "fastai.minimum", num_it=run["num_it"])
        f32 = finder.numerics.f32([lrs[point.index]])[0]
        assert point.value == f32 / 10 != lrs[point.index] / 10

    def test_fastai_steep_ties_are_broken_by_torchs_float32_log(self):
        """On a straight drop every slope ties; torch's log bits pick one, ours pick another of equal slope."""
        case = next(c for c in SYNTHETIC if c["id"] == "synthetic-05-plateau-then-drop")
        ours = finder.suggest_point(case["lrs"], case["losses"], "fastai.steep")
        tool_index = case["suggestions"]["fastai.steep"]["index"]
        losses, lrs = finder.numerics.f32(case["losses"]), finder.numerics.f32(case["lrs"])

        def slope(i):
            return (losses[i + 1] - losses[i]) / (math.log(lrs[i + 1]) - math.log(lrs[i]))

        assert ours.index != tool_index
        assert slope(ours.index) == pytest.approx(slope(tool_index), rel=1e-6)

    def test_torch_lr_finder_picks_the_last_finite_point_before_nan(self):
        """numpy.gradient turns the NaN tail into NaN slopes and argmin returns the first NaN."""
        run = next(r for r in RUNS if r["tool"] == "torch_lr_finder" and r.get("note") == "diverges to NaN")
        lrs, losses = curve(run)
        first_nan = next(i for i, v in enumerate(losses) if math.isnan(v))
        assert run["suggestions"]["torch_lr_finder.steepest"]["index"] == first_nan - 1
        assert finder.suggest_point(lrs, losses, "torch_lr_finder.steepest").index == first_nan - 1

    def test_torch_lr_finder_needs_seventeen_points(self):
        """plot() raises below skip_start + skip_end + 2 points."""
        lrs = [10 ** (-5 + i / 10) for i in range(16)]
        with pytest.raises(FinderError, match="at least 17 points"):
            finder.suggest(lrs, [1.0] * 16, "torch_lr_finder.steepest")

    def test_lightning_filters_non_finite_losses_instead_of_cutting(self):
        """A single inf in the middle is skipped; the points after it still count."""
        lrs = [10 ** (-5 + i / 10) for i in range(40)]
        losses = [3.0 - 0.01 * i for i in range(40)]
        losses[20] = math.inf
        losses[30] = 0.0  # a sharp drop after the inf
        assert finder.suggest_point(lrs, losses, "lightning.steepest").index == 29

    def test_lightning_treats_losses_beyond_float32_as_infinite(self):
        """torch.tensor() makes 1e39 inf in float32, which Lightning then drops."""
        case = next(c for c in SYNTHETIC if c["id"] == "synthetic-08-float32-overflow")
        got = finder.suggest_point(case["lrs"], case["losses"], "lightning.steepest")
        assert got.index == case["suggestions"]["lightning.steepest"]["index"]

    def test_lightning_returns_none_with_fewer_than_two_finite_points(self):
        """Lightning's suggestion() gives None; we raise FinderError saying so."""
        lrs = [10 ** (-5 + i / 10) for i in range(20)]
        losses = [1.0] * 11 + [math.nan] * 9
        with pytest.raises(FinderError, match="returns None"):
            finder.suggest(lrs, losses, "lightning.steepest")

    def test_lightning_ramp_skips_its_second_step(self):
        """Lightning's scheduler jumps from lr_min straight to lr_min * q**2."""
        run = next(r for r in RUNS if r["tool"] == "lightning" and r["ramp"] == "exp")
        lrs = curve(run)[0]
        first, second = math.log(lrs[1] / lrs[0]), math.log(lrs[2] / lrs[1])
        assert first == pytest.approx(2 * second, rel=1e-9)

    def test_lightning_prefers_the_low_end_of_an_exponential_ramp(self):
        """d loss / d lr (not log lr) makes its steepest point far below the others on most exp runs."""
        low = 0
        exp_runs = [r for r in RUNS if r["ramp"] == "exp"]
        for run in exp_runs:
            lrs, losses = curve(run)
            values = finder.suggest_all(lrs, losses, num_it=run["num_it"])["rules"]
            by_rule = {v["rule"]: v["value"] for v in values}
            low += by_rule["lightning.steepest"] < by_rule["fastai.valley"]
        assert low >= len(exp_runs) * 3 // 4


class TestGradient:
    """gradient() is numpy.gradient with edge_order=1."""

    def test_uniform_spacing_matches_the_closed_form(self):
        """Central differences inside, one-sided at the ends, for f(x) = x²."""
        assert finder.gradient([0.0, 1.0, 4.0, 9.0, 16.0]) == [1.0, 2.0, 4.0, 6.0, 7.0]

    def test_non_uniform_spacing_is_exact_for_quadratics(self):
        """The second-order interior formula differentiates x² exactly at uneven points."""
        x = [0.0, 0.5, 2.0, 2.5, 4.0]
        g = finder.gradient([v * v for v in x], x)
        assert g[1:-1] == pytest.approx([2 * v for v in x[1:-1]], rel=1e-12)

    def test_equal_steps_use_the_uniform_formula_like_numpy(self):
        """numpy reduces equal spacings to a scalar; so do we."""
        assert finder.gradient([1.0, 2.0, 4.0], [0.0, 2.0, 4.0]) == [0.5, 0.75, 1.0]

    def test_needs_two_points(self):
        """A single value has no gradient."""
        with pytest.raises(FinderError, match="at least 2 points"):
            finder.gradient([1.0])

    def test_argmin_takes_the_first_nan_like_numpy_and_torch(self):
        """NaN counts as the smallest value; ties go to the first."""
        assert finder.argmin([2.0, 1.0, 1.0]) == 1
        assert finder.argmin([2.0, math.nan, 0.0, math.nan]) == 1


class TestSmoothing:
    """smooth() reproduces torch-lr-finder's EMA and fastai's and Lightning's debiased EMA."""

    def test_ema_takes_the_first_loss_as_is(self):
        """s0 = l0, s_t = f l_t + (1 - f) s_(t-1); with f = 0.5: 4, 3, 2.5."""
        assert finder.smooth([4.0, 2.0, 2.0], "ema", smooth_f=0.5) == [4.0, 3.0, 2.5]

    def test_debiased_ema_of_a_constant_is_the_constant(self):
        """Debiasing removes the pull towards the zero start."""
        assert finder.smooth([3.0] * 5, "debiased_ema") == pytest.approx([3.0] * 5, rel=1e-15)

    def test_debiased_ema_closed_form(self):
        """s_t = sum_k (1-β) β^(t-k) l_k / (1 - β^(t+1))."""
        beta, losses = 0.9, [1.0, 5.0, 2.0, 8.0]
        expected = [
            sum((1 - beta) * beta ** (t - k) * losses[k] for k in range(t + 1)) / (1 - beta ** (t + 1))
            for t in range(4)
        ]
        assert finder.smooth(losses, "debiased_ema", beta=beta) == pytest.approx(expected, rel=1e-14)

    def test_none_returns_the_losses(self):
        """No smoothing, as floats."""
        assert finder.smooth([1, 2], "none") == [1.0, 2.0]

    @pytest.mark.parametrize("run", [r for r in RUNS if r["tool"] == "torch_lr_finder"], ids=lambda r: r["id"])
    def test_ema_reproduces_torch_lr_finder_history_bit_for_bit(self, run):
        """The raw batch losses, smoothed with smooth_f=0.05, give torch-lr-finder's history exactly."""
        ours = finder.smooth(run["raw_losses"], "ema", smooth_f=0.05)
        assert [repr(v) for v in ours] == [repr(v) for v in curve(run)[1]]

    @pytest.mark.parametrize("run", [r for r in RUNS if r["tool"] == "lightning"], ids=lambda r: r["id"])
    def test_lightning_is_debiased_one_step_ahead(self, run):
        """Lightning's results equal the debiased EMA with step_offset=1, exactly."""
        ours = finder.smooth(run["raw_losses"], "debiased_ema", step_offset=1)
        assert [repr(v) for v in ours] == [repr(v) for v in curve(run)[1]]

    @pytest.mark.parametrize("run", [r for r in RUNS if r["tool"] == "lightning"], ids=lambda r: r["id"])
    def test_undoing_lightnings_offset_gives_fastais_debiasing(self, run):
        """undo_lightning_offset(results) equals the debiased EMA of the raw losses."""
        expected = finder.smooth(run["raw_losses"], "debiased_ema")
        got = finder.undo_lightning_offset(curve(run)[1])
        for a, b in zip(got, expected):
            assert a == pytest.approx(b, rel=1e-12, nan_ok=True)

    @pytest.mark.parametrize("run", [r for r in RUNS if r["tool"] == "fastai"], ids=lambda r: r["id"])
    def test_debiased_ema_matches_fastai_to_float32_precision(self, run):
        """fastai smooths in float32 tensors; our float64 result agrees to 1e-5 relative."""
        ours = finder.smooth(run["raw_losses"], "debiased_ema")
        for a, b in zip(ours, curve(run)[1]):
            if math.isfinite(b):
                assert a == pytest.approx(b, rel=1e-5)

    @pytest.mark.parametrize(("kwargs", "message"), [
        ({"method": "median"}, "method must be one of none, ema, debiased_ema"),
        ({"method": "ema", "smooth_f": 1.0}, r"smooth_f must be in \[0, 1\)"),
        ({"method": "debiased_ema", "beta": -0.1}, r"beta must be in \[0, 1\)"),
        ({"method": "debiased_ema", "step_offset": -1}, "step_offset must be a whole number"),
    ])
    def test_rejects_bad_arguments_by_name(self, kwargs, message):
        """The message names the argument, the rule and the value."""
        with pytest.raises(FinderError, match=message):
            finder.smooth([1.0, 2.0], **kwargs)


class TestSuggestArguments:
    """suggest() validates its arguments and never falls back silently."""

    LRS = [10 ** (-5 + i / 10) for i in range(40)]

    def test_rejects_an_unknown_rule(self):
        """The message lists the rules."""
        with pytest.raises(FinderError, match="rule must be one of fastai.minimum"):
            finder.suggest(self.LRS, [1.0] * 40, "keras.best")

    def test_rejects_lists_of_different_lengths(self):
        """Both lengths are quoted."""
        with pytest.raises(FinderError, match="same length.*40 and 39"):
            finder.suggest(self.LRS, [1.0] * 39, "fastai.valley")

    @pytest.mark.parametrize("num_it", [0, -5, 2.5, True])
    def test_rejects_num_it_that_is_not_a_positive_whole_number(self, num_it):
        """num_it must be >= 1."""
        with pytest.raises(FinderError, match="num_it must be a whole number >= 1"):
            finder.suggest(self.LRS, [1.0] * 40, "fastai.valley", num_it=num_it)

    def test_suggest_all_reports_rules_that_cannot_answer(self):
        """Too short for fastai's slide: an error entry, the rest still answer."""
        lrs = [10 ** (-5 + i / 5) for i in range(22)]
        losses = [2.0 - math.tanh((i - 11) / 3) for i in range(22)]
        rows = {r["rule"]: r for r in finder.suggest_all(lrs, losses)["rules"]}
        assert rows["fastai.slide"]["value"] is None and "at least 16" in rows["fastai.slide"]["error"]
        assert rows["fastai.valley"]["value"] is not None

    def test_agreement_summarises_the_band(self):
        """Lowest, highest, their ratio and a table sorted by LR."""
        lrs = [10 ** (-5 + i / 10) for i in range(60)]
        losses = [2.0 - math.tanh((i - 30) / 8) + (0.004 * (i - 45) ** 2 if i > 45 else 0) for i in range(60)]
        agreement = finder.suggest_all(lrs, losses)["agreement"]
        assert agreement["ratio"] == pytest.approx(agreement["max"] / agreement["min"])
        values = [row["lr"] for row in agreement["table"]]
        assert len(values) == len(finder.RULES)
        assert agreement["summary"].startswith(f"The {len(finder.RULES)} rules suggest ")


def _noisy_curve(n, noise, dip, seed):
    """A range-test-like curve: flat, a drop, a minimum, then divergence, plus uniform noise."""
    import random

    rng = random.Random(seed)
    lrs = [10 ** (-6 + 7 * i / (n - 1)) for i in range(n)]
    losses = []
    for i in range(n):
        t = i / (n - 1)
        base = 2.5 - dip / (1 + math.exp(-(t - 0.55) * 14)) + (30 * (t - 0.8) ** 2 if t > 0.8 else 0)
        losses.append(base + rng.uniform(-noise, noise))
    return lrs, losses


class TestRecommendedRule:
    """lrcalc's own rule: robust to noise, never past the minimum."""

    @settings(max_examples=150, deadline=None)
    @given(
        n=st.integers(20, 300),
        noise=st.floats(0, 1.0),
        dip=st.floats(0.2, 2.0),
        seed=st.integers(0, 10**6),
    )
    def test_never_lands_past_the_loss_minimum(self, n, noise, dip, seed):
        """On noisy synthetic curves, the suggestion's LR is at most the LR of the lowest loss."""
        lrs, losses = _noisy_curve(n, noise, dip, seed)
        try:
            point = finder.suggest_point(lrs, losses, "lrcalc.recommended")
        except FinderError as error:
            assert "never falls" in str(error)
            assert finder.argmin(losses) == 0 or finder.argmin(finder.centred_average(losses, max(2, round(n / 20)))) == 0
            return
        lowest = finder.argmin(losses)
        assert point.index <= lowest and point.value <= lrs[lowest]
        assert point.value == lrs[point.index]

    @settings(max_examples=100, deadline=None)
    @given(losses=st.lists(st.floats(0.01, 10), min_size=20, max_size=120))
    def test_never_past_the_minimum_of_any_curve(self, losses):
        """The guarantee holds for arbitrary positive losses, not only curve-shaped ones."""
        lrs = [10 ** (-5 + i / 20) for i in range(len(losses))]
        try:
            point = finder.suggest_point(lrs, losses, "lrcalc.recommended")
        except FinderError:
            return
        assert point.index <= finder.argmin(losses)

    def test_is_stable_under_noise(self):
        """Moderate noise moves the suggestion by less than a factor of 3 on a 100-point curve."""
        clean = finder.suggest(*_noisy_curve(100, 0.0, 1.5, 0), "lrcalc.recommended")
        for seed in range(20):
            noisy = finder.suggest(*_noisy_curve(100, 0.15, 1.5, seed), "lrcalc.recommended")
            assert 1 / 3 < noisy / clean < 3

    def test_sits_between_the_steepest_point_and_a_tenth_of_the_minimum(self):
        """The geometric mean of the two, rounded down to a tested LR."""
        lrs, losses = _noisy_curve(100, 0.0, 1.5, 0)
        d = finder.recommended_details(lrs, losses)
        target = math.sqrt(lrs[d["steepest_index"]] * lrs[d["minimum_index"]] / 10)
        assert d["value"] <= target < lrs[d["index"] + 1]

    def test_reads_nan_tail_as_a_cut(self):
        """A NaN tail changes nothing before it."""
        lrs, losses = _noisy_curve(100, 0.05, 1.5, 1)
        cut = losses[:85] + [math.nan] * 15
        assert finder.suggest(lrs, cut, "lrcalc.recommended") == finder.suggest(lrs[:85], losses[:85], "lrcalc.recommended")

    def test_explains_a_curve_that_never_falls(self):
        """A rising curve has no descent to read."""
        lrs = [10 ** (-5 + i / 10) for i in range(40)]
        with pytest.raises(FinderError, match="never falls"):
            finder.suggest(lrs, [1.0 + 0.1 * i for i in range(40)], "lrcalc.recommended")

    def test_centred_average_closed_form(self):
        """Symmetric windows that shrink at the ends."""
        assert finder.centred_average([0.0, 3.0, 0.0, 3.0, 0.0], 1) == [0.0, 1.0, 2.0, 1.0, 0.0]


def _read(name):
    return (REFERENCE / "exports" / name).read_text()


class TestParse:
    """parse() recognises each tool's export and says what it found."""

    def test_torch_lr_finder_history_json(self):
        """json.dump(lr_finder.history) reads as torch-lr-finder, smoothed by the tool."""
        test = finder.parse(_read("torch_lr_finder_history.json"), "history.json")
        run = next(r for r in RUNS if r["tool"] == "torch_lr_finder")
        assert test.tool == "torch_lr_finder" and test.smoothed_by_tool
        assert test.detected == f"torch-lr-finder history (JSON), {run['points']} points"
        assert (test.lrs, test.losses) == tuple(curve(run))

    def test_torch_lr_finder_history_csv_with_pandas_index(self):
        """pandas' to_csv() index column is ignored; the tool is known from the file name, a CSV's only sign of it.

        (Read without its name, this file used to be called torch-lr-finder's from its lr,loss header and index
        column, which any script writes: see TestToolDetection.)
        """
        test = finder.parse(_read("torch_lr_finder_history.csv"), "torch_lr_finder_history.csv")
        run = next(r for r in RUNS if r["tool"] == "torch_lr_finder")
        assert test.detected.startswith("torch-lr-finder history (CSV)")
        assert test.lrs == curve(run)[0]

    def test_fastai_recorder(self):
        """lrs/losses with iters/values is fastai's recorder, smoothed by the tool."""
        test = finder.parse(_read("fastai_recorder.json"))
        assert test.tool == "fastai" and test.smoothed_by_tool
        assert test.detected.startswith("fastai recorder.lrs / recorder.losses (JSON)")

    def test_fastai_num_it_is_read_from_its_default_ramp(self):
        """An early-stopped run with fastai's default 1e-7 → 10 ramp tells its num_it."""
        run = next(r for r in RUNS if r["tool"] == "fastai" and r["start_lr"] == 1e-7 and r["end_lr"] == 10)
        rec = run["output"]["recorder"]
        short = {"lrs": rec["lrs"][:80], "losses": rec["losses"][:80]}
        test = finder.parse(json.dumps(short), "fastai.json")
        assert test.num_it == run["num_it"]
        assert any("num_it = " in note for note in test.notes)

    def test_lightning_results_by_their_ramp(self):
        """Lightning's {lr, loss} is told from torch-lr-finder's by its skipped second step."""
        test = finder.parse(_read("lightning_results.json"), "results.json")
        assert test.tool == "lightning" and test.detected.startswith("Lightning lr_finder.results (JSON)")

    def test_lightning_linear_ramp_is_recognised(self):
        """The skipped step shows in linear mode too."""
        run = next(r for r in RUNS if r["tool"] == "lightning" and r["ramp"] == "linear")
        assert finder.parse(json.dumps(run["output"]["results"])).tool == "lightning"

    def test_keras_lists_of_raw_losses(self):
        """lrs/losses whose losses alternate up and down are read as a Keras finder's raw losses."""
        run = next(r for r in RUNS if r["tool"] == "torch_lr_finder")
        text = json.dumps({"lrs": curve(run)[0], "losses": run["raw_losses"]})
        test = finder.parse(text)
        assert test.tool == "keras" and not test.smoothed_by_tool

    def test_keras_by_file_name(self):
        """The file name settles the ambiguous lrs/losses layout."""
        run = next(r for r in RUNS if r["tool"] == "fastai")
        text = json.dumps({"lrs": curve(run)[0], "losses": curve(run)[1]})
        assert finder.parse(text, "keras_lr_finder.json").tool == "keras"

    def test_plain_csv_without_header(self):
        """Two columns, no header: lr, loss."""
        test = finder.parse(_read("plain_no_header.csv"))
        assert test.tool == "csv" and test.detected.startswith("CSV of lr and loss (no header)")
        assert not test.smoothed_by_tool

    def test_three_column_csv_keeps_the_raw_losses(self):
        """lr, loss, raw_loss: the loss column is the curve, raw_loss is kept beside it."""
        test = finder.parse(_read("three_columns.csv"))
        run = next(r for r in RUNS if r["tool"] == "fastai")
        assert test.raw_losses == run["raw_losses"] and test.losses == curve(run)[1]

    def test_nan_tail_is_cut_with_a_note(self):
        """The curve stops at the first NaN, and a note says where and how many points went."""
        run = next(r for r in RUNS if r["tool"] == "fastai" and r.get("note") == "diverges to NaN")
        test = finder.parse(json.dumps(run["output"]["recorder"]))
        lrs, losses = test.curve()
        assert len(losses) == test.finite_count < run["points"]
        assert all(math.isfinite(v) for v in losses)
        assert any("the curve is cut there" in note for note in test.notes)

    @pytest.mark.parametrize(("text", "message"), [
        ("", "The file is empty."),
        ("{not json", "looks like JSON but cannot be read"),
        ("[1, 2, 3]", "must be an object"),
        ('{"a": [1], "b": [2]}', "no learning-rate and loss lists"),
        ('{"lr": [1, "x"], "loss": [1, 2]}', "must hold only numbers"),
        ("lr,loss\n0.1,abc\n", "Row 2, column loss is not a number"),
        ("a,b,c,d\n1,2,3,4\n", "must name a learning-rate column"),
        ("1,2,3,4\n5,6,7,8\n", "2 or 3 columns"),
    ])
    def test_unreadable_input_raises_a_message_for_the_page(self, text, message):
        """Every failure is a FinderError (a ValueError) with a user-facing sentence."""
        with pytest.raises(FinderError, match=message):
            finder.parse(text)

    def _curve_text(self, lrs, losses):
        return json.dumps({"lr": lrs, "loss": losses})

    def test_rejects_too_few_points(self):
        """Fewer than 20 finite points is not a range test."""
        lrs = [10 ** (-5 + i / 5) for i in range(19)]
        with pytest.raises(FinderError, match="at least 20 points"):
            finder.parse(self._curve_text(lrs, [1.0] * 19))

    def test_rejects_decreasing_learning_rates(self):
        """The learning rate must grow at every step."""
        lrs = [10 ** (-5 + i / 5) for i in range(30)]
        lrs[10], lrs[11] = lrs[11], lrs[10]
        with pytest.raises(FinderError, match="must increase; learning rate 12"):
            finder.parse(self._curve_text(lrs, [1.0] * 30))

    def test_rejects_duplicated_learning_rates(self):
        """Two equal neighbours are named."""
        lrs = [10 ** (-5 + i / 5) for i in range(30)]
        lrs[5] = lrs[4]
        with pytest.raises(FinderError, match="Learning rates 5 and 6 are equal"):
            finder.parse(self._curve_text(lrs, [1.0] * 30))

    @pytest.mark.parametrize("bad", [0.0, -1e-3])
    def test_rejects_learning_rates_that_are_not_positive(self, bad):
        """A zero or negative learning rate is named with its position."""
        lrs = [bad] + [10 ** (-5 + i / 5) for i in range(1, 30)]
        with pytest.raises(FinderError, match="must be > 0; learning rate 1 is"):
            finder.parse(self._curve_text(lrs, [1.0] * 30))

    def test_finder_error_is_a_value_error(self):
        """Callers can catch it as ValueError."""
        assert issubclass(FinderError, ValueError)


def _csv(lrs, losses, header="lr,loss"):
    """A CSV of two columns, as pandas or a hand-written script would save it."""
    return header + "\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(lrs, losses))


TORCH_RUN = next(r for r in RUNS if r["tool"] == "torch_lr_finder")
EXAMPLE = REFERENCE.parents[2] / "content" / "examples" / "range-test-torch-lr-finder.csv"


class TestToolDetection:
    """A tool is named only on evidence that is really its own; a plain lr,loss CSV is a CSV."""

    def test_plain_lr_loss_csv_is_reported_as_a_csv(self):
        """The header lr,loss names no tool, so the file is a CSV, not torch-lr-finder's history."""
        test = finder.parse(_csv(curve(TORCH_RUN)[0], TORCH_RUN["raw_losses"]))
        assert (test.tool, test.format) == ("csv", "CSV")
        assert test.detected == f"CSV of lr and loss, {TORCH_RUN['points']} points"

    def test_raw_losses_in_a_plain_csv_are_judged_raw_from_the_data(self):
        """Batch losses that alternate up and down are not taken as smoothed, and a note says the data decided."""
        test = finder.parse(_csv(curve(TORCH_RUN)[0], TORCH_RUN["raw_losses"]))
        assert not test.smoothed_by_tool
        assert any("judged from the data" in note.lower() and "raw" in note for note in test.notes), test.notes

    def test_smoothed_losses_in_a_plain_csv_are_judged_smoothed_from_the_data(self):
        """A curve that drifts smoothly is taken as smoothed, and the note says why."""
        test = finder.parse(_csv(*curve(TORCH_RUN)))
        assert test.tool == "csv" and test.smoothed_by_tool
        assert any("judged from the data" in note.lower() and "smoothed" in note for note in test.notes), test.notes

    def test_automatic_smoothing_smooths_the_raw_losses_of_a_plain_csv(self):
        """Automatic applies fastai's debiased EMA to raw losses read from an lr,loss CSV."""
        assert finder.analyse(_csv(curve(TORCH_RUN)[0], TORCH_RUN["raw_losses"]))["smoothing"] == "debiased_ema"

    @pytest.mark.parametrize("choice", ["none", "ema"])
    def test_the_users_smoothing_choice_overrides_the_judgement(self, choice):
        """Whatever the data look like, a smoothing the user picks is the one applied."""
        for losses in (TORCH_RUN["raw_losses"], curve(TORCH_RUN)[1]):
            assert finder.analyse(_csv(curve(TORCH_RUN)[0], losses), smoothing=choice)["smoothing"] == choice

    def test_pandas_index_column_names_no_tool(self):
        """DataFrame.to_csv() adds an unnamed index to any table: the column is ignored and proves nothing."""
        test = finder.parse(_read("torch_lr_finder_history.csv"))
        assert test.tool == "csv" and test.detected.startswith("CSV of lr and loss,")
        assert test.lrs == curve(TORCH_RUN)[0]

    def test_file_name_naming_torch_lr_finder_is_evidence(self):
        """A CSV whose name says torch-lr-finder is read as its history, with a note that the name said so."""
        test = finder.parse(_read("torch_lr_finder_history.csv"), "torch_lr_finder_history.csv")
        assert test.tool == "torch_lr_finder" and test.smoothed_by_tool
        assert test.detected.startswith("torch-lr-finder history (CSV)")
        assert any("file name" in note for note in test.notes), test.notes

    def test_the_pages_example_says_it_is_torch_lr_finder_by_its_file_name(self):
        """The example, a torch-lr-finder run saved with pandas, is named for its tool, and the note says so."""
        test = finder.parse(EXAMPLE.read_text(), EXAMPLE.name)
        assert test.tool == "torch_lr_finder"
        assert any(EXAMPLE.name in note for note in test.notes), test.notes

    def test_lightning_csv_is_recognised_by_its_doubled_first_gap(self):
        """Lightning's results saved as lr,loss keep the skipped second step that only Lightning's ramp has."""
        run = next(r for r in RUNS if r["tool"] == "lightning")
        results = run["output"]["results"]
        assert finder.parse(_csv(results["lr"], results["loss"])).tool == "lightning"

    @pytest.mark.parametrize(("name", "tool"), [
        ("fastai_recorder.json", "fastai"),
        ("lightning_results.json", "lightning"),
        ("plain_no_header.csv", "csv"),
        ("three_columns.csv", "csv"),
        ("torch_lr_finder_history.csv", "torch_lr_finder"),
        ("torch_lr_finder_history.json", "torch_lr_finder"),
    ])
    def test_real_tool_exports_keep_their_tool(self, name, tool):
        """Every committed export, read with its own file name, is detected as the tool that wrote it."""
        assert finder.parse(_read(name), name).tool == tool

    @pytest.mark.parametrize("name", ["torch_lr_finder_history.json", "lightning_results.json", "fastai_recorder.json"])
    def test_json_exports_are_recognised_without_a_file_name(self, name):
        """The JSON layouts are the tools' own objects, so their content alone names the tool."""
        assert finder.parse(_read(name)).tool == finder.parse(_read(name), name).tool != "csv"


class TestAnalyse:
    """analyse() is the page's entry point: JSON-ready data, never an exception for bad input."""

    @pytest.mark.parametrize("name", sorted(p.name for p in (REFERENCE / "exports").iterdir()))
    def test_every_export_gives_strict_json_results(self, name):
        """Each export parses, every rule is listed, and the answer serialises without NaN."""
        out = finder.analyse(_read(name), name)
        assert out["ok"], out
        json.dumps(out, allow_nan=False)
        assert len(out["suggestions"]["rules"]) == len(finder.RULES)

    def test_smoothing_defaults_to_none_for_tool_smoothed_curves(self):
        """A curve the tool smoothed is not smoothed twice."""
        assert finder.analyse(_read("torch_lr_finder_history.json"))["smoothing"] == "none"

    def test_smoothing_defaults_to_debiased_ema_for_raw_losses(self):
        """Raw batch losses get fastai's smoothing unless the user picks another."""
        assert finder.analyse(_read("plain_no_header.csv"))["smoothing"] == "debiased_ema"
        assert finder.analyse(_read("plain_no_header.csv"), smoothing="ema")["smoothing"] == "ema"

    def test_bad_input_comes_back_as_data(self):
        """The error is a message in the answer, not an exception."""
        assert finder.analyse("nonsense") == {
            "ok": False,
            "error": "The CSV header must name a learning-rate column (lr) and a loss column (loss); found nonsense.",
        }

    def test_unknown_smoothing_comes_back_as_data(self):
        """A bad smoothing choice is reported, not raised."""
        out = finder.analyse(_read("plain_no_header.csv"), smoothing="median")
        assert out["ok"] is False and "smoothing must be" in out["error"]

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=300))
    def test_any_text_gets_an_answer(self, text):
        """Whatever the file holds, analyse answers with strict JSON."""
        json.dumps(finder.analyse(text), allow_nan=False)


def _minimum_view(text, name=None):
    """The page's analysis, fastai minimum's row and the chart's marks in that row's colour."""
    out = finder.analyse(text, name)
    position, row = next((i, r) for i, r in enumerate(out["suggestions"]["rules"], 1) if r["rule"] == "fastai.minimum")
    marks = [m for m in out["chart"].get("marks", []) if m["colour"] == position]
    return out, row, marks


class TestMinimumShown:
    """fastai's minimum suggests a tenth of the LR at the loss minimum: the page shows both and says which is which."""

    def test_row_says_the_value_is_a_tenth_of_the_lr_at_the_minimum(self):
        """The row's text names the minimum's LR, of which the suggested value is a tenth, and its ○ marker."""
        out, row, _ = _minimum_view(EXAMPLE.read_text(), EXAMPLE.name)
        point_lr = out["chart"]["x"][row["index"]]
        assert row["text"] == fmt.lr(finder.numerics.f32([point_lr])[0] / 10)
        assert row.get("how") == (
            f"{finder.RULES['fastai.minimum']} Here: a tenth of {fmt.lr(point_lr)}, "
            "the LR at the loss minimum (marked ○ on the chart)."
        )

    def test_chart_rings_the_minimum_and_dots_the_suggestion(self):
        """A ring sits on the lowest loss the rule found; a dot sits on the curve at the suggested LR itself."""
        out, row, marks = _minimum_view(EXAMPLE.read_text(), EXAMPLE.name)
        x, y = out["chart"]["x"], out["chart"]["y"]
        assert sorted(m["shape"] for m in marks) == ["dot", "ring"], marks
        ring = next(m for m in marks if m["shape"] == "ring")
        dot = next(m for m in marks if m["shape"] == "dot")
        assert (ring["x"], ring["y"], ring["index"]) == (x[row["index"]], y[row["index"]], row["index"])
        assert ring["label"].startswith("○ the loss minimum")
        assert dot["x"] == row["value"]
        j = max(i for i in range(len(x)) if x[i] <= dot["x"])
        assert min(y[j], y[j + 1]) <= dot["y"] <= max(y[j], y[j + 1])
        assert dot["index"] in (j, j + 1)

    def test_other_rules_are_dotted_at_the_point_they_suggest(self):
        """Every other rule's suggestion is the LR of its chosen point, and one dot marks it."""
        out = finder.analyse(EXAMPLE.read_text(), EXAMPLE.name)
        marks = out["chart"].get("marks", [])
        for position, row in enumerate(out["suggestions"]["rules"], 1):
            if row["rule"] == "fastai.minimum":
                continue
            mine = [m for m in marks if m["colour"] == position]
            assert [(m["shape"], m["index"]) for m in mine] == [("dot", row["index"])], row["rule"]
            assert mine[0]["x"] == pytest.approx(row["value"], rel=1e-6)

    def test_a_suggestion_below_the_tested_range_is_said_to_be_off_the_chart(self):
        """When a tenth of the minimum's LR is below the first tested LR, only the ring is drawn and the row says so."""
        lrs = [10 ** (-3 + i / 50) for i in range(60)]
        losses = [2.0 - 0.05 * i if i <= 20 else 1.0 + 0.05 * (i - 20) for i in range(60)]
        _, row, marks = _minimum_view(json.dumps({"lr": lrs, "loss": losses}))
        assert row["value"] < lrs[0]
        assert [m["shape"] for m in marks] == ["ring"]
        assert row.get("how", "").endswith(
            f"(marked ○ on the chart); {row['text']} is below the tested range, so it is not drawn."
        )


class TestRangeTest:
    """The live range test in pure Python: deterministic, stops on divergence, fast."""

    def test_is_deterministic_for_a_seed(self):
        """Equal arguments give equal curves; another seed gives another curve."""
        a = finder.range_test(num_it=30, seed=3)
        b = finder.range_test(num_it=30, seed=3)
        c = finder.range_test(num_it=30, seed=4)
        assert (a.lrs, a.losses) == (b.lrs, b.losses)
        assert a.raw_losses != c.raw_losses

    def test_ramps_exponentially_from_start_to_end(self):
        """LR_i = start * (end/start)**(i/(N-1))."""
        steps = list(finder.range_test_steps(start_lr=1e-3, end_lr=1e-1, num_it=5, diverge_factor=1e9))
        assert [s.lr for s in steps] == pytest.approx([1e-3 * 100 ** (i / 4) for i in range(5)], rel=1e-12)

    def test_stops_when_the_smoothed_loss_passes_four_times_the_best(self, record_timing):
        """With the defaults the test diverges before its last iteration; the last step is above 4x the best."""
        import time

        start = time.perf_counter()
        test = finder.range_test()
        record_timing("finder.range_test default run", (time.perf_counter() - start) * 1000)
        assert len(test.lrs) < 100
        assert test.losses[-1] > 4 * min(test.losses[:-1])
        assert all(v <= 4 * min(test.losses[: i + 1]) for i, v in enumerate(test.losses[:-1]))
        assert "diverged" in test.notes[0]

    def test_smoothed_losses_are_fastais_debiased_ema_of_the_batch_losses(self):
        """The recorded curve is smooth(raw, "debiased_ema")."""
        test = finder.range_test(num_it=40)
        assert test.losses == pytest.approx(finder.smooth(test.raw_losses, "debiased_ema"), rel=1e-12)

    def test_loss_falls_before_it_diverges(self):
        """A real descent: the best smoothed loss is well below the first."""
        test = finder.range_test()
        assert min(test.losses) < 0.7 * test.losses[0]

    def test_mlp_runs_and_streams_steps(self):
        """The MLP variant works, and on_step sees every iteration in order."""
        seen = []
        test = finder.range_test(model="mlp", num_it=20, on_step=seen.append)
        assert [s.iteration for s in seen] == list(range(len(test.lrs)))
        assert test.detected.startswith("lrcalc range test: an MLP")

    def test_its_curve_gets_suggestions_from_every_rule(self):
        """The live curve goes through suggest_all like any tool's output."""
        test = finder.range_test()
        rows = finder.suggest_all(test.lrs, test.losses, num_it=test.num_it)["rules"]
        assert all(r["value"] is not None for r in rows)

    @pytest.mark.parametrize(("kwargs", "message"), [
        ({"start_lr": 0}, "start_lr must be a finite number > 0"),
        ({"end_lr": 1e-5}, "end_lr must be > start_lr"),
        ({"num_it": 1}, "num_it must be a whole number >= 2"),
        ({"model": "resnet"}, "model must be softmax or mlp"),
        ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
    ])
    def test_rejects_bad_arguments_by_name(self, kwargs, message):
        """Each message names the argument and the value."""
        with pytest.raises(FinderError, match=message):
            next(finder.range_test_steps(**kwargs))


def test_docstring_examples():
    """Every >>> example in lrcalc.finder's modules gives the output written under it."""
    import doctest

    outcomes = [doctest.testmod(m, optionflags=doctest.ELLIPSIS) for m in (finder.numerics, finder.rules, finder.live)]
    assert sum(o.attempted for o in outcomes) > 10 and all(o.failed == 0 for o in outcomes)
