"""The nurse's counselling sheet: from a screening summary, or chosen by hand for a reprint.

From a summary the sheet is a POST of the screening answers (the same hidden fields as
"Change answers", with the CSRF token). The rules run again here, so the sheet is only made
when they allow a start, whatever was posted, and it can say what applies to this patient
(no opioids before the start, a planned operation, thyroid tests). Nothing of it is ever in
an address: a start date worked out from the last opioid dose would give that dose away.

The chooser (GET /sheet, then GET /sheet/print) is for reprints without a screening. Its
address carries only the plan (schedule, start date, formulation, liquid strength, a planned
operation's date) and the settings version, so a link can be bookmarked or opened on another
workstation and gives the same sheet. The name and the date are written on the paper by hand.

Each sheet's plan is also a calendar file (web/sheet_calendar.py), through the same gate as
the sheet: ``GET /sheet/calendar.ics`` with a reprint's parameters, ``POST
/sheet/patient/calendar.ics`` with a summary's answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from ..rules import Verdict, screen
from ..rules.dosing import build_dose_plan
from ..rules.model import Answer, DosePlan, PatientAnswers, ScreeningResult
from ..rules.settings import RuleSettings, SettingsError
from ..rules.sheet_text import (
    PAIN_SCALE,
    PatientSpecifics,
    calendar,
    missing_clinic_details,
    no_sheet_reason,
    sheet_text,
)
from ..rules.translation import ENGLISH_CODE
from ..rules.units import fmt_date
from ..rules.wording import plan_wording
from ..store.settings_store import ActiveSettings, SettingsUnavailable
from . import i18n
from .csrf import token_expired
from .errors import render_error
from .forms.screening import CSRF_EXPIRED_MESSAGE, ScreeningForm
from .forms.sheet import PlanChoice, SheetForm
from .sheet_calendar import calendar_download
from .sheet_qr import calendar_qr
from .stores import current_reading, settings_store

bp = Blueprint("sheet", __name__)


PLAN_PARAMS = ("schedule", "start", "formulation", "mg_per_ml", "surgery", "language")
VERSION_PARAM = "v"
_MAX_VERSION_CHARS = 9


def _address_problems(args: MultiDict[str, str]) -> list[str]:
    """Problems with the link itself rather than with one field of the plan."""
    problems = []
    # Names are cut short: the page echoes them, and they are not worth a long echo.
    unknown = sorted(k[:30] for k in args if k not in (*PLAN_PARAMS, VERSION_PARAM))
    if unknown:
        problems.append(
            f"This link has parts the sheet does not use ({', '.join(unknown)}). "
            "Choose the plan again below."
        )
    repeated = sorted(k for k in args if len(args.getlist(k)) > 1)
    if repeated:
        problems.append(
            f"This link gives {', '.join(repeated)} more than once. Choose the plan again below."
        )
    return problems


def _version(raw: str | None, current: ActiveSettings) -> tuple[ActiveSettings | None, str | None]:
    """The settings version the link names, or why it cannot be used."""
    again = f"Choose the plan again below to use the current version ({current.number})."
    if raw is None:
        return None, None
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_VERSION_CHARS or int(raw) < 1:
        return None, f"The settings version in this link is not a whole number. {again}"
    if int(raw) == current.number:
        return current, None  # already read for this request
    try:
        found = settings_store().version(int(raw))
    except (SQLAlchemyError, SettingsError) as exc:
        # Never guess another version's values: the house 503 page says what to do.
        raise SettingsUnavailable(f"settings version {int(raw)} could not be read") from exc
    if found is None:
        return None, f"Settings version {int(raw)} does not exist. {again}"
    return found, None


def _render_form(form: SheetForm, problems: list[str], status: int) -> ResponseReturnValue:
    reading = current_reading()
    offered = i18n.available_languages(reading.active.settings)
    form.language.options = [(choice.code, choice.label) for choice in offered]
    if not form.language.data:
        form.language.data = ENGLISH_CODE
    form.mg_per_ml.description = (
        f"Only for liquid, in mg per mL. Settings version {reading.active.number} uses "
        f"{reading.active.settings.liquid_mg_per_ml:g} mg per mL. Use the strength on the "
        "pharmacy's label."
    )
    return render_template(
        "sheet/choose.html",
        form=form,
        notice=" ".join(problems) or None,
        current=reading.active,
        warning=reading.warning,
        clinic_missing=missing_clinic_details(reading.active.settings),
        draft_offered=any(choice.state == i18n.DRAFT for choice in offered),
    ), status


# The summary's version travels with the answers, so the sheet can say when it differs.
SUMMARY_VERSION_FIELD = "summary_version"


def patient_specifics(answers: PatientAnswers, result: ScreeningResult) -> PatientSpecifics:
    """What the sheet says about this patient only, from the rules' own result."""
    plan = result.dose_plan
    earliest = result.earliest_start_on
    # The opioid-free interval still runs on the day of the screening: no opioid before the
    # start (never before the earliest safe date, which the plan's start is on or after).
    still_running = earliest is not None and earliest > answers.assessed_on
    return PatientSpecifics(
        no_opioids_before=plan.starts_on if plan is not None and still_running else None,
        surgery_on=answers.surgery_on if answers.surgery_planned is Answer.YES else None,
        thyroid="thyroid" in result.codes,
    )


