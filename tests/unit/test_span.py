"""The run length a call states, the training length taken from it, and the warnings where the run disagrees."""

import pytest

from lrcalc import explore, fmt, from_library, span
from lrcalc.libraries import REGISTRY, bind, lookup


def paste(text, training, **request):
    """The page's answer for a pasted call."""
    body, _ = explore.answer({"mode": "paste", "paste": text, "lr": "0.1", "training": training, **request})
    return body


class TestStated:
    @pytest.mark.parametrize(
        ("api", "kwargs", "length", "warmup"),
        [
            ("torch.optim.lr_scheduler.OneCycleLR", {"max_lr": 0.1, "total_steps": 1000}, 1000, 299),
            ("torch.optim.lr_scheduler.OneCycleLR", {"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 50}, 500, 149),
            ("torch.optim.lr_scheduler.CosineAnnealingLR", {"T_max": 90}, 90, None),
            ("keras.optimizers.schedules.CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 1000, "warmup_steps": 100, "warmup_target": 1.0}, 1100, 100),
            ("optax.warmup_cosine_decay_schedule", {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 50, "decay_steps": 500}, 500, 50),
            ("transformers.get_scheduler", {"name": "cosine", "num_warmup_steps": 10, "num_training_steps": 100}, 100, 10),
            ("timm.scheduler.CosineLRScheduler", {"t_initial": 50, "warmup_t": 5, "warmup_prefix": True}, 55, 5),
            ("timm.scheduler.CosineLRScheduler", {"t_initial": 50, "cycle_limit": 3}, None, None),
            ("torch.optim.lr_scheduler.StepLR", {"step_size": 30}, None, None),
        ],
    )
    def test_each_library_says_its_own_spans(self, api, kwargs, length, warmup):
        """Lengths and warmups as each library counts them (OneCycleLR peaks at pct_start * total - 1; a dispatcher follows what it builds)."""
        found = span.stated(lookup(api), kwargs, 0.1)
        assert (found.length[0] if found.length else None) == length
        assert (found.warmup[0] if found.warmup else None) == warmup

    def test_every_stated_warmup_peak_is_where_the_curve_peaks(self):
        """For every scheduler with a warmup rule, the stated peak step is where the library's curve first reaches its top."""
        cases = {
            "transformers.get_linear_schedule_with_warmup": {"num_warmup_steps": 20, "num_training_steps": 100},
            "keras.optimizers.schedules.CosineDecay": {"initial_learning_rate": 0.0, "decay_steps": 80, "warmup_steps": 20, "warmup_target": 0.1},
            "optax.warmup_cosine_decay_schedule": {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 20, "decay_steps": 100},
            "torch.optim.lr_scheduler.OneCycleLR": {"max_lr": 0.1, "total_steps": 100},
            "timm.scheduler.CosineLRScheduler": {"t_initial": 100, "warmup_t": 20, "warmup_lr_init": 1e-4},
            "timm.scheduler.StepLRScheduler": {"decay_t": 30, "warmup_t": 20, "warmup_lr_init": 1e-4},
            "timm.scheduler.PolyLRScheduler": {"t_initial": 80, "warmup_t": 20, "warmup_prefix": True},
        }
        for api, kwargs in cases.items():
            spec = REGISTRY[api]
            schedule = from_library(api, lr=0.1 if spec.needs_lr else None, **kwargs)
            values = [schedule(i) for i in range(100)]
            peak = span._top(schedule, *span.stated(spec, kwargs, 0.1).warmup)[0]
            assert values.index(max(values)) == peak, api


class TestWarnings:
    def test_onecycle_past_total_steps_raises_from_the_step_torch_does(self):
        body = paste("OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", {"epochs": "12", "steps_per_epoch": "100"})
        assert body["warnings"] == [
            "The run is longer than OneCycleLR's total_steps=1,000: at step 1,001 the library raises (Tried to step 1001 times. "
            "The specified number of total steps is 1000). Make the call's length at least the run's 1,200 scheduler steps."
        ]

    def test_a_run_exactly_total_steps_long_is_fine(self):
        """Its last scheduler.step() computes step 1,000, which OneCycleLR allows."""
        assert paste("OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", {"epochs": "10", "steps_per_epoch": "100"})["warnings"] == []

    def test_hf_cosine_shorter_than_the_run_rises_again(self):
        body = paste("get_cosine_schedule_with_warmup(optimizer, 100, 1000)", {"epochs": "15", "steps_per_epoch": "100"})
        schedule = from_library("transformers.get_cosine_schedule_with_warmup", lr=0.1, num_warmup_steps=100, num_training_steps=1000)
        assert schedule(1001) > schedule(1000)
        assert body["warnings"][0].startswith("The run is longer than get_cosine_schedule_with_warmup's num_training_steps=1,000: from step 1,001 the learning rate rises again")
        assert fmt.lr(max(schedule(i) for i in range(1000, 1500))) in body["warnings"][0]

    def test_t_max_shorter_than_the_run_climbs_in_the_unit_shown(self):
        body = paste("CosineAnnealingLR(optimizer, T_max=50)", {"epochs": "90"})
        assert "from epoch 51 the learning rate rises again" in body["warnings"][0]

    def test_warmup_longer_than_the_run_never_reaches_the_peak(self):
        body = paste("get_cosine_schedule_with_warmup(optimizer, 1000, 5000)", {"epochs": "5", "steps_per_epoch": "100"})
        assert any("never gets to the peak" in w and "num_warmup_steps=1,000" in w for w in body["warnings"])

    def test_flat_tail_is_said(self):
        body = paste("keras.optimizers.schedules.CosineDecay(0.1, 1000)", {"epochs": "15", "steps_per_epoch": "100"})
        assert body["warnings"] == ["The run is longer than CosineDecay's decay_steps=1,000: from step 1,000 to the end of the run (500 scheduler steps) the learning rate stays at 0."]

    def test_library_mode_warns_the_same(self):
        """The Library mode's typed arguments get the same warning as the paste."""
        library, _ = explore.answer({"mode": "library", "api": "torch.optim.lr_scheduler.CosineAnnealingLR", "lr": "0.1", "args": {"T_max": "50"}, "training": {"epochs": "90"}})
        assert library["warnings"] == paste("CosineAnnealingLR(optimizer, T_max=50)", {"epochs": "90"})["warnings"]

    def test_warnings_are_in_the_copied_text(self):
        body = paste("CosineAnnealingLR(optimizer, T_max=50)", {"epochs": "90"})
        assert "Warnings:\n  " + body["warnings"][0] in body["copy_text"]


class TestTakenFromTheCall:
    def test_a_new_call_sets_the_run_length(self):
        """total_steps=1,000 with 100 steps per epoch: 10 epochs, said under the field and written into it."""
        body = paste("OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", {"epochs": "90", "steps_per_epoch": "100"}, paste_was="")
        assert body["rewrites"] == {"training.epochs": "10"}
        assert body["field_notes"]["training.epochs"] == "Taken from the call: total_steps=1,000 ÷ 100 steps per epoch."
        assert body["training"]["total"] == 1000 and body["warnings"] == []

    def test_the_same_call_keeps_what_the_user_typed(self):
        """Only a changed call is taken from: an edited training length stays, with its warning."""
        body = paste("OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", {"epochs": "12", "steps_per_epoch": "100"},
                     paste_was="OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)")
        assert body["rewrites"] == {} and body["training"]["total"] == 1200 and body["warnings"]

    def test_a_call_that_counts_batches_steps_per_batch(self):
        """T_max in batches (len(train_loader)): the stepping is taken from the call, the names from the training length."""
        body = paste("CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))", {"epochs": "90", "steps_per_epoch": "100"}, paste_was="")
        assert body["rewrites"] == {"training.stepping": "step"}
        assert body["arguments"] == {"T_max": "9000"} and body["training"]["total"] == 9000 and body["warnings"] == []
        assert [(row["text"], bool(row["from_training"])) for row in body["names"]] == [("args.epochs", True), ("len(train_loader)", True)]

    def test_epochs_written_in_the_call(self):
        body = paste("OneCycleLR(optimizer, 0.1, epochs=5, steps_per_epoch=391)", {"epochs": "90", "steps_per_epoch": "100"}, paste_was="")
        assert body["rewrites"] == {"training.epochs": "5", "training.steps_per_epoch": "391"} and body["training"]["total"] == 1955

    def test_length_in_epochs(self):
        body = paste("CosineAnnealingLR(optimizer, T_max=200)", {"epochs": "90"}, paste_was="")
        assert body["rewrites"] == {"training.epochs": "200"}

    def test_missing_names_are_field_errors(self):
        body = paste("StepLR(optimizer, step_size=args.step, gamma=args.gamma)", {"epochs": "90"}, names={"args.step": "30"})
        assert body["errors"] == {"names.args.gamma": "Type a value for args.gamma: StepLR's gamma: a number."}
        assert [row["text"] for row in body["names"]] == ["args.step", "args.gamma"]

    def test_a_typed_name_that_is_not_a_literal_is_an_error_at_its_field(self):
        body = paste("StepLR(optimizer, step_size=n)", {"epochs": "90"}, names={"n": "m + 1"})
        assert "'m' is not a literal value" in body["errors"]["names.n"]
