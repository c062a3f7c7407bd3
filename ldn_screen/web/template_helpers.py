"""Filters and globals the templates share: one way to write a dose, a volume or a date."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup, escape
from wtforms import Field

from ..forms import Checkboxes, ConditionList, DateInput, Radios
from ..rules.evidence import EVIDENCE
from ..rules.opioids import CATEGORY_LABELS, LINE_KIND_LABELS
from ..rules.units import fmt_date, fmt_mg, fmt_ml


def answer_rows(form, notes: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(question, answer as shown, field id) for the check-your-answers list.

    ``notes`` replaces the shown answer of a field whose answer the rules did not follow
    (a chosen schedule that other answers changed), so the list never contradicts the plan."""
    rows: list[tuple[str, str, str]] = []
    notes = notes or {}
    for field in form:
        # A checklist's answers are shown per question, on the questions' own rows.
        if field.type in {"CSRFTokenField", "HiddenField"} or isinstance(field, ConditionList):
            continue
        shown = notes.get(field.name) or display_value(field)
        if shown:
            rows.append((str(field.label.text), shown, field.id))
    return rows


def display_value(field: Field) -> str:
    if isinstance(field, Radios):
        return dict(field.options).get(field.data, "")
    if isinstance(field, Checkboxes):
        labels = dict(field.options)
        # Labels such as "Jaw, left" hold commas, so the list uses semicolons.
        return "; ".join(labels[v] for v in field.data or [] if v in labels)
    if isinstance(field, DateInput):
        return fmt_date(field.date) if field.date else ""
    if field.type == "TextAreaField":
        text = (field.data or "").strip()
        return f"{len(text.splitlines())} line(s) pasted" if text else ""
    return (field.data or "").strip()


def hidden_answers(form, exclude: tuple[str, ...] = ()) -> Markup:
    """Every answer as hidden inputs, so "Change answers" posts them back (never in a URL).

    Built here rather than in a template loop: it runs on every summary, for ~40 fields."""
    parts: list[str] = []
    for field in form:
        if field.type == "CSRFTokenField" or field.name in exclude:
            continue
        if isinstance(field, Checkboxes):
            values = field.data or []
        else:
            values = ["" if field.data is None else field.data]
        # Field names are Python identifiers; every value is escaped.
        parts += [f'<input type="hidden" name="{field.name}" value="{escape(v)}">' for v in values]
    return Markup("".join(parts))  # noqa: S704  # nosec B704


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


def form_errors(form) -> list[Field]:
    """Fields with errors, in page order, for the error summary (the CSRF token excluded)."""
    return [f for f in form if f.errors and f.type != "CSRFTokenField"]


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(date=fmt_date, mg=fmt_mg, ml=fmt_ml)
    app.jinja_env.globals.update(
        answer_rows=answer_rows,
        form_errors=form_errors,
        hidden_answers=hidden_answers,
        chrome=chrome,
        line_kind_labels=LINE_KIND_LABELS,
        category_labels=CATEGORY_LABELS,
    )
    app.jinja_env.globals["EVIDENCE"] = EVIDENCE  # the screening summary's evidence line
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