def _render_sheet(
    code: str,
    settings: RuleSettings,
    plan: DosePlan,
    specifics: PatientSpecifics | None,
    **context: Any,
) -> str:
    """The sheet in the chosen language: the rules' sentences and the template's words come
    from the same catalogue; a translation not signed off for this English prints a draft band."""
    with i18n.sheet_language(code) as lang:
        text = sheet_text(
            settings, plan, specifics, lang, card_langs=i18n.card_languages(code, settings)
        )
        draft = code != ENGLISH_CODE and i18n.review_state(settings) == i18n.DRAFT
        return render_template(
            "sheet/sheet.html",
            plan=plan,
            rows=calendar(plan),
            text=text,
            settings=settings,
            page_lang=lang.html_lang,
            sdate=i18n.short_date(code) or fmt_date,
            pain_scale=PAIN_SCALE,
            translation_draft=draft,
            provenance=i18n.provenance(code, settings),
            **context,
        )


def _language(raw: str | None, settings: RuleSettings) -> str | None:
    """The posted language if it is offered now, else None (English when none was sent)."""
    if not raw:
        return ENGLISH_CODE
    offered = {choice.code for choice in i18n.available_languages(settings)}
    return raw if raw in offered else None


UNKNOWN_LANGUAGE = (
    "That language is not offered for the sheet now (its translation does not cover the "
    "current English text). Choose another language."
)
STALE_ANSWERS = (
    "No sheet was made: these answers need checking first. Correct what is listed, screen "
    "the patient again, then print the sheet from the new summary."
)


@dataclasses.dataclass(frozen=True, slots=True)
class ScreenedPlan:
    """A posted screening, screened again, whose plan may be printed."""

    form: ScreeningForm
    answers: PatientAnswers
    result: ScreeningResult
    plan: DosePlan
    current: ActiveSettings


def screened_plan() -> ScreenedPlan | ResponseReturnValue:
    """The posted answers' plan, or the page that says why there is none.

    One gate for everything made from a summary's answers (the sheet and its calendar file):
    the answers are screened again here, whatever was posted."""
    current = current_reading().active
    form = ScreeningForm()
    valid = form.validate()
    if token_expired(form):
        # A summary left open past the token's life: the answers come back in the form, to
        # screen again (with a fresh token), as "Change answers" does. Never a sheet.
        return render_template("screening/form.html", form=form, notice=CSRF_EXPIRED_MESSAGE), 400
    if not valid:
        # An old summary (its start date now in the past) or a tampered post: the answers
        # come back with what to fix.
        return render_template("screening/form.html", form=form, notice=STALE_ANSWERS), 400
    answers = form.to_answers()
    result = screen(answers, current.settings)
    refusal = no_sheet_reason(result, plan_wording(result).sheet_button is not None)
    if refusal is not None or result.dose_plan is None:
        return render_error(422, refusal)
    return ScreenedPlan(form, answers, result, result.dose_plan, current)


@bp.post("/sheet/patient")
def for_patient() -> ResponseReturnValue:
    """The sheet for the patient on a summary. The answers are screened again, here."""
    reading = current_reading()
    found = screened_plan()
    if not isinstance(found, ScreenedPlan):
        return found
    form, answers, result, plan, current = (
        found.form,
        found.answers,
        found.result,
        found.plan,
        found.current,
    )
    code = _language(request.form.get(i18n.LANGUAGE_FIELD), current.settings)
    if code is None:
        return render_error(422, UNKNOWN_LANGUAGE)
    raw_version = request.form.get(SUMMARY_VERSION_FIELD, "")
    summary_version = int(raw_version) if raw_version.isascii() and raw_version.isdigit() else None
    return _render_sheet(
        code,
        current.settings,
        plan,
        patient_specifics(answers, result),
        version=current,
        current=current,
        current_url=None,
        change_url=None,  # "Change the plan" would put the plan in an address
        # The calendar file is a POST of the same answers; no QR code, which would put the
        # plan (its start may give away the last opioid dose) in an address.
        calendar_form=form,
        calendar_url=None,
        calendar_qr=None,
        concentration_differs=False,
        version_concentration=current.settings.liquid_mg_per_ml,
        warning=reading.warning,
        clinic_missing=missing_clinic_details(current.settings),
        review_pending=result.verdict is Verdict.REVIEW,
        summary_version=summary_version if summary_version != current.number else None,
    )


