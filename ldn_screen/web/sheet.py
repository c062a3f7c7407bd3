"""The nurse's counselling sheet (built out under issue 4)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("sheet", __name__)


@bp.get("/sheet")
def choose():  # type: ignore[no-untyped-def]
    abort(404)


@bp.get("/sheet/print")
def sheet():  # type: ignore[no-untyped-def]
    abort(404)
