"""Sharing, exporting, comparing, the batch-size helper, and the page on any screen."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from pathlib import Path

from playwright.sync_api import expect

from lrcalc import batch, from_library

from .conftest import axe_violations, boot, wait_settled

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def control(page, label):
    return page.get_by_label(label, exact=True)


def link_written(page, text: str) -> str:
    """Wait for the debounced address update to contain ``text``; return the URL."""
    page.wait_for_function("(text) => location.search.includes(text)", arg=text)
    return page.url


@contextlib.contextmanager
def opened_in_a_fresh_context(browser, base_url: str, url: str):
    """``url`` in a new browser context, once Python is ready and the page has settled."""
    context, fresh, _ = boot(browser, base_url)
    try:
        fresh.goto(url)
        fresh.locator("html[data-state=ready]").wait_for(state="attached")
        wait_settled(fresh)
        yield fresh
    finally:
        context.close()


class TestLink:
    """The address carries the whole state."""

    def test_round_trip_in_a_fresh_context(self, app, browser, base_url):
        """Inputs set on one page come back in another browser context from the link."""
        page = app.page
        control(page, "Schedule type").select_option(label="Step Decay")
        control(page, "Initial learning rate").fill("0.001")
        control(page, "Current epoch").fill("60")
        page.get_by_label("Log scale").check()
        wait_settled(page)
        url = link_written(page, "log=1")
        with opened_in_a_fresh_context(browser, base_url, url) as fresh:
            expect(control(fresh, "Schedule type")).to_have_value("step")
            expect(control(fresh, "Initial learning rate")).to_have_value("0.001")
            expect(control(fresh, "Current learning rate")).to_have_text("0.00025")
            expect(fresh.get_by_label("Log scale")).to_be_checked()
            expect(fresh.locator("#link-note")).to_be_hidden()

    def test_library_mode_round_trip(self, app, browser, base_url):
        """A library scheduler, its arguments and the training length survive the link."""
        page = app.page
        page.get_by_label("A library's scheduler").check()
        control(page, "Library").select_option(label="PyTorch")
        control(page, "Scheduler").select_option(label="OneCycleLR")
        control(page, "max_lr").fill("0.3")
        control(page, "total_steps").fill("5000")
        wait_settled(page)
        url = link_written(page, "a.total_steps=5000")
        peak = page.locator("#sum-peak").inner_text()
        with opened_in_a_fresh_context(browser, base_url, url) as fresh:
            expect(control(fresh, "max_lr")).to_have_value("0.3")
            expect(fresh.locator("#sum-peak")).to_have_text(peak)

    def test_hostile_parameters_are_ignored_visibly(self, browser, base_url):
        """Script tags, unknown, repeated and 10,000-character values: nothing runs, nothing renders as markup."""
        hostile = (
            "?initial_lr=%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E"
            "&initial_lr=0.5&bogus=%22%3E%3Cscript%3Ewindow.__pwned%3D2%3C%2Fscript%3E"
            "&decay_rate=javascript%3Aalert(1)&current_epoch=" + "9" * 10_000
        )
        context, page, recorded = boot(browser, base_url)
        try:
            page.goto(base_url + hostile)
            page.locator("html[data-state=ready]").wait_for(state="attached")
            wait_settled(page)
            note = page.locator("#link-note")
            expect(note).to_contain_text("bogus")
            expect(note).to_contain_text("repeated parameters")
            expect(note).to_contain_text("overlong values")
            expect(control(page, "Initial learning rate")).to_have_value("<img src=x onerror=window.__pwned=1>")
            expect(page.locator("#initial_lr-error")).to_contain_text("must be a number")
            expect(page.locator("#decay_rate-error")).to_contain_text("must be a number")
            assert page.evaluate("() => window.__pwned") is None
            assert page.locator("main img, main script").count() == 0
            assert recorded.page_errors == []
        finally:
            context.close()

    def test_reset_clears_the_query(self, app):
        """Reset restores the defaults and empties the address's query string."""
        page = app.page
        control(page, "Current epoch").fill("45")
        link_written(page, "current_epoch=45")
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function("() => location.search === ''")

    def test_copy_link(self, app):
        """Copy link puts the page's address, with the inputs, on the clipboard."""
        page = app.page
        control(page, "Decay rate").fill("0.9")
        wait_settled(page)
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator("#copy-status")).to_contain_text("Copied a link")
        assert "decay_rate=0.9" in page.evaluate("() => navigator.clipboard.readText()")


