"""CDS Hooks cards from the rules' findings. Arrangement only: every sentence comes from the
rules (``findings.CATALOGUE``, ``cds_findings``), every number from the versioned settings.

Spec points kept here (CDS Hooks 2.0 "CDS Service Response", 3.0 invariants cds-resp-1..7):
``summary`` under 140 characters; ``indicator`` info/warning/critical; ``source.label``
always, ``source.topic`` a Coding per finding code so the EHR can deduplicate; a random ``uuid``
per card and suggestion (never derived from patient data); ``selectionBehavior`` whenever there
are suggestions, and with ``at-most-one`` at most one recommended; every action has a
``description``; override reasons are Codings with a display; ``appContext`` only on a
``smart`` link.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from ...rules.cds_findings import (
    CHECKED_LINES,
    LINK_SCREENING,
    MATCHED_LINES,
    ORDER_LINE,
    SCREENING_TASK_TEXT,
    SETTINGS_LINE,
    STEP_LIQUID_TEXT,
    STEP_TEXT,
    SUGGEST_SCHEDULE,
    SUGGEST_SCHEDULE_ACTION,
    SUGGEST_SCREENING,
    SUGGEST_SCREENING_ACTION,
    SUGGEST_START,
    SUGGEST_START_ACTION,
)
from ...rules.findings import SUMMARY_MAX_CHARS
from ...rules.model import Check, DosePlan, Finding, Severity
from ...rules.override_reasons import OVERRIDE_REASON_SYSTEM, OverrideReason
from ...rules.units import fmt_date, fmt_number

INDICATOR: dict[Severity, str] = {
    Severity.STOP: "critical",
    Severity.WAIT: "warning",
    Severity.REVIEW: "warning",
    Severity.CAUTION: "info",
    Severity.INFO: "info",
}
# Local codes for card topics (one per finding code): for deduplication and feedback.
TOPIC_SYSTEM = "https://ldn-screen.example/CodeSystem/cds-finding"
SDC_TEMP = "http://hl7.org/fhir/uv/sdc/CodeSystem/temp"
MG = {"unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}


def new_uuid() -> str:
    return str(uuid.uuid4())


def finding_card(
    finding: Finding,
    version: int,
    *,
    order_line: str | None = None,
    matched: Sequence[str] = (),
    checks: Sequence[Check] = (),
    override_reasons: Sequence[OverrideReason] = (),
    suggestions: Sequence[dict[str, Any]] = (),
    links: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    parts = [finding.clinician_text]
    if order_line:
        parts.append(order_line)
    if matched:
        parts.append(MATCHED_LINES.format(lines="; ".join(matched)))
    if checks:
        parts.append(
            CHECKED_LINES.format(lines="; ".join(f"{c.topic}: {c.outcome}" for c in checks))
        )
    parts.append(SETTINGS_LINE.format(version=version))
    source: dict[str, Any] = {
        "label": finding.source.label,
        "topic": {"system": TOPIC_SYSTEM, "code": finding.code, "display": finding.code},
    }
    if finding.source.url:
        source["url"] = finding.source.url
    indicator = INDICATOR[finding.severity]
    card: dict[str, Any] = {
        "uuid": new_uuid(),
        "summary": card_summary(finding.summary),
        "detail": "\n\n".join(parts),
        "indicator": indicator,
        "source": source,
    }
    if suggestions:
        card["suggestions"] = list(suggestions)
        card["selectionBehavior"] = "at-most-one"
    if override_reasons and indicator != "info":
        card["overrideReasons"] = [
            {"system": OVERRIDE_REASON_SYSTEM, "code": r.code, "display": r.display}
            for r in override_reasons
        ]
    if links:
        card["links"] = list(links)
    return card


def card_summary(summary: str) -> str:
    """CDS Hooks wants fewer than 140 characters; the rules allow 140 (a long quoted line)."""
    if len(summary) < SUMMARY_MAX_CHARS:
        return summary
    return summary[: SUMMARY_MAX_CHARS - 2].rstrip() + "…"


def order_line(label: str, why: str) -> str:
    return ORDER_LINE.format(order=label, why=why)


def _reference(order: dict[str, Any]) -> str:
    return f"{order.get('resourceType', 'MedicationRequest')}/{order.get('id', '')}"


def start_suggestion(order: dict[str, Any], start: dt.date) -> dict[str, Any]:
    """Update the draft order so that its dosage (and validity) start on ``start``."""
    updated = json.loads(json.dumps(order))
    for dosage in updated.get("dosageInstruction") or [{}]:
        repeat = dosage.setdefault("timing", {}).setdefault("repeat", {})
        repeat.setdefault("boundsPeriod", {})["start"] = start.isoformat()
    if not updated.get("dosageInstruction"):
        updated["dosageInstruction"] = [
            {"timing": {"repeat": {"boundsPeriod": {"start": start.isoformat()}}}}
        ]
    request = updated.setdefault("dispenseRequest", {})
    request.setdefault("validityPeriod", {})["start"] = start.isoformat()
    when = fmt_date(start)
    return {
        "label": SUGGEST_START.format(start=when),
        "uuid": new_uuid(),
        "isRecommended": True,
        "actions": [
            {
                "type": "update",
                "description": SUGGEST_START_ACTION.format(start=when),
                "resource": updated,
            }
        ],
    }


def titration_dosages(plan: DosePlan) -> list[dict[str, Any]]:
    """The plan as sequenced FHIR R4 Dosage entries, one per step, doses in mg."""
    dosages: list[dict[str, Any]] = []
    for step in plan.steps:
        if step.volume_ml is not None and plan.liquid_mg_per_ml:
            text = STEP_LIQUID_TEXT.format(
                dose=fmt_number(step.dose_mg),
                volume=fmt_number(step.volume_ml),
                strength=fmt_number(plan.liquid_mg_per_ml),
                start=fmt_date(step.starts_on),
            )
        else:
            text = STEP_TEXT.format(dose=fmt_number(step.dose_mg), start=fmt_date(step.starts_on))
        bounds = {"start": step.starts_on.isoformat()}
        if step.ends_on is not None:
            bounds["end"] = step.ends_on.isoformat()
        dosages.append(
            {
                "sequence": step.number,
                "text": text,
                "timing": {
                    "repeat": {
                        "boundsPeriod": bounds,
                        "frequency": 1,
                        "period": 1,
                        "periodUnit": "d",
                        "when": ["HS"],
                    }
                },
                "doseAndRate": [{"doseQuantity": {"value": step.dose_mg, **MG}}],
            }
        )
    return dosages


def schedule_suggestion(
    order: dict[str, Any], plan: DosePlan, recommended: bool, interval_days: int
) -> dict[str, Any]:
    updated = json.loads(json.dumps(order))
    updated["dosageInstruction"] = titration_dosages(plan)
    schedule = plan.schedule.value
    return {
        "label": SUGGEST_SCHEDULE.format(
            schedule=schedule, first=fmt_number(plan.steps[0].dose_mg), interval=interval_days
        ),
        "uuid": new_uuid(),
        "isRecommended": recommended,
        "actions": [
            {
                "type": "update",
                "description": SUGGEST_SCHEDULE_ACTION.format(schedule=schedule),
                "resource": updated,
            }
        ],
    }


def screening_task_suggestion(
    patient_id: str | None, questionnaire: str | None, today: dt.date
) -> dict[str, Any]:
    """Da Vinci CRD "request form completion": a Task to complete the screening questionnaire."""
    task: dict[str, Any] = {
        "resourceType": "Task",
        "status": "ready",
        "intent": "order",
        "code": {"coding": [{"system": SDC_TEMP, "code": "complete-questionnaire"}]},
        "description": SCREENING_TASK_TEXT,
        "authoredOn": today.isoformat(),
    }
    if patient_id:
        task["for"] = {"reference": f"Patient/{patient_id}"}
    if questionnaire:
        task["input"] = [{"type": {"text": "questionnaire"}, "valueCanonical": questionnaire}]
    return {
        "label": SUGGEST_SCREENING,
        "uuid": new_uuid(),
        "isRecommended": True,
        "actions": [{"type": "create", "description": SUGGEST_SCREENING_ACTION, "resource": task}],
    }


def screening_link(form_url: str, hook_instance: str) -> dict[str, Any]:
    """A SMART link to the form. Its appContext carries only the hook instance."""
    return {
        "label": LINK_SCREENING,
        "url": form_url,
        "type": "smart",
        "appContext": json.dumps({"hookInstance": hook_instance}),
    }


def matched_lines(lines: Iterable[str]) -> list[str]:
    return [line for line in lines if line]
