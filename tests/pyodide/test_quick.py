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
import random
import re
import struct
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lrcalc import fmt
from lrcalc.calculator import CHART_POINTS, DEFAULTS, KINDS, calculate
from lrcalc.page import State, view
from lrcalc.page.quick import module

PLAIN = re.compile(r"^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*$", re.ASCII)
"""A field's text that quick.js reads itself (anything else it leaves to Python)."""


def turns_on_rounding(form: dict) -> bool:
    """Whether a text shown for this form turns on how C's pow rounds a power that lies near a midpoint
    between two doubles (within 0.03 ulp of it, where C's 0.52-ulp bound allows either), computed with
    exact fractions: quick.js leaves such a form to Python."""
    kind = KINDS[form["schedule"]]
    if not kind.rate_field:
        return False
    lr0, rate = float(form["initial_lr"]), float(form[kind.rate_field])
    base, total, current = int(form["count_from"]), int(float(form["total_epochs"])), int(float(form["current_epoch"]))
    size = int(float(form[kind.drop_field])) if kind.drop_field else 1
    exponents = {(e - base) // size for e in [*range(base, max(total - 1 + base, current) + 1), current + 1, 1]}
    for k in exponents:
        exact = Fraction(rate) ** k
        rounded = float(exact)
        neighbour = math.nextafter(rounded, math.inf if exact > rounded else 0)
        if abs(exact - Fraction(rounded)) >= Fraction(47, 100) * abs(Fraction(neighbour) - Fraction(rounded)):
            for divide in (False, True):
                texts = {fmt.lr(lr0 * value / lr0 if divide else lr0 * value) for value in (rounded, neighbour)}
                if len(texts) > 1:
                    return True
    return False


MAX_APART = 2
"""How many doubles apart a value drawn may be from lrcalc's: a power C rounds the other way near a midpoint
(1 apart), times the initial rate."""


def doubles_apart(a: float, b: float) -> int:
    """How many doubles lie between two positive doubles, plus one (0 for the same double)."""
    bits = lambda x: struct.unpack("<q", struct.pack("<d", x))[0]  # noqa: E731 - ordered as the doubles are
    return abs(bits(a) - bits(b))


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
    lrcalc answers plain numbers on a curve it draws whole and within the normal floats, quick.js answers,
    unless a text turns on how C's pow rounds a power near a midpoint."""
    got = quick.answer(state_of(form))
    want = calculate(form)
    if got is None:
        whole = want["ok"] and not want["chart"]["table_note"]
        normal = whole and min(want["chart"]["y"] + [want["results"][2]["value"]]) >= sys.float_info.min  # no subnormal, no 0
        assert not (normal and plain(form)) or turns_on_rounding(form), (form, want)
        return
    assert want["ok"], (form, want)
    assert [(r["id"], r["text"]) for r in got["results"]] == [(r["id"], r["text"]) for r in want["results"]]
    for key in ("x", "x_text", "text", "marker", "path", "x_label", "point_label", "y_label", "log_ok", "log_note", "table_note", "marks"):
        assert got["chart"][key] == want["chart"][key], key
    # The values drawn: the same closed form, a few doubles apart at most (V8's Math.pow against C's pow).
    assert max(doubles_apart(a, b) for a, b in zip(got["chart"]["y"], want["chart"]["y"], strict=True)) <= MAX_APART


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


def sample_forms(count: int, seed: int) -> list[dict]:
    """Forms as a user could fill them, from a seeded generator: mostly plain numbers, some not."""
    rng = random.Random(seed)

    def real() -> str:
        value = rng.choice([rng.uniform(1e-6, 1), rng.uniform(0.5, 1.2), 10 ** rng.uniform(-12, 1)])
        return rng.choice([repr(value), f"{value:.3g}", f"{value:e}", f"{value:.2f}", "abc", "-0.5"]) if rng.random() < 0.1 else rng.choice([repr(value), f"{value:.3g}", f"{value:.4f}"])

    def whole(low: int, high: int) -> str:
        return str(rng.randint(low, high)) if rng.random() < 0.95 else rng.choice(["", "2.5", "1_000", "-1"])

    forms = []
    for _ in range(count):
        total = rng.randint(1, 1_100) if rng.random() < 0.9 else rng.randint(1, 5_000)
        forms.append(
            {
                "schedule": rng.choice(list(KINDS)),
                "initial_lr": real(),
                "decay_rate": real(),
                "step_size": whole(1, 300),
                "step_factor": real(),
                "total_epochs": str(total) if rng.random() < 0.95 else whole(1, 100),
                "current_epoch": whole(0, max(1, int(total * 1.2))),
                "count_from": rng.choice(["0", "1"]),
            }
        )
    return forms


def test_answers_as_lrcalc_under_pyodide(root, built_site, node, tmp_path):
    """Against the Python the page really runs (Pyodide, whose libm is musl's): where quick.js answers,
    lrcalc under Pyodide reads the same on 3,000 seeded forms, every result and every point of the chart;
    the values drawn are the same doubles but where C rounds a power near a midpoint the other way (2 apart at most)."""
    archive = next(built_site.glob("assets-*/lrcalc-*.zip"))
    (quick_js,) = built_site.glob("assets-*/quick.js")
    forms = tmp_path / "forms.json"
    forms.write_text(json.dumps(sample_forms(3_000, seed=15)))
    proc = subprocess.run([node, str(root / "tests/pyodide/quick_vs_pyodide.mjs"), str(root), str(archive), str(quick_js), str(forms)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"quick.js against Pyodide: {summary['answered']} of {summary['forms']} forms answered, {summary['same_double']} of {summary['values']} chart values the same double, the others at most {summary['max_ulps']} doubles apart")
    assert summary["answered"] > 1_000  # the forms it is for
    assert summary["mismatched"] == 0, summary["mismatches"]


def test_powers_are_c_pow(quick):
    """quick.js's power is C's pow (Python's float **) on 100,000 seeded powers of typed-looking rates: the
    same double, or, near a midpoint where C may round either way, one of the two it offers."""
    rng = random.Random(3)
    pairs = []
    while len(pairs) < 100_000:
        x = rng.choice([round(rng.uniform(0.01, 1.5), rng.randint(1, 4)), rng.uniform(1e-3, 2), 10 ** rng.uniform(-5, 0.3)])
        n = rng.choice([rng.randint(0, 20), rng.randint(0, 1_000), rng.randint(0, 100_000), rng.randint(0, 10_000_000)])
        try:
            if x > 0 and x**n >= sys.float_info.min:
                pairs.append((x, n))
        except OverflowError:
            pass
    got = quick.ask({"power": pairs})
    assert all(x**n in [float(c) for c in candidates] for (x, n), candidates in zip(pairs, got, strict=True))
    same = sum(x**n == float(candidates[0]) for (x, n), candidates in zip(pairs, got))
    print(f"power: {same:,} of {len(pairs):,} the same double as C's pow, {sum(len(c) == 2 for c in got):,} near a midpoint")
    assert same >= 0.99 * len(pairs)
