"""The cards a service issued, handed on to the feedback store.

CDS Hooks feedback names only the card's ``uuid`` (and accepted suggestions' uuids), so the
finding code and settings version of a card are remembered when it is issued. ``record`` is
called once per answered hook call; each card carries its finding code in
``source.topic.code``. Nothing about the patient is kept: no ids, no card text.
"""

from __future__ import annotations

from typing import Any

from ...store.cds_feedback import IssuedCard
from ..cds_feedback import record_issued_cards


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
                    s["uuid"]: s.get("label", "")[:100]
                    for s in card.get("suggestions", ())
                    if "uuid" in s
                },
            )
            for card in cards
        ]
    )
