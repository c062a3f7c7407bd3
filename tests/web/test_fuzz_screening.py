"""Bad input by machine: random values for every screening field never cause a 5xx."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_screen.web.forms.screening import DIAGNOSIS_FIELDS, ScreeningForm
from tests.helpers import csrf_token, valid_answers

# Slow (a Hypothesis fuzzer): `pytest -m "not slow"` leaves it out locally; CI runs it.
pytestmark = pytest.mark.slow

FIELDS = [
    *sorted(valid_answers()),
    "opioid_type",
    "last_opioid_dose_on",
    "opioid_free_since",
    "confirmed_not_opioid_lines",
    "surgery_on",
    "ultra_low_dose_protocol",
    "opioid_conditions",
    "safety_conditions",
    *DIAGNOSIS_FIELDS,
]
EXAMPLES = {"count": 0}

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "yes",
            "no",
            "unsure",
            "current",
            "recent",
            "none",
            "kidney_impairment",
            "opioid_withdrawal",
            "liquid",
            "gentle",
            "2026-02-30",
            "0000-00-00",
            "9999-12-31",
            "1900-01-01",
            "NaN",
            "-1",
            "1e309",
            "\x00",
            "\u202e",
            "' OR 1=1 --",
            "<script>",
        ]
    ),
    st.dates().map(lambda d: d.isoformat()),
)
field_value = st.one_of(nasty_text, st.lists(nasty_text, min_size=2, max_size=3))
answers = st.dictionaries(st.sampled_from(FIELDS), field_value, max_size=len(FIELDS))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(overrides=answers, drop=st.sets(st.sampled_from(FIELDS), max_size=5))
def test_random_screening_posts_never_fail(client: FlaskClient, overrides, drop) -> None:  # type: ignore[no-untyped-def]
    EXAMPLES["count"] += 1
    token = csrf_token(client.get("/").get_data(as_text=True))
    data: dict[str, object] = {**valid_answers(), **overrides}
    for name in drop:
        data.pop(name, None)
    response = client.post("/", data={"csrf_token": token, **data})
    assert response.status_code < 500
    body = response.get_data(as_text=True)
    if response.status_code == 200:
        assert ("Screening result:" in body) != ("There is a problem" in body)
        assert "Not a valid choice" not in body
    else:
        assert "Start a new screening" in body  # the house error page
    assert "Traceback" not in body


def test_fuzzing_ran_the_expected_number_of_examples() -> None:
    # Runs after the property test in file order; reports the figure for the closing note.
    print(f"\nscreening fuzz examples run: {EXAMPLES['count']}")
    assert EXAMPLES["count"] >= 100


def test_every_form_field_is_fuzzed() -> None:
    names = {k for k, v in vars(ScreeningForm).items() if hasattr(v, "field_class")}
    assert names - {"csrf_token"} <= set(FIELDS)
