"""The site's reference: a page for every lrcalc family and every library scheduler, from the registry.

One function per kind of page gives everything its template shows, decided here as everywhere else:
the words, the numbers (what the calculator shows for the scheduler's example arguments, through
:func:`lrcalc.page.view`), the formula (the family's own, from its docstring, and the closed form with
these arguments, from the record), the arguments with their defaults, the conventions, the neighbours in
other libraries, the curve as an SVG path (drawn without JavaScript), the code that builds it and the
calculator link that opens it. Paths are site-relative folders (``schedules/cosine-decay/``); the
build makes every link relative to the page it is on.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .. import fmt
from ..libraries import REQUIRED, Scheduler, apis, lookup
from .catalog import LIBRARY_LABELS
from .state import State

LIBRARIES = {"lrcalc": "lrcalc", **LIBRARY_LABELS}
"""Every library the registry holds, as the pages name them."""

TARGET_OF = {"torch": "pytorch", "keras": "keras", "optax": "optax", "transformers": "transformers", "timm": "pytorch",
             "deepspeed": "deepspeed_config", "mmengine": "mmengine_config", "axolotl": "pytorch", "composer": "pytorch", "lrcalc": "pytorch"}
"""The code box a scheduler's page shows first: its own library's (timm's and lrcalc's run as PyTorch code)."""

FAMILY_OF = {"exponential": "exponential_decay", "step": "step_decay", "multistep": "multistep_decay", "polynomial": "polynomial_decay",
             "cosine": "cosine_decay", "inverse_time": "inverse_time_decay", "warm_restarts": "cosine_restarts", "tanh": "tanh_decay",
             "wsd": "warmup_stable_decay", "plateau": "reduce_on_plateau", "sequential": "join", "chained": "chain"}
"""The libraries' kinds of scheduler (``Scheduler.family``) under the name of lrcalc's family that does the same;
the others already share it (``linear``, ``constant``, ``one_cycle``, ...)."""


@dataclass
class Page:
    """One page of the reference: where it lives, its title and description, what its template shows."""

    path: str
    title: str
    description: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)
    crumbs: list[tuple[str, str]] = field(default_factory=list)  # (label, path) above the title


def slug(name: str) -> str:
    """A URL folder for a name: ``cosine_decay`` -> ``cosine-decay``, ``StepLR`` -> ``steplr``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def path_of(spec: Scheduler) -> str:
    """A scheduler's page: ``schedules/<family>/`` for lrcalc's, ``libraries/<library>/<name>/`` for the others."""
    return f"schedules/{slug(spec.name)}/" if spec.library == "lrcalc" else f"libraries/{spec.library}/{slug(spec.name)}/"


def family_of(spec: Scheduler) -> Scheduler | None:
    """lrcalc's family that does what ``spec`` does (None for a dispatcher or one with no counterpart)."""
    name = FAMILY_OF.get(spec.family, spec.family)
    try:
        family = lookup("lrcalc." + name)
    except ValueError:
        return None
    return family if family.library == "lrcalc" else None


def neighbours(spec: Scheduler) -> list[Scheduler]:
    """The schedulers of other libraries (and lrcalc's family) that do the same thing, in registry order."""
    family = family_of(spec) if spec.library != "lrcalc" else spec
    if family is None:
        return []
    return [other for other in apis() if other is not spec and (other is family or family_of(other) is family) and other.library != spec.library]


# ---------------------------------------------------------------- one scheduler


DEMO_METRICS = [round(0.3 + 0.7 * 0.8 ** epoch, 4) if epoch < 12 else round(0.3 + 0.7 * 0.8 ** 12 + 0.002 * (epoch % 3), 4) for epoch in range(40)]
"""A validation loss that falls for 12 epochs, then stalls: what a scheduler driven by a metric is shown reacting to."""


def state_of(spec: Scheduler) -> State:
    """The calculator's state that opens ``spec`` with its example arguments (and a stalling loss, if it follows one)."""
    args = {"metrics": str(DEMO_METRICS)} if spec.driven_by_metric else {}
    if spec.library == "lrcalc":
        return State(mode="schedule", schedule=spec.api, args=args)
    return State(mode="library", library=spec.library, api=spec.api, args=args)


def over_its_run(spec: Scheduler, state: State, resolved) -> State:
    """The state with the training length the call itself states (``Scheduler.length``), if it states one."""
    from dataclasses import replace

    from ..libraries import bind

    try:
        stated = spec.length(bind(spec, dict(resolved.kwargs))) if spec.length else None
    except (TypeError, ValueError):
        stated = None
    if stated is None or stated[0] == resolved.training.total:
        return state
    per_epoch = resolved.training.stepping == "epoch"
    training = {"epochs": str(stated[0]), "steps_per_epoch": "1"} if per_epoch else {"epochs": "1", "steps_per_epoch": str(stated[0])}
    return replace(state, training={**state.training, **training})


