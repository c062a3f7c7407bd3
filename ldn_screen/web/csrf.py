"""One rule for a CSRF failure on any form: no token is a bad request; an old one is not.

A clinician who leaves a form open past the token's lifetime should not lose the answers,
so an expired or mismatched token re-renders the form, filled in, with a fresh token.
"""

from __future__ import annotations

from flask import abort, request
from flask_wtf import FlaskForm


def token_expired(form: FlaskForm) -> bool:
    """Call after ``form.validate()``. True when a token was sent but is no longer valid (the
    caller shows the form again with a notice); aborts with 400 when none was sent at all."""
    if not form.csrf_token.errors:
        return False
    if "csrf_token" not in request.form:
        abort(400)
    form.csrf_token.errors = []
    return True
