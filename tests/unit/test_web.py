"""The JSON boundary the page's worker calls."""

import json

from lrcalc.calculator import DEFAULTS
from lrcalc.web import handle


def test_answers_a_calculation():
    """A calculate request returns the calculator's result as JSON."""
    reply = json.loads(handle(json.dumps({"type": "calculate", "inputs": DEFAULTS, "page_url": "http://x/"})))
    assert reply["ok"] is True
    assert reply["formula"] == "LR(30) = 0.01 × 0.95^30 = 0.002146"


def test_field_errors_are_data():
    """Bad input is an ordinary reply, not a failure."""
    reply = json.loads(handle(json.dumps({"type": "calculate", "inputs": {**DEFAULTS, "initial_lr": "abc"}})))
    assert reply == {"ok": False, "errors": {"initial_lr": "Initial learning rate must be a number, such as 0.01 or 3e-4 (got abc)."}}


def test_a_broken_request_is_reported_not_raised():
    """Anything unexpected becomes a fatal reply carrying the traceback for the banner."""
    for request in ("not json", json.dumps({"type": "nope"}), json.dumps({"type": "calculate", "inputs": [1]})):
        reply = json.loads(handle(request))
        assert reply["ok"] is False
        assert "Traceback" in reply["fatal"]
