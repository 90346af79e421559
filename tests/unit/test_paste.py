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
            ("os.system('rm -rf /')", "the paste calls system, which lrcalc does not know as a scheduler"),
            ("StepLR(optimizer, 2 ** 100000)", "too large"),
            ("StepLR(optimizer, 1, 2, 3, 4)", "positional arguments"),
            ("StepLR(optimizer, 30, step_size=30)", "multiple values"),
            ("for i in range(3): pass", "the paste calls range, which lrcalc does not know as a scheduler"),
            ("x = 3", "no scheduler call found"),
            ("x" * 30_000, "too long"),
            ("print(1)", "the paste calls print, which lrcalc does not know as a scheduler"),
            ("LambdaLR(optimizer, lambda e: 0.95 ** e)", "a Python function you wrote"),
            ("scheduler = MultiplicativeLR(optimizer, lr_lambda=f)", "a Python function you wrote"),
            ("StepLR(optimizer, **{'step_size': 3, 'gamma': lambda: 1})", "a lambda is a Python function"),
            ("StepLR(optimizer, **[1, 2])", "only a dict can be unpacked"),
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


class TestRealCode:
    """What real training scripts contain, read without running anything (issue 12's list)."""

    def test_unknown_names_are_asked_for_with_hints(self):
        """args.epochs, len(train_dataloader) and cfg["lr"] become names, each with where such a value comes from."""
        pasted = parse_call("get_linear_schedule_with_warmup(optimizer, num_warmup_steps=cfg['warmup'], num_training_steps=len(train_dataloader) * args.epochs)")
        assert pasted.missing == ["cfg['warmup']", "len(train_dataloader)", "args.epochs"]
        roles = {name.text: name.role for name in pasted.names}
        assert roles == {"cfg['warmup']": "", "len(train_dataloader)": "steps_per_epoch", "args.epochs": "epochs"}
        assert "num_warmup_steps" in pasted.names[0].hint

    def test_values_fill_the_names(self):
        """With values, the arithmetic is done as Python does it."""
        values = {"cfg['warmup']": 100, "len(train_dataloader)": 391, "args.epochs": 30}
        pasted = parse_call("get_linear_schedule_with_warmup(optimizer, num_warmup_steps=cfg['warmup'], num_training_steps=len(train_dataloader) * args.epochs)", values)
        assert pasted.missing == [] and pasted.kwargs == {"num_warmup_steps": 100, "num_training_steps": 11730}

    @pytest.mark.parametrize(
        ("text", "kwargs"),
        [
            ("return OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)", {"max_lr": 0.1, "total_steps": 1000}),
            ("self.scheduler = StepLR(self.optimizer, step_size=30)", {"step_size": 30}),
            ("scheduler: LRScheduler = StepLR(optimizer, step_size=30)", {"step_size": 30}),
            ("warmup_factor = 1.0 / 1000\nwarmup_iters = 1000\nLinearLR(optimizer, start_factor=warmup_factor, total_iters=warmup_iters)",
             {"start_factor": 0.001, "total_iters": 1000}),
            ("a, b = 5, 0.5\nStepLR(optimizer, a, b)", {"step_size": 5, "gamma": 0.5}),
            ("StepLR(optimizer, **{'step_size': 3, 'gamma': 0.5})", {"step_size": 3, "gamma": 0.5}),
            ("StepLR(optimizer, step_size=int(math.ceil(90 / 4)), gamma=max(0.1, 0.05))", {"step_size": 23, "gamma": 0.1}),
            ("def build(optimizer, epochs=90):\n    return CosineAnnealingLR(optimizer, T_max=epochs - 5)", {"T_max": 85}),
            ("from torch.optim import lr_scheduler as lrs\nlrs.StepLR(optimizer, 7)", {"step_size": 7}),
            ("get_scheduler('cosine', optimizer, 100, 1000)", {"name": "cosine", "num_warmup_steps": 100, "num_training_steps": 1000}),
        ],
    )
    def test_statements_real_code_uses(self, text, kwargs):
        """return, self.x =, annotations, earlier literal lines, tuples, **{...}, math, a def's defaults, aliases."""
        assert parse_call(text).kwargs == kwargs

    @pytest.mark.parametrize("module", ["tf.keras.optimizers.schedules", "tf.optimizers.schedules", "keras.optimizers.schedules", "tensorflow.keras.optimizers.schedules"])
    def test_every_keras_alias(self, module):
        """TensorFlow's and Keras's spellings all name Keras's schedule."""
        assert parse_call(f"{module}.PiecewiseConstantDecay([100], [0.1, 0.01])").spec.api == "keras.optimizers.schedules.PiecewiseConstantDecay"

    def test_nothing_is_run(self):
        """A call inside an argument is a name, never called."""
        pasted = parse_call("StepLR(optimizer, step_size=__import__('os').getpid())")
        assert pasted.missing == ["__import__('os').getpid()"]

    def test_unknown_keyword_dict_is_a_name(self):
        """**scheduler_kwargs is asked for as a dict, and merged once typed."""
        pasted = parse_call("ReduceLROnPlateau(optimizer, mode='max', **scheduler_kwargs)")
        assert pasted.missing == ["scheduler_kwargs"] and "as a dict" in pasted.names[0].hint
        assert parse_call("ReduceLROnPlateau(optimizer, mode='max', **scheduler_kwargs)", {"scheduler_kwargs": {"patience": 3}}).kwargs == {"mode": "max", "patience": 3}

    def test_unknown_if_is_skipped_with_a_note(self):
        """An if on a name is not guessed: its branch is skipped, said in a note, and the names it would set are asked for."""
        pasted = parse_call("if args.cosine:\n    T = 100\nCosineAnnealingLR(optimizer, T_max=T)")
        assert pasted.missing == ["T"] and "an if statement was skipped" in pasted.notes[0]

    def test_keras_integer_initial_rate_is_refused_where_keras_computes_in_int32(self):
        """Keras's own CosineDecay docstring example (initial_learning_rate = 0) is int32 arithmetic: 0 at every step."""
        from lrcalc import from_library

        text = "decay_steps = 1000\ninitial_learning_rate = 0\nwarmup_steps = 1000\ntarget_learning_rate = 0.1\nkeras.optimizers.schedules.CosineDecay(initial_learning_rate, decay_steps, warmup_target=target_learning_rate, warmup_steps=warmup_steps)"
        pasted = parse_call(text)
        with pytest.raises(ValueError, match=r"initial_learning_rate=0 is an integer.*π becomes 3, warmup_target=0.1 becomes 0.*initial_learning_rate=0.0"):
            from_library(pasted.spec.api, **pasted.kwargs)
        assert from_library(pasted.spec.api, **{**pasted.kwargs, "initial_learning_rate": 0.0})(500) == pytest.approx(0.05)
        # where nothing is truncated, an integer changes nothing: PolynomialDecay(1, 10, 0) is Keras's own curve
        assert from_library("keras.optimizers.schedules.PolynomialDecay", initial_learning_rate=1, decay_steps=10, end_learning_rate=0)(5) == 0.5

    def test_arguments_renamed_by_the_library_say_their_new_name(self):
        """Swin Transformer passes t_mul=1.0, the name timm's CosineLRScheduler had before 0.5.0."""
        from lrcalc import from_library

        pasted = parse_call("CosineLRScheduler(optimizer, t_initial=100, t_mul=1.0, lr_min=5e-6, cycle_limit=1)")
        with pytest.raises(ValueError, match=r"'t_mul': it is now called cycle_mul \(renamed in timm 0.5.0\)"):
            from_library(pasted.spec.api, lr=0.1, **pasted.kwargs)

    def test_optax_float_step_counts_are_accepted_as_optax_does(self):
        """optax only does arithmetic with its step counts: 500.0 and [5.0 * 100] are read, and give optax's values."""
        from lrcalc import from_library

        pasted = parse_call("optax.join_schedules([optax.constant_schedule(0.1), optax.linear_schedule(0.1, 0.0, transition_steps=500.0)], boundaries=[5.0 * 100])")
        schedule = from_library(pasted.spec.api, **pasted.kwargs)
        assert schedule(499) == 0.1 and schedule(750) == pytest.approx(0.05)
