"""Training configs: how the Hugging Face Trainer counts a run, read from YAML, JSON and Python.

The curves themselves are checked against the real Trainer in test_config_corpus.py; these
tests pin each counting rule of lrcalc.configs.transformers on small cases that show it, and
what is refused.
"""

from __future__ import annotations

import math

import pytest

from lrcalc import from_library
from lrcalc.configs import ConfigError, from_config, plan, read_config

RECIPE = """\
model_name_or_path: mistralai/Mistral-7B-v0.1
learning_rate: 2.0e-05
lr_scheduler_type: cosine
warmup_ratio: 0.1
num_train_epochs: 3
per_device_train_batch_size: 4
gradient_accumulation_steps: 8
bf16: true
"""


def test_a_recipe_is_counted_as_the_trainer_counts_it():
    run = from_config(RECIPE, dataset_size=1000)
    # 1000 / 4 = 250 batches; ceil(250 / 8) = 32 optimizer steps per epoch; 3 epochs; warmup ceil(96 * 0.1)
    assert (run.steps_per_epoch, run.total_steps) == (32, 96)
    assert run.kwargs == {"name": "cosine", "num_warmup_steps": 10, "num_training_steps": 96}
    assert run.lr == 2e-5 and run.framework.startswith("Hugging Face Trainer")
    assert run.ignored == ["bf16", "model_name_or_path"]
    assert "warmup_ratio" in run.used and "max_steps" in run.defaults
    expected = from_library("transformers.get_cosine_schedule_with_warmup", lr=2e-5, num_warmup_steps=10, num_training_steps=96)
    assert run.curve() == [expected(i) for i in range(96)]


def test_without_the_data_set_size_it_asks_for_it():
    run = from_config(RECIPE)
    assert [a.name for a in run.asked] == ["dataset_size"] and not run.ready
    with pytest.raises(ConfigError, match="missing values: dataset_size"):
        run.schedule()


def test_max_steps_needs_no_data_set():
    run = from_config("learning_rate: 1.0e-4\nmax_steps: 500\nwarmup_steps: 50\nlr_scheduler_type: constant_with_warmup\nnum_train_epochs: 3")
    assert run.ready and run.total_steps == 500 and run.kwargs["num_warmup_steps"] == 50


@pytest.mark.parametrize(
    ("size", "batch", "accumulation", "devices", "drop_last", "per_epoch"),
    [
        (1000, 4, 8, 1, False, 32),  # 250 batches, the last step takes 2
        (1000, 4, 1, 1, False, 250),
        (1001, 4, 1, 1, False, 251),  # the partial batch is a batch
        (1001, 4, 1, 1, True, 250),  # ... unless dropped
        (1000, 4, 8, 4, False, 8),  # 250 batches over 4 devices: 63 each (padded), ceil(63 / 8)
        (10, 4, 8, 1, False, 1),  # fewer batches than one accumulation: still one step
    ],
)
def test_steps_per_epoch(size, batch, accumulation, devices, drop_last, per_epoch):
    config = {"learning_rate": 1e-4, "per_device_train_batch_size": batch, "gradient_accumulation_steps": accumulation, "dataloader_drop_last": drop_last}
    assert plan(config, dataset_size=size, devices=devices).steps_per_epoch == per_epoch


def test_fractional_epochs_stop_part_way():
    run = plan({"learning_rate": 1e-4, "num_train_epochs": 1.5, "per_device_train_batch_size": 8}, steps_per_epoch=25)
    assert run.total_steps == math.ceil(1.5 * 25)


@pytest.mark.parametrize(("warmup", "total", "steps"), [(0.03, 96, 3), (0.1, 95, 10), (5, 96, 5), (5.7, 96, 5), (0, 96, 0)])
def test_warmup_steps_or_ratio(warmup, total, steps):
    run = plan({"learning_rate": 1e-4, "max_steps": total, "warmup_steps": warmup, "lr_scheduler_type": "linear"})
    assert run.kwargs["num_warmup_steps"] == steps


def test_transformers_4_warmup_ratio_is_read_with_a_note():
    run = plan({"learning_rate": 1e-4, "max_steps": 100, "warmup_ratio": 0.05})
    assert run.kwargs["num_warmup_steps"] == 5 and "transformers 5 has no warmup_ratio" in run.warnings[0]
    assert "Write warmup_steps: 0.05" in run.warnings[0]
    run = plan({"learning_rate": 1e-4, "max_steps": 100, "warmup_ratio": 0.05, "warmup_steps": 20})
    assert run.kwargs["num_warmup_steps"] == 20 and "ignored" in run.notes[0]


