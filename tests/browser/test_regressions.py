"""Defects found by using the page as a newcomer would (issue 10), one class each.

Every test here failed before its fix. They drive the page by its labels and
hold what it shows (the chart's drawn axes, the copied text, the downloads)
against lrcalc called directly.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from playwright.sync_api import expect

from lrcalc import fmt, from_library

from .conftest import wait_settled


def control(page, label):
    return page.get_by_label(label, exact=True)


def drawn_range(page, axis: str) -> tuple[float, float]:
    """The chart's axis range as uPlot last drew it (``data-x-range``/``data-y-range``)."""
    wait_settled(page)
    page.wait_for_function(f"() => document.getElementById('chart').dataset.{axis}Range")
    low, high = page.locator("#chart").get_attribute(f"data-{axis}-range").split()
    return float(low), float(high)


def expect_x_range(page, low: float, high: float) -> None:
    """The drawn x axis spans exactly ``low`` to ``high`` (waits for the redraw)."""
    wait_settled(page)
    try:
        page.wait_for_function(
            "([low, high]) => { const r = document.getElementById('chart').dataset.xRange;"
            " return r && r.split(' ').map(Number).join(' ') === `${low} ${high}`; }",
            arg=[low, high],
            timeout=3_000,
        )
    except Exception:  # noqa: BLE001 - report what was drawn instead of a timeout
        raise AssertionError(f"x axis drawn as {drawn_range(page, 'x')}, expected {(low, high)}") from None


def use_library(page, library: str, scheduler: str) -> None:
    page.get_by_label("A library's scheduler").check()
    control(page, "Library").select_option(label=library)
    control(page, "Scheduler").select_option(label=scheduler)
    wait_settled(page)


def paste(page, text: str) -> None:
    page.get_by_label("A pasted call").check()
    control(page, "Scheduler call").fill(text)
    wait_settled(page)


def peak_text(api: str, lr: float | None, steps: int, unit: str, **kwargs) -> str:
    """What the page should say for the peak: lrcalc's value and where, 0-based."""
    schedule = from_library(api, lr=lr, **kwargs)
    values = [schedule(i) for i in range(steps)]
    best = values.index(max(values))
    return f"{fmt.lr(values[best])} at {unit} {best:,}"


class TestChartFitsTheData:
    """Every redraw fits the x axis to the data's first and last position, and y contains it."""

    def test_more_epochs_widen_the_axis(self, app):
        """300 epochs are drawn on a 0–299 axis, and the right edge reads epoch 299."""
        page = app.page
        control(page, "Number of epochs").fill("300")
        expect_x_range(page, 0, 299)
        page.locator("#chart").focus()
        page.keyboard.press("End")
        expect(page.locator("#chart-readout")).to_have_text(re.compile(r"^Epoch 299: "))

    def test_a_new_paste_of_another_length(self, app):
        """A 9,000-step schedule pasted after the 1,000-step example is drawn over 0–8,999."""
        page = app.page
        paste(page, "OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)")
        expect_x_range(page, 0, 999)  # the run is taken from the call: 10 epochs of 100 steps
        control(page, "Scheduler call").fill("get_linear_schedule_with_warmup(optimizer, num_warmup_steps=900, num_training_steps=9000)")
        expect_x_range(page, 0, 8999)

    def test_compared_schedules_after_an_edit(self, app):
        """With a comparison, lengthening the current schedule widens the shared axis."""
        page = app.page
        page.get_by_role("button", name="Add to comparison").click()
        wait_settled(page)
        control(page, "Number of epochs").fill("250")
        expect_x_range(page, 0, 249)
        page.locator("#compare-list li").nth(1).get_by_role("button", name="Remove").click()
        control(page, "Number of epochs").fill("120")
        expect_x_range(page, 0, 119)

    def test_y_axis_contains_a_larger_rate(self, app):
        """Raising the initial learning rate raises the y axis with it."""
        page = app.page
        control(page, "Initial learning rate").fill("0.5")
        wait_settled(page)
        page.wait_for_function("() => Number(document.getElementById('chart').dataset.yRange.split(' ')[1]) >= 0.5")
        low, high = drawn_range(page, "y")
        assert low <= 0.5 * 0.95**99 and high >= 0.5


    def test_log_axis_follows_a_steeper_decay(self, app):
        """On a log axis, a faster decay lowers the y axis to the curve's new minimum (found by the model-based test)."""
        page = app.page
        page.get_by_label("Log scale").check()
        wait_settled(page)
        control(page, "Decay rate").fill("0.5")
        wait_settled(page)
        page.wait_for_function("() => Number(document.getElementById('chart').dataset.yRange.split(' ')[0]) < 1e-20", timeout=3_000)
        low, high = drawn_range(page, "y")
        assert low <= 0.01 * 0.5**99 and high >= 0.01


