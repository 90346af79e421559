"""Whole training configs: the schedule a framework builds from a config, per optimizer step.

People who fine-tune write a config, not a scheduler call: ``lr_scheduler_type:
cosine``, ``warmup_steps: 0.03``, ``num_train_epochs: 3``,
``per_device_train_batch_size: 4``, ``gradient_accumulation_steps: 8``. The
framework turns that and the size of the data set into a scheduler, counting
optimizer steps its own way. :func:`read_config` reads the text (YAML, JSON or a
Python call such as ``TrainingArguments(...)``), :func:`plan` says which
framework it is for and works out the run exactly as that framework does; its
:class:`Run` gives the schedule, the numbers it was computed from and what
was used and ignored.

Frameworks read: Hugging Face ``TrainingArguments`` (the Trainer, and recipe
formats that pass their keys through: TRL, alignment-handbook,
LLaMA-Factory), :mod:`lrcalc.configs.transformers`; torchtune recipes,
:mod:`lrcalc.configs.torchtune`; DeepSpeed configs, :mod:`lrcalc.configs.deepspeed`. Configs for other frameworks are
recognised and refused with a message naming the framework.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .. import fmt
from ..libraries import from_library, lookup

try:  # a dependency of the package; the page's archive holds it (imported here so the page's snapshot has it)
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

MAX_CONFIG = 200_000
"""Characters: a config is a page of text, not a data set."""


_FLOAT = re.compile(r"^[-+]?(?:\d[\d_]*\.[\d_]*(?:[eE][-+]?\d+)?|\d[\d_]*[eE][-+]?\d+|\.\d[\d_]*(?:[eE][-+]?\d+)?)$")


def yaml12(value: Any) -> Any:
    """A value as a YAML 1.2 loader reads it (OmegaConf's, jsonargparse's): number-like text such as ``3e-4``,
    which PyYAML's YAML 1.1 leaves as text, is a float (omegaconf/_utils.py ``get_yaml_loader``)."""
    if isinstance(value, str) and _FLOAT.match(value.strip()):
        return float(value.replace("_", ""))
    if isinstance(value, Mapping):
        return {key: yaml12(item) for key, item in value.items()}
    if isinstance(value, list):
        return [yaml12(item) for item in value]
    return value


def number(value: Any, key: str, low: float | None = None) -> float:
    """A config's number, checked: text is refused, saying how to write it (see :func:`_text_number`)."""
    if isinstance(value, str):
        raise ConfigError(_text_number(key, value))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{key} must be a number (got {value!r})")
    if low is not None and value < low:
        raise ConfigError(f"{key} must be >= {fmt.number(low)} (got {fmt.number(value)})")
    return value


def whole(value: Any, key: str, low: int | None = None) -> int:
    """A config's whole number, checked."""
    if value is None:
        raise ConfigError(f"{key} is missing: the config must set it")
    if isinstance(value, str):
        raise ConfigError(_text_number(key, value))
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be a whole number (got {value!r})")
    if low is not None and value < low:
        raise ConfigError(f"{key} must be >= {low} (got {value})")
    return value


def _text_number(key: str, value: str) -> str:
    """A number the YAML read as text: PyYAML (YAML 1.1) reads 2e-5, without a point, as a string; the Trainer then fails."""
    try:
        float(value)
    except ValueError:
        return f"{key} must be a number (got the text {value!r})"
    mantissa, _, exponent = value.lower().partition("e")
    better = f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}" if exponent else value
    return (f"{key} is the text {value!r}, not a number: YAML reads a number such as 2e-5 without a decimal point as text, "
            f"and the Trainer fails on it. Write {key}: {better}")


class ConfigError(ValueError):
    """The config could not be read or its framework refuses it; the message says what and where."""


@dataclass(frozen=True)
class Asked:
    """A value the config cannot say (the data set's size, the number of devices)."""

    name: str  # "dataset_size", "steps_per_epoch", "devices"
    label: str
    hint: str


