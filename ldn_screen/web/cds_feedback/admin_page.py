"""The admin's feedback page (``/admin/cds-feedback``): per finding code, how often the EHR
cards were accepted or overridden, and why. Registered inside the admin blueprint, so its
sign-in and origin checks apply."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from ...rules.findings import CATALOGUE
from ...store.cds_feedback import FindingFeedback
from . import feedback_store

bp = Blueprint("feedback", __name__)


def finding_label(code: str) -> str:
    """The finding's summary, as the card showed it; the code alone for a retired finding."""
    spec = CATALOGUE.get(code)
    return spec.summary if spec else code


def feedback_rows(settings_version: int | None = None) -> list[FindingFeedback]:
    return feedback_store().by_finding(settings_version)


@bp.get("/cds-feedback")
def index() -> ResponseReturnValue:
    raw = request.args.get("version", "")
    version = int(raw) if raw.isdigit() and len(raw) < 9 else None
    return render_template(
        "admin/cds_feedback.html",
        rows=feedback_rows(version),
        version=version,
        finding_label=finding_label,
    )
