"""Every HTTP call the CDS Hooks tests make goes through these helpers, so that the EHR's
credentials (a signed JWT, fresh for every call) are added in one place, and payload builders
shared by the tests.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.cds_support_jwt import SigningKey, ehr_jwt, trust_issuer, url

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
BASE = "/cds-services"


_EHR_KEY = SigningKey.ec("P-384")
_TRUSTED = "tests.cds_support.trusted"


def auth_headers(client: FlaskClient, path: str) -> dict[str, str]:
    """The headers an EHR sends to ``path``: a JWT signed by an issuer the app trusts (the
    app is told to trust the test issuer on first use), with a new jti every call."""
    app = client.application
    if not app.extensions.get(_TRUSTED):
        trust_issuer(app, _EHR_KEY)
        app.extensions[_TRUSTED] = True
    # The audience is the address the EHR was given: the public one when it is configured.
    public = app.config.get("LDN_PUBLIC_URL")
    audience = public + path if public else url(path)
    return {"Authorization": "Bearer " + ehr_jwt(_EHR_KEY, audience)}


def discover(client: FlaskClient) -> TestResponse:
    return client.get(BASE, headers=auth_headers(client, BASE))


def call_service(
    client: FlaskClient, service_id: str, payload: Any, raw: bytes | None = None
) -> TestResponse:
    path = f"{BASE}/{service_id}"
    headers = auth_headers(client, path)
    if raw is not None:
        return client.post(path, data=raw, headers=headers, content_type="application/json")
    return client.post(path, json=payload, headers=headers)


# --- Payload builders ------------------------------------------------------------------------


def med_request(
    rid: str,
    text: str | None = None,
    *,
    code: str | None = None,
    status: str = "draft",
    dose_mg: float | None = None,
    sig: str | None = None,
    display_only: str | None = None,
    start: str | None = None,
    end: str | None = None,
    authored: str | None = None,
) -> dict[str, Any]:
    order: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
    }
    if text is not None or code is not None:
        concept: dict[str, Any] = {}
        if text is not None:
            concept["text"] = text
        if code is not None:
            concept["coding"] = [{"system": RXNORM, "code": code}]
        order["medicationCodeableConcept"] = concept
    if display_only is not None:
        order["medicationReference"] = {"reference": f"Medication/{rid}-m", "display": display_only}
    dosage: dict[str, Any] = {}
    if sig:
        dosage["text"] = sig
    if dose_mg is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": dose_mg, "unit": "mg", "code": "mg"}}]
    if start or end:
        bounds = {k: v for k, v in (("start", start), ("end", end)) if v}
        dosage["timing"] = {
            "repeat": {"boundsPeriod": bounds, "frequency": 1, "period": 1, "periodUnit": "d"}
        }
    if dosage:
        order["dosageInstruction"] = [dosage]
    if authored:
        order["authoredOn"] = authored
    return order


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        result["link"] = [{"relation": "next", "url": next_url}]
    return result


def patient(birth: str = "1980-04-02") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", "birthDate": birth, "gender": "female"}


def fibromyalgia() -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "203082005", "display": "Fibromyalgia"}
            ]
        },
    }


def pregnancy_status(code: str, date: str = "2026-11-01") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "effectiveDateTime": date,
        "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": code}]},
    }


def full_prefetch(*meds: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    prefetch: dict[str, Any] = {
        "patient": patient(),
        "activeMeds": bundle(*[m for m in meds if m.get("status") == "active"]),
        "recentMeds": bundle(*meds),
        "dispenses": bundle(),
        "conditions": bundle(fibromyalgia()),
        "allergies": bundle(),
        "pregnancy": bundle(pregnancy_status("LA26683-5")),
    }
    prefetch.update(overrides)
    return prefetch


def order_request(
    hook: str,
    orders: list[dict[str, Any]],
    selections: list[str] | None = None,
    prefetch: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/u1",
        "patientId": "p1",
        "draftOrders": bundle(*copy.deepcopy(orders)),
    }
    if hook == "order-select":
        context["selections"] = (
            selections
            if selections is not None
            else [f"MedicationRequest/{o['id']}" for o in orders]
        )
    payload: dict[str, Any] = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
    }
    if prefetch is not None:
        payload["prefetch"] = prefetch
    payload.update(extra)
    return payload


def days_from_today(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()