def test_scheduler_kwargs_as_a_mapping_or_json_text():
    for kwargs in ({"min_lr_rate": 0.1}, '{"min_lr_rate": 0.1}'):
        run = plan({"learning_rate": 1e-4, "max_steps": 100, "lr_scheduler_type": "cosine_with_min_lr", "lr_scheduler_kwargs": kwargs})
        assert run.curve()[-1] > 1e-5


def test_python_training_arguments():
    run = from_config("args = TrainingArguments(output_dir=args.out, learning_rate=3e-4, max_steps=200, lr_scheduler_type='linear', report_to='none')")
    assert run.total_steps == 200 and run.lr == 3e-4 and "output_dir" in run.ignored
    assert read_config("SFTConfig(**{'learning_rate': 1e-5, 'max_steps': 10})") == {"learning_rate": 1e-5, "max_steps": 10}


def test_json_config():
    assert from_config('{"learning_rate": 5e-5, "max_steps": 10, "lr_scheduler_type": "constant"}').curve() == [5e-5] * 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("learning_rate: 2e-5\nnum_train_epochs: 3", "YAML reads a number such as 2e-5 without a decimal point as text"),
        ("learning_rate: 1.0e-4\nmax_steps: 10\nlr_scheduler_type: cosine_fancy", "'cosine_fancy' is not a valid SchedulerType"),
        ("learning_rate: 1.0e-4\nmax_steps: 10\nwarmup_steps: -1", "warmup_steps >= 0"),
        ("learning_rate: 1.0e-4\nmax_steps: 10\nlr_scheduler_type: reduce_lr_on_plateau", "follows the evaluation metric"),
        ("learning_rate: 1.0e-4\nper_device_train_batch_size: 0", "per_device_train_batch_size must be >= 1"),
        ("TrainingArguments(learning_rate=args.lr, max_steps=10)", "learning_rate=args.lr is not a literal"),
        ("lr_scheduler:\n  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup\n  num_warmup_steps: 100", "no optimizer with an lr"),
        ("lr_scheduler:\n  class_path: torch.optim.lr_scheduler.StepLR\n", "the config has no optimizer lr"),
        ("scheduler:\n  name: cosine_with_warmup\n  t_warmup: 100ba\n  alpha_f: 0.1\n", "no scheduler settings found"),
        ("optimizer:\n  init_args: {lr: 0.1}\nlr_scheduler:\n  class_path: ReduceLROnPlateau\n", "follows a monitored metric"),
        ('{"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 10}}}', "scales the optimizer's lr, and the config gives none"),
        ('{"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": "auto"}}, "optimizer": {"params": {"lr": 1e-3}}}', "leaves values to the Hugging Face Trainer"),
        ('{"scheduler": {"type": "CosineLR"}}', "is not one of DeepSpeed's: WarmupLR, WarmupDecayLR"),
        ('{"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 0}}, "optimizer": {"params": {"lr": 1e-3}}}', "warmup_num_steps must be a positive integer"),
        ("learning_rate: [1, 2\n", "the YAML could not be read: line 1"),
        ("- a\n- b", "this text reads as a list"),
        ("just words", "this text reads as a single value"),
        ("", "paste or upload a training config"),
    ],
)
def test_refused_with_a_message(text, message):
    with pytest.raises(ConfigError) as error:
        from_config(text, dataset_size=100)
    assert message in str(error.value)


