"""Pasting real training code (issue 12): its names as fields, the training length from the call, the warnings.

Each test drives the page by its labels, as a user does, and holds what it shows
against :func:`lrcalc.page.view` for the same state, computed here.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lrcalc.page import State, view

from pathlib import Path

from .conftest import wait_settled
from .test_regressions import control, expect_x_range, paste, use_library

DOCS = Path(__file__).resolve().parents[2] / "docs"
HF_CALL = (
    "scheduler = get_linear_schedule_with_warmup(\n"
    "    optimizer,\n"
    "    num_warmup_steps=args.warmup_steps,\n"
    "    num_training_steps=len(train_dataloader) * num_epochs,\n"
    ")"
)


def shown_summary(page) -> list[str]:
    wait_settled(page)
    return [page.locator(f"#sum-{key}").inner_text() for key in ("peak", "final", "mean", "current")]


def training_of(page) -> dict[str, str]:
    """The Training length box as the page shows it."""
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('[id^=\"train-\"]')]"
        ".filter((e) => e.matches('input, select')).map((e) => [e.id.slice(6), e.value]))"
    )


def expected_view(page, base_url, **state) -> dict:
    """lrcalc's view of the state the page shows (its training box as it is now)."""
    return view(State(mode="paste", training=training_of(page), **state), base_url)


class TestNamesBecomeFields:
    def test_a_real_call_asks_for_its_names(self, app):
        """The script's own value is a field labelled with its name and a hint; epochs and len(dataloader) come from the training length."""
        page = app.page
        paste(page, HF_CALL)
        field = control(page, "args.warmup_steps")
        expect(field).to_be_visible()
        expect(page.locator("#name-fields")).to_contain_text("get_linear_schedule_with_warmup's num_warmup_steps")
        expect(page.locator("#name-fields .error")).to_have_text(
            "Type a value for args.warmup_steps: get_linear_schedule_with_warmup's num_warmup_steps: a whole number."
        )
        lines = page.locator("#name-training li")
        expect(lines).to_have_text(["len(train_dataloader): the Training length's steps per epoch.", "num_epochs: the Training length's epochs."])
        expect(page.locator("#sum-peak")).to_have_text("—")

    def test_typing_a_value_gives_lrcalcs_numbers_and_a_link(self, app):
        """Typed key by key (the field keeps focus while the page answers), the value gives lrcalc's results for that state."""
        page = app.page
        paste(page, HF_CALL)
        field = control(page, "args.warmup_steps")
        field.click()
        page.keyboard.type("250", delay=40)
        wait_settled(page)
        expect(field).to_have_value("250")
        expected = expected_view(page, app.url, paste=HF_CALL, names={"args.warmup_steps": "250"})
        assert expected["ok"] and shown_summary(page) == [item["text"] for item in expected["summary"]]
        expect(page.locator("#name-training li")).to_have_text([row["line"] for row in expected["names"] if row["from_training"]])
        assert "n.args.warmup_steps=250" in page.evaluate("() => location.search")
        assert page.evaluate("() => location.search") == expected["link"]
        expect_x_range(page, expected["chart"]["x"][0], expected["chart"]["x"][-1])

    def test_the_link_opens_with_the_values(self, app, open_page):
        """The page's address, opened elsewhere, shows the call, its names' values and the same results."""
        page = app.page
        paste(page, HF_CALL)
        control(page, "args.warmup_steps").fill("100")
        control(page, "Training epochs").fill("4")
        wait_settled(page)
        summary = shown_summary(page)
        fresh, recorded = open_page()
        fresh.goto(page.url)
        fresh.locator("html:not([data-state=loading])").wait_for(state="attached")
        wait_settled(fresh)
        expect(control(fresh, "args.warmup_steps")).to_have_value("100")
        expect(control(fresh, "Training epochs")).to_have_value("4")
        assert shown_summary(fresh) == summary
        assert recorded.console_errors == [] and recorded.offsite == []

    def test_a_bad_value_is_an_error_at_its_field_and_kept(self, app):
        page = app.page
        paste(page, "StepLR(optimizer, step_size=args.step_size, gamma=args.gamma)")
        control(page, "args.step_size").fill("30")
        control(page, "args.gamma").fill("gamma / 10")
        wait_settled(page)
        expect(control(page, "args.gamma")).to_have_value("gamma / 10")
        expect(page.locator("#name-fields .error:visible")).to_have_text(re.compile(r"args\.gamma: 'gamma' is not a literal value"))
        control(page, "args.gamma").fill("0.5")
        wait_settled(page)
        expected = expected_view(page, app.url, paste="StepLR(optimizer, step_size=args.step_size, gamma=args.gamma)", names={"args.step_size": "30", "args.gamma": "0.5"})
        assert shown_summary(page) == [item["text"] for item in expected["summary"]]


