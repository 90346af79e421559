"""The ``lrcalc`` command: schedule tables, pasted library calls, exported code and LR range tests.

::

    lrcalc schedule cosine_decay init_value=0.1 steps=100 --steps 120
    lrcalc from-library "StepLR(optimizer, step_size=30)" --lr 0.1 --format csv
    lrcalc schedule one_cycle max_value=0.1 total_steps=1000 --to pytorch
    lrcalc from-config recipe.yaml --dataset-size 52002 --format csv
    lrcalc find lr_finder.json
    lrcalc list torch

Values are lrcalc's (:func:`lrcalc.from_library`), so step ``i`` is what the
library gives at step ``i``. Tables show 4 significant digits (:func:`lrcalc.fmt.lr`);
CSV and JSON give the exact floats. Every error is one line on stderr,
``lrcalc: error: ...``, with exit status 2; notes about the curve (where the
library stops, a library's fallback) go to stderr as ``lrcalc: note: ...``.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from . import configs, export, fmt, span
from .explore import call_text
from .pasting import read_names, role_values
from .training import MAX_STEPS
from .finder import SMOOTHING, analyse
from .forms import FieldError, read_number, read_whole
from .libraries import LIBRARIES, Scheduler, Param, apis, from_library, lookup
from .paste import PasteError, literal, parse_call

DEFAULT_STEPS = 100


class Failure(Exception):
    """An error to report as one line, ``lrcalc: error: <message>``, with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with bad arguments reported on one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"lrcalc: error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 for any error; 130 when interrupted)."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except Failure as failure:
        print(f"lrcalc: error: {failure}", file=sys.stderr)
    except (ValueError, FieldError) as error:  # the libraries' rules, bad literals, unreadable input
        print(f"lrcalc: error: {getattr(error, 'message', None) or error}", file=sys.stderr)
    except BrokenPipeError:  # the reader stopped early (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - a command line shows one line, never a traceback
        print(f"lrcalc: error: unexpected {type(error).__name__}: {error} (please report it)", file=sys.stderr)
    return 2


# ---------------------------------------------------------------- the parser

SCHEDULE_EXAMPLES = """\
arguments are NAME=VALUE, read as Python literals (numbers, lists, True/False, None); choices may be
bare words (mode=triangular2). Defaults are lrcalc's own; `lrcalc list lrcalc` lists the families.

examples:
  lrcalc schedule cosine_decay init_value=0.1 steps=100 end_value=0.001 --steps 120
  lrcalc schedule step_decay init_value=0.01 step_size=30 decay_factor=0.5 --format csv > steps.csv
  lrcalc schedule warmup "schedule=cosine_decay(init_value=0.1, steps=95)" warmup_steps=5 --format json
  lrcalc schedule one_cycle max_value=0.1 total_steps=1000 --to pytorch
"""

FROM_LIBRARY_EXAMPLES = """\
CALL is a scheduler call as written in a training script, read without running it: literals,
arithmetic and the lines above it that define names. A name it uses but does not give
(args.epochs, len(train_loader)) takes its value from --set NAME=VALUE, or --epochs and
--steps-per-epoch for the run's own; with a value missing, the command lists them all and
exits 2. The optimizer argument is skipped; --lr gives its learning rate (or an optimizer
line in the paste). Without --steps, the curve covers the run (--epochs) or the call's own
length (total_steps, T_max, num_training_steps, ...); where they disagree, a warning says
what happens from which step.
Metric-driven schedulers take the metrics in the call: ReduceLROnPlateau(opt, patience=2, metrics=[...]).

examples:
  lrcalc from-library "torch.optim.lr_scheduler.StepLR(step_size=30)" --lr 0.1 --steps 100
  lrcalc from-library "scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)" --steps 1000 --format csv
  lrcalc from-library "optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 1000)" --to keras
  lrcalc from-library "get_cosine_schedule_with_warmup(optimizer, 100, 1000)" --lr 5e-5 --to optax
  lrcalc from-library "CosineAnnealingLR(optimizer, T_max=args.epochs)" --lr 0.1 --set args.epochs=90
  lrcalc from-library "OneCycleLR(optimizer, 0.1, epochs=num_epochs, steps_per_epoch=len(train_loader))" \
      --epochs 30 --steps-per-epoch 391 --format csv
"""

