"""Bad input by machine: random values for every follow-up field never cause a 5xx."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_screen.web.forms.followup import FollowupForm
from tests.helpers import csrf_token
from tests.web.test_followup_web import followup_answers

# Slow (a Hypothesis fuzzer): `pytest -m "not slow"` leaves it out locally; CI runs it.
pytestmark = pytest.mark.slow

# Every field the form declares (the CSRF token is FlaskForm's own, not listed here).
FIELDS = sorted(name for name, value in vars(FollowupForm).items() if hasattr(value, "field_class"))

nasty = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "yes",
            "no",
            "unsure",
            "peg",
            "nrs",
            "0",
            "10",
            "11",
            "4.5",
            "6",
            "0.25",
            "-1",
            "nan",
            "inf",
            "1e3",
            "2026-02-30",
            "9999-12-31",
            "1900-01-01",
            "headache",
            "vivid_dreams",
            "persistent",
            "severe",
            "\x00",
        ]
    ),
    st.dates().map(lambda d: d.isoformat()),
)
value = st.one_of(nasty, st.lists(nasty, min_size=2, max_size=3))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    overrides=st.dictionaries(st.sampled_from(FIELDS), value, max_size=8),
    drop=st.sets(st.sampled_from(FIELDS), max_size=4),
)
def test_random_followup_posts_never_fail(client: FlaskClient, overrides, drop) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/followup").get_data(as_text=True))
    data: dict[str, object] = {**followup_answers(), **overrides}
    for name in drop:
        data.pop(name, None)
    response = client.post("/followup", data={"csrf_token": token, **data})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert ("Follow-up result:" in body) != ("There is a problem" in body)
    assert "Not a valid choice" not in body
    assert "Traceback" not in body
