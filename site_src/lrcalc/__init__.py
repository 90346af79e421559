"""lrcalc: learning-rate schedules, computed exactly as the training libraries do.

The schedule factories return plain ``schedule(step) -> lr`` functions;
:func:`from_library` reproduces PyTorch, Keras, optax, Hugging Face and timm
schedulers exactly; the calculator turns a form's raw text into results, and
:mod:`lrcalc.web` is the JSON boundary the page's Web Worker calls under Pyodide.

>>> import lrcalc
>>> schedule = lrcalc.step_decay(0.001, step_size=25, decay_factor=0.5)
>>> schedule(60)
0.00025
"""

from .calculator import calculate
from .libraries import from_library
from .schedules import (
    InvalidArgument,
    Schedule,
    chain,
    constant,
    cosine_decay,
    cosine_restarts,
    cyclic,
    exponential_decay,
    inverse_sqrt,
    inverse_time_decay,
    join,
    linear,
    multistep_decay,
    one_cycle,
    piecewise_constant,
    piecewise_interpolate,
    polynomial_decay,
    reduce_on_plateau,
    step_decay,
    tanh_decay,
    warmup,
    warmup_stable_decay,
)

__version__ = "0.1.0"

__all__ = [
    "InvalidArgument",
    "Schedule",
    "calculate",
    "chain",
    "constant",
    "cosine_decay",
    "cosine_restarts",
    "cyclic",
    "exponential_decay",
    "from_library",
    "inverse_sqrt",
    "inverse_time_decay",
    "join",
    "linear",
    "multistep_decay",
    "one_cycle",
    "piecewise_constant",
    "piecewise_interpolate",
    "polynomial_decay",
    "reduce_on_plateau",
    "step_decay",
    "tanh_decay",
    "warmup",
    "warmup_stable_decay",
]
