"""OpenMMLab configs (mmengine's Runner: mmdetection, mmpretrain, mmsegmentation, mmocr, mmyolo, ...).

An mmengine config is a Python file of assignments (``param_scheduler = [dict(type='LinearLR', ...)]``,
``train_cfg = dict(by_epoch=True, max_epochs=12)``, ``optim_wrapper = dict(optimizer=dict(lr=0.02))``), often
with variables and arithmetic (``eta_min=base_lr * 0.05``, ``begin=max_epochs // 2``). :func:`python_config`
evaluates those assignments without running the file: literals, names assigned before, ``dict(...)``,
arithmetic. Anything else (``_base_`` files, function calls) stays unread and only matters if the schedule
uses it.

The rules, from mmengine 0.10.7's source (line numbers in tests/configs/mmengine/README.md); the schedule
itself is :mod:`lrcalc.libraries.mmengine`'s replay of the Runner:

- **The loop**: ``train_cfg`` with ``by_epoch=True`` or ``type='EpochBasedTrainLoop'`` runs ``max_epochs``
  epochs of ``len(train_dataloader)`` iterations; ``by_epoch=False`` or ``IterBasedTrainLoop`` runs
  ``max_iters`` iterations (``Runner.build_train_loop``).
- **Iterations per epoch**: ``len(train_dataloader)``: each of the devices takes
  ``ceil(examples / devices)`` examples (``DefaultSampler``, ``round_up=True``), in batches of
  ``train_dataloader.batch_size``, the last one partial (``ceil``).
- **The lr**: ``optim_wrapper.optimizer.lr`` (PyTorch's default for the optimizer when not written);
  ``auto_scale_lr`` with ``enable=True`` multiplies it by ``devices × batch_size / base_batch_size``
  before the schedulers are built (``Runner.scale_lr``).
- **Accumulation**: with ``optim_wrapper.accumulative_counts``, the schedulers still step every iteration
  (``ParamSchedulerHook.after_train_iter``): the curve is per iteration.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, Mapping

from .. import fmt
from ..libraries import apis, from_library
from . import Asked, ConfigError, Run, Unread, whole

FRAMEWORK = "OpenMMLab mmengine (Runner)"
USED = ("param_scheduler", "train_cfg", "optim_wrapper", "train_dataloader", "auto_scale_lr")

TORCH_DEFAULT_LR = {"SGD": 1e-3, "Adam": 1e-3, "AdamW": 1e-3, "RAdam": 1e-3, "Adamax": 2e-3, "NAdam": 2e-3, "RMSprop": 1e-2, "Adagrad": 1e-2}
"""torch.optim's default lr, for an optimizer written without one (the Runner builds it with its defaults)."""


def is_config(config: Mapping[str, Any]) -> bool:
    """An mmengine config: a ``param_scheduler`` (a list of dicts with a type, or one such dict)."""
    schedulers = config.get("param_scheduler")
    entries = schedulers if isinstance(schedulers, list) else [schedulers]
    return bool(entries) and all(isinstance(entry, Mapping) and "type" in entry for entry in entries)


# ---------------------------------------------------------------- reading a Python config without running it

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def python_config(tree: ast.Module) -> dict[str, Any]:
    """The module-level assignments of an mmengine config, evaluated as ``Config.fromfile`` would for plain values.

    Names imported from mmengine (the newer configs write ``type=LinearLR`` after ``from mmengine.optim
    import LinearLR``) stand for their own names, as the registry reads them.
    """
    names: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Assign):
            value = _evaluate(node.value, names)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names[node.target.id] = _evaluate(node.value, names)
    return {key: value for key, value in names.items() if not isinstance(value, str) or key not in _imported(tree)}


def _imported(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names}


def _evaluate(node: ast.AST, names: Mapping[str, Any]) -> Any:
    """A config value: literals, names, dict(...), lists, arithmetic; anything else is :class:`Unread`, in place
    (``dict(type='MultiStepLR', milestones=_base_.milestones)`` keeps its type and marks only milestones)."""
    try:
        return _value(node, names)
    except (_NotPlain, ArithmeticError, TypeError, ValueError, KeyError, IndexError):
        return Unread(ast.unparse(node))


