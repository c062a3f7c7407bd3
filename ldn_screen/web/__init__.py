"""The thin web layer: the request edge, the blueprints, and the error pages."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import (
        admin,
        api,
        cds,
        cds_feedback,
        edge,
        ehr_trust,
        embedding,
        errors,
        fhir,
        followup,
        health,
        i18n,
        screening,
        sheet,
        templating,
    )

    embedding.init_app(app)  # first: the edge's headers depend on it
    edge.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    app.register_blueprint(screening.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(sheet.bp)
    app.register_blueprint(followup.bp)
    app.register_blueprint(fhir.bp)
    admin.init_app(app)
    api.init_app(app)  # after admin: the API's rate limit shares the sign-in limiter's store
    cds_feedback.init_app(app)
    ehr_trust.init_cors(app)
    cds.init_app(app)
