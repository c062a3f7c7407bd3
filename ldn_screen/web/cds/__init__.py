"""CDS Hooks 2.0 service: discovery at ``GET /cds-services`` and the services at
``POST /cds-services/<id>``. JSON only: no session, no CSRF token, no cookies.

Every request first passes the EHR trust check (``ehr_trust.require_ehr_jwt``: the EHR's
signed JWT). Errors answer JSON with a reason, never the HTML error page or a 500.
"""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
