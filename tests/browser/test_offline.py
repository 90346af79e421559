"""Offline support: after one visit the site, Pyodide included, works with the network off, and a new
deployment replaces the cached one whole on the next visit.

These tests serve their sites themselves, so that they can stop the server as well as switch the
browser offline: a page that still works then cannot have reached the network.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import BOOT_TIMEOUT_MS, CHROMIUM_ARGS, boot, find_chromium

# Resolves with the URLs in the cache of ``version`` once its service worker is active and settled,
# the cache holds every file it lists and every other cache of the site is empty. (Activation deletes
# the old cache; Chromium may bring it back, empty, while the page still loads files from it.)
CACHED = """async ([version, count]) => {
  const deadline = Date.now() + 60000;
  for (;;) {
    const registration = await navigator.serviceWorker.getRegistration();
    const settled = registration && registration.active && registration.active.state === "activated"
      && !registration.installing && !registration.waiting;
    const contents = {};
    for (const name of await caches.keys()) {
      if (!name.startsWith("lrcalc ")) continue;
      contents[name.split(" ").pop()] = (await (await caches.open(name)).keys()).map((request) => request.url);
    }
    const others = Object.entries(contents).filter(([key, urls]) => key !== version && urls.length);
    if (settled && contents[version] && contents[version].length === count && !others.length) return contents[version];
    if (Date.now() > deadline) {
      const workers = ["installing", "waiting", "active"]
        .map((key) => `${key}: ${registration && registration[key] && registration[key].state}`);
      const sizes = Object.entries(contents).map(([key, urls]) => `${key}: ${urls.length} files`);
      throw new Error(`no complete cache for ${version} alone; ${workers}; ${sizes}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}"""


def parse_service_worker(text: str) -> tuple[str, dict[str, str]]:
    """The cache version and the precache list (path -> SHA-256) written into a sw.js."""
    version = re.search(r'^const VERSION = "(\w+)";$', text, re.M).group(1)
    files = json.loads(re.search(r"^const FILES = (\{.*?\});", text, re.M | re.S).group(1))
    return version, files


def read_service_worker(folder: Path) -> tuple[str, dict[str, str]]:
    """The cache version and the precache list of ``folder/sw.js``."""
    return parse_service_worker((folder / "sw.js").read_text(encoding="utf-8"))


def dist_files(folder: Path, build_module) -> dict:
    """Every file of a built site but sw.js, as the build's ``Output`` records."""
    return {
        str(path.relative_to(folder)): build_module.Output(path.read_bytes(), "")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "sw.js"
    }


@dataclass
class Site:
    """A built site on its own local server, which records each path it answered and its status."""

    server: object
    url: str
    served: list[tuple[str, int]] = field(default_factory=list)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve(build_module):
    """``serve(folder) -> Site``: serve a folder on a free port until the test ends."""
    sites = []

    def start(folder: Path) -> Site:
        server = build_module.make_server(folder, port=0)
        site = Site(server, f"http://127.0.0.1:{server.server_address[1]}/")
        handler = server.RequestHandlerClass  # functools.partial(Handler, directory=...)

        class Recording(handler.func):
            def log_request(self, code="-", size="-"):
                site.served.append((self.path, int(code)))

        server.RequestHandlerClass = functools.partial(Recording, *handler.args, **handler.keywords)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        sites.append(site)
        return site

    yield start
    for site in sites:
        if site.server.socket.fileno() != -1:
            site.stop()


@pytest.fixture
def visit(browser):
    """``visit(url) -> (context, page, recorded)``: a fresh context, booted; closed when the test ends."""
    contexts = []

    def opener(url: str):
        context, page, recorded = boot(browser, url)
        contexts.append(context)
        page.on("requestfailed", lambda request: recorded.page_errors.append(f"request failed: {request.url}"))
        return context, page, recorded

    yield opener
    for context in contexts:
        context.close()


def wait_ready(page) -> None:
    page.locator("html[data-state=ready]").wait_for(state="attached", timeout=BOOT_TIMEOUT_MS)


def wait_cached(page, folder: Path) -> set[str]:
    """Wait until the service worker built into ``folder`` is active, alone, with its cache complete; the
    cached paths."""
    version, listed = read_service_worker(folder)
    base = page.evaluate("() => new URL('./', document.baseURI).href")
    return {url.removeprefix(base) for url in page.evaluate(CACHED, [version, len(listed)])}


def go_offline(context, site: Site) -> None:
    """Stop the server and switch the browser offline."""
    site.stop()
    context.set_offline(True)


def assert_calculates(page) -> None:
    """The calculator answers: a new epoch gives its learning rate."""
    page.get_by_label("Current epoch", exact=True).fill("31")
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.002039")


def assert_clean(recorded) -> None:
    assert recorded.console_errors == []
    assert recorded.page_errors == []
    assert recorded.offsite == []


def assets_folder(page) -> str:
    return page.locator('script[src$="/app.js"]').get_attribute("src").split("/")[0]


class TestServiceWorker:
    """dist/sw.js lists the page's files exactly and is named after their contents."""

    def test_lists_exactly_the_files_the_page_loads(self, built_site, open_page, base_url):
        """The precache list is what a first visit requests: the page, its assets and Pyodide's files, and
        lrcalc's archive, which only a boot that cannot use the snapshot downloads (offline too)."""
        _, listed = read_service_worker(built_site)
        page, recorded = open_page()
        assert page.evaluate("() => document.documentElement.dataset.state") == "ready"
        requested = {url.removeprefix(base_url) or "index.html" for url in recorded.requests}
        requested.discard("sw.js")  # the service worker's own script is not precached
        icon = page.locator('link[rel="icon"]').get_attribute("href")  # Chromium fetches it out of sight
        (archive,) = [name for name in listed if re.search(r"/lrcalc-[^/]+\.zip$", name)]
        assert archive not in requested
        assert requested <= set(listed)
        # What the first visit did not load: the other pages, and the files the calculator fetches only when used
        # (the scheduler catalog, the finder's example, the chart library, the search index and lunr.js).
        lazy = {"catalog.json", "finder.json", "uPlot.iife.min.js", "search-index.json", "lunr.min.js"}
        rest = set(listed) - requested - {icon, archive}
        assert all(name.endswith(".html") or name.rsplit("/", 1)[-1] in lazy for name in rest), rest
        assert {name for name in rest if name.endswith(".html")} == {
            str(path.relative_to(built_site)) for path in built_site.rglob("*.html") if path.name != "index.html" or path.parent != built_site
        } - {name for name in requested}
        assert set(listed) == {
            str(path.relative_to(built_site))
            for path in built_site.rglob("*")
            if path.is_file() and path.name not in {"sw.js", ".nojekyll", "sitemap.xml", "robots.txt"}
        }
        assert all(not path.startswith("/") and ":" not in path for path in listed)

    def test_is_a_function_of_the_files_it_lists(self, built_site, build_module, root):
        """sw.js is rebuilt byte for byte from dist/'s other files."""
        files = dist_files(built_site, build_module)
        template = build_module.read_service_worker(root)
        assert build_module.service_worker(files, template).data == (built_site / "sw.js").read_bytes()

    def test_cache_name_changes_when_any_listed_file_changes(self, built_site, build_module, root):
        """Changing one byte of any listed file gives a new cache version; an unlisted file does not count."""
        files = dist_files(built_site, build_module)
        template = build_module.read_service_worker(root)
        version, listed = read_service_worker(built_site)
        versions = {version}
        for name in listed:
            changed = {**files, name: build_module.Output(files[name].data + b" ", "")}
            versions.add(parse_service_worker(build_module.service_worker(changed, template).data.decode())[0])
        assert len(versions) == len(listed) + 1
        unlisted = {**files, ".nojekyll": build_module.Output(b"changed", "")}
        assert build_module.service_worker(unlisted, template).data == (built_site / "sw.js").read_bytes()


class TestOffline:
    """A second visit needs no network."""

    def test_offline_reload_boots_python_from_the_cache(self, built_site, serve, visit, record_timing):
        """After one visit, a reload with the server stopped and the browser offline reaches ready and calculates,
        every file coming from the service worker."""
        _, listed = read_service_worker(built_site)
        site = serve(built_site)
        context, page, recorded = visit(site.url)
        assert page.evaluate("() => document.documentElement.dataset.state") == "ready"
        assert wait_cached(page, built_site) == set(listed)
        assert page.evaluate("() => navigator.serviceWorker.controller !== null")
        go_offline(context, site)
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.reload()
        wait_ready(page)
        ready_ms = page.evaluate("() => performance.getEntriesByName('lrcalc-ready')[0].startTime")
        record_timing("offline_ready_ms", ready_ms)
        assert_calculates(page)
        assert_clean(recorded)
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        archive = next(name for name in listed if re.search(r"/lrcalc-[^/]+\.zip$", name))  # for a fallback boot only
        assert {response.url.removeprefix(site.url) or "index.html" for response in responses} <= set(listed)
        assert [response.url for response in responses if not response.from_service_worker] == []
        # Offline, the other pages come from the cache too, and an edit still draws its chart (uPlot, cached).
        page.locator("#current_epoch").fill("60")
        wait_ready(page)
        expect(page.locator("#chart canvas")).to_be_visible()
        page.goto(site.url + "schedules/cosine-decay/")
        expect(page.locator("h1")).to_have_text("Cosine annealing")

    def test_pyodide_is_downloaded_once(self, built_site, serve, browser, tmp_path):
        """Filling the cache revalidates what the first visit downloaded (HTTP 304) instead of downloading it
        again. This needs a disk cache, as a browser profile has: a fresh context's memory cache drops the
        9.6 MB wasm file."""
        site = serve(built_site)
        context = browser.browser_type.launch_persistent_context(
            tmp_path / "profile", executable_path=find_chromium(), args=CHROMIUM_ARGS
        )
        try:
            page = context.new_page()
            page.goto(site.url)
            wait_ready(page)
            wait_cached(page, built_site)
        finally:
            context.close()
        vendor = [(path, status) for path, status in site.served if path.startswith("/vendor/")]
        assert sorted(status for _, status in vendor) == [200] * 5 + [304] * 5, vendor


class TestUpdate:
    """A new deployment is picked up on the next visit, whole."""

    def test_rebuild_is_picked_up_on_the_next_visit_and_offline(self, scratch, tmp_path, build_module, serve, visit):
        """Build, visit, rebuild into the same folder with a new title and CSS: the reload shows the new
        version, its cache replaces the old one without fetching Pyodide again, and offline shows it too."""
        out = tmp_path / "site"
        build_module.build(scratch, out)
        old_version, _ = read_service_worker(out)
        site = serve(out)
        context, page, recorded = visit(site.url)
        wait_ready(page)
        wait_cached(page, out)
        old_title, old_assets = page.title(), assets_folder(page)

        article = scratch / "content" / "article.md"
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace('title = "', 'title = "Updated: ', 1), encoding="utf-8")
        with (scratch / "site_src" / "static" / "app.js").open("a", encoding="utf-8") as script:
            script.write("\n// the next deployment\n")
        build_module.build(scratch, out)
        new_version, listed = read_service_worker(out)
        assert new_version != old_version

        served_before = len(site.served)
        requested_before = len(recorded.requests)
        page.reload()
        wait_ready(page)
        new_title, new_assets = page.title(), assets_folder(page)
        assert new_title == "Updated: " + old_title
        assert new_assets != old_assets
        assert wait_cached(page, out) == set(listed)
        update = [path for path, _ in site.served[served_before:]]
        assert not [path for path in update if path.startswith(("/vendor/", f"/{old_assets}/"))], update

        go_offline(context, site)
        page.reload()
        wait_ready(page)
        assert (page.title(), assets_folder(page)) == (new_title, new_assets)
        assert_calculates(page)
        assert wait_cached(page, out) == set(listed)
        assert [url for url in recorded.requests[requested_before:] if f"/{old_assets}/" in url] == []
        assert_clean(recorded)
