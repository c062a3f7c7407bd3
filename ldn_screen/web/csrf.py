"""One rule for a CSRF failure on any form: no token is a bad request; an old one is not.

A clinician who leaves a form open past the token's lifetime should not lose the answers,
so an expired or mismatched token re-renders the form, filled in, with a fresh token. The same
holds for "Change answers" (``edit_notice``), which posts the summary's answers back to the
form.
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


def edit_notice(form: FlaskForm, expired_message: str) -> str | None:
    """For "Change answers": the form, filled in from the posted answers, is shown again
    without being checked. Aborts with 400 when no token was sent; returns ``expired_message``
    when the token is no longer valid, None when it is."""
    if "csrf_token" not in request.form:
        abort(400)
    valid = form.csrf_token.validate(form)
    form.csrf_token.errors = []
    return None if valid else expired_message
