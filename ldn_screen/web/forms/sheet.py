"""The counselling sheet's chooser: the plan, read from the query string.

Its address carries only the plan (schedule, start date, formulation, liquid strength, a
planned operation's date), so the form reads nothing that could identify a patient.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from ...rules.model import Formulation, Schedule
from ...rules.settings import SPECS_BY_NAME
from ...rules.translation import ENGLISH_CODE, LANGUAGES
from .fields import (
    FORMULATION_MESSAGE,
    FORMULATION_OPTIONS,
    SCHEDULE_MESSAGE,
    SCHEDULE_OPTIONS,
    BaseForm,
    DateInput,
    Radios,
    Text,
    on_step,
    parse_number,
    require_date,
)

# Reprints of a plan that began a while ago are normal; a year either way covers them.
START_WINDOW = dt.timedelta(days=366)


def _concentration_range() -> tuple[float, float, float]:
    """The admin setting's own range and step: one rule for the link and the settings."""
    spec = SPECS_BY_NAME["liquid_mg_per_ml"]
    if spec.minimum is None or spec.maximum is None or spec.step is None:
        raise RuntimeError("the liquid_mg_per_ml setting needs a minimum, maximum and step")
    return spec.minimum, spec.maximum, spec.step


_MG_PER_ML_MIN, _MG_PER_ML_MAX, _MG_PER_ML_STEP = _concentration_range()


@dataclass(frozen=True, slots=True)
class PlanChoice:
    """A validated plan: everything the address carries apart from the settings version."""

    schedule: Schedule
    formulation: Formulation
    starts_on: dt.date
    mg_per_ml: float | None  # only for liquid
    surgery_on: dt.date | None = None  # planned surgery, to mark the stop in the calendar
    language: str = ENGLISH_CODE  # the sheet's language (not the patient's: any sheet)

    def params(self) -> dict[str, str]:
        """The canonical query, in a fixed order, so one plan has one address."""
        params = {
            "schedule": self.schedule.value,
            "start": self.starts_on.isoformat(),
            "formulation": self.formulation.value,
        }
        if self.mg_per_ml is not None:
            params["mg_per_ml"] = f"{self.mg_per_ml:g}"
        if self.surgery_on is not None:
            params["surgery"] = self.surgery_on.isoformat()
        if self.language != ENGLISH_CODE:
            # English is the default, so a reprint link from before languages stays the same.
            params["language"] = self.language
        return params


class SheetForm(BaseForm):
    """The plan, read from the query string. No CSRF: a GET that changes nothing."""

    class Meta:
        csrf = False

    # The labels are msgids of the sheet's catalogue (the chooser's words); example dates are
    # placeholders, as every number is.
    schedule = Radios(_l("Titration schedule"), options=SCHEDULE_OPTIONS, message=SCHEDULE_MESSAGE)
    start = DateInput(
        _l("Start date"),
        description=_l("For example, %(example)s.", example="2026-12-01"),
        example="2026-12-01",
    )
    formulation = Radios(
        _l("Formulation"), options=FORMULATION_OPTIONS, message=FORMULATION_MESSAGE
    )
    mg_per_ml = Text(_l("Liquid concentration"), render_kw={"inputmode": "decimal"})
    surgery = DateInput(
        _l("Date of planned surgery (optional)"),
        description=_l(
            "If an operation falls in the calendar, the sheet marks when to stop LDN before "
            "it. For example, %(example)s.",
            example="2027-01-15",
        ),
        example="2027-01-15",
    )
    # The view lists the languages offered (a draft translation says so in its label).
    language = Radios(
        _l("Language of the sheet"),
        options=[(code, names[0]) for code, names in LANGUAGES.items()],
        message="Select the language of the sheet",
        conditional=True,  # a link without it (an older reprint) is in English
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_start(self, field: DateInput) -> None:
        day = require_date(field, "the start date")
        if day < self.today - START_WINDOW:
            raise ValidationError("The start date must be within the last year")
        if day > self.today + START_WINDOW:
            raise ValidationError("The start date must be within the next year")

    def validate_surgery(self, field: DateInput) -> None:
        if not (field.data or "").strip():
            return  # optional
        day = require_date(field, "the date of the planned surgery")
        if self.start.date is not None and day < self.start.date:
            raise ValidationError(
                "The date of the planned surgery must be on or after the start date. Leave it "
                "blank if the operation comes before LDN starts"
            )
        if day > self.today + 2 * START_WINDOW:
            raise ValidationError("The date of the planned surgery must be within two years")

    def validate_mg_per_ml(self, field: Text) -> None:
        if self.formulation.data != Formulation.LIQUID.value:
            return  # capsules have no concentration; whatever was sent is ignored
        if not field.data:
            raise ValidationError("Enter the liquid concentration in mg per mL, for example 1")
        # Signed, so "-1" is told the range rather than "not a number".
        value = parse_number(field.data, signed=True)
        if value is None:
            raise ValidationError(
                "Enter the liquid concentration as a number of mg per mL, for example 1"
            )
        lo, hi, step = _MG_PER_ML_MIN, _MG_PER_ML_MAX, _MG_PER_ML_STEP
        if value < lo:
            raise ValidationError(f"The liquid concentration must be {lo:g} mg per mL or more")
        if value > hi:
            raise ValidationError(f"The liquid concentration must be {hi:g} mg per mL or less")
        if not on_step(value, step):
            raise ValidationError(
                f"The liquid concentration must be a multiple of {step:g} mg per mL"
            )

    def choice(self) -> PlanChoice | None:
        """The plan, or None unless every field passed ``validate()``."""
        if self.errors or self.start.date is None:
            return None
        liquid = self.formulation.data == Formulation.LIQUID.value
        return PlanChoice(
            schedule=Schedule(self.schedule.data),
            formulation=Formulation(self.formulation.data),
            starts_on=self.start.date,
            mg_per_ml=parse_number(self.mg_per_ml.data, signed=True) if liquid else None,
            surgery_on=self.surgery.date if (self.surgery.data or "").strip() else None,
            language=self.language.data or ENGLISH_CODE,
        )
