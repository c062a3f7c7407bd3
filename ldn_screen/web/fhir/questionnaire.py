"""The SDC Questionnaire, generated from the screening form's own field definitions.

Each answer field of ``ScreeningForm`` becomes one item, in page order: its label is the
item's text, its hint a help item, its options the answer options (with the form's labels),
and "Not sure" the yesnodontknow code. What the field classes cannot say (which questions
depend on another answer, which typed answers are required) is declared below, once, and the
tests check each declaration against the form's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...rules import Answer, OpioidUse
from ..forms.fields import Checkboxes, ConditionList, DateInput, Hidden, Radios, Text, TextArea
from ..forms.screening import DIAGNOSIS_FIELDS, GROUP_OF, ScreeningForm
from . import terms

# Form fields with no item, and why. Any other field without an item fails the tests.
NOT_ASKED: dict[str, str] = {
    "opioid_conditions": "a checklist of the page; each of its questions is an item",
    "safety_conditions": "a checklist of the page; each of its questions is an item",
    "confirmed_not_opioid_lines": "set by the summary's 'not an opioid' button, never asked",
}

# Questions asked only after a given answer to another: (question, answers that enable it).
# The form's validators hold the same conditions (validate_opioid_type, ..._surgery_on).
ENABLE_WHEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "opioid_type": (
        "opioid_use",
        (OpioidUse.CURRENT.value, OpioidUse.RECENT.value, OpioidUse.RECENT_DATE_UNKNOWN.value),
    ),
    "last_opioid_dose_on": ("opioid_use", (OpioidUse.RECENT.value,)),
    "opioid_free_since": ("opioid_use", (OpioidUse.RECENT_DATE_UNKNOWN.value,)),
    "ultra_low_dose_protocol": ("opioid_use", (OpioidUse.CURRENT.value,)),
    "surgery_on": ("surgery_planned", (Answer.YES.value,)),
}
# Conditional questions the form requires whenever they are enabled. (opioid_type is needed
# only after "Stopped recently", which enableWhen cannot say: the form asks for it then.)
REQUIRED_WHEN_ENABLED = frozenset({"last_opioid_dose_on", "ultra_low_dose_protocol", "surgery_on"})
# Typed answers the form requires (its validators say "Enter ..." when they are blank).
REQUIRED_ENTRIES = frozenset({"age_years", "start_on", "baseline_pain_nrs"})


@dataclass(frozen=True)
class ItemSpec:
    """One question as the Questionnaire shows it and as a response is read back."""

    link_id: str
    text: str
    type: str  # integer, string, text, date, choice
    required: bool
    repeats: bool = False
    hint: str = ""
    # "Select ...": the form's message for an answer outside the list (choice items).
    message: str = ""
    # (value, label) in the form's order; and each (system, code) back to its value.
    options: tuple[tuple[str, str], ...] = ()
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    enable_when: tuple[str, tuple[str, ...]] | None = None
    # How the page draws a choice (SDC itemControl): radio-button or check-box.
    control: str | None = None


def coding_for(base: str, link_id: str, value: str) -> tuple[str, str]:
    """The (system, code) of one of a question's answers."""
    standard = terms.STANDARD_CODINGS.get(value)
    return standard or (terms.local_system(base, link_id), value)


def _kind(name: str, item: Any) -> tuple[str, bool, str | None]:
    """(item type, repeats, item control) of a form field; an unknown kind is an error."""
    if isinstance(item, DateInput):
        return "date", False, None
    if isinstance(item, Text):
        numeric = (item.render_kw or {}).get("inputmode") == "numeric"
        return ("integer" if numeric else "string"), False, None
    if isinstance(item, TextArea):
        return "text", False, None
    if isinstance(item, Radios):
        return "choice", False, "radio-button"
    if isinstance(item, Checkboxes):
        return "choice", True, "check-box"
    raise TypeError(f"no Questionnaire item type for form field {name!r} ({type(item)})")


