"""The package's shape: one home per scheduler, modules of a readable size, no rule in the page's JavaScript."""

import ast
import re
from pathlib import Path

import pytest

from lrcalc.libraries import apis

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "site_src" / "lrcalc"
STATIC = ROOT / "site_src" / "static"
HOMES = {"torch": "pytorch.py", "keras": "keras.py", "optax": "optax.py", "transformers": "transformers.py", "timm": "timm.py", "deepspeed": "deepspeed.py", "mmengine": "mmengine.py", "axolotl": "axolotl.py", "composer": "composer.py"}
LONG = 600
"""Modules longer than this say why in their docstring ("one home" for a library's schedulers, say)."""


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and its functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def names_in_code(path: Path) -> set[str]:
    """Identifiers, attributes and whole string constants in a module's code (docstrings and comments aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found.add(node.value)
            found.add(node.value.rsplit(".", 1)[-1])
    return found


LIBRARY_SCHEDULERS = [spec for spec in apis() if spec.library != "lrcalc"]
SHARED_NAMES = {name for name in (spec.name for spec in apis()) if sum(s.name == name for s in apis()) > 1} | set(__import__("lrcalc.libraries.mmengine", fromlist=["KINDS"]).KINDS)
"""Short names two schedulers share (optax's and lrcalc's exponential_decay), and mmengine's own schedulers, which are
parts of its Runner's list and share PyTorch's class names (LinearLR, ...): those are checked by their full name."""


def refers_to(spec, used: set[str]) -> bool:
    """Whether code that uses these names refers to ``spec``."""
    return spec.api in used or (spec.name in used and spec.name not in SHARED_NAMES)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_scheduler_is_named_only_in_its_own_module(path):
    """Outside its library's module, no code refers to a library's scheduler by name (generic code asks its record)."""
    used = names_in_code(path)
    strangers = sorted(spec.api for spec in LIBRARY_SCHEDULERS if path.name != HOMES[spec.library] and refers_to(spec, used))
    assert strangers == []


@pytest.mark.parametrize("path", sorted(STATIC.glob("*.js")), ids=lambda p: p.name)
def test_the_javascript_names_no_scheduler_and_writes_no_link(path):
    """The page's scripts never name a scheduler or a family (by its full name), nor build a query string: lrcalc does both."""
    text = path.read_text(encoding="utf-8")
    quoted = set(re.findall(r"[\"'`]([A-Za-z_][\w.]*)[\"'`]", text))
    named = [spec.api for spec in apis() if spec.api in quoted or (spec.library != "lrcalc" and spec.name in quoted)]
    assert named == []
    assert "URLSearchParams" not in text


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_long_modules_say_why(path):
    """A module over 600 lines says in its docstring why its parts belong together."""
    text = path.read_text(encoding="utf-8")
    if text.count("\n") <= LONG or path.parent.name == "data":
        return
    assert "Why one module" in (ast.get_docstring(ast.parse(text)) or ""), f"{path.name}: {text.count(chr(10))} lines"
