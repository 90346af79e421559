"""Properties over every lrcalc family, from the registry: sound values, promised shapes, named errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcalc.libraries import REQUIRED, apis, from_library

FAMILIES = {spec.api: spec for spec in apis("lrcalc")}
NUMERIC = ("float", "int")

# Families that promise never to rise from one step to the next, under a condition on their arguments.
NON_INCREASING = {
    "lrcalc.constant": lambda k: True,
    "lrcalc.exponential_decay": lambda k: k["decay_rate"] <= 1,
    "lrcalc.step_decay": lambda k: k["decay_factor"] <= 1,
    "lrcalc.multistep_decay": lambda k: k["decay_factor"] <= 1,
    "lrcalc.polynomial_decay": lambda k: k["end_value"] <= k["init_value"] and not k["cycle"],
    "lrcalc.linear": lambda k: k["end_value"] <= k["init_value"],
    "lrcalc.cosine_decay": lambda k: k["end_value"] <= k["init_value"],
    "lrcalc.inverse_time_decay": lambda k: True,
    "lrcalc.inverse_sqrt": lambda k: True,
    "lrcalc.tanh_decay": lambda k: k["end_value"] <= k["init_value"],
}
# Continuous families, and the length over which they change.
CONTINUOUS = {
    "lrcalc.exponential_decay": None,
    "lrcalc.linear": "steps",
    "lrcalc.cosine_decay": "steps",
    "lrcalc.polynomial_decay": "steps",
    "lrcalc.inverse_time_decay": "decay_steps",
}


def perturbed(spec, scales):
    """The family's defaults with each numeric argument scaled (whole numbers stay whole and >= 1)."""
    kwargs = {}
    for param, scale in zip(spec.params, scales):
        if param.required:
            continue
        value = param.default
        if param.kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = value * scale
        elif param.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            value = max(1, round(value * scale))
        kwargs[param.name] = value
    return kwargs


@settings(max_examples=300, deadline=None)
@given(
    api=st.sampled_from(sorted(FAMILIES)),
    scales=st.lists(st.floats(0.2, 5.0), min_size=12, max_size=12),
    steps=st.lists(st.integers(0, 3000), min_size=1, max_size=8),
)
def test_values_are_finite_and_non_negative_or_the_arguments_are_refused_by_name(api, scales, steps):
    """Any scaled configuration builds a schedule whose values are >= 0 and finite (a growing
    exponential or step schedule may reach inf, past the float range), or raises naming an argument."""
    spec = FAMILIES[api]
    kwargs = perturbed(spec, scales)
    try:
        schedule = from_library(api, **kwargs)
    except ValueError as error:
        assert any(p.name in str(error) for p in spec.params), str(error)
        return
    grows = kwargs.get("decay_rate", 0) > 1 or kwargs.get("decay_factor", 0) > 1
    for step in steps:
        value = schedule(step)
        assert value >= 0 and (math.isfinite(value) or (grows and value == math.inf)), (api, kwargs, step, value)


@settings(max_examples=200, deadline=None)
@given(api=st.sampled_from(sorted(NON_INCREASING)), scales=st.lists(st.floats(0.2, 5.0), min_size=8, max_size=8), step=st.integers(0, 2000))
def test_decays_never_rise(api, scales, step):
    """Where a family promises to decay, no step is higher than the one before it."""
    spec = FAMILIES[api]
    kwargs = perturbed(spec, scales)
    try:
        schedule = from_library(api, **kwargs)
    except ValueError:
        return
    if NON_INCREASING[api](kwargs):
        assert schedule(step + 1) <= schedule(step) * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(api=st.sampled_from(sorted(CONTINUOUS)), scales=st.lists(st.floats(0.5, 5.0), min_size=8, max_size=8), step=st.integers(0, 2000))
def test_continuous_families_change_gradually(api, scales, step):
    """One step moves a continuous schedule by at most a few times its average slope."""
    spec = FAMILIES[api]
    kwargs = perturbed(spec, scales)
    if api == "lrcalc.polynomial_decay":
        kwargs["power"] = max(kwargs["power"], 1.0)
    if api == "lrcalc.exponential_decay":
        kwargs["decay_rate"] = min(kwargs["decay_rate"], 1.0)
    try:
        schedule = from_library(api, **kwargs)
    except ValueError:
        return
    first = schedule(0)
    if CONTINUOUS[api] is None:
        bound = first * (1 - kwargs["decay_rate"])
    else:
        length = kwargs[CONTINUOUS[api]]
        bound = 4 * max(first, schedule(step), kwargs.get("end_value", 0.0)) * max(kwargs.get("power", 1.0), math.pi / 2) / length
    assert abs(schedule(step + 1) - schedule(step)) <= bound * (1 + 1e-9) + 1e-15


@pytest.mark.parametrize("api", sorted(FAMILIES))
def test_every_numeric_argument_refuses_text_by_name(api):
    """Putting text where a number belongs raises ValueError naming that argument."""
    spec = FAMILIES[api]
    base = {p.name: p.default for p in spec.params if p.default is not REQUIRED}
    for param in spec.params:
        if param.kind in NUMERIC and not param.optional:
            with pytest.raises(ValueError, match=param.name):
                from_library(api, **{**base, param.name: "not a number"})
