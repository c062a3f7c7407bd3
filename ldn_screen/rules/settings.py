"""Every clinical threshold, declared once with its unit, range, cited default and source.

The admin form, the rules and the printed sheet all read this one object, so no number
is written twice. ``SETTING_SPECS`` is the declaration; ``RuleSettings`` is the typed value.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .sources import Source, source


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


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    label: str
    unit: str
    minimum: float | None
    maximum: float | None
    step: float | None
    default: Any
    source: Source
    why: str
    group: str
    choices: tuple[str, ...] = ()
    # None only for the clinic's name and phone number: text with no clinical meaning.
    safe: SafeRange | None = None


def _spec(
    name: str,
    label: str,
    unit: str,
    lo: float | None,
    hi: float | None,
    step: float | None,
    default: Any,
    source_key: str,
    why: str,
    group: str,
    choices: tuple[str, ...] = (),
    *,
    safe: SafeRange | None,
) -> SettingSpec:
    return SettingSpec(
        name, label, unit, lo, hi, step, default, source(source_key), why, group, choices, safe
    )


def _safe(
    lo: float | None,
    hi: float | None,
    source_key: str,
    why: str,
    choices: tuple[str, ...] = (),
) -> SafeRange:
    return SafeRange(lo, hi, source(source_key), why, choices)


_OPIOIDS = "Opioid-free interval"
_STANDARD = "Standard schedule"
_GENTLE = "Gentle schedule"
_PLAN = "Dose plan and review"
_SAFETY = "Other safety rules"
_CLINIC = "Clinic details"

# Each setting carries two ranges. The technical range (minimum, maximum) is a hard limit:
# values outside it are refused. The safe range (``safe=``) is what the source behind it
# supports; a value between the two needs a written reason for the departure before it can
# be published. Where no source narrows a setting, its safe range is the technical range
# (``_safe(None, None, ...)``), and the comment says that the sources are silent.
SETTING_SPECS: tuple[SettingSpec, ...] = (
    # Hard limit 3 days: no source justifies a shorter opioid-free interval, so fewer days
    # are refused outright (clinic policy, issue 12), not merely warned about. Safe from the
    # label's minimum of 7 days; longer is more cautious (FINAL excluded opioids for 4 weeks).
    _spec(
        "washout_days_short_acting",
        "Opioid-free days after short-acting opioids",
        "days",
        3,
        180,
        1,
        10,
        "label_opioid_free",
        "The label asks for at least 7-10 days; the default takes the upper end.",
        _OPIOIDS,
        safe=_safe(
            7,
            None,
            "label_opioid_free",
            "The label's minimum after short-acting opioids is 7 days.",
        ),
    ),
    # The tablet label gives no number after methadone, buprenorphine or other long-acting
    # opioids; it warns of severe precipitated withdrawal on switching. "Two weeks" is only
    # in secondary pages (it may be VIVITROL wording), so the floor of 14 days is clinic
    # policy: the cited default, below which a departure needs a reason. Hard limit 3 days,
    # as for short-acting opioids (and never below them: a cross-field rule).
    _spec(
        "washout_days_long_acting",
        "Opioid-free days after long-acting opioids, methadone "
        "or buprenorphine (and when the type is unknown)",
        "days",
        3,
        180,
        1,
        14,
        "label_switching",
        "The tablet label gives no number. 'For as long as two weeks' may be VIVITROL label "
        "text: verify against the tablet label.",
        _OPIOIDS,
        safe=_safe(
            14,
            None,
            "policy_long_acting_floor",
            "The label gives no number for long-acting opioids; the clinic keeps 14 days "
            "as the floor.",
        ),
    ),
    # Titration: no label or trial sets a starting dose or step (FINAL's 4-week schedule was
    # not retrieved). The cited guidance starts at 0.25-1.5 mg and steps by 0.25-1.5 mg at
    # most once a week, so a higher first dose, a bigger step or a faster pace departs
    # from every source. Smaller or slower is more cautious: the technical limit (and the
    # 12-row calendar) bounds that side.
    _spec(
        "standard_start_dose_mg",
        "Standard schedule: starting dose",
        "mg",
        0.25,
        6,
        0.25,
        1.5,
        "hdrx_dosing",
        "Compounding pharmacy protocol for chronic pain: 1.5 mg, then 3 mg, then 4.5 mg.",
        _STANDARD,
        safe=_safe(
            None,
            1.5,
            "hdrx_dosing",
            "No cited protocol starts above 1.5 mg.",
        ),
    ),
    _spec(
        "standard_step_mg",
        "Standard schedule: dose increase per step",
        "mg",
        0.25,
        6,
        0.25,
        1.5,
        "hdrx_dosing",
        "Same protocol: steps of 1.5 mg.",
        _STANDARD,
        safe=_safe(None, 1.5, "hdrx_dosing", "No cited protocol steps up by more than 1.5 mg."),
    ),
    _spec(
        "standard_step_interval_days",
        "Standard schedule: days between increases",
        "days",
        1,
        56,
        1,
        7,
        "hdrx_dosing",
        "Same protocol: about one week per step.",
        _STANDARD,
        safe=_safe(7, None, "hdrx_dosing", "No cited protocol steps up more often than weekly."),
    ),
    # The gentle schedule is for people sensitive to medicines (and thyroid patients); its
    # source gives 0.5 mg, +0.5 mg every 2 weeks. LDN Research Trust thyroid advice allows
    # 1-2 weeks, so a clinic using it mainly for thyroid patients may publish 7 days, with
    # that reason.
    _spec(
        "gentle_start_dose_mg",
        "Gentle schedule: starting dose",
        "mg",
        0.25,
        6,
        0.25,
        0.5,
        "ldnrt_sensitive",
        "LDN Research Trust advice for people sensitive to medicines.",
        _GENTLE,
        safe=_safe(None, 0.5, "ldnrt_sensitive", "Sensitive patients start at 0.5 mg, not higher."),
    ),
    _spec(
        "gentle_step_mg",
        "Gentle schedule: dose increase per step",
        "mg",
        0.25,
        6,
        0.25,
        0.5,
        "ldnrt_sensitive",
        "Same advice: steps of 0.5 mg.",
        _GENTLE,
        safe=_safe(None, 0.5, "ldnrt_sensitive", "Sensitive patients step up by 0.5 mg, not more."),
    ),
    _spec(
        "gentle_step_interval_days",
        "Gentle schedule: days between increases",
        "days",
        1,
        56,
        1,
        14,
        "ldnrt_sensitive",
        "Same advice: every 2 weeks.",
        _GENTLE,
        safe=_safe(
            14, None, "ldnrt_sensitive", "Sensitive patients step up every 2 weeks, not sooner."
        ),
    ),
    # Target and maximum: the highest dose studied in fibromyalgia is FINAL's 6 mg (adverse
    # events as on placebo), which is already the technical maximum; no source says a lower
    # target is unsafe. So the safe range is the technical range. "Target above the
    # maximum" is refused by a cross-field rule (validate_values).
    _spec(
        "target_dose_mg",
        "Target daily dose",
        "mg",
        0.5,
        6,
        0.25,
        4.5,
        "younger_2013",
        "4.5 mg was the dose in most fibromyalgia trials.",
        _PLAN,
        safe=_safe(None, None, "final_trial", "The highest dose studied in fibromyalgia is 6 mg."),
    ),
    _spec(
        "max_dose_mg",
        "Maximum daily dose",
        "mg",
        0.5,
        6,
        0.25,
        4.5,
        "final_trial",
        "Defaults to the usual 4.5 mg; may be raised up to the 6 mg used in FINAL.",
        _PLAN,
        safe=_safe(None, None, "final_trial", "The highest dose studied in fibromyalgia is 6 mg."),
    ),
    # Sources are silent on a safe concentration. Both published recipes (1 mg/mL, Fawcett
    # 1997; 5 mg/mL, Alberta Health Services) lie inside the technical range.
    _spec(
        "liquid_mg_per_ml",
        "Liquid concentration",
        "mg/mL",
        0.5,
        5,
        0.5,
        1.0,
        "fawcett_1997",
        "The published 1 mg/mL formula; a 5 mg/mL recipe also exists (Alberta Health Services).",
        _PLAN,
        safe=_safe(
            None,
            None,
            "fawcett_1997",
            "No source sets a safe concentration; the published recipes are 1 and 5 mg/mL.",
        ),
    ),
    # No guideline says when to judge the response (trials ran 8-12 weeks): sources silent.
    _spec(
        "review_weeks",
        "Judge the response after this many weeks on the target dose",
        "weeks",
        4,
        52,
        1,
        12,
        "review_point",
        "No guideline exists; the trials ran about 12 weeks.",
        _PLAN,
        safe=_safe(None, None, "review_point", "No guideline sets when to judge the response."),
    ),
    # IMMPACT's bands: 10-20% minimal, 30% moderate, 50% substantial. A lower moderate or
    # substantial threshold calls a smaller change a response, so more patients are told to
    # continue a medicine whose benefit is small; a higher one is more demanding. The
    # minimal band stays within IMMPACT's 10-20%.
    _spec(
        "responder_pct",
        "Pain reduction that counts as a response (moderate improvement)",
        "%",
        10,
        90,
        1,
        30,
        "immpact_2008",
        "IMMPACT: 30% is a moderately important change.",
        _PLAN,
        safe=_safe(30, None, "immpact_2008", "IMMPACT: a response is at least 30% less pain."),
    ),
    _spec(
        "responder_pct_substantial",
        "Pain reduction that counts as a substantial improvement",
        "%",
        10,
        100,
        1,
        50,
        "immpact_2008",
        "IMMPACT: 50% is a substantial change.",
        _PLAN,
        safe=_safe(
            50, None, "immpact_2008", "IMMPACT: a substantial change is at least 50% less pain."
        ),
    ),
    _spec(
        "responder_pct_minimal",
        "Pain reduction that counts as a minimal improvement",
        "%",
        1,
        90,
        1,
        10,
        "immpact_2008",
        "IMMPACT: 10-20% is a minimally important change; the default takes the lower end. "
        "IMMPACT gives no band for 20-30%, so everything from here up to the response "
        "threshold counts as minimal.",
        _PLAN,
        safe=_safe(10, 20, "immpact_2008", "IMMPACT: a minimal change is 10-20% less pain."),
    ),
    # Published holds run from 48 hours to 3 days before surgery (LDN guidance; a 2024
    # scoping review found no LDN-specific hold in peer-reviewed sources). Shorter than
    # 2 days departs from every source; longer is more cautious.
    _spec(
        "surgery_hold_days",
        "Stop LDN this many days before planned surgery",
        "days",
        1,
        14,
        1,
        3,
        "surgery_moser",
        "No LDN-specific hold time is published; practice guides say 48 hours to 3 days, "
        "and the default takes the longest.",
        _SAFETY,
        safe=_safe(
            2, None, "surgery_moser", "No source stops LDN less than 48 hours before surgery."
        ),
    ),
    # Replaces "surgery within this many days of today": surgery is judged against the plan
    # (its start and its titration), so a start weeks away is not reviewed for an operation
    # before it, and post-operative opioids just before the start are.
    # No published source: clinic policy. Opioids given after an operation need the longer
    # opioid-free interval (14 days by default) before LDN starts, so a shorter window would
    # let an operation whose pain relief overlaps that interval pass without review.
    _spec(
        "surgery_review_days_before_start",
        "Planned surgery up to this many days before the start (or during the titration) "
        "needs review",
        "days",
        0,
        365,
        1,
        28,
        "policy_surgery_window",
        "No published source: a clinic policy for the lead clinician to confirm. Operations "
        "often bring opioid pain relief, and LDN can only start after the opioid-free "
        "interval. The default, 4 weeks, matches the FINAL trial, which excluded opioid use "
        "in the previous 4 weeks.",
        _SAFETY,
        safe=_safe(
            14,
            None,
            "policy_surgery_window",
            "Clinic policy: not shorter than the longer opioid-free interval (14 days), which "
            "post-operative opioids need before the start.",
        ),
    ),
    # Label versions disagree (contraindication before Oct 2013, a warning since), so both
    # choices are supported by a label: both are safe.
    _spec(
        "hepatic_failure_action",
        "Acute hepatitis or liver failure leads to",
        "",
        None,
        None,
        None,
        HepaticAction.STOP.value,
        "label_hepatic_versions",
        "Older labels list it as a contraindication; the current label as a warning. "
        "The conservative default is 'do not start'.",
        _SAFETY,
        choices=tuple(a.value for a in HepaticAction),
        safe=_safe(
            None,
            None,
            "label_hepatic_versions",
            "Both choices follow a label version.",
            choices=tuple(a.value for a in HepaticAction),
        ),
    ),
    # The trials enrolled people with a confirmed diagnosis, so "caution" (screening on
    # without review) has no source: it is a departure.
    _spec(
        "diagnosis_not_met_action",
        "2016 fibromyalgia criteria checked and not met leads to",
        "",
        None,
        None,
        None,
        DiagnosisAction.REVIEW.value,
        "policy_diagnosis_criteria",
        "No source says what unmet criteria should lead to. The trials enrolled people who met "
        "ACR criteria, so the default asks for prescriber review; 'caution' only notes it.",
        _SAFETY,
        choices=tuple(a.value for a in DiagnosisAction),
        safe=_safe(
            None,
            None,
            "policy_diagnosis",
            "The trials enrolled only people whose diagnosis met the criteria.",
            choices=(DiagnosisAction.REVIEW.value,),
        ),
    ),
    # The trials enrolled adults only: a lower age lets children through without review.
    _spec(
        "minimum_age_years",
        "Patients younger than this need review",
        "years",
        0,
        120,
        1,
        18,
        "trial_ages",
        "The trials enrolled adults only.",
        _SAFETY,
        safe=_safe(18, None, "trial_ages", "The trials enrolled adults (18 and over) only."),
    ),
    # Clinic name and phone are printed text with no clinical meaning: no safe range.
    _spec(
        "clinic_name",
        "Clinic name",
        "",
        None,
        120,
        None,
        "",
        "clinic_details",
        "Printed on the counselling sheet and wallet card.",
        _CLINIC,
        safe=None,
    ),
    _spec(
        "clinic_phone",
        "Clinic phone number",
        "",
        None,
        40,
        None,
        "",
        "clinic_details",
        "Printed on the counselling sheet and wallet card.",
        _CLINIC,
        safe=None,
    ),
)

MAX_TITRATION_STEPS = 12

SPECS_BY_NAME: dict[str, SettingSpec] = {s.name: s for s in SETTING_SPECS}
_TEXT_SETTINGS = frozenset({"clinic_name", "clinic_phone"})


@dataclass(frozen=True, slots=True)
class RuleSettings:
    washout_days_short_acting: int = SPECS_BY_NAME["washout_days_short_acting"].default
    washout_days_long_acting: int = SPECS_BY_NAME["washout_days_long_acting"].default
    standard_start_dose_mg: float = SPECS_BY_NAME["standard_start_dose_mg"].default
    standard_step_mg: float = SPECS_BY_NAME["standard_step_mg"].default
    standard_step_interval_days: int = SPECS_BY_NAME["standard_step_interval_days"].default
    gentle_start_dose_mg: float = SPECS_BY_NAME["gentle_start_dose_mg"].default
    gentle_step_mg: float = SPECS_BY_NAME["gentle_step_mg"].default
    gentle_step_interval_days: int = SPECS_BY_NAME["gentle_step_interval_days"].default
    target_dose_mg: float = SPECS_BY_NAME["target_dose_mg"].default
    max_dose_mg: float = SPECS_BY_NAME["max_dose_mg"].default
    liquid_mg_per_ml: float = SPECS_BY_NAME["liquid_mg_per_ml"].default
    review_weeks: int = SPECS_BY_NAME["review_weeks"].default
    responder_pct: int = SPECS_BY_NAME["responder_pct"].default
    responder_pct_substantial: int = SPECS_BY_NAME["responder_pct_substantial"].default
    responder_pct_minimal: int = SPECS_BY_NAME["responder_pct_minimal"].default
    surgery_hold_days: int = SPECS_BY_NAME["surgery_hold_days"].default
    surgery_review_days_before_start: int = SPECS_BY_NAME[
        "surgery_review_days_before_start"
    ].default
    hepatic_failure_action: str = SPECS_BY_NAME["hepatic_failure_action"].default
    diagnosis_not_met_action: str = SPECS_BY_NAME["diagnosis_not_met_action"].default
    minimum_age_years: int = SPECS_BY_NAME["minimum_age_years"].default
    clinic_name: str = SPECS_BY_NAME["clinic_name"].default
    clinic_phone: str = SPECS_BY_NAME["clinic_phone"].default

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


class SettingsError(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


_INT_FIELDS = frozenset(f.name for f in dataclasses.fields(RuleSettings) if f.type == "int")


def _coerce(name: str, value: Any) -> Any:
    if name in _TEXT_SETTINGS or SPECS_BY_NAME[name].choices:
        return str(value)
    if name in _INT_FIELDS:
        return int(value)
    return float(value)


# How each setting is named inside an error message ("Enter the target daily dose").
MESSAGE_NOUNS: dict[str, str] = {
    "washout_days_short_acting": "the opioid-free days after short-acting opioids",
    "washout_days_long_acting": "the opioid-free days after long-acting opioids",
    "standard_start_dose_mg": "the standard starting dose",
    "standard_step_mg": "the standard dose step",
    "standard_step_interval_days": "the days between standard steps",
    "gentle_start_dose_mg": "the gentle starting dose",
    "gentle_step_mg": "the gentle dose step",
    "gentle_step_interval_days": "the days between gentle steps",
    "target_dose_mg": "the target daily dose",
    "max_dose_mg": "the maximum daily dose",
    "liquid_mg_per_ml": "the liquid concentration",
    "review_weeks": "the weeks on the target dose before the review",
    "responder_pct": "the moderate response threshold",
    "responder_pct_substantial": "the substantial response threshold",
    "responder_pct_minimal": "the minimal response threshold",
    "surgery_hold_days": "the days to stop LDN before surgery",
    "surgery_review_days_before_start": "the days before the start that planned surgery "
    "needs review",
    "hepatic_failure_action": "what acute hepatitis or liver failure leads to",
    "minimum_age_years": "the age below which patients need review",
    "diagnosis_not_met_action": "what 'criteria not met' leads to",
    "clinic_name": "the clinic name",
    "clinic_phone": "the clinic phone number",
}


def _noun(spec: SettingSpec) -> str:
    return MESSAGE_NOUNS.get(spec.name, spec.label)


def _amount(number: float, unit: str) -> str:
    if not unit:
        return _fmt(number)
    if unit in {"%", "mg/mL"}:
        return f"{_fmt(number)}{unit}" if unit == "%" else f"{_fmt(number)} {unit}"
    singular = unit.removesuffix("s") if number == 1 else unit
    return f"{_fmt(number)} {singular}"


def _number_error(spec: SettingSpec, value: Any) -> str | None:
    noun = _noun(spec)
    subject = noun[0].upper() + noun[1:]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"Enter {noun} as a number"
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        return f"Enter {noun} as a number"
    if spec.name in _INT_FIELDS and int(value) != value:
        return f"Enter {noun} as a whole number of {spec.unit}"
    if spec.minimum is not None and value < spec.minimum:
        return f"{subject} must be {_amount(spec.minimum, spec.unit)} or more"
    if spec.maximum is not None and value > spec.maximum:
        return f"{subject} must be {_amount(spec.maximum, spec.unit)} or less"
    if spec.step is not None and not _on_step(value, spec.step):
        return f"{subject} must be a multiple of {_amount(spec.step, spec.unit)}"
    return None


def _on_step(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-9


def _fmt(number: float) -> str:
    return f"{number:g}"


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
            add(spec.name, f"Select {_noun(spec)}" if spec.choices else f"Enter {_noun(spec)}")
            continue
        value = values[spec.name]
        if spec.choices:
            if value not in spec.choices:
                add(spec.name, f"Select one of: {', '.join(spec.choices)}")
        elif spec.name in _TEXT_SETTINGS:
            if not isinstance(value, str):
                add(spec.name, f"Enter {_noun(spec)} as text")
            elif "\x00" in value:
                # PostgreSQL cannot store it, and the admin pages refuse it: so do imports.
                add(spec.name, f"Enter {_noun(spec)} without the NUL character")
            elif len(value) > (spec.maximum or 0):
                add(
                    spec.name,
                    f"{_noun(spec)[0].upper()}{_noun(spec)[1:]} must be "
                    f"{_fmt(spec.maximum or 0)} characters or fewer",
                )
        elif message := _number_error(spec, value):
            add(spec.name, message)
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
            return f"{_fmt(lo)}% to {_fmt(hi)}%"
        return f"{_fmt(lo)} to {_amount(hi, spec.unit)}"
    if lo is not None:
        return f"{_amount(lo, spec.unit)} or more"
    return f"{_amount(hi or 0, spec.unit)} or less"


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
        return _amount(self.value, self.spec.unit)

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
