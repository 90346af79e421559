"""Reading a range test exported by a tool: JSON or CSV in, a :class:`RangeTest` out, saying what it detected."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field

from .. import fmt
from .errors import FinderError

MIN_POINTS = 20
"""The fewest finite points a curve needs before any rule is applied."""


@dataclass
class RangeTest:
    """A range-test curve as read from a tool's output (or produced by :func:`range_test`).

    ``lrs``/``losses`` are the curve as the tool recorded it, NaN and inf
    included, so the tools' rules see exactly their own input; ``curve()``
    gives the part before the first non-finite loss, which is what is drawn
    and what lrcalc's own rule reads.
    """

    lrs: list[float]
    losses: list[float]
    tool: str  # "torch_lr_finder", "fastai", "lightning", "keras", "csv" or "lrcalc"
    format: str  # "JSON", "CSV" or "Python"
    detected: str  # a sentence for the page
    smoothed_by_tool: bool
    raw_losses: list[float] | None = None
    num_it: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def finite_count(self) -> int:
        """How many points come before the first NaN or infinite loss."""
        return next((i for i, v in enumerate(self.losses) if not math.isfinite(v)), len(self.losses))

    def curve(self) -> tuple[list[float], list[float]]:
        """The LRs and losses before the first NaN or infinite loss."""
        n = self.finite_count
        return self.lrs[:n], self.losses[:n]


_LR_NAMES = ("lr", "lrs", "learning_rate", "learning rate", "learning_rates")
_LOSS_NAMES = ("loss", "losses", "smooth_loss", "smoothed_loss", "train_loss")
_RAW_NAMES = ("raw_loss", "raw_losses", "raw", "batch_loss")


def _numbers(name: str, values: object) -> list[float]:
    """A JSON list of numbers (``NaN``/``Infinity`` allowed) as floats."""
    if not isinstance(values, list):
        raise FinderError(f"“{name}” must be a list of numbers (got {type(values).__name__}).")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FinderError(f"“{name}” must hold only numbers; item {i + 1} is {json.dumps(v)[:30]}.")
        out.append(float(v))
    return out


def _looks_like_lightning(lrs: list[float]) -> bool:
    """Lightning's ramp skips its second step: the first gap is twice the others (log or linear)."""
    if len(lrs) < 6 or any(v <= 0 for v in lrs[:6]):
        return False

    def doubled(gaps: list[float]) -> bool:
        rest = gaps[1:]
        return all(math.isclose(g, rest[0], rel_tol=1e-6) for g in rest) and math.isclose(
            gaps[0], 2 * rest[0], rel_tol=1e-6
        )

    logs = [math.log(lrs[i + 1] / lrs[i]) for i in range(5)]
    lins = [lrs[i + 1] - lrs[i] for i in range(5)]
    return doubled(logs) or doubled(lins)


def _looks_raw(losses: list[float]) -> bool:
    """Batch losses alternate up and down; smoothed ones drift: lag-1 autocorrelation of the steps."""
    finite = [v for v in losses if math.isfinite(v)]
    steps = [finite[i + 1] - finite[i] for i in range(len(finite) - 1)]
    if len(steps) < 10:
        return False
    mean = sum(steps) / len(steps)
    d = [s - mean for s in steps]
    var = sum(x * x for x in d)
    if var == 0:
        return False
    return sum(d[i] * d[i + 1] for i in range(len(d) - 1)) / var < -0.25


def _infer_fastai_num_it(lrs: list[float]) -> int | None:
    """fastai's ``num_it`` from its default ramp ``1e-7 * 1e8**(i/num_it)``, when the LRs fit it exactly."""
    if len(lrs) < 2 or not math.isclose(lrs[0], 1e-7, rel_tol=1e-12) or lrs[1] <= lrs[0]:
        return None
    guess = round(math.log(1e8) / math.log(lrs[1] / lrs[0]))
    if guess < len(lrs) or guess > 100_000:
        return None
    expected = 1e-7 * 1e8 ** ((len(lrs) - 1) / guess)
    return guess if math.isclose(expected, lrs[-1], rel_tol=1e-9) else None