class TestConfigBlock:
    """From a schedule back to the TrainingArguments keys that build it, checked by reading them back."""

    def test_a_transformers_schedule_becomes_its_keys(self):
        from lrcalc.configs.transformers import config_block

        block = config_block("transformers.get_scheduler", 3e-4, {"name": "cosine_with_min_lr", "num_warmup_steps": 50, "num_training_steps": 500,
                                                                 "scheduler_specific_kwargs": {"min_lr_rate": 0.1}})
        assert block["code"] == "learning_rate: 0.0003\nlr_scheduler_type: cosine_with_min_lr\nlr_scheduler_kwargs: {min_lr_rate: 0.1}\nwarmup_steps: 50\nmax_steps: 500\n"
        run = from_config(block["code"])
        expected = from_library("transformers.get_cosine_with_min_lr_schedule_with_warmup", lr=3e-4, num_warmup_steps=50, num_training_steps=500, min_lr_rate=0.1)
        assert run.curve() == [expected(i) for i in range(500)]

    def test_floats_are_written_as_yaml_reads_floats(self):
        from lrcalc.configs.transformers import config_block

        code = config_block("transformers.get_linear_schedule_with_warmup", 2e-5, {"num_warmup_steps": 0, "num_training_steps": 100})["code"]
        assert "learning_rate: 2.0e-05\n" in code and "warmup_steps" not in code and from_config(code).lr == 2e-5

    def test_no_exact_equivalent_says_why(self):
        from lrcalc.configs.transformers import config_block

        assert "once per epoch" in config_block("transformers.get_linear_schedule_with_warmup", 0.1, {"num_warmup_steps": 0, "num_training_steps": 100}, "epoch")["reason"]
        step = config_block("torch.optim.lr_scheduler.StepLR", 0.1, {"step_size": 30})
        assert step["code"] is None and "Trainer(optimizers=(optimizer, scheduler))" in step["reason"]


TORCHTUNE = """\
batch_size: 4
optimizer:
  _component_: torch.optim.AdamW
  fused: True
  weight_decay: 0.01
  lr: 3e-4
lr_scheduler:
  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup
  num_warmup_steps: 100
epochs: 2
max_steps_per_epoch: null
gradient_accumulation_steps: 8  # Use to increase effective batch size
"""


