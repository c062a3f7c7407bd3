"""The JSON API, version 1: screen a patient, assess a follow-up, read the settings.

The same rules, the same form validation (``validation.py``) and the same wording as the
clinician's pages; nothing sent is stored or logged (the request log records the path and
status only). No cookie, no session and no CSRF token: each call carries a bearer token
(``auth.py``). CORS is off unless ``LDN_API_CORS_ORIGINS`` names origins.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from ...config import UnsafeConfiguration
from ...rules import screen
from ...rules.as_json import followup_json, screening_json, settings_json
from ...rules.chart_note import chart_note
from ...rules.followup import assess_followup
from ...rules.followup.chart_note import followup_note
from ...rules.wording import verdict_title
from ..ehr_trust.cors import parse_origins
from ..stores import current_reading
from . import auth
from .declarations import FOLLOWUP, SCREENING
from .problems import PROBLEM_TYPE, as_problem, problem
from .validation import FieldError, validate_followup, validate_screening

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = frozenset({"api.openapi", "api.docs"})
OPENAPI = "ldn_openapi"


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    if request.method == "OPTIONS" or request.endpoint in PUBLIC:
        return None  # a CORS preflight carries no token; the documentation is public
    return auth.authenticate()


class _BadBody(Exception):
    def __init__(self, status: int, detail: str) -> None:
        self.status, self.detail = status, detail


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_body() -> Any:
    if request.mimetype != "application/json":
        raise _BadBody(
            415, "Send the answers as a JSON object with Content-Type: application/json."
        )
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError, UnicodeDecodeError):
        # ValueError covers malformed JSON and numbers too long to convert.
        raise _BadBody(400, "The body is not valid JSON.") from None


@bp.errorhandler(_BadBody)
def _bad_body(exc: _BadBody) -> ResponseReturnValue:
    return problem(exc.status, exc.detail)


def _invalid(errors: list[FieldError]) -> ResponseReturnValue:
    return problem(
        422,
        f"{len(errors)} answer(s) to correct.",
        errors=[e.as_json() for e in errors],
    )


@bp.post("/screenings")
def screenings() -> ResponseReturnValue:
    data = _json_body()
    if not isinstance(data, dict):
        return problem(400, "The body must be a JSON object of answers.")
    reading = current_reading()
    answers = validate_screening(data)
    if isinstance(answers, list):
        return _invalid(answers)
    version = reading.active
    result = screen(answers, version.settings)
    note = chart_note(
        result,
        version.number,
        version.created_at.date(),
        answers.assessed_on,
        answers.baseline_pain_nrs,
    )
    return jsonify(
        screening_json(
            result,
            title=verdict_title(result),
            chart_note=note,
            settings_version=version.number,
            version_date=version.created_at.date(),
            screened_on=answers.assessed_on,
        )
    )


@bp.post("/followups")
def followups() -> ResponseReturnValue:
    data = _json_body()
    if not isinstance(data, dict):
        return problem(400, "The body must be a JSON object of answers.")
    version = current_reading().active
    answers = validate_followup(data, version.settings)
    if isinstance(answers, list):
        return _invalid(answers)
    result = assess_followup(answers, version.settings)
    note = followup_note(answers, result, version.number, version.created_at.date())
    return jsonify(
        followup_json(
            result,
            chart_note=note,
            settings_version=version.number,
            version_date=version.created_at.date(),
            assessed_on=answers.assessed_on,
        )
    )


@bp.get("/settings/current")
def current_settings() -> ResponseReturnValue:
    version = current_reading().active
    return jsonify(
        settings_json(version.settings, number=version.number, created_at=version.created_at)
    )


def openapi_document() -> dict[str, Any]:
    """Built once per process: it depends on the code only."""
    document = current_app.extensions.get(OPENAPI)
    if document is None:
        from .openapi import build  # only when the document is asked for

        document = current_app.extensions[OPENAPI] = build()
    return document


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document())


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    document = openapi_document()
    return render_template(
        "api/docs.html",
        spec=document,
        forms=(SCREENING.schema_name, FOLLOWUP.schema_name),
        problem_type=PROBLEM_TYPE,
    )


def init_app(app: Flask) -> None:
    auth.init_app(app)
    app.register_blueprint(bp)
    app.after_request(as_problem)
    if origins := app.config.get("LDN_API_CORS_ORIGINS"):
        from flask_cors import CORS  # only when configured: no import, no cost otherwise

        # The CDS endpoints' reading: "*" is refused (an operator who means "any site" should
        # say so by listing none), and "https://ehr.example/" matches as written without "/".
        try:
            listed = parse_origins(str(origins))
        except ValueError as exc:
            raise UnsafeConfiguration(str(exc).replace("LDN_CDS_", "LDN_API_")) from None
        CORS(
            app,
            resources={r"/api/v1/*": {"origins": listed}},
            allow_headers=["Authorization", "Content-Type"],
            methods=["GET", "POST", "OPTIONS"],
            supports_credentials=False,
            max_age=600,
        )
