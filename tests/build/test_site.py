"""The site around the calculator (issue 14): a reference page for every scheduler, guides, lists, the
navigation, the sitemap, the 404 page and the search index, all static and relative."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest

from lrcalc.libraries import apis
from lrcalc.page.reference import path_of
from lrcalc.page.state import read_query

SHELL_LIMIT = 60_000
"""Bytes (gzip) of the calculator page's shell: its HTML and every file it can load but Python's runtime and memory."""


def parse(path: Path):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(built_site) -> dict[str, object]:
    """Every HTML page of the site, parsed in strict mode (a parse error fails here), by its path in dist/."""
    return {str(path.relative_to(built_site)): parse(path) for path in sorted(built_site.rglob("*.html")) if "vendor" not in path.parts}


def text(element) -> str:
    return "".join(element.itertext()).strip()


class TestReference:
    """One page per registered scheduler and family, generated from the registry."""

    @pytest.mark.parametrize("spec", apis(), ids=lambda spec: spec.api)
    def test_every_registered_scheduler_has_its_page(self, spec, built_site, pages):
        """Its name as the heading, a formula or the reason there is none, its arguments, a curve drawn without
        JavaScript, code, and a calculator link that opens this very scheduler."""
        name = f"{path_of(spec)}index.html"
        assert name in pages, f"{spec.api} has no page"
        tree = pages[name]
        assert spec.name in text(tree.find(".//h1")) or spec.shown in text(tree.find(".//h1"))
        formula = tree.find(".//section[@aria-labelledby='formula']")
        assert any(element.tag.endswith("math") for element in formula.iter()) or "step by step" in text(formula)  # MathML
        rows = tree.findall(".//section[@aria-labelledby='arguments']//tbody/tr")
        assert [text(row.find("th")) for row in rows] == [p.name for p in spec.params if p.kind != "metrics"]
        (polyline,) = [element for element in tree.iter() if element.tag.endswith("polyline")]  # SVG, drawn at build time
        assert len(polyline.get("points").split()) >= 2
        assert tree.find(".//pre/code") is not None or "cannot" in text(tree.find(".//section[@aria-labelledby='code']"))
        (link,) = [a for a in tree.iter("a") if text(a) == "Open in the calculator"]
        href = link.get("href")
        assert href.startswith("../") and "?" in href
        state, notes = read_query(href.split("?", 1)[1])
        assert state.scheduler_api == spec.api and notes == []

    def test_each_library_lists_its_schedulers(self, pages):
        from lrcalc.page.catalog import LIBRARY_LABELS

        for library in LIBRARY_LABELS:
            listed = {a.get("href") for a in pages[f"libraries/{library}/index.html"].findall(".//dl//a")}
            assert listed == {"../../" + path_of(spec) for spec in apis(library)}

    def test_family_notes_across_libraries_are_on_their_pages(self, root, pages):
        """content/schedules/<family>.md appears under "Across libraries" on that family's page."""
        fragments = sorted(path.stem for path in (root / "content" / "schedules").glob("*.md"))
        assert len(fragments) >= 10
        for family in fragments:
            tree = pages[f"schedules/{family.replace('_', '-')}/index.html"]
            assert tree.find(".//section[@aria-labelledby='across-libraries']") is not None, family


