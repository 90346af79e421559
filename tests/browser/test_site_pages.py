"""The documentation pages (issue 14) in Chromium: every page passes axe, loads nothing from elsewhere, shows its
content with JavaScript off, and the search box finds pages from the index built at build time."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import RECORDER, axe_violations, watch

DOCS = Path(__file__).resolve().parents[2] / "docs"


def site_pages(built_site) -> list[str]:
    """Every page but the calculator (its own tests cover it) and the 404, as a path under the site."""
    return sorted(str(p.relative_to(built_site).parent) + "/" for p in built_site.rglob("index.html") if p.parent != built_site and "vendor" not in p.parts)


@pytest.fixture(scope="module")
def reader(browser):
    """One context for reading pages, with the recorder of CSP violations and rejections."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(RECORDER)
    yield context
    context.close()


def test_every_page_passes_axe_and_stays_on_the_site(built_site, base_url, reader):
    """axe on every guide, list and reference page; no console error, CSP violation or request to another host."""
    page = reader.new_page()
    recorded = watch(page, base_url)
    failures = {}
    pages = site_pages(built_site)
    assert len(pages) >= 100
    for path in pages:
        page.goto(base_url + path)
        violations = axe_violations(page)
        if violations or page.evaluate("() => window.__lrcalcTest.csp"):
            failures[path] = violations + page.evaluate("() => window.__lrcalcTest.csp")
    assert failures == {}
    assert recorded.console_errors == [] and recorded.page_errors == [] and recorded.offsite == []
    assert not any("/vendor/" in url or url.endswith((".wasm", "snapshot.gz")) for url in recorded.requests)  # no Python outside the calculator


def test_pages_work_with_javascript_off(built_site, base_url, browser):
    """Headings, navigation, the drawn curve and the code are in the HTML; the search box (JavaScript's) stays hidden."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        for path in site_pages(built_site):
            page.goto(base_url + path)
            expect(page.locator("h1")).to_be_visible()
            expect(page.get_by_role("navigation", name="Site")).to_be_visible()
            expect(page.locator(".site-search")).to_be_hidden()
            if path.startswith(("schedules/", "libraries/")) and path.count("/") >= 2 and page.locator("#curve").count():
                expect(page.locator(".static-curve")).to_be_visible()
                assert len(page.locator(".static-curve polyline").get_attribute("points").split()) >= 2
        page.goto(base_url + "schedules/cosine-decay/")
        page.screenshot(path=str(DOCS / "screenshot-reference.png"), full_page=False)
        page.goto(base_url)  # the calculator: its default results and its chart, drawn at build time
        expect(page.locator("#out-current_lr")).to_have_text("0.002146")
        expect(page.locator("#chart .static-curve")).to_be_visible()
    finally:
        context.close()


def test_search_finds_a_page_and_goes_there(base_url, reader):
    """Typing in the box loads lunr.js and the index from the site and lists matching pages; Enter opens the first."""
    page = reader.new_page()
    recorded = watch(page, base_url)
    page.goto(base_url + "guides/")
    box = page.get_by_role("searchbox", name="Search the site")
    box.fill("warm restarts")
    results = page.locator("#search-results a")
    expect(results.first).to_be_visible()
    titles = results.all_inner_texts()
    assert any("restart" in title.lower() for title in titles), titles
    expect(page.locator("#search-status")).to_contain_text("pages match")
    box.press("Enter")
    page.wait_for_load_state()
    assert page.url != base_url + "guides/" and "restart" in page.locator("h1").inner_text().lower()
    assert recorded.offsite == [] and recorded.console_errors == []


def test_the_calculator_link_on_a_reference_page_opens_that_scheduler(base_url, browser):
    """"Open in the calculator" on PyTorch's OneCycleLR page: the calculator opens in library mode with that scheduler."""
    from .conftest import BOOT_TIMEOUT_MS, wait_settled

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(base_url + "libraries/torch/onecyclelr/")
        page.get_by_role("link", name="Open in the calculator").click()
        page.locator("html:not([data-state=loading])").wait_for(state="attached", timeout=BOOT_TIMEOUT_MS)
        wait_settled(page)
        expect(page.get_by_label("A library's scheduler")).to_be_checked()
        expect(page.locator("#api")).to_have_value("torch.optim.lr_scheduler.OneCycleLR")
    finally:
        context.close()
