"""The cards the CDS services issued, and what prescribers did with them (CDS Hooks feedback).

Feedback names a card only by its uuid. So that it can be counted per finding code and
settings version, every card the services return is recorded when it is issued, in a tiny
row holding no patient data (``cds_issued_cards``). A stateless uuid cannot carry the finding
code and version unless it is readable (and forgeable) by anyone, and asking the EHR to echo
them would trust whatever it sends; one insert per response is cheap. Rows older than
``CARD_DAYS`` are purged: feedback arrives within minutes of the card.

Feedback is stored without the patient, the comment's text or the token: only whether a
comment was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from .models import cds_feedback, cds_issued_cards

CARD_DAYS = 30
UUID_CHARS = 64
CODE_CHARS = 100
OUTCOMES = ("accepted", "overridden")


@dataclass(frozen=True, slots=True)
class IssuedCard:
    uuid: str
    service_id: str
    finding_code: str
    settings_version: int
    suggestions: Mapping[str, str] = field(default_factory=dict)  # suggestion uuid → label


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    card_uuid: str
    outcome: str
    accepted_suggestion: str | None
    override_reason: str | None
    comment_present: bool
    outcome_at: dt.datetime


@dataclass(slots=True)
class FindingFeedback:
    """Counts for one finding code (all settings versions, or one)."""

    finding_code: str
    accepted: int = 0
    overridden: int = 0
    with_comment: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # override reason code → count
    suggestions: dict[str, int] = field(default_factory=dict)  # accepted suggestion → count
    versions: set[int] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.accepted + self.overridden

    def share(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record_issued(self, cards: Iterable[IssuedCard], now: dt.datetime | None = None) -> None:
        rows = [
            {
                "uuid": card.uuid[:UUID_CHARS],
                "service_id": card.service_id,
                "finding_code": card.finding_code,
                "settings_version": card.settings_version,
                "suggestions": {
                    k[:UUID_CHARS]: v[:CODE_CHARS] for k, v in card.suggestions.items()
                },
                "issued_at": now or dt.datetime.now(dt.UTC),
            }
            for card in cards
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(cds_issued_cards), rows)

    def purge_issued(self, now: dt.datetime | None = None) -> int:
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=CARD_DAYS)
        with self.engine.begin() as conn:
            return conn.execute(
                delete(cds_issued_cards).where(cds_issued_cards.c.issued_at < cutoff)
            ).rowcount

    def add(
        self, service_id: str, items: list[FeedbackItem], now: dt.datetime | None = None
    ) -> tuple[int, int]:
        """Store the items whose card this service issued: (stored, unknown cards)."""
        uuids = {item.card_uuid for item in items}
        received = now or dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            issued = {
                row.uuid: row
                for row in conn.execute(
                    select(cds_issued_cards).where(
                        cds_issued_cards.c.uuid.in_(uuids),
                        cds_issued_cards.c.service_id == service_id,
                    )
                )
            }
            rows: list[dict[str, Any]] = []
            for item in items:
                card = issued.get(item.card_uuid)
                if card is None:
                    continue  # not a card of this service (or purged): nothing to count it by
                suggestion = item.accepted_suggestion
                if suggestion is not None:
                    # The label recorded with the card; an id the card never offered is the
                    # caller's free text (it could be anything, a name too): not kept.
                    suggestion = (card.suggestions or {}).get(suggestion)
                rows.append(
                    {
                        "card_uuid": item.card_uuid,
                        "service_id": service_id,
                        "finding_code": card.finding_code,
                        "settings_version": card.settings_version,
                        "outcome": item.outcome,
                        "accepted_suggestion": suggestion and suggestion[:CODE_CHARS],
                        "override_reason": item.override_reason
                        and item.override_reason[:CODE_CHARS],
                        "comment_present": item.comment_present,
                        "outcome_at": item.outcome_at,
                        "received_at": received,
                    }
                )
            if rows:
                conn.execute(insert(cds_feedback), rows)
        return len(rows), len(items) - len(rows)

    def by_finding(self, settings_version: int | None = None) -> list[FindingFeedback]:
        """Counts per finding code, most feedback first."""
        c = cds_feedback.c
        grouped = (
            c.finding_code,
            c.settings_version,
            c.outcome,
            c.accepted_suggestion,
            c.override_reason,
            c.comment_present,
        )
        query = select(*grouped, func.count().label("n")).group_by(*grouped)
        if settings_version is not None:
            query = query.where(cds_feedback.c.settings_version == settings_version)
        found: dict[str, FindingFeedback] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                entry = found.setdefault(row.finding_code, FindingFeedback(row.finding_code))
                entry.versions.add(row.settings_version)
                if row.comment_present:
                    entry.with_comment += row.n
                if row.outcome == "accepted":
                    entry.accepted += row.n
                    key = row.accepted_suggestion or "(not named)"
                    entry.suggestions[key] = entry.suggestions.get(key, 0) + row.n
                else:
                    entry.overridden += row.n
                    key = row.override_reason or "(no reason code)"
                    entry.reasons[key] = entry.reasons.get(key, 0) + row.n
        return sorted(found.values(), key=lambda f: (-f.total, f.finding_code))
