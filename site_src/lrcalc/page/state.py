"""The calculator's state as a value, and its link, in both directions.

:class:`State` is everything the user set, as typed: the mode, the schedule or
scheduler and its arguments, the pasted call, the training length, the log
scale and the schedules saved for comparison. The page sends it whole with
every request (:meth:`State.from_page`), and gets it back inside each view, so
any sequence of edits can be replayed from the states alone.

The link is the state in the address. :meth:`State.query` writes it (only
what differs from the defaults) and :func:`read_query` reads it back,
defensively: unknown, repeated, overlong or malformed parameters are ignored
with a note the page shows; values stay text, validated like anything typed,
and are never evaluated.

Parameters: the classic fields by name (``schedule``, ``initial_lr``, ...);
``mode``; ``library``, ``api``, ``lr``, ``paste`` and ``config``; ``r.<name>``
for what a training config cannot say (``r.dataset_size=52002``); ``n.<name>`` for each
value typed for a name the pasted call uses (``n.args.epochs=90``); ``a.<argument>`` for
each argument that differs from what the scheduler opens with (its example,
or empty), so ``a.step_size=`` is an emptied argument; ``t.<training field>``;
``log=1``; ``cmp``, a JSON list of up to three more states, each written as
its own query string.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

from ..calculator import DEFAULTS as CLASSIC_DEFAULTS
from ..calculator import FIELDS, KINDS
from ..configuring import RUN_DEFAULTS
from ..training import TRAINING_FIELDS
from .catalog import LIBRARY_LABELS

MODES = ("schedule", "library", "paste", "config")
MAX_VALUE = 2_000
"""Longer values are ignored (a pasted call may use up to MAX_PASTE)."""
MAX_PASTE = 10_000
MAX_CONFIG = 20_000
"""A training config in a link, at most (a recipe is a page of YAML)."""
MAX_COMPARE = 3
"""Schedules saved beside the current one: four on the chart at most."""
MAX_NAMES = 40
"""Values typed for a pasted call's names, at most (longer names than MAX_NAME characters are ignored)."""
MAX_NAME = 200
DEFAULT_PASTE = "OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)"
DEFAULT_LR = "0.1"
DEFAULT_CONFIG = """\
# Hugging Face TrainingArguments, as TRL, alignment-handbook and LLaMA-Factory recipes write them
learning_rate: 2.0e-05
lr_scheduler_type: cosine
warmup_steps: 0.1
num_train_epochs: 3
per_device_train_batch_size: 8
gradient_accumulation_steps: 4
"""
ONE_CYCLE = "lrcalc.one_cycle"
"""The family a finder's suggestion can become the max LR of."""

CLASSIC_NAMES = tuple(name for name in FIELDS if name != "schedule")
TRAINING_DEFAULTS: dict[str, str] = {f["name"]: f["default"] for f in TRAINING_FIELDS}
_ARGUMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


def _text(value: Any, limit: int = MAX_VALUE) -> str:
    """A value from the page as bounded text."""
    return str("" if value is None else value)[:limit]