class TestDownloads:
    """Exact CSV and JSON, and the chart as a PNG."""

    def test_csv_is_exact_and_complete(self, app):
        """Every epoch, header epoch,lr, values equal to lrcalc's to the last digit."""
        page = app.page
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").click()
        text = Path(info.value.path()).read_text()
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["epoch", "lr"]
        assert [int(r[0]) for r in rows[1:]] == list(range(0, 100))
        assert [float(r[1]) for r in rows[1:]] == [0.01 * 0.95**t for t in range(100)]
        assert info.value.suggested_filename == "learning-rate-by-epoch.csv"

    def test_json_download(self, app):
        """The JSON holds the same rows."""
        page = app.page
        with page.expect_download() as info:
            page.get_by_role("button", name="Download JSON").click()
        document = json.loads(Path(info.value.path()).read_text())
        assert document["columns"] == ["epoch", "lr"]
        assert document["rows"][30] == [30, 0.01 * 0.95**30]

    def test_png_download(self, app):
        """A PNG image of the chart."""
        page = app.page
        with page.expect_download() as info:
            page.get_by_role("button", name="Download PNG").click()
        data = Path(info.value.path()).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 5_000


class TestCodeExport:
    """Copyable code for each library, from lrcalc.export."""

    def test_code_for_each_library(self, app):
        """The snippet follows the inputs and the chosen library, and copies."""
        from lrcalc import export

        page = app.page
        page.locator("#code-box").evaluate("box => { box.open = true; }")
        expect(page.locator("#code")).to_have_text(export.code("lrcalc.exponential_decay", None, {"init_value": 0.01, "decay_rate": 0.95}, "pytorch"))
        control(page, "Decay rate").fill("0.9")
        page.locator("#code-target").select_option("keras")
        wait_settled(page)
        expect(page.locator("#code")).to_have_text(export.code("lrcalc.exponential_decay", None, {"init_value": 0.01, "decay_rate": 0.9}, "keras"))
        page.get_by_role("button", name="Copy code").click()
        expect(page.locator("#code-status")).to_have_text("Copied the code.")
        assert "ExponentialDecay" in page.evaluate("() => navigator.clipboard.readText()")

    def test_unavailable_target_says_why(self, app):
        """A metric-driven schedule has no optax form; the page says so."""
        page = app.page
        control(page, "Schedule type").select_option(label="Reduce on plateau")
        wait_settled(page)
        page.locator("#code-box").evaluate("box => { box.open = true; }")
        page.locator("#code-target").select_option("optax")
        expect(page.locator("#code-note")).to_contain_text("optax")
        expect(page.get_by_role("button", name="Copy code")).to_be_disabled()


