"""The calendar file's builder on its own: every day of the plan gets exactly one reminder,
with that day's dose, for both schedules, capsules and liquid, and for an operation on any
day of the titration."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from ldn_screen.rules import DEFAULT_SETTINGS, Formulation, Schedule
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.model import DosePlan
from ldn_screen.web.sheet_calendar import calendar_file, event_uid

START = dt.date(2027, 3, 1)
STAMP = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)
AT = dt.time(22, 0)
PARAMS = {"schedule": "x", "start": START.isoformat(), "formulation": "y", "v": "1"}


def daily_doses(data: bytes) -> dict[dt.date, str]:
    """Each day that has a reminder, and what it says; a day with two fails the test."""
    days: dict[dt.date, str] = {}
    for event in Calendar.from_ical(data).walk("VEVENT"):
        if "RRULE" not in event:
            continue
        rule = event["RRULE"].to_ical().decode()
        for when in rrulestr(rule, dtstart=event.decoded("DTSTART")):
            assert when.time() == AT
            assert when.date() not in days, f"two reminders on {when.date()}"
            days[when.date()] = str(event["SUMMARY"])
    return days


def expected_doses(plan: DosePlan, last_day: dt.date) -> dict[dt.date, str]:
    """Worked out from the plan's steps day by day, not from the calendar's rows."""
    days = {}
    day = plan.steps[0].starts_on
    while day <= last_day:
        step = [s for s in plan.steps if s.starts_on <= day][-1]
        dose = f"LDN {step.dose_mg:g} mg"
        if plan.liquid_mg_per_ml:
            dose += f" ({step.dose_mg / plan.liquid_mg_per_ml:g} mL)"
        days[day] = dose
        day += dt.timedelta(days=1)
    return days


@pytest.mark.parametrize("schedule", [Schedule.STANDARD, Schedule.GENTLE])
@pytest.mark.parametrize("formulation", [Formulation.CAPSULE, Formulation.LIQUID])
def test_every_day_to_the_review_has_one_reminder_with_its_dose(
    schedule: Schedule, formulation: Formulation
) -> None:
    plan = build_dose_plan(DEFAULT_SETTINGS, schedule, formulation, START)
    days = daily_doses(calendar_file(plan, PARAMS, AT, STAMP))
    assert days == expected_doses(plan, plan.review_on - dt.timedelta(days=1))


@pytest.mark.parametrize("offset", range(0, 45, 3))
def test_an_operation_on_any_day_ends_the_reminders_at_the_last_dose(offset: int) -> None:
    settings = DEFAULT_SETTINGS
    surgery = START + dt.timedelta(days=settings.surgery_hold_days + 1 + offset)
    plan = build_dose_plan(
        settings, Schedule.GENTLE, Formulation.CAPSULE, START, surgery_on=surgery
    )
    assert plan.surgery_stop is not None and plan.surgery_stop.last_dose_on is not None
    days = daily_doses(calendar_file(plan, PARAMS, AT, STAMP))
    assert max(days) == plan.surgery_stop.last_dose_on
    assert days == expected_doses(plan, plan.surgery_stop.last_dose_on)


def test_one_day_steps_and_other_settings() -> None:
    # An interval of one day (the admin's range allows short ones): a reminder each day still.
    settings = dataclasses.replace(DEFAULT_SETTINGS, standard_step_interval_days=1)
    plan = build_dose_plan(settings, Schedule.STANDARD, Formulation.CAPSULE, START)
    days = daily_doses(calendar_file(plan, PARAMS, AT, STAMP))
    assert days == expected_doses(plan, plan.review_on - dt.timedelta(days=1))


def test_the_same_plan_makes_the_same_file_apart_from_its_stamp() -> None:
    plan = build_dose_plan(DEFAULT_SETTINGS, Schedule.GENTLE, Formulation.LIQUID, START)
    first = calendar_file(plan, PARAMS, AT, STAMP)
    later = calendar_file(plan, PARAMS, AT, STAMP + dt.timedelta(days=3))
    assert first != later
    assert first.replace(b"DTSTAMP:20270201T120000Z", b"") == later.replace(
        b"DTSTAMP:20270204T120000Z", b""
    )
    assert event_uid(PARAMS, "step-1") != event_uid({**PARAMS, "v": "2"}, "step-1")
    assert event_uid(PARAMS, "step-1") == event_uid(dict(reversed(PARAMS.items())), "step-1")