@dataclass(frozen=True)
class State:
    """Everything the user set on the calculator, as typed."""

    mode: str = "schedule"
    schedule: str = CLASSIC_DEFAULTS["schedule"]  # a classic kind, or an lrcalc family's api
    classic: Mapping[str, str] = field(default_factory=lambda: {n: CLASSIC_DEFAULTS[n] for n in CLASSIC_NAMES})
    library: str = "torch"
    api: str = ""  # the library mode's scheduler
    lr: str = DEFAULT_LR
    paste: str = DEFAULT_PASTE
    config: str = DEFAULT_CONFIG  # a training config's text (Config mode)
    run: Mapping[str, str] = field(default_factory=lambda: dict(RUN_DEFAULTS))  # what the config cannot say, as typed
    names: Mapping[str, str] = field(default_factory=dict)  # values typed for the pasted call's names, by name as written
    args: Mapping[str, str] = field(default_factory=dict)
    training: Mapping[str, str] = field(default_factory=lambda: dict(TRAINING_DEFAULTS))
    was: Mapping[str, str] = field(default_factory=dict)  # stepping, unit and paste before the user changed them (not in the link)
    log: bool = False
    compare: tuple["State", ...] = ()

    @property
    def classic_mode(self) -> bool:
        """Whether the classic epoch calculator answers (one of its three schedules in schedule mode)."""
        return self.mode == "schedule" and self.schedule in KINDS

    def classic_inputs(self) -> dict[str, str]:
        """The classic calculator's form."""
        return {**self.classic, "schedule": self.schedule}

    def request(self) -> dict[str, Any]:
        """The explorer's request for a family, library scheduler or pasted call."""
        if self.mode == "config":
            return {"mode": "config", "config": self.config, "run": dict(self.run)}
        training = {**self.training, **{f"{name}_was": value for name, value in self.was.items() if name != "paste"}}
        if self.mode == "paste":
            request = {"mode": "paste", "paste": self.paste, "names": dict(self.names), "lr": self.lr, "training": training}
            return request | ({"paste_was": self.was["paste"]} if "paste" in self.was else {})
        api = self.scheduler_api
        args = {**_examples(api), **self.args}
        return {"mode": "family" if self.mode == "schedule" else "library", "api": api, "lr": self.lr, "args": args, "training": training}

    @property
    def scheduler_api(self) -> str:
        """The family or library scheduler chosen in the schedule or library mode."""
        return self.schedule if self.mode == "schedule" else self.api or _first_api(self.library)

    def alone(self) -> "State":
        """This state without its saved comparisons."""
        return replace(self, compare=())

    def using_learning_rate(self, text: str, target: str) -> "State":
        """This state with a learning rate carried in from the finder or the batch-size helper.

        ``target`` is ``"initial"`` (the classic calculator's initial LR: the
        exponential decay unless a classic schedule is open) or ``"one_cycle"``
        (the max LR of lrcalc's one-cycle family, its other arguments as it opens).
        """
        if target == "one_cycle":
            return replace(self, mode="schedule", schedule=ONE_CYCLE, args={"max_value": _text(text)})
        if target != "initial":
            raise ValueError(f"target must be 'initial' or 'one_cycle' (got {target!r})")
        schedule = self.schedule if self.classic_mode else CLASSIC_DEFAULTS["schedule"]
        return replace(self, mode="schedule", schedule=schedule, classic={**self.classic, "initial_lr": _text(text)})

    def query(self) -> str:
        """The link's query string (without ``?``): what differs from the defaults."""
        params: list[tuple[str, str]] = []
        if self.mode != "schedule":
            params.append(("mode", self.mode))
        if self.classic_mode:
            if self.schedule != CLASSIC_DEFAULTS["schedule"]:
                params.append(("schedule", self.schedule))
            params += [(name, self.classic[name]) for name in CLASSIC_NAMES if self.classic.get(name, "") != CLASSIC_DEFAULTS[name]]
        else:
            if self.mode == "config":
                if self.config != DEFAULT_CONFIG:
                    params.append(("config", self.config))
                params += [(f"r.{name}", value) for name, value in self.run.items() if value != RUN_DEFAULTS[name]]
            elif self.mode == "schedule":
                params.append(("schedule", self.schedule))
            elif self.mode == "library":
                params += [("library", self.library), ("api", self.api or _first_api(self.library))]
            else:
                params.append(("paste", self.paste))
                used = _names_used(self.paste)
                params += [(f"n.{name}", value) for name, value in self.names.items() if value.strip() and name in used]
            if self.mode != "config":
                if self.lr != DEFAULT_LR:
                    params.append(("lr", self.lr))
                if self.mode != "paste":
                    examples = _examples(self.scheduler_api)
                    params += [(f"a.{name}", value) for name, value in self.args.items() if value != examples.get(name, "")]
                params += [(f"t.{name}", value) for name, value in self.training.items() if value != TRAINING_DEFAULTS.get(name)]
        if self.log:
            params.append(("log", "1"))
        if self.compare:
            params.append(("cmp", json.dumps([item.query() for item in self.compare], separators=(",", ":"))))
        return urlencode(params)

    def to_page(self) -> dict[str, Any]:
        """The state as the page's JSON (the shape :meth:`from_page` reads)."""
        return {
            "mode": self.mode,
            "schedule": self.schedule,
            "classic": dict(self.classic),
            "library": self.library,
            "api": self.api,
            "lr": self.lr,
            "paste": self.paste,
            "config": self.config,
            "run": dict(self.run),
            "names": dict(self.names),
            "args": dict(self.args),
            "training": dict(self.training),
            "was": dict(self.was),
            "log": self.log,
            "compare": [item.to_page() for item in self.compare],
        }

    @classmethod
    def from_page(cls, raw: Any, nested: bool = False) -> "State":
        """The state the page sent, read defensively: unknown keys dropped, text bounded."""
        raw = raw if isinstance(raw, Mapping) else {}
        classic = raw.get("classic") if isinstance(raw.get("classic"), Mapping) else {}
        args = raw.get("args") if isinstance(raw.get("args"), Mapping) else {}
        training = raw.get("training") if isinstance(raw.get("training"), Mapping) else {}
        names = raw.get("names") if isinstance(raw.get("names"), Mapping) else {}
        run = raw.get("run") if isinstance(raw.get("run"), Mapping) else {}
        compare = raw.get("compare") if isinstance(raw.get("compare"), list) and not nested else []
        mode = _text(raw.get("mode"))
        return cls(
            mode=mode if mode in MODES else "schedule",
            schedule=_text(raw.get("schedule")) or CLASSIC_DEFAULTS["schedule"],
            classic={name: _text(classic.get(name, CLASSIC_DEFAULTS[name])) for name in CLASSIC_NAMES},
            library=_text(raw.get("library")) or "torch",
            api=_text(raw.get("api")),
            lr=_text(raw.get("lr", DEFAULT_LR)),
            paste=_text(raw.get("paste", DEFAULT_PASTE), MAX_PASTE),
            config=_text(raw.get("config", DEFAULT_CONFIG), MAX_CONFIG),
            run={name: _text(run.get(name, default)) for name, default in RUN_DEFAULTS.items()},
            names={_text(k): _text(v) for k, v in list(names.items())[:MAX_NAMES] if 0 < len(str(k)) <= MAX_NAME},
            args={_text(k): _text(v) for k, v in list(args.items())[:60] if _ARGUMENT.match(str(k))},
            training={name: _text(training.get(name, default)) for name, default in TRAINING_DEFAULTS.items()},
            was={name: _text(value, MAX_PASTE) for name, value in (raw.get("was") or {}).items() if name in ("stepping", "unit", "paste")} if isinstance(raw.get("was"), Mapping) else {},
            log=raw.get("log") is True,
            compare=tuple(cls.from_page(item, nested=True) for item in compare[:MAX_COMPARE]),
        )