_TOOLS: dict[str, tuple[str, bool, str]] = {
    "torch_lr_finder": ("torch-lr-finder history", True,
                        "torch-lr-finder's losses are smoothed already (EMA, smooth_f = 0.05)."),
    "lightning": ("Lightning lr_finder.results", True, (
        "Lightning's losses are smoothed already (debiased EMA, β = 0.98, with its debiasing one step ahead: "
        "lrcalc's own rule reads the curve with it undone).")),
    "fastai": ("fastai recorder.lrs / recorder.losses", True,
               "fastai's losses are smoothed already (debiased EMA, β = 0.98)."),
    "keras": ("Keras LR finder lrs / losses", False, "A Keras LR finder records each batch's loss, unsmoothed."),
}
"""Each tool the parser knows: what its output is called, whether the tool smoothed it, and a note saying how."""

_TOOL_WORDS = (
    ("torch_lr_finder", "torchlrfinder"), ("lightning", "lightning"), ("fastai", "fastai"), ("keras", "keras"),
)
"""The word that names each tool in a file name, once case and every ``-``, ``_``, space and dot are dropped."""


def _named_tool(filename: str) -> str | None:
    """The tool a file name spells out (``torch_lr_finder_history.csv``, ``Lightning-results.json``), if any."""
    squashed = "".join(c for c in filename.lower() if c.isalnum())
    return next((tool for tool, word in _TOOL_WORDS if word in squashed), None)


def _tool_test(tool: str, lrs: list[float], losses: list[float], fmt_name: str, why: str | None = None) -> RangeTest:
    """A curve read as one tool's own output; ``why``, when given, is a note saying what gave the tool away."""
    label, smoothed, about = _TOOLS[tool]
    num_it = _infer_fastai_num_it(lrs) if tool == "fastai" else None
    notes = [note for note in (why, about) if note]
    if num_it is not None and num_it != len(lrs):
        notes.append(f"fastai stopped early: num_it = {num_it} read from its default LR ramp.")
    return RangeTest(lrs, losses, tool, fmt_name, f"{label} ({fmt_name})", smoothed, num_it=num_it, notes=notes)


def _from_mapping(data: dict, fmt_name: str, filename: str) -> RangeTest:
    """Recognise a tool from a JSON object's keys (and, where keys are shared, from the name or the data)."""
    keys = set(data)
    named = _named_tool(filename)
    for wrapper in ("history", "results", "recorder"):
        if isinstance(data.get(wrapper), dict) and not ({"lr", "lrs"} & keys):
            return _from_mapping(data[wrapper], fmt_name, filename)
    if {"lr", "loss"} <= keys:
        # Exactly what json.dump gives for torch-lr-finder's history and Lightning's results; Lightning's
        # ramp (or the file name) tells the two apart.
        lrs, losses = _numbers("lr", data["lr"]), _numbers("loss", data["loss"])
        tool = "lightning" if named == "lightning" or _looks_like_lightning(lrs) else "torch_lr_finder"
        return _tool_test(tool, lrs, losses, fmt_name)
    if {"lrs", "losses"} <= keys:
        lrs, losses = _numbers("lrs", data["lrs"]), _numbers("losses", data["losses"])
        if named in ("fastai", "keras"):
            return _tool_test(named, lrs, losses, fmt_name)
        if "iters" in keys or "values" in keys:
            return _tool_test("fastai", lrs, losses, fmt_name)
        if _looks_raw(losses):
            return _tool_test("keras", lrs, losses, fmt_name, "Judged from the data: these losses look raw (they "
                              "alternate up and down), as a Keras LR finder records them.")
        return _tool_test("fastai", lrs, losses, fmt_name, "Judged from the data: these losses look smoothed, as "
                          "fastai records them (a Keras LR finder records raw ones).")
    raise FinderError(
        "This JSON has no learning-rate and loss lists: expected keys “lr” and “loss” (torch-lr-finder, "
        f"Lightning) or “lrs” and “losses” (fastai, Keras); found {', '.join(sorted(map(str, keys))) or 'none'}."
    )


def _is_number(text: str) -> bool:
    """Whether a CSV cell reads as a number (``1e-05``, ``nan`` and ``inf`` included)."""
    try:
        float(text.replace("\u2212", "-"))
    except ValueError:
        return False
    return True


