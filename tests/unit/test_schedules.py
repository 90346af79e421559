"""The schedule factories: closed forms, PyTorch's step counting, and argument rules."""

import math

import pytest

from lrcalc import InvalidArgument, constant, exponential_decay, step_decay


class TestExponentialDecay:
    """LR(t) = init_value * decay_rate**t for the 0-based step t."""

    @pytest.mark.parametrize("t", [0, 1, 2, 30, 31, 99, 1000])
    def test_matches_closed_form(self, t):
        """Every step gives the closed form."""
        assert exponential_decay(0.01, 0.95)(t) == 0.01 * 0.95**t

    def test_step_zero_is_the_initial_value(self):
        """No decay has been applied at step 0."""
        assert exponential_decay(0.1, 0.5)(0) == 0.1

    def test_matches_recursive_multiplication_like_pytorch(self):
        """PyTorch's ExponentialLR multiplies once per step(); the closed form agrees to 1e-15 relative."""
        lr = 0.01
        schedule = exponential_decay(0.01, 0.95)
        for t in range(200):
            assert schedule(t) == pytest.approx(lr, rel=1e-13)
            lr *= 0.95

    def test_rate_above_one_grows(self):
        """A decay rate above 1 makes the learning rate grow."""
        schedule = exponential_decay(0.01, 1.1)
        assert schedule(10) > schedule(9) > schedule(0)

    def test_overflow_reads_infinity(self):
        """Past the float range the value is inf rather than an exception."""
        assert exponential_decay(0.01, 2.0)(5000) == math.inf

    def test_underflow_reads_zero(self):
        """A long decay reaches 0.0, as in floating point."""
        assert exponential_decay(0.01, 0.5)(5000) == 0.0

    @pytest.mark.parametrize("rate", [0, -0.5, math.nan, math.inf])
    def test_raises_when_decay_rate_is_not_positive_and_finite(self, rate):
        """The error names the argument and the value."""
        with pytest.raises(InvalidArgument, match="decay_rate must be"):
            exponential_decay(0.01, rate)

    def test_error_message_names_argument_rule_and_value(self):
        """The message reads like optax's, but never falls back silently."""
        with pytest.raises(ValueError) as error:
            exponential_decay(0.01, -0.5)
        assert str(error.value) == "decay_rate must be > 0 (got decay_rate=-0.5)"
        assert (error.value.name, error.value.rule, error.value.value) == ("decay_rate", "> 0", -0.5)

    def test_raises_on_negative_step(self):
        """No library evaluates a schedule before step 0."""
        with pytest.raises(InvalidArgument, match="step must be >= 0"):
            exponential_decay(0.01, 0.95)(-1)


class TestStepDecay:
    """LR(t) = init_value * decay_factor**floor(t / step_size), as PyTorch's StepLR."""

    def test_first_drop_is_at_step_size(self):
        """Steps 0 .. step_size-1 keep the initial value; the drop comes at step_size."""
        schedule = step_decay(0.001, 25, 0.5)
        assert [schedule(t) for t in (0, 24, 25, 49, 50)] == [0.001, 0.001, 0.0005, 0.0005, 0.00025]

    @pytest.mark.parametrize("t", range(0, 130, 7))
    def test_matches_closed_form(self, t):
        """Every step gives the closed form."""
        assert step_decay(0.1, 30, 0.1)(t) == 0.1 * 0.1 ** (t // 30)

    @pytest.mark.parametrize("size", [0, -3, 2.5, "25", True])
    def test_raises_when_step_size_is_not_a_positive_whole_number(self, size):
        """step_size must be a whole number >= 1."""
        with pytest.raises(InvalidArgument, match="step_size must be"):
            step_decay(0.1, size, 0.5)

    @pytest.mark.parametrize("factor", [0, -1, math.inf])
    def test_raises_when_decay_factor_is_not_positive(self, factor):
        """decay_factor must be finite and > 0."""
        with pytest.raises(InvalidArgument, match="decay_factor must be"):
            step_decay(0.1, 10, factor)


class TestConstant:
    """LR(t) = value."""

    @pytest.mark.parametrize("t", [0, 1, 10**7])
    def test_never_changes(self, t):
        """The value is the same at every step."""
        assert constant(3e-4)(t) == 3e-4

    @pytest.mark.parametrize("value", [0, -0.01, math.nan, "0.1", None])
    def test_raises_when_value_is_not_positive_number(self, value):
        """value must be a finite number > 0."""
        with pytest.raises(InvalidArgument, match="value must be"):
            constant(value)
