"""A QuestionnaireResponse read back into the screening form's own answers.

One function, ``answers_from_questionnaire_response``, turns the posted items into the form
data a browser would post (field name -> values), and lists what cannot be read at all (an
unknown question, a code from another list, two answers to a one-answer question). It never
fills in an answer: a question without an answer stays without one, and the form decides
what that means. "Don't know" (asked-unknown) becomes "unsure", never "no".
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from .outcome import Issue
from .questionnaire import ItemSpec

# The answer value types a typed (non-choice) question accepts; the form then checks the text
# with its own words ("Age must be between 0 and 120", "Enter the start date as a real date").
_SCALAR_TYPES = (
    "valueInteger",
    "valueDecimal",
    "valueString",
    "valueDate",
    "valueDateTime",
)
UNKNOWN_QUESTION = "This question is not in the LDN screening questionnaire"
ONE_ANSWER = "Give one answer to this question"
NESTED_ITEMS = "This question has no sub-questions"
UNREADABLE_ANSWER = "Give the answer as a single value of the question's type"
NOT_A_LIST = "'item' must be a list of answered questions"


def _value(answer: Any) -> tuple[str | None, Any]:
    """(value[x] name, value) of one answer, or (None, None) when it holds no single value."""
    if not isinstance(answer, dict):
        return None, None
    keys = [k for k in answer if k.startswith("value")]
    if len(keys) != 1:
        return None, None
    return keys[0], answer[keys[0]]


def _text(kind: str | None, value: Any) -> str | None:
    if kind not in _SCALAR_TYPES or isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _choice(spec: ItemSpec, kind: str | None, value: Any) -> str | None:
    if kind != "valueCoding" or not isinstance(value, dict):
        return None
    return spec.values.get((str(value.get("system")), str(value.get("code"))))


def answers_from_questionnaire_response(
    response: dict[str, Any], items: tuple[ItemSpec, ...]
) -> tuple[MultiDict[str, str], list[Issue]]:
    """The form data of ``response`` (answers as the HTML form posts them) and the issues
    found while reading it, in the order of the posted items."""
    by_id = {spec.link_id: spec for spec in items}
    data: MultiDict[str, str] = MultiDict()
    issues: list[Issue] = []
    posted = response.get("item", [])
    if not isinstance(posted, list):
        return data, [Issue(NOT_A_LIST, code="structure")]
    seen: set[str] = set()
    for entry in posted:
        link_id = entry.get("linkId") if isinstance(entry, dict) else None
        if not isinstance(link_id, str):
            issues.append(Issue(NOT_A_LIST, code="structure"))
            continue
        spec = by_id.get(link_id)
        if spec is None:
            issues.append(Issue(UNKNOWN_QUESTION, (link_id,), "not-found"))
            continue
        if link_id in seen:
            issues.append(Issue(ONE_ANSWER, (link_id,), "structure"))
            continue
        seen.add(link_id)
        answers = entry.get("answer", [])
        if not isinstance(answers, list):
            issues.append(Issue(UNREADABLE_ANSWER, (link_id,), "structure"))
            continue
        if entry.get("item") or any(isinstance(a, dict) and a.get("item") for a in answers):
            issues.append(Issue(NESTED_ITEMS, (link_id,), "structure"))
        if len(answers) > 1 and not spec.repeats:
            issues.append(Issue(ONE_ANSWER, (link_id,), "structure"))
            continue
        for answer in answers:
            kind, value = _value(answer)
            if spec.type == "choice":
                read = _choice(spec, kind, value)
                # An answer off the list gets the form's own "Select ..." message.
                problem = Issue(spec.message, (link_id,), "code-invalid")
            else:
                read = _text(kind, value)
                problem = Issue(UNREADABLE_ANSWER, (link_id,), "value")
            if read is None:
                issues.append(problem)
            else:
                data.add(link_id, read)
    return data, issues