class _NotPlain(Exception):
    """A part of the config that cannot be read without running it."""


def _value(node: ast.AST, names: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names and not isinstance(names[node.id], Unread):
            return names[node.id]
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        raise _NotPlain(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_evaluate(item, names) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        result = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                result.update(_value(value, names))
            else:
                result[_value(key, names)] = _evaluate(value, names)
        return result
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        result = {}
        for argument in node.args:
            result.update(_value(argument, names))
        for keyword in node.keywords:
            if keyword.arg is None:
                result.update(_value(keyword.value, names))
            else:
                result[keyword.arg] = _evaluate(keyword.value, names)
        return result
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_value(node.left, names), _value(node.right, names))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand, names)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.Subscript):
        return _value(node.value, names)[_value(node.slice, names)]
    raise _NotPlain(ast.unparse(node))


# ---------------------------------------------------------------- the run


def _unread(value: Any, key: str) -> None:
    """A value the schedule needs that the file does not give in plain terms."""
    found = _first_unread(value)
    if found is not None:
        raise ConfigError(f"{key} uses {found.text}, which lrcalc cannot read without running the config (from a _base_ file or a function): write its value out")


def _first_unread(value: Any) -> Unread | None:
    if isinstance(value, Unread):
        return value
    children = value.values() if isinstance(value, Mapping) else value if isinstance(value, (list, tuple)) else ()
    return next((found for found in (_first_unread(child) for child in children) if found is not None), None)


