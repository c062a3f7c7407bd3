"""What the titration calendar file holds: one daily reminder per step, and the review.

The calendar file (``.ics``) carries the same steps as the printed sheet's dose calendar
(``sheet_text.calendar``), so a stop before an operation ends the reminders at the last dose,
exactly as it ends the paper calendar. A calendar on a phone is seen by others (a lock
screen, a shared calendar), so each reminder says only "LDN" and the dose: no name, no
condition, no advice. The file is built in the web layer (it needs a third-party library);
what it says lives here, once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import DosePlan
from .sheet_text import calendar
from .units import fmt_mg, fmt_ml

# The only words a reminder shows. For liquid the volume follows the dose: the patient
# measures millilitres with an oral syringe at bedtime, and the printed calendar gives the
# same pair, worked out from the same strength, so the reminder never asks for arithmetic.
DOSE_PREFIX = "LDN"
REVIEW_SUMMARY = "LDN review"

# The notes under each event: how to keep the file in step with the paper, nothing clinical.
STEP_NOTE = (
    "You can change the reminder time in your calendar app. If the clinic changes your plan, "
    "delete these events and add the new calendar file."
)
REVIEW_NOTE = "Bring your paper dose calendar to your review."

# The printed sheet's words beside the QR code (patient-facing).
QR_CAPTION = "Scan this code with your phone to add the dose reminders to your calendar."
QR_ALT = "QR code: a link to the calendar file of this plan"


@dataclass(frozen=True, slots=True)
class ReminderStep:
    """One titration step as a daily reminder, from its first day to its last, inclusive."""

    step: int
    first_day: dt.date
    last_day: dt.date
    dose_mg: float
    volume_ml: float | None  # only for liquid

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def summary(self) -> str:
        return dose_summary(self.dose_mg, self.volume_ml)


def dose_summary(dose_mg: float, volume_ml: float | None) -> str:
    """'LDN 1.5 mg', or 'LDN 1.5 mg (1.5 mL)' for liquid."""
    volume = f" ({fmt_ml(volume_ml)})" if volume_ml is not None else ""
    return f"{DOSE_PREFIX} {fmt_mg(dose_mg)}{volume}"


def reminder_steps(plan: DosePlan) -> tuple[ReminderStep, ...]:
    """The printed calendar's rows with their last day: the last step runs to the day before
    the review (the paper's last row counts its boxes to then), and a stop before surgery
    ends the reminders at the last dose."""
    before_review = plan.review_on - dt.timedelta(days=1)
    return tuple(
        ReminderStep(
            step=row.step,
            first_day=row.starts_on,
            last_day=row.ends_on or before_review,
            dose_mg=row.dose_mg,
            volume_ml=row.volume_ml,
        )
        for row in calendar(plan)
    )
