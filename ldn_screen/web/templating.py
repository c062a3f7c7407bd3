"""The Jinja environment: the filters and globals every template shares (one way to write a
dose, a volume or a date) and the page chrome rendered once per section. Forms draw
themselves (ldn_screen/web/forms/fields.py)."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

from ..rules.evidence import EVIDENCE
from ..rules.units import fmt_date, fmt_mg, fmt_ml
from ..rules.wording import DISCLAIMER, OFF_LABEL

_MAX_CHROME = 64


def _current_section() -> str:
    """Which navigation link is the current page (the empty screening form only, as before)."""
    endpoint = request.endpoint or ""
    if endpoint == "screening.form":
        return "screening"
    section = endpoint.partition(".")[0]
    return section if section in {"followup", "sheet", "admin"} else ""


def chrome(part: str) -> Markup:
    """The <head> links and the site header (templates/chrome/) are the same on every page
    of a section, so each is rendered once per section and path prefix, then reused."""
    cache: dict[tuple[str, str, str], Markup] = current_app.extensions.setdefault("ldn_chrome", {})
    current = _current_section()
    key = (request.script_root, part, current)
    html = cache.get(key)
    if html is None:
        # Safe: the output of an autoescaping template, not raw text.
        html = Markup(render_template(f"chrome/{part}.html", current=current))  # noqa: S704  # nosec B704
        if len(cache) < _MAX_CHROME:  # a deployment has one prefix; odd SCRIPT_NAMEs never grow it
            cache[key] = html
    return html


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(date=fmt_date, mg=fmt_mg, ml=fmt_ml)
    app.jinja_env.globals.update(
        chrome=chrome,
    )
    app.jinja_env.globals["EVIDENCE"] = EVIDENCE  # the screening summary's evidence line
    app.jinja_env.globals.update(DISCLAIMER=DISCLAIMER, OFF_LABEL=OFF_LABEL)  # every footer
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
