"""The API's OpenAPI 3.1 document, generated from the forms' declarations (``declarations.py``).

Why our own generator and not spectree: spectree validates requests with pydantic (or msgspec)
models, which would restate every field, enum and message of the forms in a second schema
language, the duplication this API exists to avoid, and would add a model library to every
serving worker. The forms already declare names, labels, hints, options and messages; a
hundred lines turn them into JSON Schema, with no runtime dependency. The document is
committed (docs/api/openapi.json, rewritten by ``scripts/build_openapi.py``) and
a test fails when code and file disagree. Response schemas are written here, beside the
layout they describe (``rules/as_json.py``), and schemathesis checks real responses against
them.
"""

from __future__ import annotations

import json
from typing import Any

from ...rules import Formulation, Schedule, Severity, Verdict
from ...rules.followup.model import FollowupVerdict, Recommendation
from ...rules.medications import LineKind
from .declarations import FOLLOWUP, SCREENING, ApiField, ApiForm

JSON = dict[str, Any]
API_VERSION = "1.0.0"
PREFIX = "/api/v1"


def _field_schema(field: ApiField) -> JSON:
    hint = f" {field.hint}" if field.hint else ""
    schema: JSON
    if field.kind == "choice":
        values = [v for v, _ in field.options]
        labels = "; ".join(f"'{v}': {label}" for v, label in field.options)
        schema = {"type": "string", "enum": values}
        description = f"{field.label}.{hint} Values: {labels}."
    elif field.kind == "choices":
        values = [v for v, _ in field.options]
        labels = "; ".join(f"'{v}': {label}" for v, label in field.options)
        schema = {"type": "array", "items": {"type": "string", "enum": values}}
        description = f"{field.label}.{hint} Any of: {labels}."
    elif field.kind in {"integer", "number"}:
        number = field.number
        assert number is not None  # noqa: S101  # numbers always carry their range
        schema = {"type": field.kind}
        for key, value in (
            ("minimum", number.minimum),
            ("maximum", number.maximum),
            ("exclusiveMinimum", number.exclusive_minimum),
            ("multipleOf", number.multiple_of),
        ):
            if value is not None:
                schema[key] = value
        note = f" {number.note}" if number.note else ""
        description = f"{field.label}.{hint}{note}"
    elif field.kind == "date":
        schema = {"type": "string", "format": "date", "examples": [field.example]}
        today = " Today if left out." if field.default_today else ""
        description = f"{field.label} (YYYY-MM-DD).{hint}{today}"
    else:
        schema = {"type": "string"}
        if field.max_length:
            schema["maxLength"] = field.max_length
        description = f"{field.label}.{hint}"
    schema["title"] = field.label
    schema["description"] = " ".join(description.split())
    return schema


def request_schema(form: ApiForm) -> JSON:
    return {
        "type": "object",
        "description": form.description,
        "properties": {f.name: _field_schema(f) for f in form.fields},
        "required": [f.name for f in form.fields if f.required],
        "additionalProperties": False,
        "allOf": list(form.conditions),
    }


# --- Responses ------------------------------------------------------------------------------


def _obj(properties: JSON, optional: tuple[str, ...] = ()) -> JSON:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


def _nullable(schema: JSON) -> JSON:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


STRING: JSON = {"type": "string"}
DATE: JSON = {"type": "string", "format": "date"}
NUMBER: JSON = {"type": "number"}
INTEGER: JSON = {"type": "integer"}
BOOLEAN: JSON = {"type": "boolean"}
STRINGS: JSON = {"type": "array", "items": STRING}


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def _enum(values: type) -> JSON:
    return {"type": "string", "enum": [v.value for v in values]}  # type: ignore[attr-defined]


