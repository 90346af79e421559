"""The JSON boundary between the page's Web Worker and lrcalc.

The worker passes one JSON string per request and gets one back. Bad input
comes back as data (``{"ok": false, "errors": {...}}``); only a bug in lrcalc
produces ``{"ok": false, "fatal": traceback}``, which the page shows in an
error banner.
"""

from __future__ import annotations

import json
import traceback

from .calculator import calculate
from .explore import explore


def handle(request: str) -> str:
    """Answer one request.

    ``{"type": "calculate", "inputs": {...}, "page_url": ...}`` runs the classic
    calculator; ``{"type": "explore", "request": {...}}`` the schedule explorer.
    """
    try:
        message = json.loads(request)
        kind = message.get("type")
        if kind == "calculate":
            inputs = message.get("inputs") or {}
            body = calculate({str(k): str(v) for k, v in inputs.items()}, page_url=str(message.get("page_url", "")))
        elif kind == "explore":
            body = explore(message.get("request") or {})
        else:
            raise ValueError(f"unknown request type {kind!r}")
        return json.dumps(body, allow_nan=False, ensure_ascii=False)
    except Exception:  # noqa: BLE001 - any bug must reach the page as a visible banner
        return json.dumps({"ok": False, "fatal": traceback.format_exc()})
