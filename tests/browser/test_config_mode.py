"""The Config mode (issue 13): a training config pasted or opened from a file, what it cannot say, the link.

Each test drives the page by its labels and holds what it shows against
:func:`lrcalc.page.view` for the same state, computed here, and the curve against
the real Trainer's recorded learning rates (tests/configs/expected.json).
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from lrcalc.page import State, view

from .conftest import axe_violations, wait_settled
from .test_regressions import control, expect_x_range

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def open_config_mode(page) -> None:
    page.get_by_label("A training config").check()
    wait_settled(page)


def run_fields(page) -> dict[str, str]:
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('[id^=\"run-\"]')].filter((e) => e.matches('input')).map((e) => [e.id.slice(4), e.value]))")


def shown_summary(page) -> list[str]:
    wait_settled(page)
    return [page.locator(f"#sum-{key}").inner_text() for key in ("peak", "final", "mean", "current")]


def expected_view(page, base_url) -> dict:
    return view(State(mode="config", config=control(page, "Training config").input_value(), run=run_fields(page)), base_url)


def test_the_default_config_opens_with_results_not_errors(app):
    page = app.page
    open_config_mode(page)
    expected = expected_view(page, app.url)
    assert expected["ok"]
    assert shown_summary(page) == [item["text"] for item in expected["summary"]]
    expect(page.locator("#config-framework")).to_have_text("Read as a Hugging Face Trainer (TrainingArguments) config.")
    expect(page.locator("#config-counting li")).to_have_text(expected["config"]["counting"])
    expect(page.locator("#calc-form .error:visible")).to_have_count(0)
    expect_x_range(page, 0, expected["config"]["total_steps"] - 1)
    assert axe_violations(page) == []


def test_an_opened_file_gives_the_trainers_curve(app):
    """A verbatim alignment-handbook recipe, opened from disk with the data-set size the real Trainer ran on: every value the same."""
    page = app.page
    entry = next(e for e in json.loads((CONFIGS / "expected.json").read_text())["entries"] if e["id"] == "ah-zephyr-7b-beta-sft-full")
    open_config_mode(page)
    control(page, "Training examples").fill(str(entry["dataset_size"]))
    page.set_input_files("#config-file", str(CONFIGS / "hf" / "ah-zephyr-7b-beta-sft-full.yaml"))
    wait_settled(page)
    expect(control(page, "Training config")).to_have_value((CONFIGS / "hf" / "ah-zephyr-7b-beta-sft-full.yaml").read_text())
    expected = expected_view(page, app.url)
    assert expected["ok"] and expected["config"]["total_steps"] == entry["steps"]
    assert shown_summary(page) == [item["text"] for item in expected["summary"]]
    expect(page.locator("#explore-warnings li")).to_have_text(expected["warnings"])  # warmup_ratio: transformers 4's
    # The data table is the curve: every row is the Trainer's value at that step, formatted once by lrcalc.
    page.locator("details.data-table summary").click()
    rows = page.locator("#table-body tr")
    expect(rows).to_have_count(len(expected["chart"]["x"]))
    table = page.evaluate("() => [...document.querySelectorAll('#table-body tr')].map((r) => [...r.cells].map((c) => c.textContent))")
    from lrcalc import fmt

    for (step, text), x in zip(table, expected["chart"]["x"], strict=True):
        assert int(step.replace(",", "")) == x and text == fmt.lr(entry["lrs"][x])
    page.locator("details.data-table summary").click()
    page.locator(".calc-grid").first.screenshot(path=str(DOCS / "screenshot-config.png"))


def test_what_the_config_cannot_say_is_asked_next_to_its_field(app):
    """Without the data-set size, the field says what is needed; typed, the results come; the text typed stays."""
    page = app.page
    open_config_mode(page)
    control(page, "Training examples").fill("")
    wait_settled(page)
    expect(page.locator("#run-dataset_size-error")).to_contain_text("Give the number of training examples")
    expect(page.locator("#sum-peak")).to_have_text("—")
    control(page, "Or optimizer steps per epoch").fill("250")
    wait_settled(page)
    expect(page.locator("#run-dataset_size-error")).to_be_hidden()
    expected = expected_view(page, app.url)
    assert expected["ok"] and expected["config"]["total_steps"] == 750
    assert shown_summary(page) == [item["text"] for item in expected["summary"]]
    control(page, "Devices").fill("-2")
    wait_settled(page)
    expect(control(page, "Devices")).to_have_value("-2")
    expect(page.locator("#run-devices-error")).to_contain_text("Devices")


def test_a_bad_config_is_a_message_at_the_box_and_kept(app):
    page = app.page
    open_config_mode(page)
    text = "learning_rate: 2e-5\nnum_train_epochs: 3\nper_device_train_batch_size: 4\n"
    control(page, "Training config").fill(text)
    wait_settled(page)
    expect(control(page, "Training config")).to_have_value(text)
    expect(page.locator("#config-error")).to_contain_text("Write learning_rate: 2.0e-5")
    expect(page.locator("#config-read")).to_be_hidden()
    control(page, "Training config").fill("scheduler:\n  name: cosine_with_warmup\n  t_warmup: 100ba\nmax_duration: 1000ba\n")
    wait_settled(page)
    expect(page.locator("#config-error")).to_contain_text("the config's optimizer has no lr")
    assert axe_violations(page) == []


def test_the_link_opens_the_same_config_and_values(app, open_page):
    page = app.page
    open_config_mode(page)
    text = "learning_rate: 1.0e-4\nlr_scheduler_type: linear\nwarmup_steps: 100\nmax_steps: 2000\n"
    control(page, "Training config").fill(text)
    control(page, "Current optimizer step").fill("1500")
    wait_settled(page)
    expected = expected_view(page, app.url)
    assert page.evaluate("() => location.search") == expected["link"]
    summary = shown_summary(page)
    fresh, recorded = open_page()
    fresh.goto(page.url)
    fresh.locator("html:not([data-state=loading])").wait_for(state="attached")
    wait_settled(fresh)
    expect(fresh.get_by_label("A training config")).to_be_checked()
    expect(control(fresh, "Training config")).to_have_value(text)
    expect(control(fresh, "Current optimizer step")).to_have_value("1500")
    assert shown_summary(fresh) == summary
    assert recorded.console_errors == [] and recorded.offsite == []


def test_copy_results_says_how_the_steps_were_counted(app):
    page = app.page
    open_config_mode(page)
    page.get_by_role("button", name="Copy results").click()
    wait_settled(page)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    expected = expected_view(page, app.url)
    assert copied == expected["copy_text"]
    assert "Read as a Hugging Face Trainer (TrainingArguments) config" in copied and expected["config"]["counting"][-1] in copied


def test_the_code_box_writes_the_config_back(app):
    """Any schedule on the page: the Trainer config that builds it, or why there is none."""
    page = app.page
    open_config_mode(page)
    page.locator("#code-box summary").click()
    page.locator("#code-target").select_option("trainer_config")
    expected = expected_view(page, app.url)
    expect(page.locator("#code")).to_have_text(expected["code"]["trainer_config"]["code"])
    expect(page.locator("#code-note")).to_have_text(expected["code"]["trainer_config"]["reason"])
    page.get_by_label("A schedule").check()
    wait_settled(page)
    expect(page.locator("#code-note")).to_contain_text("steps once per epoch")
    expect(page.get_by_role("button", name="Copy code")).to_be_disabled()
    page.locator("#code-target").select_option("pytorch")
    page.locator("#code-box summary").click()


def test_a_deepspeed_config_asks_for_its_run_length(app):
    """A DeepSpeed scheduler block states no epochs: WarmupLR asks for the run's optimizer steps, then draws the engine's curve."""
    page = app.page
    open_config_mode(page)
    text = (CONFIGS / "deepspeed" / "configs" / "dse-cifar.json").read_text()
    control(page, "Training config").fill(text)
    wait_settled(page)
    expect(page.locator("#run-steps_per_epoch-error")).to_contain_text("WarmupLR states no run length")
    control(page, "Or optimizer steps per epoch").fill("1010")
    wait_settled(page)
    expected = expected_view(page, app.url)
    assert expected["ok"] and expected["config"]["framework"] == "DeepSpeed"
    assert shown_summary(page) == [item["text"] for item in expected["summary"]]
    engine = next(e for e in json.loads((CONFIGS / "deepspeed" / "expected.json").read_text())["entries"] if e["id"] == "dse-cifar")
    from lrcalc import fmt

    assert expected["summary"][0]["text"].startswith(fmt.lr(max(engine["lrs"])))
    expect_x_range(page, 0, 1009)


def test_an_openmmlab_config_gives_the_runners_curve_and_its_code(app):
    """A verbatim mmdetection3d schedule (a warmup by iteration chained onto a cosine by epoch): it asks for the
    iterations per epoch, then every row of the data table is the real Runner's lr; the code box writes the list back."""
    page = app.page
    open_config_mode(page)
    entry = next(e for e in json.loads((CONFIGS / "mmengine" / "expected.json").read_text())["entries"] if e["id"] == "mmdet3d_cosine")
    page.set_input_files("#config-file", str(CONFIGS / "mmengine" / "configs" / entry["config"]))
    wait_settled(page)
    expect(page.locator("#run-steps_per_epoch-error")).to_contain_text("len(train_dataloader)")
    control(page, "Or optimizer steps per epoch").fill(str(entry["iters_per_epoch"]))
    wait_settled(page)
    expected = expected_view(page, app.url)
    assert expected["ok"] and expected["config"]["total_steps"] == entry["n_iters"]
    expect(page.locator("#config-framework")).to_have_text("Read as an OpenMMLab mmengine (Runner) config.")
    assert shown_summary(page) == [item["text"] for item in expected["summary"]]
    page.locator("details.data-table summary").click()
    expect(page.locator("#table-body tr")).to_have_count(len(expected["chart"]["x"]))
    table = page.evaluate("() => [...document.querySelectorAll('#table-body tr')].map((r) => [...r.cells].map((c) => c.textContent))")
    from lrcalc import fmt

    for (step, text), x in zip(table, expected["chart"]["x"], strict=True):
        assert int(step.replace(",", "")) == x and text == fmt.lr(entry["lrs"][x])
    page.locator("details.data-table summary").click()
    page.locator("#code-box summary").click()
    page.get_by_label("Write the code for").select_option("mmengine_config")
    expect(page.locator("#code")).to_have_text(expected["code"]["mmengine_config"]["code"])
    assert "param_scheduler = [" in expected["code"]["mmengine_config"]["code"]
    page.get_by_label("Write the code for").select_option("pytorch")  # the session's page goes on to other tests
    page.locator("#code-box summary").click()
    assert axe_violations(page) == []
