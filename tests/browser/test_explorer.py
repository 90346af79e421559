"""The page's Schedule, Library and Paste modes in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lrcalc import fmt, from_library

from .conftest import axe_violations, wait_settled


def output(page, element_id: str) -> str:
    wait_settled(page)
    return page.locator(f"#{element_id}").inner_text()


def choose_library(page, library: str, scheduler: str) -> None:
    page.get_by_label("A library's scheduler").check()
    page.get_by_label("Library", exact=True).select_option(label=library)
    page.get_by_label("Scheduler", exact=True).select_option(label=scheduler)
    wait_settled(page)


class TestScheduleList:
    """The three classic schedules come first, then the families, grouped."""

    def test_classic_first_then_groups(self, app):
        """Option order and optgroups of the Schedule type list."""
        select = app.page.get_by_label("Schedule type")
        options = select.locator("option").all_inner_texts()
        assert options[:3] == ["Exponential Decay", "Step Decay", "Constant"]
        groups = select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
        assert groups[:3] == ["Step-wise", "Smooth decay", "Cycles and restarts"]
        assert "Cosine annealing" in options and "Warmup-stable-decay" in options and "Reduce on plateau" in options

    def test_family_shows_its_own_arguments(self, app):
        """Choosing a family swaps the classic fields for its arguments and the training length."""
        page = app.page
        page.get_by_label("Schedule type").select_option(label="Cosine annealing")
        wait_settled(page)
        expect(page.get_by_label("Decay rate", exact=True)).to_be_hidden()
        expect(page.get_by_label("end_value", exact=True)).to_be_visible()
        expect(page.get_by_label("Training epochs")).to_be_visible()
        page.get_by_label("init_value", exact=True).fill("0.2")
        page.get_by_label("steps", exact=True).fill("90")
        wait_settled(page)
        expect(page.locator("#sum-peak")).to_have_text("0.2 at epoch 0")
        expected = fmt.lr(from_library("lrcalc.cosine_decay", init_value=0.2, steps=90)(89))
        expect(page.locator("#sum-final")).to_have_text(f"{expected} at epoch 89")


class TestLibraryMode:
    """Pick a library and a scheduler; its own argument names and defaults appear."""

    def test_one_cycle_by_its_arguments(self, app):
        """OneCycleLR's results match lrcalc.from_library."""
        page = app.page
        choose_library(page, "PyTorch", "OneCycleLR")
        expect(page.get_by_label("pct_start", exact=True)).to_have_attribute("placeholder", "0.3")
        page.get_by_label("max_lr", exact=True).fill("0.1")
        page.get_by_label("total_steps", exact=True).fill("9000")
        wait_settled(page)
        curve = from_library("torch.optim.lr_scheduler.OneCycleLR", lr=0.1, max_lr=0.1, total_steps=9000)
        peak_step = max(range(9000), key=curve)
        expect(page.locator("#sum-peak")).to_have_text(f"0.1 at step {peak_step:,}")
        expect(page.locator("#sum-final")).to_have_text(f"{fmt.lr(curve(8999))} at step 8,999")
        expect(page.locator("#call")).to_have_text("OneCycleLR(optimizer, max_lr=0.1, total_steps=9000)  # optimizer lr=0.1")

    def test_argument_error_next_to_the_argument(self, app):
        """A value the library rejects is explained beside that argument."""
        page = app.page
        choose_library(page, "PyTorch", "OneCycleLR")
        page.get_by_label("max_lr", exact=True).fill("0.1")
        page.get_by_label("total_steps", exact=True).fill("-5")
        wait_settled(page)
        error = page.locator("#arg-total_steps-error")
        expect(error).to_contain_text("Expected positive integer total_steps, but got -5")
        assert page.get_by_label("total_steps", exact=True).get_attribute("aria-invalid") == "true"
        expect(page.locator("#sum-peak")).to_have_text("—")

    def test_keras_schedule_needs_no_optimizer_lr(self, app):
        """Keras schedules take no optimizer, so the lr field hides."""
        page = app.page
        choose_library(page, "Keras", "CosineDecay")
        expect(page.get_by_label("Optimizer learning rate")).to_be_hidden()
        page.get_by_label("initial_learning_rate", exact=True).fill("0.001")
        page.get_by_label("decay_steps", exact=True).fill("9000")
        wait_settled(page)
        expect(page.locator("#sum-peak")).to_have_text("0.001 at step 0")


