"""What every response carries: the security headers, no caching of pages that may show
answers, and never a session cookie from a server error.

The headers are fixed, so they are added by a small WSGI wrapper from a precomputed list:
every response gets them, error pages and redirects included, for the cost of a list copy.

The session cookie is never set on a 5xx response. A request that failed on the server may
have changed the session half-way (a sign-in that could not finish was still signed in by the
500 that carried its cookie). Whatever a failed request changed in the session is therefore
dropped, and the browser keeps the cookie it had. Flows that must change the session even when
the store fails (sign-out) answer with a redirect, never a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def response_headers(
    tls: bool, page: bool, frame_ancestors: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """The headers every response carries; ``page`` adds no-store (anything but a static file).

    ``frame_ancestors``: for the pages an EHR may frame (web/embedding.py), the origins that
    may; X-Frame-Options is then left out (it can only say DENY or SAMEORIGIN, and browsers
    that know CSP ignore it when frame-ancestors is present)."""
    csp = CSP
    if frame_ancestors:
        csp = CSP.replace("frame-ancestors 'none'", "frame-ancestors " + " ".join(frame_ancestors))
    headers = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if not frame_ancestors:
        headers.insert(3, ("X-Frame-Options", "DENY"))
    if tls:
        headers.append(("Strict-Transport-Security", HSTS))
    if page:
        # Pages can carry patient answers: never keep them in any cache or history.
        headers += [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    return headers


class SecurityHeaders:
    """WSGI wrapper: replaces any same-named header with the fixed value."""

    def __init__(
        self,
        app: WsgiApp,
        static_prefix: str,
        tls: bool,
        frame_ancestors: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.static_prefix = static_prefix
        self.page = response_headers(tls, page=True)
        self.static = response_headers(tls, page=False)
        # The pages an EHR may frame, marked in the environ by web/embedding.py.
        self.framed = response_headers(tls, page=True, frame_ancestors=frame_ancestors)
        self.framed_names = {name.lower() for name, _ in self.page}
        # Static files keep their own caching headers (Flask's revalidation, or the operator's
        # SEND_FILE_MAX_AGE_DEFAULT); only pages are forced to no-store.
        self.page_names = {name.lower() for name, _ in self.page}
        self.static_names = {name.lower() for name, _ in self.static}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        static = environ.get("PATH_INFO", "").startswith(self.static_prefix)
        fixed, names = (self.static, self.static_names) if static else (self.page, self.page_names)

        def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            chosen, drop = fixed, names
            if environ.get("ldn.embeddable") and not static:  # set while the app ran
                chosen, drop = self.framed, self.framed_names
            kept = [h for h in headers if h[0].lower() not in drop]
            return start_response(status, kept + chosen, exc_info)

        return self.app(environ, _start)


class NoCookieOnServerError(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if response.status_code >= 500:
            return
        if request.path.startswith("/api/"):
            return  # the JSON API has no session: no cookie, and no "Vary: Cookie" either
        super().save_session(app, session, response)
