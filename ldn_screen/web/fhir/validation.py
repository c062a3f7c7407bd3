"""The screening form's own validation, run on answers that came as FHIR.

``validate_screening`` is the one call: the same ``ScreeningForm`` as the HTML page (with
CSRF off: these requests carry no cookie), its field checks and its cross-field checks, so the
messages are the form's, word for word. ``form_issues`` ties each message to the questions of
the Questionnaire it concerns.
"""

from __future__ import annotations

import datetime as dt

from werkzeug.datastructures import MultiDict

from ..forms.screening import CONDITION_GROUPS, ScreeningForm
from .outcome import Issue

# A checklist of the page is no item: its message concerns each of its questions.
_GROUP_ITEMS = {group.name: group.items for group in CONDITION_GROUPS}


def validate_screening(
    formdata: MultiDict[str, str], today: dt.date | None = None
) -> tuple[ScreeningForm, dict[str, list[str]]]:
    """The bound form and its errors (field name -> messages, in page order; empty: valid)."""
    form = ScreeningForm(formdata=formdata, meta={"csrf": False}, today=today)
    form.validate()
    return form, {f.name: [str(m) for m in f.errors] for f in form.error_fields()}


def form_issues(errors: dict[str, list[str]], formdata: MultiDict[str, str]) -> list[Issue]:
    issues = []
    for name, messages in errors.items():
        link_ids = _GROUP_ITEMS.get(name, (name,))
        answered = any(link_id in formdata for link_id in link_ids)
        code = "value" if answered else "required"
        issues += [Issue(message, link_ids, code) for message in messages]
    return issues
