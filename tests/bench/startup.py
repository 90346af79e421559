#!/usr/bin/env python3
"""Start-up benchmark: the page against bare Pyodide, PyScript and plain JavaScript, in headless Chromium.

    python tests/bench/startup.py              # build, measure, print the table, write tests/artifacts/startup.json
    python tests/bench/startup.py --runs 9     # loads per figure (default 7, the least the targets accept)
    python tests/bench/startup.py --levers     # also the variants the README reports as measured and rejected

Not a test: it measures. It builds the site into a temporary folder (timing ``python build.py``), lays out
four pages beside it and serves them from localhost:

    page/      the site as built (dist/)
    bare/      the same vendored Pyodide booted in a module worker, running 1+1: the floor
    pyscript/  lrcalc's default calculation under PyScript (npm @pyscript/core), on the same Pyodide files
    js/        the same arithmetic in plain JavaScript: the physical limit

Every figure alternates the pages (a different order each round) and reports the median, min and max of
``--runs`` loads. Times are from navigation start, in ms:

    fcp       first contentful paint (Paint Timing)
    result    the default result (#out-current_lr) in the first frame drawn with it, not before fcp
    ready     performance.mark("lrcalc-ready"), set with <html data-state=ready>

in three conditions: cold (a fresh browser context, no cache and no service worker, localhost);
returning (a persistent profile, launch_persistent_context, third load: the page's service worker and
Chromium's code caches are in place); network (cold, with CDP Network.emulateNetworkConditions at 40 ms
latency and 50 Mbit/s both ways, the server compressing every response that is not compressed already,
gzip by default). Then the page's recalculation latency (an input event to the result DOM and the chart
updated, i.e. to <html data-busy> going away) at 100, 1,000 and 100,000 epochs, the bytes each page
loads (raw and gzip, on disk and as sent), and the build's wall time.

The first edit on a slow phone: a cold load with Lighthouse's mobile throttling (1.6 Mbit/s down, 750 kbit/s
up, 150 ms round trip, CPU slowed 4×, a 412 × 823 viewport). At first paint, as soon as the field exists, the
*Current epoch* is changed to 75 (or, in a load of its own, the *Schedule type* to step decay), and the time
until #out-current_lr reads lrcalc's answer for the new form is taken: the page, bare Pyodide (which answers
with Python once its runtime is there) and pure JavaScript, ``--phone-runs`` loads each.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).resolve().parent / "pages"
sys.path.insert(0, str(ROOT))
import build  # noqa: E402 - the site's own build, for make_server's MIME types and service_worker()
from lrcalc.page import State, view  # noqa: E402 - the page's state, as the worker receives it

CHROMIUM_ARGS = [  # as tests/browser/conftest.py: any host but the local server is unreachable
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
KINDS = ("page", "bare", "pyscript", "js")
LABELS = {"page": "the page", "bare": "bare Pyodide", "pyscript": "PyScript", "js": "pure JavaScript"}
NETWORK = {"offline": False, "latency": 40, "downloadThroughput": 50e6 / 8, "uploadThroughput": 50e6 / 8}
PHONE = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
"""Lighthouse's slow 4G (its mobile default), with PHONE_CPU below."""
PHONE_CPU = 4
PHONE_VIEWPORT = {"width": 412, "height": 823}
PHONE_TIMEOUT_MS = 240_000
EDITS = {"epoch": ("current_epoch", "75"), "schedule": ("schedule", "step")}
"""The first edits measured: (the field's id, the value set)."""
VIEWPORT = {"width": 1280, "height": 800}
BOOT_TIMEOUT_MS = 120_000
RECALC_POINTS = (100, 1_000, 100_000)

