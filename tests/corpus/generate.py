#!/usr/bin/env python3
"""Run the corpus's pasted scheduler calls with the real libraries: writes tests/corpus/expected.json.

Run inside the reference venv (see tests/reference/README.md):

    tests/reference/.venv/bin/python tests/corpus/generate.py

For each entry of ``values.json`` the paste of ``scheduler_calls.json`` (``context + "\\n" + code``,
verbatim) is parsed with :mod:`ast` and executed as it is, after these changes only:

* every expression whose ``ast.unparse`` text is a key of the entry's ``values`` (or
  ``context_values``) is replaced by that value as a literal node, outermost match first and only
  where the expression is read (not an assignment target). A value that is a dict with an ``"api"``
  key is a scheduler: it becomes the call ``api(optimizer=<the optimizer>, **rest)`` (torch,
  transformers, timm) or ``api(**rest)`` (optax, keras);
* the optimizer argument of each torch/transformers/timm scheduler call (``optimizer=``, or the
  positional slot where the real function's signature has ``optimizer``) is replaced by a real
  ``torch.optim.SGD([param], lr=values_json_lr, momentum=0.9)``, unless it is a plain name the
  paste assigns itself (``optimizer = optim.SGD(model.parameters(), lr=base_lr)``): that optimizer
  is built and used as the paste builds it, on ``model.parameters() == [param]``;
* ``return X`` outside a function becomes ``__result__ = X``;
* every call of a scheduler of the five libraries (by the last part of its dotted name) is wrapped
  so that the scheduler it returns is remembered: the entry's scheduler is the last one built (for
  ``create_scheduler*``, which return ``(scheduler, num_epochs)``, the first item). This is lrcalc's
  rule too: the last scheduler the paste builds, the outermost when one is an argument of another.

The paste runs in a namespace holding what its imports would give: ``torch``, ``optim``,
``lr_scheduler``/``lrs`` (torch.optim.lr_scheduler), ``math``, ``np``, ``optax``, ``keras``,
``ops`` (keras.ops), ``transformers``, ``timm``; the bare names of the entry's library
(``from torch.optim.lr_scheduler import *``, the ``get_*`` functions of
``transformers.optimization``, ``from timm.scheduler import *``, the schedule functions of
``optax.schedules``); TensorFlow spellings mapped onto Keras 3 (``tf.keras.optimizers.schedules``,
``tf.optimizers.schedules``, ``tf.keras.optimizers.legacy`` -> ``keras.optimizers``) and
``diffusers.optimization`` mapped onto ``transformers.optimization`` (diffusers is not installed;
lrcalc reads these calls as the transformers functions too); ``model``; and, for every dotted key
such as ``args.epochs`` or ``config.TRAIN.WARMUP_LR``, nested ``types.SimpleNamespace`` objects
(so ``create_scheduler(args, optimizer)`` reads ``args.sched`` and timm's own defaults for the
attributes not given, and ``self.x = ...`` has a ``self``).

The curve is recorded with tests/reference/generate.py's conventions (its set-up, versions,
``jax_precision`` and JSON writer are imported from it): torch and transformers ``curve[0]`` is
``param_groups[0]["lr"]`` after construction, then ``optimizer.step(); scheduler.step()`` (or
``scheduler.step(metrics[i-1])``) before each further value; timm ``curve[i]`` is the lr after
``scheduler.step(epoch=i)``, or after ``scheduler.step_update(num_updates=i)`` when the scheduler
has ``t_in_epochs=False`` (Swin, ``step_on_epochs=False``); keras and optax ``float(schedule(i))``.
A library error is data: ``raises_on_construct`` when running the paste raised, ``raises`` with
the step when computing ``curve[k]`` did. Nothing here computes a learning rate itself.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "scheduler_calls.json"
VALUES = HERE / "values.json"
OUT = HERE / "expected.json"


def _load_reference():
    """tests/reference/generate.py as a module (it sets the JAX/Keras environment before importing them)."""
    spec = importlib.util.spec_from_file_location("reference_generate", ROOT / "tests" / "reference" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


REF = _load_reference()

import argparse  # noqa: E402
import ast  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402

TORCHLIKE = ("torch", "transformers", "timm")
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
LIBRARY_ERRORS = (TypeError, ValueError, AssertionError, ZeroDivisionError, KeyError, IndexError)
"""Errors a library raises for bad arguments. Anything else (NameError, ...) is a bug of this script."""


class GeneratorError(RuntimeError):
    pass


def message(error):
    """A library error's text as recorded: no terminal colours, object addresses or this machine's paths."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    return re.sub(r"/\S*/site-packages/", "", text)


