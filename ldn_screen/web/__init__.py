"""The thin web layer: the request edge, the blueprints, and the error pages."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import (
        admin,
        edge,
        errors,
        followup,
        health,
        i18n,
        screening,
        sheet,
        templating,
    )

    edge.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    app.register_blueprint(screening.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(sheet.bp)
    app.register_blueprint(followup.bp)
    admin.init_app(app)
