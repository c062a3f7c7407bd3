"""OperationOutcome: every problem with a request, each tied to the question it concerns."""

from __future__ import annotations

import re
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


# A linkId this Questionnaire could have (its own are form field names). Anything else is
# not written into the FHIRPath: a quote would break out of the string literal (an expression
# the EHR may evaluate), and free text (a name, say) is not repeated back.
_LINK_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
MAX_ISSUES = 100


def expression(link_id: str) -> str:
    """The FHIRPath of a question's answer item in the posted QuestionnaireResponse."""
    if not _LINK_ID.fullmatch(link_id):
        return "QuestionnaireResponse.item"
    return f"QuestionnaireResponse.item.where(linkId='{link_id}')"


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    if len(issues) > MAX_ISSUES:
        # 2 MiB of one-line items must not come back as many times that in issues.
        more = len(issues) - MAX_ISSUES + 1
        issues = [
            *issues[: MAX_ISSUES - 1],
            Issue(f"{more} more problems of the same kind are not listed", code="too-costly"),
        ]
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