class TestLengthFromTheCall:
    def test_a_new_call_sets_the_training_length(self, app):
        """T_max=200 epochs: the epochs field becomes 200, says why, and the chart spans 0–199."""
        page = app.page
        paste(page, "CosineAnnealingLR(optimizer, T_max=200)")
        expect(control(page, "Training epochs")).to_have_value("200")
        expect(page.locator("#train-epochs-note")).to_have_text("Taken from the call: T_max=200 epochs (the scheduler steps once per epoch).")
        expect_x_range(page, 0, 199)
        expect(page.locator("#explore-warnings")).to_be_hidden()

    def test_batches_in_the_call_step_per_batch(self, app):
        """T_max counted in batches (len(train_loader)): stepped after every optimizer step, its names from the training length."""
        page = app.page
        paste(page, "CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))")
        expect(page.locator("#train-stepping")).to_have_value("step")
        expect(page.locator("#train-stepping-note")).to_contain_text("Taken from the call: it counts optimizer steps (len(train_loader))")
        training = training_of(page)
        total = int(training["epochs"]) * int(training["steps_per_epoch"])
        expect_x_range(page, 0, total - 1)

    def test_editing_the_length_keeps_it_and_warns(self, app):
        """A run longer than T_max: the user's 90 epochs stay, and the warning says the cosine climbs from epoch 51, as lrcalc does."""
        page = app.page
        paste(page, "CosineAnnealingLR(optimizer, T_max=50)")
        expect(control(page, "Training epochs")).to_have_value("50")
        control(page, "Training epochs").fill("90")
        wait_settled(page)
        expect(control(page, "Training epochs")).to_have_value("90")
        expected = expected_view(page, app.url, paste="CosineAnnealingLR(optimizer, T_max=50)")
        assert expected["warnings"] and "from epoch 51 the learning rate rises again" in expected["warnings"][0]
        expect(page.locator("#explore-warnings li")).to_have_text(expected["warnings"])
        expect_x_range(page, 0, 89)
        # the picture shows the climb: the drawn curve ends higher than it was at T_max
        ys = expected["chart"]["y"]
        assert ys[-1] > min(ys)

    def test_onecycle_past_total_steps_warns_where_it_raises(self, app):
        page = app.page
        paste(page, "OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)")
        expect(control(page, "Training epochs")).to_have_value("10")
        control(page, "Training epochs").fill("12")
        wait_settled(page)
        expect(page.locator("#explore-warnings li").first).to_have_text(re.compile(r"^The run is longer than OneCycleLR's total_steps=1,000: at step 1,001 the library raises"))

    def test_a_warmup_longer_than_the_run(self, app):
        page = app.page
        paste(page, "get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=500, num_training_steps=num_training_steps)")
        control(page, "Training epochs").fill("3")
        wait_settled(page)
        expect(page.locator("#explore-warnings li")).to_have_text([re.compile("The warmup is longer than the run.*never gets to the peak")])

    def test_library_mode_warns_too(self, app):
        page = app.page
        use_library(page, "PyTorch", "CosineAnnealingLR")
        control(page, "T_max").fill("50")
        control(page, "Training epochs").fill("90")
        wait_settled(page)
        expect(page.locator("#explore-warnings li")).to_have_text([re.compile(r"^The run is longer than CosineAnnealingLR's T_max=50: from epoch 51")])


def test_paste_mode_screenshot(app):
    """The README's picture of a pasted script (docs/screenshot-paste.png): a name typed, the others from the run, a warning."""
    page = app.page
    paste(page, HF_CALL)
    control(page, "args.warmup_steps").fill("500")
    control(page, "Training epochs").fill("4")
    wait_settled(page)
    expect(page.locator("#explore-warnings li")).to_have_count(1)
    page.evaluate("() => { document.activeElement.blur(); for (const d of document.querySelectorAll('#calculator details')) d.open = false; }")
    page.set_viewport_size({"width": 1280, "height": 1000})
    try:
        page.evaluate("() => document.getElementById('calculator').scrollIntoView()")
        page.screenshot(path=str(DOCS / "screenshot-paste.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    assert (DOCS / "screenshot-paste.png").stat().st_size > 10_000
