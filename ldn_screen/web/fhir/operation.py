"""The OperationDefinition of ``$screen``, so a client can discover how to call it."""

from __future__ import annotations

from typing import Any

from . import terms


def operation_definition(base: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationDefinition",
        "id": terms.OPERATION_ID,
        "url": terms.operation_url(base),
        "version": terms.release_version(),
        "name": "LdnScreen",
        "title": "Screen a patient for low-dose naltrexone (LDN)",
        "status": "active",
        "kind": "operation",
        "affectsState": False,
        "code": terms.OPERATION_CODE,
        "description": (
            "Screens the answers of a QuestionnaireResponse to the ldn-screening Questionnaire "
            "with the clinic's current published settings, and returns a Bundle (type "
            "collection): the response echoed with the settings version and verdict, a "
            "MedicationRequest (intent proposal) with the titration steps as sequenced "
            "dosageInstruction entries when a dose plan is made, and a DetectedIssue for each "
            "stop, wait or review finding. Invalid answers give 422 with an OperationOutcome "
            "that lists every problem, in the screening form's words. Nothing is stored."
        ),
        "resource": ["Questionnaire"],
        "system": False,
        "type": False,
        "instance": True,
        "parameter": [
            {
                "name": "response",
                "use": "in",
                "min": 1,
                "max": "1",
                "documentation": "The answers (may also be posted as the request body itself).",
                "type": "QuestionnaireResponse",
            },
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "documentation": "The screening result.",
                "type": "Bundle",
            },
        ],
    }
