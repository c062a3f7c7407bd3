"""RuleSettings: cited defaults validate; bad values are refused field by field."""

from __future__ import annotations

import re

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS, SETTING_SPECS, RuleSettings, SettingsError
from ldn_screen.rules.dosing import titration_doses
from ldn_screen.rules.settings import (
    MAX_TITRATION_STEPS,
    SIGN_OFF_FIELDS,
    SPECS_BY_NAME,
    departures,
    narrows,
    safe_bounds,
    safe_range_text,
    validate_values,
)
from ldn_screen.rules.sources import SOURCES, EvidenceKind


def values(**overrides: object) -> dict[str, object]:
    v = DEFAULT_SETTINGS.as_dict()
    v.update(overrides)
    return v


def test_defaults_validate() -> None:
    assert DEFAULT_SETTINGS.validate() == {}


def test_every_setting_has_a_unit_range_default_and_source() -> None:
    names = {s.name for s in SETTING_SPECS}
    assert names == set(DEFAULT_SETTINGS.as_dict())
    for spec in SETTING_SPECS:
        assert spec.source.title, spec.name
        assert spec.why, spec.name
        if spec.unit:
            # Units live in the name too, so a reader of the rules never guesses.
            assert set(spec.name.split("_")) & {"mg", "days", "weeks", "ml", "pct", "years"}, (
                spec.name
            )


BAD = [
    ({"target_dose_mg": 6.0, "max_dose_mg": 4.5}, "target_dose_mg", "above the maximum"),
    ({"standard_start_dose_mg": 6.0}, "standard_start_dose_mg", "above the target"),
    ({"gentle_start_dose_mg": 6.0}, "gentle_start_dose_mg", "above the target"),
    ({"gentle_start_dose_mg": 2.0}, "gentle_start_dose_mg", "above the standard"),
    ({"washout_days_short_acting": 20}, "washout_days_short_acting", "not be more than"),
    ({"max_dose_mg": 6.25}, "max_dose_mg", "6 mg or less"),
    # Hard limits: no source justifies an opioid-free interval under 3 days (issue 12).
    ({"washout_days_long_acting": 0}, "washout_days_long_acting", "3 days or more"),
    ({"washout_days_short_acting": 2}, "washout_days_short_acting", "3 days or more"),
    (
        {"washout_days_short_acting": 1, "washout_days_long_acting": 2},
        "washout_days_long_acting",
        "3 days or more",
    ),
    ({"standard_step_mg": 0.3}, "standard_step_mg", "multiple of 0.25"),
    ({"review_weeks": 12.5}, "review_weeks", "whole number"),
    ({"target_dose_mg": "4.5"}, "target_dose_mg", "as a number"),
    ({"target_dose_mg": float("nan")}, "target_dose_mg", "as a number"),
    ({"target_dose_mg": True}, "target_dose_mg", "as a number"),
    ({"hepatic_failure_action": "ignore"}, "hepatic_failure_action", "Select one of"),
    # The IMMPACT bands stay in order: minimal < moderate (responder_pct) < substantial.
    ({"responder_pct_minimal": 30}, "responder_pct_minimal", "smaller reduction"),
    ({"responder_pct_minimal": 35}, "responder_pct_minimal", "smaller reduction"),
    ({"responder_pct_substantial": 30}, "responder_pct_substantial", "larger reduction"),
    ({"responder_pct": 50}, "responder_pct_substantial", "larger reduction"),
    ({"responder_pct_substantial": 101}, "responder_pct_substantial", "100% or less"),
    ({"responder_pct_minimal": 0}, "responder_pct_minimal", "1% or more"),
    ({"diagnosis_not_met_action": "stop"}, "diagnosis_not_met_action", "Select one of"),
    ({"clinic_phone": "0" * 41}, "clinic_phone", "40 characters or fewer"),
    ({"surprise": 1}, "surprise", "not a known setting"),
    (
        {"gentle_start_dose_mg": 0.25, "gentle_step_mg": 0.25, "target_dose_mg": 4.5},
        "gentle_step_mg",
        "would need 18 steps",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD)
def test_bad_settings_are_refused_at_the_field(overrides: dict, field: str, message: str) -> None:  # type: ignore[type-arg]
    errors = validate_values(values(**overrides))
    assert field in errors
    assert any(message in m for m in errors[field]), errors[field]
    with pytest.raises(SettingsError):
        RuleSettings.from_dict(values(**overrides))


def test_missing_setting_is_refused() -> None:
    v = values()
    del v["review_weeks"]
    assert "review_weeks" in validate_values(v)


def test_from_dict_round_trips() -> None:
    s = RuleSettings.from_dict(
        values(target_dose_mg=6.0, max_dose_mg=6.0, clinic_name="Pain clinic")
    )
    assert s.target_dose_mg == 6.0 and s.clinic_name == "Pain clinic"
    assert RuleSettings.from_dict(s.as_dict()) == s


def test_new_defaults_are_the_cited_ones() -> None:
    assert DEFAULT_SETTINGS.responder_pct_minimal == 10
    assert DEFAULT_SETTINGS.responder_pct == 30
    assert DEFAULT_SETTINGS.responder_pct_substantial == 50
    assert DEFAULT_SETTINGS.diagnosis_not_met_action == "review"
    specs = {s.name: s for s in SETTING_SPECS}
    assert specs["responder_pct_substantial"].source.key == "immpact_2008"
    assert specs["responder_pct_minimal"].source.key == "immpact_2008"
    assert specs["diagnosis_not_met_action"].choices == ("review", "caution")


def test_each_setting_is_declared_once_with_everything_the_messages_and_form_need() -> None:
    import dataclasses

    from ldn_screen.rules.settings import SettingKind, SettingSpec

    fields = {f.name: f for f in dataclasses.fields(RuleSettings)}
    assert list(fields) == [s.name for s in SETTING_SPECS]
    for spec in SETTING_SPECS:
        assert spec.noun.startswith(("the ", "what ")), spec.name
        assert getattr(DEFAULT_SETTINGS, spec.name) == spec.default
        expected = {"int": SettingKind.WHOLE, "float": SettingKind.DECIMAL, "str": SettingKind.TEXT}
        kind = SettingKind.CHOICE if spec.choices else expected[str(fields[spec.name].type)]
        assert spec.kind is kind, spec.name
    with pytest.raises(TypeError):  # keyword arguments only: no argument can slip one place
        SettingSpec(*[None] * 13)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "step", "target", "steps"),
    [(0.5, 0.5, 6.0, 12), (0.25, 0.5, 6.0, 13), (0.25, 0.25, 3.0, 12), (0.25, 0.25, 3.25, 13)],
)
def test_titration_is_limited_to_what_the_printed_calendar_holds(
    start: float, step: float, target: float, steps: int
) -> None:
    assert len(titration_doses(start, step, target)) == steps
    errors = validate_values(
        values(
            gentle_start_dose_mg=start,
            gentle_step_mg=step,
            standard_start_dose_mg=max(start, 1.5) if target >= 1.5 else start,
            target_dose_mg=target,
            max_dose_mg=6.0,
        )
    )
    assert ("gentle_step_mg" in errors) is (steps > MAX_TITRATION_STEPS)


