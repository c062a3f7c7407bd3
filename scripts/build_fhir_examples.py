#!/usr/bin/env python3
"""Write the README's FHIR examples from the code, so they cannot drift from it:

* docs/fhir/example-questionnaire-response.json  answers to the ldn-screening Questionnaire
* docs/fhir/example-bundle.json                  what $screen returns for them

The screening date, the settings (the shipped defaults, as version 1) and the entry ids are
fixed, so the files change only when the Questionnaire, the rules or the Bundle change.
``--check`` (what the drift test does) exits non-zero when a file differs from the output.

    python scripts/build_fhir_examples.py [--check]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "fhir"
BASE = "https://ldn.clinic.example/fhir"
TODAY = dt.date(2027, 1, 4)
PUBLISHED = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)

# A patient who stopped a short-acting opioid yesterday: "not yet", with a plan from the
# earliest safe start and a DetectedIssue that says why; and kidney function "not sure", a
# review finding (never read as "no").
ANSWERS: dict[str, Any] = {
    "age_years": 45,
    "fibromyalgia_diagnosed": "yes",
    "opioid_use": "recent",
    "opioid_type": "short_acting",
    "last_opioid_dose_on": "2027-01-03",
    "opioid_dependence": "no",
    "opioid_withdrawal": "no",
    "kratom_or_similar": "no",
    "medication_list": "duloxetine 60 mg daily\npregabalin 75 mg twice a day",
    "pregnant_or_planning": "no",
    "breastfeeding": "no",
    "naltrexone_now": "no",
    "naltrexone_allergy": "no",
    "naloxone_allergy": "no",
    "acute_hepatitis_or_liver_failure": "no",
    "other_liver_disease": "no",
    "kidney_impairment": "unsure",
    "transplant_or_immunosuppressant": "no",
    "surgery_planned": "no",
    "thyroid_condition": "no",
    "sensitive_to_medicines": "no",
    "start_on": "2027-01-04",
    "formulation": "capsule",
    "schedule": "standard",
    "baseline_pain_nrs": 7,
}


def _ids() -> Callable[[], str]:
    count = iter(range(1, 1000))
    return lambda: str(uuid.UUID(int=next(count)))


def examples() -> dict[str, dict[str, Any]]:
    """File name -> resource, built by the app's own code."""
    from ldn_screen.app import create_app
    from ldn_screen.rules import DEFAULT_SETTINGS, screen
    from ldn_screen.web.fhir import screening_questionnaire
    from ldn_screen.web.fhir.bundle import SettingsStamp, result_bundle
    from ldn_screen.web.fhir.questionnaire import coding_for
    from ldn_screen.web.fhir.responses import answers_from_questionnaire_response
    from ldn_screen.web.fhir.validation import validate_screening

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_PATH": instance, "TESTING": True})
        app.config["LDN_FHIR_CANONICAL_BASE"] = BASE
        with app.test_request_context(method="POST"):
            items, questionnaire = screening_questionnaire()
            types = {spec.link_id: spec.type for spec in items}
            response_items = []
            for link_id, value in ANSWERS.items():
                if types[link_id] == "choice":
                    system, code = coding_for(BASE, link_id, value)
                    display = dict(next(s for s in items if s.link_id == link_id).options)[value]
                    answer = {"valueCoding": {"system": system, "code": code, "display": display}}
                elif types[link_id] == "integer":
                    answer = {"valueInteger": value}
                elif types[link_id] == "date":
                    answer = {"valueDate": value}
                else:
                    answer = {"valueString": value}
                response_items.append({"linkId": link_id, "answer": [answer]})
            response = {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": questionnaire["url"],
                "status": "completed",
                "authored": f"{TODAY.isoformat()}T10:30:00Z",
                "item": response_items,
            }
            formdata, issues = answers_from_questionnaire_response(response, items)
            form, errors = validate_screening(formdata, TODAY)
            if issues or errors:
                raise SystemExit(f"the example answers are not valid: {issues} {errors}")
            result = screen(form.to_answers(), DEFAULT_SETTINGS)
            bundle = result_bundle(
                BASE, response, result, SettingsStamp(1, PUBLISHED), TODAY, _ids()
            )
        app.extensions["ldn_engine"].dispose()
    return {
        "example-questionnaire-response.json": response,
        "example-bundle.json": bundle,
    }


def render(resource: dict[str, Any]) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, resource in examples().items():
        path = DOCS / name
        text = render(resource)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/build_fhir_examples.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
