"""The paste reader on real training code, against the real libraries running the same code.

tests/corpus/scheduler_calls.json holds scheduler calls copied verbatim from
public repositories; tests/corpus/values.json gives each name a call needs the
value a user would type; tests/corpus/expected.json is what the real libraries
give when the verbatim paste runs with those values (written by
tests/corpus/generate.py, never edited by hand). For every entry lrcalc must ask
for exactly the names the libraries needed, and then give the library's curve
(1e-9 of the peak; 1e-6 where the library computed in float32), or refuse
what the library refused.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lrcalc import from_library
from lrcalc.page import State, view
from lrcalc.paste import PasteError, parse_call

HERE = Path(__file__).resolve().parents[1] / "corpus"
CALLS = {c["id"]: c for c in json.loads((HERE / "scheduler_calls.json").read_text(encoding="utf-8"))}
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
ENTRIES = EXPECTED["entries"]
CURVES = [e for e in ENTRIES if e["curve"]]
REFUSED = [e for e in ENTRIES if "raises_on_construct" in e or e.get("raises", {}).get("step") == 0]


def paste_of(entry_id: str) -> str:
    """The text a user pastes: the lines above the call (if the corpus kept them), then the call."""
    call = CALLS[entry_id]
    return (call["context"] + "\n" if call["context"] else "") + call["code"]


def build(entry):
    """lrcalc's schedule for the paste with the entry's values, and the parsed call."""
    pasted = parse_call(paste_of(entry["id"]), entry["values"])
    assert pasted.missing == []
    lr = pasted.lr if pasted.lr is not None else entry["lr"]
    extra = {"metrics": entry["metrics"]} if "metrics" in entry else {}
    return from_library(pasted.spec.api, lr=lr, **pasted.kwargs, **extra), pasted


def tolerance(entry) -> float:
    peak = max((abs(v) for v in entry["curve"]), default=1.0) or 1.0
    return (1e-9 if entry["dtype"] == "float64" else 1e-6) * peak


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_asks_for_the_names_the_code_needs(entry):
    """With values.json's values lrcalc asks for nothing more, and every value given is for a name it lists
    (some are read with a default, as timm's create_scheduler reads args.epochs; an ``if`` on a name asks
    for the branch's names once the condition has a value)."""
    try:
        pasted = parse_call(paste_of(entry["id"]), entry["values"])
    except PasteError:
        assert entry in REFUSED
        return
    assert pasted.missing == []
    listed = {name.text for name in pasted.names}
    assert set(entry["values"]) <= listed, f"does not list {sorted(set(entry['values']) - listed)}"
    if entry["values"]:
        assert parse_call(paste_of(entry["id"])).missing, "without the values, lrcalc must ask for something"


@pytest.mark.parametrize("entry", CURVES, ids=lambda e: e["id"])
def test_curve_matches_the_library_running_the_code(entry):
    schedule, _ = build(entry)
    tol = tolerance(entry)
    for step, expected in enumerate(entry["curve"]):
        assert abs(schedule(step) - expected) <= tol, f"step {step}: lrcalc {schedule(step)!r}, library {expected!r}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.get("raises", {}).get("step", 0) > 0], ids=lambda e: e["id"])
def test_raises_where_the_library_raises(entry):
    schedule, _ = build(entry)
    with pytest.raises(ValueError):
        schedule(entry["raises"]["step"])


@pytest.mark.parametrize("entry", REFUSED, ids=lambda e: e["id"])
def test_refuses_what_the_library_refuses(entry):
    """An argument the library does not take, a value it rejects, Keras's int32 arithmetic: a message, not a curve."""
    with pytest.raises(ValueError) as error:
        build(entry)
    assert str(error.value)


@pytest.mark.parametrize("entry_id", [i for i, why in EXPECTED["not_run"].items() if "python_function" in why])
def test_a_python_function_is_refused_with_the_reason(entry_id):
    """LambdaLR and MultiplicativeLR compute the LR with a function of the script, which lrcalc does not run."""
    with pytest.raises(PasteError, match=EXPECTED["not_run"][entry_id]["python_function"]):
        parse_call(paste_of(entry_id))


@pytest.mark.parametrize("entry_id", [i for i, why in EXPECTED["not_run"].items() if "syntax_error" in why])
def test_text_python_cannot_parse_is_refused_at_its_line(entry_id):
    with pytest.raises(PasteError, match=f"line {EXPECTED['not_run'][entry_id]['syntax_error']['line']}"):
        parse_call(paste_of(entry_id))


@pytest.mark.parametrize(
    "entry",
    [e for e in CURVES if not any(isinstance(v, dict) and "api" in v for v in e["values"].values()) and "metrics" not in e],
    ids=lambda e: e["id"],
)
def test_the_page_shows_the_library_curve(entry):
    """Pasted on the page with the values typed in the name fields: no error, and the chart starts at the library's value."""
    state = State(mode="paste", paste=paste_of(entry["id"]), names={k: repr(v) for k, v in entry["values"].items()}, lr=repr(entry["lr"] or 0.1), was={"paste": ""})
    shown = view(state, "https://example.org/lr/")
    assert shown["ok"], shown.get("errors")
    assert shown["chart"]["x"][0] == 0
    assert math.isclose(shown["chart"]["y"][0], entry["curve"][0], rel_tol=1e-6, abs_tol=tolerance(entry))


def test_the_corpus_is_large_and_from_every_library():
    """At least 60 runnable calls from all five libraries, from many repositories, with versions recorded."""
    assert len(CURVES) >= 60
    assert {e["library"] for e in CURVES} == {"torch", "transformers", "timm", "optax", "keras"}
    assert len({CALLS[e["id"]]["repo"] for e in CURVES}) >= 25
    assert {"torch", "transformers", "timm", "optax", "keras"} <= set(EXPECTED["libraries"])
