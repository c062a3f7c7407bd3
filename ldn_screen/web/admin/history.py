"""Version history: every version, a field-by-field comparison of any two, and rollback.

A rollback publishes an old version's values as a new version; history is never rewritten.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

# New in WTForms 3.3; the types-wtforms stubs (3.2) do not have it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ...rules.settings import (
    SETTING_SPECS,
    departure_for,
    departures,
    safe_range_text,
    validate_values,
)
from ...store.diff import diff_values, show_value
from ...store.settings_store import ActiveSettings, PublishConflict
from ..csrf import token_expired
from ..forms.admin import CompareForm, RollbackForm
from ..stores import settings_store
from .audit_trail import actor_name, entry, record
from .settings import current_version, render_preview

bp = Blueprint("history", __name__)


def _version_or_404(number: int) -> ActiveSettings:
    version = settings_store().version(number)
    if version is None:
        abort(404)
    return version


@bp.get("/history")
def index() -> ResponseReturnValue:
    versions = settings_store().history()
    form = _compare_form(versions)
    return render_template("admin/history.html", versions=versions, form=form)


def _compare_form(versions: list[ActiveSettings]) -> CompareForm:
    form = CompareForm(request.args if request.args else None)
    choices = [
        SelectChoice(str(v.number), f"Version {v.number} ({v.created_at:%Y-%m-%d})")
        for v in versions
    ]
    form.old.choices = choices
    form.new.choices = choices
    if not request.args and len(versions) > 1:
        form.old.data, form.new.data = str(versions[1].number), str(versions[0].number)
    return form


@bp.get("/history/compare")
def compare() -> ResponseReturnValue:
    versions = settings_store().history()
    form = _compare_form(versions)
    by_number = {str(v.number): v for v in versions}
    for field in (form.old, form.new):
        if field.data not in by_number:
            field.errors = ["Select a version from the list"]
    if not form.old.errors and not form.new.errors and form.old.data == form.new.data:
        form.new.errors = ["Select two different versions"]
    if form.old.errors or form.new.errors:
        return render_template(
            "admin/compare.html", form=form, old=None, new=None, changes=[], page_has_errors=True
        )
    old, new = by_number[form.old.data], by_number[form.new.data]
    return render_template(
        "admin/compare.html",
        form=form,
        old=old,
        new=new,
        changes=diff_values(old.settings.as_dict(), new.settings.as_dict()),
    )


@bp.get("/history/<int:number>")
def version(number: int) -> ResponseReturnValue:
    shown = _version_or_404(number)
    previous = settings_store().version(number - 1) if number > 1 else None
    changes = (
        diff_values(previous.settings.as_dict(), shown.settings.as_dict()) if previous else None
    )
    values = shown.settings.as_dict()
    rows = [
        (spec, show_value(spec.name, values[spec.name]), departure_for(spec, values[spec.name]))
        for spec in SETTING_SPECS
    ]
    return render_template(
        "admin/version.html",
        version=shown,
        previous=previous,
        changes=changes,
        rows=rows,
        safe_range_text=safe_range_text,
        current=current_version(),
    )


@bp.route("/history/<int:number>/rollback", methods=["GET", "POST"])
def rollback(number: int) -> ResponseReturnValue:
    target = _version_or_404(number)
    current = current_version()
    if request.method in {"GET", "HEAD"}:  # HEAD: a GET without the body
        if target.number == current.number:
            flash(f"Version {number} is already the current version.")
            return redirect(url_for(".version", number=number))
        form = RollbackForm(formdata=None, based_on=str(current.number))
        return _render(form, current, target)

    form = RollbackForm()
    valid = form.validate()
    if token_expired(form):
        form.based_on.data = str(current.number)
        notice = "This page was open too long. Check it, then select the button again."
        return _render(form, current, target, notice)
    if refused := _refused(target):
        record("rollback", "invalid", restores=target.number)
        return _render(form, current, target, refused)
    found = departures(target.settings.as_dict())
    has_departure_reason = form.require_departure_reason(found)
    if not valid or not has_departure_reason:
        return _render(form, current, target)
    seen = form.based_on.data or ""
    if not (seen.isascii() and seen.isdigit() and len(seen) < 10):
        abort(400)  # no browser sends anything but the number the page gave it
    reason = (form.reason.data or "").strip()
    try:
        published = settings_store().publish(
            target.settings.as_dict(),
            actor_name(),
            reason,
            based_on=int(seen),
            restores=target.number,
            departure_reason=form.departure_reason.data if found else None,
            audit=entry(
                "rollback",
                "success",
                restores=target.number,
                based_on=int(seen),
                reason=reason,
                changes=[
                    [c.name, c.old, c.new]
                    for c in diff_values(current.settings.as_dict(), target.settings.as_dict())
                ],
            ),
        )
    except PublishConflict:
        record("rollback", "conflict", restores=target.number, based_on=int(seen))
        newest = current_version()
        form.based_on.data = str(newest.number)
        return _render(form, newest, target, _rollback_conflict(newest, target))
    flash(
        f"Version {published.number} is published with the values of version {target.number}. "
        "Every screening and sheet uses it from the next page load."
    )
    return redirect(url_for(".version", number=published.number))


def _refused(target: ActiveSettings) -> str | None:
    """Why an old version cannot be published again: a value this release refuses outright
    (a hard limit added since, such as an opioid-free interval under 3 days)."""
    errors = validate_values(target.settings.as_dict())
    if not errors:
        return None
    problems = "; ".join(m for messages in errors.values() for m in messages)
    return (
        f"Version {target.number} cannot be published again: this release refuses some of "
        f"its values ({problems}). Change the settings instead."
    )


def _render(
    form: RollbackForm, current: ActiveSettings, target: ActiveSettings, notice: str | None = None
) -> ResponseReturnValue:
    notice = notice or _refused(target)
    return render_preview(
        form=form,
        current=current,
        new_settings=target.settings,
        mode="rollback",
        target=target,
        notice=notice,
    )


def _rollback_conflict(newest: ActiveSettings, target: ActiveSettings) -> str:
    return (
        f"Version {newest.number} was published by {newest.author} at "
        f"{newest.created_at:%Y-%m-%d %H:%M} UTC while you were working, so the rollback was not "
        f"published. The differences below now compare version {newest.number} with version "
        f"{target.number}. Check them, then select the button again."
    )
