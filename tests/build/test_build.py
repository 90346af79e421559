"""The build: a complete, relative, strict and atomic dist/."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest

PYODIDE_FILES = {"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"}


@pytest.fixture(scope="module")
def page(built_site):
    """The built index.html."""
    return (built_site / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tree(page):
    """index.html parsed by html5lib in strict mode (any parse error raises)."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


class TestOutput:
    """dist/ holds everything the page needs, and nothing from outside."""

    def test_has_the_page_and_nojekyll(self, built_site):
        """GitHub Pages serves files as they are when .nojekyll exists."""
        assert (built_site / "index.html").is_file()
        assert (built_site / ".nojekyll").is_file()

    def test_vendors_the_pinned_pyodide(self, built_site, root):
        """The five Pyodide runtime files sit in a folder named after the pinned version."""
        version = json.loads((root / "package.json").read_text())["dependencies"]["pyodide"]
        folder = built_site / "vendor" / f"pyodide-{version}"
        assert {p.name for p in folder.iterdir()} == PYODIDE_FILES
        assert (folder / "pyodide.asm.wasm").read_bytes() == (root / "node_modules/pyodide/pyodide.asm.wasm").read_bytes()

    def test_bundles_lrcalc_with_a_content_hash(self, built_site):
        """The package archive's name carries a hash of its bytes."""
        import hashlib

        (archive,) = built_site.glob("assets-*/lrcalc-*.zip")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:12]
        assert archive.name.endswith(f"-{digest}.zip")

    def test_assets_folder_changes_with_content(self, built_site, scratch, build_module):
        """Any change to a static file gives a new assets folder name, so caches never mix versions."""
        before = next(built_site.glob("assets-*")).name
        (scratch / "site_src/static/app.js").write_text("// changed", encoding="utf-8")
        out = scratch / "dist"
        build_module.build(scratch, out)
        assert next(out.glob("assets-*")).name != before

    def test_two_builds_are_byte_identical(self, built_site, tmp_path, root, build_module):
        """No timestamps: the same sources give the same bytes."""
        again = tmp_path / "dist"
        build_module.build(root, again)
        first = {p.relative_to(built_site): p.read_bytes() for p in built_site.rglob("*") if p.is_file()}
        second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
        assert first == second


