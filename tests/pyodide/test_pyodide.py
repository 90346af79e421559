"""lrcalc under real Pyodide in Node: the same unit tests as CPython, from the page's archive."""

import json
import re
import subprocess
import sys
import sysconfig

import pytest


@pytest.fixture(scope="module")
def pyodide_run(root, built_site, node):
    """Run tests/unit under Pyodide once; the JSON summary it prints."""
    archive = next((built_site).glob("assets-*/lrcalc-*.zip"))
    site_packages = sysconfig.get_paths()["purelib"]
    proc = subprocess.run(
        [node, str(root / "tests/pyodide/run_unit_tests.mjs"), str(root), str(archive), site_packages],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stdout


@pytest.fixture(scope="module")
def cpython_count(root):
    """How many unit tests CPython collects."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests/unit"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    match = re.search(r"(\d+) tests? collected", proc.stdout)
    assert match, proc.stdout[-2000:]
    return int(match.group(1))


def test_runs_on_pyodide_python_314(pyodide_run):
    """The runtime really is Pyodide's CPython 3.14 on Emscripten."""
    summary, _ = pyodide_run
    assert summary["platform"] == "emscripten"
    assert summary["python"].startswith("3.14")


def test_imports_lrcalc_from_the_built_archive(pyodide_run):
    """lrcalc comes from the archive the page loads, not from the source tree."""
    summary, _ = pyodide_run
    assert summary["lrcalc"].startswith("/lrcalc/lrcalc/")


def test_every_unit_test_passes_under_pyodide(pyodide_run, cpython_count):
    """The same tests pass, none skipped or failed, and as many as CPython runs."""
    summary, output = pyodide_run
    assert summary["exitcode"] == 0, output[-3000:]
    assert summary["counts"] == {"passed": cpython_count}, output[-3000:]


def test_the_snapshot_holds_every_lrcalc_module(root, built_site, node):
    """The page's worker restores the snapshot and never downloads lrcalc's archive: every module the page
    could import on demand must be in it already, and no import may look for the archive."""
    snapshot = next(built_site.glob("assets-*/python.snapshot.gz"))
    proc = subprocess.run([node, str(root / "tests/pyodide/restore_snapshot.mjs"), str(root), str(snapshot)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    held = json.loads(proc.stdout.strip().splitlines()[-1])
    package = root / "site_src" / "lrcalc"
    expected = {"lrcalc"} | {
        ".".join(("lrcalc", *path.relative_to(package).with_suffix("").parts)).removesuffix(".__init__")
        for path in package.rglob("*.py")
        if path.name != "__main__.py"
    }
    assert expected - set(held["modules"]) == set()
    assert not [entry for entry in held["path"] if "lrcalc" in entry]
