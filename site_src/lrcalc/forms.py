"""Reading numbers from what a user typed: the rules every form and the CLI share.

Each reader returns a value or raises :class:`FieldError` with a message that
names the field, says what is wrong and what is allowed, and quotes the input
(shortened when long): ``Decay rate must be > 0 (got -0.5).``
"""

from __future__ import annotations

import math

ECHO_LIMIT = 24
"""User text longer than this is shortened when quoted back in a message."""


class FieldError(Exception):
    """Bad text in one field; ``message`` says what is wrong and what is allowed."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class Invalid(Exception):
    """Field errors gathered while reading a form: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def echo(text: str) -> str:
    """The user's text as quoted in a message, shortened when very long.

    >>> echo("0.01"), echo("9" * 40)
    ('0.01', '99999999999999999999999…')
    """
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


def _clean(text: str) -> str:
    """Drop spaces and read a typographic minus as '-'."""
    return text.replace("\u2212", "-").replace(" ", "")


def read_number(name: str, label: str, text: str, example: str = "0.01") -> float:
    """A finite decimal such as ``0.01``, ``3e-4`` or ``1_000``.

    >>> read_number("lr", "Learning rate", " 3e-4 ")
    0.0003
    """
    cleaned = _clean(text)
    if not cleaned:
        raise FieldError(name, f"{label} is required: enter a number, such as {example}.")
    if "," in cleaned and "." not in cleaned:
        raise FieldError(name, f"{label} must use a dot for decimals, such as {example} (got {echo(text)}).")
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise FieldError(name, f"{label} must be a number, such as {example} or 3e-4 (got {echo(text)}).")
    if math.isinf(value):
        raise FieldError(name, f"{label} must be a finite number, at most 1.8e308 (got {echo(text)}).")
    return value


def read_whole(name: str, label: str, text: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``; ``1e3`` and ``1_000`` read as 1000.

    >>> read_whole("epochs", "Number of epochs", "1e3", 1, 10_000_000)
    1000
    """
    allowed = f"a whole number from {low:,} to {high:,}"
    cleaned = _clean(text)
    if not cleaned:
        raise FieldError(name, f"{label} is required: enter {allowed}.")
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not value.is_integer() or not low <= value <= high:
        raise FieldError(name, f"{label} must be {allowed} (got {echo(text)}).")
    return int(value)
