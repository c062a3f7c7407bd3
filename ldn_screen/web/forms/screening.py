"""The screening form: parse and validate, then hand the rules a frozen ``PatientAnswers``.

Every error message of this form is written here, in the GOV.UK style ("Enter ...",
"Select ..."), and each field is given its own where it is declared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from wtforms import Field
from wtforms.validators import StopValidation, ValidationError

from ...rules import Answer, Formulation, OpioidType, OpioidUse, PatientAnswers, Schedule
from ...rules.diagnosis import (
    AREA_LABELS,
    REGION_LABELS,
    REGIONS,
    SEVERITY_LABELS,
    Acr2016Answers,
    Region,
    WpiArea,
)
from ...rules.medications import line_key
from .fields import (
    CONDITION_UNKNOWN_MESSAGE,
    FORMULATION_MESSAGE,
    FORMULATION_OPTIONS,
    NONE_OF_THESE,
    SCHEDULE_MESSAGE,
    SCHEDULE_OPTIONS,
    YES_NO,
    YES_NO_UNSURE,
    BaseForm,
    Checkboxes,
    ConditionGroup,
    ConditionList,
    DateInput,
    Hidden,
    Radios,
    Text,
    TextArea,
    answered,
    require_date,
    require_whole_number,
)

MEDICATION_LIST_MAX_CHARS = 20_000
MEDICATION_LIST_MAX_LINES = 400
# The whole numbers the form accepts (the JSON API documents the same ranges).
AGE_RANGE = (0, 120)
PAIN_RANGE = (0, 10)
# The question text doubles as the summary-list label on the results page.
QUESTIONS: dict[str, str] = {
    "age_years": "Age",
    "pregnant_or_planning": "Is the patient pregnant, or planning a pregnancy?",
    "breastfeeding": "Is the patient breastfeeding?",
    "fibromyalgia_diagnosed": "Has fibromyalgia been diagnosed by a clinician?",
    "opioid_use": "Does the patient take any opioid medicine?",
    "opioid_type": "What kind of opioid?",
    "last_opioid_dose_on": "Date of the last opioid dose",
    "opioid_free_since": "No opioid taken since (if known)",
    "ultra_low_dose_protocol": "Is this a supervised ultra-low-dose protocol?",
    "opioid_dependence": "Opioid dependence, or methadone or buprenorphine maintenance?",
    "opioid_withdrawal": "Is the patient in opioid withdrawal now?",
    "kratom_or_similar": "Does the patient use kratom or another opioid-like substance?",
    "medication_list": "Medication list from the chart (optional)",
    "naltrexone_now": "Is the patient taking naltrexone now (for example Revia, Vivitrol, "
    "Contrave, or LDN)?",
    "naltrexone_allergy": "Has the patient had a reaction to naltrexone?",
    "naloxone_allergy": "Has the patient had a reaction to naloxone?",
    "acute_hepatitis_or_liver_failure": "Acute hepatitis or liver failure?",
    "other_liver_disease": "Other liver disease or cirrhosis?",
    "kidney_impairment": "Kidney impairment?",
    "transplant_or_immunosuppressant": "Organ transplant, or taking immunosuppressants?",
    "surgery_planned": "Is surgery planned?",
    "surgery_on": "Date of the planned surgery",
    "thyroid_condition": "Takes thyroid hormone, or has Hashimoto's thyroiditis?",
    "sensitive_to_medicines": "Is the patient sensitive to medicines?",
    "start_on": "Start date",
    "formulation": "Formulation",
    "schedule": "Titration schedule",
    "baseline_pain_nrs": "Average pain in the past week, 0 to 10",
    # The optional 2016 fibromyalgia criteria (Wolfe 2016); region legends come from the rules.
    **{f"wpi_{region.value}": label for region, label in REGION_LABELS.items()},
    "wpi_none": "No pain in any of these areas",
    "sss_fatigue": "Fatigue in the past week",
    "sss_waking_unrefreshed": "Waking unrefreshed in the past week",
    "sss_cognitive": "Cognitive symptoms in the past week",
    "sss_headaches": "Bothered by headaches in the previous 6 months?",
    "sss_lower_abdominal": "Bothered by pain or cramps in the lower abdomen in the previous "
    "6 months?",
    "sss_depression": "Bothered by depression in the previous 6 months?",
    "symptoms_3_months": "Have the symptoms been present for at least 3 months?",
}

WPI_FIELDS = tuple(f"wpi_{region.value}" for region in Region)
SSS_SEVERITY_FIELDS = ("sss_fatigue", "sss_waking_unrefreshed", "sss_cognitive")
SSS_SYMPTOM_FIELDS = ("sss_headaches", "sss_lower_abdominal", "sss_depression")
DIAGNOSIS_FIELDS = (
    *WPI_FIELDS,
    "wpi_none",
    *SSS_SEVERITY_FIELDS,
    *SSS_SYMPTOM_FIELDS,
    "symptoms_3_months",
)

SELECT_MESSAGES: dict[str, str] = {
    "pregnant_or_planning": "Select whether the patient is pregnant or planning a pregnancy",
    "breastfeeding": "Select whether the patient is breastfeeding",
    "fibromyalgia_diagnosed": "Select whether fibromyalgia has been diagnosed",
    "opioid_use": "Select whether the patient takes any opioid medicine",
    "opioid_type": "Select what kind of opioid the patient took",
    "ultra_low_dose_protocol": "Select whether this is a supervised ultra-low-dose protocol",
    "opioid_dependence": "Select whether the patient has opioid dependence or maintenance",
    "opioid_withdrawal": "Select whether the patient is in opioid withdrawal",
    "kratom_or_similar": "Select whether the patient uses kratom or a similar substance",
    "naltrexone_now": "Select whether the patient is taking naltrexone now",
    "naltrexone_allergy": "Select whether the patient has had a reaction to naltrexone",
    "naloxone_allergy": "Select whether the patient has had a reaction to naloxone",
    "acute_hepatitis_or_liver_failure": "Select whether the patient has acute hepatitis or "
    "liver failure",
    "other_liver_disease": "Select whether the patient has other liver disease",
    "kidney_impairment": "Select whether the patient has kidney impairment",
    "transplant_or_immunosuppressant": "Select whether the patient has had a transplant or "
    "takes immunosuppressants",
    "surgery_planned": "Select whether surgery is planned",
    "thyroid_condition": "Select whether the patient takes thyroid hormone or has Hashimoto's",
    "sensitive_to_medicines": "Select whether the patient is sensitive to medicines",
    "formulation": FORMULATION_MESSAGE,
    "schedule": SCHEDULE_MESSAGE,
    "sss_fatigue": "Select how much of a problem fatigue was in the past week",
    "sss_waking_unrefreshed": "Select how much of a problem waking unrefreshed was in the "
    "past week",
    "sss_cognitive": "Select how much of a problem cognitive symptoms were in the past week",
    "sss_headaches": "Select whether headaches bothered the patient in the previous 6 months",
    "sss_lower_abdominal": "Select whether pain or cramps in the lower abdomen bothered the "
    "patient in the previous 6 months",
    "sss_depression": "Select whether depression bothered the patient in the previous 6 months",
    "symptoms_3_months": "Select whether the symptoms have been present for at least 3 months",
}

WPI_MISSING_MESSAGE = (
    "Select the areas where the patient had pain in the past week, or 'No pain in any of "
    "these areas'"
)
WPI_CONFLICT_MESSAGE = "Select painful areas or 'No pain in any of these areas', not both"
WPI_UNKNOWN_MESSAGE = "Select areas from the list only"

OPIOID_CONDITIONS = ConditionGroup(
    name="opioid_conditions",
    legend="Do any of these apply to the patient?",
    items=("opioid_dependence", "opioid_withdrawal", "kratom_or_similar"),
    missing="Select the opioid conditions that apply, or 'None of these apply'",
    conflict="Select 'None of these apply' or the opioid conditions that apply, not both",
)
SAFETY_CONDITIONS = ConditionGroup(
    name="safety_conditions",
    legend="Do any of these apply to the patient?",
    items=(
        "pregnant_or_planning",
        "breastfeeding",
        "naltrexone_now",
        "naltrexone_allergy",
        "naloxone_allergy",
        "acute_hepatitis_or_liver_failure",
        "other_liver_disease",
        "kidney_impairment",
        "transplant_or_immunosuppressant",
        "surgery_planned",
        "thyroid_condition",
        "sensitive_to_medicines",
    ),
    missing="Select the conditions that apply, or 'None of these apply'",
    conflict="Select 'None of these apply' or the conditions that apply, not both",
)
CONDITION_GROUPS = (OPIOID_CONDITIONS, SAFETY_CONDITIONS)
GROUP_OF = {item: group for group in CONDITION_GROUPS for item in group.items}
# Questions of a list with no "Not sure" (as before the lists): ticking one is its "Yes".
YES_NO_CONDITIONS = ("thyroid_condition", "sensitive_to_medicines")

# The checkbox label of each condition: a statement, where the question is the follow-up.
CONDITION_LABELS: dict[str, str] = {
    "opioid_dependence": "Opioid dependence, or methadone or buprenorphine maintenance",
    "opioid_withdrawal": "In opioid withdrawal now",
    "kratom_or_similar": "Uses kratom or another opioid-like substance",
    "pregnant_or_planning": "Pregnant, or planning a pregnancy",
    "breastfeeding": "Breastfeeding",
    "naltrexone_now": "Taking naltrexone now (for example Revia, Vivitrol, Contrave, or LDN)",
    "naltrexone_allergy": "Has had a reaction to naltrexone",
    "naloxone_allergy": "Has had a reaction to naloxone",
    "acute_hepatitis_or_liver_failure": "Acute hepatitis or liver failure",
    "other_liver_disease": "Other liver disease or cirrhosis",
    "kidney_impairment": "Kidney impairment",
    "transplant_or_immunosuppressant": "Organ transplant, or taking immunosuppressants",
    "surgery_planned": "Surgery planned",
    "thyroid_condition": "Takes thyroid hormone, or has Hashimoto's thyroiditis",
    "sensitive_to_medicines": "Sensitive to medicines",
}

SURGERY_DATE_UNTICKED_MESSAGE = (
    "You gave a date of planned surgery but did not tick 'Surgery planned'. Tick it if "
    "surgery is planned, or clear the date"
)


CSRF_EXPIRED_MESSAGE = (
    "This form was open for a long time, so for security it could not be sent. Every answer "
    "is still here: check them and select 'Screen patient' again."
)


@dataclass
class GroupReading:
    """What a posted checklist means: an answer per question, or why it cannot be read."""

    answers: dict[str, str] = default(default_factory=dict)
    # Conditions to show ticked when the form is drawn again ("none" included).
    ticks: list[str] = default(default_factory=list)
    # The error of the list as a whole, shown at the list.
    error: str | None = None
    # Questions still to answer: a ticked condition without its follow-up ("Yes" or "Not
    # sure"), or, in a per-question post, a question without an answer.
    missing_follow_ups: tuple[str, ...] = ()
    # True when the list was not posted and the questions were posted on their own.
    per_question: bool = False


def positive_answers(field: Radios) -> set[str]:
    """The follow-up answers of a ticked condition: "Yes", and "Not sure" where it exists."""
    return {value for value, _ in field.options} - {Answer.NO.value}


def read_group(group: ConditionGroup, posted: list[str], given: dict[str, Radios]) -> GroupReading:
    """Read one checklist and its follow-ups, as posted (nothing validated yet).

    ``posted`` holds the list's values; ``given`` each question's field. Questions posted on
    their own with no list (the way every answer was posted before the lists, and the way a
    program may post them) are read as before, each needing its own answer. Nothing here
    ever turns an absent or unreadable answer into "No": "No" comes
    only from "None of these apply", or from leaving a condition unticked in a list where
    something else was ticked."""
    items = group.items
    answer = {
        q: given[q].data if given[q].data in {v for v, _ in given[q].options} else None
        for q in items
    }
    positive = {q for q in items if answer[q] in positive_answers(given[q])}
    known = [v for v in posted if v == NONE_OF_THESE or v in items]
    shown = [v for v in [NONE_OF_THESE, *items] if v in known]
    if len(known) != len(posted):
        return GroupReading(ticks=shown, error=CONDITION_UNKNOWN_MESSAGE)
    if not posted:
        ticks = [q for q in items if q in positive] or [NONE_OF_THESE]
        if all(answer[q] is not None for q in items):
            return GroupReading(
                answers={q: str(answer[q]) for q in items}, ticks=ticks, per_question=True
            )
        if Answer.NO.value in answer.values():
            # Only a per-question post carries a "No" (the page's follow-ups offer "Yes" and
            # "Not sure"): ask for each missing answer at its question, as before the lists.
            missing = tuple(q for q in items if answer[q] is None)
            given_answers = {q: str(answer[q]) for q in items if answer[q] is not None}
            return GroupReading(
                answers=given_answers, ticks=ticks, missing_follow_ups=missing, per_question=True
            )
        # Nothing ticked: draw nothing ticked (a follow-up's answer stays, and counts once its
        # condition is ticked), never a tick the clinician did not make.
        return GroupReading(error=group.missing)
    none = NONE_OF_THESE in posted
    # A follow-up answered "Yes" or "Not sure" under an unticked condition (possible without
    # JavaScript, where every follow-up shows) is an explicit answer: it counts as ticked.
    ticked = [q for q in items if q in posted or q in positive]
    if none and ticked:
        return GroupReading(ticks=shown, error=group.conflict)
    if none:
        return GroupReading(answers=dict.fromkeys(items, Answer.NO.value), ticks=[NONE_OF_THESE])
    answers = dict.fromkeys(items, Answer.NO.value)
    unanswered: list[str] = []
    for q in ticked:
        follow_ups = positive_answers(given[q])
        if len(follow_ups) == 1:  # a yes/no question: ticking it is the "Yes"
            answers[q] = next(iter(follow_ups))
        elif answer[q] in follow_ups:
            answers[q] = str(answer[q])
        else:
            del answers[q]
            unanswered.append(q)
    return GroupReading(answers=answers, ticks=ticked, missing_follow_ups=tuple(unanswered))


def _radios(
    name: str, choices: list[tuple[str, str]], hint: str = "", conditional: bool = False
) -> Radios:
    return Radios(
        QUESTIONS[name],
        options=choices,
        message=SELECT_MESSAGES[name],
        description=hint,
        conditional=conditional,
    )


SSS_SEVERITY = [(str(score), label) for score, label in enumerate(SEVERITY_LABELS)]


def _wpi_region(region: Region) -> Checkboxes:
    return Checkboxes(
        QUESTIONS[f"wpi_{region.value}"],
        options=[(area.value, AREA_LABELS[area]) for area in REGIONS[region]],
        message=WPI_UNKNOWN_MESSAGE,
    )


class ScreeningForm(BaseForm):
    # Fields are declared in page order: the error summary and the answers list follow it.
    age_years = Text(
        QUESTIONS["age_years"], description="In years", render_kw={"inputmode": "numeric"}
    )
    fibromyalgia_diagnosed = _radios("fibromyalgia_diagnosed", YES_NO_UNSURE)

    opioid_use = _radios(
        "opioid_use",
        [
            (OpioidUse.NONE.value, "No opioids"),
            (OpioidUse.CURRENT.value, "Yes, taking an opioid now"),
            (OpioidUse.RECENT.value, "Stopped recently"),
            (OpioidUse.RECENT_DATE_UNKNOWN.value, "Stopped, date of the last dose not known"),
            (OpioidUse.UNSURE.value, "Not sure"),
        ],
        "Include pain medicines, cough syrups with codeine or hydrocodone, tramadol, "
        "tapentadol and antidiarrhoeals such as Lomotil.",
    )
    opioid_type = _radios(
        "opioid_type",
        [
            (OpioidType.SHORT_ACTING.value, "Short-acting (immediate-release)"),
            (OpioidType.LONG_ACTING.value, "Long-acting (extended-release tablets or patches)"),
            (OpioidType.METHADONE.value, "Methadone"),
            (OpioidType.BUPRENORPHINE.value, "Buprenorphine (sublingual, patch or buccal)"),
            (
                OpioidType.DEPOT_BUPRENORPHINE.value,
                "Buprenorphine depot or implant (Sublocade, Brixadi, Probuphine)",
            ),
            (OpioidType.UNKNOWN.value, "Not known"),
        ],
        "Answer if the patient takes an opioid now or stopped recently.",
        conditional=True,
    )
    last_opioid_dose_on = DateInput(
        QUESTIONS["last_opioid_dose_on"],
        description="Answer if the patient stopped recently. For example, 2026-11-03.",
    )
    opioid_free_since = DateInput(
        QUESTIONS["opioid_free_since"],
        description="If the date of the last dose is not known: the date since which the "
        "patient has certainly taken no opioid. The longer opioid-free interval is counted "
        "from it. Leave blank if nobody can say.",
    )
    ultra_low_dose_protocol = _radios(
        "ultra_low_dose_protocol",
        YES_NO,
        "Answer if the patient takes an opioid now.",
        conditional=True,
    )
    # The checklist, then its questions (each answered through it; see read_group).
    opioid_conditions = ConditionList(OPIOID_CONDITIONS, CONDITION_LABELS)
    opioid_dependence = _radios("opioid_dependence", YES_NO_UNSURE, conditional=True)
    opioid_withdrawal = _radios("opioid_withdrawal", YES_NO_UNSURE, conditional=True)
    kratom_or_similar = _radios(
        "kratom_or_similar",
        YES_NO_UNSURE,
        "Including mitragynine or '7-OH' products.",
        conditional=True,
    )
    medication_list = TextArea(
        QUESTIONS["medication_list"],
        description="Paste the list as it appears in the chart, one medicine per line. It is "
        "read for opioids and is not stored.",
    )
    # Lines of the list the clinician confirmed are not opioids (the summary's button).
    confirmed_not_opioid_lines = Hidden()

    safety_conditions = ConditionList(SAFETY_CONDITIONS, CONDITION_LABELS)
    pregnant_or_planning = _radios("pregnant_or_planning", YES_NO_UNSURE, conditional=True)
    breastfeeding = _radios("breastfeeding", YES_NO_UNSURE, conditional=True)
    naltrexone_now = _radios("naltrexone_now", YES_NO_UNSURE, conditional=True)
    naltrexone_allergy = _radios("naltrexone_allergy", YES_NO_UNSURE, conditional=True)
    naloxone_allergy = _radios("naloxone_allergy", YES_NO_UNSURE, conditional=True)
    acute_hepatitis_or_liver_failure = _radios(
        "acute_hepatitis_or_liver_failure", YES_NO_UNSURE, conditional=True
    )
    other_liver_disease = _radios("other_liver_disease", YES_NO_UNSURE, conditional=True)
    kidney_impairment = _radios("kidney_impairment", YES_NO_UNSURE, conditional=True)
    transplant_or_immunosuppressant = _radios(
        "transplant_or_immunosuppressant", YES_NO_UNSURE, conditional=True
    )
    surgery_planned = _radios("surgery_planned", YES_NO_UNSURE, conditional=True)
    surgery_on = DateInput(
        QUESTIONS["surgery_on"],
        description="Answer if surgery is planned. For example, 2027-01-15.",
    )
    thyroid_condition = _radios(
        "thyroid_condition", YES_NO, "If ticked, the gentle schedule is used.", conditional=True
    )
    sensitive_to_medicines = _radios(
        "sensitive_to_medicines",
        YES_NO,
        "If ticked, the gentle schedule is used.",
        conditional=True,
    )

    start_on = DateInput(QUESTIONS["start_on"], description="For example, 2026-12-01.")
    formulation = _radios(
        "formulation",
        FORMULATION_OPTIONS,
    )
    schedule = _radios(
        "schedule",
        SCHEDULE_OPTIONS,
    )
    baseline_pain_nrs = Text(
        QUESTIONS["baseline_pain_nrs"],
        description="0 means no pain; 10 means pain as bad as the patient can imagine.",
        render_kw={"inputmode": "numeric"},
    )

    # --- Optional: the 2016 criteria, last on the page so that a screening without them
    # reaches "Screen patient" without passing them. Blank is allowed; once started, every
    # part is needed.
    wpi_left_upper = _wpi_region(Region.LEFT_UPPER)
    wpi_right_upper = _wpi_region(Region.RIGHT_UPPER)
    wpi_left_lower = _wpi_region(Region.LEFT_LOWER)
    wpi_right_lower = _wpi_region(Region.RIGHT_LOWER)
    wpi_axial = _wpi_region(Region.AXIAL)
    wpi_none = Checkboxes(
        QUESTIONS["wpi_none"],
        options=[("none", "No pain in any of these areas in the past week")],
        message=WPI_UNKNOWN_MESSAGE,
    )
    sss_fatigue = _radios("sss_fatigue", SSS_SEVERITY, conditional=True)
    sss_waking_unrefreshed = _radios("sss_waking_unrefreshed", SSS_SEVERITY, conditional=True)
    sss_cognitive = _radios("sss_cognitive", SSS_SEVERITY, conditional=True)
    sss_headaches = _radios("sss_headaches", YES_NO, conditional=True)
    sss_lower_abdominal = _radios("sss_lower_abdominal", YES_NO, conditional=True)
    sss_depression = _radios("sss_depression", YES_NO, conditional=True)
    symptoms_3_months = _radios(
        "symptoms_3_months",
        YES_NO,
        "Generally present, at a similar level, for at least 3 months.",
        conditional=True,
    )

    # --- Field checks that need context (today's date, other answers) --------------------

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        self._diagnosis_started: bool | None = None
        self._readings: dict[str, GroupReading] = {}
        super().__init__(*args, **kwargs)
        self.today = today or dt.date.today()
        if not self.is_submitted() and not self.start_on.data:
            self.start_on.data = self.today.isoformat()

    # --- The checklists ---------------------------------------------------------------------

    def condition_reading(self, group: ConditionGroup) -> GroupReading:
        """The reading of one checklist, worked out once from what was posted. The template
        uses it too, to draw the list as the clinician left it."""
        reading = self._readings.get(group.name)
        if reading is None:
            reading = read_group(
                group,
                list(self[group.name].data or []),
                {q: self[q] for q in group.items},
            )
            self._readings[group.name] = reading
        return reading

    def validate(self, extra_validators: Any = None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for group in CONDITION_GROUPS:
            extra.setdefault(group.name, []).append(_check_condition_list)
            for q in group.items:
                # Before the question's own check (validate_surgery_planned reads the answer).
                extra.setdefault(q, []).insert(0, _check_condition)
        return bool(super().validate(extra))

    def validate_age_years(self, field: Field) -> None:
        require_whole_number(
            field, *AGE_RANGE, "Enter the patient's age in years", "Age must be between 0 and 120"
        )

    def validate_baseline_pain_nrs(self, field: Field) -> None:
        require_whole_number(
            field,
            *PAIN_RANGE,
            "Enter the patient's average pain from 0 to 10",
            "Pain must be a whole number from 0 to 10",
        )

    def validate_last_opioid_dose_on(self, field: DateInput) -> None:
        if self.opioid_use.data != OpioidUse.RECENT.value:
            return
        name = "the date of the last opioid dose"
        day = require_date(field, name)
        if day > self.today:
            raise ValidationError("The date of the last opioid dose must be today or in the past")
        if day < self.today - dt.timedelta(days=366 * 5):
            raise ValidationError(
                "The date of the last opioid dose must be within the last 5 years"
            )

    def validate_opioid_use(self, field: Field) -> None:
        # An answer that contradicts a detail given below it is never screened silently.
        if field.data not in {OpioidUse.NONE.value, OpioidUse.UNSURE.value}:
            return
        details = []
        if (self.last_opioid_dose_on.data or "").strip() or (
            self.opioid_free_since.data or ""
        ).strip():
            details.append("a date of the last opioid dose")
        if self.opioid_type.data:
            details.append("an opioid type")
        if details:
            chosen = dict(self.opioid_use.options)[field.data]
            raise ValidationError(
                f"You selected '{chosen}' but also gave {' and '.join(details)}. Select "
                "'Stopped recently' or 'Yes, taking an opioid now' if that is right, or clear "
                "the date"
            )

    def validate_opioid_free_since(self, field: DateInput) -> None:
        if self.opioid_use.data != OpioidUse.RECENT_DATE_UNKNOWN.value:
            return
        if not (field.data or "").strip():
            return
        day = require_date(field, "the date since which no opioid was taken")
        if day > self.today:
            raise ValidationError(
                "The date since which no opioid was taken must be today or in the past"
            )

    def validate_confirmed_not_opioid_lines(self, field: Field) -> None:
        if len(field.data or "") > MEDICATION_LIST_MAX_CHARS:
            raise ValidationError("Confirm fewer lines at a time")

    def validate_opioid_type(self, field: Radios) -> None:
        if self.opioid_use.data == OpioidUse.RECENT.value and not field.data:
            raise ValidationError(field.message)

    def validate_ultra_low_dose_protocol(self, field: Radios) -> None:
        if self.opioid_use.data == OpioidUse.CURRENT.value and not field.data:
            raise ValidationError(field.message)

    def validate_surgery_planned(self, field: Field) -> None:
        # A date given under "No" or "Not sure" is a contradiction: ask, never drop the date.
        if (
            field.data in {Answer.NO.value, Answer.UNSURE.value}
            and (self.surgery_on.data or "").strip()
        ):
            reading = self.condition_reading(SAFETY_CONDITIONS)
            if field.data == Answer.NO.value and not reading.per_question:
                raise ValidationError(SURGERY_DATE_UNTICKED_MESSAGE)
            chosen = dict(self.surgery_planned.options)[field.data]
            raise ValidationError(
                f"You selected '{chosen}' but also gave a date of planned surgery. Select "
                "'Yes' if surgery is planned, or clear the date"
            )

    def validate_surgery_on(self, field: DateInput) -> None:
        if self.surgery_planned.data != Answer.YES.value:
            return
        if require_date(field, "the date of the planned surgery") < self.today:
            raise ValidationError("The date of the planned surgery must be today or in the future")

    def validate_start_on(self, field: DateInput) -> None:
        day = require_date(field, "the start date")
        if day < self.today:
            raise ValidationError("The start date must be today or in the future")
        if day > self.today + dt.timedelta(days=366):
            raise ValidationError("The start date must be within the next year")

    def validate_medication_list(self, field: Field) -> None:
        text = field.data or ""
        if len(text) > MEDICATION_LIST_MAX_CHARS:
            raise ValidationError(
                f"The medication list must be {MEDICATION_LIST_MAX_CHARS:,} characters or fewer; "
                f"this one has {len(text):,}. Paste only the current medicines"
            )
        if text.count("\n") + 1 > MEDICATION_LIST_MAX_LINES:
            raise ValidationError(
                f"The medication list must be {MEDICATION_LIST_MAX_LINES} lines or fewer. "
                "Paste only the current medicines"
            )

    # --- The optional 2016 criteria ---------------------------------------------------------

    def diagnosis_started(self) -> bool:
        """True once any part of the criteria section has a valid answer. Fields validate in
        page order, so later ones may still hold raw input: only listed values count, which
        also makes the answer the same before and after validation. Eight validators ask, so
        it is worked out once per form."""
        if self._diagnosis_started is None:
            self._diagnosis_started = any(answered(self[name]) for name in DIAGNOSIS_FIELDS)
        return self._diagnosis_started

    def validate_wpi_left_upper(self, field: Field) -> None:
        # The whole index is checked here, so the message links to its first checkbox.
        if not self.diagnosis_started():
            return
        areas = [v for name in WPI_FIELDS for v in (self[name].data or [])]
        if areas and self.wpi_none.data:
            raise ValidationError(WPI_CONFLICT_MESSAGE)
        if not areas and not self.wpi_none.data:
            raise ValidationError(WPI_MISSING_MESSAGE)

    def _diagnosis_answer_required(self, field: Radios) -> None:
        if self.diagnosis_started():
            field.require_answer()

    validate_sss_fatigue = _diagnosis_answer_required
    validate_sss_waking_unrefreshed = _diagnosis_answer_required
    validate_sss_cognitive = _diagnosis_answer_required
    validate_sss_headaches = _diagnosis_answer_required
    validate_sss_lower_abdominal = _diagnosis_answer_required
    validate_sss_depression = _diagnosis_answer_required
    validate_symptoms_3_months = _diagnosis_answer_required

    def acr_2016(self) -> Acr2016Answers | None:
        """The criteria answers, or None when the section was left blank."""
        if not self.diagnosis_started():
            return None
        areas = frozenset(WpiArea(v) for name in WPI_FIELDS for v in (self[name].data or []))

        def yes(name: str) -> bool:
            return self[name].data == Answer.YES.value

        return Acr2016Answers(
            painful_areas=areas,
            fatigue=int(self.sss_fatigue.data),
            waking_unrefreshed=int(self.sss_waking_unrefreshed.data),
            cognitive_symptoms=int(self.sss_cognitive.data),
            headaches=yes("sss_headaches"),
            lower_abdominal_pain_or_cramps=yes("sss_lower_abdominal"),
            depression=yes("sss_depression"),
            symptoms_at_least_3_months=yes("symptoms_3_months"),
        )

    # --- Results ---------------------------------------------------------------------------

    def to_answers(self) -> PatientAnswers:
        """Only call after ``validate()`` succeeded."""
        use = OpioidUse(self.opioid_use.data)
        recent = use is OpioidUse.RECENT
        current = use is OpioidUse.CURRENT
        date_unknown = use is OpioidUse.RECENT_DATE_UNKNOWN
        surgery = Answer(self.surgery_planned.data)
        return PatientAnswers(
            assessed_on=self.today,
            age_years=int(self.age_years.data.strip()),
            pregnant_or_planning=Answer(self.pregnant_or_planning.data),
            breastfeeding=Answer(self.breastfeeding.data),
            fibromyalgia_diagnosed=Answer(self.fibromyalgia_diagnosed.data),
            opioid_use=use,
            opioid_type=OpioidType(self.opioid_type.data)
            if (recent or current or date_unknown) and self.opioid_type.data
            else None,
            last_opioid_dose_on=self.last_opioid_dose_on.date
            if recent
            else (self.opioid_free_since.date if date_unknown else None),
            ultra_low_dose_protocol=Answer(self.ultra_low_dose_protocol.data)
            if current
            else Answer.NO,
            opioid_dependence=Answer(self.opioid_dependence.data),
            opioid_withdrawal=Answer(self.opioid_withdrawal.data),
            kratom_or_similar=Answer(self.kratom_or_similar.data),
            medication_list=self.medication_list.data or "",
            confirmed_not_opioid_lines=tuple(
                key
                for key in map(line_key, (self.confirmed_not_opioid_lines.data or "").splitlines())
                if key
            ),
            naltrexone_now=Answer(self.naltrexone_now.data),
            naltrexone_allergy=Answer(self.naltrexone_allergy.data),
            naloxone_allergy=Answer(self.naloxone_allergy.data),
            acute_hepatitis_or_liver_failure=Answer(self.acute_hepatitis_or_liver_failure.data),
            other_liver_disease=Answer(self.other_liver_disease.data),
            kidney_impairment=Answer(self.kidney_impairment.data),
            transplant_or_immunosuppressant=Answer(self.transplant_or_immunosuppressant.data),
            surgery_planned=surgery,
            surgery_on=self.surgery_on.date if surgery is Answer.YES else None,
            thyroid_condition=Answer(self.thyroid_condition.data),
            sensitive_to_medicines=Answer(self.sensitive_to_medicines.data),
            start_on=self.start_on.date,
            formulation=Formulation(self.formulation.data),
            schedule=Schedule(self.schedule.data),
            baseline_pain_nrs=int(self.baseline_pain_nrs.data.strip()),
            acr_2016=self.acr_2016(),
        )


def _check_condition_list(form: ScreeningForm, field: ConditionList) -> None:
    reading = form.condition_reading(field.group)
    field.data = list(reading.ticks)
    if reading.error:
        raise ValidationError(reading.error)


def _check_condition(form: ScreeningForm, field: Radios) -> None:
    """Give a question of a checklist its answer from the list's reading."""
    reading = form.condition_reading(GROUP_OF[field.name])
    if field.name in reading.missing_follow_ups:
        raise StopValidation(field.message)
    if field.name in reading.answers:
        field.data = reading.answers[field.name]
    elif reading.error:
        # The list's own error says what to do; keep this answer as given, but stop here.
        raise StopValidation()
