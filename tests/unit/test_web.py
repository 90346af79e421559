"""The JSON boundary the page's worker calls."""

import json

from lrcalc.page import State
from lrcalc.web import handle


def ask(message: dict) -> dict:
    return json.loads(handle(json.dumps(message)))


def test_answers_a_view():
    """A view request returns everything the page shows for the state, as JSON."""
    reply = ask({"type": "view", "state": State().to_page(), "page_url": "http://x/"})
    assert reply["ok"] is True
    assert reply["formula"] == "LR(30) = 0.01 × 0.95^30 = 0.002146"
    assert reply["url"] == "http://x/"


def test_field_errors_are_data():
    """Bad input is an ordinary reply, not a failure, and the link still describes it."""
    state = State().to_page()
    state["classic"]["initial_lr"] = "abc"
    reply = ask({"type": "view", "state": state, "page_url": "http://x/"})
    assert reply["ok"] is False
    assert reply["errors"] == {"initial_lr": "Initial learning rate must be a number, such as 0.01 or 3e-4 (got abc)."}
    assert reply["link"] == "?initial_lr=abc"


def test_a_link_comes_back_as_the_state_it_describes():
    """A link request returns the state for the page's form, and notes on what it ignored."""
    reply = ask({"type": "link", "query": "?mode=library&library=torch&api=torch.optim.lr_scheduler.StepLR&a.step_size=10&zzz=1"})
    assert reply["state"]["mode"] == "library" and reply["state"]["args"] == {"step_size": "10"}
    assert reply["notes"] == ["Ignored a parameter the page does not use: zzz."]


def test_a_download_holds_the_state_and_its_comparison():
    """A download request writes the current schedule and each compared one."""
    state = State(compare=(State(schedule="step"),)).to_page()
    reply = ask({"type": "download", "state": state})
    header = reply["csv"].splitlines()[0]
    assert header == 'epoch,"Exponential Decay: decay_rate=0.95, initial_lr=0.01","Step Decay: step_size=25, step_factor=0.5, initial_lr=0.01"'


def test_a_broken_request_is_reported_not_raised():
    """Anything unexpected becomes a fatal reply carrying the traceback for the banner."""
    for request in ("not json", json.dumps({"type": "nope"}), json.dumps([1])):
        reply = json.loads(handle(request))
        assert reply["ok"] is False
        assert "Traceback" in reply["fatal"]
