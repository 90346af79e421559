"""The page's state as a value (lrcalc.page): its link in both directions, and the view of a state."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lrcalc.page.catalog import LIBRARY_LABELS, catalog
from lrcalc.libraries import apis
from lrcalc.page import State, read_query, view

CATALOG = catalog()
FAMILIES = [item["api"] for group in CATALOG["families"][1:] for item in group["items"]]
TEXT = st.sampled_from(["", "0", "1", "30", "0.5", "3e-4", "-1", "abc", "[30, 60]", "a&b=c", "é ü", "?#%"])


CONFIG_MAX_STEPS = "learning_rate: 1.0e-4\nlr_scheduler_type: cosine_with_min_lr\nlr_scheduler_kwargs: {min_lr_rate: 0.1}\nwarmup_steps: 50\nmax_steps: 500\n"


@st.composite
def states(draw, nested=False):
    """Any state the page can be in, valid or not."""
    mode = draw(st.sampled_from(["schedule", "library", "paste", "config"]))
    library = draw(st.sampled_from(sorted(LIBRARY_LABELS)))
    api = draw(st.sampled_from([spec.api for spec in apis(library)]))
    schedule = draw(st.sampled_from(["exponential", "step", "constant", *FAMILIES]))
    shown = api if mode == "library" else schedule
    names = [p["name"] for p in CATALOG["apis"][shown]["params"]] if shown in CATALOG["apis"] else []
    return State(
        mode=mode,
        schedule=schedule,
        classic={**State().classic, **draw(st.dictionaries(st.sampled_from(list(State().classic)), TEXT, max_size=3))},
        library=library,
        api=api,
        lr=draw(TEXT),
        paste=draw(st.sampled_from(["StepLR(optimizer, 30)", "OneCycleLR(optimizer, max_lr=0.1)", "x(", ""])),
        config=draw(st.sampled_from([State().config, CONFIG_MAX_STEPS, "learning_rate: 2e-5\nnum_train_epochs: 1", "{", "lr_scheduler_type: linear\nmax_steps: 0"])),
        run={**State().run, **draw(st.dictionaries(st.sampled_from(list(State().run)), TEXT, max_size=3))},
        args=draw(st.dictionaries(st.sampled_from(names), TEXT, max_size=3)) if names else {},
        training={**State().training, **draw(st.dictionaries(st.sampled_from(list(State().training)), TEXT, max_size=3))},
        log=draw(st.booleans()),
        compare=() if nested else tuple(draw(st.lists(states(nested=True), max_size=2))),
    )


class TestLink:
    """The link carries the state: written by State.query, read back by read_query."""

    @settings(max_examples=150, deadline=None)
    @given(states())
    def test_a_link_reads_back_as_the_same_view(self, state):
        """Any state, written as a link and read back, shows the same results and writes the same link."""
        query = state.query()
        again, notes = read_query(query)
        assert notes == []
        assert again.query() == query
        first, second = view(state), view(again)
        assert first["ok"] == second["ok"]
        assert first.get("errors") == second.get("errors")
        assert first.get("copy_text") == second.get("copy_text")

    def test_only_what_differs_from_the_defaults_is_written(self):
        """The default state has an empty link; one edit is one parameter."""
        assert State().query() == ""
        assert State(classic={**State().classic, "current_epoch": "75"}).query() == "current_epoch=75"

    def test_an_emptied_example_argument_is_written_empty(self):
        """Arguments open with examples; one the user emptied is written as empty, so the link keeps it empty."""
        state = State(mode="library", api="torch.optim.lr_scheduler.StepLR", args={"step_size": "", "gamma": ""})
        assert "a.step_size=" in state.query().split("&")
        assert read_query(state.query())[0].request()["args"]["step_size"] == ""

    def test_comparisons_written_by_the_earlier_page_still_open(self):
        """A cmp list of {"kind", "inputs"|"request"} items, as earlier links wrote it, is read."""
        old = [{"kind": "classic", "inputs": {"schedule": "step"}}, {"kind": "explore", "request": {"mode": "library", "api": "torch.optim.lr_scheduler.StepLR", "lr": "0.1", "args": {"step_size": "10"}}}]
        state, notes = read_query("?cmp=" + json.dumps(old))
        assert notes == []
        assert [item.schedule if item.classic_mode else item.api for item in state.compare] == ["step", "torch.optim.lr_scheduler.StepLR"]

    def test_garbage_from_the_page_is_read_defensively(self):
        """Wrong types and unknown keys from the page become the defaults, never an exception."""
        for raw in (None, [], "x", {"mode": 3, "classic": [], "args": {"bad name!": "1"}, "compare": "no", "log": "yes"}):
            state = State.from_page(raw)
            assert state.mode == "schedule" and state.args == {} and state.compare == () and state.log is False


class TestConfigMode:
    """A training config on the page: one more mode of the same state, link and view."""

    def test_the_default_config_answers_and_its_link_is_the_mode(self):
        shown = view(State(mode="config"), "https://example.org/lr/")
        assert shown["ok"] and shown["link"] == "?mode=config"
        assert shown["config"]["framework"].startswith("Hugging Face Trainer") and shown["chart"]["x"][-1] == shown["config"]["total_steps"] - 1

    def test_a_config_and_its_values_travel_in_the_link(self):
        state = State(mode="config", config=CONFIG_MAX_STEPS, run={**State().run, "current": "250"})
        again, notes = read_query(state.query())
        assert notes == [] and again.config == CONFIG_MAX_STEPS and again.run["current"] == "250"
        assert view(again)["summary"] == view(state)["summary"]

    def test_a_config_compares_with_other_modes_on_one_axis(self):
        """Beside a per-epoch StepLR, the config's optimizer steps are converted with its own steps per epoch."""
        library = State(mode="library", library="torch", api="torch.optim.lr_scheduler.StepLR")
        shown = view(State(mode="config", compare=(library,)))
        assert shown["compare"]["ok"] and len(shown["compare"]["entries"]) == 2

    def test_errors_go_to_the_config_box_and_the_run_fields(self):
        assert set(view(State(mode="config", config="learning_rate: 2e-5\nnum_train_epochs: 1"))["errors"]) == {"config"}
        assert set(view(State(mode="config", run={**State().run, "dataset_size": ""}))["errors"]) == {"run.dataset_size"}
        assert set(view(State(mode="config", run={**State().run, "devices": "0"}))["errors"]) == {"run.devices"}