def scheduler_page(spec: Scheduler) -> Page:
    """Everything a scheduler's page shows, with the numbers the calculator gives for its example arguments."""
    from ..explore import answer
    from . import view

    state = state_of(spec)
    _, resolved = answer(state.request())
    if resolved is not None:  # a call that states its run's length is drawn over that run
        state = over_its_run(spec, state, resolved)
        _, resolved = answer(state.request())
    shown = view(state)
    if not shown["ok"]:
        raise ValueError(f"{spec.api}: its example arguments give no curve: {shown['errors']}")
    library = LIBRARIES[spec.library]
    own = spec.library == "lrcalc"
    title = f"{spec.shown}: lrcalc's schedule family" if own else f"{spec.name} ({library}): formula, arguments and curve"
    target = TARGET_OF[spec.library]
    codes = [{"target": name, "label": CODE_LABELS[name], **answer_} for name, answer_ in shown["code"].items()]
    codes.sort(key=lambda item: item["target"] != target)
    data = {
        "spec": spec,
        "library": library,
        "heading": spec.shown if own else f"{library}: {spec.name}",
        "summary": spec.summary,
        "formula": family_formula(spec if own else family_of(spec)),
        "family": family_of(spec) if not own else None,
        "closed": closed_formula(spec, resolved.lr, dict(resolved.kwargs)),
        "call": shown["call"],
        "arguments": argument_rows(spec, shown["arguments"]),
        "notes": [*spec.notes, *shown["notes"]],
        "stepping": shown["field_notes"].get("training.stepping", ""),
        "summary_text": shown["summary_text"],
        "results": shown["summary"],
        "chart": curve(shown["chart"], spec.shown),
        "codes": codes,
        "link": shown["link"],
        "neighbours": [(f"{LIBRARIES[other.library]}: {other.shown}", path_of(other)) for other in neighbours(spec)],
        "fragment": spec.name if own else None,
    }
    description = f"{spec.summary} {'lrcalc family' if own else library + ' scheduler'} {spec.shown}: formula, arguments and defaults, conventions, curve and code."
    crumbs = [("Schedules", "schedules/")] if own else [("Libraries", "libraries/"), (library, f"libraries/{spec.library}/")]
    return Page(path_of(spec), title, _short(description), "reference.html", data, crumbs)


CODE_LABELS = {"pytorch": "PyTorch", "keras": "Keras", "optax": "optax", "transformers": "Hugging Face transformers",
               "trainer_config": "Hugging Face Trainer config (YAML)", "torchtune_config": "torchtune recipe (YAML)",
               "deepspeed_config": "DeepSpeed config (JSON)", "mmengine_config": "OpenMMLab config (Python)"}
"""The code box's targets, as its menu names them."""


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def family_formula(family: Scheduler | None) -> str | None:
    """The family's formula in LaTeX, from its factory's docstring (``.. math::``), or None."""
    if family is None:
        return None
    from .. import schedules

    build = getattr(schedules, family.name, None) or family.build
    doc = inspect.getdoc(build) or ""
    found = re.search(r"\.\. math::\s*(.+?)(?:\n\s*\n|\Z)", doc, re.S)
    return " ".join(found.group(1).split()) if found else None


