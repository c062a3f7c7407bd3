"""One validation for every caller: a JSON object of answers, checked by the HTML form itself.

``validate_screening`` and ``validate_followup`` are what the JSON API calls, and what any
other machine entry point (FHIR's ``$screen``, CDS Hooks) should call: they return the
rules' frozen answers, or every field error in the form's own words.

Two steps:

1. JSON's types, which a browser can never get wrong: each value must be of its declared
   kind (a listed value for a choice, a list of listed values, a whole number, a number, a
   YYYY-MM-DD date, text), and no unknown field may be sent (a misspelt name would otherwise
   be silently unanswered). A wrong choice gets the form's own "Select ..." message; the
   other type messages are the API's, since the form cannot receive such values.
2. Everything else (required answers, ranges, dates against today and each other, the
   cross-field checks, "not sure" is never "no"): the values, as the text a browser would
   post, are bound to the very same WTForms form class the page uses (CSRF off: the API
   authenticates with a bearer token, not a cookie) and validated by it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ...rules import PatientAnswers, RuleSettings
from ...rules.followup import FollowupAnswers
from ..forms.fields import on_step
from ..forms.followup import FollowupForm
from ..forms.screening import CONDITION_GROUPS, ScreeningForm
from .declarations import FOLLOWUP, SCREENING, ApiField, ApiForm

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
UNKNOWN_FIELD_MESSAGE = (
    "This is not a question of this form: check the name against the API's documentation"
)

UNKNOWN_FIELDS_MESSAGE = (
    "{} more name(s) sent are not questions of this form (not repeated here): check the names "
    "against the API's documentation"
)
MAX_NAMED_UNKNOWN = 20
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class FieldError:
    name: str
    message: str

    def as_json(self) -> dict[str, str]:
        # "pointer" is RFC 6901's JSON Pointer into the request body, as RFC 9457 suggests.
        return {"name": self.name, "pointer": f"#/{self.name}", "detail": self.message}


def _number_text(value: Any, integer: bool) -> str | None:
    """The number as a browser would post it, or None if it is not a JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if value != value or value in {float("inf"), float("-inf")}:
            return None
        if integer:
            return str(int(value)) if value.is_integer() else None
        return repr(value)
    return str(value)


def _type_error(field: ApiField, value: Any) -> str | None:
    """Why ``value`` is not of the field's JSON type, or None."""
    if field.kind == "choice":
        allowed = {v for v, _ in field.options}
        return None if isinstance(value, str) and value in allowed else field.message
    if field.kind == "choices":
        allowed = {v for v, _ in field.options}
        ok = isinstance(value, list) and all(isinstance(v, str) and v in allowed for v in value)
        return None if ok else field.message
    if field.kind in {"integer", "number"}:
        if _number_text(value, field.kind == "integer") is not None:
            return None
        what = "a whole number" if field.kind == "integer" else "a number"
        return f"'{field.label}' must be {what} (a JSON number, not text)"
    if field.kind == "date":
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return None
        return f"'{field.label}' must be a real date written YYYY-MM-DD, like {field.example}"
    if not isinstance(value, str):
        return f"'{field.label}' must be text (a JSON string)"
    if field.max_length is not None and len(value) > field.max_length:
        return None  # the form says it, in its own words
    return None


def _range_error(field: ApiField, value: Any) -> str | None:
    """A number outside the range the document declares. The form checks the numbers it uses
    (in its own words, first); this holds the ones it ignores (a PEG score sent with the NRS)
    to the same document, so a client is never told a value is fine that is not."""
    number = field.number
    text = _number_text(value, field.kind == "integer")
    if number is None or text is None:
        return None
    amount = float(text)
    low_ok = number.minimum is None or amount >= number.minimum
    low_ok = low_ok and (number.exclusive_minimum is None or amount > number.exclusive_minimum)
    high_ok = number.maximum is None or number.maximum_from_settings or amount <= number.maximum
    step_ok = number.multiple_of is None or on_step(amount, number.multiple_of)
    if low_ok and high_ok and step_ok:
        return None
    low = number.minimum if number.minimum is not None else f"more than {number.exclusive_minimum}"
    high = "" if number.maximum_from_settings else f" to {number.maximum:g}"
    step = f", in steps of {number.multiple_of:g}" if number.multiple_of else ""
    return f"'{field.label}' must be from {low}{high}{step}, even where it is not used"


