"""OperationOutcome: every problem with a request, each tied to the question it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem. ``link_ids`` name the questions it concerns, or ``path`` the element
    (neither: the whole request); ``code`` is from FHIR's issue-type list (required, value,
    structure, invalid...)."""

    message: str
    link_ids: tuple[str, ...] = ()
    code: str = "invalid"
    severity: str = "error"
    path: str | None = None


def expression(link_id: str) -> str:
    """The FHIRPath of a question's answer item in the posted QuestionnaireResponse."""
    return f"QuestionnaireResponse.item.where(linkId='{link_id}')"


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    entries = []
    for issue in issues:
        entry: dict[str, Any] = {
            "severity": issue.severity,
            "code": issue.code,
            "details": {"text": issue.message},
        }
        if issue.link_ids:
            entry["expression"] = [expression(link_id) for link_id in issue.link_ids]
        elif issue.path:
            entry["expression"] = [issue.path]
        entries.append(entry)
    return {"resourceType": "OperationOutcome", "issue": entries}
