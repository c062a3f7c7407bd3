"""The cards a service issued, handed on to the feedback store.

CDS Hooks feedback names only the card's ``uuid`` (and accepted suggestions' uuids), so the
finding code and settings version of a card are remembered when it is issued. ``record`` is
called once per answered hook call; each card carries its finding code in
``source.topic.code``. Nothing about the patient is kept: no ids, no card text, and for each
suggestion only its kind ("start date: earliest safe", "titration: gentle"), never its label,
which can name the patient's dates.
"""

from __future__ import annotations

import re
from typing import Any

from ...rules.cds_findings import SUGGEST_SCHEDULE, SUGGEST_SCREENING, SUGGEST_START
from ...store.cds_feedback import IssuedCard
from ..cds_feedback import record_issued_cards


def _pattern(template: str) -> re.Pattern[str]:
    """A label template as a pattern: "{schedule}" a word, any other field anything."""
    fields = {"{schedule}": r"(?P<schedule>[a-z_]+)"}
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("".join(fields.get(p, ".+") if p[:1] == "{" else re.escape(p) for p in parts))


# What kind of suggestion a label is. The label itself is not kept: "Start on Tue 8 Dec
# 2026, the earliest safe date" carries this patient's date.
_KINDS = (
    (_pattern(SUGGEST_START), "start date: earliest safe"),
    (_pattern(SUGGEST_SCHEDULE), "titration: {schedule}"),
    (_pattern(SUGGEST_SCREENING), "screening form"),
)


def suggestion_kind(label: str) -> str:
    for pattern, kind in _KINDS:
        if match := pattern.fullmatch(label):
            return kind.format(**match.groupdict())
    return "other suggestion"


def record(service_id: str, settings_version: int, cards: list[dict[str, Any]]) -> None:
    """Record every card of one response (one insert), with its suggestions' labels."""
    if not cards:
        return
    record_issued_cards(
        [
            IssuedCard(
                card["uuid"],
                service_id,
                card.get("source", {}).get("topic", {}).get("code", "unknown"),
                settings_version,
                {
                    s["uuid"]: suggestion_kind(s.get("label", ""))
                    for s in card.get("suggestions", ())
                    if "uuid" in s
                },
            )
            for card in cards
        ]
    )
