"""The session cookie is never set on a 5xx response.

A request that failed on the server may have changed the session half-way (a sign-in that
could not finish was still signed in by the 500 that carried its cookie). Whatever a failed
request changed in the session is therefore dropped, and the browser keeps the cookie it had.
Flows that must change the session even when the store fails (sign-out) answer with a
redirect, never a 5xx.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response


class NoCookieOnServerError(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if response.status_code >= 500:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = NoCookieOnServerError()