def _examples(api: str) -> dict[str, str]:
    """The argument texts a scheduler opens with on the page (its examples); absent from a link means these."""
    from ..libraries import lookup

    try:
        spec = lookup(api)
    except ValueError:
        return {}
    return {param.name: param.example for param in spec.params if param.example}


def _names_used(paste: str) -> set[str]:
    """The names a pasted call uses (the link keeps the values of these only)."""
    from ..paste import PasteError, parse_call

    try:
        return {name.text for name in parse_call(paste).names}
    except PasteError:
        return set()


def _first_api(library: str) -> str:
    """The first scheduler the page lists for a library."""
    from ..libraries import apis

    found = [spec.api for spec in apis(library)] if library in LIBRARY_LABELS else []
    return found[0] if found else ""


def _shown(name: str) -> str:
    """A parameter name as quoted in a note: printable and short."""
    clean = "".join(ch for ch in name if ch.isprintable())
    return clean if len(clean) <= 30 else clean[:29] + "…"


def read_query(query: str, nested: bool = False) -> tuple[State, list[str]]:
    """The state a link describes, and notes on what was ignored.

    >>> state, notes = read_query("?initial_lr=0.02&bogus=1&initial_lr=3")
    >>> state.classic["initial_lr"], notes
    ('0.02', ['Ignored a parameter the page does not use: bogus.', 'Ignored repeated parameters (the first value is used): initial_lr.'])
    """
    values: dict[str, Any] = {"classic": {}, "args": {}, "training": {}, "names": {}, "run": {}}
    unknown, repeated, long_values, bad = [], [], [], []
    seen: set[str] = set()
    for name, value in parse_qsl(str(query).lstrip("?"), keep_blank_values=True):
        if name in seen:
            repeated.append(name)
            continue
        seen.add(name)
        if len(value) > (MAX_CONFIG if name == "config" else MAX_PASTE if name in ("paste", "cmp") else MAX_VALUE):
            long_values.append(name)
        elif not _read_parameter(name, value, values, nested):
            (bad if name in ("mode", "cmp", "theme", "log") else unknown).append(name)
    state = State(
        mode=values.get("mode", "schedule"),
        schedule=values["classic"].pop("schedule", CLASSIC_DEFAULTS["schedule"]),
        classic={name: values["classic"].get(name, CLASSIC_DEFAULTS[name]) for name in CLASSIC_NAMES},
        library=values.get("library", "torch"),
        api=values.get("api", ""),
        lr=values.get("lr", DEFAULT_LR),
        paste=values.get("paste", DEFAULT_PASTE),
        config=values.get("config", DEFAULT_CONFIG),
        run={**RUN_DEFAULTS, **values["run"]},
        names=values["names"],
        args=values["args"],
        training={**TRAINING_DEFAULTS, **values["training"]},
        log=values.get("log", False),
        compare=tuple(values.get("cmp", ())),
    )
    return state, _notes(unknown, repeated, long_values, bad)


