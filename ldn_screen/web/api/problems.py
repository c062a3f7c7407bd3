"""RFC 9457 problem details: every error the API gives is ``application/problem+json``.

A view returns ``problem(...)``; anything else that fails under /api/ (an unknown address, a
wrong method, a body too large, the settings or the database unavailable, an unexpected
error) reaches the client as the app's HTML error page, which ``as_problem`` turns into a
problem with the same status, so an integration never has to parse HTML.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json, request

PROBLEM_TYPE = "application/problem+json"
# The documentation page names each problem type by anchor: a relative URI reference, which
# RFC 9457 allows, resolved against the request's address.
DOCS = "/api/v1/docs"

TITLES: dict[int, str] = {
    400: "The request could not be read",
    401: "A valid bearer token is needed",
    404: "No such address in the API",
    405: "This address does not accept that method",
    406: "The API answers in JSON only",
    413: "The request body is too large",
    414: "The address is too long",
    415: "The body must be JSON (Content-Type: application/json)",
    422: "The answers are not valid",
    429: "Too many requests from this client",
    431: "The request headers are too large",
    500: "Something went wrong on the server; nothing was stored",
    503: "The clinical settings cannot be read, so no screening can be done safely",
}
SLUGS: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    414: "too-large",
    415: "unsupported-media-type",
    422: "invalid-answers",
    429: "too-many-requests",
    431: "too-large",
    500: "server-error",
    503: "unavailable",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"{DOCS}#problem-{SLUGS.get(status, 'server-error')}",
        "title": TITLES.get(status, TITLES[500]),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def as_problem(response: Response) -> Response:
    """After every request: an HTML error page under /api/ becomes a problem document."""
    if response.status_code >= 400 and response.mimetype == "text/html" and is_api_request():
        replacement = problem(response.status_code if response.status_code in TITLES else 500)
        for name in ("Retry-After", "Allow", "WWW-Authenticate"):
            if name in response.headers:
                replacement.headers[name] = response.headers[name]
        if response.status_code == 405 and "Allow" not in replacement.headers:
            # The house error page drops the Allow header RFC 9110 asks for; rebuild it.
            adapter = current_app.url_map.bind("", script_name=request.script_root)
            allowed = sorted(adapter.allowed_methods(request.path))
            replacement.headers["Allow"] = ", ".join(allowed)
        return replacement
    return response
