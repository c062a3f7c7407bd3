"""The CDS Hooks response and card rules, in plain Python, as test helpers.

From the CDS Hooks 2.0 "CDS Service Response" section and the 3.0 invariants
(HL7/cds-hooks ``input/fsh/invariants``): cds-resp-1 (at-most-one → at most one recommended),
cds-resp-3 (appContext only on smart links), cds-resp-4 (override reasons have a display),
cds-resp-5 (every action has a description), cds-resp-6 (suggestions → selectionBehavior), the
summary's length, the indicator's values and the required fields.
"""

from __future__ import annotations

from typing import Any

INDICATORS = {"info", "warning", "critical"}
SELECTION = {"at-most-one", "any"}
ACTIONS = {"create", "update", "delete"}


def card_problems(card: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(card, dict):
        return ["a card is not an object"]
    summary = card.get("summary")
    if not isinstance(summary, str) or not summary:
        problems.append("summary missing")
    elif len(summary) >= 140:
        problems.append(f"summary is {len(summary)} characters (must be < 140)")
    if card.get("indicator") not in INDICATORS:
        problems.append(f"indicator {card.get('indicator')!r}")
    source = card.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("label"), str):
        problems.append("source.label missing")
    suggestions = card.get("suggestions") or []
    if suggestions:
        behaviour = card.get("selectionBehavior")
        if behaviour not in SELECTION:
            problems.append("suggestions without selectionBehavior (cds-resp-6)")
        recommended = [s for s in suggestions if s.get("isRecommended")]
        if behaviour == "at-most-one" and len(recommended) > 1:
            problems.append("more than one recommended with at-most-one (cds-resp-1)")
    for suggestion in suggestions:
        if not isinstance(suggestion.get("label"), str):
            problems.append("suggestion without label")
        for action in suggestion.get("actions") or []:
            if action.get("type") not in ACTIONS:
                problems.append(f"action type {action.get('type')!r}")
            if not action.get("description"):
                problems.append("action without description (cds-resp-5)")
    for reason in card.get("overrideReasons") or []:
        if not isinstance(reason, dict) or not reason.get("display"):
            problems.append("override reason without display (cds-resp-4)")
    for link in card.get("links") or []:
        if not all(isinstance(link.get(k), str) for k in ("label", "url", "type")):
            problems.append("link without label, url or type")
        if link.get("type") not in ("absolute", "smart"):
            problems.append(f"link type {link.get('type')!r}")
        if "appContext" in link and link.get("type") != "smart":
            problems.append("appContext on a non-smart link (cds-resp-3)")
    return problems


def response_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("cards"), list):
        return ["the response has no cards array"]
    return [p for card in body["cards"] for p in card_problems(card)]
