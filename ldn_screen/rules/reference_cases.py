"""Reference patients: realistic examples used to preview what a settings change would do.

Before an admin publishes new thresholds, every case here is screened under the current
and the proposed settings, and the cases whose verdict, start date or dose plan would change
are shown side by side. The tests use the same library.

Dates are built relative to ``today`` so that a case's last opioid dose, surgery date and
start date keep the same meaning on any day the preview is run. The cases sit near the
thresholds on purpose (8 days after a short-acting opioid, 17 years old, surgery 40 days before
a start),
so that a change to a threshold shows up in at least one case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from .engine import screen
from .model import (
    Answer,
    DosePlan,
    Formulation,
    OpioidType,
    OpioidUse,
    PatientAnswers,
    Schedule,
    ScreeningResult,
    Verdict,
)
from .settings import RuleSettings
from .units import fmt_date, fmt_mg, fmt_ml
from .wording import VERDICT_TITLES


@dataclass(frozen=True, slots=True)
class ReferenceCase:
    id: str
    description: str
    answers: PatientAnswers


def _base(today: dt.date) -> PatientAnswers:
    """An adult with diagnosed fibromyalgia, no opioids and no safety concern."""
    return PatientAnswers(
        assessed_on=today,
        age_years=46,
        pregnant_or_planning=Answer.NO,
        breastfeeding=Answer.NO,
        fibromyalgia_diagnosed=Answer.YES,
        opioid_use=OpioidUse.NONE,
        medication_list="duloxetine 60 mg once daily\npregabalin 75 mg twice daily",
        naltrexone_now=Answer.NO,
        start_on=today,
        baseline_pain_nrs=7,
    )


def _days(today: dt.date, n: int) -> dt.date:
    return today + dt.timedelta(days=n)


def reference_cases(today: dt.date) -> tuple[ReferenceCase, ...]:
    """About twenty-five example patients, each with a stable id and a one-line description."""
    base = _base(today)

    def case(case_id: str, description: str, **changes: object) -> ReferenceCase:
        return ReferenceCase(case_id, description, replace(base, **changes))  # type: ignore[arg-type]

    return (
        case("standard-capsules", "46-year-old, no opioids, standard schedule, capsules"),
        case(
            "standard-liquid",
            "52-year-old, no opioids, standard schedule, liquid",
            age_years=52,
            formulation=Formulation.LIQUID,
        ),
        case(
            "gentle-sensitive",
            "Sensitive to medicines, so the gentle schedule, capsules",
            sensitive_to_medicines=Answer.YES,
        ),
        case(
            "gentle-thyroid-liquid",
            "Takes levothyroxine, so the gentle schedule, liquid",
            thyroid_condition=Answer.YES,
            formulation=Formulation.LIQUID,
            medication_list="levothyroxine 100 micrograms daily",
        ),
        case(
            "gentle-chosen",
            "Clinician chose the gentle schedule, start in two weeks",
            schedule=Schedule.GENTLE,
            start_on=_days(today, 14),
        ),
        case(
            "short-acting-8-days",
            "Stopped a short-acting opioid (oxycodone IR) 8 days ago",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=_days(today, -8),
        ),
        case(
            "short-acting-12-days",
            "Stopped a short-acting opioid 12 days ago",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=_days(today, -12),
        ),
        case(
            "short-acting-40-days",
            "Stopped a short-acting opioid 40 days ago",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=_days(today, -40),
        ),
        case(
            "long-acting-12-days",
            "Stopped a long-acting opioid (morphine ER) 12 days ago",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.LONG_ACTING,
            last_opioid_dose_on=_days(today, -12),
        ),
        case(
            "methadone-20-days",
            "Stopped methadone for pain 20 days ago",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.METHADONE,
            last_opioid_dose_on=_days(today, -20),
        ),
        case(
            "unknown-type-15-days",
            "Stopped an opioid of unknown type 15 days ago",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.UNKNOWN,
            last_opioid_dose_on=_days(today, -15),
        ),
        case(
            "current-tramadol",
            "Takes tramadol now",
            opioid_use=OpioidUse.CURRENT,
            opioid_type=OpioidType.SHORT_ACTING,
            medication_list="tramadol 50 mg up to four times daily\nduloxetine 60 mg daily",
        ),
        case(
            "ultra-low-dose-protocol",
            "Takes an opioid now under a supervised ultra-low-dose protocol",
            opioid_use=OpioidUse.CURRENT,
            opioid_type=OpioidType.LONG_ACTING,
            ultra_low_dose_protocol=Answer.YES,
        ),
        case(
            "depot-buprenorphine",
            "Had a buprenorphine depot injection",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.DEPOT_BUPRENORPHINE,
            last_opioid_dose_on=_days(today, -30),
        ),
        case("age-17", "17-year-old with juvenile fibromyalgia", age_years=17),
        case("pregnancy-planned", "Planning a pregnancy", pregnant_or_planning=Answer.YES),
        case(
            "acute-hepatitis",
            "Acute hepatitis",
            acute_hepatitis_or_liver_failure=Answer.YES,
        ),
        case("naltrexone-allergy", "Reacted to naltrexone before", naltrexone_allergy=Answer.YES),
        case(
            "naltrexone-now",
            "Takes naltrexone now (Contrave), so LDN would duplicate it",
            naltrexone_now=Answer.YES,
        ),
        case(
            "diagnosis-unsure",
            "Fibromyalgia diagnosis not known",
            fibromyalgia_diagnosed=Answer.UNSURE,
        ),
        case(
            "surgery-in-10-days",
            "Knee surgery in 10 days, during the titration",
            surgery_planned=Answer.YES,
            surgery_on=_days(today, 10),
        ),
        case(
            "surgery-in-60-days",
            "Hip surgery in 60 days, after the target dose is reached",
            surgery_planned=Answer.YES,
            surgery_on=_days(today, 60),
        ),
        case(
            "surgery-day-after-start",
            "Start in 15 days, surgery the day after: LDN could not stop in time",
            start_on=_days(today, 15),
            surgery_planned=Answer.YES,
            surgery_on=_days(today, 16),
        ),
        case(
            "surgery-5-days-before-start",
            "Start in 60 days, surgery 5 days before it (post-operative opioids)",
            start_on=_days(today, 60),
            surgery_planned=Answer.YES,
            surgery_on=_days(today, 55),
        ),
        case(
            "surgery-40-days-before-start",
            "Start in 60 days, surgery 40 days before it",
            start_on=_days(today, 60),
            surgery_planned=Answer.YES,
            surgery_on=_days(today, 20),
        ),
        case(
            "kidney-unsure",
            "Kidney function not known",
            kidney_impairment=Answer.UNSURE,
        ),
        # The medication list read line by line: answers and list together.
        case(
            "list-long-acting-12-days",
            "Stopped a 'short-acting' opioid 12 days ago, but the list shows oxycodone q12h",
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=_days(today, -12),
            medication_list="duloxetine 60 mg daily\noxycodone 20 mg q12h",
        ),
        case(
            "list-methadone",
            "Answers say no opioids; the list shows methadone 80 mg daily",
            medication_list="methadone 80 mg daily\ngabapentin 300 mg tid",
        ),
        case(
            "list-opioid-allergy",
            "Codeine allergy recorded in the list, no opioid taken",
            medication_list="Allergies: codeine (rash)\nduloxetine 60 mg daily",
        ),
    )


# --- Comparing two sets of settings ------------------------------------------------------


# Safest first. A case that moves to a later verdict in this list moves to a less safe one:
# "not yet" to "eligible", "review" to "eligible", "do not start" to anything else.
VERDICT_SAFETY_ORDER: tuple[Verdict, ...] = (
    Verdict.DO_NOT_START,
    Verdict.NOT_YET,
    Verdict.REVIEW,
    Verdict.ELIGIBLE,
)

# What makes a case's new outcome less safe than its old one, as the preview names it.
LESS_SAFE_VERDICT = "less safe verdict"
EARLIER_START = "earlier start"
HIGHER_FIRST_DOSE = "higher first dose"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a clinician acts on: the verdict, the start date and the dose plan, as text,
    with the values behind them for judging which way a change goes."""

    verdict: str
    start: str
    plan: str
    verdict_code: Verdict | None = None
    starts_on: dt.date | None = None
    first_dose_mg: float | None = None

    @classmethod
    def of(cls, result: ScreeningResult) -> Outcome:
        plan = result.dose_plan
        start = plan.starts_on if plan else result.earliest_start_on
        return cls(
            verdict=VERDICT_TITLES[result.verdict],
            start=fmt_date(start) if start else "No start date",
            plan=describe_plan(plan) if plan else "No dose plan",
            verdict_code=result.verdict,
            starts_on=start,
            first_dose_mg=plan.steps[0].dose_mg if plan else None,
        )


