"""Number formatting: the one place numbers become text."""

import math

import pytest

from lrcalc import fmt


class TestLr:
    """Computed values read with 4 significant digits, never as raw floats."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (0.01 * 0.95**30, "0.002146"),
            (2.1463876e-5, "2.146e-5"),
            (0.0095, "0.0095"),
            (0.00025, "0.00025"),
            (0.0001, "0.0001"),
            (0.00009999, "9.999e-5"),
            (3e-4 * 0.1**3, "3e-7"),
            (0.0000029999999999999997, "3e-6"),
            (1.0, "1"),
            (131.50125784630412, "131.5"),
            (1.05**1000, "1.546e21"),
            (0.0, "0"),
            (-0.0, "0"),
            (5e-324, "4.941e-324"),
            (1.7976931348623157e308, "1.798e308"),
        ],
    )
    def test_formats(self, value, text):
        """Plain decimals between 1e-4 and 1e4, scientific outside, no trailing zeros."""
        assert fmt.lr(value) == text

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
    def test_refuses_non_finite_values(self, value):
        """NaN or infinity never become text such as 'nan' or 'inf'."""
        with pytest.raises(ValueError, match="non-finite"):
            fmt.lr(value)


class TestNumber:
    """Inputs are echoed exactly, in their shortest form."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [(0.01, "0.01"), (3e-4, "0.0003"), (1e-5, "1e-5"), (25.0, "25"), (0.95, "0.95"), (1e16, "1e16"), (1e-300, "1e-300")],
    )
    def test_formats(self, value, text):
        """The shortest text that reads back as the same float."""
        assert fmt.number(value) == text
        assert float(text) == value


def test_count_groups_thousands():
    """Whole numbers in prose carry thousands separators."""
    assert fmt.count(10_000_000) == "10,000,000"
    assert fmt.count(25) == "25"


def test_listing_joins_with_and():
    """Lists read as prose."""
    assert fmt.listing(["25", "50", "75"]) == "25, 50 and 75"
    assert fmt.listing(["a", "b"]) == "a and b"
    assert fmt.listing([]) == ""