def _csv_float(text: str, row: int, column: str) -> float:
    """One CSV cell as a float (``nan``, ``inf`` accepted), or a message naming the cell."""
    cleaned = text.strip().replace("\u2212", "-")
    try:
        return float(cleaned)
    except ValueError:
        raise FinderError(f"Row {row}, column {column} is not a number (got “{cleaned[:24]}”).") from None


def _from_csv(text: str, filename: str) -> RangeTest:
    """A CSV of ``lr, loss[, raw_loss]``, with or without a header (pandas' index column is dropped)."""
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise FinderError(f"This file cannot be read as CSV: {exc}.") from None
    if not rows:
        raise FinderError("The file is empty.")
    header = [c.strip().lower() for c in rows[0]]
    has_header = not all(_is_number(c) for c in header if c)
    body = rows[1:] if has_header else rows
    columns = {"lr": 0, "loss": 1, "raw_loss": 2}
    if has_header:
        lr_col = next((i for i, c in enumerate(header) if c in _LR_NAMES), None)
        loss_col = next((i for i, c in enumerate(header) if c in _LOSS_NAMES), None)
        raw_col = next((i for i, c in enumerate(header) if c in _RAW_NAMES), None)
        if lr_col is None or loss_col is None:
            raise FinderError(
                f"The CSV header must name a learning-rate column (lr) and a loss column (loss); "
                f"found {', '.join(h or '(empty)' for h in header)}."
            )
        columns = {"lr": lr_col, "loss": loss_col, "raw_loss": raw_col}
    width = len(body[0]) if body else 0
    if not has_header and width not in (2, 3):
        raise FinderError(f"A CSV without a header must have 2 or 3 columns: lr, loss[, raw_loss] (got {width}).")
    if not has_header and width == 2:
        columns["raw_loss"] = None
    lrs, losses, raw = [], [], []
    for number, row in enumerate(body, 2 if has_header else 1):
        for name, col in columns.items():
            if col is not None and col >= len(row):
                raise FinderError(f"Row {number} has {len(row)} columns; expected at least {col + 1}.")
        lrs.append(_csv_float(row[columns["lr"]], number, "lr"))
        losses.append(_csv_float(row[columns["loss"]], number, "loss"))
        if columns["raw_loss"] is not None:
            raw.append(_csv_float(row[columns["raw_loss"]], number, "raw_loss"))
    if raw:
        return RangeTest(lrs, losses, "csv", "CSV", "CSV of lr, loss and raw_loss", True, raw_losses=raw,
                         notes=["The loss column is taken as smoothed already; raw_loss holds the batch losses."])
    return _two_columns(lrs, losses, has_header, filename)


def _two_columns(lrs: list[float], losses: list[float], has_header: bool, filename: str) -> RangeTest:
    """An lr, loss CSV: a tool's output only on evidence a CSV can carry, else a CSV judged from its data."""
    # A header of lr and loss names no tool (any script writes it), and neither does pandas' unnamed index
    # column (DataFrame.to_csv adds one to any table). What a CSV can carry is a tool's name in its file
    # name, which is how the page's example, range-test-torch-lr-finder.csv, says whose it is (and says
    # so in a note), or Lightning's ramp, whose first step is twice the others.
    named = _named_tool(filename)
    if named:
        return _tool_test(named, lrs, losses, "CSV", f"Recognised by its file name, {filename}: a CSV of lr and loss "
                          "carries no other sign of the tool that wrote it.")
    if _looks_like_lightning(lrs):
        return _tool_test("lightning", lrs, losses, "CSV", "Recognised by its ramp: the first LR step is twice the "
                          "others, as only Lightning's finder makes it.")
    raw = _looks_raw(losses)
    if raw:
        note = ("Judged from the data: the losses look raw (they alternate up and down), so automatic smoothing "
                "smooths them.")
    else:
        note = ("Judged from the data: the losses look smoothed already (they drift instead of alternating), so "
                "automatic smoothing leaves them as they are.")
    return RangeTest(lrs, losses, "csv", "CSV", f"CSV of lr and loss{'' if has_header else ' (no header)'}", not raw,
                     notes=[note])