def less_safe(before: Outcome, after: Outcome) -> tuple[str, ...]:
    """How ``after`` is less safe than ``before``: a verdict later in VERDICT_SAFETY_ORDER,
    an earlier start, or a higher first dose. A start date or a dose plan where there was
    none counts too. Empty when nothing moved the less safe way."""
    found: list[str] = []
    if before.verdict_code is not None and after.verdict_code is not None:
        order = VERDICT_SAFETY_ORDER.index
        if order(after.verdict_code) > order(before.verdict_code):
            found.append(LESS_SAFE_VERDICT)
    if after.starts_on is not None and (
        before.starts_on is None or after.starts_on < before.starts_on
    ):
        found.append(EARLIER_START)
    if after.first_dose_mg is not None and (
        before.first_dose_mg is None or after.first_dose_mg > before.first_dose_mg + 1e-9
    ):
        found.append(HIGHER_FIRST_DOSE)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class CaseImpact:
    case: ReferenceCase
    before: Outcome
    after: Outcome

    @property
    def changed(self) -> tuple[str, ...]:
        """Which of 'verdict', 'start date' and 'dose plan' differ."""
        pairs = (
            ("verdict", self.before.verdict, self.after.verdict),
            ("start date", self.before.start, self.after.start),
            ("dose plan", self.before.plan, self.after.plan),
        )
        return tuple(name for name, old, new in pairs if old != new)

    @property
    def less_safe(self) -> tuple[str, ...]:
        """How the new outcome is less safe than the old one (see ``less_safe``)."""
        return less_safe(self.before, self.after)