# Injected before any page script: the first animation frame in which the default result has text and a
# box inside the viewport. (Element Timing would be neater, but Chromium reports no entry for text that a
# script puts into an <output>.) The frame is drawn right after its callbacks, and nothing is drawn
# before the first contentful paint, so COLLECT reports the later of the two.
MEASURE = """
(() => {
  const bench = (window.__bench = { result: null });
  const check = () => {
    const element = document.getElementById("out-current_lr");
    const box = element && element.textContent.trim() && element.getBoundingClientRect();
    if (box && box.height > 0 && box.top < innerHeight) bench.result = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""

COLLECT = """async (expectResult) => {
  for (let i = 0; expectResult && window.__bench.result === null && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const ready = performance.getEntriesByName("lrcalc-ready")[0];
  const fcp = paint ? paint.startTime : null;
  const result = window.__bench.result === null ? null : Math.max(window.__bench.result, fcp || 0);
  return { fcp, result, ready: ready ? ready.startTime : null };
}"""

# The first edit: at first paint (as soon as the field exists) the field is set and its input and change
# events fire; then every frame checks #out-current_lr for lrcalc's answer to the new form.
FIRST_EDIT = """
((edit) => {
  const bench = (window.__firstEdit = { fcp: null, edited: null, answered: null });
  const watch = () => {
    const output = document.getElementById("out-current_lr");
    if (output && output.textContent.trim() === edit.expect) bench.answered = performance.now();
    else requestAnimationFrame(watch);
  };
  const change = () => {
    const input = document.getElementById(edit.id);
    if (!input) return requestAnimationFrame(change);
    input.value = edit.value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    bench.edited = performance.now();
    watch();
  };
  new PerformanceObserver((list, observer) => {
    if (!list.getEntriesByName("first-contentful-paint").length) return;
    observer.disconnect();
    bench.fcp = list.getEntriesByName("first-contentful-paint")[0].startTime;
    change();
  }).observe({ type: "paint", buffered: true });
})(%s);
"""

# One edit of a form field, timed from the input event to <html data-busy> going away (app.js removes
# it once the reply is in the DOM and the chart), `rounds` times, alternating `values`.
RECALC = """async ([id, values, rounds]) => {
  const input = document.getElementById(id);
  const root = document.documentElement;
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const settled = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (root.hasAttribute("data-busy")) return;
        observer.disconnect();
        resolve(performance.now());
      });
      observer.observe(root, { attributes: true, attributeFilter: ["data-busy"] });
    });
    const start = performance.now();
    input.value = values[i % values.length];
    input.dispatchEvent(new Event("input", { bubbles: true }));
    times.push((await settled) - start);
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }
  return times;
}"""

# The worker boundary alone: a second worker from the page's own worker.js, asked directly. Returns, per
# request, the round trip, the reply's size and the page's JSON.parse of it.
BOUNDARY = """async ([inputs, rounds]) => {
  const config = JSON.parse(document.getElementById("calculator").dataset.config);
  const worker = new Worker(new URL("worker.js", document.querySelector('script[src$="/app.js"]').src), { type: "module" });
  const reply = (type) => new Promise((resolve) => {
    const listen = ({ data }) => {
      if (data.type === type || data.type === "failed") { worker.removeEventListener("message", listen); resolve(data); }
    };
    worker.addEventListener("message", listen);
  });
  const ready = reply("ready");
  worker.postMessage({ type: "init", indexURL: new URL(config.pyodideURL, document.baseURI).href, packageURL: new URL(config.packageURL, document.baseURI).href });
  await ready;
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const answer = reply("reply");
    const start = performance.now();
    worker.postMessage({ type: "request", id: i, payload: JSON.stringify({ type: "view", state: inputs[i % inputs.length], page_url: "" }) });
    const { payload } = await answer;
    const received = performance.now();
    JSON.parse(payload);
    out.push({ total: performance.now() - start, parse: performance.now() - received, bytes: payload.length });
  }
  worker.terminate();
  return out;
}"""


# ---------------------------------------------------------------- the pages


def pyodide_version() -> str:
    return json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]


def time_builds(out: Path, runs: int) -> tuple[list[float], Path]:
    """Wall time of ``python build.py --out ...`` (s), ``runs`` times; the last site built."""
    times = []
    for i in range(runs):
        site = out / f"build-{i}"
        start = time.perf_counter()
        subprocess.run([sys.executable, "build.py", "--out", str(site)], cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times, site


def lay_out(site: Path, root: Path) -> None:
    """The four pages under ``root``: the built site, and the comparison pages on its Pyodide files."""
    shutil.copytree(site, root / "page")
    assets = next((root / "page").glob("assets-*"))
    package = next(assets.glob("lrcalc-*.zip"))
    fill = {"__PYODIDE__": f"../page/vendor/pyodide-{pyodide_version()}/", "__PACKAGE__": f"../page/{assets.name}/{package.name}"}
    for kind in ("bare", "pyscript", "js"):
        for path in (PAGES / kind).iterdir():
            text = path.read_text(encoding="utf-8")
            for key, value in fill.items():
                text = text.replace(key, value)
            (root / kind).mkdir(exist_ok=True)
            (root / kind / path.name).write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "node_modules" / "@pyscript" / "core" / "dist", root / "pyscript" / "core")


def variant(root: Path, name: str, change) -> None:
    """A copy of the page, changed by ``change(folder)``, its sw.js rebuilt to list what it then holds."""
    folder = root / name
    shutil.copytree(root / "page", folder)
    change(folder)
    files = {
        str(p.relative_to(folder)): build.Output(p.read_bytes(), "")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "sw.js"
    }
    (folder / "sw.js").write_bytes(build.service_worker(files, build.read_service_worker(ROOT)).data)


# The shipped snapshot holds every lrcalc module, so the worker does not download lrcalc's archive after a
# restore; a snapshot of the interpreter alone needs it (patched into this copy's worker only).
IMPORT_AFTER_RESTORE = (
    "    checkZipFiles(pyodide);\n",
    "    checkZipFiles(pyodide);\n"
    "    pyodide.unpackArchive(await (await download(packageURL)).arrayBuffer(), 'zip', { extractDir: '/lrcalc' });\n"
    "    pyodide.runPython(\"import sys; sys.path.insert(0, '/lrcalc')\");\n",
)


def patch_worker(folder: Path, patch: tuple[str, str], name: str) -> Path:
    """Replace ``patch[0]`` by ``patch[1]`` in this copy's worker.js (``name``: the constant, for the error)."""
    (worker,) = folder.glob("assets-*/worker.js")
    old, new = patch
    text = worker.read_text(encoding="utf-8")
    if old not in text:
        raise RuntimeError(f"worker.js no longer has {old!r}: update {name} in {Path(__file__).name}")
    worker.write_text(text.replace(old, new, 1), encoding="utf-8")
    return worker


