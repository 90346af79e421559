"""Properties over arbitrary form input: the calculator always answers, with strict JSON."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lrcalc.calculator import FIELDS, KINDS, calculate

TYPED = st.one_of(
    st.text(max_size=40),
    st.floats().map(repr),
    st.integers(-(10**9), 10**9).map(str),
    st.sampled_from(["", "NaN", "inf", "-inf", "1e400", "1e-400", "-0", "0", "3e-4", "0,5", "\u22121", "1_000", "0x10"]),
)
NUMERIC = [name for name, spec in FIELDS.items() if spec.kind != "choice"]


@settings(max_examples=400, deadline=None)
@given(
    schedule=st.sampled_from([*KINDS, "cosine", ""]),
    count_from=st.sampled_from(["0", "1", "2", ""]),
    typed=st.fixed_dictionaries({name: TYPED for name in NUMERIC}),
)
def test_any_input_gets_results_or_field_errors(schedule, count_from, typed):
    """Whatever is typed, the answer is results or messages on known fields, as strict JSON."""
    out = calculate({"schedule": schedule, "count_from": count_from, **typed}, page_url="http://x/")
    text = json.dumps(out, allow_nan=False)
    if out["ok"]:
        assert all(r["text"] and "nan" not in r["text"] and "inf" not in r["text"] for r in out["results"])
        assert len(out["chart"]["x"]) == len(out["chart"]["y"]) == len(out["chart"]["text"])
        assert min(out["chart"]["y"]) >= 0
    else:
        assert out["errors"] and set(out["errors"]) <= set(FIELDS)
        assert all(message.endswith(".") for message in out["errors"].values())
    assert "Traceback" not in text