class TestPasteFollowsTheLibrary:
    """A pasted scheduler steps as its library's convention says, whatever the previous mode did."""

    def test_one_cycle_after_a_per_epoch_scheduler(self, app):
        """OneCycleLR(total_steps=9000) pasted after StepLR is stepped per batch: 9,000 steps, peak at 30%."""
        page = app.page
        use_library(page, "PyTorch", "StepLR")
        paste(page, "OneCycleLR(optimizer, max_lr=0.1, total_steps=9000)")
        expect_x_range(page, 0, 8999)
        expected = peak_text("torch.optim.lr_scheduler.OneCycleLR", 0.1, 9000, "step", max_lr=0.1, total_steps=9000)
        expect(page.locator("#sum-peak")).to_have_text(expected)
        expect(page.locator("#train-stepping option:checked")).to_contain_text("optimizer step")

    def test_cosine_annealing_on_a_fresh_page(self, open_page):
        """CosineAnnealingLR(T_max=90) is stepped per epoch: one half cosine over 90 epochs, not 50 oscillations."""
        page, _ = open_page()
        paste(page, "CosineAnnealingLR(optimizer, T_max=90)")
        expect_x_range(page, 0, 89)
        schedule = from_library("torch.optim.lr_scheduler.CosineAnnealingLR", lr=0.1, T_max=90)
        expect(page.locator("#sum-final")).to_have_text(f"{fmt.lr(schedule(89))} at epoch 89")
        expect(page.locator("#train-stepping option:checked")).to_contain_text("epoch")


class TestCopiedLinkIsCurrent:
    """What Copy results and Copy link put on the clipboard is the state shown."""

    def test_copy_results_right_after_typing(self, app):
        """Typing epoch 75 and copying at once: the text and its link both say 75."""
        page = app.page
        control(page, "Current epoch").fill("75")
        page.get_by_role("button", name="Copy results").click()
        expect(page.locator("#copy-status")).to_contain_text("Copied")
        text = page.evaluate("() => navigator.clipboard.readText()")
        assert "LR(75)" in text
        assert "current_epoch=75" in text

    def test_copy_link_right_after_typing(self, app):
        """Copy link right after an edit carries that edit."""
        page = app.page
        control(page, "Current epoch").fill("76")
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator("#copy-status")).to_contain_text("Copied a link")
        assert "current_epoch=76" in page.evaluate("() => navigator.clipboard.readText()")


