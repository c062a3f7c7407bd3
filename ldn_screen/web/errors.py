"""House-style error pages with correct status codes; never a stack trace."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, current_app, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..store.settings_store import SettingsUnavailable
from ..store.writable import is_read_only_error

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("The request could not be understood", "Go back to the form and try again."),
    403: ("You do not have access to this page", "Sign in with an administrator account."),
    404: ("Page not found", "Check the address, or start a new screening."),
    405: ("This page cannot be used that way", "Start again from the screening form."),
    413: ("What was sent is too large", "Send less text, for example a shorter medication list."),
    414: ("The address is too long", "Start again from the screening form."),
    422: (
        "No counselling sheet for this screening",
        "The screening answers do not allow a start, so no sheet was made.",
    ),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    431: (
        "The request headers are too large",
        "Clear this site's cookies in the browser, then try again.",
    ),
    500: (
        "Something went wrong",
        "Nothing was saved. Try again; if it keeps happening, tell the administrator.",
    ),
    503: (
        "Settings unavailable",
        "The clinical settings cannot be read, so no screening can "
        "be done safely. Tell the administrator.",
    ),
}


READ_ONLY_TITLE = "Nothing can be saved just now"
READ_ONLY_ADVICE = (
    "The database can be read but not written, so nothing was saved. Screening still works. "
    "Tell the administrator."
)


def keep_error_headers(answer: Response, page: Response, names: tuple[str, ...]) -> Response:
    """A JSON error answer made in place of the HTML error ``page``: it keeps the page's
    ``names`` headers, and a 405 gets the Allow header RFC 9110 asks for (the house error
    page drops it)."""
    for name in names:
        if name in page.headers:
            answer.headers[name] = page.headers[name]
    if page.status_code == 405 and "Allow" not in answer.headers:
        adapter = current_app.url_map.bind("", script_name=request.script_root)
        answer.headers["Allow"] = ", ".join(sorted(adapter.allowed_methods(request.path)))
    return answer


def render_error(
    status: int, detail: str | None = None, title: str | None = None, advice: str | None = None
):
    default_title, default_advice = MESSAGES.get(status, MESSAGES[500])
    title, advice = title or default_title, advice or default_advice
    return render_template(
        "errors/error.html", status=status, title=title, advice=advice, detail=detail
    ), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        return render_error(status if status in MESSAGES else 500)

    @app.errorhandler(SettingsUnavailable)
    def _settings(exc: SettingsUnavailable):
        log.error("settings unavailable: %s", exc.__class__.__name__)
        return render_error(503)

    @app.errorhandler(OperationalError)
    def _store_down(exc: OperationalError):
        # The database cannot be reached (e.g. a sign-in while it is down): a temporary
        # outage, so the 503 page, as for the settings, rather than "Something went wrong".
        if is_read_only_error(exc):
            return store_error_page(exc)
        log.error("store unavailable: %s", exc.__class__.__name__)
        return render_error(503)

    @app.errorhandler(DBAPIError)
    def _store_refused(exc: DBAPIError):
        # PostgreSQL reports a read-only database as an InternalError, not an OperationalError.
        if is_read_only_error(exc):
            return store_error_page(exc)
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        # Log the type and the stack only: an exception message could quote posted answers.
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unhandled %s\n%s", exc.__class__.__name__, stack)
        return render_error(InternalServerError.code)


def store_error_page(exc: Exception, detail: str | None = None):
    """The 503 page for a store that refused a write (read-only) or cannot be reached, with
    ``detail`` saying what did not happen because of it."""
    if is_read_only_error(exc):
        log.error("store read-only: %s", exc.__class__.__name__)
        return render_error(503, detail, READ_ONLY_TITLE, READ_ONLY_ADVICE)
    log.error("store unavailable: %s", exc.__class__.__name__)
    return render_error(503, detail)
