"""The feedback endpoint agrees with the CDS Hooks specification's own feedback invariants,
evaluated with FHIRPath (fhirpathpy) on every combination of outcome, acceptedSuggestions
and overrideReason: a body is accepted exactly when every invariant holds.

The three expressions are quoted from HL7/cds-hooks (CDS Hooks 3.0 ballot sources):
- input/fsh/invariants/cds-fb-1.fsh at commit 8cb48c9e4413d730bf862b40c0c1cbce81b923ff
- input/fsh/invariants/cds-fb-2.fsh and cds-fb-3.fsh at commit
  adf9c7d3d6544c85ccef55d732c876848d0f212b
cds-fb-1 and cds-fb-2 apply to a feedback item, cds-fb-3 to its overrideReason.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fhirpathpy import evaluate
from flask import Flask

from ldn_screen.web.cds_feedback import record_issued_card
from tests.cds_support_jwt import SigningKey, ehr_jwt, url
from tests.cds_trust.support import TIMESTAMP

CDS_FB_1 = "outcome = 'accepted' or outcome = 'overridden'"
CDS_FB_2 = "(outcome = 'accepted') implies acceptedSuggestions.exists()"
CDS_FB_3 = "reason.exists() or userComment.exists()"

PATH = "/cds-services/ldn-order/feedback"
OUTCOMES = ["accepted", "overridden", "ignored", None]
SUGGESTIONS: list[Any] = [None, [{"id": "s1"}]]
REASONS: list[Any] = [
    None,
    {},
    {"reason": {"code": "opioid-stopped", "system": "https://ldn.example/override"}},
    {"userComment": "text"},
    {"reason": {"code": "risk-accepted"}, "userComment": "text"},
]


def holds(data: dict[str, Any], expression: str) -> bool:
    return evaluate(data, expression) == [True]


def item(outcome: str | None, suggestions: Any, reason: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"card": "card-1", "outcomeTimestamp": TIMESTAMP}
    for key, value in (
        ("outcome", outcome),
        ("acceptedSuggestions", suggestions),
        ("overrideReason", reason),
    ):
        if value is not None:
            data[key] = value
    return data


def spec_valid(data: dict[str, Any]) -> bool:
    ok = holds(data, CDS_FB_1) and holds(data, CDS_FB_2)
    if "overrideReason" in data:
        ok = ok and holds(data["overrideReason"], CDS_FB_3)
    return ok


CASES = [item(*combo) for combo in itertools.product(OUTCOMES, SUGGESTIONS, REASONS)]


def test_the_cases_cover_both_answers() -> None:
    verdicts = [spec_valid(case) for case in CASES]
    assert verdicts.count(True) >= 5 and verdicts.count(False) >= 20


@pytest.mark.parametrize("data", CASES, ids=[str(n) for n in range(len(CASES))])
def test_accepted_exactly_when_the_spec_invariants_hold(
    ehr_app: Flask, ehr_key: SigningKey, data: dict[str, Any]
) -> None:
    with ehr_app.app_context():
        record_issued_card("card-1", "ldn-order", "opioid_current", 1)
    response = ehr_app.test_client().post(
        PATH,
        json={"feedback": [data]},
        headers={"Authorization": f"Bearer {ehr_jwt(ehr_key, url(PATH))}"},
    )
    assert response.status_code == (200 if spec_valid(data) else 400), data
