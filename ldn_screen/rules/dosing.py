"""The starting dose, the titration calendar and the review point."""

from __future__ import annotations

import datetime as dt

from .model import DosePlan, DoseStep, Formulation, Schedule, SurgeryStop
from .settings import RuleSettings
from .units import volume_ml


def titration_doses(start_mg: float, step_mg: float, target_mg: float) -> tuple[float, ...]:
    """Doses from start to target in equal steps; the last step is capped at the target."""
    doses = [start_mg]
    while doses[-1] < target_mg - 1e-9:
        # Rounding keeps 0.25-mg multiples exact after many additions.
        doses.append(round(min(doses[-1] + step_mg, target_mg), 4))
    return tuple(doses)


def build_dose_plan(
    settings: RuleSettings,
    schedule: Schedule,
    formulation: Formulation,
    starts_on: dt.date,
    schedule_reasons: tuple[str, ...] = (),
    surgery_on: dt.date | None = None,
) -> DosePlan:
    start_mg, step_mg, interval_days = settings.schedule_values(schedule is Schedule.GENTLE)
    doses = titration_doses(start_mg, step_mg, settings.target_dose_mg)
    liquid = formulation is Formulation.LIQUID
    interval = dt.timedelta(days=interval_days)
    steps = tuple(
        DoseStep(
            number=i + 1,
            starts_on=starts_on + i * interval,
            ends_on=None
            if i == len(doses) - 1
            else starts_on + (i + 1) * interval - dt.timedelta(days=1),
            dose_mg=dose,
            volume_ml=volume_ml(dose, settings.liquid_mg_per_ml) if liquid else None,
        )
        for i, dose in enumerate(doses)
    )
    target_reached_on = steps[-1].starts_on
    review_on = target_reached_on + dt.timedelta(weeks=settings.review_weeks)
    return DosePlan(
        schedule=schedule,
        formulation=formulation,
        liquid_mg_per_ml=settings.liquid_mg_per_ml if liquid else None,
        steps=steps,
        target_dose_mg=settings.target_dose_mg,
        max_dose_mg=settings.max_dose_mg,
        target_reached_on=target_reached_on,
        # Trials judged response after about 12 weeks at the target dose, not from day one.
        review_on=review_on,
        review_weeks=settings.review_weeks,
        responder_pct=settings.responder_pct,
        schedule_reasons=schedule_reasons,
        surgery_stop=surgery_stop(settings, starts_on, review_on, surgery_on),
    )


def surgery_stop(
    settings: RuleSettings, starts_on: dt.date, review_on: dt.date, surgery_on: dt.date | None
) -> SurgeryStop | None:
    """The stop before an operation that falls between the first dose and the review.

    LDN stops ``surgery_hold_days`` before the operation: with 3 days, the last dose is 4
    days before and none is taken on the 3 days before it. An operation outside the
    calendar changes nothing here (the findings say what to do)."""
    if surgery_on is None or not starts_on <= surgery_on <= review_on:
        return None
    stop_from, last_dose = surgery_stop_dates(settings, surgery_on)
    return SurgeryStop(surgery_on, stop_from, last_dose if last_dose >= starts_on else None)


def surgery_stop_dates(settings: RuleSettings, surgery_on: dt.date) -> tuple[dt.date, dt.date]:
    """(first day without LDN, last dose) before an operation, wherever it falls."""
    stop_from = surgery_on - dt.timedelta(days=settings.surgery_hold_days)
    return stop_from, stop_from - dt.timedelta(days=1)
