"""FHIR R4: the screening Questionnaire and the ``$screen`` operation.

- ``GET /fhir/Questionnaire/ldn-screening``: the SDC Questionnaire, generated from the form;
- ``POST /fhir/Questionnaire/ldn-screening/$screen``: a QuestionnaireResponse in, a Bundle
  out (see bundle.py); invalid answers get 422 with an OperationOutcome in the form's words;
- ``GET /fhir/OperationDefinition/ldn-screen``: how to call it;
- ``GET /fhir/metadata``: the CapabilityStatement (capability.py).

Machine-to-machine JSON: no cookie, no session, no CSRF token (the form runs with CSRF off).
Every answer, error included, is ``application/fhir+json``; nothing is stored or logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ...rules import screen
from ...store.settings_store import SettingsUnavailable
from .. import strict_json
from ..api import auth as api_auth
from ..errors import keep_error_headers
from ..stores import current_reading
from . import terms
from .bundle import SettingsStamp, result_bundle
from .capability import capability_statement
from .operation import operation_definition
from .outcome import Issue, operation_outcome
from .questionnaire import ItemSpec, questionnaire, screening_items
from .responses import answers_from_questionnaire_response
from .validation import form_issues, validate_screening

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
log = logging.getLogger(__name__)

_CACHE = "ldn_fhir_questionnaire"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

UNREADABLE_JSON = "The request body is not readable JSON"
NOT_A_RESPONSE = (
    "Send a QuestionnaireResponse (or a Parameters resource with it as 'response') as the body"
)
WRONG_QUESTIONNAIRE = "This operation screens answers to {url} only"
_VERSION = re.compile(r"[A-Za-z0-9._\-]{1,32}")
WRONG_VERSION = (
    "This response answers version {given} of the questionnaire; this server screens version "
    "{current}. Fetch the questionnaire again and answer it"
)
WRONG_TYPE = "Send the body as application/fhir+json"
# A response being filled in may be screened (the form asks for what is missing); one
# withdrawn as entered in error, or abandoned, may not.
SCREENABLE_STATUSES = ("in-progress", "completed", "amended")
WRONG_STATUS = "The response's status must be in-progress, completed or amended"


def fhir_response(resource: dict[str, Any], status: int = 200, **headers: str) -> Response:
    text = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate the caller sent (JSON allows "\ud800"), echoed in the posted
        # QuestionnaireResponse: written as JSON escapes, which stay valid, not a 500.
        body = json.dumps(resource, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return Response(body, status=status, mimetype=terms.FHIR_JSON, headers=headers)


def outcome(status: int, issues: list[Issue], **headers: str) -> Response:
    return fhir_response(operation_outcome(issues), status, **headers)


@bp.before_request
def _guard() -> Response | None:
    # $screen takes the same API client tokens as /api/ (hashed, rate-limited, audited). The
    # Questionnaire and the OperationDefinition are published definitions: anyone may read.
    if request.endpoint != "fhir.screen_operation" or request.method == "OPTIONS":
        return None
    refused = api_auth.authenticate()
    if refused is None:
        return None
    problem = refused.get_json(silent=True) or {}
    code = "throttled" if refused.status_code == 429 else "login"
    answer = outcome(refused.status_code, [Issue(str(problem.get("detail", "")), code=code)])
    for name in ("WWW-Authenticate", "Retry-After"):
        if name in refused.headers:
            answer.headers[name] = refused.headers[name]
    return answer


def _not_allowed(allowed: str) -> Response:
    return outcome(
        405, [Issue(f"Use {allowed} here", code="not-supported")], Allow=f"{allowed}, HEAD"
    )


def screening_questionnaire() -> tuple[tuple[ItemSpec, ...], dict[str, Any]]:
    """The items and the Questionnaire for this deployment's canonical base, built once per
    process (the form's fields do not change while it runs)."""
    base = terms.canonical_base()
    cache: dict[str, Any] = current_app.extensions.setdefault(_CACHE, {})
    if base not in cache:
        from ..forms.screening import ScreeningForm

        items = screening_items(ScreeningForm(formdata=None, meta={"csrf": False}), base)
        cache[base] = (items, questionnaire(base, items))
    built: tuple[tuple[ItemSpec, ...], dict[str, Any]] = cache[base]
    return built


@bp.route("/Questionnaire/ldn-screening", methods=ALL_METHODS)
def get_questionnaire() -> Response:
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("GET")
    return fhir_response(screening_questionnaire()[1])


@bp.route(f"/OperationDefinition/{terms.OPERATION_ID}", methods=ALL_METHODS)
def get_operation_definition() -> Response:
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("GET")
    return fhir_response(operation_definition(terms.canonical_base()))


@bp.route("/metadata", methods=ALL_METHODS)
def get_metadata() -> Response:
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("GET")
    return fhir_response(capability_statement(terms.canonical_base(), _started_on()))


def _started_on() -> str:
    """The statement's date: the day this process started serving (the description only
    changes with a release, and a release restarts the workers)."""
    return current_app.extensions.setdefault("ldn_fhir_started_on", dt.date.today().isoformat())


def _read_body() -> dict[str, Any] | Response:
    """The posted QuestionnaireResponse, or the 4xx answer that says why there is none."""
    mimetype = request.mimetype
    if mimetype and mimetype not in terms.ACCEPTED_BODY_TYPES:
        return outcome(415, [Issue(WRONG_TYPE, code="not-supported")])
    try:
        body = strict_json.loads(request.get_data(cache=False))
    except ValueError:  # bad JSON, bad UTF-8, NaN, absurd nesting
        return outcome(400, [Issue(UNREADABLE_JSON, code="structure")])
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        params = body.get("parameter")
        found = [
            p.get("resource")
            for p in (params if isinstance(params, list) else [])
            if isinstance(p, dict) and p.get("name") == "response"
        ]
        body = found[0] if len(found) == 1 else None
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        return outcome(400, [Issue(NOT_A_RESPONSE, code="structure")])
    return body


def _response_issues(response: dict[str, Any], url: str, version: str) -> list[Issue]:
    """What is wrong with the response itself, before its answers: its status and which
    questionnaire it answers."""
    issues = []
    status = response.get("status")
    if status not in SCREENABLE_STATUSES:
        code = "required" if status is None else "value"
        issues.append(Issue(WRONG_STATUS, code=code, path="QuestionnaireResponse.status"))
    given = response.get("questionnaire")
    if given is None:
        return issues  # the operation is called on this Questionnaire: that says which one
    where = "QuestionnaireResponse.questionnaire"
    given_url, _, given_version = given.partition("|") if isinstance(given, str) else ("", "", "")
    if given_url != url:
        issues.append(Issue(WRONG_QUESTIONNAIRE.format(url=url), code="value", path=where))
    elif given_version and given_version != version:
        # The version sent is repeated only when it looks like one, never free text.
        shown = given_version if _VERSION.fullmatch(given_version) else "another version"
        message = WRONG_VERSION.format(given=shown, current=version)
        issues.append(Issue(message, code="value", path=where))
    return issues


@bp.route(f"/Questionnaire/ldn-screening/${terms.OPERATION_CODE}", methods=ALL_METHODS)
def screen_operation() -> Response:
    if request.method != "POST":
        return _not_allowed("POST")
    body = _read_body()
    if isinstance(body, Response):
        return body
    items, resource = screening_questionnaire()
    today = dt.date.today()
    issues = _response_issues(body, resource["url"], resource["version"])
    formdata, reading_issues = answers_from_questionnaire_response(body, items)
    form, errors = validate_screening(formdata, today)
    issues += reading_issues
    # An answer off the list is reported once, not again as a missing answer.
    said = {(i.message, i.link_ids) for i in reading_issues}
    issues += [i for i in form_issues(errors, formdata) if (i.message, i.link_ids) not in said]
    if issues:
        return outcome(422, issues)

    reading = current_reading()
    result = screen(form.to_answers(), reading.active.settings)
    stamp = SettingsStamp(reading.active.number, reading.active.created_at)
    bundle = result_bundle(
        terms.canonical_base(), body, result, stamp, today, warning=reading.warning
    )
    return fhir_response(bundle)


@bp.route("/", defaults={"rest": ""}, methods=ALL_METHODS)
@bp.route("/<path:rest>", methods=ALL_METHODS)
def unknown(rest: str) -> Response:
    return outcome(404, [Issue("No such FHIR resource or operation here", code="not-found")])


@bp.after_app_request
def _as_outcome(response: Response) -> Response:
    """An error the app answered with its HTML page under /fhir/ (a method no route knows,
    like TRACE, is refused before the blueprint is known) becomes an OperationOutcome."""
    under_fhir = request.path == "/fhir" or request.path.startswith("/fhir/")
    if not (under_fhir and response.status_code >= 400 and response.mimetype == "text/html"):
        return response
    issue = Issue(HTTP_STATUS_CODES.get(response.status_code, "Error"), code="processing")
    answer = outcome(response.status_code, [issue])
    return keep_error_headers(answer, response, ("Allow", "Retry-After", "WWW-Authenticate"))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return outcome(status, [Issue(exc.description or exc.name, code="processing")])


@bp.errorhandler(SettingsUnavailable)
def _settings_unavailable(exc: SettingsUnavailable) -> Response:
    log.error("settings unavailable: %s", exc.__class__.__name__)
    message = "The clinical settings cannot be read, so no screening can be done safely"
    return outcome(503, [Issue(message, code="transient")])


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    # Never the exception's text: it could hold an answer.
    log.error("fhir request failed: %s", exc.__class__.__name__)
    return outcome(500, [Issue("The server failed to screen this request", code="exception")])
