"""Shared fixtures: the repository root, a fresh build of the site, and tool lookup.

Under CI (``CI=true``) a missing runtime (Node, Chromium) fails the test
instead of skipping it, so a green run always means every layer was tested.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TIMINGS = ROOT / "tests" / "artifacts" / "timings.json"


UNDER_PYODIDE = sys.platform == "emscripten"
"""tests/unit also runs inside Pyodide (tests/pyodide), on the same files: that run keeps its hands off the figures."""


def pytest_sessionstart(session):
    """Start each run with no figures from the last one."""
    if not UNDER_PYODIDE:
        TIMINGS.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter):
    """Print the figures the tests measured (tests/artifacts/timings.json)."""
    if TIMINGS.exists():
        terminalreporter.section("measured figures (ms)")
        for name, values in json.loads(TIMINGS.read_text()).items():
            terminalreporter.write_line(f"{name}: {values}")


@pytest.fixture(scope="session")
def record_timing():
    """``record_timing(name, ms)``: keep a figure for the end-of-run summary."""

    def record(name: str, value: float) -> None:
        if UNDER_PYODIDE:
            return
        TIMINGS.parent.mkdir(exist_ok=True)
        data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
        data.setdefault(name, []).append(round(value, 1))
        TIMINGS.write_text(json.dumps(data, indent=2))

    return record


def _require_tool(name: str, found: str | None, how: str) -> str:
    """Return the tool's path; without it, fail under CI and skip elsewhere."""
    if found:
        return found
    message = f"{name} is not available: {how}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def require_tool():
    """``require_tool(name, path_or_None, how_to_install) -> path``: fail under CI, skip elsewhere."""
    return _require_tool


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def build_module():
    """build.py, imported as a module."""
    sys.path.insert(0, str(ROOT))
    import build

    return build


@pytest.fixture
def scratch(tmp_path, root):
    """A copy of the sources that a test may change or break, sharing node_modules."""
    for name in ("content", "site_src"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("package.json", "package-lock.json"):
        shutil.copy(root / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(root / "node_modules")
    return tmp_path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, build_module) -> Path:
    """The site built once per test session into a temporary dist/."""
    out = tmp_path_factory.mktemp("site") / "dist"
    build_module.build(ROOT, out)
    return out


@pytest.fixture(scope="session")
def node(require_tool) -> str:
    """The Node.js executable."""
    return require_tool("node", shutil.which("node"), "install Node.js 20+ (the README's test command does)")
