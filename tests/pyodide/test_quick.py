"""The page's first answer (quick.js, lrcalc.page.quick) against lrcalc: the same text, or no answer.

quick.js answers the classic calculator while Python loads. Run in Node on forms hypothesis writes, it
must never answer a form that lrcalc would answer differently or refuse: where it answers, every result
and every point of the chart reads as :func:`lrcalc.calculator.calculate` gives it. And it must answer
the forms it is there for: plain numbers that lrcalc accepts without a note, on a curve short enough to
draw every epoch.
"""

from __future__ import annotations

import json
import math
import re
import subprocess

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lrcalc import fmt
from lrcalc.calculator import CHART_POINTS, DEFAULTS, KINDS, calculate
from lrcalc.page import State, view
from lrcalc.page.quick import module

PLAIN = re.compile(r"^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*$", re.ASCII)
"""A field's text that quick.js reads itself (anything else it leaves to Python)."""


class Quick:
    """quick.js in a Node process, asked one question at a time."""

    def __init__(self, node: str, path) -> None:
        self.proc = subprocess.Popen(
            [node, str(path.parent / "quick_server.mjs"), str(path.with_name("quick.js"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, request: dict):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        assert not (isinstance(reply, dict) and "thrown" in reply), reply
        return reply

    def answer(self, state: State):
        return self.ask({"answer": state.to_page()})


@pytest.fixture(scope="module")
def quick(root, node, tmp_path_factory):
    """quick.js as the build writes it, in Node."""
    folder = tmp_path_factory.mktemp("quick")
    (folder / "quick.js").write_text(module(root), encoding="utf-8")
    (folder / "quick_server.mjs").write_text((root / "tests/pyodide/quick_server.mjs").read_text(encoding="utf-8"), encoding="utf-8")
    client = Quick(node, folder / "quick_server.mjs")
    yield client
    client.proc.stdin.close()
    client.proc.wait(timeout=10)


def decimal_texts(value: float) -> st.SearchStrategy[str]:
    """Ways a user could type ``value``: repr, scientific, padded, with a typographic minus."""
    return st.sampled_from([repr(value), f"{value:e}", f"{value:.3g}", f" {value!r} ", f"{value:.6f}", f"{value:E}", f"+{value!r}"])


reals = st.one_of(
    st.floats(min_value=1e-12, max_value=10, allow_nan=False).flatmap(decimal_texts),
    st.floats(min_value=0.5, max_value=1.5).flatmap(decimal_texts),
    st.sampled_from(["0.95", "1", "1.0", "2", "1e-4", "3e-4", ".5", "5.", "0", "-0.5", "\u22120.5", "", "abc", "1,5", "1_0", "inf", "nan", "1e999", "1e-330", "0x10", "\u0661"]),
)
wholes = st.one_of(
    st.integers(min_value=-3, max_value=1_200).map(str),
    st.integers(min_value=0, max_value=1_200).map(lambda n: f"{n}.0"),
    st.integers(min_value=1, max_value=12).map(lambda n: f"{n}e2"),
    st.sampled_from(["", "2.5", "1e7", "10000001", " 30 ", "1_000", "x", "+5"]),
)
forms = st.fixed_dictionaries(
    {
        "schedule": st.sampled_from(list(KINDS)),
        "initial_lr": reals,
        "decay_rate": reals,
        "step_size": wholes,
        "step_factor": reals,
        "total_epochs": wholes,
        "current_epoch": wholes,
        "count_from": st.sampled_from(["0", "1", "0", "1", " 1 ", "2", ""]),
    }
)


def state_of(form: dict) -> State:
    return State(schedule=form["schedule"], classic={k: v for k, v in form.items() if k != "schedule"})


def plain(form: dict) -> bool:
    """Every field the schedule reads is a plain decimal (quick.js reads those itself)."""
    return all(PLAIN.match(form[name]) for name in KINDS[form["schedule"]].fields[1:])


@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms)
@example({**DEFAULTS})
@example({**DEFAULTS, "schedule": "step"})
@example({**DEFAULTS, "schedule": "constant", "count_from": "1", "current_epoch": "1"})
@example({**DEFAULTS, "schedule": "step", "step_size": "1", "total_epochs": "1000"})
def test_answers_as_lrcalc_or_not_at_all(quick, form):
    """Where quick.js answers, lrcalc answers the same text for every result and every point; where
    lrcalc answers plain numbers without a note on a curve it draws whole, quick.js answers."""
    got = quick.answer(state_of(form))
    want = calculate(form)
    if got is None:
        whole = want["ok"] and not want["chart"]["table_note"]
        assert not (whole and not want["notes"] and plain(form)), (form, want)
        return
    assert want["ok"], (form, want)
    assert [(r["id"], r["text"]) for r in got["results"]] == [(r["id"], r["text"]) for r in want["results"]]
    for key in ("x", "x_text", "text", "marker", "path", "x_label", "point_label", "y_label", "log_ok", "log_note", "table_note", "marks"):
        assert got["chart"][key] == want["chart"][key], key
    # The values drawn: the same closed form, within an ulp of lrcalc's (JavaScript's pow against C's).
    assert all(math.isclose(a, b, rel_tol=4e-16, abs_tol=0) for a, b in zip(got["chart"]["y"], want["chart"]["y"], strict=True))


def test_the_default_form_is_the_page_view(quick):
    """The first answer for the page's own state is what the page's view (Python) shows for it."""
    for state in (State(), State(schedule="step"), State(classic={**State().classic, "current_epoch": "75"}, log=True)):
        got, want = quick.answer(state), view(state)
        assert [r["text"] for r in got["results"]] == [r["text"] for r in want["results"]]
        assert got["chart"]["text"] == want["chart"]["text"] and got["log"] == want["log"]


def test_leaves_everything_but_the_classic_form_to_python(quick):
    """Other modes, a family, a saved comparison: no first answer."""
    base = State()
    for state in (State(mode="library"), State(mode="paste"), State(mode="config"), State(schedule="lrcalc.cosine_decay"), State(compare=(base,))):
        assert quick.answer(state) is None


@settings(max_examples=2_000, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
@example([0.00025, 1.0625, 12345.0, 1234.5, 0.1, 2.5e-5, 9999.5, 99995.0, 1e21, 5e-324, 1.7976931348623157e308, -0.0, 0.5, 123450.0])
def test_formats_every_number_as_lrcalc(quick, values):
    """lrText is fmt.lr: 4 significant digits, ties to even, the same exponent form (subnormals and the largest float included)."""
    assert quick.ask({"lr": values}) == [fmt.lr(v) for v in values]
