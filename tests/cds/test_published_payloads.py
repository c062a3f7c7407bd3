"""The example requests and responses the CDS Hooks specification and the CDC opioid CDS
guide publish (tests/data/cds-hooks, SOURCES.md), run through our services.

Each request gets either a correct answer or a deliberate refusal, and the rule deciding which
is written here once:

* a body that is not JSON, or has no ``hook``: 400;
* a hook the service does not answer (every hook but order-select/order-sign for ldn-order and
  opioid-on-ldn, and but patient-view for ldn-review): 400 naming the hook;
* an order hook without ``context.draftOrders`` (pre-1.0 ``medications`` payloads, and CDC
  examples that put the orders in prefetch only): 400, since the orders cannot be read;
* a selection that is not among the draft orders: 400 naming it;
* otherwise 200: ldn-order gives no card (no example orders low-dose naltrexone);
  opioid-on-ldn gives the "LDN could not be checked" card exactly when an order it judges is
  an opioid by its RxNorm code or names an opioid ingredient (none of the examples sends our
  ``activeMeds`` key or FHIR access), else none; ldn-review is quiet.

The published responses are checked with the same card invariants as ours; the problems the
checker finds in them are listed, so the checker is shown to catch real ones.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.cds.invariants import card_problems, response_problems
from tests.cds.published import DATA, docs_cards, docs_requests, opioid_files
from tests.cds_support import RXNORM, call_service

SERVICE_HOOKS = {
    "ldn-order": ("order-select", "order-sign"),
    "opioid-on-ldn": ("order-select", "order-sign"),
    "ldn-review": ("patient-view",),
}
VALUESET_ROWS = Path(__file__).resolve().parent.parent / "data" / "valueset_rows.csv"


def _opioid_codes() -> set[str]:
    # Read from the committed value-set rows, independently of the service's own data file.
    with VALUESET_ROWS.open(newline="") as handle:
        return {
            row["code"]
            for row in csv.DictReader(handle)
            if row["valueset"].startswith("opioid-cds-r4/") and row["is_opioid"] == "true"
        }


OPIOID_CODES = _opioid_codes()
# Opioid ingredient names, for orders that name the medicine only in text (Epic's
# medicationReference.display): from the reader's ingredient list, not the code file.
OPIOID_NAMES = {
    i["name"]
    for i in json.loads(
        (
            Path(__file__).resolve().parents[2] / "ldn_screen/rules/data/opioids_rxnorm.json"
        ).read_text()
    )["ingredients"]
    if i["category"] not in ("antitussive", "antidiarrhoeal")
}


def _names_opioid(order: dict[str, Any]) -> bool:
    concept = order.get("medicationCodeableConcept") or {}
    if any(
        c.get("system") == RXNORM and c.get("code") in OPIOID_CODES
        for c in concept.get("coding", [])
    ):
        return True
    texts = [
        concept.get("text") or "",
        (order.get("medicationReference") or {}).get("display") or "",
    ]
    words = " ".join(texts).lower().replace("/", " ").split()
    return any(name in words for name in OPIOID_NAMES)


def _requests() -> list[tuple[str, bytes]]:
    found = [(name, json.dumps(req).encode()) for name, req in docs_requests()]
    found += [(str(p.relative_to(DATA)), p.read_bytes()) for p in opioid_files("requests")]
    return found


REQUESTS = _requests()


def _drafts(context: dict[str, Any]) -> list[dict[str, Any]]:
    drafts = context["draftOrders"]
    if drafts.get("resourceType") == "Bundle":
        return [e["resource"] for e in drafts.get("entry", [])]
    return [drafts]


def expected(service: str, raw: bytes) -> tuple[int, str | None, bool]:
    """(status, words the refusal must contain, whether opioid-on-ldn's card is due)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return 400, "JSON", False
    if "hook" not in body:
        return 400, "hook", False
    hook = body["hook"]
    if hook not in SERVICE_HOOKS[service]:
        return 400, f"'{hook}'", False
    if hook == "patient-view":
        return 200, None, False
    context = body["context"]
    if "draftOrders" not in context:
        return 400, "draftOrders", False
    drafts = _drafts(context)
    judged = drafts
    if hook == "order-select":
        refs = {f"{d['resourceType']}/{d['id']}": d for d in drafts}
        selections = context.get("selections")
        if selections is None and len(drafts) == 1:
            selections = list(refs)
        missing = [s for s in selections if s not in refs]
        if missing:
            return 400, missing[0], False
        judged = [refs[s] for s in selections]
    opioid = any(_names_opioid(d) for d in judged if d.get("resourceType") == "MedicationRequest")
    return 200, None, opioid


@pytest.mark.parametrize("service", sorted(SERVICE_HOOKS))
@pytest.mark.parametrize(("name", "raw"), REQUESTS, ids=[n for n, _ in REQUESTS])
def test_published_request(
    app: Flask, client: FlaskClient, service: str, name: str, raw: bytes
) -> None:
    app.config["LDN_CDS_REVIEW_SERVICE"] = True
    status, words, opioid_card = expected(service, raw)
    response = call_service(client, service, None, raw=raw)
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    if status != 200:
        assert words is not None and words in body["issue"][0]["diagnostics"]
        return
    assert response_problems(body) == []
    topics = [c["source"]["topic"]["code"] for c in body["cards"]]
    if service == "opioid-on-ldn":
        assert topics == (["cds_ldn_not_checked"] if opioid_card else [])
    else:
        assert topics == []


def test_the_published_requests_exercise_every_path() -> None:
    outcomes = {
        (status, card)
        for s in SERVICE_HOOKS
        for _, raw in REQUESTS
        for status, _, card in [expected(s, raw)]
    }
    assert {(200, True), (200, False), (400, False)} <= outcomes
    assert len(REQUESTS) >= 80


# Problems the invariant checker finds in the CDC guide's published responses (files that are
# not JSON upstream are listed as such).
KNOWN_RESPONSE_PROBLEMS: dict[str, set[str]] = {
    "response-example-rec-01-in-outpatient-opioid.json": {"not JSON"},
    "response-example-rec-02-in-careplan-revisited.json": {"not JSON"},
    "response-example-rec-03-in-no-counseling-within-90-days.json": {"not JSON"},
    "response-example-rec-06-in-criteria-met.json": {"not JSON"},
    "response-example-rec-09-in-criteria-met.json": {"not JSON"},
    "response-example-rec-05-mme-greater-than-fifty.json": {
        "link type None",
        "link without label, url or type",
    },
    "response-example-rec-07-seven-of-past-ten-days.json": {
        "suggestions without selectionBehavior (cds-resp-6)",
        "summary is 157 characters (must be < 140)",
    },
    "response-example-rec-07-sixtythree-of-past-ninety-days.json": {
        "suggestions without selectionBehavior (cds-resp-6)",
        "summary is 157 characters (must be < 140)",
    },
    **{
        f"response-example-rec-08-{name}.json": {
            "link type None",
            "link without label, url or type",
            "summary is 169 characters (must be < 140)",
        }
        for name in ("mme-greater-than-fifty", "on-benzodiazepine", "substance-abuse")
    },
    "response-example-rec-10-no-screenings.json": {
        "suggestions without selectionBehavior (cds-resp-6)"
    },
    "response-example-rec-10-patient-view-no-screenings.json": {
        "suggestions without selectionBehavior (cds-resp-6)"
    },
    "response-example-rec-10-patient-view-uofu-data.json": {"source.label missing"},
}


@pytest.mark.parametrize("path", opioid_files("responses"), ids=lambda p: p.name)
def test_published_response_invariants(path: Path) -> None:
    try:
        body = json.loads(path.read_text())
    except ValueError:
        problems = {"not JSON"}
    else:
        problems = set(response_problems(body))
    assert problems == KNOWN_RESPONSE_PROBLEMS.get(path.name, set())


def test_spec_example_cards() -> None:
    found = {name: block for name, block in docs_cards()}
    # The spec's example card (docs/examples.md) predates the required source.label.
    assert card_problems(found["examples.md#1"]) == ["source.label missing"]
    assert response_problems(found["examples.md#3"]) == []
