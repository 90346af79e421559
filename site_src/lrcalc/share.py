"""The page's state in its address, read defensively.

The page writes every input into the query string (``?initial_lr=0.01&...``)
so that a link restores the same inputs. :func:`read_query` reads such a
string back into plain state, and ignores, with a note the page shows,
anything it does not expect: unknown parameters, repeated ones, overlong
values and malformed comparison lists. Values are returned as text for the
form's fields, which validate them like anything typed; nothing is evaluated
and the page only ever sets them with ``.value`` and ``textContent``.

Parameters: the classic fields by name (``schedule``, ``initial_lr``, ...);
``mode``; ``library``, ``api``, ``lr`` and ``paste``; ``a.<argument>`` and
``t.<training field>`` for the explorer; ``log`` (``1`` for a log scale);
``theme``; ``cmp``, a JSON list of up to 3 more states to compare.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from .calculator import FIELDS
from .explore import TRAINING_FIELDS

MAX_VALUE = 2_000
"""Longer values are ignored (a pasted call may use up to MAX_PASTE)."""
MAX_PASTE = 10_000
MAX_COMPARE = 3
"""Schedules besides the current one: four on the chart at most."""

_MODES = ("schedule", "library", "paste")
_ARGUMENT = re.compile(r"^a\.([A-Za-z_][A-Za-z0-9_]{0,40})$")
_TRAINING = {field["name"] for field in TRAINING_FIELDS}


def _shown(name: str) -> str:
    """A parameter name as quoted in a note: printable and short."""
    clean = "".join(ch for ch in name if ch.isprintable())
    return clean if len(clean) <= 30 else clean[:29] + "…"


def read_query(query: str) -> dict:
    """The state a link describes, and notes on what was ignored.

    >>> read_query("?initial_lr=0.02&bogus=1&initial_lr=3")["state"]["classic"]
    {'initial_lr': '0.02'}
    >>> read_query("?initial_lr=0.02&bogus=1&initial_lr=3")["notes"]
    ['Ignored a parameter the page does not use: bogus.', 'Ignored repeated parameters (the first value is used): initial_lr.']
    """
    pairs = parse_qsl(str(query).lstrip("?"), keep_blank_values=True)
    state: dict = {"classic": {}, "explore": {"args": {}, "training": {}}, "compare": []}
    unknown, repeated, long_values, bad = [], [], [], []
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen:
            repeated.append(name)
            continue
        seen.add(name)
        limit = MAX_PASTE if name in ("paste", "cmp") else MAX_VALUE
        if len(value) > limit:
            long_values.append(name)
            continue
        if name in FIELDS:
            state["classic"][name] = value
        elif name in ("library", "api", "lr", "paste"):
            state["explore"][name] = value
        elif name.startswith("t.") and name[2:] in _TRAINING:
            state["explore"]["training"][name[2:]] = value
        elif _ARGUMENT.match(name):
            state["explore"]["args"][name[2:]] = value
        elif name == "mode":
            if value in _MODES:
                state["mode"] = value
            else:
                bad.append(name)
        elif name == "log":
            state["log"] = value == "1"
        elif name == "theme":
            if value in ("light", "dark", "system"):
                state["theme"] = value
            else:
                bad.append(name)
        elif name == "cmp":
            compared = _read_compare(value)
            if compared is None:
                bad.append(name)
            else:
                state["compare"] = compared
        else:
            unknown.append(name)
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
    return {"state": state, "notes": notes}


def _read_compare(text: str) -> list[dict] | None:
    """A JSON list of saved states ({"kind": "classic"|"explore", "inputs"/"request", "label"}), or None."""
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list) or len(items) > MAX_COMPARE:
        return None
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("kind") not in ("classic", "explore"):
            return None
        body = item.get("inputs" if item["kind"] == "classic" else "request")
        if not isinstance(body, dict) or len(json.dumps(body)) > MAX_PASTE:
            return None
        out.append({"kind": item["kind"], "inputs" if item["kind"] == "classic" else "request": body})
    return out
