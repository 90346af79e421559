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


def read_article(root: Path, rel: str) -> Article:
    """Split ``+++``-fenced TOML front matter from the Markdown body."""
    text = (root / rel).read_text(encoding="utf-8")
    match = re.match(r"\+\+\+\n(.*?)\n\+\+\+\n", text, re.S)
    if not match:
        raise BuildError(f"{rel}: must start with TOML front matter between +++ lines")
    try:
        front = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as error:
        raise BuildError(f"{rel}: front matter: {error}") from None
    for key in ("title", "description", "examples"):
        if key not in front:
            raise BuildError(f"{rel}: front matter needs {key!r}")
    padding = "\n" * text.count("\n", 0, match.end())  # keeps error line numbers true to the file
    return Article(rel, front, padding + text[match.end() :])


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
    """Fill the article's Jinja expressions from lrcalc, then render its Markdown."""
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


def gather_assets(root: Path) -> dict[str, Output]:
    """The page's own scripts (but the one written into <head>), uPlot, and the lrcalc archive, by file name."""
    assets: dict[str, Output] = {}
    inline = {root / rel for rel in (*INLINE_STYLES, INLINE_SCRIPT)}
    for path in sorted((root / "site_src" / "static").iterdir()):
        if path.is_file() and path not in inline:
            assets[path.name] = Output(path.read_bytes(), str(path.relative_to(root)))
    for rel in UPLOT_FILES:
        path = root / "node_modules" / "uplot" / rel
        assets[path.name] = Output(path.read_bytes(), str(path.relative_to(root)))
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


def render_page(env, context: dict) -> str:
    """The calculator page: the form and the default results, then the article."""
    import jinja2

    try:
        template = env.get_template("index.html")
        return template.render(**context)
    except jinja2.TemplateError as error:
        raise template_error(error, "site_src/templates/index.html") from None


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
    """Every file the page needs (all but dotfiles and sw.js), with the SHA-256 of its bytes."""
    return {
        name: hashlib.sha256(output.data).hexdigest()
        for name, output in sorted(files.items())
        if not name.startswith(".") and name != "sw.js"
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


def build(root: Path, out: Path) -> dict[str, Output]:
    """Read, render, check and write the whole site; returns what was written."""
    sys.path.insert(0, str(root / "site_src"))
    guard_output(root, out)
    pins = read_pins(root)
    ensure_node_modules(root, pins)
    article = read_article(root, "content/article.md")
    env = template_env(root / "site_src" / "templates")
    sw_template = read_service_worker(root)
    examples = {key: Example(key, spec, article.path) for key, spec in article.front["examples"].items()}
    article_html, toc = render_article(article, examples, env)

    data = page_data(root)
    assets = gather_assets(root)
    assets.update(data_files(data))
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
    page = render_page(env, page_context(article, article_html, toc, urls, pins, data) | inline_head(root))
    check_page(page, "site_src/templates/index.html")
    files["index.html"] = Output(page.encode(), article.path)
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
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            build(ROOT, args.out)
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