def _required(name: str, item: Any) -> bool:
    if name in DIAGNOSIS_FIELDS:
        return False  # an optional section: once started, the form asks for every part
    if isinstance(item, Radios):
        return not item.conditional or name in GROUP_OF or name in REQUIRED_WHEN_ENABLED
    return name in REQUIRED_ENTRIES or name in REQUIRED_WHEN_ENABLED


def screening_items(form: ScreeningForm, base: str) -> tuple[ItemSpec, ...]:
    """Every asked field of ``form``, in page order."""
    specs: list[ItemSpec] = []
    for item in form:
        name = item.name
        if name == form.meta.csrf_field_name or name in NOT_ASKED:
            continue
        if isinstance(item, ConditionList | Hidden):
            raise TypeError(f"form field {name!r} is neither asked nor listed in NOT_ASKED")
        kind, repeats, control = _kind(name, item)
        options: tuple[tuple[str, str], ...] = tuple(getattr(item, "options", ()))
        specs.append(
            ItemSpec(
                link_id=name,
                text=str(item.label.text),
                type=kind,
                required=_required(name, item),
                repeats=repeats,
                hint=str(item.description or ""),
                message=getattr(item, "message", ""),
                options=options,
                values={coding_for(base, name, value): value for value, _ in options},
                enable_when=ENABLE_WHEN.get(name),
                control=control,
            )
        )
    return tuple(specs)


def _control(code: str) -> dict[str, Any]:
    return {
        "url": terms.ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": terms.ITEM_CONTROL_SYSTEM, "code": code}]},
    }


def _help(spec: ItemSpec) -> dict[str, Any]:
    return {
        "linkId": f"{spec.link_id}.help",
        "type": "display",
        "text": spec.hint,
        "extension": [_control("help")],
    }


def _item(base: str, spec: ItemSpec, by_id: dict[str, ItemSpec]) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": spec.link_id, "text": spec.text, "type": spec.type}
    if spec.control:
        item["extension"] = [_control(spec.control)]
    if spec.enable_when:
        question, enabling = spec.enable_when
        trigger = by_id[question]
        item["enableWhen"] = [
            {
                "question": question,
                "operator": "=",
                "answerCoding": _coding(base, trigger, value),
            }
            for value in enabling
        ]
        if len(enabling) > 1:
            item["enableBehavior"] = "any"
    item["required"] = spec.required
    if spec.repeats:
        item["repeats"] = True
    if spec.options:
        item["answerOption"] = [
            {"valueCoding": _coding(base, spec, value)} for value, _ in spec.options
        ]
    if spec.hint:
        item["item"] = [_help(spec)]
    return item


def _coding(base: str, spec: ItemSpec, value: str) -> dict[str, str]:
    system, code = coding_for(base, spec.link_id, value)
    return {"system": system, "code": code, "display": dict(spec.options)[value]}


def questionnaire(base: str, items: tuple[ItemSpec, ...]) -> dict[str, Any]:
    """The Questionnaire resource, as plain JSON."""
    by_id = {spec.link_id: spec for spec in items}
    return {
        "resourceType": "Questionnaire",
        "id": terms.QUESTIONNAIRE_ID,
        "meta": {"profile": [terms.SDC_QUESTIONNAIRE]},
        "url": terms.questionnaire_url(base),
        "version": terms.release_version(),
        "name": "LdnScreening",
        "title": "Low-dose naltrexone (LDN) screening",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "The questions of ldn-screen's screening form. Answer it and post the "
            f"QuestionnaireResponse to Questionnaire/{terms.QUESTIONNAIRE_ID}/$"
            f"{terms.OPERATION_CODE} for the verdict, the findings and the dose plan. The "
            "2016 fibromyalgia criteria (questions wpi_* and sss_*, symptoms_3_months) are "
            "optional; once one is answered, all are needed."
        ),
        "item": [_item(base, spec, by_id) for spec in items],
    }