# ---------------------------------------------------------------------------------------------
# The libraries' names
# ---------------------------------------------------------------------------------------------


def library_names():
    """Bare names per library (what the snippets' star imports give) and every scheduler's short name."""
    import keras
    import optax
    import torch
    import transformers.optimization as hf

    timm_scheduler = REF.import_timm_scheduler()
    lrs = torch.optim.lr_scheduler
    bare = {
        "torch": {n: getattr(lrs, n) for n in lrs.__all__},
        "transformers": {n: getattr(hf, n) for n in dir(hf) if n.startswith("get_") and "schedule" in n},
        "timm": {n: getattr(timm_scheduler, n) for n in dir(timm_scheduler)
                 if not n.startswith("_") and callable(getattr(timm_scheduler, n))},
        "optax": {n: getattr(optax.schedules, n) for n in dir(optax.schedules)
                  if not n.startswith("_") and inspect.isfunction(getattr(optax.schedules, n))
                  and ("schedule" in n or n.endswith("decay")) and not n.startswith("inject")},
        "keras": {},
    }
    keras_classes = {n for n in dir(keras.optimizers.schedules)
                     if inspect.isclass(getattr(keras.optimizers.schedules, n)) and n != "LearningRateSchedule"}
    torch_classes = {n for n in lrs.__all__ if n != "LRScheduler"} | {"SWALR"}
    schedulers = {}
    for name in torch_classes:
        schedulers[name] = "torch"
    for lib in ("transformers", "timm", "optax"):
        for name in bare[lib]:
            schedulers[name] = lib
    for name in keras_classes:
        schedulers[name] = "keras"
    return bare, schedulers


def optimizer_slot(fn):
    """The positional index of a scheduler function's ``optimizer`` parameter (None if it has none)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return positional.index("optimizer") if "optimizer" in positional else None


# ---------------------------------------------------------------------------------------------
# Rewriting the paste
# ---------------------------------------------------------------------------------------------


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def literal_node(value, torchlike):
    """A Python value as an expression node; {'api': ..., **kwargs} becomes a call of the library's scheduler."""
    if isinstance(value, dict) and isinstance(value.get("api"), str):
        keywords = [ast.keyword(arg="optimizer", value=ast.Name("__optimizer__", ast.Load()))] if torchlike else []
        keywords += [ast.keyword(arg=k, value=literal_node(v, torchlike)) for k, v in value.items() if k != "api"]
        return ast.Call(func=ast.parse(value["api"], mode="eval").body, args=[], keywords=keywords)
    if isinstance(value, dict):
        return ast.Dict(keys=[ast.Constant(k) for k in value], values=[literal_node(v, torchlike) for v in value.values()])
    if isinstance(value, list):
        return ast.List(elts=[literal_node(v, torchlike) for v in value], ctx=ast.Load())
    if isinstance(value, tuple):
        return ast.Tuple(elts=[literal_node(v, torchlike) for v in value], ctx=ast.Load())
    if value is None or isinstance(value, (bool, int, float, str)):
        return ast.Constant(value)
    raise GeneratorError(f"cannot write {value!r} as a literal")