class TestCompare:
    """Up to four schedules on one chart."""

    def test_three_schedules(self, app):
        """Three saved or current schedules: legend, readout with every curve, CSV with one column each."""
        page = app.page
        page.get_by_role("button", name="Add to comparison").click()
        control(page, "Schedule type").select_option(label="Step Decay")
        wait_settled(page)
        page.get_by_role("button", name="Add to comparison").click()
        control(page, "Schedule type").select_option(label="Constant")
        wait_settled(page)
        items = page.locator("#compare-list li")
        expect(items).to_have_count(3)
        expect(items.nth(0)).to_contain_text("Constant")
        expect(items.nth(1)).to_contain_text("Exponential Decay")
        expect(items.nth(2)).to_contain_text("Step Decay")
        page.locator("#chart").focus()
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        expect(page.locator("#chart-readout")).to_have_text("Epoch 1: #1 0.01, #2 0.0095, #3 0.01")
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").click()
        rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
        assert rows[0] == [  # each column named after its schedule, as the legend names it
            "epoch",
            "Constant: initial_lr=0.01",
            "Exponential Decay: decay_rate=0.95, initial_lr=0.01",
            "Step Decay: step_size=25, step_factor=0.5, initial_lr=0.01",
        ]
        step = from_library("lrcalc.step_decay", init_value=0.01, step_size=25, decay_factor=0.5)
        assert rows[31] == ["30", "0.01", repr(0.01 * 0.95**30), repr(step(30))]
        items.nth(2).get_by_role("button", name="Remove").click()
        wait_settled(page)
        expect(items).to_have_count(2)


class TestBatchHelper:
    """Scale a tuned learning rate to a new batch size."""

    def test_both_rules_and_warmup(self, app):
        """Linear and square-root results, the warmup advice, and Apply."""
        page = app.page
        control(page, "Tuned learning rate").fill("0.1")
        control(page, "Tuned at batch size").fill("256")
        control(page, "New batch size").fill("8192")
        control(page, "Dataset size (optional)").fill("1281167")
        wait_settled(page)
        expected = batch.helper({"lr": "0.1", "from_batch": "256", "to_batch": "8192", "dataset_size": "1281167"})
        expect(page.locator("#batch-out-linear")).to_have_text(expected["results"][0]["text"])
        expect(page.locator("#batch-out-sqrt")).to_have_text(expected["results"][1]["text"])
        expect(page.locator("#batch-warmup")).to_have_text(expected["warmup"])
        page.get_by_role("button", name="Apply square-root rule").click()
        wait_settled(page)
        expect(control(page, "Initial learning rate")).to_have_value(expected["results"][1]["text"])

    def test_bad_batch_size(self, app):
        """A batch size of 0 is explained beside the field."""
        page = app.page
        control(page, "New batch size").fill("0")
        wait_settled(page)
        expect(page.locator("#batch-to_batch-error")).to_contain_text("New batch size must be a whole number")
        expect(page.locator("#batch-out-linear")).to_have_text("—")


class TestChartFeatures:
    """The steps, zoom, and phase boundaries."""

    def test_show_the_steps(self, app):
        """The calculation for the current epoch with the user's numbers."""
        page = app.page
        control(page, "Schedule type").select_option(label="Step Decay")
        control(page, "Initial learning rate").fill("0.001")
        control(page, "Current epoch").fill("60")
        wait_settled(page)
        page.get_by_text("Show the steps").click()
        steps = page.locator("#steps li")
        expect(steps.nth(1)).to_have_text("floor(t / StepSize) = floor(60 / 25) = 2 drops so far")
        expect(steps.nth(3)).to_have_text("LR(60) = InitialLR × 0.25 = 0.001 × 0.25 = 0.00025")

    def test_phase_is_described_for_composed_schedules(self, app):
        """For a warmup schedule, the steps say which phase the position is in."""
        page = app.page
        control(page, "Schedule type").select_option(label="Warmup-stable-decay")
        page.get_by_label("Current position").fill("40")
        wait_settled(page)
        expect(page.locator("#steps li").nth(1)).to_contain_text("Phase 2 of 3: from the end of warmup (epoch 5) to the start of decay (epoch 70)")

    def test_drag_to_zoom_and_reset(self, app):
        """Dragging across the plot zooms in; Reset zoom restores the whole run."""
        page = app.page
        page.locator("#chart").scroll_into_view_if_needed()
        box = page.locator("#chart .u-over").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        expect(page.get_by_role("button", name="Reset zoom")).to_be_visible()
        page.get_by_role("button", name="Reset zoom").click()
        expect(page.get_by_role("button", name="Reset zoom")).to_be_hidden()


