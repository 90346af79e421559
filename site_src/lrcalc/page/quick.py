"""The page's first answer, before Python has loaded: the classic calculator in JavaScript, written from lrcalc.

On a first visit Python arrives last (13 MB; a minute over a slow phone connection), and a visitor who
changes the epoch meanwhile would wait for it. So the page also ships ``quick.js``: the module that
:func:`module` writes at build time, from the hand-written ``site_src/static/quick.js`` and a preamble
of what lrcalc knows, so that nothing in it restates lrcalc by hand:

- each classic schedule's learning rate at step ``t``: its lrcalc record's closed form, the same
  expression the code export writes, rendered in :data:`~lrcalc.export.expr.JAVASCRIPT`;
- the form: which fields each schedule reads, which are reals and which whole numbers (and their
  least values), the count-from choices, the epoch limit;
- the chart's texts (the x axis, a drop's mark) and its size.

The module answers only what it can answer exactly as :func:`lrcalc.calculator.calculate` would: the
four results and the chart, for a form whose every field reads as a plain decimal and follows its
field's rule, whose curve stays within the normal floats and is at most
:data:`~lrcalc.chart.CHART_POINTS` epochs long, whose texts do not turn on how C's pow rounds a power
near a midpoint, and that nothing is saved beside for comparison. For any other form (an error to give,
say) it answers ``null`` and the page waits for Python; the formula, the steps, the notes, the code and
the link always come from Python, and the page never asks quick.js again once Python is ready.

A differential test (``tests/pyodide/test_quick.py``) runs the module in Node against
``calculate`` on forms that hypothesis generates and requires the same text for every result and
every point of the chart, and that the module answers the forms it should.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..calculator import CHART_LABELS, DROP_MARK, FIELDS, KINDS, MAX_EPOCHS, MAX_MARKS, RESULTS, WHOLE_FROM, X_LABEL
from ..chart import CHART_POINTS
from ..export.expr import JAVASCRIPT, STEP, Body, name, render, wrap
from ..fmt import SIGNIFICANT_DIGITS
from ..libraries import lookup

SOURCE = "site_src/static/quick.js"
"""The hand-written part: reads the form, evaluates the curve, formats the numbers."""


def closed_form(kind) -> str:
    """A classic schedule's learning rate at step ``t`` as a JavaScript arrow function of its form fields."""
    spec = lookup(kind.api)
    body = Body()
    expression = wrap(spec.closed(body, STEP, None, {argument: name(field) for argument, field in kind.arguments}))
    if body.lines:  # the classic closed forms are one expression; a longer one would need its lets written too
        raise ValueError(f"{kind.api}: a closed form with intermediate values cannot be written for the first answer")
    fields = ", ".join(sorted({field for _, field in kind.arguments}))
    return f"(t, {{ {fields} }}) => {render(expression, JAVASCRIPT)}"


def preamble() -> str:
    """The constants and closed forms quick.js reads, as JavaScript."""
    form = {
        "kinds": {
            kind.name: {"fields": list(kind.fields[1:]), "drops": kind.drop_field}
            for kind in KINDS.values()
        },
        "reals": [f.name for f in FIELDS.values() if f.kind == "real"],
        "wholeFrom": WHOLE_FROM,
        "countFrom": [value for value, _ in FIELDS["count_from"].choices],
        "maxEpochs": MAX_EPOCHS,
        "results": list(RESULTS),
        "chartPoints": CHART_POINTS,
        "maxMarks": MAX_MARKS,
        "digits": SIGNIFICANT_DIGITS,
        "xLabel": X_LABEL,
        "dropMark": DROP_MARK,
        "labels": CHART_LABELS,
    }
    curves = ",\n".join(f"  {json.dumps(kind.name)}: {closed_form(kind)}" for kind in KINDS.values())
    return (
        "// Written by lrcalc.page.quick at build time, from lrcalc: the form's rules and the classic schedules' closed forms.\n"
        f"const FORM = {json.dumps(form, separators=(',', ':'))};\n"
        f"const CURVES = {{\n{curves},\n}};\n\n"
    )


def module(root: Path) -> str:
    """quick.js as the page loads it: the preamble, then the hand-written part."""
    return preamble() + (root / SOURCE).read_text(encoding="utf-8")
