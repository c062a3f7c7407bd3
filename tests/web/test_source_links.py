"""Sources on the pages: each one a link a clinician can open, through the real form with CSRF."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from ldn_screen.rules import SETTING_SPECS
from ldn_screen.rules.evidence import EVIDENCE
from ldn_screen.rules.sources import SOURCES, EvidenceKind
from tests.admin_support import create_admin, login
from tests.helpers import post_screening
from tests.web.source_links import linked


class _Sources(HTMLParser):
    """Each <p class="source"> of the page: its text and the links in it."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, list[tuple[str, str]]]] = []
        self._depth = 0
        self._href: str | None = None
        self._text: list[str] = []
        self._links: list[tuple[str, str]] = []
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "p" and "source" in (a.get("class") or "").split():
            self._depth, self._text, self._links = 1, [], []
        elif self._depth and tag == "a":
            self._href, self._link_text = a.get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == "a" and self._href is not None:
            self._links.append((self._href, "".join(self._link_text)))
            self._href = None
        elif self._depth and tag == "p":
            self.items.append((" ".join("".join(self._text).split()), self._links))
            self._depth = 0

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)
            if self._href is not None:
                self._link_text.append(data)


def _sources(body: str) -> list[tuple[str, list[tuple[str, str]]]]:
    parser = _Sources()
    parser.feed(body)
    return parser.items


def _review_case(client: FlaskClient) -> str:
    response = post_screening(
        client,
        pregnant_or_planning="yes",
        breastfeeding="yes",
        kidney_impairment="unsure",
        naloxone_allergy="yes",
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return body


def test_every_finding_on_the_summary_cites_its_source_as_a_link(client: FlaskClient) -> None:
    body = _review_case(client)
    text = html.unescape(body)
    assert "Screening result: Prescriber review needed" in text
    findings = text[text.index('id="h-findings"') : text.index("</ol>", text.index("h-findings"))]
    for key in ("label_pregnancy", "lactation_disagree", "label_naloxone_cross"):
        assert linked(key) in findings, key
    # The unknown kidney answer cites the clinic's policy, labelled for local confirmation.
    assert "Source (Clinic policy: confirm locally): An unknown answer is never read" in findings
    items = [i for i in _sources(body) if i[0].startswith("Source")]
    assert len(items) >= 4
    for item_text, links in items:
        if "Clinic policy: confirm locally" in item_text:
            continue
        assert links, item_text
        href, title = links[0]
        assert href.startswith("https://") and title in item_text
        assert any(s.url == href and s.title == title for s in SOURCES.values()), (href, title)
    # Facts whose label wording was not read in the label say so next to the source.
    assert findings.count("Verify against the label.") >= 3


def test_the_summary_shows_the_evidence_line_by_the_verdict(client: FlaskClient) -> None:
    body = html.unescape(_review_case(client))
    verdict = body.index('class="verdict ')
    evidence = body.index("<strong>Evidence:</strong>")
    assert verdict < evidence < body.index('id="h-findings"')
    line = body[evidence : body.index("</p>", evidence)]
    assert EVIDENCE.sentence in line
    assert '<a href="https://doi.org/10.1016/S2665-9913(23)00278-3">FINAL 2024' in line
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/34992118/">INNOVA protocol' in line
    assert "not yet confirmed" in line  # INNOVA's results are not cited until confirmed


def test_counselling_points_cite_vivitrol_text_as_vivitrol_and_ask_to_verify(
    client: FlaskClient,
) -> None:
    body = html.unescape(_review_case(client))
    counsel = body[body.index('id="h-counsel"') :]
    counsel = counsel[: counsel.index("</section>")]
    assert linked("label_opioid_products") in counsel
    assert "VIVITROL label, not the tablet label" in counsel
    assert "Verify against the tablet label." in counsel


def test_no_page_shows_the_seed_a_shared_file_or_a_secondary_page(client: FlaskClient) -> None:
    pages = [
        _review_case(client),
        post_screening(client).get_data(as_text=True),
        post_screening(
            client, opioid_use="current", ultra_low_dose_protocol="yes", opioid_type="short_acting"
        ).get_data(as_text=True),
    ]
    for page in pages:
        lowered = html.unescape(page).lower()
        for banned in ("shared/", "seed", "droracle", "blogspot", "ldnresearchtrust.org", ".txt"):
            assert banned not in lowered, banned


def test_the_admin_settings_page_links_the_source_of_each_default(app: Flask) -> None:
    create_admin(app)
    admin = app.test_client()
    login(admin)
    for path in ("/admin/settings", "/admin/history/1"):
        response = admin.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        for spec in SETTING_SPECS:
            s = spec.source
            if s.kind is EvidenceKind.POLICY:
                assert escape(s.title) in body, (path, s.key)
            else:
                link = f'<a href="{escape(s.url)}">{escape(s.title)}</a>'
                assert link in body, (path, s.key)
        assert re.search(r"Verify against the tablet label\.", body), path  # label_switching
