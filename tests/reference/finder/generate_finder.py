"""Run the real LR finders and write the fixtures lrcalc.finder is tested against.

    tests/reference/finder/setup_venv.sh                       # once
    tests/reference/finder/.venv/bin/python tests/reference/finder/generate_finder.py

Each run trains a small model (logistic regression or an MLP) on one of
scikit-learn's bundled datasets (digits, breast cancer, wine, iris) or on
``make_moons``, with the tool's own range test: torch-lr-finder's
``LRFinder.range_test``, fastai's ``Learner.lr_find`` and Lightning's
``Tuner.lr_find``. For each run it records the configuration, the tool's output
exactly as the tool returns it (``history``, ``recorder.lrs``/``losses``,
``lr_finder.results``), the raw per-batch losses (captured beside the tool, to
check the smoothing formulas), and the tool's own suggestions with the index of
the chosen point in the tool's list.

Writes ``fixtures.json`` (every run) and ``exports/`` (a few runs saved the way
a user would export them, to test ``lrcalc.finder.parse``). Everything is seeded;
on CPU with one thread the output is reproducible.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import sys
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn import datasets  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

HERE = Path(__file__).resolve().parent
torch.set_num_threads(1)

# --------------------------------------------------------------------------- data and models


def load(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A standardised scikit-learn dataset as float32 features and int64 labels."""
    if name == "moons":
        x, y = datasets.make_moons(n_samples=600, noise=0.25, random_state=0)
    else:
        loader = {
            "digits": datasets.load_digits,
            "breast_cancer": datasets.load_breast_cancer,
            "wine": datasets.load_wine,
            "iris": datasets.load_iris,
        }[name]
        x, y = loader(return_X_y=True)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.int64)


def build_model(kind: str, n_in: int, n_out: int, seed: int) -> nn.Module:
    """Logistic (softmax) regression or a one-hidden-layer MLP, seeded."""
    torch.manual_seed(seed)
    if kind == "logreg":
        return nn.Linear(n_in, n_out)
    return nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, n_out))


def loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> DataLoader:
    """A shuffling DataLoader with its own seeded generator."""
    return DataLoader(
        TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )


def torch_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """SGD, SGD with momentum 0.9, or Adam (torch's defaults otherwise)."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    return torch.optim.Adam(params, lr=lr)


def floats(values) -> list[float]:
    """Plain Python floats (NaN and inf kept), for JSON."""
    return [float(v) for v in values]


# --------------------------------------------------------------------------- torch-lr-finder


def run_torch_lr_finder(cfg: dict) -> dict:
    """``LRFinder.range_test`` then ``plot(suggest_lr=True)``, as the README shows."""
    from torch_lr_finder import LRFinder

    x, y = load(cfg["dataset"])
    model = build_model(cfg["model"], x.shape[1], int(y.max()) + 1, cfg["seed"])
    optimizer = torch_optimizer(cfg["optimizer"], model.parameters(), cfg["start_lr"])
    raw: list[float] = []
    criterion = nn.CrossEntropyLoss()

    def recording_criterion(outputs, labels):
        loss = criterion(outputs, labels)
        raw.append(loss.item())
        return loss

    finder = LRFinder(model, optimizer, recording_criterion, device="cpu")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(
            loader(x, y, cfg["batch_size"], cfg["seed"]),
            end_lr=cfg["end_lr"],
            num_iter=cfg["num_it"],
            step_mode=cfg["ramp"],
            smooth_f=cfg.get("smooth_f", 0.05),
            diverge_th=cfg.get("diverge_th", 5),
        )
        fig, ax = plt.subplots()
        try:
            _, suggestion = finder.plot(suggest_lr=True, ax=ax)
            error = None
        except RuntimeError as exc:  # too few points
            suggestion, error = None, str(exc)
        plt.close(fig)
    history = {"lr": floats(finder.history["lr"]), "loss": floats(finder.history["loss"])}
    suggestions = {}
    if suggestion is not None:
        suggestions["torch_lr_finder.steepest"] = {
            "value": float(suggestion),
            "index": history["lr"].index(float(suggestion)),
        }
    return {
        "output": {"history": history},
        "lrs": history["lr"],
        "losses": history["loss"],
        "raw_losses": raw,
        "suggestions": suggestions,
        "suggest_error": error,
        "tool_version": version("torch-lr-finder"),
    }


# --------------------------------------------------------------------------- fastai


def run_fastai(cfg: dict) -> dict:
    """``Learner.lr_find(suggest_funcs=(minimum, steep, valley, slide))`` on plain torch DataLoaders."""
    from fastai.callback.core import Callback
    from fastai.callback.schedule import minimum, slide, steep, valley
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner, Recorder
    from fastai.optimizer import SGD, Adam
    from fastai.torch_core import set_seed
    from functools import partial

    set_seed(cfg["seed"], reproducible=True)
    x, y = load(cfg["dataset"])
    model = build_model(cfg["model"], x.shape[1], int(y.max()) + 1, cfg["seed"])
    dls = DataLoaders(loader(x, y, cfg["batch_size"], cfg["seed"]), loader(x, y, cfg["batch_size"], cfg["seed"]))
    opt_func = {"sgd": SGD, "momentum": partial(SGD, mom=0.9), "adam": Adam}[cfg["optimizer"]]
    raw: list[float] = []

    class RawLoss(Callback):
        """Keep each training batch's unsmoothed loss."""

        order = 49  # before the Recorder (50), so even the diverging batch is kept

        def after_batch(self):
            if self.training:
                raw.append(float(self.learn.loss.mean()))

    captured: dict = {}
    original_plot = Recorder.plot_lr_find

    def capture_plot(self, skip_end=5, return_fig=True, suggestions=None, nms=None, **kwargs):
        captured["points"], captured["names"] = suggestions, nms
        original_plot(self, skip_end=skip_end, return_fig=return_fig, suggestions=suggestions, nms=nms, **kwargs)
        plt.close("all")

    with tempfile.TemporaryDirectory() as tmp:
        learn = Learner(
            dls, model, loss_func=nn.CrossEntropyLoss(), opt_func=opt_func, path=tmp, cbs=RawLoss()
        )
        Recorder.plot_lr_find = capture_plot
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                result = learn.lr_find(
                    start_lr=cfg["start_lr"],
                    end_lr=cfg["end_lr"],
                    num_it=cfg["num_it"],
                    stop_div=cfg.get("stop_div", True),
                    show_plot=True,
                    suggest_funcs=(minimum, steep, valley, slide),
                )
        finally:
            Recorder.plot_lr_find = original_plot
    rec = learn.recorder
    lrs, losses = floats(rec.lrs), floats(rec.losses)
    lrs32 = np.array(lrs, dtype=np.float32).astype(float).tolist()
    suggestions = {}
    for name, (point_lr, _), value in zip(captured["names"], captured["points"], result):
        # The point each rule marks is an LR of the float32 tensor (for `minimum`,
        # the LR at the lowest loss; the suggestion is that LR / 10).
        index = lrs32.index(float(point_lr), cfg["num_it"] // 10)
        suggestions[f"fastai.{name}"] = {"value": float(value), "index": index, "point_lr": float(point_lr)}
    return {
        "output": {
            "recorder": {
                "lrs": lrs,
                "losses": losses,
                "iters": list(rec.iters),
                "values": [floats(v) for v in rec.values],
            }
        },
        "lrs": lrs,
        "losses": losses,
        "raw_losses": raw[: len(lrs)],
        "suggestions": suggestions,
        "suggest_error": None,
        "tool_version": version("fastai"),
    }


# --------------------------------------------------------------------------- Lightning


def run_lightning(cfg: dict) -> dict:
    """``Tuner(trainer).lr_find(...)``, then ``lr_finder.suggestion()`` with its defaults."""
    import lightning.pytorch as pl
    from lightning.pytorch.tuner import Tuner

    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    pl.seed_everything(cfg["seed"], verbose=False)
    x, y = load(cfg["dataset"])
    raw: list[float] = []

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = build_model(cfg["model"], x.shape[1], int(y.max()) + 1, cfg["seed"])
            self.lr = cfg["start_lr"]

        def training_step(self, batch, batch_idx):
            inputs, labels = batch
            loss = nn.functional.cross_entropy(self.net(inputs), labels)
            raw.append(loss.item())
            return loss

        def configure_optimizers(self):
            return torch_optimizer(cfg["optimizer"], self.parameters(), self.lr)

    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
        io.StringIO()
    ):
        trainer = pl.Trainer(
            accelerator="cpu",
            devices=1,
            max_epochs=1000,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=tmp,
            deterministic=True,
        )
        finder = Tuner(trainer).lr_find(
            Module(),
            train_dataloaders=loader(x, y, cfg["batch_size"], cfg["seed"]),
            min_lr=cfg["start_lr"],
            max_lr=cfg["end_lr"],
            num_training=cfg["num_it"],
            mode={"exp": "exponential", "linear": "linear"}[cfg["ramp"]],
            early_stop_threshold=cfg.get("early_stop_threshold", 4.0),
            update_attr=False,
        )
        suggestion = finder.suggestion()
    results = {"lr": floats(finder.results["lr"]), "loss": floats(finder.results["loss"])}
    suggestions = {}
    if suggestion is not None:
        suggestions["lightning.steepest"] = {"value": float(suggestion), "index": int(finder._optimal_idx)}
    return {
        "output": {"results": results},
        "lrs": results["lr"],
        "losses": results["loss"],
        "raw_losses": raw[: len(results["lr"])],
        "suggestions": suggestions,
        "suggest_error": None if suggestion is not None else "suggestion() returned None",
        "tool_version": version("lightning"),
    }