class TestUnits:
    """Switching steps and epochs converts the position; steps per epoch is never guessed."""

    def test_switching_to_epochs_converts_the_position(self, app):
        """Step 2,700 at 100 steps per epoch becomes epoch 27, with no error."""
        page = app.page
        use_library(page, "PyTorch", "OneCycleLR")
        control(page, "Current position").fill("2700")
        wait_settled(page)
        expect(page.locator("#sum-current-label")).to_have_text("LR at step 2,700")
        control(page, "Show the curve in").select_option(label="epochs")
        wait_settled(page)
        expect(control(page, "Current position")).to_have_value("27")
        expect(page.locator("#train-current-error")).to_be_hidden()
        expect(page.locator("#sum-current-label")).to_have_text("LR at epoch 27")
        control(page, "Show the curve in").select_option(label="steps")
        wait_settled(page)
        expect(control(page, "Current position")).to_have_value("2700")

    def test_a_position_typed_before_the_reply_is_in_the_new_unit(self, open_page):
        """Picking OneCycleLR after StepLR and typing 2700 at once reads step 2,700, with no error (the reply came late)."""
        page, _ = open_page()
        page.get_by_label("A library's scheduler").check()
        control(page, "Library").select_option(label="PyTorch")
        control(page, "Scheduler").select_option(label="OneCycleLR")
        control(page, "Current position").fill("2700")
        wait_settled(page)
        expect(page.locator("#train-current-error")).to_be_hidden()
        expect(page.locator("#sum-current-label")).to_have_text("LR at step 2,700")

    def test_empty_steps_per_epoch_is_an_error(self, app):
        """An emptied Steps per epoch, with no dataset to work it out from, is reported beside the field."""
        page = app.page
        use_library(page, "PyTorch", "OneCycleLR")
        control(page, "Steps per epoch").fill("")
        wait_settled(page)
        expect(page.locator("#train-steps_per_epoch-error")).to_contain_text("Steps per epoch")
        expect(control(page, "Steps per epoch")).to_have_value("")

    def test_steps_per_epoch_from_the_dataset_says_so(self, app):
        """Worked out from dataset and batch size, steps per epoch is stated with its arithmetic."""
        page = app.page
        use_library(page, "PyTorch", "OneCycleLR")
        control(page, "Steps per epoch").fill("")
        control(page, "Dataset size").fill("50000")
        control(page, "Batch size").fill("64")
        wait_settled(page)
        expect(page.locator("#train-steps_per_epoch-note")).to_contain_text("782")


class TestLibraryModeOpens:
    """A scheduler opens with example arguments and a result, never with errors before any typing."""

    def test_step_lr_opens_with_an_example(self, app):
        """StepLR's step_size is filled with an example, said so, and the results are there."""
        page = app.page
        use_library(page, "PyTorch", "StepLR")
        assert page.locator("#explore-fields .error:visible").count() == 0
        assert control(page, "step_size").input_value() != ""
        expect(page.locator("#arg-step_size-hint")).to_contain_text("example")
        expect(page.locator("#sum-peak")).not_to_have_text("—")

    def test_one_cycle_takes_its_length_from_training(self, app):
        """OneCycleLR with no total_steps runs over the training length, and says so."""
        page = app.page
        use_library(page, "PyTorch", "OneCycleLR")
        assert page.locator("#explore-fields .error:visible").count() == 0
        expect(control(page, "total_steps")).to_have_value("")
        expect_x_range(page, 0, 8999)
        expect(page.locator("#explore-notes")).to_contain_text("total_steps")

    def test_every_scheduler_of_every_library_opens_clean(self, app):
        """No scheduler in the Library mode lists opens with an error."""
        page = app.page
        page.get_by_label("A library's scheduler").check()
        failures = []
        for library in control(page, "Library").locator("option").all_inner_texts():
            control(page, "Library").select_option(label=library)
            for scheduler in control(page, "Scheduler").locator("option").all_inner_texts():
                control(page, "Scheduler").select_option(label=scheduler)
                wait_settled(page)
                errors = page.locator("#explore-fields .error:visible").all_inner_texts()
                if errors or page.locator("#sum-peak").inner_text() == "—":
                    failures.append(f"{library} {scheduler}: {errors}")
        assert failures == []


