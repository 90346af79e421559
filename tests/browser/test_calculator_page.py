"""The calculator page in Chromium, driven by its labels as a user would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lrcalc import fmt

from .conftest import axe_violations, wait_settled

RESULT_LABELS = ("Current learning rate", "Effective decay factor", "LR after next epoch", "LR at epoch 1")
FORBIDDEN = re.compile(r"\bNaN\b|undefined|Infinity|Traceback|\bnull\b")


def control(page, label):
    """The form control with this exact visible label."""
    return page.get_by_label(label, exact=True)


def fill(page, fields: dict[str, str]) -> None:
    """Set fields by their visible label (selects by option text), then wait for the result."""
    for label, value in fields.items():
        element = control(page, label)
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(label=value)
        else:
            element.fill(value)
    wait_settled(page)


def output(page, label: str) -> str:
    """The text of the result labelled ``label`` once calculations settle."""
    wait_settled(page)
    return control(page, label).inner_text()


def assert_clean(page, typed: str = "") -> None:
    """No NaN, undefined, Infinity, null or traceback in the calculator's text, beyond what the user typed."""
    text = page.locator("#calculator").inner_text().replace(f"(got {typed})", "")
    found = FORBIDDEN.search(text)
    assert found is None, found.group(0)


def canvas(page) -> str:
    """The chart's pixels as a data URL."""
    return page.locator("#chart canvas").evaluate("c => c.toDataURL()")


EXAMPLE_1 = {
    "Schedule type": "Exponential Decay",
    "Initial learning rate": "0.01",
    "Decay rate": "0.95",
    "Number of epochs": "100",
}
EXAMPLE_2 = {
    "Schedule type": "Step Decay",
    "Initial learning rate": "0.001",
    "Step size": "25",
    "Step decay factor": "0.5",
    "Number of epochs": "100",
}


