"""The first answer: while Python loads, edits of the classic calculator are answered by quick.js, and
Python, once ready, shows the same numbers (it never replaces one by another).

Python's memory snapshot is held back by the test, so the page stays on its first answer for as long
as the test needs; then it is let through and Python answers the same form.
"""

from __future__ import annotations

import contextlib

from playwright.sync_api import Error, expect

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


def table_of(page) -> list[list[str]]:
    box = page.locator("details.data-table")
    if not box.evaluate("(d) => d.open"):
        box.locator("summary").click()
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
    assert table_of(page) == [[x, y] for x, y in zip(want["chart"]["x_text"], want["chart"]["text"], strict=True)]
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
