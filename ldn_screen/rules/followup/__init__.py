"""The follow-up visit, "use it or lose it": is LDN earning its place for this patient?

``assess_followup(answers, settings)`` works out, in this order:
1. the change in pain from baseline, in points and percent, classified with the IMMPACT
   thresholds (admin settings: minimal, moderate = ``responder_pct``, substantial);
2. the time on the target dose, against the review point (``review_weeks``);
3. the safety findings that apply to someone already taking LDN;
4. one recommendation: continue, titrate up, manage side effects, consider stopping, or
   (when the numbers cannot decide, or safety comes first) review with the prescriber.

Scores are kept as exact fractions, so a PEG mean such as 20/3 compares with a 30%
threshold without floating-point error. The band is decided on the exact value; the
percentage shown is rounded, but never across the edge of the band it is in.

When a safety finding is stop or review, the recommendation is that safety action (the
first in ``SAFETY_ORDER``), never advice to continue; the title says so too.
"""

from ..settings import DOSE_STEP_MG
from .assess import assess_followup, band_edges, band_for, halved_dose_mg, pain_response, timing
from .model import (
    SIDE_EFFECT_LABELS,
    SLEEP_EFFECTS,
    DoseTiming,
    FollowupAnswers,
    FollowupResult,
    FollowupVerdict,
    OpioidsSinceStart,
    PainMethod,
    PainResponse,
    PainScore,
    PlanChange,
    Recommendation,
    ReportedSideEffect,
    ResponseBand,
    SideEffectKind,
    SideEffectSeverity,
    Timing,
)

__all__ = [
    "DOSE_STEP_MG",
    "SIDE_EFFECT_LABELS",
    "SLEEP_EFFECTS",
    "DoseTiming",
    "FollowupAnswers",
    "FollowupResult",
    "FollowupVerdict",
    "OpioidsSinceStart",
    "PainMethod",
    "PainResponse",
    "PainScore",
    "PlanChange",
    "Recommendation",
    "ReportedSideEffect",
    "ResponseBand",
    "SideEffectKind",
    "SideEffectSeverity",
    "Timing",
    "assess_followup",
    "band_edges",
    "band_for",
    "halved_dose_mg",
    "pain_response",
    "timing",
]
