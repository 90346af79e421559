"""Learning-rate schedules as small validated factories.

Each factory checks its arguments once and returns a plain function
``schedule(step) -> lr`` with no state between calls, in the manner of optax.
``step`` is the 0-based count of scheduler steps taken so far: ``schedule(0)``
is the learning rate of the first epoch (or batch), and ``schedule(t)`` is the
value PyTorch's scheduler holds after ``t`` calls of ``scheduler.step()``.

Rules are written once, in the ``check_*`` functions of :mod:`.checks`. The
calculator form (:mod:`lrcalc.calculator`) applies the same functions to each
field, so a rule is never restated elsewhere.

What is where (each module imports only from the ones listed before it):

- :mod:`.checks`: the :data:`Schedule` type, :class:`InvalidArgument`, the
  ``check_*`` rules, the step helpers every factory shares, and
  :func:`first_failure`;
- :mod:`.decays`: the families that run once, from a start towards an end:
  constant, exponential and step decay, multi-step, piecewise constant and
  piecewise interpolated, polynomial, linear, cosine, inverse time, inverse
  square root and tanh;
- :mod:`.cycles`: the families that rise again: cosine with warm restarts,
  cyclic and one-cycle;
- :mod:`.compose`: schedules made of schedules: :func:`join` (which every
  warmup and phase is built from), :func:`warmup`, :func:`warmup_stable_decay`,
  :func:`constant_or_zero` and :func:`chain`;
- :mod:`.plateau`: :func:`reduce_on_plateau`, the one family driven by data
  (a list of measured metrics).

Every public name is re-exported here: import from ``lrcalc.schedules``.
"""

from .checks import (
    InvalidArgument,
    Schedule,
    check_choice,
    check_fraction,
    check_increasing,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_whole,
    first_failure,
)
from .compose import chain, constant_or_zero, join, warmup, warmup_stable_decay
from .cycles import cosine_restarts, cyclic, one_cycle
from .decays import (
    constant,
    cosine_decay,
    exponential_decay,
    inverse_sqrt,
    inverse_time_decay,
    linear,
    multistep_decay,
    piecewise_constant,
    piecewise_interpolate,
    polynomial_decay,
    step_decay,
    tanh_decay,
)
from .plateau import reduce_on_plateau

__all__ = [
    "InvalidArgument",
    "Schedule",
    "chain",
    "check_choice",
    "check_fraction",
    "check_increasing",
    "check_non_negative",
    "check_positive",
    "check_positive_int",
    "check_whole",
    "constant",
    "constant_or_zero",
    "cosine_decay",
    "cosine_restarts",
    "cyclic",
    "exponential_decay",
    "first_failure",
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
