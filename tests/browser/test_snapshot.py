"""Python boots from the build's memory snapshot, and from scratch when the snapshot cannot be used.

The worker leaves a performance mark naming the path it took: ``lrcalc-boot-snapshot`` or
``lrcalc-boot-fallback``. The snapshot options are private to the pinned Pyodide version, so every way
the snapshot can fail must still end with a working calculator.
"""

from __future__ import annotations

import gzip
import re

import pytest
from playwright.sync_api import expect

SNAPSHOT = "**/python.snapshot.gz"
ARCHIVE = re.compile(r"/lrcalc-[^/]+\.zip$")


def boot_path(page) -> list[str]:
    """The boot paths the page's worker marked (one, once booted)."""
    (worker,) = page.workers
    marks = worker.evaluate("() => performance.getEntriesByType('mark').map((mark) => mark.name)")
    return [mark.removeprefix("lrcalc-boot-") for mark in marks if mark.startswith("lrcalc-boot-")]


def test_the_snapshot_is_a_gzipped_pyodide_memory_image(built_site):
    """dist holds one snapshot, in the hashed assets folder: gzip, then Pyodide's snapshot magic number."""
    (path,) = built_site.glob("assets-*/python.snapshot.gz")
    memory = gzip.decompress(path.read_bytes())
    assert len(memory) > 10_000_000
    assert memory[:4] != b"\0\0\0\0"


def test_the_page_boots_from_the_snapshot(app):
    """The normal page restores the snapshot instead of starting Python from scratch."""
    assert boot_path(app.page) == ["snapshot"]
    assert app.text_of("Current learning rate") == "0.002146"


def test_the_snapshot_boot_does_not_download_the_archive(app):
    """Every lrcalc module is in the snapshot (tests/pyodide checks it), so lrcalc's archive stays unrequested."""
    assert any(url.endswith("python.snapshot.gz") for url in app.recorded.requests)
    assert [url for url in app.recorded.requests if ARCHIVE.search(url)] == []


def truncated(built_site):
    """The real snapshot cut in half: a gzip stream that ends too early."""
    data = next(built_site.glob("assets-*/python.snapshot.gz")).read_bytes()
    return lambda route: route.fulfill(status=200, body=data[: len(data) // 2], headers={"content-type": "application/gzip"})


def not_a_snapshot(built_site):
    """Valid gzip of bytes that are not a snapshot (as a snapshot of another Pyodide build would be)."""
    body = gzip.compress(bytes(range(256)) * 4096, mtime=0)
    return lambda route: route.fulfill(status=200, body=body, headers={"content-type": "application/gzip"})


def missing(built_site):
    """HTTP 404."""
    return lambda route: route.fulfill(status=404)


@pytest.mark.parametrize("answer", [missing, truncated, not_a_snapshot], ids=lambda answer: answer.__name__)
def test_an_unusable_snapshot_falls_back_to_a_normal_boot(open_page, built_site, answer):
    """Whatever is wrong with the snapshot, Python starts from scratch, the page reaches ready and calculates."""
    page, recorded = open_page(routes=[(SNAPSHOT, answer(built_site))])
    assert page.evaluate("() => document.documentElement.dataset.state") == "ready", page.inner_text("#status")
    assert boot_path(page) == ["fallback"]
    assert len([url for url in recorded.requests if ARCHIVE.search(url)]) == 1
    page.get_by_label("Current epoch", exact=True).fill("31")
    expect(page.get_by_label("Current learning rate", exact=True)).to_have_text("0.002039")
    assert recorded.page_errors == []
    assert [error for error in recorded.console_errors if "404" not in error] == []
