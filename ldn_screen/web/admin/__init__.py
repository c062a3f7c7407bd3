"""Admin pages under /admin: sign-in, settings, version history and the audit log.

Every view in these blueprints needs a signed-in admin (checked once, in ``_guard``, so a
new admin page cannot forget it). The rest of the app never needs a login.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ...rules.sheet_text import missing_clinic_details
from ..cds_feedback import admin_page as cds_feedback_page
from ..stores import current_reading
from . import audit_log, auth, history, origin, settings

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_blueprint(auth.bp)
bp.register_blueprint(settings.bp)
bp.register_blueprint(history.bp)
bp.register_blueprint(audit_log.bp)
bp.register_blueprint(cds_feedback_page.bp)


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    # Admin input reaches the database, and PostgreSQL refuses text holding NUL (a 500).
    # No browser sends one, so a request that does is refused here, before any query.
    sent = (*request.args.listvalues(), *request.form.listvalues())
    if any("\x00" in value for values in sent for value in values):
        abort(400)
    origin.refuse_cross_origin()  # before sign-in: sign-in and sign-out are POSTs too
    return auth.require_login()


@bp.context_processor
def _admin_context() -> dict[str, object]:
    return {
        "admin_user": current_user if current_user.is_authenticated else None,
        # A bare token for the sign-out button, which sits on every admin page.
        "signout_token": generate_csrf if current_user.is_authenticated else None,
    }


def _utc(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


@bp.get("/")
def home() -> ResponseReturnValue:
    reading = current_reading()
    return render_template(
        "admin/home.html",
        current=reading.active,
        warning=reading.warning,
        clinic_missing=missing_clinic_details(reading.active.settings),
    )


def init_app(app: Flask) -> None:
    # A global, not a context variable, so that imported macros can use it too.
    app.jinja_env.globals["utc"] = _utc
    app.register_blueprint(bp)
    auth.init_app(app)