class Substitute(ast.NodeTransformer):
    """Replace every read expression whose source text is a given name by the name's value."""

    def __init__(self, subs, torchlike):
        self.subs = subs
        self.torchlike = torchlike
        self.used = set()

    def visit(self, node):
        if isinstance(node, ast.expr) and not isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
            text = ast.unparse(node)
            if text in self.subs:
                self.used.add(text)
                return ast.copy_location(literal_node(self.subs[text], self.torchlike), node)
        return self.generic_visit(node)


class TopLevelReturn(ast.NodeTransformer):
    """``return X`` outside any function becomes ``__result__ = X``."""

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_Return(self, node):
        value = node.value if node.value is not None else ast.Constant(None)
        return ast.copy_location(ast.Assign(targets=[ast.Name("__result__", ast.Store())], value=value), node)


class Instrument(ast.NodeTransformer):
    """Swap the optimizer argument of torch-like scheduler calls; wrap every scheduler call in __built__()."""

    def __init__(self, schedulers, functions, assigned):
        self.schedulers = schedulers  # short name -> library
        self.functions = functions  # short name -> the real callable (for its signature)
        self.assigned = assigned  # plain names the paste assigns
        self.kept_optimizers = set()
        self.replaced = 0

    def visit_Call(self, node):
        self.generic_visit(node)
        name = dotted(node.func)
        short = name.rsplit(".", 1)[-1] if name else None
        if short not in self.schedulers:
            return node
        if self.schedulers[short] in TORCHLIKE:
            self._swap_optimizer(node, short)
        wrapped = ast.Call(func=ast.Name("__built__", ast.Load()), args=[node], keywords=[])
        return ast.copy_location(wrapped, node)

    def _swap_optimizer(self, node, short):
        def swap(arg):
            if isinstance(arg, ast.Name) and arg.id == "__optimizer__":
                return arg
            if isinstance(arg, ast.Name) and arg.id in self.assigned:
                self.kept_optimizers.add(arg.id)
                return arg
            self.replaced += 1
            return ast.copy_location(ast.Name("__optimizer__", ast.Load()), arg)

        for keyword in node.keywords:
            if keyword.arg == "optimizer":
                keyword.value = swap(keyword.value)
                return
        slot = optimizer_slot(self.functions[short])
        if slot is not None and len(node.args) > slot:
            node.args[slot] = swap(node.args[slot])


def assigned_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def read_names(tree):
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


# ---------------------------------------------------------------------------------------------
# Running one entry
# ---------------------------------------------------------------------------------------------


class Namespaces:
    """Attribute holders for dotted names: args.epochs -> args = SimpleNamespace(epochs=...)."""

    @staticmethod
    def build(values):
        roots = {}
        for key, value in values.items():
            if not DOTTED.match(key):
                continue
            head, *middle, last = key.split(".")
            obj = roots.setdefault(head, types.SimpleNamespace())
            for part in middle:
                if not hasattr(obj, part):
                    setattr(obj, part, types.SimpleNamespace())
                obj = getattr(obj, part)
            setattr(obj, last, value)
        return roots


def base_namespace(library, bare, param):
    import keras
    import numpy as np
    import optax
    import torch
    import transformers
    import transformers.optimization

    ns_ = types.SimpleNamespace
    tf = ns_(
        keras=ns_(optimizers=ns_(schedules=keras.optimizers.schedules, legacy=keras.optimizers)),
        optimizers=ns_(schedules=keras.optimizers.schedules),
    )
    ns = {
        "__builtins__": __builtins__,
        "torch": torch,
        "optim": torch.optim,
        "lr_scheduler": torch.optim.lr_scheduler,
        "lrs": torch.optim.lr_scheduler,
        "math": math,
        "np": np,
        "optax": optax,
        "keras": keras,
        "ops": keras.ops,
        "tf": tf,
        "transformers": transformers,
        "diffusers": ns_(optimization=transformers.optimization),
        "timm": sys.modules["timm"],
        "model": ns_(parameters=lambda: [param]),
        "self": ns_(),
    }
    ns.update(bare[library])
    return ns


