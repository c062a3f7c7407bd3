"""Every clinical threshold, declared once with its unit, range, cited default and source.

The admin form, the rules and the printed sheet all read this one object, so no number
is written twice. ``SETTING_SPECS`` is the declaration; ``RuleSettings`` is the typed value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .sources import Source, source
from .units import fmt_amount, fmt_number


class HepaticAction(StrEnum):
    """What acute hepatitis or liver failure leads to: label versions disagree."""

    STOP = "stop"
    REVIEW = "review"


class DiagnosisAction(StrEnum):
    """What unmet 2016 criteria lead to. No source says; "stop" is not offered for that reason."""

    REVIEW = "review"
    CAUTION = "caution"


@dataclass(frozen=True, slots=True)
class SafeRange:
    """The clinically safe part of a setting's technical range, and the source that sets it.

    The technical range (``SettingSpec.minimum``/``maximum``) is a hard limit: a value outside
    it is refused. A value inside it but outside the safe range is allowed only with a
    written reason for departing from the source (``departures``). ``None`` on a side means
    the safe range runs to the technical limit there. For a choice setting, ``choices``
    lists the safe options.
    """

    minimum: float | None
    maximum: float | None
    source: Source
    why: str
    choices: tuple[str, ...] = ()


class SettingKind(StrEnum):
    """What a setting holds, derived from its type in ``RuleSettings`` and its choices."""

    WHOLE = "whole"  # a whole number (days, weeks, percent, years)
    DECIMAL = "decimal"  # mg, mg/mL
    CHOICE = "choice"  # one of ``choices``
    TEXT = "text"  # printed text with no clinical meaning (clinic details)


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingSpec:
    """Everything about one setting. Declared once, beside its field in ``RuleSettings``;
    the message nouns, the kinds, the admin form and the file format all read it."""

    name: str
    label: str
    noun: str  # how an error message names it: "Enter the target daily dose"
    unit: str
    kind: SettingKind
    minimum: float | None  # the technical range: a hard limit
    maximum: float | None  # (for text, the longest allowed)
    step: float | None
    default: Any
    source: Source
    why: str
    group: str
    choices: tuple[str, ...] = ()
    # None only for the clinic's name and phone number: text with no clinical meaning.
    safe: SafeRange | None = None


def setting(**spec: Any) -> Any:
    """A ``RuleSettings`` field with its declaration (everything in ``SettingSpec`` but the
    name and kind, which come from the field itself)."""
    return dataclasses.field(default=spec["default"], metadata={"spec": spec})


def text_setting(*, default: str = "", **spec: Any) -> Any:
    """A free-text setting: no unit, no range but a maximum length, no step, no safe range."""
    return setting(unit="", minimum=None, step=None, safe=None, default=default, **spec)


_OPIOIDS = "Opioid-free interval"
_STANDARD = "Standard schedule"
_GENTLE = "Gentle schedule"
_PLAN = "Dose plan and review"
_SAFETY = "Other safety rules"
_CLINIC = "Clinic details"
SIGN_OFF_GROUP = _SPANISH = "Spanish sheet: translation sign-off"


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The typed settings in force. Each field is one setting, declared here once."""

    # Each setting carries two ranges. The technical range (minimum, maximum) is a hard limit:
    # values outside it are refused. The safe range (``safe=``) is what the source behind it
    # supports; a value between the two needs a written reason for the departure before it can
    # be published. Where no source narrows a setting, its safe range is the technical range
    # (``SafeRange(minimum=None, maximum=None, ...)``), and the comment says the sources
    # are silent.

    # Hard limit 3 days: no source justifies a shorter opioid-free interval, so fewer days
    # are refused outright (clinic policy, issue 12), not merely warned about. Safe from the
    # label's minimum of 7 days; longer is more cautious (FINAL excluded opioids for 4 weeks).
    washout_days_short_acting: int = setting(
        label="Opioid-free days after short-acting opioids",
        noun="the opioid-free days after short-acting opioids",
        unit="days",
        minimum=3,
        maximum=180,
        step=1,
        default=10,
        source=source("label_opioid_free"),
        why="The label asks for at least 7-10 days; the default takes the upper end.",
        group=_OPIOIDS,
        safe=SafeRange(
            minimum=7,
            maximum=None,
            source=source("label_opioid_free"),
            why="The label's minimum after short-acting opioids is 7 days.",
        ),
    )
    # The tablet label gives no number after methadone, buprenorphine or other long-acting
    # opioids; it warns of severe precipitated withdrawal on switching. "Two weeks" is only
    # in secondary pages (it may be VIVITROL wording), so the floor of 14 days is clinic
    # policy: the cited default, below which a departure needs a reason. Hard limit 3 days,
    # as for short-acting opioids (and never below them: a cross-field rule).
    washout_days_long_acting: int = setting(
        label="Opioid-free days after long-acting opioids, methadone "
        "or buprenorphine (and when the type is unknown)",
        noun="the opioid-free days after long-acting opioids",
        unit="days",
        minimum=3,
        maximum=180,
        step=1,
        default=14,
        source=source("label_switching"),
        why="The tablet label gives no number. 'For as long as two weeks' may be VIVITROL label "
        "text: verify against the tablet label.",
        group=_OPIOIDS,
        safe=SafeRange(
            minimum=14,
            maximum=None,
            source=source("policy_long_acting_floor"),
            why="The label gives no number for long-acting opioids; the clinic keeps 14 days "
            "as the floor.",
        ),
    )
    # Titration: no label or trial sets a starting dose or step (FINAL's 4-week schedule was
    # not retrieved). The cited guidance starts at 0.25-1.5 mg and steps by 0.25-1.5 mg at
    # most once a week, so a higher first dose, a bigger step or a faster pace departs
    # from every source. Smaller or slower is more cautious: the technical limit (and the
    # 12-row calendar) bounds that side.
    standard_start_dose_mg: float = setting(
        label="Standard schedule: starting dose",
        noun="the standard starting dose",
        unit="mg",
        minimum=0.25,
        maximum=6,
        step=0.25,
        default=1.5,
        source=source("hdrx_dosing"),
        why="Compounding pharmacy protocol for chronic pain: 1.5 mg, then 3 mg, then 4.5 mg.",
        group=_STANDARD,
        safe=SafeRange(
            minimum=None,
            maximum=1.5,
            source=source("hdrx_dosing"),
            why="No cited protocol starts above 1.5 mg.",
        ),
    )
    standard_step_mg: float = setting(
        label="Standard schedule: dose increase per step",
        noun="the standard dose step",
        unit="mg",
        minimum=0.25,
        maximum=6,
        step=0.25,
        default=1.5,
        source=source("hdrx_dosing"),
        why="Same protocol: steps of 1.5 mg.",
        group=_STANDARD,
        safe=SafeRange(
            minimum=None,
            maximum=1.5,
            source=source("hdrx_dosing"),
            why="No cited protocol steps up by more than 1.5 mg.",
        ),
    )
    standard_step_interval_days: int = setting(
        label="Standard schedule: days between increases",
        noun="the days between standard steps",
        unit="days",
        minimum=1,
        maximum=56,
        step=1,
        default=7,
        source=source("hdrx_dosing"),
        why="Same protocol: about one week per step.",
        group=_STANDARD,
        safe=SafeRange(
            minimum=7,
            maximum=None,
            source=source("hdrx_dosing"),
            why="No cited protocol steps up more often than weekly.",
        ),
    )
    # The gentle schedule is for people sensitive to medicines (and thyroid patients); its
    # source gives 0.5 mg, +0.5 mg every 2 weeks. LDN Research Trust thyroid advice allows
    # 1-2 weeks, so a clinic using it mainly for thyroid patients may publish 7 days, with
    # that reason.
    gentle_start_dose_mg: float = setting(
        label="Gentle schedule: starting dose",
        noun="the gentle starting dose",
        unit="mg",
        minimum=0.25,
        maximum=6,
        step=0.25,
        default=0.5,
        source=source("ldnrt_sensitive"),
        why="LDN Research Trust advice for people sensitive to medicines.",
        group=_GENTLE,
        safe=SafeRange(
            minimum=None,
            maximum=0.5,
            source=source("ldnrt_sensitive"),
            why="Sensitive patients start at 0.5 mg, not higher.",
        ),
    )
    gentle_step_mg: float = setting(
        label="Gentle schedule: dose increase per step",
        noun="the gentle dose step",
        unit="mg",
        minimum=0.25,
        maximum=6,
        step=0.25,
        default=0.5,
        source=source("ldnrt_sensitive"),
        why="Same advice: steps of 0.5 mg.",
        group=_GENTLE,
        safe=SafeRange(
            minimum=None,
            maximum=0.5,
            source=source("ldnrt_sensitive"),
            why="Sensitive patients step up by 0.5 mg, not more.",
        ),
    )
    gentle_step_interval_days: int = setting(
        label="Gentle schedule: days between increases",
        noun="the days between gentle steps",
        unit="days",
        minimum=1,
        maximum=56,
        step=1,
        default=14,
        source=source("ldnrt_sensitive"),
        why="Same advice: every 2 weeks.",
        group=_GENTLE,
        safe=SafeRange(
            minimum=14,
            maximum=None,
            source=source("ldnrt_sensitive"),
            why="Sensitive patients step up every 2 weeks, not sooner.",
        ),
    )
    # Target and maximum: the highest dose studied in fibromyalgia is FINAL's 6 mg (adverse
    # events as on placebo), which is already the technical maximum; no source says a lower
    # target is unsafe. So the safe range is the technical range. "Target above the
    # maximum" is refused by a cross-field rule (validate_values).
    target_dose_mg: float = setting(
        label="Target daily dose",
        noun="the target daily dose",
        unit="mg",
        minimum=0.5,
        maximum=6,
        step=0.25,
        default=4.5,
        source=source("younger_2013"),
        why="4.5 mg was the dose in most fibromyalgia trials.",
        group=_PLAN,
        safe=SafeRange(
            minimum=None,
            maximum=None,
            source=source("final_trial"),
            why="The highest dose studied in fibromyalgia is 6 mg.",
        ),
    )
    max_dose_mg: float = setting(
        label="Maximum daily dose",
        noun="the maximum daily dose",
        unit="mg",
        minimum=0.5,
        maximum=6,
        step=0.25,
        default=4.5,
        source=source("final_trial"),
        why="Defaults to the usual 4.5 mg; may be raised up to the 6 mg used in FINAL.",
        group=_PLAN,
        safe=SafeRange(
            minimum=None,
            maximum=None,
            source=source("final_trial"),
            why="The highest dose studied in fibromyalgia is 6 mg.",
        ),
    )
    # Sources are silent on a safe concentration. Both published recipes (1 mg/mL, Fawcett
    # 1997; 5 mg/mL, Alberta Health Services) lie inside the technical range.
    liquid_mg_per_ml: float = setting(
        label="Liquid concentration",
        noun="the liquid concentration",
        unit="mg/mL",
        minimum=0.5,
        maximum=5,
        step=0.5,
        default=1.0,
        source=source("fawcett_1997"),
        why="The published 1 mg/mL formula; a 5 mg/mL recipe also exists "
        "(Alberta Health Services).",
        group=_PLAN,
        safe=SafeRange(
            minimum=None,
            maximum=None,
            source=source("fawcett_1997"),
            why="No source sets a safe concentration; the published recipes are 1 and 5 mg/mL.",
        ),
    )
    # No guideline says when to judge the response (trials ran 8-12 weeks): sources silent.
    review_weeks: int = setting(
        label="Judge the response after this many weeks on the target dose",
        noun="the weeks on the target dose before the review",
        unit="weeks",
        minimum=4,
        maximum=52,
        step=1,
        default=12,
        source=source("review_point"),
        why="No guideline exists; the trials ran about 12 weeks.",
        group=_PLAN,
        safe=SafeRange(
            minimum=None,
            maximum=None,
            source=source("review_point"),
            why="No guideline sets when to judge the response.",
        ),
    )
    # IMMPACT's bands: 10-20% minimal, 30% moderate, 50% substantial. A lower moderate or
    # substantial threshold calls a smaller change a response, so more patients are told to
    # continue a medicine whose benefit is small; a higher one is more demanding. The
    # minimal band stays within IMMPACT's 10-20%.
    responder_pct: int = setting(
        label="Pain reduction that counts as a response (moderate improvement)",
        noun="the moderate response threshold",
        unit="%",
        minimum=10,
        maximum=90,
        step=1,
        default=30,
        source=source("immpact_2008"),
        why="IMMPACT: 30% is a moderately important change.",
        group=_PLAN,
        safe=SafeRange(
            minimum=30,
            maximum=None,
            source=source("immpact_2008"),
            why="IMMPACT: a response is at least 30% less pain.",
        ),
    )
    responder_pct_substantial: int = setting(
        label="Pain reduction that counts as a substantial improvement",
        noun="the substantial response threshold",
        unit="%",
        minimum=10,
        maximum=100,
        step=1,
        default=50,
        source=source("immpact_2008"),
        why="IMMPACT: 50% is a substantial change.",
        group=_PLAN,
        safe=SafeRange(
            minimum=50,
            maximum=None,
            source=source("immpact_2008"),
            why="IMMPACT: a substantial change is at least 50% less pain.",
        ),
    )
    responder_pct_minimal: int = setting(
        label="Pain reduction that counts as a minimal improvement",
        noun="the minimal response threshold",
        unit="%",
        minimum=1,
        maximum=90,
        step=1,
        default=10,
        source=source("immpact_2008"),
        why="IMMPACT: 10-20% is a minimally important change; the default takes the lower end. "
        "IMMPACT gives no band for 20-30%, so everything from here up to the response "
        "threshold counts as minimal.",
        group=_PLAN,
        safe=SafeRange(
            minimum=10,
            maximum=20,
            source=source("immpact_2008"),
            why="IMMPACT: a minimal change is 10-20% less pain.",
        ),
    )
    # Published holds run from 48 hours to 3 days before surgery (LDN guidance; a 2024
    # scoping review found no LDN-specific hold in peer-reviewed sources). Shorter than
    # 2 days departs from every source; longer is more cautious.
    surgery_hold_days: int = setting(
        label="Stop LDN this many days before planned surgery",
        noun="the days to stop LDN before surgery",
        unit="days",
        minimum=1,
        maximum=14,
        step=1,
        default=3,
        source=source("surgery_moser"),
        why="No LDN-specific hold time is published; practice guides say 48 hours to 3 days, "
        "and the default takes the longest.",
        group=_SAFETY,
        safe=SafeRange(
            minimum=2,
            maximum=None,
            source=source("surgery_moser"),
            why="No source stops LDN less than 48 hours before surgery.",
        ),
    )
    # Replaces "surgery within this many days of today": surgery is judged against the plan
    # (its start and its titration), so a start weeks away is not reviewed for an operation
    # before it, and post-operative opioids just before the start are.
    # No published source: clinic policy. Opioids given after an operation need the longer
    # opioid-free interval (14 days by default) before LDN starts, so a shorter window would
    # let an operation whose pain relief overlaps that interval pass without review.
    surgery_review_days_before_start: int = setting(
        label="Planned surgery up to this many days before the start (or during the titration) "
        "needs review",
        noun="the days before the start that planned surgery needs review",
        unit="days",
        minimum=0,
        maximum=365,
        step=1,
        default=28,
        source=source("policy_surgery_window"),
        why="No published source: a clinic policy for the lead clinician to confirm. Operations "
        "often bring opioid pain relief, and LDN can only start after the opioid-free "
        "interval. The default, 4 weeks, matches the FINAL trial, which excluded opioid use "
        "in the previous 4 weeks.",
        group=_SAFETY,
        safe=SafeRange(
            minimum=14,
            maximum=None,
            source=source("policy_surgery_window"),
            why="Clinic policy: not shorter than the longer opioid-free interval (14 days), which "
            "post-operative opioids need before the start.",
        ),
    )
    # Label versions disagree (contraindication before Oct 2013, a warning since), so both
    # choices are supported by a label: both are safe.
    hepatic_failure_action: str = setting(
        label="Acute hepatitis or liver failure leads to",
        noun="what acute hepatitis or liver failure leads to",
        unit="",
        minimum=None,
        maximum=None,
        step=None,
        default=HepaticAction.STOP.value,
        source=source("label_hepatic_versions"),
        why="Older labels list it as a contraindication; the current label as a warning. "
        "The conservative default is 'do not start'.",
        group=_SAFETY,
        choices=tuple(a.value for a in HepaticAction),
        safe=SafeRange(
            minimum=None,
            maximum=None,
            source=source("label_hepatic_versions"),
            why="Both choices follow a label version.",
            choices=tuple(a.value for a in HepaticAction),
        ),
    )
    # The trials enrolled people with a confirmed diagnosis, so "caution" (screening on
    # without review) has no source: it is a departure.
    diagnosis_not_met_action: str = setting(
        label="2016 fibromyalgia criteria checked and not met leads to",
        noun="what 'criteria not met' leads to",
        unit="",
        minimum=None,
        maximum=None,
        step=None,
        default=DiagnosisAction.REVIEW.value,
        source=source("policy_diagnosis_criteria"),
        why="No source says what unmet criteria should lead to. The trials enrolled people who met "
        "ACR criteria, so the default asks for prescriber review; 'caution' only notes it.",
        group=_SAFETY,
        choices=tuple(a.value for a in DiagnosisAction),
        safe=SafeRange(
            minimum=None,
            maximum=None,
            source=source("policy_diagnosis"),
            why="The trials enrolled only people whose diagnosis met the criteria.",
            choices=(DiagnosisAction.REVIEW.value,),
        ),
    )
    # The trials enrolled adults only: a lower age lets children through without review.
    minimum_age_years: int = setting(
        label="Patients younger than this need review",
        noun="the age below which patients need review",
        unit="years",
        minimum=0,
        maximum=120,
        step=1,
        default=18,
        source=source("trial_ages"),
        why="The trials enrolled adults only.",
        group=_SAFETY,
        safe=SafeRange(
            minimum=18,
            maximum=None,
            source=source("trial_ages"),
            why="The trials enrolled adults (18 and over) only.",
        ),
    )
    # Clinic name and phone are printed text with no clinical meaning: no safe range.
    clinic_name: str = text_setting(
        label="Clinic name",
        noun="the clinic name",
        maximum=120,
        source=source("clinic_details"),
        why="Printed on the counselling sheet and wallet card.",
        group=_CLINIC,
    )
    clinic_phone: str = text_setting(
        label="Clinic phone number",
        noun="the clinic phone number",
        maximum=40,
        source=source("clinic_details"),
        why="Printed on the counselling sheet and wallet card.",
        group=_CLINIC,
    )
    # The only setting that is a list: stored as text ("code = display; …") so the settings
    # versions, the admin form, the file format and the diff handle it like the clinic's name.
    # Workflow codes with no clinical threshold: no safe range. Parsed and checked in
    # override_reasons.py; validate_values refuses a value that does not parse.
    cds_override_reasons: str = text_setting(
        label="Override reasons offered on EHR alerts (code = text; separated by ';')",
        noun="the override reasons for EHR alerts",
        maximum=600,
        default=(
            "opioid-stopped = Opioid already stopped (list not reconciled); "
            "ultra-low-dose = Supervised ultra-low-dose protocol; "
            "accepts-risk = Prescriber accepts the risk"
        ),
        source=source("clinic_details"),
        why="Offered when a prescriber dismisses a CDS Hooks alert; each code is counted in "
        "the alert feedback.",
        group=_CLINIC,
    )

    # The Spanish sheet's sign-off: text with no clinical meaning, published and audited
    # like every threshold. All four, or none.
    es_reviewer_name: str = text_setting(
        label="Reviewer's name",
        noun="the reviewer's name",
        maximum=120,
        source=source("translation_review"),
        why="The bilingual clinician who signed off the Spanish sheet. Blank: the Spanish "
        "sheet prints as a draft.",
        group=_SPANISH,
    )
    es_reviewer_role: str = text_setting(
        label="Reviewer's role",
        noun="the reviewer's role",
        maximum=120,
        source=source("translation_review"),
        why="For example: bilingual nurse practitioner, clinical pharmacist.",
        group=_SPANISH,
    )
    es_reviewed_on: str = text_setting(
        label="Date of the sign-off",
        noun="the date of the sign-off",
        maximum=10,
        source=source("translation_review"),
        why="As YYYY-MM-DD.",
        group=_SPANISH,
    )
    es_reviewed_english_version: str = text_setting(
        label="English version reviewed",
        noun="the English version reviewed",
        maximum=64,
        source=source("translation_review"),
        why="The version of the English sheet that the reviewer checked the Spanish against "
        "(shown above this form). When the English text changes, the Spanish sheet goes back "
        "to draft.",
        group=_SPANISH,
    )

    def validate(self) -> dict[str, list[str]]:
        """Field-level errors, including cross-field rules. Empty means valid."""
        return validate_values(dataclasses.asdict(self))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RuleSettings:
        """Build settings from stored or imported values, refusing unknown or invalid keys."""
        errors = validate_values(values)
        if errors:
            raise SettingsError(errors)
        return cls(**{name: _coerce(name, values[name]) for name in SPECS_BY_NAME})

    def schedule_values(self, gentle: bool) -> tuple[float, float, int]:
        """(start mg, step mg, interval days) for the chosen schedule."""
        if gentle:
            return self.gentle_start_dose_mg, self.gentle_step_mg, self.gentle_step_interval_days
        return self.standard_start_dose_mg, self.standard_step_mg, self.standard_step_interval_days


