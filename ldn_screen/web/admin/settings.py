"""Edit the clinical settings: form → preview (differences and impact) → publish.

Nothing is saved until "Publish". The values travel in the form (typed values are never
lost), and the hidden ``based_on`` number lets the store refuse a publish when someone else
published in the meantime.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...rules import RuleSettings
from ...rules.reference_cases import CaseImpact, impact
from ...rules.settings import departures
from ...store.diff import Change, diff_values
from ...store.settings_store import ActiveSettings, PublishConflict
from ..cds_feedback.admin_page import feedback_rows, finding_label
from ..csrf import token_expired
from ..forms.admin import PublishForm, SettingsForm, SettingsFormBase
from ..stores import settings_store
from .audit_trail import actor_name, entry, record

bp = Blueprint("settings", __name__)

EXPIRED_NOTICE = (
    "This page was open for a long time, so for security it could not be sent. Your values "
    "are still here: check them and select the button again."
)
NO_CHANGE_NOTICE = "You have not changed any setting. Change at least one value to preview."


def current_version() -> ActiveSettings:
    """The newest version, read now (not the copy a worker may hold while the store is down)."""
    return settings_store().read().active


def conflict_notice(newest: ActiveSettings) -> str:
    return (
        f"Version {newest.number} was published by {newest.author} at "
        f"{newest.created_at:%Y-%m-%d %H:%M} UTC while you were working, so your changes were "
        f"not published. Your values are still here. Check the changes made in version "
        f"{newest.number}, shown below, then preview again."
    )


def _render_edit(
    form: SettingsFormBase,
    current: ActiveSettings,
    notice: str | None = None,
    their_changes: list[Change] | None = None,
) -> ResponseReturnValue:
    if "reason" in form:
        # The publish form comes back here when its values fail; this page has no reason
        # fields, so a reason error would be a summary link to nothing. Preview asks again.
        form.reason.errors = []
        form.departure_reason.errors = []
    has_errors = bool(notice) or any(f.errors for f in form.setting_fields())
    return render_template(
        "admin/settings_form.html",
        form=form,
        current=current,
        notice=notice,
        their_changes=their_changes,
        page_has_errors=has_errors,
    )


def _render_conflict(form: SettingsFormBase, newest: ActiveSettings) -> ResponseReturnValue:
    seen = form.based_on_number()
    base = settings_store().version(seen) if seen else None
    theirs = diff_values(base.settings.as_dict(), newest.settings.as_dict()) if base else []
    # The next preview compares with what they have now been shown.
    form.based_on.data = str(newest.number)
    return _render_edit(form, newest, conflict_notice(newest), theirs)


def render_preview(
    *,
    form: Any,
    current: ActiveSettings,
    new_settings: RuleSettings,
    mode: str,
    target: ActiveSettings | None = None,
    notice: str | None = None,
) -> ResponseReturnValue:
    """The check-before-publish page, for an edit (mode 'publish') and a rollback."""
    changes = diff_values(current.settings.as_dict(), new_settings.as_dict())
    impacts = impact(current.settings, new_settings, dt.date.today())
    changed: list[CaseImpact] = [i for i in impacts if i.changed]
    found = departures(new_settings.as_dict())
    if not found:
        form.departure_reason.errors = []  # the field is not shown: nothing may link to it
    return render_template(
        "admin/preview.html",
        form=form,
        current=current,
        target=target,
        mode=mode,
        changes=changes,
        changed_cases=changed,
        less_safe_cases=[i for i in impacts if i.less_safe],
        departures=found,
        total_cases=len(impacts),
        # What prescribers did with the EHR cards, to weigh beside the impact.
        cds_feedback=feedback_rows(),
        finding_label=finding_label,
        notice=notice,
        page_has_errors=bool(notice)
        or bool(form.reason.errors)
        or bool(form.departure_reason.errors),
    )


@bp.get("/settings")
def edit() -> ResponseReturnValue:
    current = current_version()
    form = SettingsForm(formdata=None)
    form.fill(current.settings.as_dict(), current.number)
    return _render_edit(form, current)


@bp.post("/settings/preview")
def preview() -> ResponseReturnValue:
    form = SettingsForm()
    current = current_version()
    if not form.validate() and token_expired(form):
        return _render_edit(form, current, EXPIRED_NOTICE)
    if form.based_on_number() is None:
        abort(400)
    if not form.check_values():
        return _render_edit(form, current)
    if form.based_on_number() != current.number:
        return _render_conflict(form, current)
    new_settings = RuleSettings.from_dict(form.values())
    if not diff_values(current.settings.as_dict(), new_settings.as_dict()):
        return _render_edit(form, current, NO_CHANGE_NOTICE)
    publish_form = PublishForm(formdata=None)
    publish_form.fill(new_settings.as_dict(), current.number)
    return render_preview(
        form=publish_form, current=current, new_settings=new_settings, mode="publish"
    )


@bp.post("/settings/publish")
def publish() -> ResponseReturnValue:
    form = PublishForm()
    current = current_version()
    if form.based_on_number() is None:
        abort(400)
    if request.form.get("action") == "edit":
        form.check_values()
        return _render_edit(form, current)
    form.validate()  # puts each error on its field; what counts is decided below
    if token_expired(form):
        return _render_edit(form, current, EXPIRED_NOTICE)
    if not form.check_values():
        # Someone changed the hidden values by hand, or the rules got stricter meanwhile.
        record("publish", "invalid", based_on=form.based_on_number())
        return _render_edit(form, current)
    new_settings = RuleSettings.from_dict(form.values())
    found = departures(new_settings.as_dict())
    # Both checked, so both reasons' errors show at once.
    has_departure_reason = form.require_departure_reason(found)
    # Without a departure the departure reason is unused and its error was dropped: what is
    # left decides (a hand-made post with an over-long unused reason still publishes).
    valid = not any(field.errors for field in form)
    if not valid or not has_departure_reason:  # only the reasons can be wrong here
        return render_preview(form=form, current=current, new_settings=new_settings, mode="publish")
    base = form.based_on_number()
    changes = diff_values(current.settings.as_dict(), new_settings.as_dict())
    if not changes and base == current.number:  # a hand-made post: nothing to publish
        return _render_edit(form, current, NO_CHANGE_NOTICE)
    reason = form.reason.data.strip()
    try:
        version = settings_store().publish(
            new_settings.as_dict(),
            actor_name(),
            reason,
            based_on=base,
            audit=entry("publish", "success", based_on=base, reason=reason, changes=_log(changes)),
            departure_reason=form.departure_reason.data if found else None,
        )
    except PublishConflict:
        newest = current_version()
        record("publish", "conflict", based_on=base, current=newest.number)
        return _render_conflict(form, newest)
    flash(
        f"Version {version.number} is published. Every screening and sheet uses it from the "
        "next page load."
    )
    return redirect(url_for("admin.history.version", number=version.number))


def _log(changes: list[Change]) -> list[list[str]]:
    """Changes as the audit row keeps them: [name, old, new]."""
    return [[c.name, c.old, c.new] for c in changes]