# --------------------------------------------------------------------------- the runs

RUNS = [
    # torch-lr-finder: exponential and linear ramps, three optimizers, a short run, a NaN run.
    dict(tool="torch_lr_finder", dataset="digits", model="logreg", optimizer="sgd", ramp="exp",
         start_lr=1e-5, end_lr=10, num_it=100, batch_size=32),
    dict(tool="torch_lr_finder", dataset="digits", model="mlp", optimizer="adam", ramp="exp",
         start_lr=1e-6, end_lr=1, num_it=100, batch_size=32),
    dict(tool="torch_lr_finder", dataset="breast_cancer", model="mlp", optimizer="momentum", ramp="exp",
         start_lr=1e-5, end_lr=10, num_it=100, batch_size=16),
    dict(tool="torch_lr_finder", dataset="wine", model="logreg", optimizer="adam", ramp="linear",
         start_lr=1e-4, end_lr=0.5, num_it=100, batch_size=16),
    dict(tool="torch_lr_finder", dataset="iris", model="mlp", optimizer="momentum", ramp="linear",
         start_lr=1e-3, end_lr=2, num_it=80, batch_size=16),
    dict(tool="torch_lr_finder", dataset="moons", model="mlp", optimizer="adam", ramp="exp",
         start_lr=1e-5, end_lr=100, num_it=150, batch_size=32),
    dict(tool="torch_lr_finder", dataset="digits", model="mlp", optimizer="sgd", ramp="exp",
         start_lr=1e-4, end_lr=10, num_it=60, batch_size=64),
    dict(tool="torch_lr_finder", dataset="moons", model="logreg", optimizer="sgd", ramp="exp",
         start_lr=1e-4, end_lr=10, num_it=200, batch_size=32),
    dict(tool="torch_lr_finder", dataset="digits", model="mlp", optimizer="sgd", ramp="exp",
         start_lr=1e-3, end_lr=1e6, num_it=100, batch_size=32, diverge_th=math.inf, note="diverges to NaN"),
    # fastai: lr_find only ramps exponentially; different num_it, early stops and a NaN run.
    dict(tool="fastai", dataset="digits", model="logreg", optimizer="sgd", ramp="exp",
         start_lr=1e-7, end_lr=10, num_it=100, batch_size=32),
    dict(tool="fastai", dataset="digits", model="mlp", optimizer="adam", ramp="exp",
         start_lr=1e-7, end_lr=10, num_it=100, batch_size=32),
    dict(tool="fastai", dataset="breast_cancer", model="mlp", optimizer="momentum", ramp="exp",
         start_lr=1e-6, end_lr=10, num_it=100, batch_size=16),
    dict(tool="fastai", dataset="wine", model="logreg", optimizer="adam", ramp="exp",
         start_lr=1e-5, end_lr=10, num_it=60, batch_size=16),
    dict(tool="fastai", dataset="iris", model="mlp", optimizer="adam", ramp="exp",
         start_lr=1e-6, end_lr=10, num_it=200, batch_size=16),
    dict(tool="fastai", dataset="moons", model="mlp", optimizer="momentum", ramp="exp",
         start_lr=1e-5, end_lr=100, num_it=100, batch_size=32),
    dict(tool="fastai", dataset="moons", model="logreg", optimizer="sgd", ramp="exp",
         start_lr=1e-7, end_lr=10, num_it=150, batch_size=32),
    dict(tool="fastai", dataset="digits", model="mlp", optimizer="sgd", ramp="exp",
         start_lr=1e-3, end_lr=1e6, num_it=100, batch_size=32, stop_div=False, note="diverges to NaN"),
    # Lightning: exponential and linear modes, a short run, a NaN run.
    dict(tool="lightning", dataset="digits", model="logreg", optimizer="sgd", ramp="exp",
         start_lr=1e-6, end_lr=10, num_it=100, batch_size=32),
    dict(tool="lightning", dataset="digits", model="mlp", optimizer="adam", ramp="exp",
         start_lr=1e-8, end_lr=1, num_it=100, batch_size=32),
    dict(tool="lightning", dataset="breast_cancer", model="mlp", optimizer="momentum", ramp="linear",
         start_lr=1e-4, end_lr=1, num_it=100, batch_size=16),
    dict(tool="lightning", dataset="wine", model="logreg", optimizer="adam", ramp="linear",
         start_lr=1e-4, end_lr=0.5, num_it=80, batch_size=16),
    dict(tool="lightning", dataset="iris", model="mlp", optimizer="sgd", ramp="exp",
         start_lr=1e-5, end_lr=10, num_it=60, batch_size=16),
    dict(tool="lightning", dataset="moons", model="mlp", optimizer="adam", ramp="exp",
         start_lr=1e-6, end_lr=100, num_it=150, batch_size=32),
    dict(tool="lightning", dataset="moons", model="logreg", optimizer="momentum", ramp="exp",
         start_lr=1e-6, end_lr=10, num_it=200, batch_size=32),
    dict(tool="lightning", dataset="digits", model="mlp", optimizer="sgd", ramp="exp",
         start_lr=1e-3, end_lr=1e6, num_it=100, batch_size=32, early_stop_threshold=None, note="diverges to NaN"),
]