def with_snapshot(snapshot: bytes | None, import_after_restore: bool = False):
    """A change for variant(): another snapshot, or none; optionally lrcalc imported after the restore."""

    def change(folder: Path) -> None:
        (path,) = folder.glob("assets-*/python.snapshot.gz")
        if snapshot is None:
            path.unlink()
        else:
            path.write_bytes(snapshot)
        if import_after_restore:
            patch_worker(folder, IMPORT_AFTER_RESTORE, "IMPORT_AFTER_RESTORE")

    return change


# The floor of "loading only what lrcalc needs": after a restore every module lrcalc uses is in memory, so
# the standard library zip (2.5 MB gzip, which Pyodide installs before it starts) only serves later imports.
# This copy's worker boots with an empty one instead: a measurement, not a working page.
EMPTY_STDLIB = (
    "{ indexURL, _loadSnapshot: snapshot }",
    '{ indexURL, _loadSnapshot: snapshot, stdLibURL: new URL("empty-stdlib.zip", import.meta.url).href }',
)


def empty_stdlib(folder: Path) -> None:
    """A change for variant(): the snapshot boot given an empty standard library zip."""
    worker = patch_worker(folder, EMPTY_STDLIB, "EMPTY_STDLIB")
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    (worker.parent / "empty-stdlib.zip").write_bytes(buffer.getvalue())


def late_worker(folder: Path) -> None:
    """A change for variant(): without start.js, app.js starts the worker once the whole page is parsed."""
    page = folder / "index.html"
    text, count = re.subn(r'<script src="[^"]*/start\.js"[^>]*></script>\n', "", page.read_text(encoding="utf-8"))
    if count != 1:
        raise RuntimeError(f"index.html no longer loads start.js: update late_worker in {Path(__file__).name}")
    page.write_text(text, encoding="utf-8")


# What the shipped snapshot runs (site_src/make_snapshot.mjs) but the page's first request.
NO_WARM_UP = """
import importlib, pkgutil, sys
sys.path.insert(0, "/lrcalc.zip")
import lrcalc
for module in pkgutil.walk_packages(lrcalc.__path__, "lrcalc."):
    if module.name != "lrcalc.__main__":
        importlib.import_module(module.name)
import ast, re
sys.path.remove("/lrcalc.zip")
"""


def snapshot_variant(root: Path, code: str) -> bytes:
    """A snapshot made by site_src/make_snapshot.mjs with other Python code after boot, gzipped as build.py does."""
    (archive,) = (root / "page").glob("assets-*/lrcalc-*.zip")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "snapshot"
        subprocess.run(
            ["node", str(ROOT / "site_src" / "make_snapshot.mjs"), str(ROOT / "node_modules" / "pyodide"), str(archive), str(out), code],
            check=True,
        )
        return gzip.compress(out.read_bytes(), compresslevel=6, mtime=0)


# ---------------------------------------------------------------- the server


def compressed(data: bytes) -> bool:
    """Already compressed (gzip, zip): sent as it is."""
    return data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04"


