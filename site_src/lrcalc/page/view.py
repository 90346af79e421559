"""What the page shows for a state: one call, one answer.

:func:`view` takes a :class:`~lrcalc.page.state.State` and returns everything
the page shows for it, computed together so that nothing can disagree: the
results (or the field errors), the chart, the comparison, the code export, the
steps, the link of exactly this state and the text Copy results puts on the
clipboard, which quotes that link. Where the answer changes what the user
typed (a position converted between steps and epochs), ``state`` is the state
as the page must now show it, and the link is that state's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import compare, export
from ..calculator import calculate, read_form
from ..configs import config_blocks
from ..explore import answer
from .state import State


def view(state: State, page_url: str = "") -> dict[str, Any]:
    """Everything the page shows for ``state``; ``page_url`` is the page's address without a query.

    >>> out = view(State(classic={**State().classic, "current_epoch": "75"}), "https://example.org/lr/")
    >>> out["results"][0]["text"], out["url"]
    ('0.0002134', 'https://example.org/lr/?current_epoch=75')
    >>> out["copy_text"].splitlines()[-1]
    'Calculated with https://example.org/lr/?current_epoch=75'
    """
    if state.classic_mode:
        body = calculate(state.classic_inputs())
        body["kind"] = "classic"
        if body["ok"]:
            body["code"] = classic_code(state.classic_inputs())
    else:
        body, resolved = answer(state.request())
        body["kind"] = "explore"
        if body["ok"]:
            body["code"] = export.all_code(resolved.spec.api, resolved.lr, dict(resolved.kwargs))
            body["code"].update(config_blocks(resolved.spec.api, resolved.lr, dict(resolved.kwargs), resolved.training.stepping))
            state = _rewritten(state, body.get("rewrites", {}))
    query = state.query()
    body["link"] = f"?{query}" if query else ""
    body["url"] = page_url + body["link"]
    if body["ok"]:
        body["copy_text"] += f"\nCalculated with {body['url']}\n" if page_url else ""
        if state.compare:
            body["compare"] = compare.compare([state.alone(), *state.compare])
    elif state.compare:  # the saved schedules stay listed, each with its Remove button
        body["compare"] = {"ok": False, "entries": compare.entries([state.alone(), *state.compare], current_ok=False)}
    body["log"] = state.log and body["ok"] and body["chart"]["log_ok"]
    body["state"] = state.to_page()
    return body


def _rewritten(state: State, rewrites: dict[str, str]) -> State:
    """The state with the field texts the answer replaced (a converted position), in its new unit."""
    training = dict(state.training)
    for key, text in rewrites.items():
        training[key.removeprefix("training.")] = text
    return replace(state, training=training, was={})


def classic_code(inputs: dict) -> dict:
    """Library code for a classic schedule: its lrcalc family, exported (0-based epochs)."""
    values, _ = read_form(inputs)
    api, kwargs = values.kind.api, values.kind.kwargs(values.values)
    return {**export.all_code(api, None, kwargs), **config_blocks(api, None, kwargs, "epoch")}
