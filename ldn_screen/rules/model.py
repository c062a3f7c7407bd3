"""Inputs and outputs of the screening: frozen dataclasses and enums, units in the names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from .diagnosis import Acr2016Answers
from .medications import MedicationReading
from .sources import Source


class Answer(StrEnum):
    """A safety question's answer. ``UNSURE`` is never read as ``NO``."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class OpioidUse(StrEnum):
    NONE = "none"
    CURRENT = "current"
    RECENT = "recent"
    # Stopped, exact date not known: the clinician may give the date since which the patient
    # has certainly taken no opioid (``last_opioid_dose_on``), or none (review).
    RECENT_DATE_UNKNOWN = "recent_date_unknown"
    UNSURE = "unsure"


class OpioidType(StrEnum):
    """What the patient took, as far as the washout is concerned."""

    SHORT_ACTING = "short_acting"
    LONG_ACTING = "long_acting"
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    DEPOT_BUPRENORPHINE = "depot_buprenorphine"
    UNKNOWN = "unknown"


class Formulation(StrEnum):
    CAPSULE = "capsule"
    LIQUID = "liquid"


class Schedule(StrEnum):
    STANDARD = "standard"
    GENTLE = "gentle"


class Severity(StrEnum):
    """Ordered from most to least severe; see ``SEVERITY_RANK``."""

    STOP = "stop"
    WAIT = "wait"
    REVIEW = "review"
    CAUTION = "caution"
    INFO = "info"


SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(Severity)}


class Verdict(StrEnum):
    DO_NOT_START = "do_not_start"
    NOT_YET = "not_yet"
    REVIEW = "review"
    ELIGIBLE = "eligible"


@dataclass(frozen=True, slots=True)
class PatientAnswers:
    """Everything the clinician entered. Nothing here is ever stored or logged."""

    assessed_on: dt.date
    age_years: int
    pregnant_or_planning: Answer
    breastfeeding: Answer
    fibromyalgia_diagnosed: Answer
    opioid_use: OpioidUse
    opioid_type: OpioidType | None = None
    last_opioid_dose_on: dt.date | None = None
    ultra_low_dose_protocol: Answer = Answer.NO
    opioid_dependence: Answer = Answer.NO
    opioid_withdrawal: Answer = Answer.NO
    medication_list: str = ""
    # ``medications.line_key`` of unrecognised lines the clinician confirmed are not opioids.
    confirmed_not_opioid_lines: tuple[str, ...] = ()
    # Absent means not asked: "not sure" (review), never "no".
    naltrexone_now: Answer = Answer.UNSURE
    naltrexone_allergy: Answer = Answer.NO
    naloxone_allergy: Answer = Answer.NO
    acute_hepatitis_or_liver_failure: Answer = Answer.NO
    other_liver_disease: Answer = Answer.NO
    kidney_impairment: Answer = Answer.NO
    transplant_or_immunosuppressant: Answer = Answer.NO
    kratom_or_similar: Answer = Answer.NO
    surgery_planned: Answer = Answer.NO
    surgery_on: dt.date | None = None
    thyroid_condition: Answer = Answer.NO
    sensitive_to_medicines: Answer = Answer.NO
    start_on: dt.date | None = None
    formulation: Formulation = Formulation.CAPSULE
    schedule: Schedule = Schedule.STANDARD
    baseline_pain_nrs: int | None = None
    acr_2016: Acr2016Answers | None = None  # None: the optional criteria section was blank


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    summary: str
    clinician_text: str
    source: Source
    patient_text: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One line of "what was checked": the question and what the answers showed."""

    topic: str
    outcome: str


@dataclass(frozen=True, slots=True)
class DoseStep:
    number: int
    starts_on: dt.date
    ends_on: dt.date | None  # None: the last step continues until the review
    dose_mg: float
    volume_ml: float | None  # only for the liquid formulation


@dataclass(frozen=True, slots=True)
class SurgeryStop:
    """Planned surgery that falls inside the calendar: when LDN stops, dated from the plan."""

    surgery_on: dt.date
    stop_from: dt.date  # the first day without LDN
    last_dose_on: dt.date | None  # None: the stop would come before the first dose


@dataclass(frozen=True, slots=True)
class DosePlan:
    schedule: Schedule
    formulation: Formulation
    liquid_mg_per_ml: float | None
    steps: tuple[DoseStep, ...]
    target_dose_mg: float
    max_dose_mg: float
    target_reached_on: dt.date
    review_on: dt.date
    review_weeks: int
    responder_pct: int
    schedule_reasons: tuple[str, ...] = ()
    surgery_stop: SurgeryStop | None = None

    @property
    def starts_on(self) -> dt.date:
        return self.steps[0].starts_on

    def step_on(self, day: dt.date) -> DoseStep | None:
        """The step whose dates include ``day`` (the last one runs until the review)."""
        for step in self.steps:
            if step.starts_on <= day and (step.ends_on is None or day <= step.ends_on):
                return step
        return None


@dataclass(frozen=True, slots=True)
class SideEffect:
    name: str
    frequency: str  # "common" or "less common"
    advice: str
    source: Source


@dataclass(frozen=True, slots=True)
class CounsellingPoint:
    key: str
    clinician_text: str
    patient_text: str
    source: Source


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    verdict: Verdict
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    earliest_start_on: dt.date | None
    dose_plan: DosePlan | None
    side_effects: tuple[SideEffect, ...]
    counselling: tuple[CounsellingPoint, ...]
    medication_reading: MedicationReading = field(default_factory=lambda: MedicationReading(()))
    # Set when answers replaced the chosen standard schedule with the gentle one.
    schedule_override: str | None = None
    schedule_override_reasons: tuple[str, ...] = ()

    def by_severity(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is severity)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)
