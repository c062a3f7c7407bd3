"""The screening summary's shape, without JavaScript: the decision first, then the details.

What decides the verdict (a stop, wait or review finding, a medication line awaiting
confirmation) is never inside a closed <details>; only reference material is folded, in
native <details> that open without any script. Browser tests check the same in Chromium
(tests/browser/test_summary_layout.py); these read the HTML the server sends.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from tests.helpers import post_screening

UNREAD_LINE = "zz-unknown pill 3 mg"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    folded: bool  # inside a <details> that is closed when the page loads
    index: int  # document order


@dataclass
class _Shape(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    details_open: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append(Element(tag, values, not all(self.details_open), len(self.elements)))
        if tag == "details":
            self.details_open.append("open" in values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.details_open.pop()

    def by_id(self, element_id: str) -> Element:
        (found,) = [e for e in self.elements if e.attrs.get("id") == element_id]
        return found

    def with_class(self, name: str) -> list[Element]:
        return [e for e in self.elements if name in e.attrs.get("class", "").split()]


def shape(client: FlaskClient, **overrides: str) -> tuple[_Shape, str]:
    body = post_screening(client, **overrides).get_data(as_text=True)
    parser = _Shape()
    parser.feed(body)
    return parser, html.unescape(body)


CASES = {
    "eligible": {},
    "review": {"surgery_planned": "unsure"},
    "do-not-start": {"naltrexone_allergy": "yes"},
    "not-yet": {
        "opioid_use": "recent",
        "opioid_type": "short_acting",
        "last_opioid_dose_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
    },
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_decision_and_the_actions_come_before_any_detail(
    client: FlaskClient, case: str
) -> None:
    page, _ = shape(client, **CASES[case])
    decision = page.by_id("decision")
    findings = page.by_id("h-findings")
    reason = page.with_class("verdict-reason")
    step = page.with_class("verdict-step")
    assert len(reason) == 1 and len(step) == 1
    assert decision.index < reason[0].index < step[0].index < findings.index
    actions = page.with_class("actions-top")
    assert len(actions) == 1 and decision.index < actions[0].index < findings.index
    # The three actions sit in the top group, each once on the page.
    copy = [e for e in page.elements if e.attrs.get("data-copy-target") == "chart-note"]
    assert copy[0].index > actions[0].index and copy[0].index < findings.index
    edit = [e for e in page.elements if e.tag == "form" and e.attrs.get("action") == "/edit"]
    assert len(edit) == 1 and actions[0].index < edit[0].index < findings.index
    sheet_forms = [
        e for e in page.elements if e.tag == "form" and e.attrs.get("action") == "/sheet/patient"
    ]
    if case == "do-not-start":
        assert sheet_forms == []  # no plan, no sheet
    else:
        assert len(sheet_forms) == 1 and actions[0].index < sheet_forms[0].index < findings.index
    for e in (decision, reason[0], step[0], actions[0], findings):
        assert not e.folded


@pytest.mark.parametrize("case", list(CASES))
def test_deciding_findings_are_never_folded(client: FlaskClient, case: str) -> None:
    page, _ = shape(client, **CASES[case], medication_list=f"tramadol 50 mg prn\n{UNREAD_LINE}")
    deciding = [
        e for severity in ("stop", "wait", "review") for e in page.with_class(f"finding-{severity}")
    ]
    assert deciding  # the opioid in the list is at least a review
    assert not any(e.folded for e in deciding)
    assert not any(e.folded for e in page.with_class("finding"))


def test_a_line_awaiting_confirmation_stays_open_with_its_confirm_button(
    client: FlaskClient,
) -> None:
    page, body = shape(client, medication_list=f"duloxetine 60 mg\n{UNREAD_LINE}")
    (table,) = page.with_class("med-table")
    assert not table.folded
    confirm = [
        e
        for e in page.elements
        if e.attrs.get("name") == "confirmed_not_opioid_lines"
        and UNREAD_LINE in e.attrs.get("value", "")
    ]
    assert len(confirm) == 1 and not confirm[0].folded
    assert UNREAD_LINE in body


def test_reference_material_is_folded_in_native_details(client: FlaskClient) -> None:
    page, body = shape(client, medication_list="duloxetine 60 mg daily\npregabalin 75 mg bid")
    # Reference: each heading stays in the outline, its body folds into a closed <details>.
    for heading in ("h-checked", "h-side", "h-counsel", "h-answers", "h-meds"):
        assert not page.by_id(heading).folded, heading
    folds = [e for e in page.elements if e.tag == "details"]
    assert len(folds) == 5
    assert all("open" not in e.attrs for e in folds)
    summaries = [e for e in page.elements if e.tag == "summary"]
    assert len(summaries) == 5
    # Their content is in the page (no script fetches it): opening shows it at once.
    assert "Side effects to watch for" in body
    rows = [e for e in page.with_class("summary-row") if e.folded]
    assert rows  # what was checked and the answers given are inside the folds
    (table,) = page.with_class("med-table")
    assert table.folded  # two plainly recognised medicines: reference
    # The chart note, the plan and the findings stay open.
    for element_id in ("h-note", "chart-note", "h-plan", "h-findings"):
        assert not page.by_id(element_id).folded, element_id


def test_without_javascript_the_chart_note_is_one_link_away(client: FlaskClient) -> None:
    page, _ = shape(client)
    copy = [e for e in page.elements if e.attrs.get("data-copy-target") == "chart-note"]
    # The copy buttons need the script, so they start hidden; app.js shows them.
    assert copy and all("hidden" in e.attrs for e in copy)
    links = [e for e in page.with_class("no-js-only") if e.attrs.get("href") == "#h-note"]
    assert len(links) == 1
    assert page.with_class("actions-top")[0].index < links[0].index < page.by_id("h-findings").index


def test_the_contents_list_names_only_the_sections_on_the_page(client: FlaskClient) -> None:
    for overrides in ({}, {"naltrexone_allergy": "yes"}):
        page, _ = shape(client, **overrides)
        nav = page.with_class("contents")
        assert len(nav) == 1
        targets = [
            e.attrs["href"][1:]
            for e in page.elements
            if e.tag == "a" and e.attrs.get("href", "").startswith("#h-")
        ]
        for target in targets:
            page.by_id(target)  # exactly one, or this fails
        assert ("h-plan" in targets) is (overrides == {})  # no plan for "do not start"