class TestSite:
    """Every page: unique names, where it is, relative links, no Python but on the calculator."""

    def test_titles_and_descriptions_are_unique(self, pages):
        titles = [text(tree.find(".//title")) for name, tree in pages.items() if name != "404.html"]
        descriptions = [tree.find(".//meta[@name='description']").get("content") for name, tree in pages.items() if name != "404.html"]
        assert len(set(titles)) == len(titles) and len(set(descriptions)) == len(descriptions)
        assert all(40 <= len(d) <= 200 for d in descriptions)

    def test_every_page_has_the_navigation_a_canonical_link_and_the_policy(self, pages):
        for name, tree in pages.items():
            assert tree.find(".//nav[@aria-label='Site']") is not None, name
            assert tree.find(".//link[@rel='canonical']") is not None, name
            (policy,) = [m for m in tree.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
            assert "default-src 'self'" in policy.get("content") and "unsafe-inline" not in policy.get("content"), name
            if name != "404.html":
                current = [a for a in tree.find(".//nav[@aria-label='Site']").iter("a") if a.get("aria-current")]
                assert len(current) <= 1, name

    def test_only_the_calculator_loads_python(self, pages):
        for name, tree in pages.items():
            scripts = {Path(s.get("src")).name for s in tree.iter("script") if s.get("src")}
            python = {"start.js", "app.js"} & scripts
            assert bool(python) == (name == "index.html"), (name, scripts)

    def test_links_are_relative_and_reach_a_page(self, pages, built_site):
        """The build checks every link (check_links); here, independently: relative, and the file exists."""
        for name, tree in pages.items():
            if name == "404.html":
                continue
            for element in tree.iter():
                for attribute in ("href", "src"):
                    url = element.get(attribute)
                    if not url or url.startswith(("#", "?")) or re.match(r"[a-z]+:", url):
                        continue
                    assert not url.startswith("/"), (name, url)
                    target = (built_site / name).parent / urlsplit(url).path
                    target = target / "index.html" if url.split("#")[0].split("?")[0].endswith("/") or target.is_dir() else target
                    assert target.resolve().is_file(), (name, url)

    def test_pages_link_to_the_one_before_and_after(self, pages):
        tree = pages[f"{path_of(apis('torch')[1])}index.html"]
        from urllib.parse import urljoin

        here = "http://site/" + path_of(apis("torch")[1])
        rels = {a.get("rel"): urljoin(here, a.get("href")) for a in tree.findall(".//nav[@aria-label='Previous and next page']/a")}
        assert rels == {"prev": "http://site/" + path_of(apis("torch")[0]), "next": "http://site/" + path_of(apis("torch")[2])}

    def test_sitemap_lists_every_page(self, built_site, pages):
        sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
        listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
        base = listed[0]
        assert base.startswith("http") and base.endswith("/")
        expected = {base + name.removesuffix("index.html") for name in pages if name != "404.html"}
        assert set(listed) == expected
        assert f"Sitemap: {base}sitemap.xml" in (built_site / "robots.txt").read_text()

    def test_the_404_page_links_from_the_site_address(self, pages, built_site):
        tree = pages["404.html"]
        base = re.search(r"<loc>([^<]+)</loc>", (built_site / "sitemap.xml").read_text()).group(1)
        links = [a.get("href") for a in tree.findall(".//main//a")]
        assert links and all(link.startswith(base) for link in links)

    def test_the_search_index_covers_every_page(self, built_site, pages):
        (index_file,) = built_site.glob("assets-*/search-index.json")
        data = json.loads(index_file.read_text(encoding="utf-8"))
        assert set(data["docs"]) == {name.removesuffix("index.html") for name in pages if name != "404.html"}
        assert data["index"]["fields"] == ["title", "body"]
        assert (index_file.parent / "lunr.min.js").is_file()

    def test_every_shipped_script_still_parses(self, built_site, root, node):
        """The build drops the page's scripts' whole-line comments: each still parses as the module it is,
        and says the same as its source but for those lines."""
        for source in [*(root / "site_src/static").glob("*.js"), *(root / "site_src/static").glob("*.mjs")]:
            if source.name == "theme.js":  # written into <head>, as it is
                continue
            (shipped,) = built_site.glob(f"assets-*/{source.name}")
            proc = subprocess.run([node, "--input-type=module", "--check"], stdin=shipped.open("rb"), capture_output=True, timeout=60)
            assert proc.returncode == 0, (source.name, proc.stderr.decode()[-1000:])
            code = [line for line in source.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//")]
            assert shipped.read_text(encoding="utf-8").splitlines()[-len(code):] == code, source.name

    def test_the_calculator_shell_is_at_most_60_kb_gzip(self, built_site):
        """index.html and every asset a first load fetches: all but Pyodide's runtime, Python's memory snapshot,
        lrcalc's archive (a fallback boot's), and what the page fetches when it is first used: the scheduler
        catalog (leaving the classic schedules), the finder's example (its panel in view), uPlot (the chart
        pointed at or changed; the first chart is drawn at build time) and the search box's index and lunr.js.
        tests/bench/startup.py measures the same from a real load's requests."""
        heavy = ("python.snapshot.gz", "search-index.json", "lunr.min.js", "catalog.json", "finder.json", "uPlot.iife.min.js")
        files = [built_site / "index.html", *(p for p in built_site.glob("assets-*/*") if p.name not in heavy and not p.name.startswith("lrcalc-"))]
        total = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in files)
        print(f"calculator shell: {total / 1000:.1f} kB gzip in {len(files)} files")
        assert total <= SHELL_LIMIT