class TestLoading:
    """Python loads in a worker without blocking the page."""

    def test_reaches_ready(self, app):
        """data-state becomes ready and the status line says so."""
        assert app.page.evaluate("() => document.documentElement.dataset.state") == "ready"
        expect(app.page.locator("#status")).to_have_text(re.compile("^Ready"))
        assert 0 < app.ready_ms < 60_000

    def test_results_and_inputs_work_while_python_loads(self, open_page):
        """Until Pyodide answers, the default results show and the form takes input."""
        held, released = [], []

        def hold(route):
            """Hold the runtime's wasm until the test releases it; let any later request through."""
            if released:
                route.continue_()
            else:
                held.append(route)

        page, _ = open_page(routes=[("**/pyodide.asm.wasm", hold)], wait=False)
        for _ in range(600):  # the worker asks for the wasm within a few seconds (30 s at most here)
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "the worker never requested pyodide.asm.wasm"
        expect(control(page, "Current learning rate")).to_have_text("0.002146")
        expect(page.locator("#status")).to_contain_text("Loading")
        assert page.evaluate("() => document.documentElement.dataset.state") == "loading"
        control(page, "Current epoch").fill("31")
        page.wait_for_timeout(100)
        assert page.evaluate("() => document.documentElement.dataset.state") == "loading"
        released.append(True)
        for route in held:
            route.continue_()
        page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
        expect(control(page, "Current learning rate")).to_have_text("0.002039")

    def test_error_state_when_pyodide_cannot_load(self, open_page):
        """A missing runtime file gives data-state=error and a visible message, and keeps the results."""
        page, _ = open_page(routes=[("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404))])
        assert page.evaluate("() => document.documentElement.dataset.state") == "error"
        expect(page.locator("#error-message")).to_have_text("Python could not start, so the calculator cannot update.")
        expect(page.get_by_role("button", name="Retry")).to_be_visible()
        expect(control(page, "Current learning rate")).to_have_text("0.002146")


class TestWorkedExamples:
    """The original article's examples, entered by label, give its exact values."""

    @pytest.mark.parametrize(
        ("epoch", "current", "after", "first"),
        [("30", "0.002146", "0.002039", "0.0095"), ("31", "0.002039", "0.001937", "0.0095"), ("1", "0.0095", "0.009025", "0.0095")],
    )
    def test_example_one_exponential(self, app, epoch, current, after, first):
        """0.01 × 0.95^t: epoch 30 gives 0.002146, 31 gives 0.002039, 1 gives 0.0095."""
        fill(app.page, {**EXAMPLE_1, "Current epoch": epoch})
        assert output(app.page, "Current learning rate") == current
        assert output(app.page, "LR after next epoch") == after
        assert output(app.page, "LR at epoch 1") == first
        expect(app.page.locator("#formula")).to_have_text(f"LR({epoch}) = 0.01 × 0.95^{epoch} = {current}")

    def test_example_one_decay_factor(self, app):
        """The effective decay factor is LR(t) / InitialLR."""
        fill(app.page, {**EXAMPLE_1, "Current epoch": "30"})
        assert output(app.page, "Effective decay factor") == "0.2146"

    @pytest.mark.parametrize(
        ("epoch", "current"),
        [("60", "0.00025"), ("61", "0.00025"), ("1", "0.001"), ("25", "0.0005"), ("26", "0.0005"), ("50", "0.00025"), ("51", "0.00025")],
    )
    def test_example_two_step(self, app, epoch, current):
        """0.001 × 0.5^floor(t / 25), counting from 0."""
        fill(app.page, {**EXAMPLE_2, "Current epoch": epoch})
        assert output(app.page, "Current learning rate") == current

    @pytest.mark.parametrize(("epoch", "current"), [("1", "0.001"), ("25", "0.001"), ("26", "0.0005"), ("60", "0.00025")])
    def test_example_two_counting_from_one(self, app, epoch, current):
        """Counting from 1, t = epoch − 1: epoch 1 uses the initial LR and epoch 26 is the first drop."""
        fill(app.page, {**EXAMPLE_2, "Count epochs from": "1 (first epoch is epoch 1)", "Current epoch": epoch})
        assert output(app.page, "Current learning rate") == current
        assert output(app.page, "LR at epoch 1") == "0.001"

    @pytest.mark.parametrize(("index", "current", "schedule"), [(0, "0.002146", "exponential"), (1, "0.00025", "step")])
    def test_load_this_example_fills_the_form(self, app, index, current, schedule):
        """Each worked example's button fills the calculator and shows its result."""
        fill(app.page, {"Current epoch": "7", "Initial learning rate": "0.5"})
        app.page.get_by_role("button", name="Load this example").nth(index).click()
        wait_settled(app.page)
        assert output(app.page, "Current learning rate") == current
        assert control(app.page, "Schedule type").input_value() == schedule
        expect(app.page.locator("#calculator-heading")).to_be_focused()


class TestForm:
    """Only the chosen schedule's fields show, and only they are validated."""

    @pytest.mark.parametrize(
        ("schedule", "shown", "hidden"),
        [
            ("Exponential Decay", ["Decay rate"], ["Step size", "Step decay factor"]),
            ("Step Decay", ["Step size", "Step decay factor"], ["Decay rate"]),
            ("Constant", [], ["Decay rate", "Step size", "Step decay factor"]),
        ],
    )
    def test_fields_follow_the_schedule(self, app, schedule, shown, hidden):
        """Switching the schedule shows its fields and hides the others."""
        fill(app.page, {"Schedule type": schedule})
        for label in ["Initial learning rate", "Number of epochs", "Current epoch", "Count epochs from", *shown]:
            expect(control(app.page, label)).to_be_visible()
        for label in hidden:
            expect(control(app.page, label)).to_be_hidden()

    def test_hidden_fields_are_not_validated(self, app):
        """A bad value in a hidden field raises no error."""
        fill(app.page, {"Decay rate": "abc"})
        expect(app.page.locator("#decay_rate-error")).to_be_visible()
        fill(app.page, {"Schedule type": "Step Decay"})
        expect(app.page.locator("#decay_rate-error")).to_be_hidden()
        assert output(app.page, "Current learning rate") == "0.005"

    def test_learning_rate_fields_are_text_inputs(self, app):
        """LR fields accept 3e-4: text inputs, not type=number."""
        for label in ("Initial learning rate", "Decay rate"):
            assert control(app.page, label).get_attribute("type") == "text"
        fill(app.page, {"Initial learning rate": "3e-4"})
        assert output(app.page, "Current learning rate") == "6.439e-5"

    def test_live_update_without_calculate(self, app):
        """Typing updates the results and redraws the chart."""
        before = canvas(app.page)
        control(app.page, "Current epoch").press("End")
        control(app.page, "Current epoch").press_sequentially("5")  # 30 -> 305
        wait_settled(app.page)
        assert output(app.page, "Current learning rate") == fmt.lr(0.01 * 0.95**305)
        control(app.page, "Decay rate").fill("0.9")
        wait_settled(app.page)
        assert canvas(app.page) != before
        expect(app.page.locator("#chart-summary")).to_contain_text("multiplied by 0.9 every epoch")

    def test_calculate_button(self, app):
        """Calculate computes from what the form holds, even without an input event."""
        app.page.evaluate("() => { document.getElementById('current_epoch').value = '31'; }")
        assert output(app.page, "Current learning rate") == "0.002146"
        app.page.get_by_role("button", name="Calculate").click()
        wait_settled(app.page)
        assert output(app.page, "Current learning rate") == "0.002039"


BAD_INPUTS = [
    ("Initial learning rate", "", "Initial learning rate is required"),
    ("Initial learning rate", "abc", "Initial learning rate must be a number"),
    ("Initial learning rate", "-0.01", "Initial learning rate must be > 0 (got -0.01)."),
    ("Initial learning rate", "0", "Initial learning rate must be > 0 (got 0)."),
    ("Initial learning rate", "1e400", "Initial learning rate must be a finite number"),
    ("Initial learning rate", "NaN", "Initial learning rate must be a number"),
    ("Initial learning rate", "inf", "Initial learning rate must be a finite number"),
    ("Decay rate", "0", "Decay rate must be > 0 (got 0)."),
    ("Decay rate", "-0.5", "Decay rate must be > 0 (got -0.5)."),
    ("Number of epochs", "2.5", "Number of epochs must be a whole number from 1 to 10,000,000 (got 2.5)."),
    ("Number of epochs", "-3", "Number of epochs must be a whole number from 1 to 10,000,000 (got -3)."),
    ("Number of epochs", "20000000", "Number of epochs must be a whole number from 1 to 10,000,000 (got 20000000)."),
    ("Current epoch", "1.5", "Current epoch must be a whole number from 0 to 10,000,000 (got 1.5)."),
    ("Current epoch", "-1", "Current epoch must be a whole number from 0 to 10,000,000 (got -1)."),
]
STEP_BAD_INPUTS = [
    ("Step size", "0", "Step size must be a whole number from 1 to 10,000,000 (got 0)."),
    ("Step decay factor", "0", "Step decay factor must be > 0 (got 0)."),
    ("Step decay factor", "-1", "Step decay factor must be > 0 (got -1)."),
]


class TestBadInput:
    """Bad input gets a message next to its field; the input is kept; nothing reads NaN."""

    def check(self, app, label, value, message):
        page = app.page
        fill(page, {label: value})
        field = control(page, label)
        name = field.get_attribute("id")
        error = page.locator(f"#{name}-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text(message)
        assert field.get_attribute("aria-invalid") == "true"
        assert f"{name}-error" in field.get_attribute("aria-describedby").split()
        expect(field).to_have_value(value)
        for label_ in RESULT_LABELS:
            assert output(page, label_) == "—"
        expect(page.locator("#form-problem")).to_be_visible()
        assert_clean(page, typed=value)

    @pytest.mark.parametrize(("label", "value", "message"), BAD_INPUTS)
    def test_exponential_fields(self, app, label, value, message):
        """Each bad value in an exponential-decay field is explained beside it."""
        self.check(app, label, value, message)

    @pytest.mark.parametrize(("label", "value", "message"), STEP_BAD_INPUTS)
    def test_step_fields(self, app, label, value, message):
        """Each bad value in a step-decay field is explained beside it."""
        fill(app.page, {"Schedule type": "Step Decay"})
        self.check(app, label, value, message)

    def test_fixing_the_field_clears_the_error(self, app):
        """Once the value is valid again, the error and aria-invalid go away."""
        fill(app.page, {"Decay rate": "-0.5"})
        fill(app.page, {"Decay rate": "0.95"})
        expect(app.page.locator("#decay_rate-error")).to_be_hidden()
        assert control(app.page, "Decay rate").get_attribute("aria-invalid") is None
        assert output(app.page, "Current learning rate") == "0.002146"

    def test_overflow_is_explained_not_shown_as_infinity(self, app):
        """A growing curve beyond the float range is an error on the rate, not Infinity."""
        fill(app.page, {"Decay rate": "1.5", "Number of epochs": "5000"})
        expect(app.page.locator("#decay_rate-error")).to_contain_text("grow past 1.8e308 by epoch 1,751")
        assert_clean(app.page)

    @pytest.mark.parametrize(
        ("fields", "name", "text"),
        [
            ({"Decay rate": "1.05"}, "decay_rate", "grows instead of decaying"),
            ({"Current epoch": "150"}, "current_epoch", "an extrapolation"),
            ({"Schedule type": "Step Decay", "Step size": "120"}, "step_size", "never drops"),
        ],
    )
    def test_allowed_but_surprising_inputs_get_a_note(self, app, fields, name, text):
        """A decay rate above 1, an epoch past the total and a step size above it are computed, with a note."""
        fill(app.page, fields)
        expect(app.page.locator(f"#{name}-note")).to_be_visible()
        expect(app.page.locator(f"#{name}-note")).to_contain_text(text)
        assert output(app.page, "Current learning rate") != "—"
        assert_clean(app.page)


class TestCopyAndReset:
    """Copy results puts plain text on the clipboard; Reset restores everything."""

    def test_copy_results(self, app):
        """The clipboard holds the assumptions, the four results, the formula and the page link."""
        fill(app.page, EXAMPLE_2 | {"Current epoch": "60"})
        app.page.get_by_role("button", name="Copy results").click()
        expect(app.page.locator("#copy-status")).to_contain_text("Copied")
        text = app.page.evaluate("() => navigator.clipboard.readText()")
        for line in (
            "Schedule type: Step Decay",
            "Initial learning rate: 0.001",
            "Step size: 25",
            "Step decay factor: 0.5",
            "Number of epochs: 100",
            "Current epoch: 60",
            "Current learning rate: 0.00025",
            "Effective decay factor: 0.25",
            "LR after next epoch: 0.00025",
            "LR at epoch 1: 0.001",
            "Formula used: LR(60) = 0.001 × 0.5^floor(60 / 25) = 0.001 × 0.5^2 = 0.00025",
            app.url,
        ):
            assert line in text

    def test_copy_refused_selects_the_text(self, app):
        """When the clipboard is refused, the text is shown selected with a message."""
        page = app.page
        page.evaluate(
            "() => { window.__realWrite = navigator.clipboard.writeText.bind(navigator.clipboard);"
            " navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError')); }"
        )
        try:
            page.get_by_role("button", name="Copy results").click()
            expect(page.locator("#copy-status")).to_contain_text("press Ctrl+C")
            box = page.get_by_label("Results as text")
            expect(box).to_be_visible()
            expect(box).to_be_focused()
            selected = box.evaluate("t => t.value.slice(t.selectionStart, t.selectionEnd)")
            assert "Current learning rate: 0.002146" in selected
            assert selected == box.input_value()
        finally:
            page.evaluate("() => { navigator.clipboard.writeText = window.__realWrite; }")

    def test_reset_restores_every_default(self, app):
        """Reset brings back the defaults, clears errors and recomputes."""
        page = app.page
        fill(page, {**EXAMPLE_2, "Count epochs from": "1 (first epoch is epoch 1)", "Current epoch": "60", "Step size": "0"})
        page.get_by_label("Log scale").check()
        page.get_by_role("button", name="Reset").click()
        wait_settled(page)
        expect(control(page, "Schedule type")).to_have_value("exponential")
        for label, value in [
            ("Initial learning rate", "0.01"),
            ("Decay rate", "0.95"),
            ("Number of epochs", "100"),
            ("Current epoch", "30"),
            ("Count epochs from", "0"),
        ]:
            expect(control(page, label)).to_have_value(value)
        expect(page.locator(".error:visible")).to_have_count(0)
        expect(page.get_by_label("Log scale")).not_to_be_checked()
        assert output(page, "Current learning rate") == "0.002146"
        assert output(page, "LR at epoch 1") == "0.0095"


class TestChart:
    """The chart: the whole curve, a marker, a log toggle, readouts, a summary and a table."""

    def test_log_scale_toggle_redraws(self, app):
        """Log scale switches the y-axis and back."""
        page = app.page
        linear = canvas(page)
        page.get_by_label("Log scale").check()
        wait_settled(page)
        logarithmic = canvas(page)
        assert logarithmic != linear
        page.get_by_label("Log scale").uncheck()
        wait_settled(page)
        assert canvas(page) == linear

    def test_log_scale_is_disabled_when_the_curve_reaches_zero(self, app):
        """With a zero in the curve, log scale is off and the reason is shown."""
        fill(app.page, {"Decay rate": "0.5", "Number of epochs": "5000"})
        expect(app.page.get_by_label("Log scale")).to_be_disabled()
        expect(app.page.locator("#log-note")).to_contain_text("reaches 0")

    def test_keyboard_readout(self, app):
        """Arrow keys, Home and End move the readout along the curve."""
        page = app.page
        chart = page.locator("#chart")
        chart.focus()
        expect(page.locator("#chart-readout")).to_have_text("Epoch 30: 0.002146 (current epoch)")
        page.keyboard.press("ArrowRight")
        expect(page.locator("#chart-readout")).to_have_text("Epoch 31: 0.002039")
        assert chart.get_attribute("aria-valuenow") == "31"
        page.keyboard.press("Home")
        expect(page.locator("#chart-readout")).to_have_text("Epoch 0: 0.01")
        page.keyboard.press("End")
        expect(page.locator("#chart-readout")).to_have_text("Epoch 99: 6.232e-5")

    def test_hover_readout(self, app):
        """Hovering over the plot reads out the epoch and LR under the pointer."""
        page = app.page
        box = page.locator("#chart .u-over").bounding_box()
        page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
        expect(page.locator("#chart-readout")).to_have_text(re.compile(r"^Epoch [0-2]: 0\.0"))
        page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)
        expect(page.locator("#chart-readout")).to_have_text(re.compile(r"^Epoch (98|99): 6\.(232|56)"))

    def test_summary_and_table_follow_the_inputs(self, app):
        """The text alternative and the data table describe the current curve."""
        page = app.page
        fill(page, {**EXAMPLE_2, "Current epoch": "60"})
        expect(page.locator("#chart-summary")).to_contain_text("drops at epochs 25, 50 and 75")
        page.get_by_text("Data table", exact=True).click()
        rows = page.locator("#table-body tr")
        expect(rows).to_have_count(100)
        expect(rows.nth(25)).to_have_text("250.0005")
        fill(page, {"Number of epochs": "40"})
        expect(rows).to_have_count(61)  # extends to the current epoch, 60
        page.get_by_text("Data table", exact=True).click()
        # While closed the table is not rebuilt; opening it shows the newest curve.
        fill(page, {"Number of epochs": "80"})
        expect(page.locator("#chart-summary")).to_contain_text("at epoch 79.")
        page.get_by_text("Data table", exact=True).click()
        expect(rows).to_have_count(80)
        expect(rows.nth(79)).to_have_text("790.000125")
        page.get_by_text("Data table", exact=True).click()


class TestQuality:
    """Accessibility, and a screenshot for the README."""

    def test_axe_finds_no_violations_on_the_default_page(self, app):
        """axe-core (from node_modules) reports zero violations of any impact."""
        assert axe_violations(app.page) == []

    def test_axe_finds_no_violations_with_errors_shown(self, app):
        """Error messages and aria-invalid fields pass axe too."""
        fill(app.page, {"Decay rate": "-0.5", "Number of epochs": "abc"})
        assert axe_violations(app.page) == []

    def test_screenshot_for_the_readme(self, app, root):
        """The desktop screenshot in docs/ comes from this test."""
        (root / "docs").mkdir(exist_ok=True)
        app.page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
        app.page.screenshot(path=str(root / "docs/screenshot.png"))
        assert (root / "docs/screenshot.png").stat().st_size > 10_000