def _read_parameter(name: str, value: str, values: dict[str, Any], nested: bool) -> bool:
    """Put one link parameter into ``values``; False if the page cannot use it."""
    if name in FIELDS:
        values["classic"][name] = value
    elif name in ("library", "api", "lr", "paste", "config"):
        values[name] = value
    elif name.startswith("r.") and name[2:] in RUN_DEFAULTS:
        values["run"][name[2:]] = value
    elif name.startswith("t.") and name[2:] in TRAINING_DEFAULTS:
        values["training"][name[2:]] = value
    elif name.startswith("a.") and _ARGUMENT.match(name[2:]):
        values["args"][name[2:]] = value
    elif name.startswith("n.") and 0 < len(name) - 2 <= MAX_NAME and len(values["names"]) < MAX_NAMES:
        values["names"][name[2:]] = value
    elif name == "mode" and value in MODES:
        values["mode"] = value
    elif name == "log" and value in ("0", "1"):
        values["log"] = value == "1"
    elif name == "theme" and value in ("light", "dark", "system"):
        values["theme"] = value  # the page's theme picker reads its own storage; accepted for old links
    elif name == "cmp" and not nested:
        compared = _read_compare(value)
        if compared is None:
            return False
        values["cmp"] = compared
    else:
        return False
    return True


def _read_compare(text: str) -> list[State] | None:
    """``cmp``: a JSON list of query strings, or of the older ``{"kind", "inputs"|"request"}`` items."""
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list) or len(items) > MAX_COMPARE:
        return None
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(read_query(item, nested=True)[0])
        elif isinstance(item, dict) and item.get("kind") in ("classic", "explore"):
            out.append(_from_old_item(item))
        else:
            return None
    return out


def _from_old_item(item: dict) -> State:
    """A comparison saved by an earlier version of the page, as a state."""
    body = item.get("inputs" if item["kind"] == "classic" else "request")
    body = body if isinstance(body, dict) else {}
    if item["kind"] == "classic":
        return State.from_page({"mode": "schedule", "schedule": body.get("schedule", "exponential"), "classic": body}, nested=True)
    mode = {"family": "schedule", "library": "library", "paste": "paste"}.get(body.get("mode"), "library")
    api = _text(body.get("api"))
    raw = {**body, "mode": mode, "schedule": api, "api": api, "library": api.split(".", 1)[0]}
    return State.from_page(raw, nested=True)


def _notes(unknown: list[str], repeated: list[str], long_values: list[str], bad: list[str]) -> list[str]:
    """What the page says about the parts of a link it ignored."""
    notes = []
    if unknown:
        words = ", ".join(_shown(n) for n in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        notes.append(f"Ignored {'a parameter' if len(unknown) == 1 else 'parameters'} the page does not use: {words}.")
    if repeated:
        notes.append(f"Ignored repeated parameters (the first value is used): {', '.join(sorted({_shown(n) for n in repeated}))}.")
    if long_values:
        notes.append(f"Ignored overlong values (over {MAX_VALUE:,} characters): {', '.join(_shown(n) for n in long_values)}.")
    if bad:
        notes.append(f"Ignored values the page cannot read: {', '.join(_shown(n) for n in bad)}.")
    return notes