class TestLooks:
    """Dark mode, a 375 px phone, print; screenshots for the README."""

    def test_dark_mode_toggle_and_axe(self, app):
        """The manual toggle switches the theme and the chart; axe stays clean."""
        page = app.page
        before = page.locator("#chart canvas").evaluate("c => c.toDataURL()")
        control(page, "Theme").select_option("dark")
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        assert page.locator("#chart canvas").evaluate("c => c.toDataURL()") != before
        assert axe_violations(page) == []
        page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
        page.screenshot(path=str(DOCS / "screenshot-dark.png"))
        control(page, "Theme").select_option("system")

    def test_system_dark_preference(self, browser, base_url):
        """With no choice saved, the page follows prefers-color-scheme."""
        context, page, _ = boot(browser, base_url, color_scheme="dark")
        try:
            assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        finally:
            context.close()

    def test_mobile_layout(self, browser, base_url):
        """At 375 px: one column, nothing wider than the screen, big tap targets, touch readout, axe clean."""
        context, page, _ = boot(browser, base_url, viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True)
        try:
            page.locator("html[data-state=ready]").wait_for(state="attached")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
            height = page.get_by_role("button", name="Calculate").bounding_box()["height"]
            assert height >= 44
            page.locator("#chart").scroll_into_view_if_needed()
            first = page.locator("#chart").bounding_box()  # the picture drawn at build time; a touch loads the chart
            page.touchscreen.tap(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
            box = page.locator("#chart .u-over").bounding_box()
            page.touchscreen.tap(box["x"] + 5, box["y"] + box["height"] / 2)
            expect(page.locator("#chart-readout")).to_have_text(re.compile(r"^Epoch [0-3]: "))
            assert axe_violations(page) == []
            page.screenshot(path=str(DOCS / "screenshot-mobile.png"))
        finally:
            context.close()

    def test_print_shows_inputs_results_and_chart_only(self, app):
        """The print stylesheet keeps the form, results, formula and chart and drops the rest."""
        page = app.page
        page.emulate_media(media="print")
        try:
            expect(page.locator("#chart canvas")).to_be_visible()
            expect(page.locator("#formula")).to_be_visible()
            expect(control(page, "Initial learning rate")).to_be_visible()
            expect(page.locator("#finder")).to_be_hidden()
            expect(page.locator("article")).to_be_hidden()
            expect(page.get_by_role("button", name="Calculate")).to_be_hidden()
        finally:
            page.emulate_media(media="null")  # no emulation: page.pdf() prints as print again

    def test_library_mode_screenshot(self, app):
        """The README's picture of a library's scheduler (docs/screenshot-library.png)."""
        page = app.page
        page.get_by_label("A library's scheduler").check()
        control(page, "Library").select_option(label="PyTorch")
        control(page, "Scheduler").select_option(label="OneCycleLR")
        control(page, "Current position").fill("2700")
        wait_settled(page)
        expect(page.locator("#sum-peak")).not_to_have_text("—")
        page.evaluate("() => { document.activeElement.blur(); for (const d of document.querySelectorAll('#calculator details')) d.open = false; }")
        page.set_viewport_size({"width": 1280, "height": 1100})
        try:
            page.locator("#calculator").scroll_into_view_if_needed()
            page.evaluate("() => document.getElementById('calculator').scrollIntoView()")
            page.screenshot(path=str(DOCS / "screenshot-library.png"))
        finally:
            page.set_viewport_size({"width": 1280, "height": 900})
        assert (DOCS / "screenshot-library.png").stat().st_size > 10_000

    def test_light_desktop_screenshot(self, app):
        """The light desktop screenshot (the README's is docs/screenshot.png)."""
        page = app.page
        page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
        page.screenshot(path=str(DOCS / "screenshot-light.png"))
        assert (DOCS / "screenshot-light.png").stat().st_size > 10_000

