"""The titration plan as a calendar file (.ics), for the patient's phone or computer.

Served by the sheet's blueprint (web/sheet.py), two ways in, each under the same privacy
rule as the sheet it comes from:
- ``GET /sheet/calendar.ics?<the sheet's parameters>``: from a reprint's address, which holds
  only the plan and the settings version (the printed QR code leads here);
- ``POST /sheet/patient/calendar.ics``: from a summary's sheet, with the screening answers in
  the body, screened again; its plan is never put in an address.

One event per titration step, repeated daily over the step's days (``RRULE`` with ``COUNT``),
with a reminder at the dose time, and an all-day event for the review. The dose time is a
floating local time (RFC 5545 §3.3.5, form 1: no ``TZID``): the reminder rings at the same
clock time wherever the phone is, and no time zone can be written wrong. The sources fix no
clock time for "at bedtime", so the time is a deployment setting
(``LDN_CALENDAR_REMINDER_TIME``) that the patient can move in their own app.

icalendar is imported only when a file is made, so a serving worker that never makes one
stays small.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Response, current_app

from ..rules.dose_reminders import REVIEW_NOTE, REVIEW_SUMMARY, STEP_NOTE, reminder_steps
from ..rules.model import DosePlan
from .sheet_link import plan_params

PRODID = "-//ldn-screen//titration calendar//EN"
CALENDAR_NAME = "LDN"
FILENAME = "ldn-plan.ics"
MEDIA_TYPE = "text/calendar; charset=utf-8"
# The event's length in the calendar: a short slot at the dose time, shown as free time.
EVENT_LENGTH = dt.timedelta(minutes=5)
# A fixed namespace, so a plan's event UIDs are the same in every download, on every server.
UID_NAMESPACE = uuid.UUID("0f4b6c1e-2d4a-5b8e-9c7f-1a2b3c4d5e6f")


def event_uid(params: dict[str, str], part: str) -> str:
    """A UID that names one event of one plan: the same plan gives the same UIDs.

    Made from the plan's non-identifying parameters (those of the sheet's address, with the
    settings version, since a version can change the doses) and the event's place in it."""
    key = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return str(uuid.uuid5(UID_NAMESPACE, f"{key}#{part}"))


def calendar_file(
    plan: DosePlan, params: dict[str, str], reminder_at: dt.time, stamp: dt.datetime
) -> bytes:
    """The plan as iCalendar bytes (RFC 5545): CRLF lines, folded at 75 octets by icalendar."""
    from icalendar import Alarm, Calendar, Event  # lazily: see the module docstring

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    for step in reminder_steps(plan):
        event = Event()
        event.add("uid", event_uid(params, f"step-{step.step}"))
        event.add("dtstamp", stamp)
        # A naive datetime is written without TZID or Z: a floating local time.
        starts = dt.datetime.combine(step.first_day, reminder_at)
        event.add("dtstart", starts)
        event.add("dtend", starts + EVENT_LENGTH)
        event.add("rrule", {"freq": "daily", "count": step.days})
        event.add("summary", step.summary)
        event.add("description", STEP_NOTE)
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", step.summary)  # DISPLAY alarms must carry one (RFC 5545)
        alarm.add("trigger", dt.timedelta(0))
        event.add_component(alarm)
        cal.add_component(event)
    review = Event()
    review.add("uid", event_uid(params, "review"))
    review.add("dtstamp", stamp)
    review.add("dtstart", plan.review_on)  # a date: an all-day event
    review.add("dtend", plan.review_on + dt.timedelta(days=1))
    review.add("summary", REVIEW_SUMMARY)
    review.add("description", REVIEW_NOTE)
    review.add("transp", "TRANSPARENT")
    cal.add_component(review)
    data: bytes = cal.to_ical()
    return data


def calendar_download(plan: DosePlan, version_number: int) -> Response:
    """The plan's calendar file as a download (the sheet's routes gate what reaches here)."""
    params = plan_params(plan, version_number)
    reminder_at: dt.time = current_app.config["LDN_CALENDAR_REMINDER"]
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    response = Response(calendar_file(plan, params, reminder_at, stamp), mimetype="text/calendar")
    response.headers["Content-Type"] = MEDIA_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    # The edge sets it on every answer too; said here as well, as the plan is patient data.
    response.headers["Cache-Control"] = "no-store"
    return response
