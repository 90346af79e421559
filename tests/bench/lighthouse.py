#!/usr/bin/env python3
"""Lighthouse scores for the built page, mobile and desktop (not part of the test run).

    python tests/bench/lighthouse.py            # builds dist/, serves it, runs Lighthouse twice

The site is served gzip-compressed, as GitHub Pages serves it (startup.py's server): scored raw,
Lighthouse would count the article and the scripts at several times their real transfer size.

Runs Lighthouse 12.2.3 (from npm, fetched by npx into its cache on first use;
version 13 needs Node 22) against Debian Chromium (CHROME_PATH), prints each
category's score and writes tests/artifacts/lighthouse.json. Exits 1 if any
score is below the 0.95 target.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import Server  # this folder's benchmark: its compressing server

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = "lighthouse@12.2.3"
TARGET = 0.95
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"


def run(url: str, preset: str | None, out: Path) -> dict[str, float]:
    """One Lighthouse run; the category scores."""
    command = [
        "npx", "--yes", LIGHTHOUSE, url,
        "--quiet", "--output=json", f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]
    if preset:
        command.append(f"--preset={preset}")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    report = json.loads(out.read_text())
    return {key: category["score"] for key, category in report["categories"].items()}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import build

    if build.main([]) != 0:
        return 1
    server = Server(ROOT / "dist", encoding="gzip")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, preset in (("mobile", None), ("desktop", "desktop")):
            results[name] = run(server.url, preset, Path(folder) / f"{name}.json")
    server.stop()
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "lighthouse.json").write_text(json.dumps(results, indent=2))
    categories = sorted({c for scores in results.values() for c in scores})
    print(f"{'category':<16}" + "".join(f"{name:>10}" for name in results))
    for category in categories:
        print(f"{category:<16}" + "".join(f"{results[name][category]:>10.2f}" for name in results))
    low = [(n, c, s) for n, scores in results.items() for c, s in scores.items() if s is None or s < TARGET]
    for name, category, score in low:
        print(f"below {TARGET}: {name} {category} = {score}")
    return 1 if low else 0


if __name__ == "__main__":
    if not shutil.which("npx"):
        sys.exit("npx is required (Node.js and npm)")
    sys.exit(main())