def _optimizer(config: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The optimizer dict the schedule scales, and where it was found (the first of several wrappers)."""
    wrapper = config.get("optim_wrapper")
    if isinstance(wrapper, Mapping) and isinstance(wrapper.get("optimizer"), Mapping):
        return dict(wrapper["optimizer"]), "optim_wrapper.optimizer"
    if isinstance(wrapper, Mapping):  # several models' wrappers (a GAN's generator and discriminator): the first
        for name, inner in wrapper.items():
            if isinstance(inner, Mapping) and isinstance(inner.get("optimizer"), Mapping):
                return dict(inner["optimizer"]), f"optim_wrapper.{name}.optimizer"
    if isinstance(config.get("optimizer"), Mapping):  # mmcv 1.x style
        return dict(config["optimizer"]), "optimizer"
    raise ConfigError("the config has no optim_wrapper = dict(optimizer=dict(type=..., lr=...)): the schedulers scale that lr"
                      + (" (it is probably in a _base_ file: paste the schedule file, or add the optimizer)" if "_base_" in config else ""))


def plan(config: Mapping[str, Any], dataset_size: int | None = None, steps_per_epoch: int | None = None, devices: int = 1) -> Run:
    """The Runner's run for ``config``; see the module's rules."""
    schedulers = config["param_scheduler"]
    _unread(schedulers, "param_scheduler")
    entries = schedulers if isinstance(schedulers, list) else [schedulers]
    loop = config.get("train_cfg")
    if not isinstance(loop, Mapping):
        raise ConfigError("the config has no train_cfg = dict(by_epoch=True, max_epochs=...) (or max_iters): the schedulers' ends default to the loop's length"
                          + (" (it is probably in a _base_ file: add it)" if "_base_" in config else ""))
    _unread({key: loop.get(key) for key in ("type", "by_epoch", "max_epochs", "max_iters")}, "train_cfg")
    if "type" in loop and "by_epoch" in loop:
        raise ConfigError("train_cfg: Only one of `type` or `by_epoch` can exist in `loop_cfg`.")
    kind = str(loop.get("type", "")).rsplit(".", 1)[-1]
    if kind and kind not in ("EpochBasedTrainLoop", "IterBasedTrainLoop"):
        raise ConfigError(f"train_cfg type {kind!r} is a custom loop; lrcalc reads EpochBasedTrainLoop and IterBasedTrainLoop")
    epoch_loop = kind == "EpochBasedTrainLoop" if kind else bool(loop.get("by_epoch", True))
    length_key = "max_epochs" if epoch_loop else "max_iters"
    length = whole(loop.get(length_key), f"train_cfg.{length_key}", 1)

    optimizer, where = _optimizer(config)
    _unread(optimizer.get("lr"), f"{where}.lr")
    name = str(optimizer.get("type", "")).rsplit(".", 1)[-1]
    defaults: dict[str, Any] = {}
    if "lr" in optimizer:
        lr = optimizer["lr"]
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr < 0:
            raise ConfigError(f"{where}.lr must be a number >= 0 (got {lr!r})")
    elif name in TORCH_DEFAULT_LR:
        lr = TORCH_DEFAULT_LR[name]
        defaults[f"{where}.lr"] = lr
    else:
        raise ConfigError(f"{where} has no lr, and {name or 'its type'} is not an optimizer whose default lr lrcalc knows: write lr=...")

    api = apis("mmengine")[0].api  # the library's one record: the Runner stepping a param_scheduler list
    run = Run(framework=FRAMEWORK, api=api, lr=float(lr), kwargs={}, total_steps=0, steps_per_epoch=None,
              used={key: config[key] for key in USED if key in config}, ignored=sorted(key for key in config if key not in USED and not key.startswith("_")),
              defaults=defaults)
    if where != "optim_wrapper.optimizer":
        run.notes.append(f"the lr is {where}'s (the first optimizer in the config)")
    loader = config.get("train_dataloader") if isinstance(config.get("train_dataloader"), Mapping) else {}
    batch = loader.get("batch_size")
    scale = config.get("auto_scale_lr")
    if isinstance(scale, Mapping) and scale.get("enable") is True:
        base = whole(scale.get("base_batch_size"), "auto_scale_lr.base_batch_size", 1)
        if not isinstance(batch, int) or isinstance(batch, bool):
            raise ConfigError("auto_scale_lr is enabled, and it scales the lr by the batch size: the config's train_dataloader needs a batch_size")
        ratio = float(devices * batch) / float(base)
        run.lr = run.lr * ratio
        run.counting.append(f"auto_scale_lr: lr {fmt.number(lr)} × ({devices} devices × batch_size {batch}) / base_batch_size {base} = {fmt.number(run.lr)}")
    elif isinstance(scale, Mapping):
        run.notes.append("auto_scale_lr is not enabled in the config (mmdet's and mmpretrain's train.py turn it on with --auto-scale-lr), so the lr is as written")
    accumulation = (config.get("optim_wrapper") or {}).get("accumulative_counts", 1) if isinstance(config.get("optim_wrapper"), Mapping) else 1
    if accumulation not in (None, 1):
        run.warnings.append(f"optim_wrapper accumulative_counts={accumulation}: the optimizer steps every {accumulation} iterations, "
                            "but the schedulers step every iteration (ParamSchedulerHook.after_train_iter); the curve is per iteration")

    converted = any(isinstance(entry, Mapping) and entry.get("convert_to_iter_based") for entry in entries)
    needs_epochs = epoch_loop or converted
    epoch_length = None
    if needs_epochs:
        if steps_per_epoch:
            epoch_length = steps_per_epoch
            run.counting.append(f"{fmt.count(epoch_length)} iterations per epoch (given)")
        elif dataset_size:
            if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
                run.asked.append(Asked("steps_per_epoch", "Iterations per epoch",
                                       "the config has no train_dataloader batch_size to count an epoch's batches with, so give len(train_dataloader)"))
                return run
            per_device = math.ceil(dataset_size / devices)
            epoch_length = math.ceil(per_device / batch)
            split = f"ceil({fmt.count(dataset_size)} / {devices} devices) = {fmt.count(per_device)} examples per device, " if devices > 1 else f"{fmt.count(dataset_size)} examples "
            run.counting.append(f"{split}/ batch_size {batch} = {fmt.count(epoch_length)} iterations per epoch (ceil: the last batch is partial)")
        else:
            run.asked.append(Asked("steps_per_epoch", "Iterations per epoch", "the iterations of one epoch: len(train_dataloader)"))
            return run
    run.kwargs = {"param_scheduler": entries, "epoch_length": epoch_length, length_key: length}
    run.total_steps = length * epoch_length if epoch_loop else length
    run.steps_per_epoch = epoch_length if epoch_loop else None
    run.counting.append(f"{length} epochs × {fmt.count(epoch_length)} = {fmt.count(run.total_steps)} iterations (EpochBasedTrainLoop)" if epoch_loop
                        else f"max_iters={fmt.count(length)} iterations (IterBasedTrainLoop)")
    try:
        from_library(api, lr=run.lr, **run.kwargs)(0)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    ignored = [f"param_scheduler[{index}] ({entry.get('type')})" for index, entry in enumerate(entries)
               if isinstance(entry, Mapping) and _other_parameter(entry)]
    if ignored:
        verbs = "schedules another parameter and leaves" if len(ignored) == 1 else "schedule another parameter and leave"
        run.notes.append(f"{', '.join(ignored)} {verbs} the lr alone")
    return run


def _other_parameter(entry: Mapping[str, Any]) -> bool:
    from ..libraries.mmengine import kind_of

    return kind_of(dict(entry), "param_scheduler") is None


# ---------------------------------------------------------------- a schedule written back as an OpenMMLab config


def config_block(api: str, lr: float | None, kwargs: Mapping[str, Any], stepping: str = "step") -> dict[str, str | None]:
    """The OpenMMLab config lines (``param_scheduler``, the optimizer's lr) that give this schedule, or why none do.

    The Runner's own list is written back as it is; a schedule that PyTorch builds with one of its chainable
    schedulers is written as mmengine's copy of it (:func:`lrcalc.libraries.mmengine.from_copy`), stepped per
    iteration or per epoch as the page steps it.
    """
    from ..export import native_call
    from ..export.expr import Unavailable
    from ..libraries import bind, lookup
    from ..libraries.mmengine import from_copy

    spec = lookup(api)
    if spec.library == "mmengine":
        arguments = bind(spec, dict(kwargs))
        loop = (f"train_cfg = dict(by_epoch=True, max_epochs={arguments['max_epochs']})" if arguments["max_epochs"] is not None
                else f"train_cfg = dict(by_epoch=False, max_iters={arguments['max_iters']})")
        lines = _optimizer_lines(lr) + _scheduler_lines(arguments["param_scheduler"]) + [loop]
        if arguments["epoch_length"] is not None:
            lines.append(f"# {arguments['epoch_length']:,} iterations per epoch: len(train_dataloader)")
        return {"code": "\n".join(lines) + "\n", "reason": "OpenMMLab config lines: the Runner's param_scheduler list, as given."}
    try:
        found = native_call(api, lr, dict(kwargs), "pytorch")
    except (Unavailable, ValueError):
        found = None
    if found is not None:
        torch_api, torch_kwargs, torch_lr = found
        torch_spec = lookup(torch_api)
        copy = next((name for name in torch_spec.copies if name.startswith("mmengine.optim.")), None)
        entry = copy and from_copy(copy.rsplit(".", 1)[1], bind(torch_spec, dict(torch_kwargs)), stepping == "epoch")
        if entry:
            unit = "epoch" if stepping == "epoch" else "iteration"
            lines = _optimizer_lines(torch_lr) + _scheduler_lines([entry])
            lines.append(f"# steps once per {unit} (by_epoch={stepping == 'epoch'}); without an end it lasts the run (train_cfg's max_epochs or max_iters)")
            return {"code": "\n".join(lines) + "\n",
                    "reason": f"OpenMMLab config lines: mmengine's {entry['type']} repeats PyTorch's {torch_spec.name}, the same update in a window."}
    return {"code": None, "reason": "No OpenMMLab param_scheduler gives exactly this schedule with one scheduler: mmengine's are PyTorch's chainable ones "
                                    "(StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, CosineAnnealingLR, PolyLR, OneCycleLR) in windows."}


def _optimizer_lines(lr: float | None) -> list[str]:
    return [f"optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr={_literal(lr)}))  # your optimizer: the schedulers scale its lr"]


def _scheduler_lines(entries: Any) -> list[str]:
    entries = entries if isinstance(entries, (list, tuple)) else [entries]
    return ["param_scheduler = ["] + [f"    {_call(entry)}," for entry in entries] + ["]"]


def _call(entry: Mapping[str, Any]) -> str:
    return "dict(" + ", ".join(f"{key}={_literal(value)}" for key, value in entry.items()) + ")"


def _literal(value: Any) -> str:
    """A value as an OpenMMLab config writes it (single-quoted strings, exact floats)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return _call(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    return repr(value)