# --- Safe ranges ------------------------------------------------------------------------------


def test_every_clinical_setting_has_a_safe_range_with_a_source() -> None:
    for spec in SETTING_SPECS:
        if spec.name in {"clinic_name", "clinic_phone", "cds_override_reasons", *SIGN_OFF_FIELDS}:
            assert spec.safe is None  # text with no clinical threshold
            continue
        assert spec.safe is not None, spec.name
        assert spec.safe.why, spec.name
        assert SOURCES[spec.safe.source.key] is spec.safe.source, spec.name
        lo, hi = safe_bounds(spec)
        if spec.choices:
            assert spec.safe.choices and set(spec.safe.choices) <= set(spec.choices), spec.name
            assert spec.default in spec.safe.choices, spec.name
            continue
        # The safe range lies inside the hard limits, and the cited default inside it.
        assert spec.minimum is not None and spec.maximum is not None
        assert lo is not None and hi is not None
        assert spec.minimum <= lo <= spec.default <= hi <= spec.maximum, spec.name


# The table a prescriber signs off: (setting, safe range as shown, source key).
SAFE_TABLE = [
    ("washout_days_short_acting", "7 days or more", "label_opioid_free"),
    ("washout_days_long_acting", "14 days or more", "policy_long_acting_floor"),
    ("standard_start_dose_mg", "1.5 mg or less", "hdrx_dosing"),
    ("standard_step_mg", "1.5 mg or less", "hdrx_dosing"),
    ("standard_step_interval_days", "7 days or more", "hdrx_dosing"),
    ("gentle_start_dose_mg", "0.5 mg or less", "ldnrt_sensitive"),
    ("gentle_step_mg", "0.5 mg or less", "ldnrt_sensitive"),
    ("gentle_step_interval_days", "14 days or more", "ldnrt_sensitive"),
    ("target_dose_mg", "the whole allowed range (no source narrows it)", "final_trial"),
    ("max_dose_mg", "the whole allowed range (no source narrows it)", "final_trial"),
    ("liquid_mg_per_ml", "the whole allowed range (no source narrows it)", "fawcett_1997"),
    ("review_weeks", "the whole allowed range (no source narrows it)", "review_point"),
    ("responder_pct", "30% or more", "immpact_2008"),
    ("responder_pct_substantial", "50% or more", "immpact_2008"),
    ("responder_pct_minimal", "10% to 20%", "immpact_2008"),
    ("surgery_hold_days", "2 days or more", "surgery_moser"),
    ("surgery_review_days_before_start", "14 days or more", "policy_surgery_window"),
    ("hepatic_failure_action", "any of the choices", "label_hepatic_versions"),
    ("diagnosis_not_met_action", "review only", "policy_diagnosis"),
    ("minimum_age_years", "18 years or more", "trial_ages"),
]


