"""The audit log, read-only, with filters. There is no route that edits or deletes it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

# New in WTForms 3.3; the types-wtforms stubs (3.2) do not have it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ...rules.settings import SPECS_BY_NAME
from ...store.audit import ACTIONS, OUTCOMES
from ..forms.admin import AuditFilterForm
from ..stores import audit_log

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


def describe(detail: dict[str, Any]) -> list[str]:
    """An audit row's detail as short lines for the table."""
    lines: list[str] = []
    if "version" in detail:
        lines.append(f"Version {detail['version']}")
    if detail.get("restores"):
        lines.append(f"Values of version {detail['restores']}")
    if detail.get("based_on"):
        lines.append(f"Edited from version {detail['based_on']}")
    if detail.get("current"):
        lines.append(f"Version {detail['current']} was current")
    for name, old, new in detail.get("changes", []):
        spec = SPECS_BY_NAME.get(name)
        lines.append(f"{spec.label if spec else name}: {old} → {new}")
    for key in ("reason", "file", "username"):
        if detail.get(key):
            lines.append(f"{key.capitalize()}: {detail[key]}")
    for record in detail.get("departures", []):
        # [setting, value, safe range, source key], as the settings store writes it.
        name, value, safe = record[0], record[1], record[2]
        spec = SPECS_BY_NAME.get(name)
        lines.append(f"Outside the safe range: {spec.label if spec else name} {value} ({safe})")
    if detail.get("departure_reason"):
        lines.append(f"Why it departs: {detail['departure_reason']}")
    for problem in detail.get("problems", [])[:5]:
        lines.append(f"Problem: {problem}")
    return lines


@bp.get("/audit")
def index() -> ResponseReturnValue:
    log = audit_log()
    form = AuditFilterForm(request.args)
    form.actor.choices = [SelectChoice("", "Anyone"), *(SelectChoice(a) for a in log.actors())]
    valid = form.validate() if request.args else True
    page_no = request.args.get("page", "1")
    # ASCII digits only: '²'.isdigit() is true, but int('²') raises.
    readable = page_no.isascii() and page_no.isdigit() and len(page_no) < 6
    page_no_int = int(page_no) if readable and int(page_no) > 0 else 1
    page = None
    if valid:
        page = log.search(
            action=form.action.data or None,
            actor=form.actor.data or None,
            since=getattr(form.since, "date", None),
            until=getattr(form.until, "date", None),
            limit=PAGE_SIZE,
            offset=(page_no_int - 1) * PAGE_SIZE,
        )
    # Any: url_for's stub types its own flags (_external: bool), so a **str dict cannot match.
    filters: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}

    def page_url(number: int) -> str:
        return url_for(".index", **filters, page=number)

    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        page_no=page_no_int,
        page_size=PAGE_SIZE,
        page_url=page_url,
        actions=ACTIONS,
        outcomes=OUTCOMES,
        describe=describe,
        page_has_errors=not valid,
    ), (200 if valid else 400)  # filters that cannot be used: the same page, as a 400
