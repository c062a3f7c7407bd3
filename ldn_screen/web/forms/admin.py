"""Admin forms. The settings form is generated from SETTING_SPECS: no threshold is listed twice.

Values are checked by ``rules.settings.validate_values`` (the same function imports use), so
the form only turns typed text into numbers and hands the rest over.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import Field

# SelectChoice came with WTForms 3.3; the types-wtforms stubs (3.2) do not have it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import ValidationError

from ...rules.settings import (
    SETTING_SPECS,
    Departure,
    SettingSpec,
    departure_for,
    narrows,
    safe_range_text,
    validate_values,
)
from ...store.audit import ACTIONS
from .fields import (
    BaseForm,
    DateInput,
    Hidden,
    Password,
    Radios,
    Select,
    Text,
    TextArea,
    parse_number,
)

REASON_MAX_CHARS = 2000
DEPARTURE_REASON_MISSING = "Enter why you depart from the safe range"
_NUMBER_MAX_CHARS = 20

# How the admin form words each choice; the stored value stays the short code.
CHOICE_LABELS: dict[str, str] = {
    "stop": "Do not start LDN (stop)",
    "review": "Prescriber review before starting (review)",
    "caution": "Note it as a caution only (caution)",
}


class LoginForm(BaseForm):
    username = Text("Username")
    password = Password("Password")
    next = Hidden()

    def validate_username(self, field: Field) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter your username")

    def validate_password(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Enter your password")


class ActionForm(BaseForm):
    """A form with nothing but its CSRF token: sign out."""


# --- Settings ------------------------------------------------------------------------------


def _plain(number: float) -> str:
    return f"{number:g}"


def spec_hint(spec: SettingSpec) -> str:
    """Unit, allowed range, cited default and source, as the hint under each field."""
    parts: list[str] = []
    unit = f" {spec.unit}" if spec.unit and spec.unit != "%" else spec.unit
    if spec.choices:
        parts.append("Choose one.")
    elif isinstance(spec.default, str):
        parts.append(f"Text, up to {_plain(spec.maximum or 0)} characters; may be left blank.")
    else:
        parts.append(f"In {spec.unit}." if spec.unit else "A number.")
        if spec.step == 1:
            steps = ", whole numbers."
        else:
            steps = f", in steps of {_plain(spec.step)}{unit}." if spec.step else "."
        parts.append(
            f"Allowed: {_plain(spec.minimum or 0)} to {_plain(spec.maximum or 0)}{unit}{steps}"
        )
    if isinstance(spec.default, str):
        default = CHOICE_LABELS.get(spec.default, spec.default) or "blank"
    else:
        default = f"{_plain(spec.default)}{unit}"
    parts.append(f"Cited default: {default}.")
    parts.append(f"Source ({spec.source.kind}): {spec.source.title}. {spec.why}")
    if spec.safe is not None:
        label = "Safe choices" if spec.choices else "Safe range"
        if narrows(spec):
            parts.append(
                f"{label}: {safe_range_text(spec)}, from {spec.safe.source.label}. Outside it, "
                "publishing needs a reason for the departure."
            )
        else:
            parts.append(f"{label}: {safe_range_text(spec)}. {spec.safe.why}")
    return " ".join(parts)


def _field(spec: SettingSpec) -> Field:
    if spec.choices:
        # conditional=True: an empty or unknown choice is reported by validate_values, in the
        # same words as an import would get; the field's own message is never reached.
        return Radios(
            spec.label,
            options=[(c, CHOICE_LABELS.get(c, c)) for c in spec.choices],
            message=f"Select the {spec.label.lower()}",
            description=spec_hint(spec),
            conditional=True,
        )
    if spec.step is None:
        # Free text (the clinic's details): kept as typed; validate_values reads it.
        return Text(
            spec.label, description=spec_hint(spec), strip=False, appearance={"width": "w-20"}
        )
    mode = "numeric" if float(spec.step).is_integer() else "decimal"
    return Text(
        spec.label,
        description=spec_hint(spec),
        render_kw={"inputmode": mode},
        appearance={"width": "w-5", "suffix": spec.unit},
    )


def _parse(spec: SettingSpec, raw: Any) -> Any:
    """Typed text to a value for validate_values. Text it cannot read stays text, so
    validate_values reports 'Enter ... as a number' in its own words."""
    if spec.choices or isinstance(spec.default, str):
        return (raw or "").strip() if spec.choices else (raw or "")
    text = (raw or "").strip()
    if not text:
        return None
    if parse_number(text, signed=True, max_chars=_NUMBER_MAX_CHARS) is None:
        return text
    return float(text) if "." in text else int(text)


def display(value: Any) -> str:
    """A stored value as the form shows it: 10, not 10.0."""
    if isinstance(value, float):
        return _plain(value)
    return "" if value is None else str(value)


class SettingsFormBase(BaseForm):
    based_on = Hidden()

    def setting_fields(self) -> list[Field]:
        return [self[spec.name] for spec in SETTING_SPECS]

    def values(self) -> dict[str, Any]:
        return {spec.name: _parse(spec, self[spec.name].data) for spec in SETTING_SPECS}

    def based_on_number(self) -> int | None:
        raw = (self.based_on.data or "").strip()
        # ASCII digits only: '²'.isdigit() is true, but int('²') raises.
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None

    def check_values(self) -> bool:
        """Put validate_values' errors on the fields; True when there are none."""
        errors = validate_values(self.values())
        for name, messages in errors.items():
            self[name].errors = list(messages)
        return not errors

    def departures(self) -> dict[str, Departure]:
        """Typed values outside their safe range, by setting name. A field with an error
        is left out: its value is not one that could be published."""
        values = self.values()
        found: dict[str, Departure] = {}
        for spec in SETTING_SPECS:
            if self[spec.name].errors:
                continue
            departure = departure_for(spec, values[spec.name])
            if departure is not None:
                found[spec.name] = departure
        return found

    def groups(self) -> list[tuple[str, list[tuple[Field, SettingSpec]]]]:
        """Fields under their headings, in SETTING_SPECS order."""
        grouped: dict[str, list[tuple[Field, SettingSpec]]] = {}
        for spec in SETTING_SPECS:
            grouped.setdefault(spec.group, []).append((self[spec.name], spec))
        return list(grouped.items())

    def fill(self, values: dict[str, Any], based_on: int) -> None:
        for spec in SETTING_SPECS:
            self[spec.name].data = display(values.get(spec.name))
        self.based_on.data = str(based_on)