FROM_CONFIG_EXAMPLES = """\
PATH is a training config: YAML or JSON (Hugging Face TrainingArguments keys, as TRL, alignment-handbook
and LLaMA-Factory recipes write them; a torchtune recipe; a DeepSpeed config's scheduler block; a
Lightning CLI config) or a
Python file with a TrainingArguments(...) call; - reads standard input. A DeepSpeed config states no
epochs: its run is total_num_steps, or --steps-per-epoch N steps. The curve is the learning rate of every optimizer step of the run, counted as the
framework counts it: --dataset-size with the config's batch size, gradient accumulation and --devices,
or --steps-per-epoch directly (neither is needed when the config sets max_steps). How the steps were
counted is printed on standard error.

examples:
  lrcalc from-config recipe.yaml --dataset-size 52002 --format csv > lr.csv
  lrcalc from-config args.json --steps-per-epoch 1200 --devices 8
  cat config.yaml | lrcalc from-config - --dataset-size 10000 --format json
"""

FIND_EXAMPLES = """\
FILE is a range test exported by torch-lr-finder, fastai, Lightning or a Keras LR finder (JSON or
CSV), or a CSV with lr and loss columns; - reads standard input.

examples:
  lrcalc find lr_finder_history.json
  lrcalc find recorder.json --num-it 100 --smoothing none
  lrcalc find losses.csv --format json
"""

LIST_EXAMPLES = """\
examples:
  lrcalc list
  lrcalc list lrcalc
  lrcalc list transformers
"""


def _parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="lrcalc",
        description="Learning-rate schedules computed exactly as PyTorch, Keras, optax, Hugging Face and timm do.",
        epilog="examples:\n  lrcalc schedule cosine_decay init_value=0.1 steps=100\n"
               '  lrcalc from-library "StepLR(optimizer, step_size=30)" --lr 0.1 --to keras\n'
               "  lrcalc find lr_finder.json\n  lrcalc list torch\n\n`lrcalc COMMAND --help` shows each command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(title="commands", metavar="COMMAND", required=True)

    schedule = _command(commands, "schedule", "print one of lrcalc's schedule families", SCHEDULE_EXAMPLES, _run_schedule)
    schedule.add_argument("family", metavar="FAMILY", help="the family, such as cosine_decay or warmup_stable_decay")
    schedule.add_argument("arguments", metavar="NAME=VALUE", nargs="*", help="the family's arguments")
    _curve_options(schedule)

    library = _command(commands, "from-library", "evaluate a pasted PyTorch, Keras, optax, transformers or timm call",
                       FROM_LIBRARY_EXAMPLES, _run_from_library)
    library.add_argument("call", metavar="CALL", help="the scheduler call, in quotes")
    library.add_argument("--lr", type=_lr, metavar="LR", help="the optimizer's learning rate (for schedulers that wrap an optimizer)")
    library.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="values",
                         help="a value for a name the call uses but does not give, such as --set args.gamma=0.1 (repeatable)")
    library.add_argument("--epochs", type=_whole("--epochs", 1, MAX_STEPS), metavar="N",
                         help="the run's epochs: names such as args.epochs take it, and the run's length follows from it")
    library.add_argument("--steps-per-epoch", type=_whole("--steps-per-epoch", 1, MAX_STEPS), metavar="N",
                         help="optimizer steps per epoch: names such as len(train_loader) take it")
    _curve_options(library)

    config = _command(commands, "from-config", "the schedule a training config gives, per optimizer step", FROM_CONFIG_EXAMPLES, _run_from_config)
    config.add_argument("path", metavar="PATH", help="the config file (YAML, JSON or Python), or - for standard input")
    config.add_argument("--dataset-size", type=_whole("--dataset-size", 1, 10**12), metavar="N", help="examples in the training set")
    config.add_argument("--steps-per-epoch", type=_whole("--steps-per-epoch", 1, MAX_STEPS), metavar="N",
                        help="optimizer steps per epoch, instead of counting them from --dataset-size")
    config.add_argument("--devices", type=_whole("--devices", 1, 1_000_000), default=1, metavar="N",
                        help="data-parallel processes (GPUs), default 1")
    config.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table (default, 4 significant digits), csv or json (exact values)")

    find = _command(commands, "find", "suggest a learning rate from an LR range test", FIND_EXAMPLES, _run_find)
    find.add_argument("file", metavar="FILE", help="the range test's output (JSON or CSV), or - for standard input")
    find.add_argument("--smoothing", choices=("auto", *SMOOTHING), default="auto",
                      help="auto (default): smooth raw losses with fastai's debiased EMA, keep a tool's smoothed ones")
    find.add_argument("--num-it", type=_whole("--num-it", 1, 10**9), metavar="N", help="the number of iterations of a fastai run")
    find.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")

    listing = _command(commands, "list", "list the schedulers lrcalc knows", LIST_EXAMPLES, _run_list)
    listing.add_argument("library", metavar="LIBRARY", nargs="?", choices=LIBRARIES, help=f"one of {', '.join(LIBRARIES)}")
    return top


