"""Number formatting: the one place where numbers become text.

Every number the page, the article, the CLI or the copied text shows goes
through one of these functions, so the same value always reads the same way.
"""

from __future__ import annotations

import math

SIGNIFICANT_DIGITS = 4


_EXPONENTS: dict[str, str] = {}  # "-05" -> "e-5", filled as met (a few hundred at most)


def _tidy_exponent(text: str) -> str:
    """Rewrite Python's ``2.146e-05`` / ``1e+21`` as ``2.146e-5`` / ``1e21``."""
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text
    tidy = _EXPONENTS.get(exponent)
    if tidy is None:
        sign = "-" if exponent.startswith("-") else ""
        tidy = _EXPONENTS[exponent] = f"e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return mantissa + tidy


def lr(value: float) -> str:
    """A computed value to 4 significant digits: ``0.002146``, ``2.146e-5``.

    Plain decimals from 1e-4 up to 1e4, scientific notation outside; trailing
    zeros are dropped (``0.0095``, not ``0.009500``), and -0 reads ``0``.

    >>> lr(0.01 * 0.95**30), lr(2.1463876e-5), lr(0.00025), lr(1.05**1000)
    ('0.002146', '2.146e-5', '0.00025', '1.546e21')
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format a non-finite value ({value!r})")
    if value == 0:
        return "0"
    return _tidy_exponent(format(value, f".{SIGNIFICANT_DIGITS}g"))


def number(value: float) -> str:
    """An input echoed back exactly, in its shortest form: ``0.01``, ``1e-5``.

    >>> number(0.01), number(3e-4), number(25.0), number(1e16)
    ('0.01', '0.0003', '25', '1e16')
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format a non-finite value ({value!r})")
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return _tidy_exponent(repr(float(value)))


def count(value: int) -> str:
    """A whole number with thousands separators, for prose: ``10,000,000``.

    >>> count(10_000_000)
    '10,000,000'
    """
    return f"{value:,}"


def listing(items: list[str]) -> str:
    """Join items as prose: ``25, 50 and 75``.

    >>> listing(["25", "50", "75"]), listing(["25"])
    ('25, 50 and 75', '25')
    """
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
