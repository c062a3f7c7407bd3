"""The follow-up form: parse and validate, then hand the rules a frozen ``FollowupAnswers``.

All of this form's wording is here, in the GOV.UK style of ``forms.py`` ("Enter ...",
"Select ..."). The field classes and number/date helpers are the screening form's own.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from .forms import (
    FORMULATION_OPTIONS,
    NUMBER_MAX_CHARS,
    SCHEDULE_OPTIONS,
    YES_NO,
    YES_NO_UNSURE,
    Checkboxes,
    DateInput,
    Radios,
    _date_required,
    _whole_number,
)
from .rules import Answer, Formulation, Schedule
from .rules.followup import (
    DOSE_STEP_MG,
    SIDE_EFFECT_LABELS,
    DoseTiming,
    FollowupAnswers,
    OpioidsSinceStart,
    PainMethod,
    PainScore,
    ReportedSideEffect,
    SideEffectKind,
    SideEffectSeverity,
)
from .rules.units import fmt_mg

CSRF_EXPIRED_MESSAGE = (
    "This form was open for a long time, so for security it could not be sent. Every answer "
    "is still here: check them and select 'Assess the response' again."
)

PEG_ITEMS = (
    ("pain", "P: average pain in the past week"),
    ("enjoyment", "E: how pain interfered with enjoyment of life"),
    ("activity", "G: how pain interfered with general activity"),
)
PEG_WORDS = {
    "pain": "average pain (P)",
    "enjoyment": "interference with enjoyment of life (E)",
    "activity": "interference with general activity (G)",
}

SEVERITY_OPTIONS = [
    (SideEffectSeverity.MILD.value, "Mild, or has settled"),
    (SideEffectSeverity.PERSISTENT.value, "Troublesome and not settling"),
    (SideEffectSeverity.SEVERE.value, "Severe"),
]


def _severity_field(kind: SideEffectKind) -> Radios:
    label = SIDE_EFFECT_LABELS[kind]
    return Radios(
        f"How bad is it: {label.lower()}?",
        options=SEVERITY_OPTIONS,
        conditional=True,
        message=f"Select how bad the {label.lower()} is",
    )


def _pain_field(label: str, hint: str = "") -> StringField:
    return StringField(label, description=hint, render_kw={"inputmode": "numeric"})


class FollowupForm(FlaskForm):
    # --- The plan so far --------------------------------------------------------------------
    started_on = DateInput(
        "Date LDN was started", description="For example, 2026-08-03.", example="2026-08-03"
    )
    followup_on = DateInput(
        "Date of this follow-up",
        description="Usually today. For example, 2026-11-27.",
        example="2026-11-27",
    )
    schedule = Radios(
        "Titration schedule",
        options=SCHEDULE_OPTIONS,
    )
    formulation = Radios(
        "Formulation",
        options=FORMULATION_OPTIONS,
    )
    current_dose_mg = StringField(
        "Current daily dose in mg",
        description="For example, 4.5.",
        render_kw={"inputmode": "decimal"},
    )
    dose_timing = Radios(
        "When does the patient take it?",
        options=[
            (DoseTiming.NIGHT.value, "At night"),
            (DoseTiming.MORNING.value, "In the morning"),
        ],
        message="Select whether the patient takes LDN at night or in the morning",
    )
    target_reached = Radios(
        "Has the patient reached the target dose?",
        options=YES_NO,
        message="Select whether the patient has reached the target dose",
    )
    target_reached_on = DateInput(
        "Date the target dose was reached",
        description="Answer if the target was reached. For example, 2026-08-31.",
        example="2026-08-31",
    )

    # --- Pain -------------------------------------------------------------------------------
    pain_method = Radios(
        "How was pain measured, at the start and now?",
        options=[
            (PainMethod.NRS.value, "One pain score from 0 to 10 (NRS)"),
            (PainMethod.PEG.value, "PEG: 3 questions, each from 0 to 10"),
        ],
        message="Select how pain was measured",
        description="Use the same measure at the start and now.",
    )
    baseline_nrs = _pain_field("Pain at the start (baseline), 0 to 10", "Before LDN was started.")
    current_nrs = _pain_field("Pain now, 0 to 10", "Average pain in the past week.")
    baseline_peg_pain = _pain_field(f"Baseline {PEG_ITEMS[0][1]}")
    baseline_peg_enjoyment = _pain_field(f"Baseline {PEG_ITEMS[1][1]}")
    baseline_peg_activity = _pain_field(f"Baseline {PEG_ITEMS[2][1]}")
    current_peg_pain = _pain_field(f"Now {PEG_ITEMS[0][1]}")
    current_peg_enjoyment = _pain_field(f"Now {PEG_ITEMS[1][1]}")
    current_peg_activity = _pain_field(f"Now {PEG_ITEMS[2][1]}")

    # --- Side effects -------------------------------------------------------------------------
    side_effects_any = Radios(
        "Has the patient had side effects since starting LDN?",
        options=YES_NO,
        message="Select whether the patient has had side effects",
    )
    side_effects = Checkboxes(
        "Which side effects?",
        options=[(kind.value, label) for kind, label in SIDE_EFFECT_LABELS.items()],
        message="Select side effects from the list only",
        description="Select all that apply.",
    )
    severity_vivid_dreams = _severity_field(SideEffectKind.VIVID_DREAMS)
    severity_trouble_sleeping = _severity_field(SideEffectKind.TROUBLE_SLEEPING)
    severity_headache = _severity_field(SideEffectKind.HEADACHE)
    severity_nausea = _severity_field(SideEffectKind.NAUSEA)
    severity_diarrhoea = _severity_field(SideEffectKind.DIARRHOEA)
    severity_anxiety = _severity_field(SideEffectKind.ANXIETY)
    severity_other = _severity_field(SideEffectKind.OTHER)

    # --- Safety since the start ---------------------------------------------------------------
    opioids_since_start = Radios(
        "Has the patient taken any opioid since starting LDN?",
        options=[
            (OpioidsSinceStart.NONE.value, "No"),
            (OpioidsSinceStart.CURRENT.value, "Yes, and takes one now"),
            (OpioidsSinceStart.STOPPED.value, "Yes, but has stopped"),
            (OpioidsSinceStart.UNSURE.value, "Not sure"),
        ],
        message="Select whether the patient has taken any opioid since starting LDN",
        description="Include pain medicines, cough syrups with codeine, tramadol and "
        "medicines for diarrhoea such as Lomotil.",
    )
    pregnant_or_planning = Radios(
        "Is the patient pregnant, or planning a pregnancy?",
        options=YES_NO_UNSURE,
    )
    liver_symptoms = Radios(
        "Has the patient had symptoms of acute hepatitis?",
        options=YES_NO_UNSURE,
        message="Select whether the patient has had symptoms of acute hepatitis",
        description="The label tells patients to seek care if these appear.",
    )
    surgery_planned = Radios("Is surgery planned?", options=YES_NO_UNSURE)
    surgery_on = DateInput(
        "Date of the planned surgery",
        description="Answer if surgery is planned. For example, 2027-01-15.",
        example="2027-01-15",
    )

    def __init__(
        self,
        *args: Any,
        max_dose_mg: float,
        target_dose_mg: float,
        today: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or dt.date.today()
        self.max_dose_mg = max_dose_mg
        self.target_reached.description = (
            f"The target in the settings is {fmt_mg(target_dose_mg)} a day, unless the "
            "prescriber chose another."
        )
        if not self.is_submitted() and not self.followup_on.data:
            self.followup_on.data = self.today.isoformat()

    # --- Dates ------------------------------------------------------------------------------

    def validate_started_on(self, field: DateInput) -> None:
        day = _date_required(field, "the date LDN was started")
        if day > self.today:
            raise ValidationError("The date LDN was started must be today or in the past")
        if day < self.today - dt.timedelta(days=366 * 5):
            raise ValidationError("The date LDN was started must be within the last 5 years")

    def validate_followup_on(self, field: DateInput) -> None:
        day = _date_required(field, "the date of this follow-up")
        if day > self.today:
            raise ValidationError("The date of this follow-up must be today or in the past")
        if day < self.today - dt.timedelta(days=366):
            raise ValidationError("The date of this follow-up must be within the last year")
        started = self.started_on.date
        if started is not None and day < started:
            raise ValidationError(
                "The date of this follow-up must be on or after the date LDN was started"
            )

    def validate_target_reached_on(self, field: DateInput) -> None:
        if self.target_reached.data != Answer.YES.value:
            return
        day = _date_required(field, "the date the target dose was reached")
        started, followup = self.started_on.date, self.followup_on.date
        if started is not None and day < started:
            raise ValidationError(
                "The date the target dose was reached must be on or after the date LDN was started"
            )
        if followup is not None and day > followup:
            raise ValidationError(
                "The date the target dose was reached must be on or before the date of this "
                "follow-up"
            )

    def validate_surgery_on(self, field: DateInput) -> None:
        if self.surgery_planned.data != Answer.YES.value:
            return
        day = _date_required(field, "the date of the planned surgery")
        followup = self.followup_on.date
        if followup is not None and day < followup:
            raise ValidationError(
                "The date of the planned surgery must be on or after the date of this follow-up"
            )

    # --- Dose -------------------------------------------------------------------------------

    def validate_current_dose_mg(self, field: Field) -> None:
        raw = (field.data or "").strip()
        field.data = raw
        if not raw:
            raise ValidationError("Enter the current daily dose in mg, for example 4.5")
        dose = _decimal(raw)
        if dose is None:
            raise ValidationError("Enter the current daily dose as a number of mg, like 4.5")
        if dose <= 0:
            raise ValidationError("The current daily dose must be more than 0 mg")
        if dose > self.max_dose_mg:
            raise ValidationError(
                f"The current daily dose must be {fmt_mg(self.max_dose_mg)} or less, the "
                "maximum daily dose in the settings"
            )
        if abs(dose / DOSE_STEP_MG - round(dose / DOSE_STEP_MG)) > 1e-9:
            raise ValidationError(
                f"The current daily dose must be a multiple of {fmt_mg(DOSE_STEP_MG)}, like 2.25"
            )

    def validate_target_reached(self, field: Field) -> None:
        # At the maximum there is nothing left to reach: the answer and the dose disagree.
        dose = _decimal((self.current_dose_mg.data or "").strip())
        if field.data == Answer.NO.value and dose is not None and dose == self.max_dose_mg:
            raise ValidationError(
                f"The current dose is the maximum of {fmt_mg(self.max_dose_mg)} a day, so "
                "select 'Yes' and enter when it was reached"
            )

    # --- Pain -------------------------------------------------------------------------------

    def _pain_fields(self) -> dict[str, list[Field]]:
        if self.pain_method.data == PainMethod.NRS.value:
            return {"baseline": [self.baseline_nrs], "current": [self.current_nrs]}
        if self.pain_method.data == PainMethod.PEG.value:
            return {
                when: [self[f"{when}_peg_{item}"] for item, _ in PEG_ITEMS]
                for when in ("baseline", "current")
            }
        return {}

    def _check_pain(self, field: Field) -> None:
        needed = [f for fields in self._pain_fields().values() for f in fields]
        if field not in needed:
            return
        when, _, item = field.name.partition("_")
        if item == "nrs":
            what = f"the {when} pain score"
        else:
            what = f"the {when} PEG {PEG_WORDS[item.removeprefix('peg_')]}"
        _whole_number(
            field,
            0,
            10,
            f"Enter {what} from 0 to 10",
            f"{what[0].upper()}{what[1:]} must be a whole number from 0 to 10",
        )

    validate_baseline_nrs = _check_pain
    validate_current_nrs = _check_pain
    validate_baseline_peg_pain = _check_pain
    validate_baseline_peg_enjoyment = _check_pain
    validate_baseline_peg_activity = _check_pain
    validate_current_peg_pain = _check_pain
    validate_current_peg_enjoyment = _check_pain
    validate_current_peg_activity = _check_pain

    # --- Side effects -------------------------------------------------------------------------

    def validate_side_effects(self, field: Checkboxes) -> None:
        if self.side_effects_any.data == Answer.YES.value and not field.data:
            raise ValidationError("Select the side effects the patient has had")

    def _check_severity(self, field: Radios) -> None:
        kind = field.name.removeprefix("severity_")
        if self._has_effect(kind) and not field.data:
            raise ValidationError(field.select_message)

    validate_severity_vivid_dreams = _check_severity
    validate_severity_trouble_sleeping = _check_severity
    validate_severity_headache = _check_severity
    validate_severity_nausea = _check_severity
    validate_severity_diarrhoea = _check_severity
    validate_severity_anxiety = _check_severity
    validate_severity_other = _check_severity

    def _has_effect(self, kind: str) -> bool:
        return self.side_effects_any.data == Answer.YES.value and kind in (
            self.side_effects.data or []
        )

    # --- Results ----------------------------------------------------------------------------

    def clear_unused(self) -> None:
        """Empty the answers that do not apply (a hidden PEG after choosing the NRS, say), so
        the summary and "Change answers" carry only what was used. Call after ``validate()``."""
        used = {f.name for fields in self._pain_fields().values() for f in fields}
        for name in (
            "baseline_nrs",
            "current_nrs",
            *(f"{w}_peg_{i}" for w in ("baseline", "current") for i, _ in PEG_ITEMS),
        ):
            if name not in used:
                self[name].data = ""
        if self.target_reached.data != Answer.YES.value:
            self.target_reached_on.data = ""
        if self.surgery_planned.data != Answer.YES.value:
            self.surgery_on.data = ""
        if self.side_effects_any.data != Answer.YES.value:
            self.side_effects.data = []
        for kind in SideEffectKind:
            if not self._has_effect(kind.value):
                self[f"severity_{kind.value}"].data = None

    def to_answers(self) -> FollowupAnswers:
        """Only call after ``validate()`` succeeded."""
        started, followup = self.started_on.date, self.followup_on.date
        dose = _decimal((self.current_dose_mg.data or "").strip())
        if started is None or followup is None or dose is None:
            raise RuntimeError("to_answers() called on a form that did not validate")
        method = PainMethod(self.pain_method.data)
        fields = self._pain_fields()

        def score(when: str) -> PainScore:
            return PainScore(method, tuple(int(f.data.strip()) for f in fields[when]))

        effects = tuple(
            ReportedSideEffect(kind, SideEffectSeverity(self[f"severity_{kind.value}"].data))
            for kind in SideEffectKind
            if self._has_effect(kind.value)
        )
        surgery = Answer(self.surgery_planned.data)
        reached = self.target_reached.data == Answer.YES.value
        return FollowupAnswers(
            assessed_on=followup,
            started_on=started,
            schedule=Schedule(self.schedule.data),
            formulation=Formulation(self.formulation.data),
            current_dose_mg=dose,
            timing=DoseTiming(self.dose_timing.data),
            target_reached_on=self.target_reached_on.date if reached else None,
            baseline_pain=score("baseline"),
            current_pain=score("current"),
            side_effects=effects,
            opioids_since_start=OpioidsSinceStart(self.opioids_since_start.data),
            pregnant_or_planning=Answer(self.pregnant_or_planning.data),
            liver_symptoms=Answer(self.liver_symptoms.data),
            surgery_planned=surgery,
            surgery_on=self.surgery_on.date if surgery is Answer.YES else None,
        )


def _decimal(raw: str) -> float | None:
    """A plain decimal such as 4.5 or 2.25; no signs, exponents, 'nan' or 'inf'."""
    if not raw or len(raw) > NUMBER_MAX_CHARS or not raw.isascii():
        return None
    whole, _, fraction = raw.partition(".")
    if not (whole or fraction) or not (whole + fraction).isdigit():
        return None
    value = float(raw)
    return value if math.isfinite(value) else None