class TestPasteMode:
    """Paste a constructor call from a training script."""

    def test_pasted_call_is_read_and_drawn(self, app):
        """The page says how it read the call and shows its numbers."""
        page = app.page
        page.get_by_label("A pasted call").check()
        page.get_by_label("Scheduler call").fill("optax.warmup_cosine_decay_schedule(0.0, 1e-3, 1000, 9000)")
        wait_settled(page)
        expect(page.locator("#api-summary")).to_have_text(
            "Read as warmup_cosine_decay_schedule(init_value=0.0, peak_value=0.001, warmup_steps=1000, decay_steps=9000)"
        )
        expect(page.locator("#sum-peak")).to_have_text("0.001 at step 1,000")

    def test_unreadable_paste_is_explained_and_kept(self, app):
        """Text that is not Python gets a message naming the line; the text stays as typed."""
        page = app.page
        page.get_by_label("A pasted call").check()
        box = page.get_by_label("Scheduler call")
        box.fill("StepLR(optimizer, step_size=30")
        wait_settled(page)
        expect(page.locator("#paste-error")).to_contain_text("line 1")
        expect(box).to_have_value("StepLR(optimizer, step_size=30")

    def test_a_name_in_the_paste_takes_the_training_length(self, app):
        """epochs // 3 is a name with the training length's epochs, not an error: StepLR steps every 30 of 90 epochs."""
        page = app.page
        page.get_by_label("A pasted call").check()
        page.get_by_label("Scheduler call").fill("StepLR(optimizer, step_size=epochs // 3)")
        page.get_by_label("Training epochs").fill("90")
        wait_settled(page)
        expect(page.locator("#paste-error")).to_be_hidden()
        expect(page.locator("#name-training li")).to_have_text(["epochs = 90: the Training length's epochs."])
        expect(page.locator("#call")).to_have_text(re.compile(r"^StepLR\(optimizer, step_size=30\)"))

    def test_hostile_paste_runs_nothing(self, app):
        """Code in the paste is never executed and never rendered as markup."""
        page = app.page
        page.get_by_label("A pasted call").check()
        page.get_by_label("Scheduler call").fill("__import__('os').system('echo hi') <img src=x onerror=alert(1)>")
        wait_settled(page)
        expect(page.locator("#paste-error")).to_be_visible()
        assert page.locator("#calculator img").count() == 0
        assert page.evaluate("() => window.__pwned === undefined")


class TestTrainingLength:
    """Steps per epoch, and reading the curve in epochs."""

    def test_read_in_epochs(self, app):
        """A per-step schedule read in epochs places the peak at a fractional epoch."""
        page = app.page
        choose_library(page, "PyTorch", "OneCycleLR")
        page.get_by_label("max_lr", exact=True).fill("0.1")
        page.get_by_label("total_steps", exact=True).fill("9000")
        page.get_by_label("Show the curve in").select_option(label="epochs")
        wait_settled(page)
        expect(page.locator("#sum-peak")).to_have_text(re.compile(r"^0\.1 at epoch 2[67]\.\d+$"))
        expect(page.locator("#table-x")).to_have_text("Epoch")


def test_axe_finds_no_violations_in_each_mode(app):
    """Library mode with its generated form, and Paste mode, pass axe with zero violations."""
    page = app.page
    choose_library(page, "Hugging Face transformers", "get_wsd_schedule")
    assert axe_violations(page) == []
    page.get_by_label("A pasted call").check()
    wait_settled(page)
    assert axe_violations(page) == []
    page.get_by_label("A schedule").check()
    page.get_by_label("Schedule type").select_option(label="Warmup, then any schedule")
    wait_settled(page)
    assert axe_violations(page) == []