@dataclass
class Server:
    """Serves ``root`` on localhost; with ``encoding``, compresses every response that is not already
    compressed. Counts the bytes of each response body it sends, by path."""

    root: Path
    encoding: str | None = None
    sent: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cache: dict[Path, bytes] = {}
        server = build.make_server(self.root, port=0)
        bench = self

        class Handler(server.RequestHandlerClass.func):
            def send_head(self):
                path = Path(self.translate_path(self.path))
                if path.is_dir() and self.path.split("?")[0].endswith("/"):
                    path = path / "index.html"
                if bench.encoding is None or not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", ""):
                    return super().send_head()
                data = bench.encode(path)
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Length", str(len(data)))
                if data is not bench.raw(path):
                    self.send_header("Content-Encoding", bench.encoding)
                self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
                self.end_headers()
                return _Body(data)

            def end_headers(self):
                self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
                super().end_headers()

            def copyfile(self, source, outputfile):
                data = source.read()
                bench.sent[self.path] = bench.sent.get(self.path, 0) + len(data)
                try:
                    outputfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        server.RequestHandlerClass = functools.partial(Handler, *server.RequestHandlerClass.args, **server.RequestHandlerClass.keywords)
        self.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}/"

    def raw(self, path: Path) -> bytes:
        if path not in self.cache:
            self.cache[path] = path.read_bytes()
        return self.cache[path]

    def encode(self, path: Path) -> bytes:
        data = self.raw(path)
        if compressed(data):
            return data
        key = (path, self.encoding)
        if key not in self.cache:
            self.cache[key] = gzip.compress(data, 6, mtime=0) if self.encoding == "gzip" else brotli(data)
        return self.cache[key]

    def counting(self, load):
        """Run ``load()``; its figures with the bytes of response bodies sent meanwhile, as "sent"."""
        before = sum(self.sent.values())
        figures = load()
        figures["sent"] = sum(self.sent.values()) - before
        return figures

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self) -> bytes:
        return self.data

    def close(self) -> None:
        pass


def brotli(data: bytes) -> bytes:
    """Brotli (quality 9) through Node's zlib: Python's standard library has none."""
    script = "const z=require('zlib');const c=[];process.stdin.on('data',d=>c.push(d)).on('end',()=>process.stdout.write(z.brotliCompressSync(Buffer.concat(c),{params:{[z.constants.BROTLI_PARAM_QUALITY]:9}})));"
    return subprocess.run(["node", "-e", script], input=data, capture_output=True, check=True).stdout


# ---------------------------------------------------------------- loading


def wait_ready(page) -> None:
    """Wait until data-state leaves loading; fail with the page's own words unless it is ready."""
    page.locator("html:not([data-state=loading])").wait_for(state="attached", timeout=BOOT_TIMEOUT_MS)
    state = page.evaluate("() => document.documentElement.dataset.state")
    if state != "ready":
        raise RuntimeError(f"data-state={state}: {page.inner_text('body')[:500]}")


WORKER_MARKS = """() => ({
  origin: performance.timeOrigin,
  marks: performance.getEntriesByType("mark").map((mark) => [mark.name, mark.startTime]),
})"""


def worker_figures(page) -> dict:
    """For the page: when its worker started and when Python was up in it (ms from navigation start),
    and which boot path it took."""
    origin = page.evaluate("() => performance.timeOrigin")
    for worker in page.workers:
        seen = worker.evaluate(WORKER_MARKS)
        for name, start in seen["marks"]:
            if name.startswith("lrcalc-boot-"):
                offset = seen["origin"] - origin
                return {"boot": name.removeprefix("lrcalc-boot-"), "worker": offset, "python": offset + start}
    return {}


def visit(page, url: str, kind: str, errors: list[str]) -> dict:
    """Navigate, wait for ready, collect the figures."""
    page.goto(url, wait_until="commit")
    wait_ready(page)
    figures = page.evaluate(COLLECT, kind != "bare")
    if kind == "page":
        figures.update(worker_figures(page))
    if errors:
        figures["errors"] = list(errors)
    return figures


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def cold(browser, url: str, kind: str, network: bool = False, requests: list | None = None) -> dict:
    """One load in a fresh context: no HTTP cache, no service worker."""
    # The page registers its service worker once ready; blocked here, so that filling its cache after
    # ready neither adds to the bytes counted nor competes with anything measured next.
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.add_init_script(MEASURE)
    try:
        page = context.new_page()
        errors = watch(page)
        if requests is not None:
            page.on("request", lambda request: requests.append(request.url))
        if network:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", NETWORK)
        return visit(page, url, kind, errors)
    finally:
        context.close()


def expected_answer(field: str, value: str) -> str:
    """What lrcalc shows as the current learning rate once ``field`` of the default form is ``value``."""
    state = State()
    state = replace(state, schedule=value) if field == "schedule" else replace(state, classic={**state.classic, field: value})
    return view(state)["results"][0]["text"]


