#!/usr/bin/env python3
"""Build the learning-rate calculator site into dist/.

    python build.py            # build dist/
    python build.py --serve    # build, then serve dist/ on http://127.0.0.1:8000/

Phases: read everything (package.json pins, the article, the templates, the
examples computed by lrcalc), render the page and gather every output file in
memory (with sw.js, the service worker that keeps them all for offline
visits), check the output (relative URLs only, every #anchor resolves), then
write it to a fresh folder that replaces dist/ in one rename. The build is
strict: a missing template variable, a warning or a broken anchor fails it,
naming the file at fault, and a failed build leaves the previous dist/ intact.
"""

from __future__ import annotations

import argparse
import base64
import functools
import gzip
import hashlib
import html
import http.server
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
UPLOT_FILES = ("dist/uPlot.iife.min.js",)
# Written into <head> rather than linked: each would otherwise be a request that holds up the first
# paint. The Content-Security-Policy allows exactly these bytes, by hash ('unsafe-inline' stays off).
INLINE_STYLES = ("node_modules/uplot/dist/uPlot.min.css", "site_src/static/style.css")
INLINE_SCRIPT = "site_src/static/theme.js"  # sets the colour theme before the first paint
SERVICE_WORKER = "site_src/templates/sw.js"  # a template: static/ would ship it unfilled, as an asset
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {script}; style-src 'self' {style}; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MIME_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}


class BuildError(Exception):
    """A build failure; the message starts with the file at fault."""


@dataclass
class Output:
    """A file to write into dist/, and where it came from (for the log)."""

    data: bytes
    source: str


# ---------------------------------------------------------------- reading


def read_pins(root: Path) -> dict[str, str]:
    """The exact front-end versions pinned in package.json."""
    manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    pins = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    for name, version in pins.items():
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise BuildError(f"package.json: {name} must be pinned to an exact version (got {version!r})")
    return pins


def ensure_node_modules(root: Path, pins: dict[str, str]) -> None:
    """Run ``npm ci`` unless node_modules already holds every pinned version."""
    for name, version in pins.items():
        installed = root / "node_modules" / name / "package.json"
        if not installed.exists() or json.loads(installed.read_text(encoding="utf-8"))["version"] != version:
            log("node_modules is missing or stale: running npm ci")
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=root, check=True, stdout=sys.stderr)
            return


@dataclass
class Article:
    """The article: TOML front matter and a Markdown body with Jinja expressions."""

    path: str
    front: dict
    body: str


def read_article(root: Path, rel: str, required: tuple[str, ...] = ("title", "description", "examples")) -> Article:
    """Split ``+++``-fenced TOML front matter from the Markdown body."""
    text = (root / rel).read_text(encoding="utf-8")
    match = re.match(r"\+\+\+\n(.*?)\n\+\+\+\n", text, re.S)
    if not match:
        raise BuildError(f"{rel}: must start with TOML front matter between +++ lines")
    try:
        front = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as error:
        raise BuildError(f"{rel}: front matter: {error}") from None
    for key in required:
        if key not in front:
            raise BuildError(f"{rel}: front matter needs {key!r}")
    padding = "\n" * text.count("\n", 0, match.end())  # keeps error line numbers true to the file
    return Article(rel, front, padding + text[match.end() :])


def read_guides(root: Path) -> list[Article]:
    """The guides (content/guides/*.md), each a page of its own at its ``slug``, in their ``order``."""
    guides = [read_article(root, str(path.relative_to(root)), ("title", "description", "slug")) for path in sorted((root / "content" / "guides").glob("*.md"))]
    return sorted(guides, key=lambda guide: (guide.front.get("order", 100), guide.front["title"]))