def _as_formdata(form: ApiForm, data: dict[str, Any], today: dt.date) -> MultiDict[str, str]:
    posted: MultiDict[str, str] = MultiDict()
    for field in form.fields:
        if field.name not in data:
            if field.default_today:
                posted.add(field.name, today.isoformat())
            continue
        value = data[field.name]
        if field.kind == "choices":
            for item in value:
                posted.add(field.name, item)
        elif field.kind in {"integer", "number"}:
            posted.add(field.name, _number_text(value, field.kind == "integer") or "")
        else:
            posted.add(field.name, value)
    return posted


def _shape_errors(form: ApiForm, data: Any) -> list[FieldError]:
    by_name = form.by_name
    unknown = [name for name in data if name not in by_name]
    # A misspelt name is repeated so the client can find it; free text sent as a name (it
    # could be anything, a patient's name too) is not, and a flood of names gets a short
    # answer (a 2 MiB body of unknown names must not come back as 50 MiB of errors).
    named = [name for name in unknown if _FIELD_NAME.fullmatch(name)][:MAX_NAMED_UNKNOWN]
    errors = [FieldError(name, UNKNOWN_FIELD_MESSAGE) for name in named]
    if len(named) < len(unknown):
        errors.append(FieldError("", UNKNOWN_FIELDS_MESSAGE.format(len(unknown) - len(named))))
    for field in form.fields:
        if field.name in data and (message := _type_error(field, data[field.name])):
            errors.append(FieldError(field.name, message))
    return errors


def _form_errors(api_form: ApiForm, form: Any) -> list[FieldError]:
    """The bound form's errors, in page order. A checklist's own error ("Select the
    conditions that apply") becomes the missing questions' own messages, since a program
    answers the questions, not the list."""
    errors: list[FieldError] = []
    groups = {g.name: g for g in CONDITION_GROUPS} if api_form is SCREENING else {}
    for field in form:
        if not field.errors:
            continue
        group = groups.get(field.name)
        if group is not None:
            errors += [
                FieldError(q, form[q].message)
                for q in group.items
                if form[q].data not in {v for v, _ in form[q].options}
            ]
            continue
        errors += [FieldError(field.name, str(m)) for m in field.errors if m]
    seen: set[tuple[str, str]] = set()
    unique = []
    for e in errors:
        if (e.name, e.message) not in seen:
            seen.add((e.name, e.message))
            unique.append(e)
    order = {f.name: i for i, f in enumerate(api_form.fields)}
    return sorted(unique, key=lambda e: order.get(e.name, len(order)))


def _bind(api_form: ApiForm, data: Any, today: dt.date, **form_args: Any) -> Any:
    """The validated form, or the list of every field error."""
    if not isinstance(data, dict):
        return [FieldError("", "The body must be a JSON object of answers")]
    errors = _shape_errors(api_form, data)
    if errors:
        return errors
    form = api_form.form_class(
        formdata=_as_formdata(api_form, data, today),
        meta={"csrf": False},
        today=today,
        **form_args,
    )
    valid = form.validate()
    errors = _form_errors(api_form, form) if not valid else []
    named = {e.name for e in errors}
    errors += [
        FieldError(field.name, message)
        for field in api_form.fields
        if field.name in data
        and field.name not in named
        and (message := _range_error(field, data[field.name]))
    ]
    if errors or not valid:
        return errors or [FieldError("", "The answers are not valid")]
    return form


def validate_screening(
    data: Any, today: dt.date | None = None
) -> PatientAnswers | list[FieldError]:
    """The screening answers in ``data`` (a parsed JSON object), or every field error."""
    form = _bind(SCREENING, data, today or dt.date.today())
    if isinstance(form, list):
        return form
    assert isinstance(form, ScreeningForm)  # noqa: S101  # for the type checker
    return form.to_answers()


def validate_followup(
    data: Any, settings: RuleSettings, today: dt.date | None = None
) -> FollowupAnswers | list[FieldError]:
    """The follow-up answers in ``data``, checked against ``settings`` (the maximum dose)."""
    form = _bind(
        FOLLOWUP,
        data,
        today or dt.date.today(),
        max_dose_mg=settings.max_dose_mg,
        target_dose_mg=settings.target_dose_mg,
    )
    if isinstance(form, list):
        return form
    assert isinstance(form, FollowupForm)  # noqa: S101
    form.clear_unused()
    return form.to_answers()
