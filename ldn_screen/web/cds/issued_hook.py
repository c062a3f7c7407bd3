"""The one place the cards a service issued are handed on, for the feedback endpoint.

CDS Hooks feedback names only the card's ``uuid`` (and accepted suggestions' uuids), so the
finding code and settings version of a card must be remembered when it is issued. ``record``
is called once per answered hook call with the service id, the settings version and the
cards; each card carries its finding code in ``source.topic.code``. A placeholder until the
feedback store is wired in; it must store no patient data (no ids, no card text).
"""

from __future__ import annotations

from typing import Any


def record(service_id: str, settings_version: int, cards: list[dict[str, Any]]) -> None:
    """Keep nothing (placeholder; the integrator wires the feedback store here)."""
    return None
