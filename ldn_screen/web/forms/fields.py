"""The field classes every form uses, the one number parser, and the base form.

Each field renders itself, as in GOV.UK's frontend fields: ``{{ form.age_years() }}`` draws
the whole group (label, hint, error, input) with its macro in templates/macros/forms.html.
Each field also knows how to show its answer on a summary (``display_value``) and how to
carry it in hidden inputs (``hidden_values``), so no code asks a field what type it is.

Error wording is declared with each field, in the GOV.UK style ("Enter ...", "Select ..."),
so WTForms' own wording ("Not a valid choice") never reaches a clinician.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from flask import current_app
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    Field,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError

from ...rules import Answer, Formulation, Schedule
from ...rules.units import fmt_date
from ..embedding import EmbeddableCSRF

# Longest number any form reads: "4.5", "0.125", "120" all fit, a pasted paragraph does not.
NUMBER_MAX_CHARS = 6

YES_NO_UNSURE = [
    (Answer.YES.value, "Yes"),
    (Answer.NO.value, "No"),
    (Answer.UNSURE.value, "Not sure"),
]
YES_NO = [(Answer.YES.value, "Yes"), (Answer.NO.value, "No")]
SCHEDULE_OPTIONS = [
    (Schedule.STANDARD.value, "Standard"),
    (Schedule.GENTLE.value, "Gentle (smaller, slower steps)"),
]
FORMULATION_OPTIONS = [(Formulation.CAPSULE.value, "Capsule"), (Formulation.LIQUID.value, "Liquid")]

# Messages every form gives for the shared plan questions.
SCHEDULE_MESSAGE = "Select the standard or gentle schedule"
FORMULATION_MESSAGE = "Select capsule or liquid"

MACROS = "macros/forms.html"


# --- Numbers and dates ----------------------------------------------------------------------

# ASCII digits only: '²'.isdigit() is true, but float('²') raises, and '１' is a digit too.
_NUMBER = re.compile(r"([+-])?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_number(
    raw: str | None, *, signed: bool = False, max_chars: int = NUMBER_MAX_CHARS
) -> float | None:
    """A plain decimal such as 4.5, 2.25 or .5; None for anything else (exponents, 'nan',
    'inf', '1_0', other scripts' digits, more than ``max_chars`` characters). A sign is read
    only when ``signed``, so a range check can say "must be 0.5 or more" for "-1"."""
    text = (raw or "").strip()
    if not text or len(text) > max_chars:
        return None
    match = _NUMBER.fullmatch(text)
    if match is None or (match.group(1) and not signed):
        return None
    return float(text)


def on_step(value: float, step: float) -> bool:
    """True when ``value`` is a whole number of ``step``s (0.25 mg, 0.5 mg per mL)."""
    return abs(value / step - round(value / step)) <= 1e-9


def require_whole_number(field: Field, lo: int, hi: int, missing: str, out_of_range: str) -> int:
    """The field's whole number from ``lo`` to ``hi``, or a ValidationError in these words."""
    raw = (field.data or "").strip()
    if not raw:
        raise ValidationError(missing)
    value = parse_number(raw)
    if value is None or "." in raw:
        raise ValidationError(f"{out_of_range}, like {hi // 2}")
    if not lo <= value <= hi:
        raise ValidationError(out_of_range)
    return int(value)


def parse_date(raw: str) -> dt.date | None:
    raw = raw.strip()
    for fmt in ("%Y-%m-%d", "%d %m %Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


# --- Fields -----------------------------------------------------------------------------------


def _macro(template: str, name: str) -> Callable[..., Markup]:
    # The environment caches the template and the template its module: one build per process.
    macro: Callable[..., Markup] = getattr(
        current_app.jinja_env.get_template(template).module, name
    )
    return macro


class Rendered:
    """What every field of these forms adds to WTForms: it draws itself with its macro, shows
    its answer, and writes its hidden inputs. ``appearance`` holds the macro's options
    declared with the field (width, suffix); a template's own options take precedence."""

    macro: ClassVar[str]
    macros: ClassVar[str] = MACROS
    # The base form strips the whitespace around what was typed into these.
    strip_whitespace: ClassVar[bool] = False
    data: Any

    def init_appearance(self, appearance: dict[str, Any] | None) -> None:
        self.appearance = dict(appearance or {})

    def __call__(self, **options: Any) -> Markup:
        return _macro(self.macros, self.macro)(self, **{**self.appearance, **options})

    def __html__(self) -> Markup:
        return self()

    def display_value(self) -> str:
        """The answer as the check-your-answers list shows it; "" leaves the row out."""
        return str(self.data or "").strip()

    def hidden_values(self) -> list[str]:
        """The values "Change answers" posts back, one hidden input each."""
        return ["" if self.data is None else str(self.data)]


class Text(Rendered, StringField):
    """A one-line text input: ``appearance`` may give its width and suffix. The base form
    strips what was typed unless ``strip=False`` (text kept exactly as typed)."""

    macro = "text_input"
    strip_whitespace = True

    def __init__(
        self,
        *args: Any,
        appearance: dict[str, Any] | None = None,
        strip: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.init_appearance(appearance)


class Password(Rendered, PasswordField):
    macro = "text_input"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.init_appearance({"type": "password"})

    def display_value(self) -> str:
        return ""


class TextArea(Rendered, TextAreaField):
    """Pasted text, kept as pasted (a medication list's lines, a reason's wording)."""

    macro = "textarea"

    def __init__(self, *args: Any, appearance: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.init_appearance(appearance)

    def display_value(self) -> str:
        text = (self.data or "").strip()
        return f"{len(text.splitlines())} line(s) pasted" if text else ""


class Hidden(Rendered, HiddenField):
    """A value the page carries but never shows: not a row of the answers list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.init_appearance(None)

    def __call__(self, **options: Any) -> Markup:
        return HiddenField.__call__(self, **options)

    def display_value(self) -> str:
        return ""


class Select(Rendered, SelectField):
    """A drop-down (the admin's filters), drawn by admin/macros.html."""

    macros = "admin/macros.html"
    macro = "select"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.init_appearance(None)


class DateInput(Text):
    """A date typed as YYYY-MM-DD (what browsers send from a date picker)."""

    macro = "date_input"
    input_type = "date"

    def __init__(self, *args: Any, example: str = "2026-11-03", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.example = example
        self.date: dt.date | None = None

    def pre_validate(self, form: Any) -> None:
        self.date = parse_date(self.data) if self.data else None

    def display_value(self) -> str:
        return fmt_date(self.date) if self.date else ""


def require_date(field: DateInput, name: str) -> dt.date:
    """The field's date, or "Enter <name> ..." with the field's own example."""
    if not (field.data or "").strip():
        raise ValidationError(f"Enter {name}, for example {field.example}")
    if field.date is None:
        raise ValidationError(f"Enter {name} as a real date, for example {field.example}")
    return field.date


class Radios(Rendered, Field):
    """One answer from a fixed list, drawn as radios from ``options``. A plain WTForms Field
    rather than RadioField: the pages never use WTForms' widgets or choices, and the screening
    form is built on every request, so the lighter its 40 fields, the faster the summary.
    An unlisted value gets the field's own ``message``, never "Not a valid choice"."""

    macro = "radios"

    def __init__(
        self,
        *args: Any,
        options: list[tuple[str, str]],
        message: str,
        conditional: bool = False,
        appearance: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # (value, label) pairs, in order, for the accessible radios macro.
        self.options = options
        # "Select ...": the message when no listed answer was given.
        self.message = message
        # A conditional question may stay empty; its form-level check decides when it must not.
        self.conditional = conditional
        self.init_appearance(appearance)

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = valuelist[0]

    def pre_validate(self, form: Any) -> None:
        if self.data in {value for value, _ in self.options}:
            return
        self.data = None
        if not self.conditional:
            raise ValidationError(self.message)

    def require_answer(self) -> None:
        """For a conditional question its form has found needed."""
        if not self.data:
            raise ValidationError(self.message)

    def display_value(self) -> str:
        return dict(self.options).get(self.data, "")


class Checkboxes(Rendered, Field):
    """Checkboxes in a fieldset, drawn from ``options`` like Radios; an unknown value gets
    ``message``, never "Not a valid choice"."""

    macro = "checkboxes"

    def __init__(
        self,
        *args: Any,
        options: list[tuple[str, str]],
        message: str,
        appearance: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.message = message
        self.init_appearance(appearance)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(valuelist)

    def pre_validate(self, form: Any) -> None:
        allowed = {value for value, _ in self.options}
        given = self.data or []
        self.data = [v for v in given if v in allowed]
        if len(self.data) != len(given):
            raise ValidationError(self.message)

    def display_value(self) -> str:
        labels = dict(self.options)
        # Labels such as "Jaw, left" hold commas, so the list uses semicolons.
        return "; ".join(labels[v] for v in self.data or [] if v in labels)

    def hidden_values(self) -> list[str]:
        return [str(v) for v in self.data or []]


# --- Checklists: a group of yes/no/not-sure questions answered in one step ----------------
# The GOV.UK "checkboxes with an option for none" pattern: the clinician ticks the conditions
# that apply, or "None of these apply". A ticked condition opens a follow-up asking "Yes" or
# "Not sure"; an unticked one in an answered list is "No". Each question still receives its
# own answer (the rules never see the list), and nothing is read as "No" until the list is
# answered: a list with nothing ticked is an error, never "none".
NONE_OF_THESE = "none"
NONE_OF_THESE_LABEL = "None of these apply"
CONDITION_UNKNOWN_MESSAGE = "Select conditions from the list only"


@dataclass(frozen=True)
class ConditionGroup:
    name: str
    legend: str
    items: tuple[str, ...]
    missing: str
    conflict: str


class ConditionList(Checkboxes):
    """The checklist of a ``ConditionGroup``: "None of these apply" first, then each condition.

    It posts the ticked question names (or "none"); the answers themselves go to each
    question's own field, so the rules and the summary see the same per-question answers
    as before. "None" comes first, not last as in GOV.UK's pattern, so a keyboard user who
    ticks it leaves the list with the next Tab (app.js disables the conditions while "None"
    is ticked, which takes them out of the tab order).

    Its form reads the list as a whole (``condition_reading``), and the macro draws the list
    as that reading left it, so the field keeps the form it belongs to."""

    macro = "condition_list"

    def __init__(self, group: ConditionGroup, labels: dict[str, str], **kwargs: Any) -> None:
        self.owner = kwargs.get("_form")
        super().__init__(
            group.legend,
            options=[
                (NONE_OF_THESE, NONE_OF_THESE_LABEL),
                *((item, labels[item]) for item in group.items),
            ],
            message=CONDITION_UNKNOWN_MESSAGE,
            **kwargs,
        )
        self.group = group

    def __call__(self, **options: Any) -> Markup:
        return _macro(self.macros, self.macro)(self, self.owner, **{**self.appearance, **options})

    def pre_validate(self, form: Any) -> None:
        # The form's reading of the whole group decides; see ScreeningForm.condition_reading.
        pass

    def display_value(self) -> str:
        # A checklist's answers are shown per question, on the questions' own rows.
        return ""


def answered(field: Radios | Checkboxes) -> bool:
    """True when the field holds at least one of its listed values (raw input may not)."""
    allowed = {value for value, _ in field.options}
    data = field.data
    if isinstance(data, list):
        return any(v in allowed for v in data)
    return data in allowed


# --- The base form ----------------------------------------------------------------------------


def strip_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every form's base: strips what was typed into one-line fields, and gives the templates
    the error summary's fields, the answers list and the hidden answers."""

    class Meta(DefaultMeta):
        # The usual session-bound token, or the cookie-free one on the pages an EHR may frame
        # while LDN_FRAME_ANCESTORS is set (web/embedding.py).
        csrf_class = EmbeddableCSRF

        def bind_field(  # type: ignore[override]  # the stub's generic signature; same call
            self, form: Any, unbound_field: Any, options: dict[str, Any]
        ) -> Field:
            strip = getattr(unbound_field.field_class, "strip_whitespace", False)
            if strip and unbound_field.kwargs.get("strip", True):
                filters = (*unbound_field.kwargs.get("filters", ()), strip_text)
                options = {**options, "filters": filters}
            bound: Field = super().bind_field(form, unbound_field, options)
            return bound

    def _answer_fields(self) -> list[Any]:
        csrf = self.meta.csrf_field_name
        return [f for f in self if f.name != csrf]

    def error_fields(self) -> list[Field]:
        """Fields with errors, in page order, for the error summary (the CSRF token excluded)."""
        return [f for f in self._answer_fields() if f.errors]

    def answer_rows(self, notes: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
        """(question, answer as shown, field id) for the check-your-answers list.

        ``notes`` replaces the shown answer of a field whose answer the rules did not follow
        (a chosen schedule that other answers changed), so the list never contradicts the
        plan."""
        notes = notes or {}
        rows: list[tuple[str, str, str]] = []
        for field in self._answer_fields():
            shown = notes.get(field.name) or field.display_value()
            if shown:
                rows.append((str(field.label.text), shown, field.id))
        return rows

    def hidden_answers(self, exclude: tuple[str, ...] = ()) -> Markup:
        """Every answer as hidden inputs, so "Change answers" posts them back (never in a URL).

        Built here rather than in a template loop: it runs on every summary, for ~40 fields."""
        parts: list[str] = []
        for field in self._answer_fields():
            name = field.name
            if name in exclude:
                continue
            # Field names are Python identifiers; every value is escaped.
            parts += [
                f'<input type="hidden" name="{name}" value="{escape(v)}">'
                for v in field.hidden_values()
            ]
        return Markup("".join(parts))  # noqa: S704  # nosec B704