def phone(browser, url: str, edit: str) -> dict:
    """One cold load on the slow phone profile, its first edit timed (ms from navigation start)."""
    field, value = EDITS[edit]
    context = browser.new_context(viewport=PHONE_VIEWPORT, service_workers="block", is_mobile=True, has_touch=True)
    context.add_init_script(FIRST_EDIT % json.dumps({"id": field, "value": value, "expect": expected_answer(field, value)}))
    try:
        page = context.new_page()
        errors = watch(page)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", PHONE)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": PHONE_CPU})
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__firstEdit && window.__firstEdit.answered !== null", timeout=PHONE_TIMEOUT_MS, polling=100)
        figures = page.evaluate("() => window.__firstEdit")
        figures["first_edit"] = figures["answered"] - figures["edited"]
        if errors:
            figures["errors"] = list(errors)
        return figures
    finally:
        context.close()


WAIT_FOR_SERVICE_WORKER = """async () => {
  const deadline = Date.now() + 60000;
  while (!navigator.serviceWorker.controller) {
    if (Date.now() > deadline) throw new Error("the service worker did not take control within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}"""


def returning(playwright, executable: str, url: str, kind: str, loads: int = 3) -> dict:
    """The ``loads``-th load in a new persistent profile; the page's service worker is in control by then."""
    with tempfile.TemporaryDirectory(prefix="lrcalc-bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, executable_path=executable, args=CHROMIUM_ARGS, viewport=VIEWPORT)
        context.add_init_script(MEASURE)
        try:
            page = context.new_page()
            errors = watch(page)
            for i in range(loads):
                figures = visit(page, url, kind, errors)
                if i == 0 and kind == "page":
                    page.evaluate(WAIT_FOR_SERVICE_WORKER)
            figures["service_worker"] = page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)")
            return figures
        finally:
            context.close()


def rounds(runs: int, kinds) -> list[list[str]]:
    """The pages in a different order each round (rotated), so that none always goes first."""
    kinds = list(kinds)
    return [kinds[i % len(kinds) :] + kinds[: i % len(kinds)] for i in range(runs)]


def measure_loads(label: str, runs: int, urls: dict[str, str], load) -> dict[str, list[dict]]:
    """``load(kind, url)`` for every page, ``runs`` rounds; failures are kept as {"error": ...}."""
    results: dict[str, list[dict]] = {kind: [] for kind in urls}
    for number, order in enumerate(rounds(runs, urls), 1):
        for kind in order:
            try:
                results[kind].append(load(kind, urls[kind]))
            except Exception as error:  # noqa: BLE001 - a page that cannot boot is a result too
                results[kind].append({"error": f"{type(error).__name__}: {str(error).strip()}"[:2000]})
        print(f"  {label}: round {number}/{runs} " + " ".join(f"{kind}={fmt(results[kind][-1].get('ready', results[kind][-1].get('first_edit')))}" for kind in urls), file=sys.stderr)
    return results


# ---------------------------------------------------------------- recalculation and the boundary


