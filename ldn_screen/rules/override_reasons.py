"""The override reasons a CDS Hooks card offers, from the versioned setting
``cds_override_reasons``: "code = display; code = display; …".

A code is what the EHR sends back in feedback, so it is short and stable (letters, digits,
"-", "_", "."); the display is what the prescriber reads. The spec requires a display for each
(cds-resp-4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Workflow codes of this service (not a clinical code system), named in each Coding.
OVERRIDE_REASON_SYSTEM = "https://ldn-screen.example/CodeSystem/cds-override-reason"

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_REASONS = 10


@dataclass(frozen=True, slots=True)
class OverrideReason:
    code: str
    display: str


def parse_override_reasons(text: str) -> tuple[OverrideReason, ...]:
    """The reasons in the order written; raises ValueError with a message for the admin."""
    reasons: list[OverrideReason] = []
    seen: set[str] = set()
    for part in text.split(";"):
        if not part.strip():
            continue
        code, sep, display = part.partition("=")
        code, display = code.strip(), display.strip()
        if not sep or not display:
            raise ValueError(f"Write each reason as 'code = text' ('{part.strip()}' is not)")
        if not _CODE.match(code):
            raise ValueError(
                f"Reason code '{code}' may use only letters, digits, '-', '_' and '.' (40 at most)"
            )
        if code in seen:
            raise ValueError(f"Reason code '{code}' is used twice")
        seen.add(code)
        reasons.append(OverrideReason(code, display))
    if len(reasons) > MAX_REASONS:
        raise ValueError(f"Offer at most {MAX_REASONS} override reasons")
    return tuple(reasons)


def override_reasons_error(value: object) -> str | None:
    """The admin message for a value that does not parse, or None."""
    if not isinstance(value, str):
        return "Enter the override reasons as text"
    try:
        parse_override_reasons(value)
    except ValueError as exc:
        return str(exc)
    return None
