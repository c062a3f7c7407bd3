"""CDS Hooks feedback: ``POST /cds-services/<service_id>/feedback`` (CDS Hooks 2.0 "Feedback").

The EHR reports what the prescriber did with a card: ``accepted`` (with the suggestions taken)
or ``overridden`` (with an optional reason code and comment). Stored per card: its service,
finding code and settings version (from the record made when the card was issued, see
``record_issued_card``), the outcome, the suggestion or reason code, the time, and whether a
comment was written. Never the patient, the comment's text or the token; nor a suggestion id
the card did not offer or a reason code the settings do not offer (free text in a code's
place could be anything, a patient's name too: the feedback is counted without it).

The body is checked against the spec's feedback invariants (cds-fb-1: the outcome's value;
cds-fb-2: accepted needs acceptedSuggestions; cds-fb-3: an overrideReason has a reason, a
comment, or both); a body that breaks one gets 400 with the reason. Feedback on a card this
service did not issue (or issued so long ago that its record was purged) is acknowledged
and not counted: there is nothing to count it by.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ...rules.override_reasons import parse_override_reasons
from ...store.cds_feedback import OUTCOMES, UUID_CHARS, FeedbackItem, FeedbackStore, IssuedCard
from ...store.settings_store import SettingsUnavailable
from .. import strict_json
from ..ehr_trust import require_ehr_jwt
from ..stores import current_reading, engine

__all__ = ["bp", "feedback_store", "init_app", "record_issued_card", "record_issued_cards"]

bp = Blueprint("cds_feedback", __name__)
require_ehr_jwt(bp)
log = logging.getLogger(__name__)

EXTENSION = "ldn_cds_feedback"
SERVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_ITEMS = 100
PURGE_EVERY_SECONDS = 3600.0
_last_purge = 0.0


class BadFeedback(ValueError):
    pass


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def feedback_store() -> FeedbackStore:
    store: FeedbackStore | None = current_app.extensions.get(EXTENSION)
    if store is None:
        store = current_app.extensions[EXTENSION] = FeedbackStore(engine())
    return store


def record_issued_cards(cards: list[IssuedCard]) -> None:
    """Record the cards of one CDS response (one insert), before it is returned."""
    global _last_purge
    store = feedback_store()
    store.record_issued(cards)
    now = time.monotonic()
    if now - _last_purge >= PURGE_EVERY_SECONDS:
        _last_purge = now
        store.purge_issued()


def record_issued_card(
    uuid: str,
    service_id: str,
    finding_code: str,
    settings_version: int,
    suggestions: Mapping[str, str] | None = None,
) -> None:
    """Record one card as issued: its uuid, service, finding code and settings version, and
    optionally a label for each of its suggestions (suggestion uuid → e.g. "titration:
    gentle"), so that feedback can say which one was taken. No patient data."""
    record_issued_cards(
        [IssuedCard(uuid, service_id, finding_code, settings_version, dict(suggestions or {}))]
    )


@bp.post("/cds-services/<service_id>/feedback")
def feedback(service_id: str) -> ResponseReturnValue:
    if not SERVICE_ID.fullmatch(service_id):
        return jsonify(error="unknown service"), 404
    try:
        items = parse_feedback(_json_body())
    except BadFeedback as exc:
        return jsonify(error=str(exc)), 400
    offered = _offered_reason_codes()
    items = [
        item
        if item.override_reason is None or item.override_reason in offered
        else dataclasses.replace(item, override_reason=None)
        for item in items
    ]
    stored, unknown = feedback_store().add(service_id, items)
    log.info("CDS feedback for %s: %d stored, %d on unknown cards", service_id, stored, unknown)
    return jsonify({}), 200  # the spec asks for 200 only; an empty object keeps it JSON


def _json_body() -> Any:
    """The parsed body, or None (strict_json: no NaN, no 500 for absurd nesting)."""
    if not request.is_json:
        return None
    try:
        return strict_json.loads(request.get_data(cache=False))
    except ValueError:
        return None


def _offered_reason_codes() -> frozenset[str]:
    """The override reason codes the cards offer. Any other code is the caller's free text
    (it could be a patient's name): it is not stored, the override is counted without it."""
    try:
        text = current_reading().active.settings.cds_override_reasons
        return frozenset(reason.code for reason in parse_override_reasons(text))
    except (SettingsUnavailable, ValueError):
        return frozenset()


def parse_feedback(body: Any) -> list[FeedbackItem]:
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise BadFeedback('the body must be a JSON object with a "feedback" array')
    entries = body["feedback"]
    if not 1 <= len(entries) <= MAX_ITEMS:
        raise BadFeedback(f'"feedback" must hold 1 to {MAX_ITEMS} items')
    return [_item(entry, n) for n, entry in enumerate(entries)]


def _item(entry: Any, n: int) -> FeedbackItem:
    where = f"feedback[{n}]"
    if not isinstance(entry, dict):
        raise BadFeedback(f"{where} must be an object")
    card = entry.get("card")
    # isprintable: no NUL, control characters or lone surrogates (which the database
    # cannot even encode: a 500 before this check).
    if not isinstance(card, str) or not 1 <= len(card) <= UUID_CHARS or not card.isprintable():
        raise BadFeedback(f"{where}.card must be the card's uuid")
    outcome = entry.get("outcome")
    if outcome not in OUTCOMES:  # cds-fb-1
        raise BadFeedback(f'{where}.outcome must be "accepted" or "overridden"')
    at = _timestamp(entry.get("outcomeTimestamp"), where)
    accepted_suggestion = override_reason = None
    comment_present = False
    if outcome == "accepted":
        suggestions = entry.get("acceptedSuggestions")
        if (
            not isinstance(suggestions, list)
            or not suggestions
            or not all(isinstance(s, dict) and isinstance(s.get("id"), str) for s in suggestions)
        ):  # cds-fb-2
            raise BadFeedback(f"{where}: an accepted card needs acceptedSuggestions with ids")
        accepted_suggestion = suggestions[0]["id"]
    reason = entry.get("overrideReason")
    if reason is not None:
        if not isinstance(reason, dict):
            raise BadFeedback(f"{where}.overrideReason must be an object")
        coding, comment = reason.get("reason"), reason.get("userComment")
        if coding is not None and not (
            isinstance(coding, dict) and isinstance(coding.get("code"), str)
        ):
            raise BadFeedback(f"{where}.overrideReason.reason must be a Coding with a code")
        if comment is not None and not isinstance(comment, str):
            raise BadFeedback(f"{where}.overrideReason.userComment must be text")
        if coding is None and not comment:  # cds-fb-3
            raise BadFeedback(f"{where}.overrideReason needs a reason, a userComment, or both")
        override_reason = coding["code"] if coding else None
        # The comment may name the patient: only its presence is kept.
        comment_present = bool(comment and comment.strip())
    return FeedbackItem(card, outcome, accepted_suggestion, override_reason, comment_present, at)


def _timestamp(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise BadFeedback(f"{where}.outcomeTimestamp must be an ISO 8601 date and time")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadFeedback(f"{where}.outcomeTimestamp must be an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
