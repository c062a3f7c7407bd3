"""rules/as_json: the rules' results as JSON-ready data (standard library only)."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

from ldn_screen.rules import DEFAULT_SETTINGS, SOURCES, Answer, OpioidUse, PatientAnswers, screen
from ldn_screen.rules.as_json import identifiers, plain, screening_json, settings_json

TODAY = dt.date(2026, 12, 1)


def test_identifiers_are_read_from_the_citation() -> None:
    found = {key: identifiers(source) for key, source in SOURCES.items()}
    for key, ids in found.items():
        text = SOURCES[key].reference + (SOURCES[key].url or "")
        text += " ".join(link.url for link in SOURCES[key].also)
        for values in ids.values():
            assert all(v in text for v in values), key
    assert any("pmid" in ids for ids in found.values())
    assert any("doi" in ids for ids in found.values())
    assert all(
        not d.endswith((".", ";", ",")) for ids in found.values() for d in ids.get("doi", [])
    )


def test_plain_turns_rules_values_into_json() -> None:
    assert plain({"a": (dt.date(2026, 1, 2), Fraction(1, 4), Answer.YES)}) == {
        "a": ["2026-01-02", 0.25, "yes"]
    }


def test_a_screening_is_json_with_dated_liquid_steps() -> None:
    from ldn_screen.rules import Formulation

    answers = PatientAnswers(
        assessed_on=TODAY,
        age_years=50,
        pregnant_or_planning=Answer.NO,
        breastfeeding=Answer.NO,
        fibromyalgia_diagnosed=Answer.YES,
        opioid_use=OpioidUse.NONE,
        naltrexone_now=Answer.NO,
        start_on=TODAY,
        formulation=Formulation.LIQUID,
    )
    result = screen(answers, DEFAULT_SETTINGS)
    data = screening_json(
        result,
        title="t",
        chart_note="n",
        settings_version=3,
        version_date=TODAY,
        screened_on=TODAY,
    )
    json.dumps(data)  # every value is JSON
    assert data["settings_version"] == {"number": 3, "date": "2026-12-01"}
    steps = data["dose_plan"]["steps"]
    assert steps[0]["starts_on"] == "2026-12-01"
    assert all(s["volume_ml"] == s["dose_mg"] / DEFAULT_SETTINGS.liquid_mg_per_ml for s in steps)
    assert data["review_on"] == data["dose_plan"]["review_on"]


def test_settings_carry_unit_source_and_value() -> None:
    data = settings_json(DEFAULT_SETTINGS, number=1, created_at=dt.datetime(2026, 1, 1, 9, 0))
    json.dumps(data)
    first = data["settings"][0]
    assert first["value"] == getattr(DEFAULT_SETTINGS, first["name"])
    assert first["source"]["label"] and "unit" in first