@dataclass
class Run:
    """What a framework builds from a config: the scheduler call and the run it is stepped over."""

    framework: str  # as the page says it: "Hugging Face Trainer (TrainingArguments)"
    api: str  # the scheduler the framework builds, such as transformers.get_scheduler
    lr: float | None
    kwargs: dict[str, Any]
    total_steps: int  # optimizer steps in the run
    steps_per_epoch: int | None  # optimizer steps per epoch (None: the run is max_steps long, epochs do not matter)
    used: dict[str, Any]  # the config's keys that decide the schedule, with their values
    ignored: list[str]  # the others
    defaults: dict[str, Any] = field(default_factory=dict)  # keys the config leaves out, at the framework's default
    counting: list[str] = field(default_factory=list)  # how the steps were counted, one line per rule
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # where the framework's versions disagree, and what to write instead
    asked: list[Asked] = field(default_factory=list)  # values still needed (the schedule cannot be computed until given)
    epoch_stepped: bool = False  # the scheduler steps once per epoch (of steps_per_epoch optimizer steps), not per optimizer step

    @property
    def ready(self) -> bool:
        return not self.asked

    def schedule(self) -> Callable[[int], float]:
        """``schedule(i)``: the learning rate the optimizer uses for its i-th step (0-based)."""
        if self.asked:
            raise ConfigError("missing values: " + ", ".join(a.name for a in self.asked))
        schedule = from_library(self.api, lr=self.lr, **self.kwargs)
        if not self.epoch_stepped:
            return schedule
        per_epoch = self.steps_per_epoch
        return lambda step: schedule(step // per_epoch)

    def curve(self) -> list[float]:
        """The learning rate of every optimizer step of the run, 0 .. total_steps - 1."""
        schedule = self.schedule()
        return [schedule(step) for step in range(self.total_steps)]

    @property
    def spec(self):
        return lookup(self.api)


def read_config(text: str, filename: str = "") -> dict[str, Any]:
    """A config's text as a mapping: JSON, YAML (PyYAML's safe loader) or a Python call's keyword arguments.

    >>> read_config('{"learning_rate": 2e-5}')
    {'learning_rate': 2e-05}
    >>> read_config("args = TrainingArguments(output_dir='out', learning_rate=2e-5, num_train_epochs=3)")
    {'output_dir': 'out', 'learning_rate': 2e-05, 'num_train_epochs': 3}
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("paste or upload a training config (YAML, JSON or a TrainingArguments(...) call)")
    if len(text) > MAX_CONFIG:
        raise ConfigError(f"the text is too long to be a training config ({len(text):,} characters; at most {MAX_CONFIG:,})")
    name = filename.lower()
    stripped = text.strip()
    if name.endswith(".py") or (not name.endswith((".json", ".yaml", ".yml")) and _looks_like_python(stripped)):
        return _python_config(stripped)
    if name.endswith(".json") or stripped.startswith("{"):
        try:
            loaded = json.loads(stripped)
        except ValueError as error:
            if name.endswith(".json"):
                raise ConfigError(f"the JSON could not be read: {error}") from None
            loaded = _yaml(stripped)  # YAML flow style is a superset of JSON
    else:
        loaded = _yaml(stripped)
    if not isinstance(loaded, dict):
        what = "a list" if isinstance(loaded, list) else "a single value"
        raise ConfigError(f"a training config is a mapping of keys to values, such as learning_rate: 2.0e-5 on its own line; this text reads as {what}")
    return loaded


def _yaml(text: str) -> Any:
    if yaml is None:  # pragma: no cover
        raise ConfigError("reading YAML needs PyYAML (pip install pyyaml)")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"the YAML could not be read: {where}{problem}") from None


def _looks_like_python(text: str) -> bool:
    """Python, not YAML: a call (``TrainingArguments(...)``) or an assignment (an mmengine config's ``x = dict(...)``)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return any(isinstance(node, (ast.Call, ast.Assign)) for node in ast.walk(tree))


CONFIG_CALLS = ("TrainingArguments", "Seq2SeqTrainingArguments", "SFTConfig", "DPOConfig", "ORPOConfig", "KTOConfig", "CPOConfig",
                "GRPOConfig", "RewardConfig", "PPOConfig", "RLOOConfig", "OnlineDPOConfig", "GKDConfig", "BCOConfig", "PRMConfig")
"""The calls whose keyword arguments are TrainingArguments' (transformers' own, and TRL's subclasses)."""


def _python_config(text: str) -> dict[str, Any]:
    """The literal keyword arguments of the last ``TrainingArguments(...)`` (or a TRL config) call; others are named."""
    tree = ast.parse(text)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _call_name(node.func) in CONFIG_CALLS]
    assigned = {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)}
    if not calls and assigned & {"param_scheduler", "train_cfg", "optim_wrapper", "_base_"}:  # an OpenMMLab config file
        return _reader("mmengine").python_config(tree)
    if not calls:
        raise ConfigError(f"no training arguments call found; lrcalc reads {', '.join(CONFIG_CALLS[:3])} and TRL's configs (SFTConfig, DPOConfig, ...)")
    call = calls[-1]
    if call.args:
        raise ConfigError(f"{_call_name(call.func)} takes keyword arguments only")
    config: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            if isinstance(keyword.value, ast.Dict):
                try:
                    config.update(ast.literal_eval(keyword.value))
                    continue
                except ValueError:
                    pass
            raise ConfigError(f"**{ast.unparse(keyword.value)} cannot be read without running the script: write its keys out")
        try:
            config[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            config[keyword.arg] = Unread(ast.unparse(keyword.value))
    return config


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


@dataclass(frozen=True)
class Unread:
    """A Python config's value that is not a literal (``args.lr``): fine for a key the schedule does not use."""

    text: str


OTHER_FRAMEWORKS: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = ()
"""Frameworks whose configs are recognised but not read yet, and how each is told apart."""

READ = ("torchtune", "deepspeed", "lightning", "mmengine", "composer", "axolotl", "transformers")
"""The modules of this package that read a framework's configs, in the order they are tried."""


def _reader(name: str):
    from importlib import import_module

    return import_module(f"{__name__}.{name}")


def framework_of(config: Mapping[str, Any]) -> str:
    """Which framework a config is for: a module of :data:`READ`, the name of one lrcalc does not read yet, or ""."""
    for name in READ[:-1]:
        if _reader(name).is_config(config):
            return name
    for name, test in OTHER_FRAMEWORKS:
        if test(config):
            return name
    return "transformers" if _reader("transformers").is_config(config) else ""


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The run a framework builds from ``config``: its scheduler, its length in optimizer steps, what it used.

    ``dataset_size`` (examples) or ``steps_per_epoch`` (optimizer steps, given directly) says what the
    config cannot; ``devices`` is the data-parallel world size. Without them, :attr:`Run.asked` lists
    what is needed (unless the run's length does not depend on them).
    """
    found = framework_of(config)
    if not found:  # a framework's config inside a larger file (a pipeline's step): the first one found
        where, inner = _nested(config)
        if inner is not None:
            run = plan(inner, dataset_size=dataset_size, steps_per_epoch=steps_per_epoch, devices=devices)
            run.notes.insert(0, f"read from {where}, the {run.framework} config inside this file")
            return run
    if found in READ:
        return _reader(found).plan(config, dataset_size=dataset_size, steps_per_epoch=steps_per_epoch, devices=devices)
    if found:
        raise ConfigError(f"this looks like a {found} config, which lrcalc does not read yet: it reads {READS}")
    if "_base_" in config:
        raise ConfigError(f"this OpenMMLab config inherits its schedule from its _base_ files ({_shown_base(config['_base_'])}), which lrcalc cannot open: "
                          "paste the schedule file (configs/_base_/schedules/...), or copy its param_scheduler, train_cfg and optim_wrapper into this one")
    raise ConfigError("no scheduler settings found: lrcalc reads Hugging Face TrainingArguments configs (learning_rate, lr_scheduler_type, num_train_epochs or max_steps, ...), "
                      "axolotl configs (micro_batch_size, num_epochs, lr_scheduler), torchtune recipes (lr_scheduler: _component_: ...), DeepSpeed configs (\"scheduler\": {\"type\": ...}), "
                      "Lightning CLI configs (lr_scheduler: class_path: ...), OpenMMLab configs (param_scheduler = [dict(type=...)]) "
                      "and Composer / llm-foundry configs (scheduler: {name: cosine_with_warmup, t_warmup: 100ba}, max_duration)")


READS = ("Hugging Face TrainingArguments configs (Trainer, TRL, alignment-handbook, LLaMA-Factory), axolotl and torchtune recipes, "
         "DeepSpeed, Lightning CLI, OpenMMLab mmengine and MosaicML Composer (llm-foundry) configs")
"""What lrcalc reads, as its messages say it."""


def _shown_base(base: Any) -> str:
    files = base if isinstance(base, (list, tuple)) else [base]
    return ", ".join(str(getattr(item, "text", item)) for item in files[:3]) + (", ..." if len(files) > 3 else "")


def _nested(config: Any, where: str = "", depth: int = 0) -> tuple[str, Mapping[str, Any] | None]:
    """The first mapping below the top (depth first, in order) that a reader other than the Trainer's takes."""
    if depth > 6:
        return "", None
    children = config.items() if isinstance(config, Mapping) else enumerate(config) if isinstance(config, list) else ()
    for key, child in children:
        path = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else str(key)
        if isinstance(child, Mapping) and any(_reader(name).is_config(child) for name in READ[:-1]):
            return path, child
        found = _nested(child, path, depth + 1)
        if found[1] is not None:
            return found
    return "", None


def from_config(text: str, filename: str = "", **run: Any) -> Run:
    """:func:`plan` for a config's text."""
    return plan(read_config(text, filename), **run)


BLOCKS = {"trainer_config": "transformers", "deepspeed_config": "deepspeed", "torchtune_config": "torchtune", "mmengine_config": "mmengine"}
"""The page's code targets that are config blocks, and the module that writes each."""


def config_blocks(api: str, lr: float | None, kwargs: Mapping[str, Any], stepping: str = "step") -> dict[str, dict[str, str | None]]:
    """Every framework's config block for a schedule (``{"code", "reason"}``), or why it has none."""
    return {target: _reader(module).config_block(api, lr, kwargs, stepping) for target, module in BLOCKS.items()}
