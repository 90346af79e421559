"""The LR range test: read any tool's output, reproduce each tool's suggestion, add a robust one.

Leslie Smith's LR range test (Smith, *Cyclical Learning Rates for Training
Neural Networks*, 2017) trains for a few hundred batches while the learning rate
grows from tiny to huge, and reads a good learning rate off the loss curve. The
popular tools all run it, and all suggest a different point of the same curve:

=============================  =====================================================
rule                           what the tool does
=============================  =====================================================
``fastai.minimum``             LR at the lowest loss, divided by 10
``fastai.steep``               LR where the loss falls fastest per unit of log LR
``fastai.valley``              middle of the longest descending run of the curve
``fastai.slide``               where the slope stops changing, sliding leftwards
``torch_lr_finder.steepest``   most negative ``numpy.gradient`` of the loss
``lightning.steepest``         most negative ``d loss / d lr`` (``torch.gradient``)
``lrcalc.recommended``         ours: steepest descent before the minimum, shrunk
=============================  =====================================================

Each tool's rule is reproduced exactly, quirks included: the same trimming, the
same arithmetic (float32 where the tool computes in float32, emulated with
:mod:`array`), the same tie-breaking, so :func:`suggest` returns the tool's value
and :func:`suggest_point` the index of the point it chose. The package is
standard-library only and runs under Pyodide.

Its modules, each building on the ones before it:

- ``errors``: :class:`FinderError`, raised for input the finder cannot use, with
  a message for the page.
- ``numerics``: float32 emulation, :func:`argmin`, numpy's and torch's
  gradients, and :func:`smooth`, the tools' smoothing formulas, explicitly.
- ``files``: :func:`parse` reads a tool's exported output (JSON or CSV) into a
  :class:`RangeTest`, saying what it detected.
- ``rules``: :func:`suggest`, :func:`suggest_point` and :func:`suggest_all`
  apply the rules; :func:`recommended_details` explains lrcalc's own.
- ``analysis``: :func:`analyse` wraps reading and the rules into JSON-ready data
  for the page (the chart's marks included) that never raises for bad input.
- ``live``: :func:`range_test_steps` and :func:`range_test` run a real range
  test in pure Python (softmax regression or a small MLP on 8x8 digits).

Every public name is re-exported here: ``finder.parse`` and
``from lrcalc.finder import parse`` both work.

Conventions: ``lrs`` and ``losses`` are the lists exactly as the tool returns
them (the tool's rules do their own trimming and NaN handling); indexes are
0-based positions in those lists.
"""

from .analysis import analyse, analyse_test
from .errors import FinderError
from .files import MIN_POINTS, RangeTest, parse
from .live import RangeTestRun, Step, range_test, range_test_steps
from .numerics import SMOOTHING, argmin, centred_average, gradient, smooth, undo_lightning_offset
from .rules import (
    CHOSEN_POINTS,
    RULE_LABELS,
    RULES,
    Suggestion,
    agreement,
    recommended_details,
    suggest,
    suggest_all,
    suggest_point,
)

__all__ = [
    "CHOSEN_POINTS",
    "MIN_POINTS",
    "RULES",
    "RULE_LABELS",
    "SMOOTHING",
    "FinderError",
    "RangeTest",
    "RangeTestRun",
    "Step",
    "Suggestion",
    "agreement",
    "analyse",
    "analyse_test",
    "argmin",
    "centred_average",
    "gradient",
    "parse",
    "range_test",
    "range_test_steps",
    "recommended_details",
    "smooth",
    "suggest",
    "suggest_all",
    "suggest_point",
    "undo_lightning_offset",
]
