"""The clinician's screening: the form, and the summary it produces. Nothing is stored."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup

from ..rules import ScreeningResult, Verdict, screen
from ..rules.chart_note import chart_note
from ..rules.decision import decision
from ..rules.findings import schedule_override_answer, surgery_stop_row
from ..rules.medication_wording import medication_table
from ..rules.sheet_text import calendar
from ..rules.wording import VERDICT_LOOKS, plan_wording, verdict_title
from .csrf import edit_notice, token_expired
from .embedding import form_token
from .forms.fields import SCHEDULE_OPTIONS
from .forms.screening import CSRF_EXPIRED_MESSAGE, ScreeningForm
from .stores import current_reading, settings_store

bp = Blueprint("screening", __name__)


# The empty form differs between requests only in its CSRF token (and, daily, the default
# start date), so it is rendered once per day, path prefix and process, then the token is
# swapped in. A new day replaces the whole cache in one assignment (safe with threads too).
_SLOT = "__form_slot__"
_MAX_PREFIXES = 8  # a deployment has one; never let odd SCRIPT_NAMEs grow the cache


def _empty_form_page(today: dt.date) -> str:
    cached: tuple[dt.date, dict[str, str]] | None = current_app.extensions.get("ldn_empty_form")
    if cached is None or cached[0] != today:
        cached = (today, {})
        current_app.extensions["ldn_empty_form"] = cached
    pages = cached[1]
    page = pages.get(request.script_root)
    if page is None:
        form = ScreeningForm(today=today)
        page = render_template("screening/form.html", form=form, notice=None, csrf_value=_SLOT)
        if len(pages) < _MAX_PREFIXES:
            pages[request.script_root] = page
    return page


def _render_form(form: ScreeningForm, notice: str | None = None, status: int = 200):
    return render_template("screening/form.html", form=form, notice=notice), status


@bp.route("/", methods=["GET", "POST"])
def form():
    if request.method in {"GET", "HEAD"}:  # HEAD: a GET without the body
        if not settings_store().loaded:
            current_reading()  # a worker with no version shows "settings unavailable" now
        return _empty_form_page(dt.date.today()).replace(_SLOT, form_token(), 1)

    reading = current_reading()
    form = ScreeningForm()

    valid = form.validate()
    if token_expired(form):
        # An expired or mismatched token: keep every answer, issue a fresh token, ask again.
        return _render_form(form, notice=CSRF_EXPIRED_MESSAGE)
    if not valid:
        return _render_form(form)

    answers = form.to_answers()
    result = screen(answers, reading.active.settings)
    version = reading.active
    wording = plan_wording(result)
    answer_notes = {}
    if result.schedule_override_reasons:
        chosen = dict(SCHEDULE_OPTIONS)[answers.schedule.value]
        answer_notes["schedule"] = schedule_override_answer(
            chosen, result.schedule_override_reasons
        )
    return render_template(
        "screening/summary.html",
        form=form,
        result=result,
        answers=answers,
        verdict_title=verdict_title(result),
        look=VERDICT_LOOKS[result.verdict],
        decision=decision(result),
        medication=medication_table(result.medication_reading),
        Verdict=Verdict,
        version=version,
        warning=reading.warning,
        chart_note=chart_note(
            result,
            version.number,
            version.created_at.date(),
            form.today,
            answers.baseline_pain_nrs,
        ),
        screened_on=form.today,
        reference_sections=_reference_sections(version.number, result),
        confirmed_keys=[
            line for line in (form.confirmed_not_opioid_lines.data or "").splitlines() if line
        ],
        answer_notes=answer_notes,
        plan_wording=wording,
        calendar_rows=calendar(result.dose_plan) if result.dose_plan else (),
        surgery_stop_row=surgery_stop_row(result.dose_plan.surgery_stop)
        if result.dose_plan and result.dose_plan.surgery_stop
        else None,
    )


def _reference_sections(version_number: int, result: ScreeningResult) -> Markup:
    cache: dict[int, Markup] = current_app.extensions.setdefault("ldn_reference_sections", {})
    html = cache.get(version_number)
    if html is None:
        # Safe: this is the output of an autoescaping template, not raw text.
        html = Markup(  # noqa: S704  # nosec B704
            render_template(
                "screening/_reference_sections.html",
                side_effects=result.side_effects,
                counselling=result.counselling,
            )
        )
        cache.clear()
        cache[version_number] = html
    return html


@bp.post("/edit")
def edit():
    """Back from the summary to the form, with every answer filled in."""
    current_reading()
    form = ScreeningForm()
    return _render_form(form, notice=edit_notice(form, CSRF_EXPIRED_MESSAGE))