def prepare(paste, entry, library, schedulers, functions):
    """The rewritten tree and what the rewriting did."""
    tree = ast.parse(paste)
    subs = {**entry.get("context_values", {}), **entry["values"]}
    torchlike = library in TORCHLIKE
    substitute = Substitute(subs, torchlike)
    tree = substitute.visit(tree)
    tree = TopLevelReturn().visit(tree)
    instrument = Instrument(schedulers, functions, assigned_names(tree))
    tree = instrument.visit(tree)
    ast.fix_missing_locations(tree)
    # Every given name must reach the paste: substituted, or an attribute of an object the paste reads.
    roots = read_names(tree)
    unused = [k for k in subs if k not in substitute.used and not (DOTTED.match(k) and k.split(".")[0] in roots)]
    if unused:
        raise GeneratorError(f"{entry['id']}: values not used by the paste: {unused}")
    if torchlike:
        if entry["lr"] is None and not instrument.kept_optimizers:
            raise GeneratorError(f"{entry['id']}: lr is null but the paste builds no optimizer")
        if entry["lr"] is not None and instrument.kept_optimizers:
            raise GeneratorError(f"{entry['id']}: the paste builds its optimizer ({instrument.kept_optimizers}); lr must be null")
    return tree, subs


def run_entry(entry, corpus_entry, bare, schedulers, functions):
    import torch

    library = corpus_entry["library"]
    paste = (corpus_entry["context"] + "\n" if corpus_entry["context"] else "") + corpus_entry["code"]
    tree, subs = prepare(paste, entry, library, schedulers, functions)

    param = torch.nn.Parameter(torch.zeros(1))
    built = []

    def remember(obj):
        built.append(obj)
        return obj

    ns = base_namespace(library, bare, param)
    ns.update(Namespaces.build(subs))
    ns["__built__"] = remember
    if library in TORCHLIKE and entry["lr"] is not None:
        ns["__optimizer__"] = torch.optim.SGD([param], lr=entry["lr"], momentum=0.9)

    out = {
        "id": entry["id"],
        "library": library,
        "values": entry["values"],
        "lr": entry["lr"],
        "steps": entry["steps"],
        "dtype": "float64",
        "curve": [],
    }
    for key in ("metrics", "context_values"):
        if key in entry:
            out[key] = entry[key]
    code = compile(tree, f"<corpus {entry['id']}>", "exec")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)  # noqa: S102 - the corpus's own verbatim text, rewritten as documented above
    except LIBRARY_ERRORS as e:
        out["raises_on_construct"] = {"type": type(e).__name__, "error": message(e)}
        out["dtype"] = None
        out["steps"] = 0
        return out
    if not built:
        raise GeneratorError(f"{entry['id']}: the paste built no scheduler")
    sched = built[-1]
    if isinstance(sched, tuple):  # create_scheduler / create_scheduler_v2 -> (scheduler, num_epochs)
        out["returns"] = {"num_epochs": sched[1]}
        sched = sched[0]
    made = sched if inspect.isfunction(sched) else type(sched)  # optax schedules are functions
    out["built"] = f"{made.__module__}.{made.__qualname__}"

    kind = kind_of(sched)
    if kind in TORCHLIKE:
        optimizer = sched.optimizer
        if entry["lr"] is not None and optimizer is not ns["__optimizer__"]:
            raise GeneratorError(f"{entry['id']}: the scheduler does not hold the optimizer given")
        out["lr"] = float(optimizer.defaults["lr"])  # the optimizer's own lr (the paste's, where it builds one)
    try:
        if kind == "torch":
            record_torch(sched, entry, out)
        elif kind == "timm":
            out["stepping"] = "epoch" if sched.t_in_epochs else "update"
            record_timm(sched, entry, out)
        else:
            record_jaxlike(sched, entry, out)
    except LIBRARY_ERRORS as e:
        out["raises"] = {"step": len(out["curve"]), "type": type(e).__name__, "error": message(e)}
    for i, v in enumerate(out["curve"]):
        if not math.isfinite(v):
            out["nonfinite"] = {"step": i, "value": repr(v)}
            del out["curve"][i:]
            break
    if "raises" not in out and "nonfinite" not in out and len(out["curve"]) != out["steps"]:
        raise GeneratorError(f"{entry['id']}: {len(out['curve'])} values, {out['steps']} expected")
    if kind in ("keras", "optax") and out["curve"]:
        fn = sched
        out_dtype, f32_ops = REF.jax_precision(fn)
        out["dtype"] = "float32" if out_dtype == "float32" else ("mixed" if f32_ops else "float64")
        if f32_ops:
            out["float32_ops"] = f32_ops
    return out