def synthetic_curves() -> list[dict]:
    """Made-up curves with the awkward cases real runs rarely hit: ties, plateaus, NaN, inf, float32 limits."""
    rng = np.random.default_rng(7)
    curves = []

    def add(name, lrs, losses, num_it=None):
        curves.append({"id": f"synthetic-{len(curves) + 1:02d}-{name}", "lrs": floats(lrs), "losses": floats(losses),
                       "num_it": num_it or len(lrs)})

    def shape(n):
        t = np.linspace(0, 1, n)
        return 2.3 - 1.5 / (1 + np.exp(-(t - 0.5) * 12)) + np.where(t > 0.75, 40 * (t - 0.75) ** 2, 0)

    exp100 = np.logspace(-7, 1, 100)
    add("clean", exp100, shape(100))
    add("noisy", exp100, shape(100) + rng.normal(0, 0.05, 100))
    add("very-noisy", exp100, shape(100) + rng.normal(0, 0.2, 100))
    add("ties", exp100, np.round(shape(100) + rng.normal(0, 0.02, 100), 1))
    add("plateau-then-drop", exp100, np.where(np.arange(100) < 60, 2.0, 2.0 - 0.05 * (np.arange(100) - 60)))
    nan_tail = shape(100) + rng.normal(0, 0.03, 100)
    nan_tail[70:] = np.nan
    add("nan-tail", exp100, nan_tail)
    inf_mid = shape(100) + rng.normal(0, 0.03, 100)
    inf_mid[50] = np.inf
    add("inf-middle", exp100, inf_mid)
    add("float32-overflow", exp100, np.concatenate([shape(90), [1e39, 1e40, 2e40, 3e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46]]))
    add("float32-resolution", exp100, 2.0 + 1e-7 * rng.normal(0, 1, 100) - 1e-8 * np.arange(100))
    add("short-25", np.logspace(-5, 0, 25), shape(25) + rng.normal(0, 0.02, 25))
    add("short-22", np.logspace(-5, 0, 22), shape(22))
    add("linear-ramp", np.linspace(1e-4, 1, 100), shape(100) + rng.normal(0, 0.03, 100))
    add("always-falling", exp100, np.linspace(3, 0.1, 100) + rng.normal(0, 0.01, 100))
    add("always-rising", exp100, np.linspace(0.5, 3, 100) + rng.normal(0, 0.01, 100))
    add("long-300", np.logspace(-8, 2, 300), shape(300) + rng.normal(0, 0.05, 300))
    add("early-stop", exp100[:64], (shape(100) + rng.normal(0, 0.03, 100))[:64], num_it=100)
    add("two-valleys", exp100, shape(100) + 0.4 * np.exp(-((np.arange(100) - 30) / 6.0) ** 2) + rng.normal(0, 0.01, 100))
    return curves