def read_fragments(root: Path) -> dict[str, Article]:
    """The families' notes across libraries (content/schedules/<family>.md), which their reference pages include."""
    folder = root / "content" / "schedules"
    return {path.stem: Article(str(path.relative_to(root)), {}, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.md"))}


class Example:
    """A worked example from the front matter, with its numbers computed by lrcalc."""

    def __init__(self, key: str, spec: dict, path: str) -> None:
        from lrcalc import calculator  # imported late: sys.path is set in main()

        self.key = key
        self.title = spec["title"]
        self.inputs = {**calculator.DEFAULTS, **spec["inputs"]}
        self._calculate = calculator.calculate
        self.result = self.at(int(self.inputs["current_epoch"]))
        if not self.result["ok"]:
            raise BuildError(f"{path}: example {key!r} is invalid: {self.result['errors']}")

    def at(self, epoch: int) -> dict:
        """The calculator's full result for this example read at another epoch."""
        return self._calculate({**self.inputs, "current_epoch": str(epoch)})

    def lr(self, epoch: int) -> str:
        """The formatted learning rate at ``epoch``."""
        return self.at(epoch)["results"][0]["text"]

    def text(self, result_id: str) -> str:
        """One formatted result of the example, by id (``current_lr``...)."""
        return next(r["text"] for r in self.result["results"] if r["id"] == result_id)

    def button(self):
        """The "Load this example" button that fills the calculator."""
        from markupsafe import Markup

        return Markup(
            '<button type="button" class="load-example" data-inputs="{}">Load this example</button>'
        ).format(json.dumps(self.inputs, sort_keys=True))


# ---------------------------------------------------------------- rendering

MATH = re.compile(r"\$\$(.+?)\$\$|\\\((.+?)\\\)", re.S)
# Formulas are swapped for private-use placeholders while Markdown runs (it
# strips the control characters it uses itself), then for their MathML.


def render_markdown(text: str, path: str) -> tuple[str, str]:
    """Markdown to HTML, with ``$$…$$`` and ``\\(…\\)`` turned into MathML; returns (html, toc)."""
    import latex2mathml.converter
    import markdown

    formulas: list[str] = []

    def stash(match: re.Match) -> str:
        latex, display = (match.group(1), "block") if match.group(1) is not None else (match.group(2), "inline")
        try:
            formulas.append(latex2mathml.converter.convert(latex.strip(), display=display))
        except Exception as error:  # latex2mathml raises many types
            line = text.count("\n", 0, match.start()) + 1
            raise BuildError(f"{path}:{line}: cannot convert formula {latex.strip()!r}: {error}") from None
        return f"\ue000{len(formulas) - 1}\ue001"

    stashed = MATH.sub(stash, text)
    if "$$" in stashed or "\\(" in stashed:
        line = stashed.count("\n", 0, stashed.find("$$" if "$$" in stashed else "\\(")) + 1
        raise BuildError(f"{path}:{line}: unbalanced math delimiter")
    md = markdown.Markdown(
        extensions=["toc", "tables", "attr_list", "md_in_html", "fenced_code", "sane_lists"],
        extension_configs={"toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2"}},
    )
    body = md.convert(stashed)
    body, blocks = re.subn(r"<p>\ue000(\d+)\ue001</p>", lambda m: f'<div class="math">{formulas[int(m.group(1))]}</div>', body)
    body, inline = re.subn(r"\ue000(\d+)\ue001", lambda m: formulas[int(m.group(1))], body)
    if blocks + inline != len(formulas):
        raise BuildError(f"{path}: {len(formulas)} formulas found but {blocks + inline} placed in the HTML")
    return sections(scrollable(body)), md.toc


def sections(body: str) -> str:
    """Wrap each ``<h2>`` and what follows it in a ``<section>``, so the browser can skip laying out
    the parts of the article that are off screen (``content-visibility`` in style.css)."""
    parts = [part for part in re.split(r"^(?=<h2[ >])", body, flags=re.M) if part.strip()]
    return "".join(f"<section>\n{part.strip()}\n</section>\n" for part in parts)


def scrollable(body: str) -> str:
    """Let wide tables, code and formulas scroll sideways on narrow screens, reachable by keyboard."""
    body = re.sub(r"<table>(.*?)</table>", r'<div class="wide" tabindex="0"><table>\1</table></div>', body, flags=re.S)
    body = body.replace('<div class="math">', '<div class="math" tabindex="0">')
    return body.replace("<pre>", '<pre tabindex="0">')


def render_article(article: Article, examples: dict[str, Example], env) -> tuple[str, str]:
    """Fill the article's Jinja expressions from lrcalc, then render its Markdown (links to other pages as ``@/path``)."""
    import jinja2

    import lrcalc
    import lrcalc.finder  # noqa: F401 - lets the article reach lrcalc.finder
    from lrcalc import calculator, fmt

    article_env = env.overlay(loader=jinja2.DictLoader({article.path: article.body}))
    try:
        template = article_env.get_template(article.path)
        text = template.render(examples=examples, fmt=fmt, lrcalc=lrcalc, calculator=calculator)
    except jinja2.TemplateError as error:
        raise template_error(error, article.path) from None
    return render_markdown(text, article.path)


def template_error(error: Exception, default: str) -> BuildError:
    """A Jinja error as a BuildError naming the template file and line it came from."""
    where, line = getattr(error, "filename", None) or default, getattr(error, "lineno", None)
    frame = error.__traceback__
    while frame is not None:
        name = frame.tb_frame.f_code.co_filename
        if name == "<template>" or name.endswith(".html"):
            where, line = (default if name == "<template>" else name), frame.tb_lineno
        frame = frame.tb_next
    if "site_src/" in where:
        where = where[where.index("site_src/") :]
    return BuildError(f"{where}{':' + str(line) if line else ''}: {error}")


def template_env(templates: Path):
    """Jinja2 with autoescape and StrictUndefined: a missing variable fails the build."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def bundle_package(root: Path) -> tuple[str, Output]:
    """Zip lrcalc's sources and PyYAML's Python modules (fixed timestamps) into ``lrcalc-<version>-<hash>.zip``.

    PyYAML is the version Pyodide itself ships (its lock file names it; checked here), as its pure-Python
    modules: its optional C extension is not needed, and Pyodide's wheel is not in the npm package.
    """
    package = root / "site_src" / "lrcalc"
    files = [(path, path.relative_to(package.parent)) for path in sorted(package.rglob("*.py"))]
    yaml_dir = _pyodide_yaml(root)
    files += [(path, Path("yaml") / path.relative_to(yaml_dir)) for path in sorted(yaml_dir.glob("*.py"))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            info = zipfile.ZipInfo(str(name), ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    import lrcalc

    name = f"lrcalc-{lrcalc.__version__}-{hashlib.sha256(data).hexdigest()[:12]}.zip"
    return name, Output(data, "site_src/lrcalc/")


def _pyodide_yaml(root: Path) -> Path:
    """The installed PyYAML's package folder, when it is the version the pinned Pyodide ships."""
    try:
        import yaml
    except ImportError:
        raise BuildError("pyproject.toml: PyYAML is needed to build the page (pip install -e '.[site]')") from None
    lock = json.loads((root / "node_modules" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    shipped = lock["packages"]["pyyaml"]["version"]
    if yaml.__version__ != shipped:
        raise BuildError(f"pyproject.toml: PyYAML must be {shipped}, the version Pyodide ships (installed: {yaml.__version__})")
    return Path(yaml.__file__).parent


def shipped_script(text: str) -> str:
    """A script as the site serves it: without its whole-line ``//`` comments (a quarter of the shell's bytes;
    they are for the source). The build test checks that every shipped script still parses."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("//"))


def gather_assets(root: Path) -> dict[str, Output]:
    """The page's own scripts (but the one written into <head>), uPlot, and the lrcalc archive, by file name."""
    assets: dict[str, Output] = {}
    inline = {root / rel for rel in (*INLINE_STYLES, INLINE_SCRIPT)}
    for path in sorted((root / "site_src" / "static").iterdir()):
        if path.is_file() and path not in inline:
            data = shipped_script(path.read_text(encoding="utf-8")).encode() if path.suffix in (".js", ".mjs") else path.read_bytes()
            assets[path.name] = Output(data, str(path.relative_to(root)))
    from lrcalc.page import quick  # imported late: sys.path is set in main()

    assets["quick.js"] = Output(shipped_script(quick.module(root)).encode(), f"{quick.SOURCE}, completed by lrcalc.page.quick")
    for rel in UPLOT_FILES:
        path = root / "node_modules" / "uplot" / rel
        assets[path.name] = Output(path.read_bytes(), str(path.relative_to(root)))
    lunr_js = root / "node_modules" / "lunr" / "lunr.min.js"  # the search box's, fetched when it is first used
    assets[lunr_js.name] = Output(lunr_js.read_bytes(), str(lunr_js.relative_to(root)))
    name, archive = bundle_package(root)
    assets[name] = archive
    return assets


def python_snapshot(root: Path, assets: dict[str, Output]) -> dict[str, Output]:
    """Python's memory with lrcalc imported, made by Pyodide in Node and gzipped: the worker boots from it."""
    # site_src/make_snapshot.mjs fixes the clock and the entropy, so the same archive and Pyodide give
    # the same bytes. The name is fixed (the worker looks beside itself); the assets folder's hash covers it.
    node = shutil.which("node")
    if node is None:
        raise BuildError("site_src/make_snapshot.mjs: Node.js is needed to make the Python snapshot")
    root = root.resolve()  # node runs in a temporary folder
    archive = next(name for name in assets if name.startswith("lrcalc-") and name.endswith(".zip"))
    with tempfile.TemporaryDirectory(prefix="lrcalc-snapshot-") as folder:
        (Path(folder) / archive).write_bytes(assets[archive].data)
        command = [node, str(root / "site_src" / "make_snapshot.mjs"), str(root / "node_modules" / "pyodide"), archive, "snapshot"]
        proc = subprocess.run(command, cwd=folder, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"site_src/make_snapshot.mjs: {proc.stderr.strip() or f'exit status {proc.returncode}'}")
        data = gzip.compress((Path(folder) / "snapshot").read_bytes(), compresslevel=6, mtime=0)
    return {"python.snapshot.gz": Output(data, "site_src/make_snapshot.mjs (Python's memory with lrcalc imported)")}


def inline_head(root: Path) -> dict[str, str]:
    """The styles and the theme script <head> holds, and the policy that allows them by their SHA-256."""

    def read(rel: str, tag: str) -> str:
        text = (root / rel).read_text(encoding="utf-8").strip()
        if f"</{tag}" in text.lower():
            raise BuildError(f"{rel}: cannot be written into <{tag}>: it contains </{tag}")
        return text

    def source(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    style = "\n".join(read(rel, "style") for rel in INLINE_STYLES)
    script = read(INLINE_SCRIPT, "script")
    return {"inline_style": style, "inline_script": script, "csp": CSP.format(script=source(script), style=source(style))}


def content_hash(files: dict[str, Output]) -> str:
    """A short hash over file names and contents: changes whenever any file does."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].data + b"\0")
    return digest.hexdigest()[:10]


def gather_pyodide(root: Path, version: str) -> dict[str, Output]:
    """The five Pyodide runtime files, from node_modules, under a versioned folder."""
    folder = root / "node_modules" / "pyodide"
    return {
        f"vendor/pyodide-{version}/{name}": Output((folder / name).read_bytes(), f"node_modules/pyodide/{name}")
        for name in PYODIDE_FILES
    }


def page_data(root: Path) -> dict:
    """Data the page loads after first paint: the scheduler catalog and the finder's example run."""
    from lrcalc import finder
    from lrcalc.page.catalog import catalog

    example = (root / "content" / "examples" / "range-test-torch-lr-finder.csv").read_text(encoding="utf-8")
    return {
        "catalog": catalog(),
        "finder": {"initial": finder.analyse(example, "range-test-torch-lr-finder.csv"), "example": example},
    }


def data_files(data: dict) -> dict[str, Output]:
    """``catalog.json`` and ``finder.json``: kept out of index.html, which they would double."""
    return {
        f"{name}.json": Output(json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(), f"lrcalc.{'page.catalog.catalog()' if name == 'catalog' else 'finder.analyse(content/examples/...)'}")
        for name, value in data.items()
    }


def page_context(article: Article, article_html: str, toc: str, urls: dict[str, str], pins: dict[str, str], data: dict) -> dict:
    """Everything index.html needs: the default results, the form, the finder's example, the article."""
    from lrcalc import batch, calculator, configuring, page, training

    from lrcalc.page.reference import curve

    initial = page.view(page.State())  # through the worker's own entry point
    catalog = data["catalog"]
    finder_initial = data["finder"]["initial"]
    config = {
        "pyodideURL": urls["pyodide"],
        "packageURL": urls["package"],
        "catalogURL": urls["catalog"],
        "finderURL": urls["finder"],
        "form": calculator.form_spec(),
        "training": list(training.TRAINING_FIELDS),
        "run": [f["name"] for f in configuring.RUN_FIELDS],
        "initial": initial,
        "defaultState": page.State().to_page(),
        "maxCompare": page.MAX_COMPARE,
    }
    return dict(
        page=article.front,
        article=article_html,
        toc=toc,
        form=calculator.form_spec(),
        fields=calculator.FIELDS,
        catalog=catalog,
        training_fields=training.TRAINING_FIELDS,
        default_paste=page.state.DEFAULT_PASTE,
        default_config=page.state.DEFAULT_CONFIG,
        run_fields=configuring.RUN_FIELDS,
        initial=initial,
        initial_curve=curve(initial["chart"], "the default schedule"),
        finder=finder_initial,
        batch=batch.helper({f["name"]: f["default"] for f in batch.FIELDS}),
        batch_fields=batch.FIELDS,
        config=json.dumps(config, separators=(",", ":"), ensure_ascii=False),
        assets=urls["assets"],
        pyodide_url=urls["pyodide"],
        package_url=urls["package"],
        pyodide_version=pins["pyodide"],
        uplot_version=pins["uplot"],
    )


# ---------------------------------------------------------------- the site's other pages
#
# Every page but the calculator's is documentation: the guides (content/guides/), the reference
# generated from lrcalc's registry (lrcalc.page.reference: a page per family and per library
# scheduler, one template each), the lists, and a 404 page. Pages live in folders
# (``schedules/cosine-decay/index.html``), so every link is written relative to the page it is on.

NAV = (("Calculator", "", "calculator"), ("Schedules", "schedules/", "schedules"), ("Libraries", "libraries/", "libraries"), ("Guides", "guides/", "guides"))
"""The site's sections, as the navigation on every page lists them: (label, path, section)."""

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"
"""Where the site is served when no --site-url is given (build.py --serve): the sitemap's URLs need a host."""


@dataclass
class SitePage:
    """One HTML page of the site: where it lives, how it is named, its template and what that shows."""

    path: str  # its folder, "" for the calculator, "schedules/cosine-decay/" for a family
    title: str
    description: str
    template: str
    context: dict
    section: str
    source: str  # what it was made from, for the build log
    here: str = ""  # its name in the breadcrumb
    crumbs: tuple[tuple[str, str], ...] = ()
    series: str = ""  # pages read in order (a library's schedulers): previous and next link within it


def relative(target: str, page: str) -> str:
    """A link from ``page`` to ``target``, both site paths (folders end with ``/``; "" is the calculator)."""
    path, _, anchor = target.partition("#")
    link = "../" * page.count("/") + path
    return (link or "./") + (f"#{anchor}" if anchor else "")


def site_links(html_text: str, page: str) -> str:
    """Content's links to other pages, written ``@/path``, made relative to ``page``."""
    return re.sub(r'href="@/([^"]*)"', lambda m: f'href="{html.escape(relative(html.unescape(m.group(1)), page))}"', html_text)


def guide_pages(guides: list[Article], examples: dict, env) -> list[SitePage]:
    """Each guide rendered from its Markdown, and the list of them."""
    pages = []
    for guide in guides:
        body, toc = render_article(guide, examples, env)
        path = guide.front["slug"].strip("/") + "/"
        context = {"body": site_links(body, path), "toc": site_links(toc, path), "heading": guide.front.get("heading", guide.front["title"]), "lede": guide.front.get("lede", "")}
        pages.append(SitePage(path, guide.front["title"], guide.front["description"], "page.html", context, "guides", guide.path,
                              guide.front.get("heading", guide.front["title"]), (("Guides", "guides/"),), "guides"))
    rows = [(page.here, page.description, page.path) for page in pages]
    listing = SitePage("guides/", "Guides: choosing and checking a learning rate", "Guides to the learning rate: the range test, batch size and scaling, "
                       "how each library counts steps, and how training frameworks build schedules from a config.", "list.html",
                       {"data": {"heading": "Guides", "intro": "Longer explanations the calculator links to.", "rows": rows}}, "guides", "content/guides/", "Guides")
    return [listing, *pages]


def reference_site_pages(fragments: dict[str, Article], examples: dict, env) -> list[SitePage]:
    """The reference generated from the registry (lrcalc.page.reference), with each family's notes across libraries."""
    from lrcalc.page import reference

    unused = set(fragments)
    pages = []
    for ref in reference.pages():
        context = {"data": ref.data, "fragment": ""}
        family = ref.data.get("fragment")
        if family in fragments:
            unused.discard(family)
            body, _ = render_article(fragments[family], examples, env)
            context["fragment"] = site_links(unwrapped(body), ref.path)
        section = "schedules" if ref.path.startswith("schedules/") else "libraries"
        series = ref.path.rsplit("/", 2)[0] if ref.template == "reference.html" else ("libraries" if ref.path.count("/") == 2 else "")
        pages.append(SitePage(ref.path, ref.title, ref.description, ref.template, context, section, "lrcalc.page.reference",
                              ref.data.get("heading", ref.title), tuple(ref.crumbs), series))
    if unused:
        raise BuildError(f"content/schedules/{sorted(unused)[0]}.md: no lrcalc family is called {sorted(unused)[0]!r}")
    return pages


def unwrapped(body: str) -> str:
    """A fragment's HTML without the <section> wrappers an article gets."""
    return re.sub(r"</?section>\n?", "", body)


def site_context(page: SitePage, pages: list[SitePage]) -> dict:
    """What base.html shows around a page: its names, the navigation, where it is, the pages before and after.

    The 404 page is served at whatever address was asked for, so its links start from the site's address."""
    series = [other for other in pages if page.series and other.series == page.series]
    at = series.index(page) if page in series else -1
    anywhere = page.template == "404.html"
    link = (lambda target: page.context["site_url"] + target) if anywhere else (lambda target: relative(target, page.path))  # noqa: E731
    neighbour = lambda other: (other.here or other.title, link(other.path))  # noqa: E731
    return {
        "title": page.title,
        "description": page.description,
        "canonical": link(page.path) if not anywhere else page.context["site_url"] + "404.html",
        "root": page.context["site_url"] if anywhere else "../" * page.path.count("/"),
        "search": not anywhere,
        "nav": [(label, link(path), section) for label, path, section in NAV],
        "section": page.section,
        "is_section_index": any(path == page.path for _, path, _ in NAV),
        "crumbs": [(label, link(path)) for label, path in page.crumbs],
        "here": page.here or page.title,
        "heading": page.context.get("heading", page.title),
        "lede": page.context.get("lede", ""),
        "prev": neighbour(series[at - 1]) if at > 0 else None,
        "next": neighbour(series[at + 1]) if 0 <= at < len(series) - 1 else None,
        "skip": "calculator" if page.section == "calculator" else "main",
        "skip_label": "the calculator" if page.section == "calculator" else "the content",
    }


def render_site_page(env, page: SitePage, pages: list[SitePage], shared: dict) -> str:
    """One page through its template, with the site's frame (base.html) around it."""
    import jinja2
    from markupsafe import Markup

    from lrcalc.page.reference import path_of

    def math(latex: str, display: str = "inline") -> Markup:
        import latex2mathml.converter

        return Markup(latex2mathml.converter.convert(latex, display=display))

    context = {**shared, **page.context, "site": site_context(page, pages), "link": lambda target: relative(target, page.path), "math": math, "path_of": path_of}
    try:
        return env.get_template(page.template).render(**context)
    except jinja2.TemplateError as error:
        raise template_error(error, f"site_src/templates/{page.template}") from None
    except Exception as error:  # latex2mathml and the registry raise many types
        raise BuildError(f"site_src/templates/{page.template} ({page.path}): {type(error).__name__}: {error}") from None


def search_index(pages: list[SitePage]) -> Output:
    """lunr.py's index of every page's title and text, with each page's title, path and description for the results."""
    from lunr import lunr

    documents, shown = [], {}
    for page in pages:
        documents.append({"id": page.path, "title": page.title, "body": page_text(page)})
        shown[page.path] = {"title": page.here or page.title, "path": page.path, "summary": page.description}
    index = lunr(ref="id", fields=[{"field_name": "title", "boost": 10}, "body"], documents=documents)
    data = {"index": index.serialize(), "docs": shown}
    return Output(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), "lunr.py (every page's title and text)")


def page_text(page: SitePage) -> str:
    """The words of a page the index searches: its rendered body, or its reference data's words."""
    data = page.context.get("data") or {}
    parts = [page.context.get("body", ""), page.context.get("fragment", ""), page.description]
    parts += [str(data.get(key, "")) for key in ("heading", "summary", "call", "intro")]
    parts += [" ".join(str(row) for row in data.get("arguments", []) + data.get("notes", []) + data.get("rows", []))]
    text = re.sub(r"<math.*?</math>", " ", " ".join(parts), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def sitemap(pages: list[SitePage], site_url: str) -> Output:
    """sitemap.xml: every page's address under ``site_url``."""
    rows = "".join(f"  <url><loc>{html.escape(site_url + page.path)}</loc></url>\n" for page in pages)
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n'
    return Output(text.encode(), f"every page, under {site_url}")


def not_found_page(site_url: str) -> SitePage:
    """404.html: GitHub Pages serves it at any depth, so its links start from the site's address."""
    return SitePage("", "Page not found: Learning Rate Calculator", "This page does not exist; the calculator, the schedules and the guides are one click away.",
                    "404.html", {"site_url": site_url}, "", "site_src/templates/404.html", "Page not found")


def check_links(files: dict[str, Output]) -> None:
    """Every relative link between pages reaches a file of the site, and its #anchor an id on that page."""
    pages = {name: output.data.decode() for name, output in files.items() if name.endswith(".html") and name != "404.html"}
    ids = {name: set(re.findall(r'\sid="([^"]+)"', text)) for name, text in pages.items()}
    for name, text in pages.items():
        folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
        for href in re.findall(r'\shref="([^"]*)"', text):
            href = html.unescape(href)
            if re.match(r"[a-z]+:", href) or href.startswith(("#", "?")):
                continue
            path, _, anchor = href.partition("#")
            path = path.partition("?")[0]
            target = posix_join(folder, path)
            if target.endswith("/") or target == "":
                target += "index.html"
            if target not in files:
                raise BuildError(f"{name}: link {href!r} leads to {target}, which the site does not have")
            if anchor and target in ids and anchor not in ids[target]:
                raise BuildError(f"{name}: link {href!r}: {target} has no id {anchor!r}")


def posix_join(folder: str, path: str) -> str:
    """``folder`` + a relative ``path``, with ``..`` and ``.`` resolved (no leading slash)."""
    parts: list[str] = []
    for part in (folder + path).split("/")[:-1]:
        if part == "..":
            if not parts:
                raise BuildError(f"link {path!r} from {folder or 'the top'} leaves the site")
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    last = (folder + path).split("/")[-1]
    return "/".join(parts) + ("/" if parts else "") + ("" if last in (".", "..") else last)


# ---------------------------------------------------------------- offline

# dist/sw.js, the service worker, with this build's file list and cache name
# filled in. It lives at the site root so that its scope covers the page.


def read_service_worker(root: Path) -> str:
    """The service worker's code, its ``__VERSION__`` and ``__FILES__`` placeholders not yet filled in."""
    code = (root / SERVICE_WORKER).read_text(encoding="utf-8")
    for placeholder in ("__VERSION__", "__FILES__"):
        if placeholder not in code:
            raise BuildError(f"{SERVICE_WORKER}: the service worker's code must hold the {placeholder} placeholder")
    return code


def precache_list(files: dict[str, Output]) -> dict[str, str]:
    """Every file the site needs (all but dotfiles, sw.js and what only crawlers read), with the SHA-256 of its bytes."""
    return {
        name: hashlib.sha256(output.data).hexdigest()
        for name, output in sorted(files.items())
        if not name.startswith(".") and name not in ("sw.js", "sitemap.xml", "robots.txt")
    }


def service_worker(files: dict[str, Output], template: str) -> Output:
    """sw.js: keeps ``files`` for offline visits in a cache named after a hash of them and of its own code."""
    listed = precache_list(files)
    version = content_hash({**{name: files[name] for name in listed}, "sw.js": Output(template.encode(), "")})
    code = template.replace("__VERSION__", version).replace("__FILES__", json.dumps(listed, indent=2))
    return Output(code.encode(), f"{SERVICE_WORKER} (listing every other file)")


# ---------------------------------------------------------------- checking

URL_ATTRIBUTE = re.compile(r'\s(href|src|action|content)="([^"]*)"')


def check_page(page: str, path: str) -> None:
    """Fail on absolute or root-relative URLs the page loads, and on dangling #anchors."""
    for attribute, url in URL_ATTRIBUTE.findall(page):
        url = html.unescape(url)
        if attribute == "content":
            continue
        if url.startswith("/"):
            raise BuildError(f"{path}: URL {url!r} is root-relative; use a relative URL so dist/ works under any base path")
        if attribute != "href" and re.match(r"[a-z]+:", url):
            raise BuildError(f"{path}: {attribute}={url!r} loads from another site; vendor the file instead")
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    for target in re.findall(r'\shref="#([^"]*)"', page):
        if target and html.unescape(target) not in ids:
            raise BuildError(f"{path}: link to #{target} has no matching id")


# ---------------------------------------------------------------- writing


def log(message: str) -> None:
    """One line on stderr."""
    print(message, file=sys.stderr)


def guard_output(root: Path, out: Path) -> None:
    """Refuse to replace a folder that holds the sources (pelican's guard)."""
    out = out.resolve()
    if out == root or root.is_relative_to(out) or (out / "build.py").exists() or (out / "content").is_dir():
        raise BuildError(f"{out}: refusing to build into a folder that contains the sources")


def write_dist(files: dict[str, Output], out: Path) -> None:
    """Write every file into a fresh folder beside ``out``, then swap it in."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        for rel, output in sorted(files.items()):
            target = fresh / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(output.data)
            log(f"{output.source} -> {out.name}/{rel}")
        fresh.chmod(0o755)
        old = out.with_name(f".{out.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        fresh.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def build(root: Path, out: Path, site_url: str = DEFAULT_SITE_URL) -> dict[str, Output]:
    """Read, render, check and write the whole site; returns what was written."""
    sys.path.insert(0, str(root / "site_src"))
    guard_output(root, out)
    pins = read_pins(root)
    ensure_node_modules(root, pins)
    article = read_article(root, "content/article.md")
    guides, fragments = read_guides(root), read_fragments(root)
    env = template_env(root / "site_src" / "templates")
    sw_template = read_service_worker(root)
    examples = {key: Example(key, spec, article.path) for key, spec in article.front["examples"].items()}
    article_html, toc = render_article(article, examples, env)
    calculator = SitePage("", article.front["title"], article.front["description"], "index.html", {}, "calculator", article.path, "Calculator")
    pages = [calculator, *guide_pages(guides, examples, env), *reference_site_pages(fragments, examples, env)]

    data = page_data(root)
    assets = gather_assets(root)
    assets.update(data_files(data))
    assets["search-index.json"] = search_index(pages)
    assets.update(python_snapshot(root, assets))
    assets_dir = f"assets-{content_hash(assets)}"
    package = next(name for name in assets if name.startswith("lrcalc-"))
    files = {f"{assets_dir}/{name}": output for name, output in assets.items()}
    files.update(gather_pyodide(root, pins["pyodide"]))
    urls = {
        "assets": assets_dir,
        "package": f"{assets_dir}/{package}",
        "pyodide": f"vendor/pyodide-{pins['pyodide']}/",
        "catalog": f"{assets_dir}/catalog.json",
        "finder": f"{assets_dir}/finder.json",
    }
    shared = {"assets": assets_dir} | inline_head(root)
    calculator.context = page_context(article, site_links(article_html, ""), site_links(toc, ""), urls, pins, data)
    for page in [*pages, not_found_page(site_url)]:
        text = render_site_page(env, page, pages, shared)
        name = "404.html" if page.template == "404.html" else f"{page.path}index.html"
        check_page(text, f"site_src/templates/{page.template} ({name})")
        files[name] = Output(text.encode(), page.source)
    check_links(files)
    files["sitemap.xml"] = sitemap(pages, site_url)
    files["robots.txt"] = Output(f"User-agent: *\nAllow: /\nSitemap: {site_url}sitemap.xml\n".encode(), "(where the sitemap is)")
    files[".nojekyll"] = Output(b"", "(GitHub Pages: serve files as they are)")
    files["sw.js"] = service_worker(files, sw_template)
    write_dist(files, out)
    return files


# ---------------------------------------------------------------- serving


def make_server(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``directory`` with the MIME types Pyodide needs."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
            pass

    return http.server.ThreadingHTTPServer((host, port), functools.partial(Handler, directory=str(directory)))


def main(argv: list[str] | None = None) -> int:
    """Build dist/ (and serve it with --serve); exit 1 with a one-line message on failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--serve", action="store_true", help="serve the output on localhost after building")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (default: 8000)")
    parser.add_argument("--site-url", default=DEFAULT_SITE_URL, help=f"the address the site is served at, for sitemap.xml and 404.html (default: {DEFAULT_SITE_URL})")
    args = parser.parse_args(argv)
    site_url = args.site_url if args.site_url.endswith("/") else args.site_url + "/"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            build(ROOT, args.out, site_url)
    except BuildError as error:
        log(f"build failed: {error}")
        return 1
    except Warning as warning:
        log(f"build failed: a warning is an error here: {type(warning).__name__}: {warning}")
        return 1
    if args.serve:
        server = make_server(args.out, args.port)
        log(f"Serving {args.out} at http://127.0.0.1:{args.port}/ (Ctrl+C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
