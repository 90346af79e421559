"""The lrcalc command line, run as a user runs it: ``python -m lrcalc`` in a subprocess."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lrcalc import export, fmt, from_library

ROOT = Path(__file__).resolve().parents[2]
FINDER_EXPORTS = ROOT / "tests" / "reference" / "finder" / "exports"


def lrcalc(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m lrcalc ARGS`` with the repository's lrcalc first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "site_src")}
    return subprocess.run([sys.executable, "-m", "lrcalc", *args], capture_output=True, text=True, env=env, input=stdin, timeout=120)


def strict_json(text: str):
    """JSON that refuses NaN and Infinity."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))


def assert_one_line_error(run: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2, nothing on stdout, and one line on stderr: ``lrcalc: error: ...`` containing each fragment."""
    assert run.returncode == 2, run
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("lrcalc: error: "), run.stderr
    assert "Traceback" not in run.stderr
    for fragment in fragments:
        assert fragment in lines[0]


class TestSchedule:
    """``lrcalc schedule FAMILY NAME=VALUE ...`` prints one of lrcalc's families."""

    def test_table_shows_each_step_to_four_significant_digits(self):
        """A header, then one row per step, values through fmt.lr."""
        run = lrcalc("schedule", "cosine_decay", "init_value=0.1", "steps=10", "--steps", "12")
        assert run.returncode == 0, run.stderr
        rows = run.stdout.splitlines()
        assert rows[0].split() == ["step", "lr"]
        schedule = from_library("lrcalc.cosine_decay", init_value=0.1, steps=10)
        assert [row.split() for row in rows[1:]] == [[str(i), fmt.lr(schedule(i))] for i in range(12)]

    def test_csv_gives_exact_values(self):
        """Every value reads back as the very float lrcalc computed."""
        run = lrcalc("schedule", "exponential_decay", "init_value=0.01", "decay_rate=0.95", "--steps", "50", "--format", "csv")
        assert run.returncode == 0, run.stderr
        rows = list(csv.reader(io.StringIO(run.stdout)))
        assert rows[0] == ["step", "lr"]
        schedule = from_library("lrcalc.exponential_decay", init_value=0.01, decay_rate=0.95)
        assert [(int(s), float(v)) for s, v in rows[1:]] == [(i, schedule(i)) for i in range(50)]

    def test_json_gives_exact_values_and_the_call(self):
        """Strict JSON: the api, the arguments as read, and the values of steps 0 to N-1."""
        run = lrcalc("schedule", "warmup", "schedule=cosine_decay(init_value=0.1, steps=95)", "warmup_steps=5", "--format", "json")
        assert run.returncode == 0, run.stderr
        document = strict_json(run.stdout)
        assert document["api"] == "lrcalc.warmup"
        assert document["kwargs"]["schedule"] == {"api": "lrcalc.cosine_decay", "init_value": 0.1, "steps": 95}
        schedule = from_library("lrcalc.warmup", **document["kwargs"])
        assert document["values"] == [schedule(i) for i in range(100)]
        assert document["steps"] == 100

    def test_arguments_are_python_literals_and_choices_may_be_bare_words(self):
        """Lists, arithmetic, True; mode=triangular2 without quotes."""
        run = lrcalc("schedule", "multistep_decay", "milestones=[3, 6]", "init_value=2*0.05", "--steps", "8", "--format", "csv")
        schedule = from_library("lrcalc.multistep_decay", milestones=[3, 6], init_value=0.1)
        assert [float(row[1]) for row in list(csv.reader(io.StringIO(run.stdout)))[1:]] == [schedule(i) for i in range(8)]
        run = lrcalc("schedule", "cyclic", "mode=triangular2", "step_size_up=2", "--steps", "9", "--format", "json")
        assert strict_json(run.stdout)["kwargs"] == {"mode": "triangular2", "step_size_up": 2}

    @pytest.mark.parametrize("target", export.TARGETS)
    def test_to_prints_the_exported_code(self, target):
        """--to TARGET prints export.code's snippet, which compiles."""
        run = lrcalc("schedule", "one_cycle", "max_value=0.1", "total_steps=100", "--to", target)
        assert run.returncode == 0, run.stderr
        assert run.stdout == export.code("lrcalc.one_cycle", None, {"max_value": 0.1, "total_steps": 100}, target)
        compile(run.stdout, target, "exec")


class TestFromLibrary:
    """``lrcalc from-library CALL`` evaluates a call pasted from a training script."""

    def test_missing_names_are_listed_on_one_line_with_status_2(self):
        """A real call's names without values: every one on one line, then how to give each; nothing on stdout."""
        call = "get_linear_schedule_with_warmup(optimizer, num_warmup_steps=args.warmup_steps, num_training_steps=len(train_dataloader) * num_epochs)"
        run = lrcalc("from-library", call, "--lr", "5e-5")
        assert run.returncode == 2 and run.stdout == ""
        lines = run.stderr.splitlines()
        assert lines[0] == "lrcalc: missing values: args.warmup_steps, len(train_dataloader), num_epochs"
        assert "--set 'args.warmup_steps=VALUE'" in lines[1]
        assert "--steps-per-epoch N" in lines[2] and "--epochs N" in lines[3]

    def test_set_and_the_run_give_the_names_their_values(self):
        """--set for a script's value, --epochs and --steps-per-epoch for the run's: the numbers are the library's with those values."""
        call = "get_linear_schedule_with_warmup(optimizer, num_warmup_steps=args.warmup_steps, num_training_steps=len(train_dataloader) * num_epochs)"
        run = lrcalc("from-library", call, "--lr", "5e-5", "--set", "args.warmup_steps=50", "--epochs", "3", "--steps-per-epoch", "100", "--format", "csv")
        assert run.returncode == 0, run.stderr
        values = [float(row[1]) for row in list(csv.reader(io.StringIO(run.stdout)))[1:]]
        expected = from_library("transformers.get_linear_schedule_with_warmup", lr=5e-5, num_warmup_steps=50, num_training_steps=300)
        assert values == [expected(i) for i in range(300)]  # the run: 3 epochs of 100 batches
        assert run.stderr == ""

    def test_set_reads_python_literals_and_arithmetic(self):
        """Values are literals: a list for milestones, arithmetic allowed; names inside a --set value are refused."""
        run = lrcalc("from-library", "MultiStepLR(optimizer, milestones=cfg['milestones'], gamma=g)", "--lr", "0.1",
                     "--set", "cfg['milestones']=[3, 6]", "--set", "g=1 / 10", "--steps", "8", "--format", "json")
        assert run.returncode == 0, run.stderr
        document = strict_json(run.stdout)
        assert document["kwargs"] == {"milestones": [3, 6], "gamma": 0.1}
        refused = lrcalc("from-library", "StepLR(optimizer, n)", "--lr", "0.1", "--set", "n=m + 1")
        assert_one_line_error(refused, "'m' is not a literal value")

    def test_the_call_states_the_length_and_a_longer_run_is_warned_about(self):
        """Without --steps the curve covers the call's T_max; --epochs longer than it warns that the cosine climbs, from which step."""
        own = lrcalc("from-library", "CosineAnnealingLR(optimizer, T_max=50)", "--lr", "0.1", "--format", "csv")
        assert own.returncode == 0 and len(own.stdout.splitlines()) == 1 + 50 and own.stderr == ""
        longer = lrcalc("from-library", "CosineAnnealingLR(optimizer, T_max=50)", "--lr", "0.1", "--epochs", "90")
        assert longer.returncode == 0 and len(longer.stdout.splitlines()) == 1 + 90
        assert longer.stderr.startswith("lrcalc: warning: The run is longer than CosineAnnealingLR's T_max=50: from step 51 the learning rate rises again")

    def test_pasted_call_with_lr_option(self):
        """The issue's example: StepLR with --lr 0.1 over 100 steps."""
        run = lrcalc("from-library", "torch.optim.lr_scheduler.StepLR(step_size=30)", "--lr", "0.1", "--steps", "100", "--format", "csv")
        assert run.returncode == 0, run.stderr
        values = [float(row[1]) for row in list(csv.reader(io.StringIO(run.stdout)))[1:]]
        schedule = from_library("torch.optim.lr_scheduler.StepLR", lr=0.1, step_size=30)
        assert values == [schedule(i) for i in range(100)]

    def test_assignment_with_optimizer_argument_and_lr_from_the_paste(self):
        """``scheduler = OneCycleLR(optimizer, ...)`` works; an optimizer line in the paste gives the lr."""
        paste = "optimizer = torch.optim.SGD(model.parameters(), lr=0.05)\nscheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=20)"
        run = lrcalc("from-library", paste, "--steps", "21", "--format", "json")
        assert run.returncode == 0, run.stderr
        document = strict_json(run.stdout)
        assert document["lr"] == 0.05 and document["api"] == "torch.optim.lr_scheduler.OneCycleLR"
        assert len(document["values"]) == 21

    def test_curve_stops_with_a_note_where_the_library_raises(self):
        """OneCycleLR raises past total_steps: the table ends there and stderr says why; the exit status is 0."""
        run = lrcalc("from-library", "OneCycleLR(optimizer, max_lr=0.1, total_steps=10)", "--lr", "0.1", "--steps", "20")
        assert run.returncode == 0
        assert len(run.stdout.splitlines()) == 1 + 11
        lines = run.stderr.splitlines()
        assert lines[0].startswith("lrcalc: warning: The run is longer than OneCycleLR's total_steps=10: at step 11 the library raises")
        assert lines[1].startswith("lrcalc: note: the curve stops before step 11: Tried to step 11 times")

    def test_to_exports_a_keras_schedule_to_optax(self):
        """A Keras call exported to optax uses optax's own built-in when it is exactly equal."""
        run = lrcalc("from-library", "keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)", "--to", "optax")
        assert run.returncode == 0, run.stderr
        assert "optax.exponential_decay(init_value=0.1, transition_steps=10, decay_rate=0.5, staircase=True)" in run.stdout


class TestFind:
    """``lrcalc find FILE`` reads an LR range test and prints each rule's suggestion."""

    def test_table_names_the_format_the_smoothing_and_every_rule(self):
        """Detected format, smoothing, one row per rule, and how far they agree."""
        run = lrcalc("find", str(FINDER_EXPORTS / "torch_lr_finder_history.json"))
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert lines[0] == "Detected: torch-lr-finder history (JSON), 100 points"
        assert lines[1] == "Smoothing: none"
        for label in ("fastai valley", "torch-lr-finder steepest", "Lightning steepest", "lrcalc recommended"):
            assert any(line.startswith(label) for line in lines), label
        assert lines[-1].startswith("The 7 rules suggest")

    def test_json_has_the_same_information(self):
        """The detected format, the smoothing and each rule's value, as strict JSON."""
        run = lrcalc("find", str(FINDER_EXPORTS / "fastai_recorder.json"), "--format", "json", "--smoothing", "none")
        assert run.returncode == 0, run.stderr
        document = strict_json(run.stdout)
        assert document["tool"] == "fastai" and document["smoothing"] == "none"
        assert [row["rule"] for row in document["suggestions"]][:2] == ["fastai.minimum", "fastai.steep"]
        assert all(row["value"] > 0 for row in document["suggestions"] if row["error"] is None)

    def test_reads_standard_input(self):
        """FILE - reads the range test from stdin."""
        text = (FINDER_EXPORTS / "plain_no_header.csv").read_text()
        run = lrcalc("find", "-", "--format", "json", stdin=text)
        assert run.returncode == 0, run.stderr
        assert "CSV" in strict_json(run.stdout)["detected"]


class TestList:
    """``lrcalc list [LIBRARY]`` lists the registered schedulers."""

    def test_lists_every_library(self):
        """All six libraries, each with its count."""
        run = lrcalc("list")
        assert run.returncode == 0
        for library in ("lrcalc (", "torch (", "keras (", "optax (", "transformers (", "timm ("):
            assert library in run.stdout
        assert "torch.optim.lr_scheduler.OneCycleLR" in run.stdout

    def test_lists_one_library(self):
        """Only that library's schedulers, with their summaries."""
        run = lrcalc("list", "lrcalc")
        assert run.returncode == 0
        assert run.stdout.startswith("lrcalc (20)")
        assert "lrcalc.cosine_decay" in run.stdout and "torch." not in run.stdout


class TestHelp:
    """``--help`` explains each command with examples."""

    @pytest.mark.parametrize("command", [[], ["schedule"], ["from-library"], ["find"], ["list"]])
    def test_help_has_examples(self, command):
        """Exit status 0 and an examples section naming the command."""
        run = lrcalc(*command, "--help")
        assert run.returncode == 0
        assert "examples:" in run.stdout
        assert f"lrcalc {command[0] if command else 'schedule'} " in run.stdout.split("examples:", 1)[1]


class TestErrors:
    """Every error is one line on stderr and exit status 2, never a traceback."""

    @pytest.mark.parametrize(
        ("args", "fragments"),
        [
            (["schedule", "cosine", "steps=3"], ["unknown family 'cosine'", "did you mean cosine_decay?"]),
            (["schedule", "cosine_decay", "steps=0"], ["steps must be >= 1 (got steps=0)"]),
            (["schedule", "cosine_decay", "steps"], ["NAME=VALUE"]),
            (["schedule", "cosine_decay", "warmup=3"], ["has no argument 'warmup'"]),
            (["schedule", "cosine_decay", "steps=[1"], ["argument steps", "not a Python literal"]),
            (["schedule", "cosine_decay", "steps=open('x')"], ["argument steps: \"open('x')\" is not a literal value"]),
            (["schedule", "cosine_decay", "steps=x"], ["argument steps: 'x' is not a literal value"]),
            (["schedule", "constant", "--steps", "0"], ["--steps", "whole number from 1 to 10,000,000"]),
            (["schedule", "constant", "--steps", "2.5"], ["--steps"]),
            (["schedule", "constant", "--steps", "10000001"], ["--steps"]),
            (["schedule", "constant", "--to", "jax"], ["--to", "invalid choice"]),
            (["schedule", "constant", "--to", "keras", "--format", "csv"], ["not allowed with"]),
            (["schedule", "reduce_on_plateau", "--to", "optax"], ["optax cannot express it"]),
            (["from-library", "StepLR(step_size=30)"], ["give its learning rate with --lr"]),
            (["from-library", "NoSuchLR(optimizer)"], ["the paste calls NoSuchLR, which lrcalc does not know as a scheduler"]),
            (["from-library", "LambdaLR(optimizer, lambda e: 0.9 ** e)", "--lr", "0.1"], ["LambdaLR computes the learning rate with a Python function"]),
            (["from-library", "StepLR(optimizer, 30)", "--lr", "0.1", "--set", "x"], ["--set takes NAME=VALUE"]),
            (["from-library", "StepLR(optimizer, n)", "--lr", "0.1", "--set", "n=[1"], ["n could not be read"]),
            (["from-library", "StepLR(optimizer, step_size=30"], ["line 1"]),
            (["from-library", "CosineAnnealingWarmRestarts(optimizer, T_0=2.5)", "--lr", "0.1"], ["Expected positive integer T_0"]),
            (["from-library", "optax.cosine_decay_schedule(0.1, 100)", "--lr", "0.1"], ["--lr does not apply"]),
            (["from-library", "StepLR(step_size=30)", "--lr", "-1"], ["--lr", ">= 0"]),
            (["find", "/no/such/file.json"], ["cannot read /no/such/file.json"]),
            (["find", str(ROOT / "pyproject.toml")], []),
            (["list", "pytorch"], ["invalid choice"]),
            (["frobnicate"], ["invalid choice"]),
            ([], ["required"]),
        ],
    )
    def test_bad_input_is_one_line_and_status_2(self, args, fragments):
        """The message names what is wrong."""
        assert_one_line_error(lrcalc(*args), *fragments)


def test_console_script_is_installed():
    """``pip install -e .`` provides the ``lrcalc`` command (pyproject's [project.scripts])."""
    script = shutil.which("lrcalc", path=str(Path(sys.executable).parent))
    assert script, "run pip install -e . in this environment"
    run = subprocess.run([script, "schedule", "constant", "value=0.5", "--steps", "2", "--format", "csv"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["step,lr", "0,0.5", "1,0.5"]


# ---------------------------------------------------------------- from-config

RECIPE = "learning_rate: 2.0e-05\nlr_scheduler_type: cosine\nwarmup_ratio: 0.1\nnum_train_epochs: 3\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 8\n"


def test_from_config_csv_is_one_row_per_optimizer_step(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    run = lrcalc("from-config", str(path), "--dataset-size", "1000", "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0] == ["step", "lr"] and len(rows) == 1 + 96
    expected = from_library("transformers.get_cosine_schedule_with_warmup", lr=2e-5, num_warmup_steps=10, num_training_steps=96)
    assert [float(lr) for _, lr in rows[1:]] == [expected(i) for i in range(96)]
    assert "32 optimizer steps per epoch" in run.stderr and "Traceback" not in run.stderr


def test_from_config_reads_standard_input_and_json_output():
    run = lrcalc("from-config", "-", "--steps-per-epoch", "10", "--devices", "2", "--format", "json", stdin=RECIPE)
    assert run.returncode == 0, run.stderr
    document = strict_json(run.stdout)
    assert document["steps"] == 30 and document["kwargs"]["num_warmup_steps"] == 3 and len(document["values"]) == 30


def test_from_config_reads_an_openmmlab_python_config():
    """A verbatim mmdetection schedule file: the Runner's every iteration, as the real Runner recorded it."""
    root = Path(__file__).resolve().parents[1] / "configs" / "mmengine"
    entry = next(e for e in json.loads((root / "expected.json").read_text(encoding="utf-8"))["entries"] if e["id"] == "mmdet_schedule_1x")
    run = lrcalc("from-config", str(root / "configs" / entry["config"]), "--steps-per-epoch", str(entry["iters_per_epoch"]), "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(io.StringIO(run.stdout)))[1:]
    assert [int(step) for step, _ in rows] == list(range(entry["n_iters"]))
    assert max(abs(float(lr) - expected) for (_, lr), expected in zip(rows, entry["lrs"])) <= 1e-9 * max(entry["lrs"])
    assert "OpenMMLab mmengine" in run.stderr


def test_from_config_asks_for_the_data_set_size():
    run = lrcalc("from-config", "-", stdin=RECIPE)
    assert run.returncode == 2 and run.stdout == ""
    assert "missing value: training examples" in run.stderr and "--dataset-size N" in run.stderr


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        ("learning_rate: 2e-5\nnum_train_epochs: 3\n", "Write learning_rate: 2.0e-5"),
        ("model = build_model(cfg)\n", "no training arguments call found"),
        ("scheduler:\n  name: cosine_with_warmup\n  t_warmup: 100ba\nmax_duration: 10ba\n", "the config's optimizer has no lr"),
    ],
)
def test_from_config_refuses_with_one_line(stdin, fragment):
    run = lrcalc("from-config", "-", "--dataset-size", "100", stdin=stdin)
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("lrcalc: error: ")]
    assert len(errors) == 1 and fragment in errors[0], run.stderr


def test_from_config_missing_file():
    assert_one_line_error(lrcalc("from-config", "/nonexistent/recipe.yaml", "--dataset-size", "10"), "cannot read /nonexistent/recipe.yaml")
