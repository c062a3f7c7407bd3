"""The CDS Hooks 3.0 response invariants as FHIRPath (HL7/cds-hooks input/fsh/invariants),
evaluated with fhirpathpy on our own responses, and on a deliberately broken one so each
expression is shown to fail when it should."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhirpathpy import evaluate
from flask.testing import FlaskClient

from tests.cds.invariants import response_problems
from tests.cds_support import (
    call_service,
    days_from_today,
    full_prefetch,
    med_request,
    order_request,
)

INVARIANTS = {
    "summary under 140": "cards.all(summary.length() < 140)",
    "cds-resp-6 selectionBehavior": (
        "cards.all(suggestions.exists() implies selectionBehavior.exists())"
    ),
    "cds-resp-5 action description": "cards.suggestions.all(actions.all(description.exists()))",
    "cds-resp-1 at most one recommended": (
        "cards.where(selectionBehavior = 'at-most-one')"
        ".all(suggestions.where(isRecommended = true).count() <= 1)"
    ),
    "cds-resp-4 override display": "cards.overrideReasons.all(display.exists())",
    "cds-resp-3 appContext only on smart": (
        "cards.links.where(appContext.exists()).all(type = 'smart')"
    ),
    "indicator values": "cards.all(indicator in ('info' | 'warning' | 'critical'))",
    "source label": "cards.all(source.label.exists())",
}


@pytest.fixture()
def response(client: FlaskClient) -> dict[str, Any]:
    ldn = med_request("o1", "naltrexone 1.5 mg capsule (compounded)")
    oxy = med_request("m1", "oxycodone 5 mg", status="completed", end=days_from_today(-2))
    payload = order_request("order-select", [ldn], prefetch=full_prefetch(oxy))
    body = call_service(client, "ldn-order", payload).get_json()
    assert len(body["cards"]) >= 3
    return body


def test_our_cards_meet_every_invariant(response: dict[str, Any]) -> None:
    for name, expression in INVARIANTS.items():
        assert evaluate(response, expression) == [True], name


def _broken(response: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(response)
    with_suggestions = [c for c in bad["cards"] if c.get("suggestions")]
    titration = next(c for c in with_suggestions if len(c["suggestions"]) == 2)
    for suggestion in titration["suggestions"]:
        suggestion["isRecommended"] = True
    del with_suggestions[0]["selectionBehavior"]
    bad["cards"][0]["summary"] = "x" * 140
    bad["cards"][0]["indicator"] = "hard-stop"
    del bad["cards"][0]["source"]["label"]
    card = next(c for c in bad["cards"] if c.get("links"))
    card["links"][0]["type"] = "absolute"
    card["suggestions"][0]["actions"][0].pop("description")
    next(c for c in bad["cards"] if c.get("overrideReasons"))["overrideReasons"][0].pop("display")
    return bad


def test_each_invariant_fails_on_a_broken_response(response: dict[str, Any]) -> None:
    bad = _broken(response)
    for name, expression in INVARIANTS.items():
        assert evaluate(bad, expression) == [False], name
    # The plain-Python checker the other tests use finds the same problems.
    assert len(set(response_problems(bad))) >= len(INVARIANTS) - 1