class TestTorchtune:
    def test_a_recipe_is_counted_as_the_recipe_counts_it(self):
        run = from_config(TORCHTUNE, dataset_size=4823)
        # 4823 // 4 = 1205 batches (drop_last); 1205 // 8 = 150 steps (5 batches make none); 2 epochs
        assert (run.steps_per_epoch, run.total_steps, run.lr) == (150, 300, 3e-4)
        assert run.framework == "torchtune recipe" and "3e-4" not in str(run.kwargs)
        expected = from_library("transformers.get_cosine_schedule_with_warmup", lr=3e-4, num_warmup_steps=100, num_training_steps=300)
        assert run.curve() == [expected(i) for i in range(300)]

    def test_max_steps_per_epoch_caps_each_epoch(self):
        run = from_config(TORCHTUNE.replace("max_steps_per_epoch: null", "max_steps_per_epoch: 40"), dataset_size=4823)
        assert run.total_steps == 80 and "caps it" in run.counting[-2]

    def test_devices_split_the_examples(self):
        assert from_config(TORCHTUNE, dataset_size=4823, devices=4).steps_per_epoch == (math.ceil(4823 / 4) // 4) // 8

    def test_too_few_examples_for_one_step_is_refused(self):
        with pytest.raises(ConfigError, match="no optimizer step"):
            from_config(TORCHTUNE, dataset_size=20)

    def test_an_unknown_component_is_refused(self):
        with pytest.raises(ConfigError, match="is not one lrcalc knows"):
            from_config(TORCHTUNE.replace("get_cosine_schedule_with_warmup", "get_linear"), dataset_size=100)


class TestOtherBlocks:
    """Schedules written back as torchtune and DeepSpeed config blocks, read back to the same curve."""

    def test_a_cosine_with_warmup_becomes_a_torchtune_block(self):
        from lrcalc.configs import config_blocks

        blocks = config_blocks("transformers.get_scheduler", 2e-5, {"name": "cosine", "num_warmup_steps": 94, "num_training_steps": 939})
        code = blocks["torchtune_config"]["code"]
        assert "max_steps_per_epoch: 939" in code
        run = from_config(code + "batch_size: 1\n", dataset_size=10_000)
        expected = from_library("transformers.get_cosine_schedule_with_warmup", lr=2e-5, num_warmup_steps=94, num_training_steps=939)
        assert run.curve() == [expected(i) for i in range(939)]
        assert blocks["deepspeed_config"]["code"] is None and "five schedulers" in blocks["deepspeed_config"]["reason"]

    def test_a_deepspeed_scheduler_becomes_its_block(self):
        from lrcalc.configs import config_blocks

        kwargs = {"total_num_steps": 100, "warmup_min_ratio": 0.2, "warmup_num_steps": 10}
        code = config_blocks("deepspeed.runtime.lr_schedules.WarmupCosineLR", 1.5e-3, kwargs)["deepspeed_config"]["code"]
        run = from_config(code)
        expected = from_library("deepspeed.runtime.lr_schedules.WarmupCosineLR", lr=1.5e-3, **kwargs)
        assert run.total_steps == 100 and run.curve() == [expected(i) for i in range(100)]


LIGHTNING = """\
trainer:
  max_epochs: 10
  accumulate_grad_batches: 2
data:
  init_args:
    batch_size: 32
optimizer:
  class_path: torch.optim.SGD
  init_args:
    lr: 0.1
lr_scheduler:
  class_path: torch.optim.lr_scheduler.StepLR
  init_args:
    step_size: 3
    gamma: 0.5
"""


class TestLightning:
    def test_the_scheduler_steps_once_per_epoch(self):
        """LightningCLI's interval is "epoch": every optimizer step of epoch e uses StepLR's value after e steps."""
        run = from_config(LIGHTNING, dataset_size=1000)
        # 1000 / 32 = 32 batches (ceil); / 2 = 16 optimizer steps per epoch; 10 epochs
        assert (run.steps_per_epoch, run.total_steps, run.epoch_stepped) == (16, 160, True)
        step_lr = from_library("torch.optim.lr_scheduler.StepLR", lr=0.1, step_size=3, gamma=0.5)
        assert run.curve() == [step_lr(i // 16) for i in range(160)]

    def test_max_steps_stops_the_run(self):
        assert from_config(LIGHTNING.replace("  max_epochs: 10", "  max_epochs: 10\n  max_steps: 50"), dataset_size=1000).total_steps == 50

    def test_without_a_batch_size_it_asks_for_the_steps(self):
        run = from_config(LIGHTNING.replace("    batch_size: 32", "    num_workers: 4"), dataset_size=1000)
        assert [a.name for a in run.asked] == ["steps_per_epoch"]


MMDET = """\
_base_ = ['../_base_/models/faster-rcnn_r50_fpn.py', '../_base_/default_runtime.py']
base_lr = 0.02
max_epochs = 12
train_dataloader = dict(batch_size=2, num_workers=2, dataset=dict(type=dataset_type))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.05, begin=max_epochs // 2, end=max_epochs,
         T_max=max_epochs // 2, by_epoch=True, convert_to_iter_based=True),
]
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=16)
"""


class TestMmengine:
    """OpenMMLab configs: Python files read without running them, the Runner's list replayed (corpus: test_config_corpus)."""

    def test_variables_and_arithmetic_are_evaluated(self):
        config = read_config(MMDET, "faster-rcnn.py")
        assert config["param_scheduler"][1]["eta_min"] == 0.02 * 0.05 and config["param_scheduler"][1]["begin"] == 6
        assert config["train_dataloader"]["batch_size"] == 2  # dataset_type is unread, and nothing needs it

    def test_the_run_is_counted_from_the_dataloader(self):
        run = from_config(MMDET, "faster-rcnn.py", dataset_size=1000, devices=2)
        assert (run.steps_per_epoch, run.total_steps) == (250, 3000)  # ceil(ceil(1000 / 2) / 2) iterations, 12 epochs
        curve = run.curve()
        assert curve[0] == pytest.approx(0.02 * 0.001) and curve[499] == pytest.approx(0.02) and curve[1499] == pytest.approx(0.02)
        assert curve[1500] == pytest.approx(0.02) and curve[-1] == pytest.approx(0.001, rel=1e-3)  # cosine from epoch 6 to eta_min

    def test_auto_scale_lr_when_enabled(self):
        run = from_config(MMDET.replace("enable=False", "enable=True"), "x.py", dataset_size=1000, devices=4)
        assert run.lr == pytest.approx(0.02 * 4 * 2 / 16) and "auto_scale_lr" in run.counting[0]

    def test_newer_configs_name_the_classes(self):
        """mmengine's lazy-import configs write type=LinearLR after importing it: read as the name."""
        text = ("from mmengine.optim.scheduler.lr_scheduler import LinearLR, MultiStepLR\nfrom torch.optim import SGD\n"
                "param_scheduler = [dict(type=LinearLR, start_factor=0.1, by_epoch=False, begin=0, end=10),\n"
                "                   dict(type=MultiStepLR, milestones=[2], gamma=0.1)]\n"
                "train_cfg = dict(by_epoch=True, max_epochs=3)\noptim_wrapper = dict(optimizer=dict(type=SGD, lr=0.1))\n")
        run = from_config(text, "x.py", steps_per_epoch=10)
        assert run.curve()[0] == pytest.approx(0.01) and run.curve()[20] == pytest.approx(0.01) and run.curve()[19] == pytest.approx(0.1)

    def test_an_iteration_loop_needs_no_data_set(self):
        text = ("param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=20000, by_epoch=False)]\n"
                "train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)\n"
                "optimizer = dict(type='SGD', lr=0.01, momentum=0.9)\noptim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)\n")
        run = from_config(text, "schedule_20k.py")
        assert run.ready and run.total_steps == 20000 and run.steps_per_epoch is None

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("_base_ = ['../_base_/schedules/schedule_1x.py']\nmodel = dict(type='FasterRCNN')\n", "inherits its schedule from its _base_ files (../_base_/schedules/schedule_1x.py)"),
            ("param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\noptim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02))\n", "no train_cfg"),
            ("param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\ntrain_cfg = dict(by_epoch=True, max_epochs=12)\n", "no optim_wrapper"),
            ("param_scheduler = [dict(type='MultiStepLR', milestones=_base_.milestones)]\ntrain_cfg = dict(max_epochs=12)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n",
             "uses _base_.milestones, which lrcalc cannot read"),
            ("param_scheduler = [dict(type='ReduceOnPlateauLR', monitor='loss')]\ntrain_cfg = dict(max_epochs=12)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n",
             "ReduceOnPlateauLR follows a validation metric"),
            ("param_scheduler = [dict(type='QuadraticWarmupLR', end=5)]\ntrain_cfg = dict(max_epochs=12)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n",
             "QuadraticWarmupLR is not an mmengine lr scheduler lrcalc knows"),
            ("param_scheduler = [dict(type='LinearLR', begin=5, end=5)]\ntrain_cfg = dict(max_epochs=12)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n",
             "end should be larger than begin, but got begin=5, end=5"),
            ("param_scheduler = [dict(type='LinearLR', start_factor=2.0)]\ntrain_cfg = dict(max_epochs=12)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n",
             "Starting multiplicative factor should between 0 and 1."),
            ("param_scheduler = [dict(type='StepLR', step_sizes=3)]\ntrain_cfg = dict(max_epochs=12)\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n",
             "StepLR.__init__() got an unexpected keyword argument 'step_sizes'"),
        ],
    )
    def test_refused_with_a_message(self, text, message):
        with pytest.raises(ConfigError) as error:
            from_config(text, "config.py", steps_per_epoch=10)
        assert message in str(error.value)

    def test_overlapping_cosine_is_chained_not_multiplied(self):
        """A LinearLR warmup by iteration over a cosine by epoch: the cosine's step is affine in eta_min, so the
        product of the two closed forms is not what the Runner gives (mmdet3d's cosine.py; measured in its corpus)."""
        kwargs = {"param_scheduler": [{"type": "LinearLR", "start_factor": 0.1, "by_epoch": False, "begin": 0, "end": 100},
                                      {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 1e-3, "begin": 0, "end": 10}],
                  "epoch_length": 20, "max_epochs": 10}
        schedule = from_library("mmengine.runner.Runner", lr=0.01, **kwargs)
        factor = lambda i: 0.1 + 0.9 * min(i, 99) / 99  # noqa: E731
        cosine = lambda e: 1e-3 + (0.01 - 1e-3) * (1 + math.cos(math.pi * e / 10)) / 2  # noqa: E731
        assert schedule(0) == pytest.approx(0.001)
        assert abs(schedule(60) - factor(60) * cosine(3)) > 1e-6  # not the product


class TestMmengineBlock:
    """Schedules written back as OpenMMLab config lines, read back through the Runner's replay to the same curve."""

    CASES = [case for case in __import__("json").loads((__import__("pathlib").Path(__file__).resolve().parents[1] / "reference" / "exports.json")
                                                       .read_text(encoding="utf-8"))["cases"] if "metrics" not in case["kwargs"]]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
    def test_every_block_reads_back_to_the_same_curve(self, case):
        from lrcalc.configs import config_blocks
        from lrcalc.libraries import lookup

        stepping = lookup(case["api"]).stepping
        block = config_blocks(case["api"], case["lr"], case["kwargs"], stepping)["mmengine_config"]
        assert block["reason"]
        if block["code"] is None:
            return
        steps = case["steps"]
        given = "\ntrain_cfg = " in block["code"]  # the Runner's own list comes with its loop
        loop = "" if given else (f"train_cfg = dict(by_epoch=True, max_epochs={steps})\n" if stepping == "epoch" else f"train_cfg = dict(by_epoch=False, max_iters={steps})\n")
        per_epoch = case["kwargs"].get("epoch_length") if given else 1
        run = from_config(block["code"] + loop, "config.py", steps_per_epoch=per_epoch)
        expected = from_library(case["api"], lr=case["lr"], **case["kwargs"])
        mine = run.curve()[:steps]
        peak = max(abs(expected(i)) for i in range(steps)) or 1.0
        for step, value in enumerate(mine):
            assert abs(value - expected(step)) <= 1e-9 * peak, f"step {step}: mmengine block {value!r}, lrcalc {expected(step)!r}"

    def test_the_blocks_cover_pytorchs_chainable_schedulers(self):
        from lrcalc.configs import config_blocks

        written = {case["api"] for case in self.CASES if config_blocks(case["api"], case["lr"], case["kwargs"], "epoch")["mmengine_config"]["code"]}
        assert len({api for api in written if api.startswith("torch.")}) >= 8 and "mmengine.runner.Runner" in written
        assert any(api.startswith("lrcalc.") for api in written)  # a family PyTorch builds with one of them


AXOLOTL = """\
base_model: NousResearch/Meta-Llama-3-8B
micro_batch_size: 2
gradient_accumulation_steps: 4
num_epochs: 4
learning_rate: 2e-4
lr_scheduler: cosine
warmup_ratio: 0.1
"""


class TestAxolotl:
    """axolotl's count of the run (its own, over the whole run), its warmup rules and the scheduler it picks."""

    def test_the_run_is_counted_over_all_epochs_at_once(self):
        """ceil(30 × 4 / 8) = 15 steps, where the Trainer alone would count 4 per epoch, 16 in all; warmup int(0.1 × 15) = 1 -> 2."""
        run = from_config(AXOLOTL, "axolotl.yaml", dataset_size=30)
        assert run.framework == "axolotl" and run.total_steps == 15 and run.kwargs["num_warmup_steps"] == 2
        assert run.lr == 2e-4  # the text 2e-4 is a number to axolotl (float())

    def test_devices_multiply_the_batch(self):
        assert from_config(AXOLOTL, "a.yaml", dataset_size=1000, devices=4).total_steps == math.ceil(1000 * 4 / 32)

    def test_batch_size_alone_keeps_accumulation_at_one(self):
        """axolotl's default accumulation (1) wins over batch_size // micro_batch_size, but batch_size counts the run."""
        text = "base_model: x\nmicro_batch_size: 1\nbatch_size: 8\nnum_epochs: 4\nlearning_rate: 1.0e-5\n"
        assert from_config(text, "a.yaml", dataset_size=10).total_steps == 5

    @pytest.mark.parametrize(("extra", "warmup"), [("", 2), ("warmup_steps: 7\n", 7)])
    def test_axolotls_default_warmup(self, extra, warmup):
        """Neither key: min(int(0.03 × total), 100), 6 for 200 steps; warmup_steps as written otherwise."""
        text = AXOLOTL.replace("warmup_ratio: 0.1\n", extra)
        run = from_config(text, "a.yaml", dataset_size=400)  # ceil(400 × 4 / 8) = 200 steps: int(0.03 × 200) = 6
        assert run.kwargs["num_warmup_steps"] == (6 if not extra else warmup)

    def test_max_steps_runs_longer_but_warmup_counts_the_capped_run(self):
        run = from_config(AXOLOTL + "max_steps: 1000\n", "a.yaml", dataset_size=30)  # total min(15, 1000) = 15: warmup int(1.5) = 1 -> 2
        assert run.total_steps == 1000 and run.kwargs["num_warmup_steps"] == 2

    def test_axolotls_own_schedulers(self):
        quadratic = from_config(AXOLOTL + "lr_quadratic_warmup: true\ncosine_min_lr_ratio: 0.1\n", "a.yaml", dataset_size=30)
        assert quadratic.api.endswith("get_cosine_schedule_with_quadratic_warmup") and quadratic.warnings
        floor = from_config(AXOLOTL + "cosine_min_lr_ratio: 1.0\ncosine_constant_lr_ratio: 0\n", "a.yaml", dataset_size=30)
        assert floor.api.endswith("get_cosine_schedule_with_min_lr") and floor.curve()[-1] == pytest.approx(2e-4)  # 0 is "not set": constant after warmup
        held = from_config(AXOLOTL + "cosine_min_lr_ratio: 0.1\ncosine_constant_lr_ratio: 0.5\n", "a.yaml", dataset_size=30)
        assert held.api.endswith("get_cosine_schedule_with_warmup_decay_constant")
        assert from_config(AXOLOTL.replace("cosine", "rex"), "a.yaml", dataset_size=30).api.endswith("RexLR")
        one_cycle = from_config(AXOLOTL.replace("cosine", "one_cycle"), "a.yaml", dataset_size=30)
        assert one_cycle.api.endswith("OneCycleLR") and one_cycle.kwargs["pct_start"] == 2 / 15

    def test_sample_packing_asks_for_the_steps(self):
        run = from_config(AXOLOTL + "sample_packing: true\n", "a.yaml", dataset_size=30)
        assert [a.name for a in run.asked] == ["steps_per_epoch"]
        assert from_config(AXOLOTL + "sample_packing: true\n", "a.yaml", steps_per_epoch=10).total_steps == 40

    @pytest.mark.parametrize(
        ("extra", "message"),
        [("warmup_steps: 10\n", "warmup_steps and warmup_ratio are both set"), ("jagged_restart_steps: 100\n", "jagged restarts")],
    )
    def test_refused(self, extra, message):
        with pytest.raises(ConfigError, match=message):
            from_config(AXOLOTL + extra, "a.yaml", dataset_size=30)


LLM_FOUNDRY = """\
variables:
  max_seq_len: 2048
max_seq_len: ${variables.max_seq_len}
train_loader:
  name: text
  drop_last: true
scheduler:
  name: cosine_with_warmup
  t_warmup: 100ba
  alpha_f: 0.1
optimizer:
  name: decoupled_adamw
  lr: 6.0e-4
max_duration: 2ep
global_train_batch_size: 256
"""


class TestComposer:
    """Composer configs: times in units, an epoch from the loader, the Trainer's one-batch lag."""

    def test_an_llm_foundry_config(self):
        """1000 examples, drop_last, 256 a batch: 3 batches an epoch, 6 in the run; warmup 0, 0, then lr / 100 a batch."""
        run = from_config(LLM_FOUNDRY, "mpt.yaml", dataset_size=1000)
        assert run.framework.startswith("MosaicML Composer") and (run.steps_per_epoch, run.total_steps) == (3, 6)
        assert run.curve()[:3] == [0.0, 0.0, pytest.approx(6e-6)]

    def test_tokens_per_batch_from_the_sequence_length(self):
        text = LLM_FOUNDRY.replace("max_duration: 2ep", "max_duration: 5242880tok").replace("t_warmup: 100ba", "t_warmup: 0.1dur")
        run = from_config(text, "mpt.yaml")
        assert run.total_steps == 10 and run.kwargs["tokens_per_batch"] == 256 * 2048  # ${variables.max_seq_len} resolved

    def test_epochs_need_the_data(self):
        assert [a.name for a in from_config(LLM_FOUNDRY, "mpt.yaml").asked] == ["dataset_size"]

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (("cosine_with_warmup", "inv_sqrt_with_warmup"), "InverseSquareRootWithWarmupScheduler, which lrcalc does not compute"),
            (("cosine_with_warmup", "cosine_fancy"), "is not one Composer or llm-foundry registers"),
            (("t_warmup: 100ba", "t_warmup: 1.5ba"), "must be a whole number"),
            (("max_duration: 2ep", "max_duration: 0.5dur"), "max_duration cannot be in dur"),
        ],
    )
    def test_refused_with_composers_reasons(self, change, message):
        with pytest.raises(ConfigError, match=message):
            from_config(LLM_FOUNDRY.replace(*change), "mpt.yaml", dataset_size=1000)
