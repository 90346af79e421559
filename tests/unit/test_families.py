"""lrcalc's own schedule families: closed forms, conventions, argument rules and properties."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcalc
from lrcalc import InvalidArgument


class TestMultistep:
    """The drop at milestone m first applies at step m; each milestone multiplies once."""

    def test_drops_at_each_milestone(self):
        """Steps before, at and after each milestone."""
        s = lrcalc.multistep_decay(0.1, [3, 6], 0.5)
        assert [s(t) for t in (0, 2, 3, 5, 6, 9)] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]

    def test_raises_when_milestones_are_not_increasing(self):
        """Repeated or unordered milestones are refused (PyTorch's MultiStepLR counts repeats; use the library mode)."""
        with pytest.raises(InvalidArgument, match="milestones must be increasing"):
            lrcalc.multistep_decay(0.1, [6, 3], 0.5)


class TestPiecewise:
    """Piecewise constant changes at the boundary; interpolated goes through each knot."""

    def test_constant_changes_at_the_boundary(self):
        """optax's convention: count >= boundary takes the next value."""
        s = lrcalc.piecewise_constant([10, 20], [0.1, 0.01, 0.001])
        assert [s(t) for t in (9, 10, 19, 20)] == [0.1, 0.01, 0.01, 0.001]

    def test_raises_when_values_do_not_fit_boundaries(self):
        """One more value than boundaries."""
        with pytest.raises(InvalidArgument, match="values must be a list of 3 numbers"):
            lrcalc.piecewise_constant([10, 20], [0.1, 0.01])

    @pytest.mark.parametrize("kind", ["linear", "cosine"])
    def test_interpolated_goes_through_each_knot(self, kind):
        """At every boundary the value is the knot's value; halfway, the midpoint."""
        s = lrcalc.piecewise_interpolate([0, 10, 30], [0.0, 0.1, 0.02], kind)
        assert [s(0), s(10), s(30), s(50)] == [0.0, 0.1, 0.02, 0.02]
        assert s(5) == pytest.approx(0.05)


class TestSmoothDecays:
    """Polynomial, linear, cosine, inverse time, inverse sqrt and tanh closed forms."""

    def test_polynomial_closed_form_and_hold(self):
        """(init - end)(1 - t/T)^p + end, holding end after T."""
        s = lrcalc.polynomial_decay(0.1, 0.01, 20, power=0.5)
        for t in (0, 7, 20):
            assert s(t) == pytest.approx((0.1 - 0.01) * (1 - t / 20) ** 0.5 + 0.01)
        assert s(100) == 0.01

    def test_polynomial_cycle_stretches_like_keras(self):
        """With cycle, the decay length grows to the next multiple of steps."""
        s = lrcalc.polynomial_decay(0.1, 0.0, 10, cycle=True)
        assert s(15) == pytest.approx(0.1 * (1 - 15 / 20))

    def test_linear_may_rise_and_start_at_zero(self):
        """A warmup ramp from 0."""
        s = lrcalc.linear(0.0, 0.1, 4)
        assert [s(t) for t in range(6)] == pytest.approx([0.0, 0.025, 0.05, 0.075, 0.1, 0.1])

    def test_cosine_floor_is_absolute_and_holds(self):
        """end_value is reached at steps and kept after (unlike PyTorch's CosineAnnealingLR)."""
        s = lrcalc.cosine_decay(0.1, 10, end_value=0.01)
        assert s(5) == pytest.approx(0.055)
        assert s(10) == pytest.approx(0.01)
        assert s(25) == pytest.approx(0.01)

    def test_cosine_exponent(self):
        """Raising the cosine factor to a power decays sooner."""
        assert lrcalc.cosine_decay(0.1, 10, exponent=2.0)(5) == pytest.approx(0.1 * 0.25)

    def test_inverse_time_and_staircase(self):
        """init / (1 + r t / s), with t / s floored by staircase."""
        assert lrcalc.inverse_time_decay(0.1, 10, 0.5)(5) == pytest.approx(0.1 / 1.25)
        assert lrcalc.inverse_time_decay(0.1, 10, 0.5, staircase=True)(5) == 0.1

    def test_inverse_sqrt_holds_then_decays(self):
        """Constant up to the timescale, then sqrt(s / t)."""
        s = lrcalc.inverse_sqrt(0.1, 100)
        assert s(50) == 0.1
        assert s(400) == pytest.approx(0.05)

    def test_tanh_falls_from_init_to_floor(self):
        """Near the peak at the start, near the floor at the end."""
        s = lrcalc.tanh_decay(0.1, 100, end_value=0.001)
        for t, r in ((0, 0.0), (50, 0.5), (100, 1.0)):
            assert s(t) == pytest.approx(0.001 + 0.5 * 0.099 * (1 - math.tanh(-7 * (1 - r) + 3 * r)))
        assert s(0) > s(50) > s(100) > 0.001

    def test_tanh_needs_upper_above_lower(self):
        """The tanh window must not be empty."""
        with pytest.raises(InvalidArgument, match="upper must be > lower"):
            lrcalc.tanh_decay(0.1, 10, lower=3, upper=-7)


class TestCycles:
    """Restarts, cyclic and one-cycle."""

    def test_restarts_with_growing_periods_and_decaying_peaks(self):
        """Periods 10, 20, 40; each peak multiplied by peak_decay."""
        s = lrcalc.cosine_restarts(0.1, 10, period_mult=2, peak_decay=0.5)
        assert (s(0), s(10), s(30)) == pytest.approx((0.1, 0.05, 0.025))
        assert s(20) == pytest.approx(0.05 * (1 + math.cos(math.pi * 10 / 20)) / 2)

    @pytest.mark.parametrize(("mode", "second_peak"), [("triangular", 0.006), ("triangular2", 0.0035), ("exp_range", None)])
    def test_cyclic_modes(self, mode, second_peak):
        """The first peak is max_value (exp_range: times gamma^t); triangular2 halves the amplitude."""
        s = lrcalc.cyclic(0.001, 0.006, 4, mode=mode, gamma=0.9)
        assert s(0) == 0.001
        if second_peak is not None:
            assert s(12) == pytest.approx(second_peak)
        else:
            assert s(4) == pytest.approx(0.001 + 0.005 * 0.9**4)

    def test_cyclic_asymmetric(self):
        """Up in 2 steps, down in 6."""
        s = lrcalc.cyclic(0.0, 0.6, 2, step_size_down=6)
        assert [s(t) for t in range(9)] == pytest.approx([0.0, 0.3, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])

    def test_one_cycle_matches_pytorch_phases(self):
        """Start max/div, peak at pct_start*total - 1, end max/(div*final_div); holds after the end."""
        s = lrcalc.one_cycle(0.1, 100)
        assert s(0) == pytest.approx(0.004)
        assert s(29) == pytest.approx(0.1)
        assert s(99) == pytest.approx(0.004 / 1e4)
        assert s(500) == s(99)

    def test_one_cycle_matches_from_library_within_the_run(self):
        """lrcalc.one_cycle equals PyTorch's OneCycleLR (replayed) for every step of the cycle."""
        ours = lrcalc.one_cycle(0.1, 50, three_phase=True, anneal="linear")
        torch = lrcalc.from_library("torch.optim.lr_scheduler.OneCycleLR", lr=0.1, max_lr=0.1, total_steps=50, three_phase=True, anneal_strategy="linear")
        for t in range(50):
            assert ours(t) == pytest.approx(torch(t), rel=1e-12, abs=1e-15)


class TestComposition:
    """Warmup, WSD, join and chain."""

    def test_warmup_comes_before_the_schedule(self):
        """The wrapped schedule starts from its own step 0 after the warmup."""
        inner = lrcalc.cosine_decay(0.1, 20)
        s = lrcalc.warmup(inner, 5)
        assert [s(t) for t in range(5)] == pytest.approx([0.0, 0.02, 0.04, 0.06, 0.08])
        assert s(5) == inner(0)
        assert s(15) == inner(10)

    def test_constant_warmup_holds_the_start_value(self):
        """kind='constant' holds start_value for the warmup steps."""
        s = lrcalc.warmup(lrcalc.constant(0.1), 3, start_value=0.01, kind="constant")
        assert [s(t) for t in range(5)] == [0.01, 0.01, 0.01, 0.1, 0.1]

    @pytest.mark.parametrize("decay", ["linear", "cosine", "1-sqrt"])
    def test_warmup_stable_decay_phases(self, decay):
        """Rises to the peak, holds it, decays to end_value and holds."""
        s = lrcalc.warmup_stable_decay(0.1, 10, 20, 10, end_value=0.01, decay=decay)
        assert s(10) == 0.1
        assert s(29) == 0.1
        assert s(40) == pytest.approx(0.01)
        assert s(99) == pytest.approx(0.01)

    def test_join_rebases_each_schedule(self):
        """After each boundary the next schedule starts from step 0."""
        s = lrcalc.join([lrcalc.constant(0.1), lrcalc.exponential_decay(0.05, 0.5)], [3])
        assert [s(t) for t in range(6)] == [0.1, 0.1, 0.1, 0.05, 0.025, 0.0125]

    def test_chain_multiplies_by_factors(self):
        """Later schedules are unitless multipliers."""
        s = lrcalc.chain([lrcalc.constant(0.1), lrcalc.linear(0.5, 1.0, 2)])
        assert [s(t) for t in range(4)] == pytest.approx([0.05, 0.075, 0.1, 0.1])


class TestPlateau:
    """Reduce on plateau, driven by pasted metrics."""

    def test_cuts_after_patience_bad_epochs(self):
        """The third metric without improvement (patience 2) cuts the rate; the cooldown then holds it."""
        s = lrcalc.reduce_on_plateau(0.1, [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], patience=2, cooldown=1)
        assert [round(s(t), 12) for t in range(8)] == [0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01]

    def test_matches_pytorch(self):
        """The same metrics give PyTorch's ReduceLROnPlateau curve."""
        metrics = [1.0, 0.99, 0.99, 0.98, 0.98, 0.98, 0.98, 0.5, 0.5, 0.5, 0.5]
        ours = lrcalc.reduce_on_plateau(0.1, metrics, patience=1, threshold=0.05, min_value=0.002)
        torch = lrcalc.from_library("torch.optim.lr_scheduler.ReduceLROnPlateau", lr=0.1, metrics=metrics, patience=1, threshold=0.05, min_lr=0.002)
        assert [ours(t) for t in range(len(metrics) + 1)] == [torch(t) for t in range(len(metrics) + 1)]


FAMILIES = {
    "polynomial": lambda a, b, n: lrcalc.polynomial_decay(a, b * a, n),
    "cosine": lambda a, b, n: lrcalc.cosine_decay(a, n, end_value=b * a),
    "tanh": lambda a, b, n: lrcalc.tanh_decay(a, n, end_value=b * a),
    "inverse_time": lambda a, b, n: lrcalc.inverse_time_decay(a, n, b * 10),
    "inverse_sqrt": lambda a, b, n: lrcalc.inverse_sqrt(a, n),
    "step": lambda a, b, n: lrcalc.step_decay(a, n, max(b, 1e-3)),
    "exponential": lambda a, b, n: lrcalc.exponential_decay(a, max(b, 1e-3)),
}


@settings(max_examples=150, deadline=None)
@given(
    family=st.sampled_from(sorted(FAMILIES)),
    init=st.floats(1e-6, 10),
    floor=st.floats(0, 0.99),
    steps=st.integers(1, 500),
    t=st.integers(0, 2000),
)
def test_decays_are_finite_non_negative_and_non_increasing(family, init, floor, steps, t):
    """Every decay family stays finite, >= 0, and never rises from one step to the next."""
    s = FAMILIES[family](init, floor, steps)
    now, after = s(t), s(t + 1)
    assert math.isfinite(now) and now >= 0
    assert after <= now * (1 + 1e-12)


@settings(max_examples=100, deadline=None)
@given(init=st.floats(1e-6, 10), steps=st.integers(2, 300), t=st.integers(0, 299))
def test_cosine_is_continuous(init, steps, t):
    """Neighbouring steps differ by at most the largest slope times one step."""
    s = lrcalc.cosine_decay(init, steps)
    assert abs(s(t + 1) - s(t)) <= init * math.pi / (2 * steps) + 1e-15


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(["init_value", "steps", "end_value"]),
    bad=st.one_of(st.just(-1), st.just(math.nan), st.just(math.inf), st.just("0.1"), st.none()),
)
def test_invalid_arguments_name_the_field(name, bad):
    """Any invalid argument raises ValueError naming that argument."""
    kwargs = {"init_value": 0.1, "steps": 10, "end_value": 0.0, name: bad}
    with pytest.raises(ValueError, match=name):
        lrcalc.cosine_decay(**kwargs)
