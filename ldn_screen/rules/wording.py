"""The words and looks of a result: one home for what the summaries, the chart notes and the
sheet say about a verdict and a dose plan.

Templates only print what is built here, so a sentence that the summary and the chart note
both show is written once and cannot drift (a test compares the two). The icon names match
the macros in ``templates/macros/icons.html``; the CSS classes are the four tones of
``static/css/app.css`` (stop, wait, review, ok), shared by the screening verdict and the
follow-up recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import DosePlan, ScreeningResult, Severity, Verdict
from .units import fmt_date, fmt_mg

# --- The disclaimer on every page -------------------------------------------------------

OFF_LABEL = "LDN is used off-label."
DISCLAIMER = f"{OFF_LABEL} This tool supports, and does not replace, the prescriber's judgement."


# --- How a verdict looks: title, icon and tone ------------------------------------------


@dataclass(frozen=True, slots=True)
class Look:
    """The picture and the colour of a verdict or a recommendation."""

    icon: str  # a kind drawn by the verdict_icon macro: cross, pause, alert, again, tick
    tone: str  # the CSS class of the box: tone-stop, tone-wait, tone-review, tone-ok


STOP_LOOK = Look("cross", "tone-stop")
WAIT_LOOK = Look("pause", "tone-wait")
REVIEW_LOOK = Look("alert", "tone-review")
OK_LOOK = Look("tick", "tone-ok")

VERDICT_TITLES: dict[Verdict, str] = {
    Verdict.DO_NOT_START: "Do not start",
    Verdict.NOT_YET: "Not yet",
    Verdict.REVIEW: "Prescriber review needed",
    Verdict.ELIGIBLE: "Eligible to start",
}
VERDICT_LOOKS: dict[Verdict, Look] = {
    Verdict.DO_NOT_START: STOP_LOOK,
    Verdict.NOT_YET: WAIT_LOOK,
    Verdict.REVIEW: REVIEW_LOOK,
    Verdict.ELIGIBLE: OK_LOOK,
}
# The follow-up recommendation takes the look of its severity; a side effect to manage
# ("caution") shows the "again" arrow: try again at a lower dose or another time of day.
ADVICE_LOOKS: dict[Severity, Look] = {
    Severity.STOP: STOP_LOOK,
    Severity.WAIT: WAIT_LOOK,
    Severity.REVIEW: REVIEW_LOOK,
    Severity.CAUTION: Look("again", "tone-wait"),
    Severity.INFO: OK_LOOK,
}


def verdict_title(result: ScreeningResult) -> str:
    """The page's and the chart note's title: 'Not yet: earliest start 3 March 2025'."""
    title = VERDICT_TITLES[result.verdict]
    if result.verdict is Verdict.NOT_YET and result.earliest_start_on:
        return f"{title}: earliest start {fmt_date(result.earliest_start_on)}"
    return title


# --- The top of the summary (rules/decision.py picks; these are its per-verdict words) ---

ELIGIBLE_REASON = "No finding stands in the way of starting LDN."
NO_PLAN_STEP: dict[Verdict, str] = {
    Verdict.DO_NOT_START: "Do not start LDN; no plan is made. Each finding below says what "
    "can be done.",
    # A review without a plan: the ultra-low-dose protocol, which this tool does not dose.
    Verdict.REVIEW: "A prescriber reviews the findings below; this tool makes no dose plan "
    "for this patient.",
    Verdict.NOT_YET: "No dose plan: see the findings below.",
    Verdict.ELIGIBLE: "No dose plan: see the findings below.",
}
STEP_LABELS: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "First step",
    Verdict.NOT_YET: "Earliest start",
    Verdict.REVIEW: "First step",
    Verdict.DO_NOT_START: "Next step",
}


# --- A review is not a start: what the plan, the sheet button and the chart note say ------
#
# Only an eligible result may present the plan as ready and list counselling "to give". A
# review's plan is conditional, a "not yet" plan starts on the earliest safe date, and a
# "do not start" has no plan, no sheet and no counselling.

# When to take it: the summary's plan, the chart note and the counselling point print this
# one sentence (source: policy_dose_timing).
DOSE_TIMING = "Take once a day at bedtime, or in the morning if vivid dreams disturb sleep."

IF_APPROVED = "only if the prescriber approves"
PLAN_HEADING: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "Dose plan",
    Verdict.REVIEW: f"Dose plan ({IF_APPROVED})",
    Verdict.NOT_YET: "Dose plan (not before {start})",
}
PLAN_CONDITION: dict[Verdict, str] = {
    Verdict.REVIEW: "This plan is conditional. Do not start LDN, and do not give the patient "
    "the sheet, until a prescriber has reviewed the findings above and approved the start.",
    Verdict.NOT_YET: "This plan starts on the earliest safe date, {start}, not sooner. The "
    "patient must take no opioids before then.",
}
SHEET_BUTTON: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "Counselling sheet",
    Verdict.REVIEW: "Print after the prescriber approves",
    Verdict.NOT_YET: "Counselling sheet (plan from {start})",
}
CHART_PLAN_QUALIFIER: dict[Verdict, str] = {
    Verdict.ELIGIBLE: "",
    Verdict.REVIEW: f" ({IF_APPROVED})",
    Verdict.NOT_YET: " (not before {start})",
}
COUNSELLING_TOPICS = (
    "opioid blockade, wallet card, surgery, lower opioid tolerance after stopping, side effects"
)
CHART_COUNSELLING: dict[Verdict, str] = {
    Verdict.ELIGIBLE: f"Counselling to give: {COUNSELLING_TOPICS}.",
    Verdict.REVIEW: "Counselling not given: give it only once the prescriber approves the start.",
    Verdict.NOT_YET: "Counselling not given: give it before the start, not before {start}.",
    Verdict.DO_NOT_START: "Counselling not given: LDN is not to be started.",
}


def plan_description(plan: DosePlan) -> str:
    """'standard schedule, liquid at 1 mg/mL': the plan as the summary and the note name it."""
    reasons = f" ({'; '.join(plan.schedule_reasons)})" if plan.schedule_reasons else ""
    form = f"liquid at {fmt_mg(plan.liquid_mg_per_ml)}/mL" if plan.liquid_mg_per_ml else "capsules"
    return f"{plan.schedule.value} schedule{reasons}, {form}"


@dataclass(frozen=True, slots=True)
class PlanWording:
    """How the summary and the chart note present the plan for one result."""

    heading: str | None  # None: no plan is shown
    condition: str | None  # the sentence that makes a non-eligible plan conditional
    sheet_button: str | None  # None: no counselling sheet is offered
    chart_plan_qualifier: str
    chart_counselling: str
    description: str = ""  # plan_description(); empty without a plan
    # The surgery stop row goes above the calendar when it comes before the first dose.
    stop_before_calendar: bool = False

    @property
    def summary_text(self) -> str:
        """The summary's sentence under the plan heading."""
        if not self.description:
            return ""
        return f"{self.description[0].upper()}{self.description[1:]}. {DOSE_TIMING}"

    @property
    def chart_text(self) -> str:
        """The chart note's plan line: the same sentence, after the qualifier."""
        return f"Plan{self.chart_plan_qualifier}: {self.description}. {DOSE_TIMING}"


def plan_wording(result: ScreeningResult) -> PlanWording:
    plan = result.dose_plan
    start = fmt_date(plan.starts_on) if plan else ""
    verdict = result.verdict
    counselling = CHART_COUNSELLING[verdict].format(start=start)
    if plan is None or verdict is Verdict.DO_NOT_START:
        return PlanWording(None, None, None, "", counselling)
    condition = PLAN_CONDITION.get(verdict)
    # A stop that would come before the first dose cannot be printed as a plan to follow.
    stop = plan.surgery_stop
    printable = stop is None or stop.last_dose_on is not None
    return PlanWording(
        heading=PLAN_HEADING[verdict].format(start=start),
        condition=condition.format(start=start) if condition else None,
        sheet_button=SHEET_BUTTON[verdict].format(start=start) if printable else None,
        chart_plan_qualifier=CHART_PLAN_QUALIFIER[verdict].format(start=start),
        chart_counselling=counselling,
        description=plan_description(plan),
        stop_before_calendar=not printable,
    )