def test_the_safe_range_table() -> None:
    assert {row[0] for row in SAFE_TABLE} == {s.name for s in SETTING_SPECS if s.safe}
    for name, shown, key in SAFE_TABLE:
        spec = SPECS_BY_NAME[name]
        assert safe_range_text(spec) == shown, name
        assert spec.safe is not None and spec.safe.source.key == key, name


def test_label_safe_ranges_cite_the_tablet_label_by_section_name() -> None:
    # The DailyMed tablet label is old-format: sections have names, never numbers like 5.4.
    for spec in SETTING_SPECS:
        if spec.safe is None or not narrows(spec) or spec.safe.source.kind != EvidenceKind.LABEL:
            continue
        reference = spec.safe.source.reference
        assert "f3305f0b-fb9e-4009-b28f-47fe9b1b618b" in reference, spec.name
        assert "DOSAGE AND ADMINISTRATION" in reference, spec.name
        assert not re.search(r"\b\d+\.\d+\b", reference), reference


def test_the_cited_defaults_are_inside_every_safe_range() -> None:
    assert departures(DEFAULT_SETTINGS.as_dict()) == ()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # The label's 7 days is the edge: 7 is safe, 6 departs (and 3, the hard limit, too).
        ({"washout_days_short_acting": 7}, []),
        ({"washout_days_short_acting": 6}, [("washout_days_short_acting", "below")]),
        ({"washout_days_short_acting": 3}, [("washout_days_short_acting", "below")]),
        ({"washout_days_long_acting": 13}, [("washout_days_long_acting", "below")]),
        ({"washout_days_long_acting": 90}, []),  # longer is more cautious
        ({"standard_start_dose_mg": 1.75}, [("standard_start_dose_mg", "above")]),
        ({"standard_start_dose_mg": 0.5}, []),
        ({"standard_step_interval_days": 6}, [("standard_step_interval_days", "below")]),
        ({"gentle_step_interval_days": 7}, [("gentle_step_interval_days", "below")]),
        ({"responder_pct": 25}, [("responder_pct", "below")]),
        ({"responder_pct_minimal": 21}, [("responder_pct_minimal", "above")]),
        ({"responder_pct_minimal": 9}, [("responder_pct_minimal", "below")]),
        ({"surgery_hold_days": 1}, [("surgery_hold_days", "below")]),
        (
            {"surgery_review_days_before_start": 7},
            [("surgery_review_days_before_start", "below")],
        ),
        ({"minimum_age_years": 16}, [("minimum_age_years", "below")]),
        ({"diagnosis_not_met_action": "caution"}, [("diagnosis_not_met_action", "choice")]),
        ({"hepatic_failure_action": "review"}, []),  # the current label: a warning
        ({"target_dose_mg": 6.0, "max_dose_mg": 6.0}, []),  # FINAL's dose
        ({"clinic_name": "x" * 120}, []),
        (
            {"washout_days_short_acting": 5, "minimum_age_years": 17},
            [("washout_days_short_acting", "below"), ("minimum_age_years", "below")],
        ),
    ],
)
def test_departures_from_the_safe_range(
    overrides: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    v = values(**overrides)
    assert validate_values(v) == {}  # departures are allowed values, not errors
    found = departures(v)
    assert [(d.spec.name, d.direction) for d in found] == expected
    for d in found:
        assert d.safe is d.spec.safe and d.source is d.safe.source
        assert safe_range_text(d.spec) in d.message and d.spec.safe.why in d.message
        assert d.as_record()[3] == d.source.key


def test_a_departure_message_names_the_value_and_the_range() -> None:
    [short] = departures(values(washout_days_short_acting=5))
    assert short.message.startswith("5 days is below the safe range (7 days or more).")
    assert short.source.key == "label_opioid_free"
    [choice] = departures(values(diagnosis_not_met_action="caution"))
    assert choice.message.startswith("'caution' is not a safe choice (safe: review only).")


def test_clinic_details_of_only_spaces_count_as_not_set() -> None:
    values = {**DEFAULT_SETTINGS.as_dict(), "clinic_name": "   ", "clinic_phone": " \t "}
    settings = RuleSettings.from_dict(values)
    assert settings.clinic_name == ""
    assert settings.clinic_phone == ""