def kind_of(sched):
    import keras
    import torch

    timm_scheduler = sys.modules["timm.scheduler"]
    if isinstance(sched, timm_scheduler.scheduler.Scheduler):
        return "timm"
    if isinstance(sched, (torch.optim.lr_scheduler.LRScheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)):
        return "torch"
    if isinstance(sched, keras.optimizers.schedules.LearningRateSchedule):
        return "keras"
    if callable(sched):
        return "optax"
    raise GeneratorError(f"unknown scheduler object {sched!r}")


def record_torch(sched, entry, out):
    optimizer = sched.optimizer
    curve = out["curve"]
    curve.append(float(optimizer.param_groups[0]["lr"]))
    if "metrics" in entry:
        for m in entry["metrics"]:
            optimizer.step()
            sched.step(m)
            curve.append(float(optimizer.param_groups[0]["lr"]))
        return
    for _ in range(1, entry["steps"]):
        optimizer.step()
        sched.step()
        curve.append(float(optimizer.param_groups[0]["lr"]))


def record_timm(sched, entry, out):
    optimizer = sched.optimizer
    curve = out["curve"]
    if "metrics" in entry:
        curve.append(float(optimizer.param_groups[0]["lr"]))
        for i, m in enumerate(entry["metrics"], start=1):
            sched.step(epoch=i, metric=m)
            curve.append(float(optimizer.param_groups[0]["lr"]))
        return
    for i in range(entry["steps"]):
        if sched.t_in_epochs:
            sched.step(epoch=i)
        else:
            sched.step_update(num_updates=i)
        curve.append(float(optimizer.param_groups[0]["lr"]))


def record_jaxlike(fn, entry, out):
    for i in range(entry["steps"]):
        out["curve"].append(float(fn(i)))


# ---------------------------------------------------------------------------------------------
# Entries that are not run
# ---------------------------------------------------------------------------------------------


def not_run_reason(corpus_entry):
    """Why an entry of the corpus has no values: Python cannot parse it, or it needs a function of its own."""
    paste = (corpus_entry["context"] + "\n" if corpus_entry["context"] else "") + corpus_entry["code"]
    try:
        tree = ast.parse(paste)
    except SyntaxError as e:
        return {"syntax_error": {"line": e.lineno, "msg": e.msg}}
    calls = [dotted(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call) and dotted(n.func)]
    callables = [c for c in calls if c.rsplit(".", 1)[-1] in ("LambdaLR", "MultiplicativeLR")]
    if callables:
        return {"python_function": callables[-1].rsplit(".", 1)[-1]}
    raise GeneratorError(f"{corpus_entry['id']}: no values and no reason not to run it")


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

