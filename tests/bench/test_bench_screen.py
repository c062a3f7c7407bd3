"""Benchmark: one call of ``screen()`` (target: median at or under 100 microseconds).

Run with: .venv/bin/pytest tests/bench --benchmark-enable --benchmark-only
In the normal suite these run once each, as correctness checks, without timing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ldn_screen.rules import (
    DEFAULT_SETTINGS,
    Answer,
    Formulation,
    OpioidType,
    OpioidUse,
    PatientAnswers,
    Verdict,
    screen,
)

pytestmark = pytest.mark.bench

TODAY = dt.date(2026, 11, 27)
CHART_LIST = "\n".join(
    [
        "duloxetine 60 mg PO daily",
        "pregabalin 75 mg PO BID",
        "cyclobenzaprine 5 mg PO qhs PRN spasm",
        "levothyroxine 50 mcg PO daily",
        "ibuprofen 400 mg PO q8h PRN pain",
        "omeprazole 20 mg PO daily",
        "sertraline 50 mg PO daily",
        "vitamin D3 2000 units daily",
    ]
)

CASES = {
    "eligible": PatientAnswers(
        assessed_on=TODAY,
        age_years=45,
        pregnant_or_planning=Answer.NO,
        breastfeeding=Answer.NO,
        fibromyalgia_diagnosed=Answer.YES,
        opioid_use=OpioidUse.NONE,
        medication_list=CHART_LIST,
        naltrexone_now=Answer.NO,
        start_on=TODAY,
        formulation=Formulation.LIQUID,
    ),
}
CASES["recent_opioid"] = dataclasses.replace(
    CASES["eligible"],
    opioid_use=OpioidUse.RECENT,
    opioid_type=OpioidType.SHORT_ACTING,
    last_opioid_dose_on=TODAY - dt.timedelta(days=4),
    medication_list=CHART_LIST + "\ntramadol 50 mg PO q6h PRN pain",
    thyroid_condition=Answer.YES,
)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bench_screen(benchmark, case: str) -> None:  # type: ignore[no-untyped-def]
    result = benchmark(screen, CASES[case], DEFAULT_SETTINGS)
    expected = Verdict.ELIGIBLE if case == "eligible" else Verdict.NOT_YET
    assert result.verdict is expected
