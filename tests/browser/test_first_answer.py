"""The first answer: while Python loads, edits of the classic calculator are answered by quick.js, and
Python, once ready, shows the same numbers (it never replaces one by another).

Python's memory snapshot is held back by the test, so the page stays on its first answer for as long
as the test needs; then it is let through and Python answers the same form.
"""

from __future__ import annotations

import contextlib
import os
import re

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from playwright.sync_api import Error, expect

from lrcalc.calculator import FIELDS, KINDS
from lrcalc.page import State, view

from .conftest import wait_settled, watch

SNAPSHOT = "**/python.snapshot.gz"

# Every text the results show from now on, as each is set.
RECORD_RESULTS = """() => {
  window.__shown = [];
  const output = document.getElementById("out-current_lr");
  new MutationObserver(() => window.__shown.push(output.textContent)).observe(output, { childList: true, characterData: true, subtree: true });
}"""


def release(context, held) -> None:
    """Let the held snapshot through (and anything else held)."""
    context.unroute(SNAPSHOT)
    for route in held:
        with contextlib.suppress(Error):  # a route unroute() has let through already
            route.continue_()


def results_of(page) -> list[str]:
    return [page.locator(f"#out-{key}").inner_text() for key in ("current_lr", "decay_factor", "next_lr", "first_lr")]


def table_of(page, rows: int) -> list[list[str]]:
    """The data table's rows, once it is open and built (the page builds it on the toggle event)."""
    box = page.locator("details.data-table")
    if not box.evaluate("(d) => d.open"):
        box.locator("summary").click()
    expect(page.locator("#table-body tr")).to_have_count(rows)
    return [row.split("\t") for row in page.locator("#table-body").inner_text().splitlines()]


def expected(classic: dict, schedule: str = "exponential") -> dict:
    return view(State(schedule=schedule, classic={**State().classic, **classic}))


def test_edits_are_answered_before_python_and_python_agrees(open_page):
    """With Python held back, edits of the epoch, the schedule and the length show lrcalc's results, chart
    and table at once; an input quick.js leaves to Python shows "…"; then Python shows the same."""
    held = []
    page, recorded = open_page(routes=[(SNAPSHOT, lambda route: held.append(route))], wait=False, viewport={"width": 1280, "height": 900})
    page.locator("#out-current_lr").wait_for()
    expect(page.locator("html")).to_have_attribute("data-state", "loading")

    epoch = page.get_by_label("Current epoch", exact=True)
    epoch.fill("75")
    want = expected({"current_epoch": "75"})
    expect(page.locator("#out-current_lr")).to_have_text(want["results"][0]["text"])
    assert results_of(page) == [r["text"] for r in want["results"]]
    assert page.locator("#formula").inner_text() == "…"  # the formula is Python's, and follows
    expect(page.locator("html")).to_have_attribute("data-state", "loading")

    page.get_by_label("Schedule type", exact=True).select_option("step")
    page.get_by_label("Number of epochs", exact=True).fill("120")
    want = expected({"current_epoch": "75", "total_epochs": "120"}, "step")
    expect(page.locator("#out-current_lr")).to_have_text(want["results"][0]["text"])
    assert results_of(page) == [r["text"] for r in want["results"]]
    assert table_of(page, len(want["chart"]["x"])) == [[x, y] for x, y in zip(want["chart"]["x_text"], want["chart"]["text"], strict=True)]
    # The picture agrees with the numbers: the chart drawn spans the epochs lrcalc gives.
    expect(page.locator("#chart")).to_have_attribute("data-x-range", f"0 {int(want['chart']['x'][-1])}", timeout=10_000)

    epoch.fill("150")  # past the last epoch: the numbers now, lrcalc's note about it with Python
    want = expected({"current_epoch": "150", "total_epochs": "120"}, "step")
    expect(page.locator("#out-current_lr")).to_have_text(want["results"][0]["text"])
    for text in ("1_50", "-5"):  # left to Python: a form quick.js does not read, a message to give
        epoch.fill(text)
        expect(page.locator("#out-current_lr")).to_have_text("…")
    epoch.fill("90")
    want = expected({"current_epoch": "90", "total_epochs": "120"}, "step")
    expect(page.locator("#out-current_lr")).to_have_text(want["results"][0]["text"])

    page.evaluate(RECORD_RESULTS)
    release(page.context, held)
    page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
    wait_settled(page)
    assert results_of(page) == [r["text"] for r in want["results"]]
    assert page.locator("#formula").inner_text() == want["formula"]
    assert set(page.evaluate("() => window.__shown")) <= {want["results"][0]["text"]}
    assert recorded.console_errors == [] and recorded.page_errors == [] and recorded.offsite == []


