"""The JSON boundary between the page's Web Worker and lrcalc.

The worker passes one JSON string per request and gets one back. Bad input
comes back as data (``{"ok": false, "errors": {...}}``); only a bug in lrcalc
produces ``{"ok": false, "fatal": traceback}``, which the page shows in an
error banner.
"""

from __future__ import annotations

import json
import math
import traceback

from . import batch, compare, finder, fmt
from .forms import FieldError, read_whole
from .page import State, read_query, view


def handle(request: str) -> str:
    """Answer one request.

    ``{"type": "view", "state": {...}, "page_url": ...}`` is everything the
    calculator shows for a state (:func:`lrcalc.page.view`); ``"link"`` reads a
    page address into a state; ``"use_lr"`` carries a learning rate from the
    finder or the batch-size helper into a state; ``"download"`` writes a state's curves (and its
    comparison's) as CSV and JSON; ``"finder"`` is the range-test analysis;
    ``"batch"`` the batch-size helper.
    """
    try:
        message = json.loads(request)
        kind = message.get("type")
        if kind == "view":
            body = view(State.from_page(message.get("state")), str(message.get("page_url", "")))
        elif kind == "use_lr":
            state = State.from_page(message.get("state")).using_learning_rate(str(message.get("lr", "")), str(message.get("target", "")))
            body = {"state": state.to_page()}
        elif kind == "link":
            state, notes = read_query(str(message.get("query", "")))
            body = {"state": state.to_page(), "notes": notes}
        elif kind == "download":
            state = State.from_page(message.get("state"))
            body = compare.download([state.alone(), *state.compare])
        elif kind == "finder":
            body = _finder(message)
        elif kind == "batch":
            body = batch.helper(message.get("inputs") or {})
        else:
            raise ValueError(f"unknown request type {kind!r}")
        return json.dumps(body, allow_nan=False, ensure_ascii=False)
    except Exception:  # noqa: BLE001 - any bug must reach the page as a visible banner
        return json.dumps({"ok": False, "fatal": traceback.format_exc()})


def _finder(message: dict) -> dict:
    """Analyse an uploaded or pasted range test: ``{"text", "filename", "smoothing", "num_it"}``."""
    num_it = str(message.get("num_it") or "").strip()
    if num_it:
        try:
            count = read_whole("num_it", "Iterations asked for", num_it, 2, 10_000_000)
        except FieldError as error:
            return {"ok": False, "error": error.message}
    else:
        count = None
    return finder.analyse(
        str(message.get("text", "")),
        str(message.get("filename") or "") or None,
        smoothing=str(message.get("smoothing") or "auto"),
        num_it=count,
    )


class RangeTestSession:
    """A live range test for the worker: advance a few iterations per call, JSON out."""

    def __init__(self, request: str) -> None:
        message = json.loads(request)
        options = message.get("options") or {}
        self.smoothing = str(message.get("smoothing") or "auto")
        self.run = finder.RangeTestRun(**options)
        self.total = options.get("num_it", 100)

    def advance(self, count: int) -> str:
        """The next few iterations as points to draw, and whether the run is over."""
        points = [
            {"lr": s.lr, "loss": s.smoothed, "raw": s.loss, "lr_text": fmt.lr(s.lr),
             "loss_text": fmt.lr(s.smoothed) if math.isfinite(s.smoothed) else "—"}
            for s in self.run.advance(int(count))
        ]
        done = self.run.done
        progress = f"Iteration {len(self.run.lrs)} of {self.total}" + (" (done)" if done else "")
        return json.dumps({"points": points, "done": done, "count": len(self.run.lrs), "total": self.total, "progress": progress}, allow_nan=False)

    def finish(self, stopped: bool) -> str:
        """The analysis of the curve so far, as for an uploaded file."""
        if len(self.run.lrs) < 2:
            return json.dumps({"ok": False, "error": "The run stopped before it had two points to analyse."})
        result = finder.analyse_test(self.run.result(bool(stopped)), smoothing=self.smoothing)
        if result["ok"]:
            # The run as a file, so that changing the smoothing afterwards re-reads the same curve.
            rows = zip(self.run.lrs, self.run.losses, self.run.raw)
            result["csv"] = "lr,loss,raw_loss\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in rows if math.isfinite(b) and math.isfinite(c))
        return json.dumps(result, allow_nan=False, ensure_ascii=False)


def start_range_test(request: str) -> RangeTestSession:
    """Begin a live range test: ``{"options": {...}}`` with :func:`lrcalc.finder.range_test_steps`'s options."""
    return RangeTestSession(request)
