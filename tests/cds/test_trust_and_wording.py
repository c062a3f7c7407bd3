"""The one trust call at the top of every CDS request, and the CDS wording's limits."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from ldn_screen.rules.cds_findings import CDS_CATALOGUE, make_cds_finding
from ldn_screen.rules.findings import SUMMARY_MAX_CHARS
from tests.cds_support import call_service, discover, med_request, order_request


def test_every_cds_request_without_the_ehrs_jwt_gets_a_bare_401(client: FlaskClient) -> None:
    # The calls below skip the helpers' JWT: discovery and every service refuse them.
    assert discover(client).status_code == 200  # with the JWT, for contrast
    response = client.get("/cds-services")
    assert response.status_code == 401 and response.get_data() == b""
    payload = order_request("order-select", [med_request("o1", "LDN 1.5 mg")])
    for service in ("ldn-order", "opioid-on-ldn", "no-such-service"):
        response = client.post(f"/cds-services/{service}", json=payload)
        assert response.status_code == 401 and response.get_data() == b""
    forged = {"Authorization": "Bearer not.a.jwt"}
    assert client.post("/cds-services/ldn-order", json=payload, headers=forged).status_code == 401


def test_cds_summaries_stay_under_the_limit_with_long_values() -> None:
    long = "Wednesday 30 September 2026"
    params = {
        "topics": "x" * 500,
        "schedule": "standard",
        "start": long,
        "reasons": "",
        "steps": "",
        "review_on": long,
        "schedule_source": "hdrx_dosing",
        "ldn_lines": "",
        "order": "y" * 80,
        "hold": 14,
        "review_period": "12 weeks",
        "responder_pct": 30,
    }
    for code in CDS_CATALOGUE:
        finding = make_cds_finding(code, **params)
        assert len(finding.summary) < SUMMARY_MAX_CHARS, code
        assert finding.source.label


def test_issued_cards_are_handed_to_the_feedback_hook(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ldn_screen.web.cds import issued_hook

    seen: list[tuple[str, int, list[str]]] = []
    monkeypatch.setattr(
        issued_hook,
        "record",
        lambda service, version, cards: seen.append(
            (service, version, [c["source"]["topic"]["code"] for c in cards])
        ),
    )
    payload = order_request("order-select", [med_request("o1", "LDN 1.5 mg")])
    body = call_service(client, "ldn-order", payload).get_json()
    assert seen == [("ldn-order", 1, [c["source"]["topic"]["code"] for c in body["cards"]])]
    assert seen[0][2]  # the LDN order gave cards


@pytest.mark.parametrize("length", [10, 139, 140, 300])
def test_card_summary_is_under_140(length: int) -> None:
    from ldn_screen.web.cds.cards import card_summary

    text = ("word " * 100)[:length]
    summary = card_summary(text)
    assert len(summary) < 140
    assert summary == text if length < 140 else summary.endswith("…")