@contextlib.contextmanager
def ready_page(browser, url: str):
    """The page, loaded until ready, in a context of its own (no service worker filling its cache meanwhile)."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        page = context.new_page()
        page.goto(url)
        wait_ready(page)
        yield page
    finally:
        context.close()


def recalculation(browser, url: str, rounds_per_size: int) -> dict:
    """p50 and p95 of an edit to the result DOM and chart updated, at each size."""
    out = {}
    with ready_page(browser, url) as page:
        for points in RECALC_POINTS:
            page.get_by_label("Number of epochs", exact=True).fill(str(points))
            page.locator("html:not([data-busy])").wait_for(state="attached")
            page.get_by_label("Current epoch", exact=True).fill(str(points // 3))
            page.locator("html:not([data-busy])").wait_for(state="attached")
            page.evaluate(RECALC, ["initial_lr", ["0.02", "0.01"], 5])  # warm-up, not counted
            times = page.evaluate(RECALC, ["initial_lr", ["0.02", "0.01"], rounds_per_size])
            rows = page.locator("#table-body tr").count()
            out[str(points)] = {"times": times, "table_rows": rows, **percentiles(times)}
    return out


def boundary(browser, url: str, rounds_per_size: int) -> dict:
    """The worker round trip for a calculation at each size, and the share of JSON.parse in it."""
    out = {}
    with ready_page(browser, url) as page:
        for points in RECALC_POINTS:
            inputs = [
                State(classic={**State().classic, "total_epochs": str(points), "current_epoch": str(points // 3), "initial_lr": lr}).to_page()
                for lr in ("0.02", "0.01")
            ]
            samples = page.evaluate(BOUNDARY, [inputs, rounds_per_size])
            out[str(points)] = {
                "round_trip": percentiles([s["total"] for s in samples]),
                "json_parse": percentiles([s["parse"] for s in samples]),
                "reply_bytes": statistics.median(s["bytes"] for s in samples),
            }
    return out


# ---------------------------------------------------------------- bytes


def byte_counts(root: Path, base: str, requests: list[str]) -> dict:
    """Raw and gzip sizes of the files one load requested: the shell (everything but Pyodide and the
    snapshot) and the total."""
    seen = {}
    for url in requests:
        if not url.startswith(base):
            continue
        rel = url[len(base) :].split("?")[0].split("#")[0]
        path = root / rel
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            seen[str(path.relative_to(root))] = path
    shell = {"raw": 0, "gzip": 0, "files": 0}
    total = {"raw": 0, "gzip": 0, "files": 0}
    files = {}
    for rel, path in sorted(seen.items()):
        data = path.read_bytes()
        sizes = files[rel] = {"raw": len(data), "gzip": len(data) if compressed(data) else len(gzip.compress(data, 6, mtime=0))}
        runtime = "/vendor/" in f"/{rel}" or rel.endswith("python.snapshot.gz") or "/core/" in f"/{rel}"
        for bucket in ([total] if runtime else [total, shell]):
            bucket["raw"] += sizes["raw"]
            bucket["gzip"] += sizes["gzip"]
            bucket["files"] += 1
    return {"shell": shell, "total": total, "files": files}


# ---------------------------------------------------------------- summaries


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    rank = lambda q: ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]  # noqa: E731
    return {"p50": statistics.median(ordered), "p95": rank(0.95), "min": ordered[0], "max": ordered[-1], "n": len(ordered)}


def summary(samples: list[dict], key: str) -> dict | None:
    values = [s[key] for s in samples if s.get(key) is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value < 100:
        return f"{value:.1f}{unit}"
    return f"{value:,.0f}{unit}"


def fmt_summary(s: dict | None) -> str:
    if not s:
        return "—"
    return f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"


def errors_of(samples: list[dict]) -> list[str]:
    return sorted({s["error"] for s in samples if "error" in s})


def print_table(report: dict) -> None:
    """The figures, then each target against its measured value."""
    print()
    print(f"Start-up, ms from navigation start: median (min–max) of {report['runs']} loads per cell")
    print(f"{'condition':<34}" + "".join(f"{LABELS[kind]:>24}" for kind in report["kinds"]))
    rows = [("cold", "fcp"), ("cold", "result"), ("cold", "worker"), ("cold", "python"), ("cold", "ready")]
    rows += [("returning", "fcp"), ("returning", "worker"), ("returning", "python"), ("returning", "ready"), ("network", "ready")]
    for condition, key in rows:
        if condition not in report["loads"]:
            continue
        row = f"{condition + ' ' + key:<34}"
        for kind in report["kinds"]:
            samples = report["loads"][condition].get(kind, [])
            row += f"{fmt_summary(summary(samples, key)):>24}"
        print(row)
    for condition, results in report["loads"].items():
        for kind, samples in results.items():
            for error in errors_of(samples):
                print(f"  {condition} {LABELS.get(kind, kind)} failed: {error}")
    if "phone" in report:
        print()
        print(f"First edit on a slow phone (1.6 Mbit/s, 150 ms, CPU ×{PHONE_CPU}), ms: median (min–max) of {report['phone_runs']} cold loads")
        kinds = list(next(iter(report["phone"].values())))
        print(f"{'edit':<34}" + "".join(f"{LABELS[kind]:>24}" for kind in kinds))
        for edit, results in report["phone"].items():
            for key, label in (("fcp", "first paint"), ("edited", "edited"), ("answered", "answered"), ("first_edit", "edit to answer")):
                print(f"{edit + ' ' + label:<34}" + "".join(f"{fmt_summary(summary(results[kind], key)):>24}" for kind in kinds))
            for kind, samples in results.items():
                for error in errors_of(samples):
                    print(f"  phone {edit} {LABELS[kind]} failed: {error}")
    if "levers" in report:
        print()
        print("Variants of the page (ready, ms): median (min–max)")
        for name, conditions in report["levers"]["loads"].items():
            boots = sorted({s.get("boot") or "?" for samples in conditions.values() for s in samples})
            print(f"  {name:<78}" + "  ".join(f"{c}: {fmt_summary(summary(s, 'ready'))}" for c, s in conditions.items()) + f"  (boot: {', '.join(boots)})")
        for name, size in report["levers"].get("snapshot_bytes", {}).items():
            print(f"  snapshot {name}: {size:,} bytes gzip")
    if "recalc" in report:
        print()
        print("Recalculation, input event to DOM and chart updated (ms)")
        for points, r in report["recalc"].items():
            print(f"  {int(points):>7,} epochs: p50 {fmt(r['p50'])}  p95 {fmt(r['p95'])}  (min {fmt(r['min'])}, max {fmt(r['max'])}, n={r['n']}, table rows {r['table_rows']})")
    if "boundary" in report:
        print("Worker boundary (a second worker asked directly)")
        for points, r in report["boundary"].items():
            print(f"  {int(points):>7,} epochs: round trip p50 {fmt(r['round_trip']['p50'])} ms, JSON.parse p50 {fmt(r['json_parse']['p50'])} ms, reply {r['reply_bytes'] / 1000:,.1f} kB")
    if "bytes" in report:
        print()
        print(f"Bytes one cold load requests (on disk: raw / gzip), and as sent in the network condition ({report['encoding']})")
        for kind, b in report["bytes"].items():
            wire = (report.get("wire", {}).get(kind) or {}).get("median")
            print(
                f"  {LABELS[kind]:<16} shell {b['shell']['raw'] / 1000:,.1f} kB / {b['shell']['gzip'] / 1000:,.1f} kB   "
                f"total {b['total']['raw'] / 1e6:,.2f} MB / {b['total']['gzip'] / 1e6:,.2f} MB"
                + (f"   sent {wire / 1e6:,.2f} MB" if wire else "")
            )
        print("  the page, file by file (gzip kB):")
        for rel, sizes in report["bytes"]["page"]["files"].items():
            print(f"    {sizes['gzip'] / 1000:>9,.1f}  {rel.split('/', 1)[1]}")
    if "build" in report:
        b = report["build"]
        print(f"\npython build.py: {fmt(b['median'])} s median ({fmt(b['min'])}–{fmt(b['max'])}, {b['n']} builds)")
    print()
    print(f"{'target':<58}{'measured':>22}  met")
    for target in report["targets"]:
        print(f"{target['target']:<58}{target['measured']:>22}  {'yes' if target['met'] else 'NO'}")


def targets(report: dict) -> list[dict]:
    """Each target of the issue against its measured value."""
    loads = report["loads"]
    med = lambda condition, kind, key="ready": (summary(loads.get(condition, {}).get(kind, []), key) or {}).get("median")  # noqa: E731
    rows = []

    def add(target: str, measured, limit, unit: str = " ms") -> None:
        met = measured is not None and limit is not None and measured <= limit
        rows.append({"target": target, "measured": "—" if measured is None else f"{fmt(measured)}{unit}", "limit": limit, "met": met})

    bare_cold = med("cold", "bare")
    add("cold ready ≤ 0.5 × bare Pyodide cold ready" + (f" (≤ {fmt(0.5 * bare_cold)} ms)" if bare_cold else ""), med("cold", "page"), bare_cold and 0.5 * bare_cold)
    add("returning visitor ready ≤ 600 ms", med("returning", "page"), 600)
    add("network cold ready ≤ bare Pyodide's" + (f" ({fmt(med('network', 'bare'))} ms)" if med("network", "bare") else ""), med("network", "page"), med("network", "bare"))
    ready = med("cold", "page")
    add("default result at first paint: ≤ 15% of cold ready" + (f" (≤ {fmt(0.15 * ready)} ms)" if ready else ""), med("cold", "page", "result"), ready and 0.15 * ready)
    if "recalc" in report:
        add("recalculation p95 at 1,000 points ≤ 16 ms", report["recalc"]["1000"]["p95"], 16)
        add("recalculation p95 at 100,000 points ≤ 100 ms", report["recalc"]["100000"]["p95"], 100)
    for edit, results in report.get("phone", {}).items():
        add(f"slow phone: {edit} edit at first paint answered ≤ 2 s", (summary(results["page"], "first_edit") or {}).get("median"), 2000)
    if "bytes" in report:
        add("shell ≤ 60 KB gzip", report["bytes"]["page"]["shell"]["gzip"] / 1000, 60, " kB")
    add("cold ready faster than PyScript" + (f" ({fmt(med('cold', 'pyscript'))} ms)" if med("cold", "pyscript") else ""), med("cold", "page"), med("cold", "pyscript"))
    return rows


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="loads per figure (default 7)")
    parser.add_argument("--builds", type=int, default=3, help="timed builds (default 3)")
    parser.add_argument("--recalc-rounds", type=int, default=60, help="edits per size (default 60)")
    parser.add_argument("--encoding", choices=("gzip", "br"), default="gzip", help="compression in the network condition")
    parser.add_argument("--levers", action="store_true", help="also measure the variants the README reports")
    parser.add_argument("--phone-runs", type=int, default=3, help="loads per first-edit figure on the slow phone (default 3)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: cold,returning,network,phone,recalc,boundary")
    parser.add_argument("--json", type=Path, default=ROOT / "tests" / "artifacts" / "startup.json")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    report: dict = {"runs": args.runs, "phone_runs": args.phone_runs, "kinds": list(KINDS), "encoding": args.encoding, "network": NETWORK, "phone_network": PHONE, "loads": {}}
    with tempfile.TemporaryDirectory(prefix="lrcalc-bench-") as tmp:
        tmp = Path(tmp)
        print("building…", file=sys.stderr)
        build_times, site = time_builds(tmp, args.builds)
        report["build"] = {"median": statistics.median(build_times), "min": min(build_times), "max": max(build_times), "n": len(build_times), "times": build_times}
        root = tmp / "root"
        lay_out(site, root)
        lever_names = {}
        if args.levers:
            print("making the variants…", file=sys.stderr)
            raw = gzip.decompress(next((root / "page").glob("assets-*/python.snapshot.gz")).read_bytes())
            variant(root, "no-snapshot", with_snapshot(None))
            variant(root, "raw-snapshot", with_snapshot(raw))
            interpreter = snapshot_variant(root, "pass")
            cold_imports = snapshot_variant(root, NO_WARM_UP)
            variant(root, "interpreter-snapshot", with_snapshot(interpreter, import_after_restore=True))
            variant(root, "no-warm-up", with_snapshot(cold_imports))
            variant(root, "late-worker", late_worker)
            variant(root, "empty-stdlib", empty_stdlib)
            lever_names = {
                "no-snapshot": "no snapshot (the boot before this change)",
                "raw-snapshot": "raw snapshot, compressed by the server only",
                "interpreter-snapshot": "snapshot of the interpreter alone (lrcalc after)",
                "no-warm-up": "snapshot without the warm-up request",
                "late-worker": "worker started by app.js after parsing (no start.js)",
                "empty-stdlib": "an empty standard library zip (the floor of loading only what lrcalc needs)",
            }
            report["levers"] = {
                "names": lever_names,
                "snapshot_bytes": {
                    "shipped": (next((root / "page").glob("assets-*/python.snapshot.gz"))).stat().st_size,
                    "interpreter alone": len(interpreter),
                    "without warm-up": len(cold_imports),
                    "raw (server-compressed gzip)": len(gzip.compress(raw, 6, mtime=0)),
                },
                "loads": {},
            }
        plain = Server(root)
        packed = Server(root, encoding=args.encoding)
        urls = {kind: plain.url + f"{kind}/" for kind in KINDS}
        packed_urls = {kind: packed.url + f"{kind}/" for kind in KINDS}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            # One load of each page first, unmeasured: recording what it requests, for the byte counts.
            report["bytes"] = {}
            for kind in KINDS:
                requests: list[str] = []
                try:
                    cold(browser, urls[kind], kind, requests=requests)
                except Exception as error:  # noqa: BLE001
                    print(f"  {kind}: {error}", file=sys.stderr)
                report["bytes"][kind] = byte_counts(root, plain.url, requests)
            if "cold" not in skip:
                report["loads"]["cold"] = measure_loads("cold", args.runs, urls, lambda kind, url: cold(browser, url, kind))
            if "returning" not in skip:
                report["loads"]["returning"] = measure_loads("returning", args.runs, urls, lambda kind, url: returning(playwright, executable, url, kind))
            if "network" not in skip:
                report["loads"]["network"] = measure_loads("network", args.runs, packed_urls, lambda kind, url: packed.counting(lambda: cold(browser, url, kind, network=True)))
                report["wire"] = {kind: summary(samples, "sent") for kind, samples in report["loads"]["network"].items()}
            if "phone" not in skip:
                phone_kinds = ("page", "bare", "js")
                report["phone"] = {
                    edit: measure_loads(f"phone {edit}", args.phone_runs, {k: packed_urls[k] for k in phone_kinds}, lambda kind, url, edit=edit: phone(browser, url, edit))
                    for edit in EDITS
                }
            if args.levers:
                variants = {name: plain.url + f"{name}/" for name in lever_names}
                levers = report["levers"]["loads"]
                cold_v = measure_loads("variants cold", args.runs, variants, lambda kind, url: cold(browser, url, "page"))
                network_v = measure_loads("variants network", args.runs, {n: packed.url + f"{n}/" for n in lever_names}, lambda kind, url: cold(browser, url, "page", network=True))
                returning_v = measure_loads("variants returning", args.runs, variants, lambda kind, url: returning(playwright, executable, url, "page"))
                for name, label in lever_names.items():
                    levers[label] = {"cold": cold_v[name], "network": network_v[name], "returning": returning_v[name]}
            if "recalc" not in skip:
                print("  recalculation…", file=sys.stderr)
                report["recalc"] = recalculation(browser, urls["page"], args.recalc_rounds)
            if "boundary" not in skip:
                print("  worker boundary…", file=sys.stderr)
                report["boundary"] = boundary(browser, urls["page"], args.recalc_rounds)
            browser.close()
        plain.stop()
        packed.stop()
    report["targets"] = targets(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print_table(report)
    print(f"\n{args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0 if all(t["met"] for t in report["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
