"""The routes: discovery, and one POST per service. JSON in, JSON out, no session."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ...store.settings_store import SettingsUnavailable
from .. import strict_json
from ..ehr_trust import require_ehr_jwt
from ..errors import keep_error_headers
from ..stores import current_reading
from . import answer, issued_hook
from .hook_request import BadHookRequest, HookRequest, named, parse
from .services import LDN_ORDER, LDN_REVIEW, OPIOID_ON_LDN, discovery, services

log = logging.getLogger(__name__)
bp = Blueprint("cds", __name__, url_prefix="/cds-services")

Handler = Callable[[HookRequest, answer.Context, float], list[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {
    LDN_ORDER.id: answer.ldn_order,
    OPIOID_ON_LDN.id: answer.opioid_on_ldn,
    LDN_REVIEW.id: answer.ldn_review,
}


def _review_enabled() -> bool:
    return bool(current_app.config.get("LDN_CDS_REVIEW_SERVICE"))


# The one trust check of every CDS request, discovery included: the EHR's signed JWT
# (issuer allowlist, audience, expiry, jti replay store; web/ehr_trust). A bare 401 otherwise.
require_ehr_jwt(bp)


def _error(status: int, reason: str) -> tuple[Response, int]:
    # CDS Hooks 3.0 answers errors with an OperationOutcome; 2.0 clients read the status.
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "invalid" if status < 500 else "exception",
                "diagnostics": reason,
            }
        ],
    }
    return jsonify(body), status


@bp.after_app_request
def _as_outcome(response: Response) -> Response:
    """An error the app answered with its HTML page under /cds-services (a wrong method or an
    unknown deeper path is refused before the blueprint is known) becomes the same JSON
    OperationOutcome as every other CDS error: an EHR never has to read HTML."""
    path = request.path
    under_cds = path == "/cds-services" or path.startswith("/cds-services/")
    if not (under_cds and response.status_code >= 400 and response.mimetype == "text/html"):
        return response
    reason = HTTP_STATUS_CODES.get(response.status_code, "Error")
    answer, status = _error(response.status_code, reason)
    answer.status_code = status
    return keep_error_headers(answer, response, ("Allow", "Retry-After"))


@bp.errorhandler(BadHookRequest)
def _bad(exc: BadHookRequest) -> tuple[Response, int]:
    return _error(exc.status, exc.reason)


@bp.errorhandler(SettingsUnavailable)
def _no_settings(exc: SettingsUnavailable) -> tuple[Response, int]:
    # Never an empty card list (which an EHR shows as "all clear") when nothing was checked.
    log.error("settings unavailable: %s", exc.__class__.__name__)
    return _error(503, "The clinical settings cannot be read, so nothing was checked.")


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response | tuple[Response, int]:
    if exc.code == 401:  # a bare 401: never say why a token failed
        return Response(status=401, mimetype="text/plain")
    return _error(exc.code or 500, exc.description or "")


@bp.get("")
def discover() -> Response:
    return jsonify(discovery(_review_enabled()))


def _context() -> answer.Context:
    reading = current_reading()
    config = current_app.config
    public = config.get("LDN_PUBLIC_URL")
    form_url = f"{public}/" if public else url_for("screening.form", _external=True)
    base = config.get("LDN_FHIR_CANONICAL_BASE")
    return answer.Context(
        settings=reading.active.settings,
        version=reading.active.number,
        today=dt.date.today(),
        form_url=form_url,
        questionnaire=f"{base}/Questionnaire/ldn-screening" if base else None,
    )


def _json_body() -> Any:
    """The parsed body, or None (strict_json: no NaN, no 500 for absurd nesting)."""
    if not request.is_json:
        return None
    try:
        return strict_json.loads(request.get_data(cache=False))
    except ValueError:  # bad JSON, bad UTF-8, NaN, absurd nesting
        return None


@bp.post("/<service_id>")
def call(service_id: str) -> tuple[Response, int] | Response:
    offered = {s.id: s for s in services(_review_enabled())}
    service = offered.get(service_id)
    if service is None:
        # Not the name as sent: an answer never repeats free text a caller sent.
        return _error(404, f"No CDS service here answers as {named(service_id, 'service')}.")
    body = _json_body()
    if body is None:
        return _error(400, "The request body must be JSON (Content-Type: application/json).")
    hook_request = parse(body, service.hooks)
    budget = float(current_app.config.get("LDN_CDS_FETCH_SECONDS") or 0.3)
    context = _context()
    try:
        cards = HANDLERS[service.id](hook_request, context, budget)
    except (
        TypeError,
        ValueError,
        LookupError,
        ArithmeticError,
        AttributeError,
        RecursionError,
    ) as exc:
        # A shape no variant test foresaw. Never a 500 for the EHR: a 400 with a reason.
        # Log the type and the stack only, never the payload (it holds patient data).
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unreadable CDS request: %s\n%s", exc.__class__.__name__, stack)
        return _error(400, "Part of the request could not be read as FHIR R4.")
    issued_hook.record(service.id, context.version, cards)
    return jsonify({"cards": cards})
