"""What the API accepts, read from the HTML forms' own field declarations.

Each JSON field is a field of ``ScreeningForm`` or ``FollowupForm``, with the same name, the
same enum values (the form's options), the same label and hint, and the same "Select ..."
message. What JSON adds is its types: the numbers the form reads from text are JSON numbers
here, with the ranges the form checks (declared beside the form's validators and imported).
Two things are API-only, and said so where they are declared:

- the checklists of the page (``opioid_conditions``, ``safety_conditions``) are a way of
  answering many questions with one tick; a program answers each question itself, the way
  the form has always accepted per-question posts (``screening.read_group``);
- a start or follow-up date left out means today, as the page pre-fills it.

The OpenAPI document (``openapi.py``) and the JSON checks (``validation.py``) both read these
declarations, so neither can drift from the forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wtforms.fields.core import UnboundField

from ...rules.followup import DOSE_STEP_MG, SideEffectKind
from ...rules.settings import DEFAULT_SETTINGS
from ..forms.fields import Checkboxes, ConditionList, DateInput, Radios
from ..forms.followup import FollowupForm
from ..forms.screening import (
    AGE_RANGE,
    DIAGNOSIS_FIELDS,
    MEDICATION_LIST_MAX_CHARS,
    MEDICATION_LIST_MAX_LINES,
    OPIOID_CONDITIONS,
    PAIN_RANGE,
    SAFETY_CONDITIONS,
    SSS_SEVERITY_FIELDS,
    SSS_SYMPTOM_FIELDS,
    WPI_FIELDS,
    ScreeningForm,
)

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Number:
    """A field the form reads as a number from text: JSON gives it as a number."""

    integer: bool
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    multiple_of: float | None = None
    note: str = ""
    # The maximum is the settings' (a cited default here): the form checks the value in force.
    maximum_from_settings: bool = False


@dataclass(frozen=True, slots=True)
class ApiField:
    name: str
    kind: str  # "choice", "choices", "integer", "number", "date" or "text"
    label: str
    hint: str
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    message: str = ""  # the form's "Select ..." message for an unlisted value
    number: Number | None = None
    max_length: int | None = None
    example: str = ""  # a date field's example, as the form gives it
    default_today: bool = False


@dataclass(frozen=True, slots=True)
class ApiForm:
    schema_name: str
    form_class: type
    fields: tuple[ApiField, ...]
    # The form's cross-field checks, restated in JSON Schema for the documentation (and
    # checked against the form by schemathesis): which answers make which others needed.
    conditions: tuple[JSON, ...]
    description: str

    @property
    def by_name(self) -> dict[str, ApiField]:
        return {f.name: f for f in self.fields}


def unbound_fields(form_class: type) -> list[tuple[str, UnboundField]]:
    """The form's declared fields, in page order (WTForms' own creation order)."""
    found = [
        (name, value)
        for name in dir(form_class)
        if isinstance(value := getattr(form_class, name, None), UnboundField)
    ]
    return sorted(found, key=lambda item: item[1].creation_counter)


def api_fields(
    form_class: type,
    *,
    numbers: dict[str, Number],
    required: set[str],
    default_today: frozenset[str] | set[str] = frozenset(),
    text_limits: dict[str, int] | None = None,
) -> tuple[ApiField, ...]:
    limits = text_limits or {}
    fields: list[ApiField] = []
    for name, unbound in unbound_fields(form_class):
        cls = unbound.field_class
        if issubclass(cls, ConditionList):
            continue  # the page's checklists: a program answers each question itself
        label = str(unbound.args[0]) if unbound.args else ""
        hint = str(unbound.kwargs.get("description", ""))
        common: JSON = {
            "name": name,
            "label": label,
            "hint": hint,
            "required": name in required,
        }
        if issubclass(cls, Radios | Checkboxes):
            fields.append(
                ApiField(
                    kind="choice" if issubclass(cls, Radios) else "choices",
                    options=tuple(unbound.kwargs["options"]),
                    message=unbound.kwargs["message"],
                    **common,
                )
            )
        elif issubclass(cls, DateInput):
            fields.append(
                ApiField(
                    kind="date",
                    example=unbound.kwargs.get("example", "2026-11-03"),
                    default_today=name in default_today,
                    **common,
                )
            )
        elif name in numbers:
            number = numbers[name]
            kind = "integer" if number.integer else "number"
            fields.append(ApiField(kind=kind, number=number, **common))
        else:  # text areas, hidden values, one-line text
            fields.append(ApiField(kind="text", max_length=limits.get(name), **common))
    return tuple(fields)


def _is(name: str, value: str) -> JSON:
    return {"properties": {name: {"const": value}}, "required": [name]}


def _one_of(name: str, values: list[str]) -> JSON:
    return {"properties": {name: {"enum": values}}, "required": [name]}


def _given(name: str, field: ApiField) -> JSON:
    """The field holds an answer (for a list: at least one listed value)."""
    if field.kind == "choices":
        return {"properties": {name: {"minItems": 1}}, "required": [name]}
    return {"required": [name]}


def _screening() -> ApiForm:
    numbers = {
        "age_years": Number(True, *AGE_RANGE),
        "baseline_pain_nrs": Number(True, *PAIN_RANGE),
    }
    # The page's two checklists, each question answered on its own: their items, not a copy.
    conditions = OPIOID_CONDITIONS.items
    safety = SAFETY_CONDITIONS.items
    required = {
        "age_years",
        "fibromyalgia_diagnosed",
        "opioid_use",
        *conditions,
        *safety,
        "formulation",
        "schedule",
        "baseline_pain_nrs",
    }
    fields = api_fields(
        ScreeningForm,
        numbers=numbers,
        required=required,
        default_today={"start_on"},
        text_limits={
            "medication_list": MEDICATION_LIST_MAX_CHARS,
            "confirmed_not_opioid_lines": MEDICATION_LIST_MAX_CHARS,
        },
    )
    by_name = {f.name: f for f in fields}
    started = [_given(n, by_name[n]) for n in DIAGNOSIS_FIELDS]
    areas = [_given(n, by_name[n]) for n in WPI_FIELDS]
    no_pain = _given("wpi_none", by_name["wpi_none"])
    rules: tuple[JSON, ...] = (
        {
            "if": _is("opioid_use", "recent"),
            "then": {"required": ["opioid_type", "last_opioid_dose_on"]},
        },
        {"if": _is("opioid_use", "current"), "then": {"required": ["ultra_low_dose_protocol"]}},
        {
            "if": _one_of("opioid_use", ["none", "unsure"]),
            "then": {
                "not": {
                    "anyOf": [
                        {"required": ["opioid_type"]},
                        {"required": ["last_opioid_dose_on"]},
                        {"required": ["opioid_free_since"]},
                    ]
                }
            },
        },
        {
            "if": _is("surgery_planned", "yes"),
            "then": {"required": ["surgery_on"]},
            "else": {"not": {"required": ["surgery_on"]}},
        },
        {
            "if": {"anyOf": started},
            "then": {
                "required": [*SSS_SEVERITY_FIELDS, *SSS_SYMPTOM_FIELDS, "symptoms_3_months"],
                "anyOf": [no_pain, *areas],
                "not": {"allOf": [no_pain, {"anyOf": areas}]},
            },
        },
    )
    description = (
        "The screening form's answers, by the form's own field names and values. Each "
        "question of the page's two checklists is answered on its own (yes, no or unsure). "
        "Dates are YYYY-MM-DD: the last opioid dose today or in the past 5 years, the date "
        "since which no opioid was taken today or earlier, planned surgery today or later, "
        "the start date (today if left out) from today to a year ahead. The medication list "
        f"has at most {MEDICATION_LIST_MAX_LINES} lines. The optional 2016 fibromyalgia "
        "criteria (wpi_*, sss_*, symptoms_3_months) are left out entirely, or answered in "
        "full."
    )
    return ApiForm("ScreeningAnswers", ScreeningForm, fields, rules, description)


PAIN_FIELDS_NRS = ("baseline_nrs", "current_nrs")
PAIN_FIELDS_PEG = tuple(
    f"{when}_peg_{item}"
    for when in ("baseline", "current")
    for item in ("pain", "enjoyment", "activity")
)


def _followup() -> ApiForm:
    # The form checks the dose against the maximum in the settings in force; the document
    # shows the cited default, and the current value is at /api/v1/settings/current.
    max_dose = DEFAULT_SETTINGS.max_dose_mg
    numbers = {
        "current_dose_mg": Number(
            False,
            maximum=max_dose,
            exclusive_minimum=0,
            multiple_of=DOSE_STEP_MG,
            note=f"At most the maximum daily dose in the settings ({max_dose} mg by default).",
            maximum_from_settings=True,
        ),
        **{name: Number(True, *PAIN_RANGE) for name in (*PAIN_FIELDS_NRS, *PAIN_FIELDS_PEG)},
    }
    required = {
        "started_on",
        "schedule",
        "formulation",
        "current_dose_mg",
        "dose_timing",
        "target_reached",
        "pain_method",
        "side_effects_any",
        "opioids_since_start",
        "pregnant_or_planning",
        "liver_symptoms",
        "surgery_planned",
    }
    fields = api_fields(
        FollowupForm, numbers=numbers, required=required, default_today={"followup_on"}
    )
    effect_rules = tuple(
        {
            "if": {
                "properties": {
                    "side_effects_any": {"const": "yes"},
                    "side_effects": {"contains": {"const": kind.value}},
                },
                "required": ["side_effects_any", "side_effects"],
            },
            "then": {"required": [f"severity_{kind.value}"]},
        }
        for kind in SideEffectKind
    )
    rules: tuple[JSON, ...] = (
        {"if": _is("target_reached", "yes"), "then": {"required": ["target_reached_on"]}},
        {
            "if": _is("target_reached", "no"),
            "then": {"properties": {"current_dose_mg": {"exclusiveMaximum": max_dose}}},
        },
        {"if": _is("pain_method", "nrs"), "then": {"required": list(PAIN_FIELDS_NRS)}},
        {"if": _is("pain_method", "peg"), "then": {"required": list(PAIN_FIELDS_PEG)}},
        {
            "if": _is("side_effects_any", "yes"),
            "then": {
                "required": ["side_effects"],
                "properties": {"side_effects": {"minItems": 1}},
            },
        },
        *effect_rules,
        {"if": _is("surgery_planned", "yes"), "then": {"required": ["surgery_on"]}},
    )
    description = (
        "The follow-up form's answers, by the form's own field names and values. Dates are "
        "YYYY-MM-DD: LDN started today or in the past 5 years; the follow-up (today if left "
        "out) on or after the start, today or in the past year; the target reached between "
        "the two; planned surgery on or after the follow-up. Answers that do not apply (the "
        "PEG after choosing the NRS, severities of side effects not reported) are ignored."
    )
    return ApiForm("FollowupAnswers", FollowupForm, fields, rules, description)


SCREENING = _screening()
FOLLOWUP = _followup()
