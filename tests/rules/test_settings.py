"""RuleSettings: cited defaults validate; bad values are refused field by field."""

from __future__ import annotations

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS, SETTING_SPECS, RuleSettings, SettingsError
from ldn_screen.rules.dosing import titration_doses
from ldn_screen.rules.settings import MAX_TITRATION_STEPS, validate_values


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
    ({"washout_days_long_acting": 0}, "washout_days_long_acting", "1 day or more"),
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


def test_every_setting_has_a_name_for_error_messages() -> None:
    from ldn_screen.rules.settings import MESSAGE_NOUNS

    assert set(MESSAGE_NOUNS) == {s.name for s in SETTING_SPECS}


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