def tool_suggestions(curve: dict) -> dict:
    """Each tool's own suggestion code applied to a given curve (no training)."""
    from fastai.callback.schedule import minimum, slide, steep, valley
    from fastai.learner import Recorder
    from lightning.pytorch.tuner.lr_finder import _LRFinder
    from torch_lr_finder import LRFinder

    lrs, losses, num_it = curve["lrs"], curve["losses"], curve["num_it"]
    out: dict = {}
    # torch-lr-finder: plot(suggest_lr=True) reads self.history.
    finder = LRFinder.__new__(LRFinder)
    finder.history = {"lr": list(lrs), "loss": list(losses)}
    fig, ax = plt.subplots()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _, value = finder.plot(suggest_lr=True, ax=ax)
        out["torch_lr_finder.steepest"] = {"value": float(value), "index": lrs.index(float(value), 10)}
    except Exception as exc:  # noqa: BLE001 - record what the tool does
        out["torch_lr_finder.steepest"] = {"error": f"{type(exc).__name__}: {exc}"}
    plt.close(fig)
    # Lightning: suggestion() reads self.results.
    lit = _LRFinder("exponential", lrs[0], lrs[-1], num_it)
    lit.results = {"lr": list(lrs), "loss": list(losses)}
    logging.getLogger("lightning.pytorch.tuner.lr_finder").setLevel(logging.CRITICAL)
    value = lit.suggestion()
    out["lightning.steepest"] = (
        {"value": float(value), "index": int(lit._optimal_idx)} if value is not None else {"error": "None"}
    )
    # fastai: the real Learner.lr_find, with fit() replaced by filling the recorder.
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner

    captured: dict = {}
    original_plot = Recorder.plot_lr_find

    def capture_plot(self, skip_end=5, return_fig=True, suggestions=None, nms=None, **kwargs):
        captured["points"], captured["names"] = suggestions, nms

    x = torch.zeros(8, 2)
    dl = DataLoader(TensorDataset(x, torch.zeros(8, dtype=torch.int64)), batch_size=4)
    with tempfile.TemporaryDirectory() as tmp:
        learn = Learner(DataLoaders(dl, dl), nn.Linear(2, 2), loss_func=nn.CrossEntropyLoss(), path=tmp)

        def fake_fit(n_epoch, cbs=None, **kwargs):
            learn.recorder.lrs, learn.recorder.losses = list(lrs), [torch.tensor(v) for v in losses]

        learn.fit = fake_fit
        lrs32 = np.array(lrs, dtype=np.float32).astype(float).tolist()
        for func in (minimum, steep, valley, slide):
            Recorder.plot_lr_find = capture_plot
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = learn.lr_find(num_it=num_it, show_plot=True, suggest_funcs=(func,))
                (point_lr, _), = captured["points"]
                index = lrs32.index(float(point_lr), num_it // 10)
                out[f"fastai.{func.__name__}"] = {"value": float(result[0]), "index": index}
            except Exception as exc:  # noqa: BLE001 - record what the tool does
                out[f"fastai.{func.__name__}"] = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                Recorder.plot_lr_find = original_plot
    return out


RUNNERS = {"torch_lr_finder": run_torch_lr_finder, "fastai": run_fastai, "lightning": run_lightning}


def compact_json(body: dict) -> str:
    """JSON with one fixture per line: small, and still readable in a diff."""
    lines = ["{"]
    for key, value in body.items():
        if isinstance(value, list):
            items = ",\n".join(json.dumps(item, separators=(",", ":")) for item in value)
            lines.append(f'"{key}": [\n{items}\n],')
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)},")
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n}\n"


