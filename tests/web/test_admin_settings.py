"""Changing the clinical settings: the generated form, validation, preview, publish, conflicts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import DEFAULT_SETTINGS, SETTING_SPECS
from ldn_screen.rules.reference_cases import reference_cases
from ldn_screen.store.audit import AuditLog
from ldn_screen.web.forms.admin import spec_hint
from tests.admin_support import (
    create_admin,
    form_fields,
    hidden_fields,
    login,
    preview,
    publish,
    settings_data,
    text_of,
)
from tests.helpers import check_page, csrf_token, post_screening

CASES = len(reference_cases(dt.date.today()))  # the impact preview's reference patients


@pytest.fixture()
def admin(app: Flask) -> FlaskClient:
    create_admin(app)
    client = app.test_client()
    login(client)
    return client


def versions(app: Flask) -> list[int]:
    return [v.number for v in app.extensions["ldn_settings"].history()]


def audit_rows(app: Flask, action: str) -> list:  # type: ignore[type-arg]
    return AuditLog(app.extensions["ldn_engine"]).search(action=action).records


def test_the_form_is_generated_from_the_setting_specs(admin: FlaskClient) -> None:
    response = admin.get("/admin/settings")
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Change the clinical settings")
    assert 'name="based_on" type="hidden" value="1"' in body
    text = text_of(response)
    for spec in SETTING_SPECS:
        assert f'name="{spec.name}"' in body, spec.name
        hint = spec_hint(spec)
        assert hint in text, spec.name  # unit, range, cited default and source
        assert spec.source.title in hint
        assert "Cited default" in hint
        if spec.unit and not spec.choices:
            assert f"In {spec.unit}." in hint
        if spec.minimum is not None:
            assert "Allowed:" in hint
    # Prefilled with the current version's values, written as people write them.
    assert re.search(r'id="target_dose_mg" name="target_dose_mg" value="4.5"', body)
    assert re.search(r'id="washout_days_short_acting"[^>]*value="10"', body)
    assert re.search(r'value="stop" checked', body)  # the hepatic-failure action
    assert re.search(r'<fieldset class="fieldset"', body)  # choices sit in a fieldset


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("target_dose_mg", "9", "The target daily dose must be 6 mg or less"),
        ("target_dose_mg", "four", "Enter the target daily dose as a number"),
        ("target_dose_mg", "", "Enter the target daily dose"),
        ("standard_start_dose_mg", "1.3", "must be a multiple of 0.25 mg"),
        ("review_weeks", "12.5", "as a whole number of weeks"),
        ("washout_days_short_acting", "20", "must not be more than after long-acting ones"),
        ("target_dose_mg", "6", "Target daily dose must not be above the maximum daily dose"),
        ("hepatic_failure_action", "ignore", "Select one of: stop, review"),
        ("clinic_phone", "0" * 41, "40 characters or fewer"),
    ],
)
def test_invalid_values_are_shown_at_the_field_and_in_the_summary(
    app: Flask, admin: FlaskClient, field: str, typed: str, message: str
) -> None:
    response = preview(admin, based_on=1, **{field: typed})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Error: Change the clinical settings")
    summary = body[body.index('class="error-summary"') : body.index("<h1>")]
    assert f'href="#{field}"' in summary and message in summary
    assert f'id="{field}-error"' in body
    at_field = body[body.index(f'id="{field}-error"') :][:400]
    assert message in at_field
    if field != "hepatic_failure_action":
        assert f'value="{typed}"' in body  # what was typed is kept
    assert 'value="3.5"' not in body  # and other values were not reset either
    assert versions(app) == [1]  # nothing saved
    assert audit_rows(app, "publish") == []


def test_preview_shows_the_differences_and_the_effect_on_reference_patients(
    app: Flask, admin: FlaskClient
) -> None:
    response = preview(admin, based_on=1, target_dose_mg="3")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Check your changes before publishing")
    text = text_of(response)
    assert "What changes (1 setting)" in text
    assert "Target daily dose 4.5 mg 3 mg" in text
    changes = body[body.index('id="h-changes"') : body.index('id="h-impact"')]
    assert "<del>4.5 mg</del>" in changes and "<ins>3 mg</ins>" in changes
    # Side by side: the standard plan now ends at 3 mg instead of 4.5 mg.
    assert "46-year-old, no opioids, standard schedule, capsules" in text
    assert "standard-capsules" in text
    row = text[text.index("standard-capsules") :][:900]
    assert "Dose plan" in row
    assert "1.5 mg → 3 mg → 4.5 mg" in row and "Changed: Standard: 1.5 mg → 3 mg, 7 days" in row
    total = len(reference_cases(dt.date.today()))
    assert re.search(
        rf"\d+ of {total} would get a different verdict, start date or dose plan", text
    )
    # Patients who get no plan are not listed as changed.
    assert "naltrexone-allergy" not in text
    # The values travel in hidden fields, with the version the admin edited.
    hidden = hidden_fields(response)
    assert hidden["target_dose_mg"] == "3" and hidden["based_on"] == "1"
    assert versions(app) == [1]  # a preview saves nothing


def test_preview_flags_a_verdict_change(admin: FlaskClient) -> None:
    text = text_of(preview(admin, based_on=1, washout_days_short_acting="7"))
    # "Not yet" to "eligible" is a less safe verdict: counted first, before any other detail.
    assert f"1 of {CASES} reference patients would move to a less safe result" in text
    impact_table = text[text.index("Effect on the reference patients") :]
    row = impact_table[impact_table.index("short-acting-8-days") :][:700]
    assert row.startswith("short-acting-8-days Verdict, start date, dose plan")
    assert "Verdict Not yet" in row and "Verdict Changed: Eligible" in row
    assert f"1 of {len(reference_cases(dt.date.today()))} would get a different verdict" in text


def test_preview_of_clinic_details_changes_no_patient(admin: FlaskClient) -> None:
    text = text_of(preview(admin, based_on=1, clinic_name="Fibromyalgia Clinic"))
    assert "Clinic name (blank) Fibromyalgia Clinic" in text
    assert "No reference patient's verdict, start date or dose plan would change." in text


def test_preview_without_a_change_asks_for_one(admin: FlaskClient) -> None:
    response = preview(admin, based_on=1)
    assert "Error: Change the clinical settings" in response.get_data(as_text=True)
    assert "You have not changed any setting" in text_of(response)


def test_publish_creates_the_next_version_with_an_audit_row(app: Flask, admin: FlaskClient) -> None:
    response = publish(admin, based_on=1, target_dose_mg="3", reason="Pilot: 3 mg target")
    assert response.status_code == 302 and response.location == "/admin/history/2"
    page = admin.get(response.location)
    text = text_of(page)
    assert "Version 2 is published." in text
    assert "Changes from version 1" in text and "Target daily dose 4.5 mg 3 mg" in text
    store = app.extensions["ldn_settings"]
    new = store.read().active
    assert (new.number, new.author, new.reason, new.based_on) == (
        2,
        "alice",
        "Pilot: 3 mg target",
        1,
    )
    assert new.settings.target_dose_mg == 3.0
    assert store.version(1).settings == DEFAULT_SETTINGS  # the old version is unchanged
    [row] = audit_rows(app, "publish")
    assert (row.actor, row.outcome, row.client) == ("alice", "success", "127.0.0.1")
    assert row.detail["version"] == 2 and row.detail["reason"] == "Pilot: 3 mg target"
    assert row.detail["changes"] == [["target_dose_mg", "4.5 mg", "3 mg"]]
    # The very next screening uses it, and says so.
    summary = text_of(post_screening(app.test_client()))
    assert "settings version 2 of" in summary and "Target 3 mg a day" in summary


def test_publish_needs_a_reason(app: Flask, admin: FlaskClient) -> None:
    response = publish(admin, based_on=1, target_dose_mg="3", reason="  ")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<title>Error: Check your changes" in body
    assert 'href="#reason">Enter the reason for this change</a>' in body
    assert hidden_fields(response)["target_dose_mg"] == "3"  # the values are still carried
    assert versions(app) == [1]


def test_change_the_values_returns_to_the_form_with_them(admin: FlaskClient) -> None:
    page = preview(admin, based_on=1, target_dose_mg="3", review_weeks="16")
    back = admin.post(
        "/admin/settings/publish", data={**hidden_fields(page), "reason": "", "action": "edit"}
    )
    body = back.get_data(as_text=True)
    assert "<title>Change the clinical settings" in body
    assert re.search(r'id="target_dose_mg"[^>]*value="3"', body)
    assert re.search(r'id="review_weeks"[^>]*value="16"', body)


def test_a_second_admin_who_edited_the_old_version_gets_a_conflict(app: Flask) -> None:
    create_admin(app)
    create_admin(app, "bob")
    alice, bob = app.test_client(), app.test_client()
    login(alice)
    login(bob, "bob")
    bobs_preview = preview(bob, based_on=1, review_weeks="20")  # bob is looking at version 1
    assert publish(alice, based_on=1, target_dose_mg="3", reason="Alice").status_code == 302

    # Bob publishes from the preview he opened before Alice published.
    data = {**hidden_fields(bobs_preview), "reason": "Bob's reason", "action": "publish"}
    refused = bob.post("/admin/settings/publish", data=data)
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    assert "<title>Error: Change the clinical settings" in body
    text = text_of(refused)
    assert "Version 2 was published by alice" in text and "not published" in text
    assert "What changed in version 2" in text and "Target daily dose 4.5 mg 3 mg" in text
    assert re.search(r'id="review_weeks"[^>]*value="20"', body)  # bob's values are kept
    assert 'name="based_on" type="hidden" value="2"' in body  # now compared with version 2
    assert versions(app) == [2, 1]
    assert [r.outcome for r in audit_rows(app, "publish")] == ["conflict", "success"]

    # Bob previews the same values again: they are now checked against version 2.
    again = bob.post("/admin/settings/preview", data=form_fields(body, "/admin/settings/preview"))
    assert "Check your changes before publishing" in text_of(again)
    assert hidden_fields(again)["target_dose_mg"] == "4.5"  # his values, not alice's
    assert hidden_fields(again)["based_on"] == "2"


def test_a_preview_of_an_outdated_version_is_a_conflict_too(app: Flask, admin: FlaskClient) -> None:
    publish(admin, based_on=1, target_dose_mg="3")
    response = preview(admin, based_on=1, review_weeks="20")
    assert "Version 2 was published by alice" in text_of(response)
    assert versions(app) == [2, 1]


def test_hand_edited_hidden_values_are_validated_again(app: Flask, admin: FlaskClient) -> None:
    page = preview(admin, based_on=1, target_dose_mg="3")
    data = {**hidden_fields(page), "target_dose_mg": "60", "reason": "x", "action": "publish"}
    response = admin.post("/admin/settings/publish", data=data)
    assert "The target daily dose must be 6 mg or less" in text_of(response)
    assert versions(app) == [1]
    [row] = audit_rows(app, "publish")
    assert row.outcome == "invalid"


def test_an_expired_form_keeps_the_values(app: Flask, admin: FlaskClient) -> None:
    data = {"csrf_token": "expired", "based_on": "1", **settings_data(review_weeks="20")}
    response = admin.post("/admin/settings/preview", data=data)
    body = response.get_data(as_text=True)
    assert "This page was open for a long time" in body
    assert re.search(r'id="review_weeks"[^>]*value="20"', body)
    assert csrf_token(body) != "expired"
    assert versions(app) == [1]


def test_text_settings_round_trip_exactly(app: Flask, admin: FlaskClient) -> None:
    name = 'St Mary\'s "Pain" <Clinic> & Co'
    response = publish(admin, based_on=1, clinic_name=name, clinic_phone="+44 20 7946 0000")
    assert response.status_code == 302
    current = app.extensions["ldn_settings"].read().active.settings
    assert current.clinic_name == name and current.clinic_phone == "+44 20 7946 0000"
    assert "<Clinic>" not in admin.get("/admin/history/2").get_data(as_text=True)  # escaped


def test_a_hand_made_publish_without_a_change_publishes_nothing(
    app: Flask, admin: FlaskClient
) -> None:
    page = preview(admin, 1, target_dose_mg="3")
    data = {**hidden_fields(page), "reason": "No real change", "action": "publish"}
    data.update(settings_data())  # the hidden values put back to the current ones by hand
    response = admin.post("/admin/settings/publish", data=data)
    assert response.status_code == 200
    assert versions(app) == [1]
    assert "change" in text_of(response).lower()


# --- Safe ranges ------------------------------------------------------------------------------

SHORT_WARNING = (
    "Warning: Opioid-free days after short-acting opioids: 5 days is below the safe range "
    "(7 days or more). The label's minimum after short-acting opioids is 7 days."
)


def test_a_value_below_the_safe_range_warns_in_the_preview_and_names_its_source(
    app: Flask, admin: FlaskClient
) -> None:
    response = preview(admin, based_on=1, washout_days_short_acting="5")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Check your changes before publishing")  # a warning, no error
    text = text_of(response)
    assert SHORT_WARNING in text
    warnings = body[body.index('id="h-departures"') : body.index('id="h-changes"')]
    assert 'class="warning-text"' in warnings and 'aria-hidden="true">!</span>' in warnings
    assert '<span class="visually-hidden">Warning:</span>' in warnings
    # The source that sets the range, with the label section by name.
    assert "Source of the safe range (Product label)" in text
    assert "f3305f0b-fb9e-4009-b28f-47fe9b1b618b" in warnings
    assert "DOSAGE AND ADMINISTRATION" in warnings
    # The second reason is asked for, and the page links to it.
    assert '<textarea class="textarea" id="departure_reason" name="departure_reason"' in body
    assert "Why depart from the safe range?" in text
    assert 'href="#departure_reason"' in warnings
    # The less safe count comes first, before the list of changes and the impact table.
    count = text.index(f"1 of {CASES} reference patients would move to a less safe result")
    assert count < text.index("Values outside the safe range") < text.index("What changes")
    assert "verdict Not yet → Eligible to start" in text
    assert versions(app) == [1]


def test_values_inside_the_safe_range_ask_for_no_departure_reason(admin: FlaskClient) -> None:
    response = preview(admin, based_on=1, washout_days_short_acting="7", review_weeks="16")
    body = response.get_data(as_text=True)
    assert "departure_reason" not in body and 'id="h-departures"' not in body
    assert "outside the safe range" not in body
    # A stricter change moves no patient to a less safe result, and says so.
    stricter = text_of(preview(admin, based_on=1, washout_days_short_acting="14"))
    assert f"0 of {CASES} reference patients would move to a less safe result" in stricter


def test_the_form_shows_the_warning_at_the_field(admin: FlaskClient) -> None:
    page = preview(admin, based_on=1, washout_days_short_acting="5", minimum_age_years="16")
    back = admin.post(
        "/admin/settings/publish", data={**hidden_fields(page), "reason": "", "action": "edit"}
    )
    body = back.get_data(as_text=True)
    page_check = check_page(body)
    assert page_check.title.startswith("Change the clinical settings")  # not an error page
    text = text_of(back)
    assert "2 values are outside the range their source supports" in text
    assert 'href="#washout_days_short_acting"' in body and 'href="#minimum_age_years"' in body
    # At the field, read out with it (aria-describedby), the typed value kept.
    assert re.search(
        r'id="washout_days_short_acting"[^>]*value="5"[^>]*'
        r'aria-describedby="washout_days_short_acting-hint washout_days_short_acting-warning"',
        body,
    )
    at_field = body[body.index('id="washout_days_short_acting-warning"') :][:600]
    assert "5 days is below the safe range (7 days or more)" in at_field
    assert "Safe range from Product label" in at_field
    assert "18 years or more" in text
    # Values inside their safe range get no warning.
    assert 'id="target_dose_mg-warning"' not in body


def test_publish_outside_the_safe_range_needs_a_departure_reason(
    app: Flask, admin: FlaskClient
) -> None:
    page = preview(admin, based_on=1, washout_days_short_acting="5", review_weeks="16")
    data = {**hidden_fields(page), "reason": "Governance 12 May", "action": "publish"}
    for missing in ("", "   "):
        refused = admin.post("/admin/settings/publish", data={**data, "departure_reason": missing})
        assert refused.status_code == 200
        body = refused.get_data(as_text=True)
        assert "<title>Error: Check your changes" in body
        assert 'href="#departure_reason">Enter why you depart from the safe range</a>' in body
        assert 'id="departure_reason-error"' in body
        # Every typed value is kept: the settings, and the reason already given.
        kept = hidden_fields(refused)
        assert kept["washout_days_short_acting"] == "5" and kept["review_weeks"] == "16"
        assert ">Governance 12 May</textarea>" in body
        assert SHORT_WARNING in text_of(refused)
    # A hand-made post without the field at all is refused the same way.
    assert "Enter why you depart" in text_of(admin.post("/admin/settings/publish", data=data))
    assert versions(app) == [1]
    assert audit_rows(app, "publish") == []


def test_publish_with_a_departure_reason_keeps_it_with_the_version_and_audit(
    app: Flask, admin: FlaskClient
) -> None:
    page = preview(admin, based_on=1, washout_days_short_acting="5")
    data = {
        **hidden_fields(page),
        "reason": "Pilot for post-operative patients",
        "departure_reason": "Dr Rahman: codeine only, 5 days, agreed at governance",
        "action": "publish",
    }
    response = admin.post("/admin/settings/publish", data=data)
    assert response.status_code == 302 and response.location == "/admin/history/2"
    new = app.extensions["ldn_settings"].read().active
    assert new.settings.washout_days_short_acting == 5
    assert new.departure_reason == "Dr Rahman: codeine only, 5 days, agreed at governance"
    [row] = audit_rows(app, "publish")
    assert row.detail["departure_reason"] == new.departure_reason
    assert row.detail["departures"] == [
        ["washout_days_short_acting", "5 days", "7 days or more", "label_opioid_free"]
    ]
    shown = admin.get("/admin/history/2")
    text = text_of(shown)
    assert "Why it departs from the safe range " + new.departure_reason in text
    assert "5 days (outside the safe range: 7 days or more)" in text
    log = text_of(admin.get("/admin/audit"))
    assert "Outside the safe range: Opioid-free days after short-acting opioids 5 days" in log
    assert "Why it departs: " + new.departure_reason in log
    # The current values still depart, so the form opens with the warning at the field.
    form = admin.get("/admin/settings").get_data(as_text=True)
    assert 'id="washout_days_short_acting-warning"' in form


def test_a_departure_reason_is_not_kept_when_nothing_departs(
    app: Flask, admin: FlaskClient
) -> None:
    page = preview(admin, based_on=1, review_weeks="16")
    data = {**hidden_fields(page), "reason": "Later review", "action": "publish"}
    response = admin.post("/admin/settings/publish", data={**data, "departure_reason": "x"})
    assert response.status_code == 302
    assert app.extensions["ldn_settings"].read().active.departure_reason is None
    [row] = audit_rows(app, "publish")
    assert "departures" not in row.detail and "departure_reason" not in row.detail


def test_an_over_long_departure_reason_does_not_block_when_nothing_departs(
    app: Flask, admin: FlaskClient
) -> None:
    # The field is not on the page then; an error on it could not be shown or fixed.
    page = preview(admin, based_on=1, review_weeks="16")
    data = {**hidden_fields(page), "reason": "Later review", "action": "publish"}
    response = admin.post("/admin/settings/publish", data={**data, "departure_reason": "x" * 9000})
    assert response.status_code == 302
    assert app.extensions["ldn_settings"].read().active.number == 2


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("washout_days_short_acting", "2", "must be 3 days or more"),
        ("washout_days_long_acting", "1", "must be 3 days or more"),
        ("target_dose_mg", "6", "Target daily dose must not be above the maximum daily dose"),
    ],
)
def test_hard_limits_are_refused_with_no_way_round(
    app: Flask, admin: FlaskClient, field: str, typed: str, message: str
) -> None:
    overrides = {field: typed}
    if field == "washout_days_short_acting":
        overrides["washout_days_long_acting"] = "14"
    response = preview(admin, based_on=1, **overrides)
    body = response.get_data(as_text=True)
    assert "<title>Error: Change the clinical settings" in body
    assert message in text_of(response)
    # Not even with a departure reason, sent by hand to the publish endpoint.
    data = {
        "csrf_token": csrf_token(admin.get("/admin/settings").get_data(as_text=True)),
        "based_on": "1",
        **settings_data(**overrides),
        "reason": "x",
        "departure_reason": "I insist",
        "action": "publish",
    }
    refused = admin.post("/admin/settings/publish", data=data)
    assert message in text_of(refused)
    assert versions(app) == [1]


def test_a_rollback_to_a_departing_version_needs_a_departure_reason(
    app: Flask, admin: FlaskClient
) -> None:
    page = preview(admin, based_on=1, minimum_age_years="16")
    data = {**hidden_fields(page), "reason": "Teen pilot", "action": "publish"}
    first = admin.post("/admin/settings/publish", data={**data, "departure_reason": "Paediatric"})
    assert first.status_code == 302
    over = publish(admin, based_on=2, minimum_age_years="18", reason="Pilot over")
    assert over.status_code == 302

    form_page = admin.get("/admin/history/2/rollback")
    body = form_page.get_data(as_text=True)
    assert "16 years is below the safe range (18 years or more)" in text_of(form_page)
    token = csrf_token(body)
    refused = admin.post(
        "/admin/history/2/rollback", data={"csrf_token": token, "based_on": "3", "reason": "Back"}
    )
    assert 'href="#departure_reason">Enter why you depart' in refused.get_data(as_text=True)
    assert versions(app) == [3, 2, 1]
    done = admin.post(
        "/admin/history/2/rollback",
        data={"csrf_token": token, "based_on": "3", "reason": "Back", "departure_reason": "Again"},
    )
    assert done.status_code == 302
    assert app.extensions["ldn_settings"].read().active.departure_reason == "Again"
