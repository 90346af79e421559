"""The docstring examples in lrcalc run and hold."""

import doctest
import importlib

import pytest

MODULES = [
    "lrcalc",
    "lrcalc.schedules.checks",
    "lrcalc.schedules.decays",
    "lrcalc.schedules.cycles",
    "lrcalc.schedules.compose",
    "lrcalc.schedules.plateau",
    "lrcalc.fmt",
    "lrcalc.forms",
    "lrcalc.calculator",
    "lrcalc.web",
    "lrcalc.libraries",
    "lrcalc.paste",
    "lrcalc.explore",
    "lrcalc.phases",
    "lrcalc.page.state",
    "lrcalc.page.view",
    "lrcalc.compare",
    "lrcalc.batch",
    "lrcalc.finder",
    "lrcalc.finder.numerics",
    "lrcalc.finder.rules",
    "lrcalc.finder.live",
    "lrcalc.export",
    "lrcalc.export.expr",
    "lrcalc.cli",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    """Every >>> example in the module gives the output written under it."""
    outcome = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert outcome.failed == 0
