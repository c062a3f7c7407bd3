"""The Spanish sheet in the web layer: chosen by the nurse (a form field, posted with the
answers from a summary), printed with ``lang="es-US"``, as a draft until a named reviewer's
sign-off for the current English text is published in a settings version, and back to draft
when the English changes."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from ldn_screen.store.audit import AuditLog
from ldn_screen.translations import catalogues
from ldn_screen.web import i18n
from tests.admin_support import create_admin, login, publish
from tests.helpers import check_page, post_screening, today
from tests.web.test_sheet_from_summary import SHEET_ACTION, sheet_form, text_of

DRAFT_BAND = "Traducción preliminar: aún no revisada / Draft translation: not yet reviewed"
REVIEWER = {
    "es_reviewer_name": "Dra. Ana Ruiz",
    "es_reviewer_role": "Bilingual nurse practitioner",
    "es_reviewed_on": "2026-11-30",
}


def reprint(client: FlaskClient, language: str | None = "es_US", **plan: str) -> TestResponse:
    query = {"schedule": "standard", "start": today().isoformat(), "formulation": "capsule", **plan}
    if language:
        query["language"] = language
    return client.get("/sheet/print", query_string=query, follow_redirects=True)


def sign_off(app: Flask, english_version: str, reason: str = "Spanish sheet reviewed") -> int:
    store = app.extensions["ldn_settings"]
    current = store.read().active
    values = {
        **current.settings.as_dict(),
        **REVIEWER,
        "es_reviewed_english_version": english_version,
    }
    return store.publish(values, "admin", reason, current.number).number


def article(response: TestResponse) -> str:
    body = response.get_data(as_text=True)
    return body[body.index("<article") : body.index("</article>")]


def test_the_chooser_offers_spanish_as_a_draft_and_prints_it_with_the_band(
    client: FlaskClient,
) -> None:
    chooser = client.get("/sheet").get_data(as_text=True)
    assert 'name="language"' in chooser
    assert "Spanish (español), draft translation: not yet reviewed" in chooser
    assert "draft-note" in chooser
    response = reprint(client)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="es-US">' in body
    assert DRAFT_BAND in text_of(response)
    assert "language=es_US" in response.request.url  # the plan's link keeps its language
    check_page(body)
    # The staff line says where the text comes from, in English.
    staff = re.search(r'<p class="sheet-staff print-only" lang="en">(.*?)</p>', body, re.S)
    assert staff and "of English version " + i18n.english_version() in staff.group(1)
    assert "Not yet reviewed" in staff.group(1)


def test_an_english_sheet_has_no_band_and_the_bilingual_card(client: FlaskClient) -> None:
    response = reprint(client, language=None)
    body = response.get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Traducción preliminar" not in body
    card = article(response)
    assert '<li lang="en">I take naltrexone: opioids may not work.</li>' in card
    assert '<li lang="es-US">Tomo naltrexona: los opioides pueden no funcionar.</li>' in card


def test_the_spanish_article_has_no_english_outside_lang_en(client: FlaskClient) -> None:
    for plan in (
        {},
        {"schedule": "gentle", "formulation": "liquid", "mg_per_ml": "1"},
    ):
        part = article(reprint(client, **plan))
        # Drop what is marked English on purpose (the card's English alert, the staff line).
        part = re.sub(r'<(\w+)[^>]* lang="en"[^>]*>.*?</\1>', " ", part, flags=re.S)
        words = set(re.findall(r"[a-z]+", html.unescape(re.sub(r"<[^>]+>", " ", part)).lower()))
        english = {"the", "your", "you", "take", "and", "with", "dose", "pain", "clinic", "day"}
        assert words & english == set(), plan
        assert "Tomo naltrexona: los opioides pueden no funcionar." in part


def test_a_sign_off_for_the_current_english_makes_spanish_reviewed(
    app: Flask, client: FlaskClient
) -> None:
    sign_off(app, i18n.english_version())
    chooser = client.get("/sheet").get_data(as_text=True)
    assert "Spanish (español)" in chooser
    assert "draft translation: not yet reviewed" not in chooser
    response = reprint(client)
    assert "Traducción preliminar" not in response.get_data(as_text=True)
    staff = text_of(response)
    assert "Reviewed by Dra. Ana Ruiz (Bilingual nurse practitioner) on 2026-11-30." in staff


def test_a_sign_off_for_another_english_version_leaves_spanish_a_draft(
    app: Flask, client: FlaskClient
) -> None:
    sign_off(app, "0123456789abcdef")
    assert DRAFT_BAND in text_of(reprint(client))


def test_a_changed_english_sentence_sends_spanish_back_to_draft(
    app: Flask, client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reviewed, then an English sentence changes and the translator updates the catalogue
    for it: the old sign-off no longer covers the text, so the sheet is a draft again."""
    sign_off(app, i18n.english_version())
    assert i18n.review_state(app.extensions["ldn_settings"].read().active.settings) == "reviewed"
    root = tmp_path / "translations"
    shutil.copytree(catalogues.HERE, root, ignore=shutil.ignore_patterns("*.mo", "*.py"))
    old, new = "Bring this sheet to your review.", "Bring this sheet to every review."
    pot = root / "messages.pot"
    pot.write_text(pot.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    changed = catalogues.english_version(pot)
    assert changed != i18n.english_version()
    po = root / "es_US" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8").replace(old, new)
    po.write_text(text.replace(i18n.english_version(), changed), encoding="utf-8")
    monkeypatch.setattr(catalogues, "HERE", root)
    monkeypatch.setattr(catalogues, "TEMPLATE", pot)
    i18n.english_version.cache_clear()
    i18n.catalogue_status.cache_clear()
    try:
        settings = app.extensions["ldn_settings"].read().active.settings
        assert i18n.catalogue_status("es_US").complete
        assert i18n.review_state(settings) == "draft"
        assert "draft translation: not yet reviewed" in client.get("/sheet").get_data(as_text=True)
    finally:
        i18n.english_version.cache_clear()
        i18n.catalogue_status.cache_clear()


def test_an_incomplete_catalogue_is_never_offered(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An English sentence the catalogue does not cover: Spanish is not offered at all, and a
    request for it is refused rather than printed half in English."""
    root = tmp_path / "translations"
    shutil.copytree(catalogues.HERE, root, ignore=shutil.ignore_patterns("*.mo", "*.py"))
    pot = root / "messages.pot"
    pot.write_text(
        pot.read_text(encoding="utf-8") + '\nmsgid "A brand new sentence."\nmsgstr ""\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(catalogues, "HERE", root)
    monkeypatch.setattr(catalogues, "TEMPLATE", pot)
    i18n.english_version.cache_clear()
    i18n.catalogue_status.cache_clear()
    try:
        assert not i18n.catalogue_status("es_US").complete
        assert "Spanish" not in client.get("/sheet").get_data(as_text=True)
        response = reprint(client)
        assert response.status_code == 400
        assert "That language is not offered" in text_of(response)
    finally:
        i18n.english_version.cache_clear()
        i18n.catalogue_status.cache_clear()


def test_the_summary_offers_the_language_in_the_posted_form(client: FlaskClient) -> None:
    summary = post_screening(client)
    body = summary.get_data(as_text=True)
    form = body[body.index(f'action="{SHEET_ACTION}"') :]
    form = form[: form.index("</form>")]
    assert '<select id="sheet-language" name="language"' in form
    assert '<option value="es_US">Spanish (draft, not reviewed)</option>' in form
    _, fields, _ = sheet_form(summary)
    response = client.post(SHEET_ACTION, data=MultiDict([*fields, ("language", "es_US")]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="es-US">' in page
    assert "Su plan de naltrexona en dosis baja (LDN)" in page
    assert response.request.url.endswith(SHEET_ACTION)  # nothing in the address
    refused = client.post(SHEET_ACTION, data=MultiDict([*fields, ("language", "fr")]))
    assert refused.status_code == 422


def test_the_admin_records_the_sign_off_with_a_reason_and_an_audit_row(
    app: Flask, client: FlaskClient
) -> None:
    create_admin(app)
    login(client)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Spanish sheet: translation sign-off" in page
    assert f'<strong class="english-version">{i18n.english_version()}</strong>' in page
    assert "a draft: not yet reviewed for this English version" in page
    response = publish(
        client,
        based_on=1,
        reason="Spanish sheet checked line by line",
        es_reviewed_english_version=i18n.english_version(),
        **REVIEWER,
    )
    assert response.status_code == 302
    new = app.extensions["ldn_settings"].read().active
    assert (new.reason, new.settings.es_reviewer_name) == (
        "Spanish sheet checked line by line",
        "Dra. Ana Ruiz",
    )
    rows = AuditLog(app.extensions["ldn_engine"]).search(action="publish").records
    assert rows and rows[-1].detail["reason"] == "Spanish sheet checked line by line"
    assert ["es_reviewer_name", "(blank)", "Dra. Ana Ruiz"] in rows[-1].detail["changes"]
    assert "Traducción preliminar" not in reprint(client).get_data(as_text=True)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert '<strong class="spanish-state">reviewed</strong>' in page


def test_a_half_filled_sign_off_is_refused_field_by_field(app: Flask, client: FlaskClient) -> None:
    from ldn_screen.rules.settings import validate_values

    values = {**app.extensions["ldn_settings"].read().active.settings.as_dict()}
    values["es_reviewer_name"] = "Dra. Ana Ruiz"
    errors = validate_values(values)
    assert set(errors) == {"es_reviewer_role", "es_reviewed_on", "es_reviewed_english_version"}
    values.update(REVIEWER, es_reviewed_on="30/11/2026", es_reviewed_english_version="xyz")
    errors = validate_values(values)
    assert set(errors) == {"es_reviewed_on", "es_reviewed_english_version"}
