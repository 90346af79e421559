"""Fault tolerance: broken or slow runtime files and a dying worker never leave the page hanging."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

CAPTURE_WORKER = """
const RealWorker = window.Worker;
window.Worker = function (...args) {
  const worker = new RealWorker(...args);
  window.__lrcalcWorkers = (window.__lrcalcWorkers || []).concat([worker]);
  return worker;
};
"""


def assert_error_state(page, message: str) -> None:
    """data-state is error, the message is visible, Retry is offered and the default results stay."""
    page.locator("html[data-state=error]").wait_for(state="attached", timeout=60_000)
    expect(page.locator("#error-message")).to_contain_text(message)
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.002146")


def test_missing_wasm(open_page):
    """pyodide.asm.wasm answering 404."""
    page, _ = open_page(routes=[("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404))])
    assert_error_state(page, "Python could not start")


def test_truncated_standard_library(open_page, built_site):
    """A python_stdlib.zip cut in half."""
    data = next(built_site.glob("vendor/pyodide-*/python_stdlib.zip")).read_bytes()
    half = lambda route: route.fulfill(status=200, body=data[: len(data) // 2], headers={"content-type": "application/zip"})  # noqa: E731
    page, _ = open_page(routes=[("**/python_stdlib.zip", half)])
    assert_error_state(page, "Python could not start")


def test_worker_dying_mid_calculation_is_reported_then_retried(open_page):
    """A worker that stops answering: reported after 5 s, and Retry brings the calculator back."""
    page, _ = open_page()
    page.context.add_init_script(CAPTURE_WORKER)
    page.reload()
    page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
    page.evaluate("() => window.__lrcalcWorkers.at(-1).terminate()")
    page.get_by_label("Current epoch", exact=True).fill("31")
    assert_error_state(page, "did not answer within 5 seconds")
    expect(page.get_by_label("Current epoch", exact=True)).to_have_value("31")
    page.get_by_role("button", name="Retry").click()
    page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.002039")


def test_very_slow_network(open_page):
    """Runtime files that never finish downloading: a clear message after the boot timeout, and Retry."""
    held = []
    page, _ = open_page(routes=[("**/vendor/**", lambda route: held.append(route))], wait=False)
    page.context.add_init_script("globalThis.lrcalcTimeouts = { boot: 10000, slowBoot: 1000 };")
    page.reload()
    expect(page.locator("#status")).to_contain_text("Still loading Python", timeout=10_000)
    assert_error_state(page, "Python did not start within 10 seconds")
    page.context.unroute("**/vendor/**")
    for route in held:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 - the page that asked may be gone after the reload
            pass
    page.get_by_role("button", name="Retry").click()
    page.locator("html[data-state=ready]").wait_for(state="attached", timeout=60_000)
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.002146")
