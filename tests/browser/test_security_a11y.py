"""Hostile input renders as text and runs nothing; every state passes axe; the keyboard alone suffices."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import axe_violations, wait_settled

HOSTILE = [
    "<img src=x onerror=window.__pwned=1>",
    '"><script>window.__pwned=2</script>',
    "javascript:window.__pwned=3",
    "x" * 10_000,
]


def no_markup_from(page, text: str) -> None:
    """Nothing ran, and the text did not become elements."""
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("main img, main script:not([src]), main iframe").count() == 0
    if text.startswith("<") or text.startswith('"'):
        assert "<img src=x" not in page.locator("main").inner_html()
        assert "<script>window" not in page.locator("main").inner_html()


class TestHostileInput:
    """Typed, pasted and uploaded text is only ever text."""

    def test_calculator_fields(self, app):
        """Each hostile value in a number field gets a message quoting it as text."""
        page = app.page
        for text in HOSTILE:
            page.get_by_label("Initial learning rate", exact=True).fill(text)
            wait_settled(page)
            expect(page.locator("#initial_lr-error")).to_be_visible()
            assert len(page.locator("#initial_lr-error").inner_text()) < 200
            no_markup_from(page, text)

    def test_paste_box_and_arguments(self, app):
        """The paste box and a library argument field."""
        page = app.page
        page.get_by_label("A pasted call").check()
        for text in HOSTILE:
            page.get_by_label("Scheduler call").fill(text)
            wait_settled(page)
            expect(page.locator("#paste-error")).to_be_visible()
            no_markup_from(page, text)
        page.get_by_label("A library's scheduler").check()
        page.get_by_label("Scheduler", exact=True).select_option(label="StepLR")
        for text in HOSTILE:
            page.get_by_label("step_size", exact=True).fill(text)
            wait_settled(page)
            expect(page.locator("#arg-step_size-error")).to_be_visible()
            no_markup_from(page, text)

    def test_finder_text(self, app):
        """Pasted range-test text."""
        page = app.page
        for text in HOSTILE:
            page.get_by_label("Or paste it here").fill(text)
            page.locator("html:not([data-finder-busy])").wait_for(state="attached")
            expect(page.locator("#finder-error")).to_be_visible()
            no_markup_from(page, text)


class TestAccessibility:
    """axe-core: zero violations of any impact, in every state."""

    def test_every_schedule_family(self, app):
        """Each entry of the Schedule type list, with its generated fields."""
        page = app.page
        select = page.get_by_label("Schedule type")
        values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        assert len(values) >= 20
        for value in values:
            select.select_option(value)
            wait_settled(page)
            assert axe_violations(page) == [], value

    def test_every_library_scheduler_form(self, app):
        """Each library's scheduler list, and a sample of their forms."""
        page = app.page
        page.get_by_label("A library's scheduler").check()
        for library in ("torch", "keras", "optax", "transformers", "timm"):
            page.get_by_label("Library", exact=True).select_option(library)
            options = page.get_by_label("Scheduler", exact=True).locator("option").evaluate_all("options => options.map(o => o.value)")
            for api in options[:: max(1, len(options) // 3)]:
                page.get_by_label("Scheduler", exact=True).select_option(api)
                wait_settled(page)
                assert axe_violations(page) == [], api

    def test_compare_state(self, app):
        """With two schedules compared and their legend shown."""
        page = app.page
        page.get_by_role("button", name="Add to comparison").click()
        page.get_by_label("Schedule type").select_option(label="Cosine annealing")
        wait_settled(page)
        expect(page.locator("#compare-list li")).to_have_count(2)
        assert axe_violations(page) == []


def tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab (or Shift+Tab, for an earlier field) until the element with this id has focus."""
    backwards = page.evaluate(
        "(id) => !!(document.getElementById(id).compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)",
        element_id,
    )
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_only_examples_and_copy(app):
    """Both worked examples and Copy results, with the keyboard alone."""
    page = app.page
    page.locator(".skip-link").focus()  # start where a reader starts: the top of the page
    page.keyboard.press("Enter")
    tab_to(page, "current_epoch")
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    wait_settled(page)
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.002146")
    tab_to(page, "schedule")
    page.keyboard.press("ArrowDown")  # Exponential Decay -> Step Decay
    wait_settled(page)
    expect(page.get_by_label("Schedule type")).to_have_value("step")
    for field, value in (("initial_lr", "0.001"), ("step_size", "25"), ("step_factor", "0.5"), ("current_epoch", "60")):
        tab_to(page, field)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    wait_settled(page)
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.00025")
    tab_to(page, "copy")
    page.keyboard.press("Enter")
    expect(page.locator("#copy-status")).to_contain_text("Copied")
    assert "Current learning rate: 0.00025" in page.evaluate("() => navigator.clipboard.readText()")
