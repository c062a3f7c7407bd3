"""The fixed vocabulary of the FHIR resources: content type, code systems, extension URLs, and
how the rules' values are written as FHIR codes.

Standard FHIR systems are named by their published URIs; everything local to ldn-screen hangs
off the deployment's canonical base (``LDN_FHIR_CANONICAL_BASE``), so two clinics never claim
each other's codes.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import current_app, request

from ...rules import Answer, Severity

FHIR_JSON = "application/fhir+json"
# What a client may send: FHIR's own type, or plain JSON (curl's habit).
ACCEPTED_BODY_TYPES = (FHIR_JSON, "application/json")

QUESTIONNAIRE_ID = "ldn-screening"
OPERATION_ID = "ldn-screen"
OPERATION_CODE = "screen"

UCUM = "http://unitsofmeasure.org"
SDC_QUESTIONNAIRE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"

# The "yesnodontknow" answer set (http://hl7.org/fhir/ValueSet/yesnodontknow): Yes and No from
# HL7 table 0136, "don't know" from data-absent-reason. A form value of "unsure" is always
# written as asked-unknown, and read back as "unsure": never as "no".
YES_NO_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0136"
ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
STANDARD_CODINGS: dict[str, tuple[str, str]] = {
    Answer.YES.value: (YES_NO_SYSTEM, "Y"),
    Answer.NO.value: (YES_NO_SYSTEM, "N"),
    Answer.UNSURE.value: (ABSENT_SYSTEM, "asked-unknown"),
}

# DetectedIssue.severity for the findings that get one; the rules' own severity travels too
# (extension ``finding-severity``), so nothing is lost in the mapping.
ISSUE_SEVERITY: dict[Severity, str] = {
    Severity.STOP: "high",
    Severity.WAIT: "moderate",
    Severity.REVIEW: "low",
}


def release_version() -> str:
    """The Questionnaire's version: the installed package's, so it moves with each release."""
    try:
        return version("ldn-screen")
    except PackageNotFoundError:  # a checkout run without installing: still a stable answer
        return "0+unknown"


def canonical_base() -> str:
    """The base of every canonical URL and local code system, without a trailing slash.

    ``LDN_FHIR_CANONICAL_BASE`` in production; otherwise the public address's ``/fhir``;
    otherwise this request's own ``/fhir`` (good enough for a test server, not for a
    Questionnaire that other systems store)."""
    base = current_app.config.get("LDN_FHIR_CANONICAL_BASE")
    if not base and (public := current_app.config.get("LDN_PUBLIC_URL")):
        base = f"{public.rstrip('/')}/fhir"
    if not base:
        base = f"{request.host_url.rstrip('/')}/fhir"
    return str(base).rstrip("/")


def questionnaire_url(base: str) -> str:
    return f"{base}/Questionnaire/{QUESTIONNAIRE_ID}"


def operation_url(base: str) -> str:
    return f"{base}/OperationDefinition/{OPERATION_ID}"


def local_system(base: str, name: str) -> str:
    """A code system of ldn-screen's own, e.g. the answers of one question."""
    return f"{base}/CodeSystem/{name.replace('_', '-')}"


def extension_url(base: str, name: str) -> str:
    return f"{base}/StructureDefinition/{name}"