def closed_formula(spec: Scheduler, lr: float | None, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The closed form with these arguments, in LaTeX (with its named parts), or None where there is none."""
    from ..export.expr import STEP, Body, Unavailable, closed_at, latex

    body = Body()
    try:
        value = closed_at(body, STEP, spec.api, lr, kwargs)
    except (Unavailable, ValueError):
        return None
    return {"latex": latex(value), "parts": [(name, latex(part)) for name, part in body.lines]}


def argument_rows(spec: Scheduler, given: dict[str, str]) -> list[dict[str, str]]:
    """Each argument: its name, its default (or "required"), what the example sets, and what it is."""
    from ..explore import format_value

    rows = []
    for param in spec.params:
        if param.kind == "metrics":  # the values passed to step(), not an argument
            continue
        default = "required" if param.default is REQUIRED else format_value(param.default)
        rows.append({"name": param.name, "default": default, "example": given.get(param.name, ""), "doc": param.doc})
    return rows


# ---------------------------------------------------------------- the curve, drawn without JavaScript

WIDTH, HEIGHT, PAD = 640, 240, 64


def curve(chart: dict[str, Any], label: str) -> dict[str, Any]:
    """The calculator's chart data as an SVG polyline in a 640×240 box, with its axes' ends labelled."""
    xs, ys = chart["x"], chart["y"]
    points = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y)]
    low, high = min(y for _, y in points), max(y for _, y in points)
    first, last = xs[0], xs[-1]
    span_x, span_y = (last - first) or 1, (high - low) or (abs(high) or 1.0)
    bottom = low if high > low else low - span_y / 2

    def at(x: float, y: float) -> str:
        px = PAD + (x - first) / span_x * (WIDTH - PAD - 8)
        py = HEIGHT - 24 - (y - bottom) / span_y * (HEIGHT - 40)
        return f"{px:.1f},{py:.1f}"

    marker = chart.get("marker")
    mark = None
    if marker is not None and 0 <= marker < len(xs) and ys[marker] is not None and math.isfinite(ys[marker]):
        mx, my = at(xs[marker], ys[marker]).split(",")
        mark = {"x": mx, "y": my}
    return {
        "width": WIDTH, "height": HEIGHT, "points": " ".join(at(x, y) for x, y in points), "marker": mark,
        "x_label": chart["x_label"], "y_label": chart["y_label"],
        "x_first": fmt.count(first), "x_last": fmt.count(last), "y_low": fmt.lr(low), "y_high": fmt.lr(high),
        "y_range": f"{bottom!r} {bottom + span_y!r}",  # the drawn y axis, as the interactive chart records its own
        "left": PAD, "right": WIDTH - 8, "top": 16, "bottom": HEIGHT - 24,
        "alt": f"The learning rate of {label} from {chart['x_label'].lower()} {fmt.count(first)} to {fmt.count(last)}: between {fmt.lr(low)} and {fmt.lr(high)}.",
    }


# ---------------------------------------------------------------- lists


def library_page(library: str) -> Page:
    """A library's page: its schedulers, each with its summary."""
    name = LIBRARIES[library]
    rows = [(spec.shown, spec.summary, path_of(spec)) for spec in apis(library)]
    description = _short(f"Every {name} learning-rate scheduler lrcalc reproduces exactly ({len(rows)}), with formulas, defaults, curves and code.")
    return Page(f"libraries/{library}/", f"{name} learning-rate schedulers", description, "list.html",
                {"heading": f"{name} schedulers", "intro": LIBRARY_INTROS.get(library, ""), "rows": rows}, [("Libraries", "libraries/")])


LIBRARY_INTROS = {
    "torch": "torch.optim.lr_scheduler's schedulers, replayed step by step as PyTorch updates the optimizer's learning rate.",
    "keras": "keras.optimizers.schedules: functions of the optimizer's iteration count, called once per batch.",
    "optax": "optax's schedules: functions of the update count, which optax's optimizers call once per update.",
    "transformers": "transformers.optimization: LambdaLR factories (and get_scheduler), stepped after every optimizer step by the Trainer.",
    "timm": "timm.scheduler: schedulers stepped with the epoch (or the update count), with their warmup and noise options.",
    "deepspeed": "deepspeed.runtime.lr_schedules: the five schedulers a DeepSpeed config's scheduler block names.",
    "mmengine": "OpenMMLab's mmengine: the Runner stepping a config's param_scheduler list, each scheduler in its window.",
    "axolotl": "axolotl.utils.schedulers: the schedules axolotl's Trainer builds instead of Hugging Face's for some config keys.",
    "composer": "composer.optim: multipliers of the lr computed from the Trainer's timestamp, with times in batches, epochs, samples, tokens or fractions of the run.",
}


def index_pages() -> list[Page]:
    """The two lists: every family (grouped as the calculator groups them) and every library."""
    from ..libraries.native import GROUPS

    groups = [(group, [(lookup("lrcalc." + name).shown, lookup("lrcalc." + name).summary, path_of(lookup("lrcalc." + name))) for name in names])
              for group, names in GROUPS.items()]
    families = Page("schedules/", "Learning-rate schedule families: formulas and curves",
                    "Every learning-rate schedule family lrcalc computes, from exponential and step decay to cosine, one-cycle and warmup-stable-decay, with formulas and curves.",
                    "list.html", {"heading": "Schedule families", "intro": FAMILIES_INTRO, "groups": groups})
    libraries = [(LIBRARIES[name], f"{len(apis(name))} schedulers. {LIBRARY_INTROS[name]}", f"libraries/{name}/") for name in LIBRARY_LABELS]
    return [families, Page("libraries/", "Learning-rate schedulers of PyTorch, Keras, optax, transformers, timm, DeepSpeed and mmengine",
                           "The learning-rate schedulers of seven libraries, each reproduced exactly by lrcalc: formulas, defaults, conventions, curves and code.",
                           "list.html", {"heading": "Libraries", "intro": LIBRARIES_INTRO, "rows": libraries})]


FAMILIES_INTRO = ("lrcalc's own schedule families: each a plain function of the step with one convention, written down "
                  "(0-based steps, absolute floors, warmup inside the total). Each page shows the formula, the arguments, "
                  "a curve, the libraries' schedulers that do the same and how they differ.")
LIBRARIES_INTRO = ("Each library's schedulers, computed as the library computes them, conventions included, and checked "
                   "against curves recorded by running the library itself.")


def pages() -> list[Page]:
    """Every reference page: the lists, each library, each scheduler and family."""
    return [*index_pages(), *(library_page(name) for name in LIBRARY_LABELS), *(scheduler_page(spec) for spec in apis())]
