"""Reading pasted scheduler calls: literals only, never evaluated."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcalc.paste import PasteError, parse_call


class TestReading:
    """Calls from training scripts are read into a registered API and its arguments."""

    @pytest.mark.parametrize(
        ("text", "api", "kwargs"),
        [
            ("OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", "torch.optim.lr_scheduler.OneCycleLR", {"max_lr": 0.1, "total_steps": 1000}),
            ("torch.optim.lr_scheduler.StepLR(step_size=30)", "torch.optim.lr_scheduler.StepLR", {"step_size": 30}),
            ("StepLR(opt, 30, gamma=0.5)", "torch.optim.lr_scheduler.StepLR", {"step_size": 30, "gamma": 0.5}),
            ("optax.warmup_cosine_decay_schedule(0.0, 1e-3, 1000, 100_000)", "optax.warmup_cosine_decay_schedule",
             {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 1000, "decay_steps": 100_000}),
            ("tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96, staircase=True)",
             "keras.optimizers.schedules.ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1000, "decay_rate": 0.96, "staircase": True}),
            ("get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=500, num_training_steps=10 * 1000)",
             "transformers.get_cosine_schedule_with_warmup", {"num_warmup_steps": 500, "num_training_steps": 10000}),
            ("timm.scheduler.CosineLRScheduler(optimizer, t_initial=300, lr_min=1e-5, warmup_t=5)",
             "timm.scheduler.CosineLRScheduler", {"t_initial": 300, "lr_min": 1e-5, "warmup_t": 5}),
            ("optax.piecewise_constant_schedule(0.1, {30: 0.1, 60: 0.1})", "optax.piecewise_constant_schedule",
             {"init_value": 0.1, "boundaries_and_scales": {30: 0.1, 60: 0.1}}),
        ],
    )
    def test_reads_the_call(self, text, api, kwargs):
        """Positional and keyword arguments map onto the constructor's own names."""
        pasted = parse_call(text)
        assert (pasted.spec.api, pasted.kwargs) == (api, kwargs)

    def test_reads_a_block_with_optimizer_and_sub_schedulers(self):
        """Names assigned above are resolved; the optimizer's lr is read too."""
        pasted = parse_call(
            "import torch\n"
            "optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)\n"
            "warm = LinearLR(optimizer, start_factor=0.01, total_iters=100)\n"
            "cos = CosineAnnealingLR(optimizer, T_max=900)\n"
            "scheduler = SequentialLR(optimizer, [warm, cos], milestones=[100])  # per step\n"
        )
        assert pasted.spec.name == "SequentialLR"
        assert pasted.lr == 3e-4
        assert pasted.kwargs["schedulers"][1] == {"api": "torch.optim.lr_scheduler.CosineAnnealingLR", "T_max": 900}

    def test_inline_nested_calls_become_dicts(self):
        """optax.join_schedules([...]) with calls inside."""
        pasted = parse_call("optax.join_schedules([optax.linear_schedule(0.0, 0.1, 10), optax.constant_schedule(0.1)], [10])")
        assert pasted.kwargs["schedules"][0]["api"] == "optax.linear_schedule"


class TestRefusing:
    """Anything that is not a literal scheduler call gets a clear message, and nothing runs."""

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "paste a scheduler call"),
            ("StepLR(", "was never closed"),
            ("os.system('rm -rf /')", "unknown scheduler 'os.system'"),
            ("StepLR(optimizer, step_size=__import__('os').getpid())", "must name a scheduler"),
            ("StepLR(optimizer, step_size=n)", "'n' is not a literal value"),
            ("StepLR(optimizer, 2 ** 100000)", "too large"),
            ("StepLR(optimizer, **kwargs)", "**kwargs cannot be read"),
            ("StepLR(optimizer, 1, 2, 3, 4)", "positional arguments"),
            ("StepLR(optimizer, 30, step_size=30)", "multiple values"),
            ("for i in range(3): pass", "only imports, assignments and calls"),
            ("x" * 30_000, "too long"),
            ("print(1)", "unknown scheduler 'print'"),
        ],
    )
    def test_explains_what_it_cannot_read(self, text, message):
        """Each refusal is a PasteError saying what is wrong."""
        with pytest.raises(PasteError, match=message.replace("(", r"\(").replace("*", r"\*")):
            parse_call(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_call_or_a_paste_error(text):
    """Arbitrary text never raises anything but PasteError (a ValueError)."""
    try:
        parse_call(text)
    except PasteError:
        pass


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["StepLR", "OneCycleLR", "optax.cosine_decay_schedule", "CosineDecay", "get_linear_schedule_with_warmup"]),
    args=st.lists(st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=False), st.text(max_size=5), st.booleans(), st.none()), max_size=4),
)
def test_generated_calls_read_or_refuse_cleanly(name, args):
    """Calls with arbitrary literal arguments are read or refused with a message."""
    try:
        parse_call(f"{name}(optimizer, {', '.join(repr(a) for a in args)})")
    except PasteError:
        pass