class TestPage:
    """index.html: valid, relative, with the default results already in it."""

    def test_parses_without_errors(self, tree):
        """html5lib in strict mode raises on any parse error."""
        assert tree.find(".//main") is not None

    def test_only_relative_urls(self, tree):
        """No URL the page loads starts with / or names another host."""
        for element in tree.iter():
            for attribute in ("src", "href"):
                url = element.get(attribute)
                if url is None:
                    continue
                assert not url.startswith("/"), f"<{element.tag} {attribute}={url!r}>"
                if element.tag != "a":
                    assert not re.match(r"[a-z]+:", url), f"<{element.tag} {attribute}={url!r}> loads from elsewhere"

    def test_every_anchor_resolves(self, tree):
        """Every href="#x" has an element with id x."""
        ids = {e.get("id") for e in tree.iter() if e.get("id")}
        targets = {e.get("href")[1:] for e in tree.iter("a") if (e.get("href") or "").startswith("#")}
        assert targets and targets <= ids, targets - ids

    def test_default_results_are_in_the_html(self, tree):
        """The defaults' results are visible before any script runs."""
        outputs = {o.get("id"): o.text for o in tree.iter("output") if o.get("id").startswith("out-")}
        assert outputs == {
            "out-current_lr": "0.002146",
            "out-decay_factor": "0.2146",
            "out-next_lr": "0.002039",
            "out-first_lr": "0.0095",
        }
        assert tree.find(".//code[@id='formula']").text == "LR(30) = 0.01 × 0.95^30 = 0.002146"
        assert len(tree.findall(".//tbody[@id='table-body']/tr")) == 100

    def test_every_control_has_a_label(self, tree):
        """Each input, select and output is named by a <label for>."""
        labelled = {label.get("for") for label in tree.iter("label")}
        controls = [e.get("id") for e in tree.iter() if e.tag in ("input", "select", "output", "textarea")]
        assert set(controls) - {"copy-fallback"} <= labelled

    def test_csp_allows_no_inline_script(self, tree):
        """A strict CSP meta tag is in force: no 'unsafe-inline', and the only inline script and style (the
        theme script and the styles, written into <head> to save requests before the first paint) are allowed
        by their SHA-256. Every other script is an external file, and no element has an event handler."""
        import base64
        import hashlib

        (meta,) = [m for m in tree.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
        policy = dict(part.strip().split(" ", 1) for part in meta.get("content").split(";"))
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
        assert "unsafe-inline" not in meta.get("content") and "'unsafe-eval'" not in meta.get("content")

        def allowed(text: str) -> str:
            return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

        inline_scripts = [s.text for s in tree.iter("script") if not s.get("src")]
        styles = [s.text for s in tree.iter("style")]
        assert len(inline_scripts) == 1 and len(styles) == 1
        assert policy["script-src"] == f"'self' 'wasm-unsafe-eval' {allowed(inline_scripts[0])}"
        assert policy["style-src"] == f"'self' {allowed(styles[0])}"
        assert "lrcalcTheme" in inline_scripts[0] and ".calculator" in styles[0]
        assert not any(k.startswith("on") for e in tree.iter() for k in e.keys())

    def test_page_starts_loading(self, tree):
        """data-state starts as loading; the script switches it to ready or error."""
        assert tree.get("data-state") == "loading"


class TestPyodideVersion:
    """The Pyodide version is written in one place: package.json."""

    def test_lock_and_node_modules_agree(self, root):
        """package-lock.json and node_modules hold the pinned version."""
        pinned = json.loads((root / "package.json").read_text())["dependencies"]["pyodide"]
        lock = json.loads((root / "package-lock.json").read_text())
        assert lock["packages"]["node_modules/pyodide"]["version"] == pinned
        assert json.loads((root / "node_modules/pyodide/package.json").read_text())["version"] == pinned

    def test_no_other_source_file_spells_the_version(self, root):
        """Scripts, templates and docs take the version from the build, never a literal."""
        pinned = json.loads((root / "package.json").read_text())["dependencies"]["pyodide"]
        tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
        offenders = [
            name
            for name in tracked
            if name not in ("package.json", "package-lock.json")
            and (root / name).is_file()
            and pinned in (root / name).read_text(encoding="utf-8", errors="ignore")
        ]
        assert offenders == []


class TestStrictness:
    """A broken source fails the build with a message naming the file, and dist/ survives."""

    def build_error(self, build_module, scratch, append=""):
        """The BuildError message, after appending ``append`` to the article."""
        if append:
            path = scratch / "content/article.md"
            path.write_text(path.read_text(encoding="utf-8") + append, encoding="utf-8")
        with pytest.raises(build_module.BuildError) as error:
            build_module.build(scratch, scratch / "dist")
        return str(error.value)

    def test_undefined_variable_in_the_article(self, build_module, scratch):
        """StrictUndefined: a missing variable names the article and its line."""
        lines = (scratch / "content/article.md").read_text(encoding="utf-8").count("\n")
        message = self.build_error(build_module, scratch, append="{{ no_such_value }}\n")
        assert message == f"content/article.md:{lines + 1}: 'no_such_value' is undefined"

    def test_undefined_variable_in_a_template(self, build_module, scratch):
        """A template error names the template file."""
        path = scratch / "site_src/templates/index.html"
        path.write_text(path.read_text(encoding="utf-8").replace("{{ page.lede }}", "{{ page.nothing }}"), encoding="utf-8")
        assert self.build_error(build_module, scratch).startswith("site_src/templates/index.html:")

    def test_dangling_anchor(self, build_module, scratch):
        """A link to a missing #id fails the build."""
        assert "#nowhere has no matching id" in self.build_error(build_module, scratch, append="\n[x](#nowhere)\n")

    def test_unbalanced_formula(self, build_module, scratch):
        """An unclosed $$ names the article and its line."""
        message = self.build_error(build_module, scratch, append="\n$$ x^2\n")
        assert re.match(r"content/article\.md:\d+: unbalanced math delimiter", message)

    def test_root_relative_url(self, build_module, scratch):
        """A URL starting with / would break under /REPO/ on GitHub Pages."""
        assert "is root-relative" in self.build_error(build_module, scratch, append="\n[x](/elsewhere)\n")

    def test_failed_build_leaves_dist_intact(self, build_module, scratch):
        """The previous dist/ survives a failed build untouched."""
        out = scratch / "dist"
        build_module.build(scratch, out)
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        (scratch / "content/article.md").write_text("no front matter", encoding="utf-8")
        self.build_error(build_module, scratch)
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
        assert sorted(p.name for p in scratch.iterdir() if p.name.startswith(".dist")) == []

    def test_refuses_to_build_over_the_sources(self, build_module, scratch):
        """Building into the source folder is refused before anything is written."""
        with pytest.raises(build_module.BuildError, match="refusing"):
            build_module.build(scratch, scratch)

    def test_command_line_exits_1_with_one_line(self, scratch, root):
        """python build.py prints one line naming the file, and exits 1."""
        (scratch / "content/article.md").write_text("+++\ntitle = 1\n+++\n", encoding="utf-8")
        shutil.copy(root / "build.py", scratch / "build.py")
        proc = subprocess.run([sys.executable, "build.py"], cwd=scratch, capture_output=True, text=True)
        assert proc.returncode == 1
        assert proc.stderr.strip().splitlines() == ["build failed: content/article.md: front matter needs 'description'"]

    def test_logs_each_file_written(self, scratch, root):
        """Each output file is logged as source -> destination."""
        shutil.copy(root / "build.py", scratch / "build.py")
        proc = subprocess.run([sys.executable, "build.py"], cwd=scratch, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert "content/article.md -> dist/index.html" in proc.stderr.splitlines()
        assert any(re.fullmatch(r"site_src/static/app\.js -> dist/assets-\w+/app\.js", line) for line in proc.stderr.splitlines())


def test_the_example_range_test_is_the_recorded_run(root):
    """The page's example file is the real torch-lr-finder export, not an edited copy."""
    example = root / "content/examples/range-test-torch-lr-finder.csv"
    recorded = root / "tests/reference/finder/exports/torch_lr_finder_history.csv"
    assert example.read_bytes() == recorded.read_bytes()


CITATION = re.compile(r"\b([A-Z][a-z]+(?: et al\.)?) \(?(\d{4})\)?")


def cited(text: str) -> set[str]:
    """The papers a sentence credits, as ``Goyal et al. 2017``."""
    return {f"{name} {year}" for name, year in CITATION.findall(text)}


@pytest.mark.parametrize(("rule", "bullet"), [("linear", "Linear scaling rule:"), ("sqrt", "Square-root scaling rule:")])
def test_article_and_batch_helper_credit_the_same_papers(page, rule, bullet):
    """Each batch-size rule is credited to the same papers in the article and in the helper."""
    from lrcalc import batch

    source = next(r for r in batch.RULES if r["id"] == rule)["source"]
    text = re.sub(r"<[^>]+>", "", page)
    sentence = text[text.index(bullet) : text.index("\n", text.index(bullet))]
    assert cited(sentence) == cited(source), (sentence, source)
