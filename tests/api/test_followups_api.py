"""POST /api/v1/followups: the follow-up form's validation and the assessment as JSON."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from tests.api.support import call, field_errors, followup_json
from tests.helpers import today


def test_a_responder_is_assessed(client: FlaskClient, token: str) -> None:
    response = call(client, token, "/followups", followup_json())
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert result["assessed_on"] == today().isoformat()
    assert result["response"]["method"] == "nrs"
    assert result["response"]["change_pct"] == 50.0
    assert result["recommendation"] == "continue"
    assert result["advice"]["source"]["label"]
    assert result["chart_note"].startswith("LDN follow-up (")
    assert result["settings_version"]["number"] >= 1
    assert "Set-Cookie" not in response.headers


def test_follow_up_errors_are_the_form_s(client: FlaskClient, token: str) -> None:
    body = followup_json(
        current_dose_mg=4.3,
        pain_method="peg",
        side_effects_any="yes",
        target_reached_on=(today() + dt.timedelta(days=3)).isoformat(),
    )
    errors = field_errors(call(client, token, "/followups", body))
    assert errors["current_dose_mg"] == [
        "The current daily dose must be a multiple of 0.25 mg, like 2.25"
    ]
    assert errors["baseline_peg_pain"] == ["Enter the baseline PEG average pain (P) from 0 to 10"]
    assert errors["side_effects"] == ["Select the side effects the patient has had"]
    assert "target_reached_on" in errors


def test_a_side_effect_needs_its_severity(client: FlaskClient, token: str) -> None:
    body = followup_json(
        side_effects_any="yes", side_effects=["nausea", "headache"], severity_nausea="mild"
    )
    errors = field_errors(call(client, token, "/followups", body))
    assert list(errors) == ["severity_headache"]
    body["severity_headache"] = "severe"
    result = call(client, token, "/followups", body).get_json()
    assert any("headache" in f["summary"].lower() for f in result["findings"])


def test_the_dose_above_the_maximum_is_refused(client: FlaskClient, token: str) -> None:
    errors = field_errors(call(client, token, "/followups", followup_json(current_dose_mg=6)))
    assert "maximum daily dose in the settings" in errors["current_dose_mg"][0]
    errors = field_errors(call(client, token, "/followups", followup_json(current_dose_mg="4.5")))
    assert "a number" in errors["current_dose_mg"][0]