class TestPrintAndPng:
    """The chart fits the paper and the PNG's caption fits the image."""

    def test_print_fits_the_chart_to_the_paper(self, app):
        """In print layout at paper width the chart is no wider than its box."""
        page = app.page
        page.emulate_media(media="print")
        try:
            widths = page.evaluate(
                """() => { document.body.style.width = '650px';
                const box = document.getElementById('chart').getBoundingClientRect();
                const canvas = document.querySelector('#chart canvas').getBoundingClientRect();
                const out = [canvas.left, canvas.right, box.left, box.right];
                document.body.style.width = ''; return out; }"""
            )
            assert widths[0] >= widths[2] - 0.5 and widths[1] <= widths[3] + 0.5, widths
        finally:
            page.emulate_media(media="null")  # no emulation: page.pdf() prints as print again

    def test_library_mode_prints_on_one_page(self, app):
        """Library mode with OneCycleLR prints on a single A4 page."""
        page = app.page
        use_library(page, "PyTorch", "OneCycleLR")
        pdf = page.pdf(format="A4")
        pages = int(re.search(rb"/Type\s*/Pages\s*/Count\s+(\d+)", pdf).group(1))  # the page tree's count
        assert pages == 1

    def test_png_caption_is_not_cut(self, app):
        """The caption wraps inside the image: the right margin of the downloaded PNG stays blank."""
        page = app.page
        with page.expect_download() as info:
            page.get_by_role("button", name="Download PNG").click()
        data = Path(info.value.path()).read_bytes()
        inked = page.evaluate(
            """async (bytes) => {
                const blob = new Blob([new Uint8Array(bytes)], { type: 'image/png' });
                const image = await createImageBitmap(blob);
                const canvas = new OffscreenCanvas(image.width, image.height);
                const ctx = canvas.getContext('2d');
                ctx.drawImage(image, 0, 0);
                const margin = Math.round(8 * devicePixelRatio);
                const pixels = ctx.getImageData(image.width - margin, 0, margin, image.height).data;
                let inked = 0;
                for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 200) inked += 1;
                return inked;
            }""",
            list(data),
        )
        assert inked == 0


class TestSmallerDefects:
    """Downloads, the paste echo, the order of the panels, log scale, citations."""

    def test_compare_csv_names_each_column(self, app):
        """Each value column of a compared CSV is named after its schedule."""
        page = app.page
        page.get_by_role("button", name="Add to comparison").click()
        control(page, "Schedule type").select_option(label="Step Decay")
        wait_settled(page)
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").click()
        header = next(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
        assert header[0] == "epoch"
        assert header[1].startswith("Step Decay") and header[2].startswith("Exponential Decay"), header

    def test_json_download_has_the_optimizer_lr(self, app):
        """A library scheduler's JSON says which optimizer learning rate it scaled."""
        page = app.page
        use_library(page, "PyTorch", "StepLR")
        control(page, "Optimizer learning rate").fill("0.05")
        wait_settled(page)
        with page.expect_download() as info:
            page.get_by_role("button", name="Download JSON").click()
        document = json.loads(Path(info.value.path()).read_text())
        assert document["schedules"][0]["optimizer_lr"] == 0.05

    def test_read_as_shows_python(self, app):
        """A nested paste is echoed as a Python call, never as internal dicts."""
        page = app.page
        paste(
            page,
            "SequentialLR(optimizer, schedulers=[LinearLR(optimizer, start_factor=0.1, total_iters=5),"
            " CosineAnnealingLR(optimizer, T_max=85)], milestones=[5])",
        )
        summary = page.locator("#api-summary").inner_text()
        assert "{'api'" not in summary and "LinearLR(optimizer, start_factor=0.1, total_iters=5)" in summary, summary

    def test_results_come_before_code_and_steps_in_every_mode(self, app):
        """The results sit above Code and Show the steps in the schedule, library and paste modes."""
        page = app.page

        def order() -> bool:
            wait_settled(page)
            results = page.locator("#results:visible, #explore-results:visible").first.bounding_box()
            return results["y"] < page.locator("#code-box").bounding_box()["y"] < page.locator("#steps-box").bounding_box()["y"]

        assert order()
        use_library(page, "PyTorch", "StepLR")
        assert order()
        paste(page, "OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)")
        assert order()

    def test_log_scale_for_a_warmup_from_zero(self, app):
        """A warmup from 0 can be drawn on a log axis, from its first positive value, and the page says so."""
        page = app.page
        paste(page, "get_linear_schedule_with_warmup(optimizer, num_warmup_steps=900, num_training_steps=9000)")
        box = page.get_by_label("Log scale")
        expect(box).to_be_enabled()
        box.check()
        wait_settled(page)
        expect(page.locator("#log-note")).to_contain_text("first positive")
        low, _ = drawn_range(page, "y")
        assert low > 0