NOTES = {
    "conventions": (
        "curve[i] is the learning rate in effect for 0-based step (or epoch) i, recorded as "
        "tests/reference/generate.py does: torch/transformers curve[0] = optimizer.param_groups[0]['lr'] after the "
        "paste ran, then optimizer.step(); scheduler.step() (metric-driven: scheduler.step(metrics[i-1]), "
        "len(curve) == len(metrics) + 1); timm: lr after scheduler.step(epoch=i), or after "
        "scheduler.step_update(num_updates=i) where the scheduler has t_in_epochs=False ('stepping': 'update'); "
        "keras/optax: float(schedule(i))."
    ),
    "values": (
        "values: the name -> value map of values.json (what a user types for each name lrcalc asks for); "
        "context_values: values for names other lines of the paste read that never reach the scheduler."
    ),
    "lr": (
        "torch-like entries: the lr of the optimizer the scheduler holds (optimizer.defaults['lr']): values.json's "
        "lr on a torch.optim.SGD([param], momentum=0.9), or the paste's own optimizer where it builds one. "
        "null for keras/optax."
    ),
    "raises": (
        "'raises_on_construct': {'type', 'error'}: running the paste raised (the constructor), curve == []. "
        "'raises': {'step': k, 'type', 'error'}: computing curve[k] raised, len(curve) == k."
    ),
    "dtype": "As tests/reference: float64, float32 or mixed (keras/optax: float32 intermediates, see float32_ops).",
    "built": "The class (or function) of the scheduler object the paste built, as the library names it.",
    "not_run": (
        "Corpus entries with no values: 'syntax_error' (Python's own parser refuses the text; line and message) "
        "or 'python_function' (LambdaLR/MultiplicativeLR: the lr comes from a function of the script)."
    ),
}


def write(entries, not_run, versions):
    head = {
        "generated_by": "tests/corpus/generate.py",
        "libraries": versions,
        "notes": NOTES,
        "not_run": not_run,
    }
    lines = ["{"]
    for key in ("generated_by", "libraries", "notes", "not_run"):
        block = json.dumps(head[key], sort_keys=True, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        lines.append(f"  {json.dumps(key)}: {block},")
    lines.append('  "entries": [')
    for i, e in enumerate(entries):
        lines.append("    " + REF.dumps(e) + ("," if i < len(entries) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    OUT.write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="regex on entry ids: run those entries and print them, write nothing")
    args = parser.parse_args(argv)

    REF.setup_libraries()
    bare, schedulers = library_names()
    functions = {}
    for lib_names in bare.values():
        functions.update(lib_names)
    import torch

    for name, lib in schedulers.items():
        if lib == "torch":
            functions[name] = getattr(torch.optim.lr_scheduler, name, None) or getattr(torch.optim.swa_utils, name)

    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in corpus}
    values = json.loads(VALUES.read_text(encoding="utf-8"))
    ids = [v["id"] for v in values]
    if len(set(ids)) != len(ids) or not set(ids) <= set(by_id):
        raise SystemExit("values.json: duplicate ids or ids not in the corpus")
    for v in values:
        if "metrics" in v and v["steps"] != len(v["metrics"]) + 1:
            raise SystemExit(f"{v['id']}: steps must be len(metrics) + 1")

    if args.only:
        for v in values:
            if re.search(args.only, v["id"]):
                print(REF.dumps(run_entry(v, by_id[v["id"]], bare, schedulers, functions)))
        return 0

    entries = [run_entry(v, by_id[v["id"]], bare, schedulers, functions) for v in values]
    not_run = {c["id"]: not_run_reason(c) for c in corpus if c["id"] not in set(ids)}
    versions = REF.library_versions()
    write(entries, not_run, versions)

    print(f"wrote {OUT.relative_to(ROOT)}: {len(entries)} entries, {sum(len(e['curve']) for e in entries)} values, "
          f"{len(not_run)} not run")
    print("libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    for lib in ("torch", "transformers", "timm", "optax", "keras"):
        mine = [e for e in entries if e["library"] == lib]
        print(f"  {lib}: {len(mine)} run, {sum(1 for e in mine if e['curve'])} with a curve, "
              f"{sum(1 for e in mine if 'raises_on_construct' in e)} refused at construction, "
              f"{sum(1 for e in mine if 'raises' in e)} raising at a step")
    for e in entries:
        if "raises_on_construct" in e or "raises" in e:
            err = e.get("raises_on_construct") or e["raises"]
            print(f"  {e['id']}: {'step ' + str(e['raises']['step']) if 'raises' in e else 'construct'}: "
                  f"{err['type']}: {err['error']}")
    for i, reason in not_run.items():
        print(f"  not run: {i}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