def _validate(test: RangeTest) -> RangeTest:
    """Apply the data rules: finite positive increasing LRs, enough points, cut at NaN/inf with a note."""
    n = len(test.lrs)
    if n != len(test.losses):
        raise FinderError(f"The learning-rate and loss lists differ in length ({n} and {len(test.losses)}).")
    for i, lr in enumerate(test.lrs):
        if not math.isfinite(lr):
            raise FinderError(f"Learning rate {i + 1} is not a finite number ({lr!r}).")
        if lr <= 0:
            raise FinderError(f"Learning rates must be > 0; learning rate {i + 1} is {fmt.number(lr)}.")
    for i in range(1, n):
        if test.lrs[i] == test.lrs[i - 1]:
            raise FinderError(f"Learning rates {i} and {i + 1} are equal ({fmt.number(test.lrs[i])}): "
                              "a range test's learning rate must grow at every step.")
        if test.lrs[i] < test.lrs[i - 1]:
            raise FinderError(f"Learning rates must increase; learning rate {i + 1} ({fmt.number(test.lrs[i])}) "
                              f"is below learning rate {i} ({fmt.number(test.lrs[i - 1])}).")
    finite = test.finite_count
    if finite < n:
        test.notes.append(
            f"The loss is {'NaN' if math.isnan(test.losses[finite]) else 'infinite'} from point {finite + 1} "
            f"(learning rate {fmt.lr(test.lrs[finite])}): the curve is cut there and "
            f"{n - finite} point{'s' if n - finite != 1 else ''} dropped. The tools' own rules still read "
            "the whole list, each in its own way (fastai cuts at the first NaN, Lightning skips "
            "non-finite losses, torch-lr-finder keeps them)."
        )
    if finite < MIN_POINTS:
        raise FinderError(f"A range test needs at least {MIN_POINTS} points with a finite loss (got {finite}).")
    if test.raw_losses is not None and len(test.raw_losses) != n:
        raise FinderError(f"The raw-loss column has {len(test.raw_losses)} values for {n} learning rates.")
    test.detected = f"{test.detected}, {n} points"
    return test


def parse(text: str, filename: str | None = None) -> RangeTest:
    """Read a range test exported from torch-lr-finder, fastai, Lightning, a Keras LR finder, or a CSV.

    Detection, in order, on evidence that belongs to the tool:

    - JSON ``{"lr": [...], "loss": [...]}``, which is what ``json.dump`` gives
      for torch-lr-finder's ``history`` and Lightning's ``results``: Lightning
      when its ramp skips the second step (its scheduler's quirk) or the file
      name says ``lightning``, else torch-lr-finder. Both are smoothed by the
      tool already.
    - JSON ``{"lrs": [...], "losses": [...]}``: fastai's recorder when it also
      has ``iters``/``values`` or the name says ``fastai``; a Keras LR finder
      when the name says ``keras``; otherwise fastai if the losses look
      smoothed and Keras if they look raw, with a note saying so.
    - CSV with a header naming ``lr`` and ``loss`` (pandas' unnamed index
      column is ignored), or without a header, two or three columns
      ``lr, loss[, raw_loss]``. Two columns are a tool's only when the file
      name names the tool or the ramp is Lightning's; otherwise the file is a
      plain CSV, and whether its losses are smoothed is judged from the data.

    Args:
      text: the file's contents.
      filename: the file's name, if known; used only as a hint.

    Returns:
      A :class:`RangeTest` whose ``detected`` says what was found, such as
      ``"torch-lr-finder history (JSON), 100 points"``.

    Raises:
      FinderError: for unreadable files, fewer than :data:`MIN_POINTS` finite
        points, or learning rates that are not > 0 and increasing.
    """
    if not isinstance(text, str):
        raise FinderError(f"text must be a string (got {type(text).__name__})")
    name = filename or ""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise FinderError("The file is empty.")
    if stripped[0] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise FinderError(f"This looks like JSON but cannot be read: {exc}.") from None
        if not isinstance(data, dict):
            raise FinderError("The JSON must be an object with learning-rate and loss lists, not a bare list.")
        test = _from_mapping(data, "JSON", name)
    else:
        test = _from_csv(stripped, name)
    return _validate(test)
