"""Browser fixtures: the built site on a local HTTP server, Debian Chromium through Playwright.

Chromium starts once per session. Tests that can share state use ``app``, one
page booted once per session and put back to its defaults before each test; a
test that needs a fresh start opens its own page with ``open_page``. Every page
records console errors, uncaught exceptions, CSP violations and requests that
leave the local server; ``app`` fails the test that caused any of them.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any host but the local server fails to resolve: proves the page needs nothing else.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
BOOT_TIMEOUT_MS = 60_000
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

RECORDER = """
window.__lrcalcTest = { csp: [], rejections: [] };
document.addEventListener("securitypolicyviolation", (e) => {
  window.__lrcalcTest.csp.push(`${e.violatedDirective} blocked ${e.blockedURI}`);
});
window.addEventListener("unhandledrejection", (e) => {
  window.__lrcalcTest.rejections.push(String(e.reason && e.reason.stack || e.reason));
});
"""


def pytest_collection_modifyitems(items):
    """Mark every test in this folder as a browser test."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def find_chromium() -> str | None:
    """$CHROMIUM_PATH, or the first Chromium or Chrome on the machine."""
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def base_url(built_site, build_module):
    """The built site, served over HTTP on a free localhost port."""
    server = build_module.make_server(built_site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(require_tool):
    """Debian Chromium, launched once for the session."""
    executable = require_tool("Chromium", find_chromium(), "apt-get install -y chromium (the README's test command does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_tool("Playwright", None, "pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Recorded:
    """What a page did that a test may need to fail on."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_request(self, request) -> None:
        self.requests.append(request.url)
        if not request.url.startswith((self.origin, "data:", "blob:")):
            self.offsite.append(request.url)


def watch(page, base_url: str) -> Recorded:
    """Record console errors, page errors and requests of ``page``."""
    recorded = Recorded(base_url)
    page.on("console", lambda message: message.type == "error" and recorded.console_errors.append(message.text))
    page.on("pageerror", lambda error: recorded.page_errors.append(str(error)))
    page.on("request", recorded.on_request)
    return recorded


def axe_violations(page) -> list[str]:
    """Run axe-core (from node_modules) on the page; each violation as "rule: targets"."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "async () => (await axe.run(document)).violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )


def wait_settled(page) -> None:
    """Wait until the calculator is not computing (html has no data-busy)."""
    page.locator("html:not([data-busy])").wait_for(state="attached")


@dataclass
class App:
    """A booted calculator page and what it recorded."""

    page: object
    url: str
    recorded: Recorded
    ready_ms: float

    def reset(self) -> None:
        """Back to the defaults: Reset, then wait for the result."""
        self.page.get_by_role("button", name="Reset").click()
        wait_settled(self.page)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("() => window.__lrcalcTest.csp")

    def rejections(self) -> list[str]:
        return self.page.evaluate("() => window.__lrcalcTest.rejections")

    def text_of(self, label: str) -> str:
        """The text of the <output> labelled ``label``, once calculations settle."""
        wait_settled(self.page)
        return self.page.get_by_label(label, exact=True).inner_text()


def boot(browser, base_url: str, routes=(), wait: bool = True, **context_options):
    """A new context and page, navigated; with ``wait``, until data-state leaves loading.

    ``routes`` are ``(url_glob, handler)`` pairs installed before navigation.
    """
    context = browser.new_context(**context_options)
    context.add_init_script(RECORDER)
    for pattern, handler in routes:
        context.route(pattern, handler)
    page = context.new_page()
    recorded = watch(page, base_url)
    page.goto(base_url)
    if wait:
        page.locator("html:not([data-state=loading])").wait_for(state="attached", timeout=BOOT_TIMEOUT_MS)
    return context, page, recorded


@pytest.fixture(scope="session")
def app_session(browser, base_url, record_timing):
    """One page for the whole session, booted once (Pyodide takes seconds to start)."""
    context, page, recorded = boot(
        browser,
        base_url,
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    assert page.evaluate("() => document.documentElement.dataset.state") == "ready", page.inner_text("#status")
    ready_ms = page.evaluate("() => performance.getEntriesByName('lrcalc-ready')[0].startTime")
    record_timing("ready_ms", ready_ms)
    yield App(page, base_url, recorded, ready_ms)
    context.close()


@pytest.fixture
def app(app_session):
    """The shared page at its defaults; fails the test on console errors, CSP violations or off-site requests."""
    app_session.reset()
    before = (len(app_session.recorded.console_errors), len(app_session.recorded.page_errors))
    yield app_session
    recorded = app_session.recorded
    assert recorded.console_errors[before[0] :] == []
    assert recorded.page_errors[before[1] :] == []
    assert recorded.offsite == []
    assert app_session.csp_violations() == []
    assert app_session.rejections() == []


@pytest.fixture
def open_page(browser, base_url):
    """Open fresh pages (own context each) for tests that need a clean start."""
    contexts = []

    def opener(routes=(), wait=True, **context_options):
        context, page, recorded = boot(browser, base_url, routes, wait, **context_options)
        contexts.append(context)
        return page, recorded

    yield opener
    for context in contexts:
        for page in context.pages:
            assert page.evaluate("() => window.__lrcalcTest.rejections") == []
            assert page.evaluate("() => window.__lrcalcTest.csp") == []
        context.close()