def _command(commands, name: str, summary: str, epilog: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".", epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    return parser


def _curve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=_whole("--steps", 1, MAX_STEPS), metavar="N",
                        help=f"how many steps to print, 0 to N-1 (default {DEFAULT_STEPS}, at most {fmt.count(MAX_STEPS)})")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table (default, 4 significant digits), csv or json (exact values)")
    output.add_argument("--to", choices=export.TARGETS, metavar="TARGET",
                        help=f"print code that reproduces the schedule instead: {', '.join(export.TARGETS)}")


def _whole(label: str, low: int, high: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        try:
            return read_whole(label, label, text, low, high)
        except FieldError as error:  # argparse names the option already
            raise argparse.ArgumentTypeError(error.message.removeprefix(label).strip().rstrip(".")) from None

    return read


def _lr(text: str) -> float:
    try:
        value = read_number("lr", "--lr", text, "0.1")
    except FieldError as error:  # argparse names the option already
        raise argparse.ArgumentTypeError(error.message.removeprefix("--lr").strip().rstrip(".")) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (got {text})")
    return value


# ---------------------------------------------------------------- schedule and from-library


def _run_schedule(args: argparse.Namespace) -> int:
    spec = _family(args.family)
    kwargs = _arguments(spec, args.arguments)
    return _output(spec, None, kwargs, args)


def _family(name: str) -> Scheduler:
    """The lrcalc family called ``name`` (``cosine_decay``, ``lrcalc.cosine_decay`` or ``cosine-decay``)."""
    short = name.removeprefix("lrcalc.").replace("-", "_")
    families = [spec.name for spec in apis("lrcalc")]
    if short not in families:
        close = difflib.get_close_matches(short, families, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise Failure(f"unknown family {name!r}{hint} (lrcalc list lrcalc shows them all)")
    return lookup("lrcalc." + short)


def _arguments(spec: Scheduler, pairs: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as the family's keyword arguments."""
    params = {p.name: p for p in spec.params}
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise Failure(f"arguments are NAME=VALUE pairs, such as steps=100 (got {pair!r})")
        if name not in params:
            raise Failure(f"{spec.api} has no argument {name!r}; it takes {', '.join(params)}")
        if name in kwargs:
            raise Failure(f"{name} is given twice")
        kwargs[name] = _value(params[name], text)
    return kwargs


def _value(param: Param, text: str) -> Any:
    """One argument, read as a Python literal by the paste reader; a choice may also be a bare word."""
    where = f"argument {param.name}"
    try:
        return literal(ast.parse(text.strip(), mode="eval").body, where)
    except (SyntaxError, PasteError) as error:
        if param.kind in ("choice", "str") and text.strip() and not any(c in text for c in "()[]{},='\""):
            return text.strip()  # mode=triangular2, decay=1-sqrt
        if param.kind == "bool" and text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        if isinstance(error, SyntaxError):
            raise Failure(f"{where}: {text!r} is not a Python literal ({error.msg})") from None
        raise Failure(str(error) if str(error).startswith(where) else f"{where}: {error}") from None


def _run_from_library(args: argparse.Namespace) -> int:
    typed = _set_values(args.values)
    pasted = parse_call(args.call, typed)
    bound = role_values(pasted.names, typed, args.epochs, args.steps_per_epoch)
    if bound:
        pasted = parse_call(args.call, {**typed, **bound})
    if pasted.missing:
        print(f"lrcalc: missing values: {', '.join(pasted.missing)}", file=sys.stderr)
        for name in (n for n in pasted.names if n.text in pasted.missing):
            option = {"epochs": " or --epochs N", "steps_per_epoch": " or --steps-per-epoch N", "total_steps": " or --epochs N --steps-per-epoch N"}.get(name.role, "")
            print(f"lrcalc:   {name.text}: {name.hint}; give it with --set '{name.text}=VALUE'{option}", file=sys.stderr)
        return 2
    spec = pasted.spec
    lr = args.lr if args.lr is not None else pasted.lr
    if spec.needs_lr and lr is None:
        raise Failure(f"{spec.name} wraps an optimizer: give its learning rate with --lr")
    if not spec.needs_lr and args.lr is not None:
        raise Failure(f"{spec.name} takes no optimizer, so --lr does not apply (its learning rates are among its arguments)")
    lr = lr if spec.needs_lr else None
    spans = span.stated(spec, pasted.kwargs, lr)
    counted = any(n.role in ("steps_per_epoch", "total_steps") for n in pasted.names)
    return _output(spec, lr, pasted.kwargs, args, _run_length(args, spec, spans, counted), spans)


def _run_length(args: argparse.Namespace, spec: Scheduler, spans: span.Spans, counted: bool) -> int:
    """Steps to print: --steps; else the run --epochs gives (in batches where the call counts them); else the call's own length."""
    if args.steps:
        return args.steps
    if args.epochs:
        per_batch = counted or spec.stepping == "step"
        return args.epochs * args.steps_per_epoch if per_batch and args.steps_per_epoch else args.epochs
    return spans.length[0] if spans.length else DEFAULT_STEPS


def _set_values(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set NAME=VALUE`` pairs, each value a Python literal (``90``, ``[30, 60]``, ``'cosine'``)."""
    typed, errors = {}, {}
    for pair in pairs:
        match = re.match(r"^(.*?[^=!<>])=(?!=)(.*)$", pair, re.DOTALL)
        if not match or not match.group(1).strip():
            raise Failure(f"--set takes NAME=VALUE, such as --set args.epochs=90 (got {pair!r})")
        name, text = match.group(1).strip(), match.group(2)
        if name in typed:
            raise Failure(f"--set gives {name} twice")
        typed.update(read_names({name: text}, errors))
        if not text.strip():
            raise Failure(f"--set {name}= has no value")
    if errors:
        raise Failure(next(iter(errors.values())).rstrip("."))
    return typed


def _output(spec: Scheduler, lr: float | None, kwargs: dict[str, Any], args: argparse.Namespace, steps: int | None = None, spans: span.Spans | None = None) -> int:
    """Print the schedule's table, CSV or JSON, or the code for ``--to``; warnings where the call and the run disagree."""
    if args.to:
        if args.steps is not None:
            raise Failure("--steps and --to do not go together: --to prints code, not values")
        print(export.code(spec.api, lr, kwargs, args.to), end="")
        return 0
    schedule = from_library(spec.api, lr=lr, **kwargs)
    steps = steps or args.steps or DEFAULT_STEPS
    if spans is not None:
        for warning in span.warnings(schedule, spans, steps, lambda step: f"step {step:,}", spec.name):
            print(f"lrcalc: warning: {warning}", file=sys.stderr)
    values, notes = _curve(schedule, steps)
    for note in notes:
        print(f"lrcalc: note: {note}", file=sys.stderr)
    document = {"api": spec.api, "call": call_text(spec, lr, kwargs), "lr": lr, "kwargs": kwargs, "steps": len(values), "values": values, "notes": notes}
    return _print_values(values, args.format, document)


def _print_values(values: list[float], form: str, document: dict[str, Any]) -> int:
    """The curve as ``document`` in JSON, a ``step,lr`` CSV with exact values, or a table of 4 significant digits."""
    if form == "json":
        print(json.dumps(document, allow_nan=False, indent=2, default=str))
    elif form == "csv":
        print("step,lr")
        print("\n".join(f"{step},{value!r}" for step, value in enumerate(values)))
    else:
        width = max(len("step"), len(str(len(values) - 1)))
        print(f"{'step':>{width}}  lr")
        print("\n".join(f"{step:>{width}}  {fmt.lr(value)}" for step, value in enumerate(values)))
    return 0


def _curve(schedule: Callable[[int], float], steps: int) -> tuple[list[float], list[str]]:
    """Values for steps 0 to steps - 1, stopping (with a note) where the library raises or leaves the floats."""
    notes = list(getattr(schedule, "notes", ()))
    values: list[float] = []
    for step in range(steps):
        try:
            value = float(schedule(step))
        except ValueError as error:
            notes.append(f"the curve stops before step {step}: {error}")
            break
        if not math.isfinite(value):
            notes.append(f"the curve stops before step {step}, where the value is {value!r}")
            break
        values.append(value)
    if not values:
        raise Failure(notes[-1])
    return values, notes


# ---------------------------------------------------------------- from-config


def _run_from_config(args: argparse.Namespace) -> int:
    text, name = _read_input(args.path)
    run = configs.plan(configs.read_config(text, name or ""), dataset_size=args.dataset_size,
                       steps_per_epoch=args.steps_per_epoch, devices=args.devices)
    print(f"lrcalc: read as a {run.framework} config", file=sys.stderr)
    if run.asked:
        for asked in run.asked:
            option = "--dataset-size N (or --steps-per-epoch N)" if asked.name == "dataset_size" else f"--{asked.name.replace('_', '-')} N"
            print(f"lrcalc: missing value: {asked.label.lower()}: {asked.hint}; give it with {option}", file=sys.stderr)
        return 2
    if run.total_steps > MAX_STEPS:
        raise Failure(f"the run has {fmt.count(run.total_steps)} optimizer steps; lrcalc prints at most {fmt.count(MAX_STEPS)}")
    for line in run.counting:
        print(f"lrcalc: {line}", file=sys.stderr)
    for note in run.notes:
        print(f"lrcalc: note: {note}", file=sys.stderr)
    for warning in run.warnings:
        print(f"lrcalc: warning: {warning}", file=sys.stderr)
    values, notes = _curve(run.schedule(), run.total_steps)
    for note in notes:
        print(f"lrcalc: note: {note}", file=sys.stderr)
    document = {"framework": run.framework, "call": call_text(run.spec, run.lr, run.kwargs), "lr": run.lr, "kwargs": run.kwargs,
                "steps_per_epoch": run.steps_per_epoch, "steps": len(values), "used": run.used, "ignored": run.ignored,
                "defaults": run.defaults, "counting": run.counting, "notes": run.notes + notes, "warnings": run.warnings, "values": values}
    return _print_values(values, args.format, document)


def _read_input(path: str) -> tuple[str, str | None]:
    """A file's text and name, or standard input's (``-``)."""
    if path == "-":
        return sys.stdin.read(), None
    try:
        return Path(path).read_text(encoding="utf-8"), Path(path).name
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None


# ---------------------------------------------------------------- find and list


def _run_find(args: argparse.Namespace) -> int:
    text, name = _read_input(args.file)
    result = analyse(text, name, smoothing=args.smoothing, num_it=args.num_it)
    if not result["ok"]:
        raise Failure(result["error"])
    rules = [{k: row[k] for k in ("rule", "label", "value", "index", "text", "error", "explanation")} for row in result["suggestions"]["rules"]]
    if args.format == "json":
        agreement = {k: v for k, v in result["suggestions"]["agreement"].items() if k != "table"}
        document = {"detected": result["detected"], "tool": result["tool"], "smoothing": result["smoothing"], "notes": result["notes"],
                    "suggestions": rules, "agreement": agreement}
        print(json.dumps(document, allow_nan=False, indent=2))
        return 0
    print(f"Detected: {result['detected']}")
    print(f"Smoothing: {result['smoothing']}")
    for note in result["notes"]:
        print(f"Note: {note}")
    width = max(len(row["label"]) for row in rules)
    print()
    print(f"{'rule':<{width}}  suggested lr")
    for row in rules:
        print(f"{row['label']:<{width}}  {row['text'] if row['value'] is not None else '— ' + (row['error'] or '')}")
    print()
    print(result["suggestions"]["agreement"]["summary"])
    return 0


def _run_list(args: argparse.Namespace) -> int:
    libraries = [args.library] if args.library else list(LIBRARIES)
    blocks = []
    for library in libraries:
        specs = apis(library)
        width = max(len(spec.api) for spec in specs)
        lines = [f"{library} ({len(specs)})"] + [f"  {spec.api:<{width}}  {spec.summary}".rstrip() for spec in specs]
        blocks.append("\n".join(lines))
    print("\n\n".join(blocks))
    return 0
