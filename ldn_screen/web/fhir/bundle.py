"""The result of ``$screen`` as a FHIR Bundle (type collection), built from the rules'
dataclasses as plain JSON: no FHIR model library is imported here.

The entries, in order:
- the QuestionnaireResponse as posted, with the settings version and the verdict as
  extensions;
- a MedicationRequest (intent ``proposal``) for LDN when the rules made a dose plan, one
  ``dosageInstruction`` per titration step, in order;
- a DetectedIssue for each stop, wait or review finding, citing its source;
- an OperationOutcome with a warning, only when the settings were read from this worker's
  memory because the store failed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...rules import DosePlan, Finding, ScreeningResult
from ...rules.findings import surgery_stop_row
from ...rules.sheet_text import CalendarRow, calendar
from ...rules.units import fmt_mg, fmt_ml
from ...rules.wording import DOSE_TIMING, VERDICT_TITLES, plan_description, plan_wording
from . import terms

# DOSE_TIMING ("once a day") is the rule for when doses are taken; the timing below says the
# same in FHIR terms. A test keeps the two in step.
ONCE_A_DAY = {"frequency": 1, "period": 1, "periodUnit": "d"}
MEDICATION_TEXT = "Low-dose naltrexone (LDN)"
# MedicationRequest.subject is required; the screening knows no one's identity.
UNIDENTIFIED_SUBJECT = {"display": "The screened patient (not identified by ldn-screen)"}


@dataclass(frozen=True)
class SettingsStamp:
    """The settings version a result was computed with."""

    number: int
    published_at: dt.datetime


def _uuid() -> str:
    return str(uuid.uuid4())


def _mg(dose_mg: float) -> dict[str, Any]:
    return {"value": dose_mg, "unit": "mg", "system": terms.UCUM, "code": "mg"}


def _dosage(row: CalendarRow) -> dict[str, Any]:
    bounds = {"start": row.starts_on.isoformat()}
    if row.ends_on is not None:  # the last step runs on until the review
        bounds["end"] = row.ends_on.isoformat()
    amount = fmt_mg(row.dose_mg)
    if row.volume_ml is not None:
        amount = f"{amount} ({fmt_ml(row.volume_ml)})"
    return {
        "sequence": row.step,
        "text": f"Step {row.step}: {amount}. {DOSE_TIMING}",
        "timing": {"repeat": {"boundsPeriod": bounds, **ONCE_A_DAY}},
        "doseAndRate": [{"doseQuantity": _mg(row.dose_mg)}],
    }


def medication_request(
    base: str, result: ScreeningResult, plan: DosePlan, rid: str, today: dt.date
) -> dict[str, Any]:
    notes = []
    if condition := plan_wording(result).condition:
        notes.append({"text": condition})
    if plan.surgery_stop:
        notes.append({"text": surgery_stop_row(plan.surgery_stop)})
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "extension": [
            {"url": terms.extension_url(base, "review-on"), "valueDate": plan.review_on.isoformat()}
        ],
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": {"text": f"{MEDICATION_TEXT}, {plan_description(plan)}"},
        "subject": UNIDENTIFIED_SUBJECT,
        "authoredOn": today.isoformat(),
        "dosageInstruction": [_dosage(row) for row in calendar(plan)],
    }
    if notes:
        request["note"] = notes
    return request


def _source(base: str, finding: Finding) -> dict[str, Any]:
    source = finding.source
    artifact: dict[str, Any] = {
        "type": "citation",
        "label": source.key,
        "display": source.label,
        "citation": source.reference,
    }
    if source.url:
        artifact["url"] = source.url
    return {"url": terms.extension_url(base, "finding-source"), "valueRelatedArtifact": artifact}


def detected_issue(
    base: str,
    finding: Finding,
    rid: str,
    evidence: str,
    implicated: str | None,
    today: dt.date,
) -> dict[str, Any]:
    extensions = [
        _source(base, finding),
        {"url": terms.extension_url(base, "finding-severity"), "valueCode": finding.severity.value},
    ]
    if finding.patient_text:
        extensions.append(
            {"url": terms.extension_url(base, "patient-text"), "valueString": finding.patient_text}
        )
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": rid,
        "extension": extensions,
        "status": "final",
        "code": {
            # The summary carries this patient's dates, so it is the text, not the display.
            "coding": [{"system": terms.local_system(base, "ldn-finding"), "code": finding.code}],
            "text": finding.summary,
        },
        "severity": terms.ISSUE_SEVERITY[finding.severity],
        "identifiedDateTime": today.isoformat(),
        "detail": finding.clinician_text,
        "evidence": [{"detail": [{"reference": evidence}]}],
    }
    if finding.source.url:
        issue["reference"] = finding.source.url
    if implicated:
        issue["implicated"] = [{"reference": implicated}]
    return issue


def echoed_response(
    base: str, response: dict[str, Any], result: ScreeningResult, settings: SettingsStamp
) -> dict[str, Any]:
    """The posted response, with the settings version and verdict it was screened with
    (any such extensions it came with are replaced: the server's are the ones that count)."""
    # A shallow copy: only the top-level extensions change (and a deep copy of a deeply
    # nested body could exhaust the recursion limit).
    echoed = dict(response)
    ours = {terms.extension_url(base, "settings-version"), terms.extension_url(base, "verdict")}
    posted = echoed.get("extension")
    kept = [
        e
        for e in (posted if isinstance(posted, list) else [])
        if not isinstance(e, dict) or e.get("url") not in ours
    ]
    verdict = {
        "system": terms.local_system(base, "ldn-verdict"),
        "code": result.verdict.value,
        "display": VERDICT_TITLES[result.verdict],
    }
    echoed["extension"] = [
        *kept,
        {
            "url": terms.extension_url(base, "settings-version"),
            "extension": [
                {"url": "number", "valueInteger": settings.number},
                {"url": "published", "valueDateTime": settings.published_at.isoformat()},
            ],
        },
        {"url": terms.extension_url(base, "verdict"), "valueCoding": verdict},
    ]
    return echoed


def result_bundle(
    base: str,
    response: dict[str, Any],
    result: ScreeningResult,
    settings: SettingsStamp,
    today: dt.date,
    new_id: Callable[[], str] = _uuid,
    warning: str | None = None,
) -> dict[str, Any]:
    """The Bundle for one screening. ``new_id`` makes the entry ids (random by default; the
    documentation's example passes a counter so the file does not change). ``warning`` (the
    settings store failed and an earlier loaded version was used, as the page also says)
    adds an OperationOutcome entry with that warning."""
    response_id = new_id()
    entries: list[tuple[str, dict[str, Any]]] = [
        (response_id, echoed_response(base, response, result, settings))
    ]
    implicated = None
    if result.dose_plan is not None:
        request_id = new_id()
        implicated = f"urn:uuid:{request_id}"
        entries.append(
            (request_id, medication_request(base, result, result.dose_plan, request_id, today))
        )
    for finding in result.findings:
        if finding.severity in terms.ISSUE_SEVERITY:
            issue_id = new_id()
            entries.append(
                (
                    issue_id,
                    detected_issue(
                        base, finding, issue_id, f"urn:uuid:{response_id}", implicated, today
                    ),
                )
            )
    if warning:
        entries.append(
            (
                new_id(),
                {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {"severity": "warning", "code": "transient", "details": {"text": warning}}
                    ],
                },
            )
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{rid}", "resource": res} for rid, res in entries],
    }