@bp.get("/sheet")
def choose() -> ResponseReturnValue:
    """The chooser. Any plan in the query (from "Change the plan") fills the form in."""
    today = dt.date.today()
    reading = current_reading()
    form = SheetForm(request.args, today=today)
    if not request.args.get("start"):
        form.start.data = today.isoformat()
    if not request.args.get("mg_per_ml"):
        form.mg_per_ml.data = f"{reading.active.settings.liquid_mg_per_ml:g}"
    return _render_form(form, [], 200)


@dataclasses.dataclass(frozen=True, slots=True)
class LinkedPlan:
    """The plan an address names, checked, with the settings version it is made under."""

    plan: DosePlan
    choice: PlanChoice
    params: dict[str, Any]  # the canonical plan parameters, without the version
    version: ActiveSettings
    settings: RuleSettings  # the version's, with the link's liquid strength


def linked_plan(endpoint: str) -> LinkedPlan | ResponseReturnValue:
    """The plan in the query, or the chooser with what to fix, or a redirect to the canonical
    address of ``endpoint``. One gate for everything made from a link (the sheet and its
    calendar file), so both read the same parameters the same way."""
    today = dt.date.today()
    current = current_reading().active
    form = SheetForm(request.args, today=today)
    form.validate()
    choice = form.choice()
    problems = _address_problems(request.args)
    version, version_problem = _version(request.args.get(VERSION_PARAM), current)
    if version_problem:
        problems.append(version_problem)
    if choice is None or problems:
        return _render_form(form, problems, 400)

    params: dict[str, Any] = choice.params()  # Any: see sheet_link.sheet_url_for
    if version is None:
        # No version named: pin the current one, so the address gives this sheet again.
        return redirect(url_for(endpoint, **params, v=current.number))
    canonical: dict[str, Any] = {**params, VERSION_PARAM: str(version.number)}
    if request.args.to_dict() != canonical:
        return redirect(url_for(endpoint, **canonical))

    settings = version.settings
    if choice.mg_per_ml is not None:
        # The strength is part of the plan: the volumes follow the link, not the settings.
        settings = dataclasses.replace(settings, liquid_mg_per_ml=choice.mg_per_ml)
    plan = build_dose_plan(
        settings,
        choice.schedule,
        choice.formulation,
        choice.starts_on,
        surgery_on=choice.surgery_on,
    )
    if plan.surgery_stop is not None and plan.surgery_stop.last_dose_on is None:
        # Never print "stop" before the first dose: the start must move after the operation.
        form.surgery.errors = [
            f"The operation is too soon after the start to stop LDN {settings.surgery_hold_days} "
            "days before it. Choose a start date after the operation"
        ]
        return _render_form(form, [], 400)
    if _language(choice.language, settings) is None:
        form.language.errors = [UNKNOWN_LANGUAGE]
        return _render_form(form, [], 400)
    return LinkedPlan(plan, choice, params, version, settings)


@bp.get("/sheet/print")
def sheet() -> ResponseReturnValue:
    reading = current_reading()
    current = reading.active
    found = linked_plan("sheet.sheet")
    if not isinstance(found, LinkedPlan):
        return found
    plan, choice, params, version, settings = (
        found.plan,
        found.choice,
        found.params,
        found.version,
        found.settings,
    )
    calendar_url = url_for("sheet.calendar_from_link", **params, v=version.number)
    return _render_sheet(
        choice.language,
        settings,
        plan,
        None,
        version=version,
        current=current,
        current_url=url_for("sheet.sheet", **params, v=current.number),
        change_url=url_for("sheet.choose", **params),
        calendar_form=None,
        calendar_url=calendar_url,
        calendar_qr=calendar_qr(calendar_url),
        concentration_differs=choice.mg_per_ml is not None
        and choice.mg_per_ml != version.settings.liquid_mg_per_ml,
        version_concentration=version.settings.liquid_mg_per_ml,
        warning=reading.warning,
        clinic_missing=missing_clinic_details(settings),
        review_pending=False,
        summary_version=None,
    )


@bp.get("/sheet/calendar.ics")
def calendar_from_link() -> ResponseReturnValue:
    """The calendar file of a reprint's plan: the same address and checks as its sheet."""
    found = linked_plan("sheet.calendar_from_link")
    if not isinstance(found, LinkedPlan):
        return found
    return calendar_download(found.plan, found.version.number)


@bp.post("/sheet/patient/calendar.ics")
def calendar_for_patient() -> ResponseReturnValue:
    """The calendar file of a summary's plan: the posted answers are screened again."""
    found = screened_plan()
    if not isinstance(found, ScreenedPlan):
        return found
    return calendar_download(found.plan, found.current.number)