SettingsForm: type[SettingsFormBase] = type(
    "SettingsForm", (SettingsFormBase,), {spec.name: _field(spec) for spec in SETTING_SPECS}
)


class _ReasonMixin:
    reason = TextArea(
        "Reason for this change",
        description="Say why, and who agreed it. It is kept with the version and cannot be "
        "changed later.",
    )

    # Shown, and required, only when a value lies outside its safe range: the view checks
    # that (require_departure_reason), since it depends on the values, not on this field.
    departure_reason = TextArea(
        "Why depart from the safe range?",
        description="Some values are outside the range their source supports. Say which "
        "source or clinical judgement you rely on instead, and who agreed it. It is kept with "
        "the version and cannot be changed later.",
    )

    def validate_reason(self, field: Field) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError("Enter the reason for this change")
        if len(text) > REASON_MAX_CHARS:
            raise ValidationError(f"The reason must be {REASON_MAX_CHARS:,} characters or fewer")

    def validate_departure_reason(self, field: Field) -> None:
        if len((field.data or "").strip()) > REASON_MAX_CHARS:
            raise ValidationError(
                f"The reason for departing must be {REASON_MAX_CHARS:,} characters or fewer"
            )

    def require_departure_reason(self, found: tuple[Departure, ...] | list[Departure]) -> bool:
        """With values outside their safe range, a departure reason is required: put the
        error on the field and return False when it is missing."""
        if not found:
            # The field is not on the page then: no error may point at it, and it is unused.
            self.departure_reason.errors = []
            return True
        if not (self.departure_reason.data or "").strip():
            self.departure_reason.errors = [DEPARTURE_REASON_MISSING]
            return False
        return not self.departure_reason.errors


PublishForm: type[SettingsFormBase] = type("PublishForm", (_ReasonMixin, SettingsForm), {})


class RollbackForm(_ReasonMixin, BaseForm):
    based_on = Hidden()


# --- History and audit filters (GET forms: no CSRF, nothing changes) ----------------------


class CompareForm(BaseForm):
    class Meta:
        csrf = False

    old = Select("Older version", validate_choice=False)
    new = Select("Newer version", validate_choice=False)


# The audit log holds nothing older than this release, and 9999-12-31 has no next day: dates
# outside these years are refused at the field rather than reaching the query (an
# OverflowError, that is a 500, before).
FILTER_YEARS = (2000, 9998)


def _date_filter(field: DateInput, name: str) -> None:
    raw = (field.data or "").strip()
    field.date = None
    if not raw:
        return
    try:
        date = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"Enter the {name} as a real date, for example 2026-11-03") from None
    first, last = FILTER_YEARS
    if not first <= date.year <= last:
        raise ValidationError(f"Enter the {name} as a date in the years {first} to {last}")
    field.date = date


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    action = Select(
        "Action",
        choices=[SelectChoice("", "Any action"), *(SelectChoice(k, v) for k, v in ACTIONS.items())],
        validate_choice=False,
    )
    actor = Select("Who", validate_choice=False)
    since = DateInput("From (UTC)", description="For example, 2026-11-03.")
    until = DateInput("To (UTC), included", description="For example, 2026-11-30.")

    def validate_action(self, field: Field) -> None:
        if field.data and field.data not in ACTIONS:
            raise ValidationError("Select an action from the list")

    def validate_since(self, field: DateInput) -> None:
        _date_filter(field, "start date")

    def validate_until(self, field: DateInput) -> None:
        _date_filter(field, "end date")
        since, until = self.since.date, field.date
        if since and until and until < since:
            raise ValidationError("The end date must be the same as or after the start date")
