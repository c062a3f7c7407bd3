"""The thin web layer: blueprints, security headers, error pages and CLI commands."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import (
        admin,
        commands,
        errors,
        followup,
        health,
        hosts,
        request_body,
        request_limits,
        request_log,
        screening,
        security,
        sessions,
        sheet,
        templating,
    )

    app.request_class = request_body.LimitedBodyRequest
    request_limits.init_app(app)
    hosts.init_app(app)  # inserted after request_limits, so the host check runs first
    request_log.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    commands.init_app(app)
    app.register_blueprint(screening.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(sheet.bp)
    app.register_blueprint(followup.bp)
    admin.init_app(app)