class TestView:
    """One view per state: results, link and copied text agree."""

    def test_copied_text_quotes_the_link_of_the_state_shown(self):
        """Copy results ends with the URL of exactly this state."""
        out = view(State(classic={**State().classic, "current_epoch": "75"}), "https://example.org/")
        assert out["copy_text"].endswith("Calculated with https://example.org/?current_epoch=75\n")
        assert "LR(75)" in out["copy_text"]

    def test_a_converted_position_is_in_the_link(self):
        """Switching to epochs converts step 2,700 to epoch 27, and the link says epoch 27."""
        state = State(mode="library", api="torch.optim.lr_scheduler.OneCycleLR", training={**State().training, "unit": "epoch", "current": "2700"}, was={"unit": "auto"})
        out = view(state)
        assert out["state"]["training"]["current"] == "27"
        assert "t.current=27" in out["link"]
        assert out["summary"][3]["label"] == "LR at epoch 27"

    def test_every_library_scheduler_opens_with_a_result(self):
        """Each scheduler, opened with the page's examples and the default training, has results (no errors)."""
        failures = {}
        for library in LIBRARY_LABELS:
            for spec in apis(library):
                out = view(State(mode="library", library=library, api=spec.api))
                if not out["ok"]:
                    failures[spec.api] = out["errors"]
        assert failures == {}

    def test_stepping_follows_the_library_unless_chosen(self):
        """Automatic stepping is each scheduler's convention; a choice overrides it."""
        pasted = lambda call, stepping="auto": view(State(mode="paste", paste=call, training={**State().training, "stepping": stepping}))
        assert pasted("CosineAnnealingLR(optimizer, T_max=90)")["training"]["total"] == 90
        assert pasted("OneCycleLR(optimizer, max_lr=0.1, total_steps=9000)")["training"]["total"] == 9000
        assert pasted("CosineAnnealingLR(optimizer, T_max=90)", "step")["training"]["total"] == 9000

    def test_piecewise_constant_curves_are_drawn_as_steps(self):
        """StepLR holds each value for whole epochs, so it is drawn stepped; a cosine is drawn as a line."""
        drawn = lambda api: view(State(mode="library", api=api))["chart"]["path"]
        assert drawn("torch.optim.lr_scheduler.StepLR") == "stepped"
        assert drawn("torch.optim.lr_scheduler.MultiStepLR") == "stepped"
        assert drawn("torch.optim.lr_scheduler.CosineAnnealingLR") == "linear"
