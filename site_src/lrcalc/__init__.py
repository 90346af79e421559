"""lrcalc: learning-rate schedules, computed exactly as the training libraries do.

The schedule factories return plain ``schedule(step) -> lr`` functions; the
calculator turns a form's raw text into results, and :mod:`lrcalc.web` is the
JSON boundary the page's Web Worker calls under Pyodide.

>>> import lrcalc
>>> schedule = lrcalc.step_decay(0.001, step_size=25, decay_factor=0.5)
>>> schedule(60)
0.00025
"""

from .calculator import calculate
from .schedules import InvalidArgument, Schedule, constant, exponential_decay, step_decay

__version__ = "0.1.0"

__all__ = [
    "InvalidArgument",
    "Schedule",
    "calculate",
    "constant",
    "exponential_decay",
    "step_decay",
]