def describe_plan(plan: DosePlan) -> str:
    """'1.5 mg → 3 mg → 4.5 mg, 7 days per step; target from Mon 7 Dec 2026; review ...'."""
    doses = " → ".join(
        fmt_mg(s.dose_mg) + (f" ({fmt_ml(s.volume_ml)})" if s.volume_ml is not None else "")
        for s in plan.steps
    )
    days = (plan.steps[1].starts_on - plan.steps[0].starts_on).days if len(plan.steps) > 1 else None
    pace = f", {days} days per step" if days else ""
    stop = plan.surgery_stop
    surgery = ""
    if stop is not None:
        last = f"last dose {fmt_date(stop.last_dose_on)}" if stop.last_dose_on else "no dose"
        surgery = f"; stop for surgery {fmt_date(stop.surgery_on)} ({last})"
    liquid = f" at {fmt_mg(plan.liquid_mg_per_ml)}/mL" if plan.liquid_mg_per_ml else ""
    return (
        f"{plan.schedule.value.capitalize()}{liquid}: {doses}{pace}{surgery}; target from "
        f"{fmt_date(plan.target_reached_on)} (maximum {fmt_mg(plan.max_dose_mg)}); "
        f"review {fmt_date(plan.review_on)} "
        f"(response = {plan.responder_pct}% less pain)"
    )


def impact(before: RuleSettings, after: RuleSettings, today: dt.date) -> tuple[CaseImpact, ...]:
    """Every reference case screened under both settings (changed or not), in library order."""
    return tuple(
        CaseImpact(
            case, Outcome.of(screen(case.answers, before)), Outcome.of(screen(case.answers, after))
        )
        for case in reference_cases(today)
    )
