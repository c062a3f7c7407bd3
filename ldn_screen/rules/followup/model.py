"""What a follow-up visit is made of: the answers, the pain response, the timing and the
result. Only data and the words derived from it; the decisions are in ``assess``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from ..model import SEVERITY_RANK, Answer, Check, Finding, Formulation, Schedule, Severity
from ..sources import Source, source
from ..units import fmt_count, fmt_date, fmt_days, fmt_pct, fmt_score
from .findings import (
    BAND_WORDS,
    CONDITIONAL_TEXT,
    JUDGE_EARLIEST,
    JUDGE_FROM,
    JUDGE_NOW,
    PEG_BAND_NOTE,
    TARGET_NOT_REACHED,
)


class PainMethod(StrEnum):
    NRS = "nrs"
    PEG = "peg"


class DoseTiming(StrEnum):
    NIGHT = "night"
    MORNING = "morning"


class OpioidsSinceStart(StrEnum):
    NONE = "none"
    CURRENT = "current"
    STOPPED = "stopped"
    UNSURE = "unsure"


class SideEffectKind(StrEnum):
    VIVID_DREAMS = "vivid_dreams"
    TROUBLE_SLEEPING = "trouble_sleeping"
    HEADACHE = "headache"
    NAUSEA = "nausea"
    DIARRHOEA = "diarrhoea"
    ANXIETY = "anxiety"
    OTHER = "other"


SIDE_EFFECT_LABELS: dict[SideEffectKind, str] = {
    SideEffectKind.VIVID_DREAMS: "Vivid dreams or nightmares",
    SideEffectKind.TROUBLE_SLEEPING: "Trouble sleeping",
    SideEffectKind.HEADACHE: "Headache",
    SideEffectKind.NAUSEA: "Nausea",
    SideEffectKind.DIARRHOEA: "Diarrhoea",
    SideEffectKind.ANXIETY: "Feeling anxious",
    SideEffectKind.OTHER: "Another side effect",
}

# Sleep effects may settle when the dose moves to the morning (seed; LDN Research Trust).
SLEEP_EFFECTS = frozenset({SideEffectKind.VIVID_DREAMS, SideEffectKind.TROUBLE_SLEEPING})


class SideEffectSeverity(StrEnum):
    MILD = "mild"  # mild, or has settled
    PERSISTENT = "persistent"  # troublesome and not settling
    SEVERE = "severe"


class ResponseBand(StrEnum):
    SUBSTANTIAL = "substantial"
    MODERATE = "moderate"
    MINIMAL = "minimal"
    NONE = "none"
    NOT_CALCULABLE = "not_calculable"


class FollowupVerdict(StrEnum):
    TOO_EARLY = "too_early"
    RESPONDING = "responding"
    PARTIAL = "partial"
    NOT_RESPONDING = "not_responding"
    CANNOT_JUDGE = "cannot_judge"


class Recommendation(StrEnum):
    CONTINUE = "continue"
    CONTINUE_AND_TITRATE = "continue_and_titrate"
    TAKE_IN_MORNING = "take_in_morning"
    HALVE_AND_RETITRATE = "halve_and_retitrate"
    CONSIDER_STOPPING = "consider_stopping"
    PRESCRIBER_REVIEW = "prescriber_review"
    STOP_AND_REVIEW = "stop_and_review"  # a safety finding stops LDN until the review


@dataclass(frozen=True, slots=True)
class PainScore:
    """One pain measurement: the NRS (one item) or the PEG (pain, enjoyment, activity)."""

    method: PainMethod
    items: tuple[int, ...]

    def __post_init__(self) -> None:
        expected = 1 if self.method is PainMethod.NRS else 3
        if len(self.items) != expected or not all(0 <= i <= 10 for i in self.items):
            raise ValueError(f"{self.method} needs {expected} item(s) from 0 to 10")

    @property
    def score(self) -> Fraction:
        """The NRS itself, or the PEG mean (Krebs 2009), exactly."""
        return Fraction(sum(self.items), len(self.items))


@dataclass(frozen=True, slots=True)
class ReportedSideEffect:
    kind: SideEffectKind
    severity: SideEffectSeverity


@dataclass(frozen=True, slots=True)
class FollowupAnswers:
    """What the clinician re-entered from the chart. Nothing here is stored or logged."""

    assessed_on: dt.date
    started_on: dt.date
    schedule: Schedule
    formulation: Formulation
    current_dose_mg: float
    timing: DoseTiming
    target_reached_on: dt.date | None  # None: the target dose has not been reached
    baseline_pain: PainScore
    current_pain: PainScore
    side_effects: tuple[ReportedSideEffect, ...] = ()
    opioids_since_start: OpioidsSinceStart = OpioidsSinceStart.NONE
    pregnant_or_planning: Answer = Answer.NO
    liver_symptoms: Answer = Answer.NO
    surgery_planned: Answer = Answer.NO
    surgery_on: dt.date | None = None

    def __post_init__(self) -> None:
        if self.baseline_pain.method is not self.current_pain.method:
            raise ValueError("baseline and current pain must use the same method")


@dataclass(frozen=True, slots=True)
class PainResponse:
    method: PainMethod
    baseline: Fraction
    current: Fraction
    change_points: Fraction  # baseline minus current: positive means less pain
    change_pct: Fraction | None  # None when the baseline is 0
    band: ResponseBand
    edges: tuple[int, ...] = ()  # the band thresholds: a shown percentage never crosses one

    @property
    def band_words(self) -> str:
        return BAND_WORDS[self.band.value]

    @property
    def band_text(self) -> str:
        """The summary's IMMPACT band: 'Moderate improvement (by analogy: PEG)'."""
        words = self.band_words
        note = PEG_BAND_NOTE if self.method is PainMethod.PEG else ""
        return f"{words[:1].upper()}{words[1:]}{note}"

    @property
    def baseline_text(self) -> str:
        return fmt_score(self.baseline)

    @property
    def current_text(self) -> str:
        return fmt_score(self.current)

    @property
    def sources(self) -> tuple[Source, ...]:
        """Where the bands come from; the PEG adds its own paper and the analogy."""
        if self.method is PainMethod.PEG:
            return (source("immpact_2008"), source("krebs_2009"), source("peg_by_analogy"))
        return (source("immpact_2008"),)

    @property
    def pct_text(self) -> str:
        """'33.3% less pain', '12.5% more pain' or 'No change in pain'."""
        if self.change_pct is None:
            return "No percentage (baseline 0)"
        if self.change_pct == 0:
            return "No change in pain"
        if self.change_pct > 0:
            return f"{fmt_pct(self.change_pct, self.edges)} less pain"
        return f"{fmt_pct(-self.change_pct)} more pain"  # every increase is "no improvement"

    @property
    def points_text(self) -> str:
        points = abs(self.change_points)
        shown = fmt_count(points, "point", fmt_score(points))
        if self.change_points == 0:
            return shown
        return f"{shown} {'lower' if self.change_points > 0 else 'higher'}"