def test_an_edit_before_the_script_runs_is_answered_when_it_does(browser, base_url):
    """A field changed while the page was still loading its scripts is answered as soon as they run."""
    held = []
    context = browser.new_context()
    try:
        context.route(SNAPSHOT, lambda route: held.append(route))
        context.route("**/app.js", lambda route: held.append(route))
        page = context.new_page()
        recorded = watch(page, base_url)
        page.goto(base_url, wait_until="commit")
        page.get_by_label("Current epoch", exact=True).fill("42")
        for route in [r for r in held if r.request.url.endswith("app.js")]:
            route.continue_()
        want = expected({"current_epoch": "42"})
        expect(page.locator("#out-current_lr")).to_have_text(want["results"][0]["text"])
        release(context, held)
        page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
        wait_settled(page)
        assert results_of(page) == [r["text"] for r in want["results"]]
        assert recorded.console_errors == [] and recorded.page_errors == []
    finally:
        context.close()


# ---------------------------------------------------------------- sequences

PLAIN = re.compile(r"^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*$", re.ASCII)
VALUES = {
    "schedule": list(KINDS),
    "initial_lr": ["0.01", "0.1", "3e-4", "1", "abc", "", "-1", "1_0", " 0.2 "],
    "decay_rate": ["0.95", "0.9", "1", "1.05", "0", "x"],
    "step_size": ["25", "1", "10", "0", "2.5"],
    "step_factor": ["0.5", "0.1", "2", "-1"],
    "total_epochs": ["100", "1", "20", "1000", "1002", "0"],
    "current_epoch": ["30", "0", "1", "75", "150", "-1", "1e2", "1200"],
    "count_from": ["0", "1"],
    "log": [True, False],
}
edits = st.lists(st.sampled_from(list(VALUES)).flatmap(lambda name: st.tuples(st.just(name), st.sampled_from(VALUES[name]))), min_size=2, max_size=12)


def quick_answers(state: State, want: dict) -> bool:
    """Whether quick.js answers this form: lrcalc answers it, every field it reads is a plain decimal,
    and the chart draws every epoch (tests/pyodide/test_quick.py holds quick.js to exactly this)."""
    fields = KINDS[state.schedule].fields[1:]
    return want["ok"] and not want["chart"]["table_note"] and all(PLAIN.match(state.classic[name]) for name in fields)


@settings(max_examples=int(os.environ.get("LRCALC_FIRST_SEQUENCES", "6")), deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(edits)
def test_sequences_before_python_then_python(browser, base_url, sequence):
    """Random sequences of edits while Python is held back: after each, the results are lrcalc's for the
    form shown, or "…" exactly where quick.js leaves the form to Python; then Python is let through and
    shows lrcalc's view of the last form, without ever replacing a number quick.js showed by another."""
    held = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.route(SNAPSHOT, lambda route: held.append(route))
        page = context.new_page()
        recorded = watch(page, base_url)
        page.goto(base_url)
        page.locator("#out-current_lr").wait_for()
        state = State()
        for name, value in sequence:
            if name == "log":
                box = page.get_by_label("Log scale", exact=True)
                if box.is_disabled():
                    continue
                box.set_checked(value)
                state = State(schedule=state.schedule, classic=state.classic, log=value)
            elif name in ("schedule", "count_from"):
                page.get_by_label(FIELDS[name].label, exact=True).select_option(value)
                state = State(schedule=value, classic=state.classic, log=state.log) if name == "schedule" else State(schedule=state.schedule, classic={**state.classic, name: value}, log=state.log)
            elif name in KINDS[state.schedule].fields:
                page.get_by_label(FIELDS[name].label, exact=True).fill(value)
                state = State(schedule=state.schedule, classic={**state.classic, name: value}, log=state.log)
            else:
                continue  # a field the schedule does not show
            note(f"{name} = {value!r}")
            want = view(state)
            shown = [page.locator(f"#out-{key}").inner_text() for key in ("current_lr", "decay_factor", "next_lr", "first_lr")]
            if quick_answers(state, want):
                assert shown == [r["text"] for r in want["results"]]
            else:
                assert shown == ["…"] * 4
        expected_range = f"{want['chart']['x'][0]} {want['chart']['x'][-1]}" if quick_answers(state, want) else None
        if expected_range and page.locator("#chart canvas").count():
            expect(page.locator("#chart")).to_have_attribute("data-x-range", expected_range, timeout=10_000)
        page.evaluate(RECORD_RESULTS)
        before = page.locator("#out-current_lr").inner_text()
        release(context, held)
        page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
        wait_settled(page)
        if want["ok"]:
            assert results_of(page) == [r["text"] for r in want["results"]]
        if before != "…":
            assert set(page.evaluate("() => window.__shown")) <= {before}
        assert recorded.console_errors == [] and recorded.page_errors == [] and recorded.offsite == []
    finally:
        context.close()
