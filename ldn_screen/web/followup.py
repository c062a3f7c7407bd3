"""The follow-up visit: is LDN earning its place? Stateless: nothing is stored."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request

from ..rules.followup import assess_followup
from ..rules.followup.chart_note import followup_note, verdict_title
from ..rules.followup.findings import METHOD_NAMES, METHOD_TEXT
from ..rules.wording import ADVICE_LOOKS
from .csrf import edit_notice, token_expired
from .forms.followup import CSRF_EXPIRED_MESSAGE, FollowupForm
from .sheet_link import sheet_url_for
from .stores import current_reading

bp = Blueprint("followup", __name__)


def _form() -> FollowupForm:
    settings = current_reading().active.settings
    return FollowupForm(
        max_dose_mg=settings.max_dose_mg,
        target_dose_mg=settings.target_dose_mg,
        today=dt.date.today(),
    )


def _render_form(form: FollowupForm, notice: str | None = None):
    return render_template("followup/form.html", form=form, notice=notice)


@bp.route("/followup", methods=["GET", "POST"])
def form():
    form = _form()
    if request.method in {"GET", "HEAD"}:  # HEAD: a GET without the body
        return _render_form(form)
    valid = form.validate()
    if token_expired(form):
        return _render_form(form, notice=CSRF_EXPIRED_MESSAGE)
    if not valid:
        return _render_form(form)

    reading = current_reading()
    version = reading.active
    form.clear_unused()
    answers = form.to_answers()
    result = assess_followup(answers, version.settings)
    sheet_url = sheet_url_for(result.new_plan, version.number)
    return render_template(
        "followup/summary.html",
        form=form,
        answers=answers,
        result=result,
        verdict_title=verdict_title(result),
        look=ADVICE_LOOKS[result.advice.severity],
        method_name=METHOD_NAMES[result.response.method.value],
        method_text=METHOD_TEXT[result.response.method.value],
        version=version,
        warning=reading.warning,
        chart_note=followup_note(answers, result, version.number, version.created_at.date()),
        sheet_url=sheet_url,
    )


@bp.post("/followup/edit")
def edit():
    """Back from the summary to the form, with every answer filled in."""
    form = _form()
    return _render_form(form, notice=edit_notice(form, CSRF_EXPIRED_MESSAGE))