MAX_TITRATION_STEPS = 12


def _kind(field: dataclasses.Field[Any]) -> SettingKind:
    declared = field.metadata["spec"]
    if declared.get("choices"):
        return SettingKind.CHOICE
    # The annotations are strings (``from __future__ import annotations``).
    return {"int": SettingKind.WHOLE, "float": SettingKind.DECIMAL, "str": SettingKind.TEXT}[
        str(field.type)
    ]


SETTING_SPECS: tuple[SettingSpec, ...] = tuple(
    SettingSpec(name=f.name, kind=_kind(f), **f.metadata["spec"])
    for f in dataclasses.fields(RuleSettings)
)
SPECS_BY_NAME: dict[str, SettingSpec] = {s.name: s for s in SETTING_SPECS}


def _dose_step_mg() -> float:
    steps = {s.step for s in SETTING_SPECS if s.unit == "mg"}
    step = steps.pop() if len(steps) == 1 else None
    if step is None:
        raise RuntimeError(f"the dose settings must share one step, not {steps}")
    return float(step)


# The grid every dose moves on (0.25 mg): the dose settings' own step, declared once above.
DOSE_STEP_MG = _dose_step_mg()


class SettingsError(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _coerce(name: str, value: Any) -> Any:
    kind = SPECS_BY_NAME[name].kind
    if kind is SettingKind.TEXT:
        # A clinic phone of only spaces is no phone: the sheet must show its write-in line.
        return str(value).strip()
    if kind is SettingKind.CHOICE:
        return str(value)
    if kind is SettingKind.WHOLE:
        return int(value)
    return float(value)


def _number_error(spec: SettingSpec, value: Any) -> str | None:
    noun = spec.noun
    subject = noun[0].upper() + noun[1:]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"Enter {noun} as a number"
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        return f"Enter {noun} as a number"
    if spec.kind is SettingKind.WHOLE and int(value) != value:
        return f"Enter {noun} as a whole number of {spec.unit}"
    if spec.minimum is not None and value < spec.minimum:
        return f"{subject} must be {fmt_amount(spec.minimum, spec.unit)} or more"
    if spec.maximum is not None and value > spec.maximum:
        return f"{subject} must be {fmt_amount(spec.maximum, spec.unit)} or less"
    if spec.step is not None and not _on_step(value, spec.step):
        return f"{subject} must be a multiple of {fmt_amount(spec.step, spec.unit)}"
    return None


def _on_step(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-9


def validate_values(values: dict[str, Any]) -> dict[str, list[str]]:
    """Check a mapping of setting name to value; the admin form and imports use this."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for key in values:
        if key not in SPECS_BY_NAME:
            add(key, f"'{key}' is not a known setting")
    for spec in SETTING_SPECS:
        if spec.name not in values or values[spec.name] is None:
            add(spec.name, f"Select {spec.noun}" if spec.choices else f"Enter {spec.noun}")
            continue
        value = values[spec.name]
        if spec.choices:
            if value not in spec.choices:
                add(spec.name, f"Select one of: {', '.join(spec.choices)}")
        elif spec.kind is SettingKind.TEXT:
            if not isinstance(value, str):
                add(spec.name, f"Enter {spec.noun} as text")
            elif "\x00" in value:
                # PostgreSQL cannot store it, and the admin pages refuse it: so do imports.
                add(spec.name, f"Enter {spec.noun} without the NUL character")
            elif len(value) > (spec.maximum or 0):
                add(
                    spec.name,
                    f"{spec.noun[0].upper()}{spec.noun[1:]} must be "
                    f"{fmt_number(spec.maximum or 0)} characters or fewer",
                )
        elif message := _number_error(spec, value):
            add(spec.name, message)
    if not errors.get("cds_override_reasons") and "cds_override_reasons" in values:
        from .override_reasons import override_reasons_error

        if message := override_reasons_error(values["cds_override_reasons"]):
            add("cds_override_reasons", message)
    if errors:
        return errors

    # Cross-field rules: a schedule must climb from its start to the target, under the max.
    if values["target_dose_mg"] > values["max_dose_mg"]:
        add("target_dose_mg", "Target daily dose must not be above the maximum daily dose")
    for prefix, label in (("standard", "Standard"), ("gentle", "Gentle")):
        start = values[f"{prefix}_start_dose_mg"]
        if start > values["target_dose_mg"]:
            add(f"{prefix}_start_dose_mg", f"{label} starting dose must not be above the target")
    if values["gentle_start_dose_mg"] > values["standard_start_dose_mg"]:
        add("gentle_start_dose_mg", "Gentle starting dose must not be above the standard one")
    # The printed titration calendar has room for this many rows on two pages.
    for prefix, label in (("standard", "standard"), ("gentle", "gentle")):
        climb = values["target_dose_mg"] - values[f"{prefix}_start_dose_mg"]
        steps = 1 + max(0, math.ceil(climb / values[f"{prefix}_step_mg"] - 1e-9))
        if steps > MAX_TITRATION_STEPS:
            add(
                f"{prefix}_step_mg",
                f"The {label} schedule would need {steps} steps to reach the target; the "
                f"printed sheet has room for {MAX_TITRATION_STEPS}. Use a larger step",
            )
    _check_sign_off(values, add)
    # The IMMPACT bands must stay in order, or a change could fall in two bands at once.
    if values["responder_pct_minimal"] >= values["responder_pct"]:
        add(
            "responder_pct_minimal",
            "Minimal improvement must be a smaller reduction than the response threshold",
        )
    if values["responder_pct_substantial"] <= values["responder_pct"]:
        add(
            "responder_pct_substantial",
            "Substantial improvement must be a larger reduction than the response threshold",
        )
    if values["washout_days_short_acting"] > values["washout_days_long_acting"]:
        add(
            "washout_days_short_acting",
            "Opioid-free days after short-acting opioids must not be more than after "
            "long-acting ones",
        )
    return errors


SIGN_OFF_FIELDS = (
    "es_reviewer_name",
    "es_reviewer_role",
    "es_reviewed_on",
    "es_reviewed_english_version",
)


def _check_sign_off(values: dict[str, Any], add: Callable[[str, str], None]) -> None:
    """A translation sign-off names who, in what role, when, and which English it covers."""
    given = {name: str(values[name]).strip() for name in SIGN_OFF_FIELDS}
    if any(given.values()) and not all(given.values()):
        for name, value in given.items():
            if not value:
                add(name, f"Enter {SPECS_BY_NAME[name].noun}: a sign-off needs all four fields")
    day = given["es_reviewed_on"]
    if day:
        try:
            dt.date.fromisoformat(day)
            if len(day) != 10:
                raise ValueError(day)
        except ValueError:
            add("es_reviewed_on", "Enter the date of the sign-off as YYYY-MM-DD")
    version = given["es_reviewed_english_version"]
    if version and not all(c in "0123456789abcdef" for c in version):
        add(
            "es_reviewed_english_version",
            "Enter the English version as shown on the admin page (letters a-f and digits)",
        )


# --- Safe ranges ------------------------------------------------------------------------------


def safe_bounds(spec: SettingSpec) -> tuple[float | None, float | None]:
    """The safe range as (lowest, highest); a side the source leaves open is the hard limit."""
    if spec.safe is None:
        return spec.minimum, spec.maximum
    lo = spec.safe.minimum if spec.safe.minimum is not None else spec.minimum
    hi = spec.safe.maximum if spec.safe.maximum is not None else spec.maximum
    return lo, hi


def narrows(spec: SettingSpec) -> bool:
    """True when the safe range is narrower than what the setting technically allows."""
    if spec.safe is None:
        return False
    if spec.choices:
        return set(spec.safe.choices) != set(spec.choices)
    return spec.safe.minimum is not None or spec.safe.maximum is not None


def safe_range_text(spec: SettingSpec) -> str:
    """'7 days or more', '0.25 to 1.5 mg', 'review only', or why there is no narrower range."""
    if spec.safe is None:
        return "not a clinical value"
    if spec.choices:
        if not narrows(spec):
            return "any of the choices"
        return " or ".join(spec.safe.choices) + " only"
    if not narrows(spec):
        return "the whole allowed range (no source narrows it)"
    lo, hi = spec.safe.minimum, spec.safe.maximum
    if lo is not None and hi is not None:
        if spec.unit == "%":
            return f"{fmt_number(lo)}% to {fmt_number(hi)}%"
        return f"{fmt_number(lo)} to {fmt_amount(hi, spec.unit)}"
    if lo is not None:
        return f"{fmt_amount(lo, spec.unit)} or more"
    return f"{fmt_amount(hi or 0, spec.unit)} or less"


@dataclass(frozen=True, slots=True)
class Departure:
    """A value outside its setting's safe range (but inside the hard limits)."""

    spec: SettingSpec
    value: Any
    direction: str  # "below", "above" or "choice"
    safe: SafeRange

    @property
    def shown(self) -> str:
        if self.spec.choices:
            return str(self.value)
        return fmt_amount(self.value, self.spec.unit)

    @property
    def source(self) -> Source:
        return self.safe.source

    @property
    def message(self) -> str:
        """'5 days is below the safe range (7 days or more).' and the source's reason."""
        safe = self.safe
        if self.direction == "choice":
            head = f"'{self.shown}' is not a safe choice (safe: {safe_range_text(self.spec)})."
        else:
            head = (
                f"{self.shown} is {self.direction} the safe range ({safe_range_text(self.spec)})."
            )
        return f"{head} {safe.why}"

    @property
    def warning(self) -> str:
        """The message and the source that sets the range, as the admin pages show it."""
        return f"{self.message} Safe range from {self.source.label}."

    def as_record(self) -> list[str]:
        """For the audit row: [setting, value, safe range, source key]."""
        return [self.spec.name, self.shown, safe_range_text(self.spec), self.source.key]


def departure_for(spec: SettingSpec, value: Any) -> Departure | None:
    """The departure of one value, or None when it is safe or cannot be judged (not a
    valid number or choice: validate_values reports those)."""
    safe = spec.safe
    if safe is None or value is None:
        return None
    if spec.choices:
        if value in spec.choices and value not in safe.choices:
            return Departure(spec, value, "choice", safe)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if safe.minimum is not None and value < safe.minimum:
        return Departure(spec, value, "below", safe)
    if safe.maximum is not None and value > safe.maximum:
        return Departure(spec, value, "above", safe)
    return None


def departures(values: dict[str, Any]) -> tuple[Departure, ...]:
    """Every value outside its safe range, in SETTING_SPECS order. Publishing these needs a
    written reason for the departure (the settings store refuses them without one)."""
    found = (departure_for(spec, values.get(spec.name)) for spec in SETTING_SPECS)
    return tuple(d for d in found if d is not None)


DEFAULT_SETTINGS = RuleSettings()