@dataclass(frozen=True, slots=True)
class Timing:
    target_reached_on: dt.date | None
    days_on_target: int
    judge_on: dt.date  # when the response can be judged (earliest, if the target is not reached)
    too_early: bool
    review_weeks: int

    @property
    def on_target_text(self) -> str:
        return fmt_days(self.days_on_target)

    @property
    def review_text(self) -> str:
        """'12 weeks': the review point, as the summary and the chart note print it."""
        return fmt_count(self.review_weeks, "week")

    @property
    def target_text(self) -> str:
        """When the target dose was reached, or that it is not reached yet."""
        return fmt_date(self.target_reached_on) if self.target_reached_on else TARGET_NOT_REACHED

    @property
    def judge_text(self) -> str:
        """When the response can be judged: now, from a date, or the earliest date."""
        judge_on = fmt_date(self.judge_on)
        if not self.too_early:
            return JUDGE_NOW.format(judge_on=judge_on)
        if self.target_reached_on:
            return JUDGE_FROM.format(judge_on=judge_on)
        return JUDGE_EARLIEST.format(review=self.review_text, judge_on=judge_on)


@dataclass(frozen=True, slots=True)
class PlanChange:
    """A new titration the counselling sheet can print: only plan parameters, never answers."""

    schedule: Schedule
    starts_on: dt.date
    formulation: Formulation
    liquid_mg_per_ml: float | None
    note: str


@dataclass(frozen=True, slots=True)
class FollowupResult:
    verdict: FollowupVerdict
    response: PainResponse
    timing: Timing
    recommendation: Recommendation
    advice: Finding  # the recommendation's wording and source
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    new_plan: PlanChange | None
    sheet_note: str  # why there is, or is not, a new counselling sheet
    bands_text: str
    title: str  # the same words the advice uses for the response (one source)
    safety_first: bool  # the recommendation is a safety finding's action
    surgery_note: str | None = None  # the stop date, when surgery is planned but not soon

    @property
    def condition(self) -> str | None:
        """Under advice that a stop or review finding makes conditional; the safety advice
        itself is the prescriber review, so it needs no such line."""
        if self.needs_prescriber and not self.safety_first:
            return CONDITIONAL_TEXT
        return None

    @property
    def advice_notes(self) -> tuple[str, ...]:
        """What the recommendation box and the chart note add under the advice."""
        return tuple(n for n in (self.surgery_note, self.condition) if n)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)

    @property
    def needs_prescriber(self) -> bool:
        """A stop or review finding: the recommendation holds only if the prescriber agrees."""
        return any(
            SEVERITY_RANK[f.severity] <= SEVERITY_RANK[Severity.REVIEW] for f in self.findings
        )