def response_schemas() -> JSON:
    source = _obj(
        {
            "key": STRING,
            "kind": STRING,
            "label": STRING,
            "title": STRING,
            "reference": STRING,
            "url": _nullable(STRING),
            "identifiers": {
                "type": "object",
                "description": "PMIDs, DOIs, NCT numbers and DailyMed set ids it names.",
                "additionalProperties": STRINGS,
            },
            "also": {"type": "array", "items": _obj({"text": STRING, "url": STRING})},
            "verify": _nullable(STRING),
        }
    )
    finding = _obj(
        {
            "code": STRING,
            "severity": _enum(Severity),
            "summary": STRING,
            "clinician_text": STRING,
            "patient_text": _nullable(STRING),
            "source": _ref("Source"),
        }
    )
    check = _obj({"topic": STRING, "outcome": STRING})
    line = _obj(
        {
            "line_no": INTEGER,
            "text": STRING,
            "kind": _enum(LineKind),
            "kind_label": STRING,
            "read_as": STRING,
            "detail": STRING,
            "why": STRING,
            "names": STRINGS,
            "ingredients": STRINGS,
            "category": _nullable(STRING),
            "certainty": _nullable(STRING),
            "maintenance": BOOLEAN,
            "looks_like_medicine": BOOLEAN,
            "stopped_by": _nullable(DATE),
            "confirmed": BOOLEAN,
            "naloxone": BOOLEAN,
            "opioid_indicator": BOOLEAN,
        }
    )
    step = _obj(
        {
            "number": INTEGER,
            "starts_on": DATE,
            "ends_on": {**_nullable(DATE), "description": "null: runs until the review"},
            "dose_mg": NUMBER,
            "volume_ml": {**_nullable(NUMBER), "description": "The liquid only"},
        }
    )
    surgery_stop = _obj({"surgery_on": DATE, "stop_from": DATE, "last_dose_on": _nullable(DATE)})
    dose_plan = _obj(
        {
            "schedule": _enum(Schedule),
            "formulation": _enum(Formulation),
            "liquid_mg_per_ml": _nullable(NUMBER),
            "starts_on": DATE,
            "steps": {"type": "array", "items": _ref("DoseStep"), "minItems": 1},
            "target_dose_mg": NUMBER,
            "max_dose_mg": NUMBER,
            "target_reached_on": DATE,
            "review_on": DATE,
            "review_weeks": INTEGER,
            "responder_pct": INTEGER,
            "schedule_reasons": STRINGS,
            "surgery_stop": {"anyOf": [_ref("SurgeryStop"), {"type": "null"}]},
        }
    )
    side_effect = _obj(
        {"name": STRING, "frequency": STRING, "advice": STRING, "source": _ref("Source")}
    )
    counselling = _obj(
        {
            "key": STRING,
            "clinician_text": STRING,
            "patient_text": STRING,
            "source": _ref("Source"),
        }
    )
    version = _obj({"number": INTEGER, "date": DATE})
    screening = _obj(
        {
            "screened_on": DATE,
            "verdict": _enum(Verdict),
            "verdict_title": STRING,
            "earliest_start_on": _nullable(DATE),
            "findings": {"type": "array", "items": _ref("Finding")},
            "checks": {"type": "array", "items": _ref("Check")},
            "medication_list": {"type": "array", "items": _ref("MedicationLine")},
            "dose_plan": {"anyOf": [_ref("DosePlan"), {"type": "null"}]},
            "review_on": _nullable(DATE),
            "schedule_override": _nullable(STRING),
            "schedule_override_reasons": STRINGS,
            "side_effects": {"type": "array", "items": _ref("SideEffect")},
            "counselling": {"type": "array", "items": _ref("CounsellingPoint")},
            "chart_note": STRING,
            "settings_version": _ref("SettingsVersion"),
        }
    )
    response = _obj(
        {
            "method": STRING,
            "baseline": NUMBER,
            "current": NUMBER,
            "change_points": NUMBER,
            "change_pct": _nullable(NUMBER),
            "band": STRING,
            "band_text": STRING,
            "pct_text": STRING,
            "points_text": STRING,
            "sources": {"type": "array", "items": _ref("Source")},
        }
    )
    timing = _obj(
        {
            "target_reached_on": _nullable(DATE),
            "days_on_target": INTEGER,
            "judge_on": DATE,
            "too_early": BOOLEAN,
            "review_weeks": INTEGER,
            "judge_text": STRING,
        }
    )
    plan_change = _obj(
        {
            "schedule": _enum(Schedule),
            "starts_on": DATE,
            "formulation": _enum(Formulation),
            "liquid_mg_per_ml": _nullable(NUMBER),
            "note": STRING,
        }
    )
    followup = _obj(
        {
            "assessed_on": DATE,
            "verdict": _enum(FollowupVerdict),
            "verdict_title": STRING,
            "recommendation": _enum(Recommendation),
            "advice": _ref("Finding"),
            "advice_notes": STRINGS,
            "safety_first": BOOLEAN,
            "needs_prescriber": BOOLEAN,
            "findings": {"type": "array", "items": _ref("Finding")},
            "checks": {"type": "array", "items": _ref("Check")},
            "response": _ref("PainResponse"),
            "timing": _ref("Timing"),
            "bands_text": STRING,
            "new_plan": {"anyOf": [_ref("PlanChange"), {"type": "null"}]},
            "sheet_note": STRING,
            "chart_note": STRING,
            "settings_version": _ref("SettingsVersion"),
        }
    )
    scalar = {"type": ["string", "number", "integer", "boolean", "null"]}
    setting = _obj(
        {
            "name": STRING,
            "label": STRING,
            "group": STRING,
            "kind": {"type": "string", "enum": ["whole", "decimal", "choice", "text"]},
            "value": scalar,
            "unit": STRING,
            "default": scalar,
            "minimum": _nullable(NUMBER),
            "maximum": _nullable(NUMBER),
            "step": _nullable(NUMBER),
            "choices": STRINGS,
            "safe_minimum": _nullable(NUMBER),
            "safe_maximum": _nullable(NUMBER),
            "safe_choices": STRINGS,
            "why": STRING,
            "source": _ref("Source"),
            "safe_range_source": {"anyOf": [_ref("Source"), {"type": "null"}]},
        }
    )
    settings = _obj(
        {
            "version": INTEGER,
            "date": DATE,
            "published_at": {"type": "string", "format": "date-time"},
            "settings": {"type": "array", "items": _ref("Setting")},
        }
    )
    problem = {
        **_obj(
            {
                "type": STRING,
                "title": STRING,
                "status": INTEGER,
                "detail": STRING,
                "errors": {
                    "type": "array",
                    "items": _obj({"name": STRING, "pointer": STRING, "detail": STRING}),
                },
            },
            optional=("detail", "errors"),
        ),
        "description": "RFC 9457 problem details. 'errors' lists every field error of a 422, "
        "each with the field's name, a JSON Pointer to it and the form's own message.",
    }
    return {
        "Source": source,
        "Finding": finding,
        "Check": check,
        "MedicationLine": line,
        "DoseStep": step,
        "SurgeryStop": surgery_stop,
        "DosePlan": dose_plan,
        "SideEffect": side_effect,
        "CounsellingPoint": counselling,
        "SettingsVersion": version,
        "ScreeningResult": screening,
        "PainResponse": response,
        "Timing": timing,
        "PlanChange": plan_change,
        "FollowupResult": followup,
        "Setting": setting,
        "Settings": settings,
        "Problem": problem,
    }


