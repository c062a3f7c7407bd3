"""Bad input by machine: random QuestionnaireResponses never make $screen answer 5xx, and
every refusal is an OperationOutcome."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fhir_support import (
    BASE,
    DONT_KNOW,
    NO,
    SCREEN_PATH,
    YES,
    fhir_post,
    item_types,
    questionnaire_response,
)
from tests.helpers import valid_answers

# Slow (a Hypothesis fuzzer): `pytest -m "not slow"` leaves it out locally; CI runs it.
pytestmark = pytest.mark.slow

LINK_IDS = [
    *sorted(valid_answers()),
    "opioid_type",
    "last_opioid_dose_on",
    "surgery_on",
    "ultra_low_dose_protocol",
    "wpi_none",
    "sss_fatigue",
    "nonsense",
    "",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["2026-02-30", "yes", "Y", "current", "4.5", "\x00", "1e309"]),
)
codings = st.one_of(
    st.sampled_from([YES, NO, DONT_KNOW]),
    st.fixed_dictionaries(
        {
            "system": st.sampled_from([f"{BASE}/CodeSystem/opioid-use", "x", ""]),
            "code": st.text(max_size=12),
        }
    ),
)
answer = st.one_of(
    st.dictionaries(
        st.sampled_from(["valueInteger", "valueString", "valueDate", "valueCoding", "valueX"]),
        st.one_of(scalars, codings),
        max_size=2,
    ),
    scalars,
)
item = st.one_of(
    st.fixed_dictionaries(
        {
            "linkId": st.sampled_from(LINK_IDS),
            "answer": st.one_of(st.lists(answer, max_size=3), scalars),
        }
    ),
    scalars,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(item, max_size=12), keep=st.booleans())
def test_random_responses_never_fail_on_the_server(
    fhir_app: Flask, questionnaire: dict[str, Any], items: list[Any], keep: bool
) -> None:
    body = questionnaire_response(valid_answers(), item_types(questionnaire))
    # Either damage a valid response (a few items replaced) or send only the random items.
    body["item"] = (body["item"][len(items) :] + items) if keep else items
    response = fhir_post(fhir_app.test_client(), SCREEN_PATH, body)
    assert response.status_code in {200, 422}, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    resource = json.loads(response.get_data(as_text=True))
    assert resource["resourceType"] == (
        "Bundle" if response.status_code == 200 else "OperationOutcome"
    )