def write_exports(fixtures: list[dict], folder: Path) -> list[str]:
    """Save a few runs the way a user would export them, for the parser's tests."""
    folder.mkdir(exist_ok=True)
    by_tool = {}
    for fixture in fixtures:
        by_tool.setdefault(fixture["tool"], fixture)
    tlf, fai, lit = by_tool["torch_lr_finder"], by_tool["fastai"], by_tool["lightning"]
    tlf_lrs = tlf["output"]["history"]["lr"]
    fai_rec = fai["output"]["recorder"]
    import pandas as pd

    written = {
        # json.dump(lr_finder.history, f)
        "torch_lr_finder_history.json": json.dumps(tlf["output"]["history"]),
        # pd.DataFrame(lr_finder.history).to_csv(path)  (pandas writes its index column)
        "torch_lr_finder_history.csv": pd.DataFrame(tlf["output"]["history"]).to_csv(),
        # json.dump({"lrs": learn.recorder.lrs, "losses": [float(l) for l in learn.recorder.losses], ...})
        "fastai_recorder.json": json.dumps(fai["output"]["recorder"]),
        # json.dump(lr_finder.results, f)
        "lightning_results.json": json.dumps(lit["output"]["results"]),
        # a plain CSV without header: lr,loss (torch-lr-finder's raw losses)
        "plain_no_header.csv": "".join(f"{lr!r},{loss!r}\n" for lr, loss in zip(tlf_lrs, tlf["raw_losses"])),
        # a three-column CSV with header: lr,loss,raw_loss
        "three_columns.csv": "lr,loss,raw_loss\n"
        + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(fai_rec["lrs"], fai_rec["losses"], fai["raw_losses"])),
    }
    for name, text in written.items():
        (folder / name).write_text(text)
    return sorted(written)


def main() -> None:
    """Run every configuration and write fixtures.json and exports/."""
    fixtures = []
    for number, cfg in enumerate(RUNS, 1):
        cfg = {"seed": 1000 + number, **cfg}
        run_id = f"{number:02d}-{cfg['tool']}-{cfg['dataset']}-{cfg['model']}-{cfg['optimizer']}-{cfg['ramp']}"
        result = RUNNERS[cfg["tool"]](cfg)
        n_finite = next((i for i, v in enumerate(result["losses"]) if not math.isfinite(v)), len(result["losses"]))
        points = len(result.pop("lrs"))
        result.pop("losses")
        fixture = {"id": run_id, **cfg, **result, "torch_version": torch.__version__, "points": points}
        fixtures.append(fixture)
        print(
            f"{run_id}: {fixture['points']} points, {n_finite} before a non-finite loss, "
            f"suggestions {[(k, v['index']) for k, v in result['suggestions'].items()]}",
            file=sys.stderr,
        )
    synthetic = []
    for curve in synthetic_curves():
        curve["suggestions"] = tool_suggestions(curve)
        synthetic.append(curve)
        print(f"{curve['id']}: {curve['suggestions']}", file=sys.stderr)
    body = {
        "generated_by": "tests/reference/finder/generate_finder.py",
        "versions": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "torch-lr-finder": version("torch-lr-finder"),
            "fastai": version("fastai"),
            "fastcore": version("fastcore"),
            "lightning": version("lightning"),
            "numpy": np.__version__,
            "scikit-learn": version("scikit-learn"),
        },
        "fixtures": fixtures,
        "synthetic": synthetic,
    }
    (HERE / "fixtures.json").write_text(compact_json(body))
    exports = write_exports(fixtures, HERE / "exports")
    print(f"wrote fixtures.json ({len(fixtures)} runs) and exports/ ({', '.join(exports)})", file=sys.stderr)


if __name__ == "__main__":
    main()