# --- The document ---------------------------------------------------------------------------

ERRORS: dict[str, str] = {
    "400": "The body is not valid JSON, or not a JSON object",
    "401": "No bearer token, or one that is unknown or revoked",
    "413": "The body is larger than the server accepts",
    "415": "The body is not application/json",
    "422": "The answers are not valid: every field error, in the form's own words",
    "429": "This client's rate limit is reached (see Retry-After)",
    "503": "The clinical settings cannot be read, so nothing can be screened safely",
}


def _problem_responses(codes: list[str]) -> JSON:
    return {
        code: {
            "description": ERRORS[code],
            "content": {"application/problem+json": {"schema": _ref("Problem")}},
        }
        for code in codes
    }


def _post(form: ApiForm, result: str, summary: str, operation_id: str) -> JSON:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(form.schema_name)}},
            },
            "responses": {
                "200": {
                    "description": "The result, worded as on the clinician's page",
                    "content": {"application/json": {"schema": _ref(result)}},
                },
                **_problem_responses(["400", "401", "413", "415", "422", "429", "503"]),
            },
        }
    }


def build() -> JSON:
    """The whole OpenAPI 3.1 document (deterministic: the committed file is its JSON)."""
    schemas = {
        SCREENING.schema_name: request_schema(SCREENING),
        FOLLOWUP.schema_name: request_schema(FOLLOWUP),
        **response_schemas(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ldn-screen API",
            "version": API_VERSION,
            "description": (
                "Screen a patient for low-dose naltrexone (LDN), or assess a follow-up visit, "
                "with the same rules, wording and validation as the clinician's pages. Nothing "
                "sent is stored or logged. LDN is an off-label use: the result supports the "
                "prescriber's judgement and does not replace it."
            ),
        },
        "paths": {
            f"{PREFIX}/screenings": _post(
                SCREENING, "ScreeningResult", "Screen a patient for LDN", "screen"
            ),
            f"{PREFIX}/followups": _post(
                FOLLOWUP, "FollowupResult", "Assess a follow-up visit", "assessFollowup"
            ),
            f"{PREFIX}/settings/current": {
                "get": {
                    "operationId": "currentSettings",
                    "summary": "The published thresholds, with units, sources and version",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {
                            "description": "The settings version in force",
                            "content": {"application/json": {"schema": _ref("Settings")}},
                        },
                        **_problem_responses(["401", "429", "503"]),
                    },
                }
            },
            f"{PREFIX}/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from 'ldn-screen api-client create NAME'.",
                }
            },
            "schemas": schemas,
        },
    }


def as_text(document: JSON) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
