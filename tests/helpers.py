"""Helpers for the tests: the real CSRF token, a complete set of answers, and the page
contract every HTML page must meet. Fixtures live in conftest.py; these are imported."""

from __future__ import annotations

import copy
import datetime as dt
import html as html_module
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

from ldn_screen.web.forms.screening import CONDITION_GROUPS, YES_NO_CONDITIONS


def today() -> dt.date:
    """The date now, asked afresh each time: a run that crosses midnight must not post
    yesterday as a start date ("today or later")."""
    return dt.date.today()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def valid_answers(**overrides: str) -> dict[str, str]:
    """A complete, eligible set of answers as the browser would post them."""
    answers = {
        "age_years": "45",
        "pregnant_or_planning": "no",
        "breastfeeding": "no",
        "fibromyalgia_diagnosed": "yes",
        "opioid_use": "none",
        "opioid_dependence": "no",
        "opioid_withdrawal": "no",
        "kratom_or_similar": "no",
        "medication_list": "duloxetine 60 mg daily\npregabalin 75 mg bid",
        "naltrexone_now": "no",
        "naltrexone_allergy": "no",
        "naloxone_allergy": "no",
        "acute_hepatitis_or_liver_failure": "no",
        "other_liver_disease": "no",
        "kidney_impairment": "no",
        "transplant_or_immunosuppressant": "no",
        "surgery_planned": "no",
        "thyroid_condition": "no",
        "sensitive_to_medicines": "no",
        "start_on": today().isoformat(),
        "formulation": "capsule",
        "schedule": "standard",
        "baseline_pain_nrs": "7",
    }
    answers.update(overrides)
    return answers


def browser_answers(**overrides: str) -> list[tuple[str, str]]:
    """``valid_answers`` as a clinician gives them on the page: each checklist ticks the
    questions answered "yes" or "unsure" (their follow-up gets that answer), or "None of
    these apply" when every one is "no". (name, value) pairs: a checkbox or radio to check,
    or a text field to fill."""
    answers = valid_answers(**overrides)
    pairs: list[tuple[str, str]] = []
    grouped = {q: g for g in CONDITION_GROUPS for q in g.items}
    for name, value in answers.items():
        group = grouped.get(name)
        if group is None:
            pairs.append((name, value))
            continue
        if name == group.items[0]:  # the list's place on the page: where its first item is
            ticked = [q for q in group.items if answers[q] != "no"]
            pairs += [(group.name, q) for q in ticked] or [(group.name, "none")]
        if value == "unsure" or (value == "yes" and name not in YES_NO_CONDITIONS):
            pairs.append((name, value))  # the follow-up
    return pairs


def post_screening(client: FlaskClient, **overrides: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post("/", data={"csrf_token": token, **valid_answers(**overrides)})


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h1: list[str] = []
        self.title = ""
        self.forms: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.labels_for: set[str] = set()
        self.links: list[str] = []
        self._in: str | None = None
        self._fieldset_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag in {"h1", "title"}:
            self._in = tag
            if tag == "h1":
                self.h1.append("")
        elif tag == "form":
            self.forms.append(a)
        elif tag in {"input", "textarea", "select"} and a.get("type") != "hidden":
            self.inputs.append(a)
        elif tag == "label" and a.get("for"):
            self.labels_for.add(a["for"] or "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1[-1] += data


def check_page(html: str) -> _PageParser:
    """The page contract every HTML page must meet (after GOV.UK Notify's page check)."""
    page = _PageParser()
    page.feed(html)
    assert len(page.h1) == 1, f"expected exactly one h1, found {page.h1}"
    h1 = " ".join(page.h1[0].split())
    title = " ".join(page.title.split())
    assert title.removeprefix("Error: ").startswith(h1), f"title {title!r} must start with {h1!r}"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in page.forms:
        assert form.get("action"), "every form needs an action"
    for field in page.inputs:
        if field.get("type") in {"submit", "button"}:
            continue
        assert field.get("id") in page.labels_for, f"input {field.get('id')} has no label"
    for href in page.links:
        if href.startswith("#") and len(href) > 1:
            assert href[1:] in page.ids, f"link {href} points to no element"
    return page


def check_error_page(response, field: str, message: str) -> str:  # type: ignore[no-untyped-def]
    """A form shown again for bad input: status 200, the "Error: " title, the message in the
    error summary (linking to the field) and at the field, never WTForms' own wording.
    Returns the raw page for the caller's checks that the other answers were kept."""
    assert response.status_code == 200
    raw: str = response.get_data(as_text=True)
    page = check_page(raw)
    body = html_module.unescape(raw)
    assert page.title.startswith("Error: ")
    assert "There is a problem" in body
    summary_link = re.search(rf'<a href="#{field}">([^<]+)</a>', body)
    assert summary_link and message in summary_link.group(1), body[:3000]
    assert re.search(rf'id="{field}-error">.*{re.escape(message)}', body)
    assert "Not a valid choice" not in body
    return raw


class PageCheckingClient(FlaskClient):
    """The test client, with the page contract (``check_page``) run on every HTML page it
    fetches with a 2xx status, as GOV.UK Notify's ``client_request`` does: no test can forget
    it. A test that fetches a deliberately broken page sets ``check_pages = False``."""

    check_pages = True

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        if (
            self.check_pages
            and not 300 <= response.status_code < 400  # a redirect's body is Werkzeug's
            and response.mimetype == "text/html"
            and response.request.method != "HEAD"  # a HEAD answer has no body to check
        ):
            check_page(response.get_data(as_text=True))
        return response


def json_paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path (keys and indexes) into a parsed JSON value, the root included."""
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from json_paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from json_paths(v, (*at, i))


def replaced_at(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``body`` with the value at ``path`` (not the root) replaced by ``new``."""
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return body
