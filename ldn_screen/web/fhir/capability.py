"""The server's CapabilityStatement (``GET /fhir/metadata``): what a FHIR client asks first,
to learn which resources and operations this server has and how to authenticate.

It describes only what is here: read on the one Questionnaire and on the OperationDefinition,
and the ``$screen`` operation on that Questionnaire (an API client's bearer token). No search,
no create, no history: nothing is stored.
"""

from __future__ import annotations

from typing import Any

from . import terms

FHIR_VERSION = "4.0.1"
SECURITY_DESCRIPTION = (
    "The Questionnaire and the OperationDefinition are public definitions. $screen needs an "
    "API client's bearer token (Authorization: Bearer ...), made by the clinic's "
    "administrator with 'ldn-screen api-client create NAME'; calls are rate-limited. Nothing "
    "a call sends is stored or logged."
)


def capability_statement(base: str, date: str) -> dict[str, Any]:
    """``date`` is when this description last changed: the release's date, if known."""
    version = terms.release_version()
    return {
        "resourceType": "CapabilityStatement",
        "id": "ldn-screen",
        "url": f"{base}/CapabilityStatement/ldn-screen",
        "version": version,
        "name": "LdnScreenServer",
        "title": "ldn-screen FHIR server",
        "status": "active",
        "date": date,
        "description": (
            "Screens a patient for low-dose naltrexone (LDN): read the ldn-screening "
            "Questionnaire, answer it, and post the QuestionnaireResponse to $screen."
        ),
        "kind": "instance",
        "software": {"name": "ldn-screen", "version": version},
        "implementation": {"description": "ldn-screen", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": [terms.FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "text": "Bearer token (API client)",
                        }
                    ],
                    "description": SECURITY_DESCRIPTION,
                },
                "resource": [
                    {
                        "type": "Questionnaire",
                        "profile": terms.SDC_QUESTIONNAIRE,
                        "interaction": [{"code": "read"}],
                        "operation": [
                            {
                                "name": terms.OPERATION_CODE,
                                "definition": terms.operation_url(base),
                            }
                        ],
                    },
                    {"type": "OperationDefinition", "interaction": [{"code": "read"}]},
                ],
            }
        ],
    }
