"""The LR finder panel in Chromium: upload, paste, live run, carry-over."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from lrcalc import finder, fmt

from .conftest import axe_violations, wait_settled

EXPORTS = Path(__file__).resolve().parents[1] / "reference" / "finder" / "exports"
EXAMPLE = Path(__file__).resolve().parents[2] / "content" / "examples" / "range-test-torch-lr-finder.csv"
PHONE = {"width": 375, "height": 812}


def finder_settled(page) -> None:
    page.locator("html:not([data-finder-busy])").wait_for(state="attached", timeout=60_000)


def load_example(page) -> None:
    """Automatic smoothing (the shared page keeps the finder's choices between tests), then the example run."""
    page.get_by_label("Smoothing").select_option("auto")
    finder_settled(page)
    page.get_by_role("button", name="Load the example run").click()
    finder_settled(page)


def ax_roles(page, selector: str) -> list[str]:
    """The roles in Chromium's accessibility tree (not Playwright's reading of the markup) under one element."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    backend = cdp.send("DOM.describeNode", {"nodeId": node})["node"]["backendNodeId"]
    return [n["role"]["value"] for n in cdp.send("Accessibility.queryAXTree", {"backendNodeId": backend})["nodes"]]


def rule_rows(page) -> dict[str, str]:
    """Suggested LR text by rule label, as the page shows them."""
    rows = page.locator("#finder-rules tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        out[cells[0].strip()] = cells[1].strip()
    return out


class TestUpload:
    """Upload a tool's file; the page names the format and shows every rule."""

    def test_fixture_files_are_detected_and_analysed(self, app):
        """Each exported fixture gives the same suggestions as lrcalc.finder in Python."""
        page = app.page
        for path in sorted(EXPORTS.iterdir()):
            page.locator("#finder-file").set_input_files(str(path))
            finder_settled(page)
            expected = finder.analyse(path.read_text(), path.name)
            expect(page.locator("#finder-detected")).to_have_text(f"Detected: {expected['detected']}. Smoothing: {expected['smoothing']}.")
            shown = rule_rows(page)
            for row in expected["suggestions"]["rules"]:
                assert shown[row["label"]] == (row["text"] if row["value"] is not None else "—"), (path.name, row["label"])
            expect(page.locator("#finder-agreement")).to_have_text(expected["suggestions"]["agreement"]["summary"])

    def test_unreadable_file_is_explained(self, app, tmp_path):
        """A file that is not a range test gets a message, and nothing breaks."""
        bad = tmp_path / "notes.txt"
        bad.write_text("this is not a range test\n")
        page = app.page
        page.locator("#finder-file").set_input_files(str(bad))
        finder_settled(page)
        expect(page.locator("#finder-error")).to_be_visible()
        assert page.get_by_label("Or paste it here").get_attribute("aria-invalid") == "true"

    def test_pasted_json_and_nan_cut(self, app):
        """Pasted JSON with a NaN loss is cut at the first NaN, with a note."""
        lrs = [10 ** (-5 + 6 * i / 49) for i in range(50)]
        losses = [2.0 - 1.5 * i / 40 if i < 40 else 0.5 + (i - 40) * 0.3 for i in range(50)]
        losses[45] = float("nan")
        text = json.dumps({"lr": lrs, "loss": losses}).replace("NaN", "NaN")
        page = app.page
        page.get_by_label("Or paste it here").fill(text)
        finder_settled(page)
        expect(page.locator("#finder-notes")).to_contain_text("NaN")

    def test_smoothing_choice_changes_the_analysis(self, app):
        """Choosing a smoothing method re-analyses with it."""
        page = app.page
        page.locator("#finder-file").set_input_files(str(EXPORTS / "plain_no_header.csv"))
        finder_settled(page)
        page.get_by_label("Smoothing").select_option("ema")
        finder_settled(page)
        expect(page.locator("#finder-detected")).to_contain_text("Smoothing: ema.")

    def test_pasted_plain_csv_is_a_csv_judged_from_its_data(self, app):
        """A pasted lr,loss CSV of batch losses is reported as a CSV, judged raw from its data, and smoothed."""
        runs = json.loads((EXPORTS.parent / "fixtures.json").read_text())["fixtures"]
        run = next(r for r in runs if r["tool"] == "torch_lr_finder")
        lrs = run["output"]["history"]["lr"]
        text = "lr,loss\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(lrs, run["raw_losses"]))
        page = app.page
        page.get_by_label("Smoothing").select_option("auto")
        page.get_by_label("Or paste it here").fill(text)
        finder_settled(page)
        detected = f"Detected: CSV of lr and loss, {run['points']} points. Smoothing: debiased_ema."
        expect(page.locator("#finder-detected")).to_have_text(detected)
        expect(page.locator("#finder-notes")).to_contain_text("judged from the data", ignore_case=True)


class TestMinimumRule:
    """fastai's minimum suggests a tenth of the LR at the loss minimum; the page shows both and says which is which."""

    def test_row_says_the_value_is_a_tenth_of_the_lr_at_the_minimum(self, app):
        """The rules table explains the suggestion as a tenth of the minimum's LR, marked ○ on the chart."""
        page = app.page
        load_example(page)
        test = finder.parse(EXAMPLE.read_text(), EXAMPLE.name)
        point = finder.suggest_point(test.lrs, test.losses, "fastai.minimum")
        row = page.locator("#finder-rules tr").filter(has=page.get_by_role("rowheader", name="fastai minimum"))
        expect(row.get_by_role("cell").first).to_have_text(fmt.lr(point.value))
        minimum = fmt.lr(test.lrs[point.index])
        expect(row).to_contain_text(f"a tenth of {minimum}, the LR at the loss minimum (marked ○ on the chart)")

    def test_readout_names_the_minimum_point_as_the_minimum(self, app):
        """Moving the chart's readout to the loss minimum says it is the minimum, not the suggestion."""
        page = app.page
        load_example(page)
        test = finder.parse(EXAMPLE.read_text(), EXAMPLE.name)
        point = finder.suggest_point(test.lrs, test.losses, "fastai.minimum")
        chart = page.get_by_role("slider", name=re.compile("Loss against learning rate"))
        chart.focus()
        chart.press("End")
        for _ in range(len(test.lrs) - 1 - point.index):
            chart.press("ArrowLeft")
        readout = page.locator("#finder-readout")
        expect(readout).to_contain_text(f"LR {fmt.lr(test.lrs[point.index])}: ")
        expect(readout).to_contain_text("○ the loss minimum")


class TestPhone:
    """On a 375 px phone the rules table reads without sideways scrolling and every Use button is on screen."""

    def check_fits(self, page) -> None:
        """Every visible Use button lies inside the 375 px viewport, and the page does not scroll sideways."""
        buttons = page.get_by_role("button", name=re.compile(r"^Use "))
        assert buttons.count() > 0
        for i in range(buttons.count()):
            button = buttons.nth(i)
            if not button.is_visible():
                continue
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (button.inner_text(), box)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    def test_use_buttons_are_on_screen_at_375_px(self, open_page):
        """The pre-rendered table and one rebuilt for an uploaded file both fit, and axe finds nothing."""
        page, recorded = open_page(viewport=PHONE, has_touch=True, is_mobile=True)
        page.locator("html[data-state=ready]").wait_for(state="attached")
        self.check_fits(page)
        page.locator("#finder-file").set_input_files(str(EXPORTS / "fastai_recorder.json"))
        finder_settled(page)
        expect(page.locator("#finder-detected")).to_contain_text("fastai recorder")
        self.check_fits(page)
        assert axe_violations(page) == []
        assert recorded.console_errors == [] and recorded.page_errors == []

    def test_cards_are_still_a_table_to_screen_readers(self, open_page):
        """At 375 px Chromium's own accessibility tree still has the table, its headers and a row header per rule."""
        page, recorded = open_page(viewport=PHONE)
        page.locator("html[data-state=ready]").wait_for(state="attached")
        assert page.locator("#finder-rules tr").first.evaluate("row => getComputedStyle(row).display") == "grid"
        roles = ax_roles(page, "#finder table.rules")
        assert roles[0] == "table"
        assert roles.count("columnheader") == 4 and roles.count("rowheader") == len(finder.RULES)
        assert roles.count("row") == 1 + len(finder.RULES)
        assert recorded.console_errors == []


class TestLiveRun:
    """Run a range test in the browser and use its suggestion."""

    def test_run_stream_and_carry_over(self, app, record_timing):
        """The run streams progress, ends with suggestions, and one carries into the calculator."""
        page = app.page
        page.get_by_role("button", name="Run a range test").click()
        expect(page.get_by_role("button", name="Stop")).to_be_enabled()
        page.locator("#finder-run:not([disabled])").wait_for(timeout=60_000)
        finder_settled(page)
        duration = page.evaluate("() => performance.getEntriesByName('lrcalc-range-test').at(-1).duration")
        record_timing("range_test_ms", duration)
        assert duration < 10_000
        expect(page.locator("#finder-progress-text")).to_have_text(re.compile(r"Iteration \d+ of 100"))
        expect(page.locator("#finder-detected")).to_contain_text("lrcalc range test: softmax regression on 8x8 digits")
        first = page.locator(".use-lr").first
        value = first.get_attribute("data-lr")
        first.click()
        wait_settled(page)
        expect(page.get_by_label("Initial learning rate", exact=True)).to_have_value(value)
        expect(page.locator("#calculator-heading")).to_be_focused()

    def test_stop_ends_the_run_early(self, app):
        """Stop ends the run with a note saying so."""
        page = app.page
        page.get_by_role("button", name="Run a range test").click()
        page.locator("#finder-progress").wait_for()
        page.get_by_role("button", name="Stop").click()
        page.locator("#finder-run:not([disabled])").wait_for(timeout=60_000)
        finder_settled(page)
        notes = page.locator("#finder-notes").inner_text()
        error = page.locator("#finder-error").inner_text()
        assert "Stopped by you" in notes or "two points" in error

    def test_one_cycle_carry_over(self, app):
        """A suggestion can become the max LR of a one-cycle schedule."""
        page = app.page
        page.get_by_role("button", name="Load the example run").click()
        finder_settled(page)
        page.get_by_label("Use a suggestion as").select_option("one_cycle")
        button = page.locator(".use-lr").nth(1)
        value = button.get_attribute("data-lr")
        button.click()
        wait_settled(page)
        expect(page.get_by_label("Schedule type")).to_have_value("lrcalc.one_cycle")
        expect(page.get_by_label("max_value", exact=True)).to_have_value(value)
        expect(page.locator("#sum-peak")).to_contain_text(value)


def test_axe_on_the_finder(app):
    """The finder panel, with an analysis shown, passes axe."""
    page = app.page
    page.locator("#finder-file").set_input_files(str(EXPORTS / "fastai_recorder.json"))
    finder_settled(page)
    assert axe_violations(page) == []
