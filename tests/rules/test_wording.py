"""One home for each sentence: the plan, the verdict looks, the judge date and the naming of
medication lines are built once in the rules, and every place that shows them agrees."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from ldn_screen.rules import (
    DEFAULT_SETTINGS,
    Answer,
    Formulation,
    OpioidUse,
    PatientAnswers,
    Severity,
    Verdict,
    screen,
)
from ldn_screen.rules.chart_note import chart_note
from ldn_screen.rules.counselling import counselling_points
from ldn_screen.rules.followup import Timing
from ldn_screen.rules.medication_wording import describe_line, medication_table, read_as
from ldn_screen.rules.medications import read_medication_list
from ldn_screen.rules.units import fmt_date
from ldn_screen.rules.wording import (
    ADVICE_LOOKS,
    DISCLAIMER,
    DOSE_TIMING,
    OFF_LABEL,
    VERDICT_LOOKS,
    VERDICT_TITLES,
    plan_wording,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
ICONS = (TEMPLATES / "macros" / "icons.html").read_text(encoding="utf-8")

D0 = dt.date(2026, 11, 27)


def answers(**overrides: object) -> PatientAnswers:
    base = PatientAnswers(
        assessed_on=D0,
        age_years=45,
        pregnant_or_planning=Answer.NO,
        breastfeeding=Answer.NO,
        fibromyalgia_diagnosed=Answer.YES,
        opioid_use=OpioidUse.NONE,
        naltrexone_now=Answer.NO,
        start_on=D0,
    )
    return dataclasses.replace(base, **overrides)


PLAN_CASES = {
    "eligible, capsules": {},
    "eligible, liquid": {"formulation": Formulation.LIQUID},
    "review": {"kidney_impairment": Answer.YES},
    "gentle, for a reason": {"sensitive_to_medicines": Answer.YES},
}


@pytest.mark.parametrize("overrides", PLAN_CASES.values(), ids=PLAN_CASES.keys())
def test_the_chart_note_prints_the_summary_plan_sentence(overrides: dict[str, object]) -> None:
    result = screen(answers(**overrides), DEFAULT_SETTINGS)
    assert result.dose_plan is not None
    wording = plan_wording(result)
    note = chart_note(result, 1, D0, D0).splitlines()
    plan_lines = [line for line in note if line.startswith("Plan")]
    assert plan_lines == [wording.chart_text]
    # The same words, after the chart's "Plan…:" prefix; only the first letter differs.
    in_note = plan_lines[0].split(": ", 1)[1]
    assert in_note[0].upper() + in_note[1:] == wording.summary_text
    assert wording.summary_text.endswith(f". {DOSE_TIMING}")
    plan = result.dose_plan
    form = "liquid at" if plan.liquid_mg_per_ml else "capsules"
    assert form in wording.summary_text
    for reason in plan.schedule_reasons:
        assert reason in wording.summary_text


def test_without_a_plan_there_is_no_plan_sentence() -> None:
    result = screen(answers(naltrexone_allergy=Answer.YES), DEFAULT_SETTINGS)
    assert result.verdict is Verdict.DO_NOT_START
    wording = plan_wording(result)
    assert wording.summary_text == ""
    assert not any(line.startswith("Plan") for line in chart_note(result, 1, D0, D0).splitlines())


def test_the_counselling_point_on_timing_is_the_plan_sentence() -> None:
    timing = [p for p in counselling_points(DEFAULT_SETTINGS) if p.key == "timing"]
    assert [p.clinician_text for p in timing] == [DOSE_TIMING]


def test_every_verdict_and_advice_severity_has_a_title_an_icon_and_a_tone() -> None:
    assert set(VERDICT_TITLES) == set(Verdict) == set(VERDICT_LOOKS)
    assert set(ADVICE_LOOKS) == set(Severity)
    drawn = set(re.findall(r"kind == '(\w+)'", ICONS)) | {"tick"}  # tick is the else branch
    for look in (*VERDICT_LOOKS.values(), *ADVICE_LOOKS.values()):
        assert look.icon in drawn
        assert f".{look.tone} {{ border-color" in CSS
        assert f".{look.tone} .verdict-icon {{ color" in CSS


def test_a_verdict_and_its_advice_of_the_same_weight_look_the_same() -> None:
    assert VERDICT_LOOKS[Verdict.DO_NOT_START] == ADVICE_LOOKS[Severity.STOP]
    assert VERDICT_LOOKS[Verdict.REVIEW] == ADVICE_LOOKS[Severity.REVIEW]
    assert VERDICT_LOOKS[Verdict.ELIGIBLE] == ADVICE_LOOKS[Severity.INFO]
    assert not re.search(r"\.(advice|verdict)-(do_not_start|not_yet|eligible|info|caution)", CSS)


# Sentences the rules own: a template that wrote one out would be a second copy.
RULE_SENTENCES = (
    "off-label",
    "at bedtime",
    "prescriber approves",
    "could not be read",
    "at the earliest",
    "by analogy: PEG",
)


@pytest.mark.parametrize("sentence", RULE_SENTENCES)
def test_no_template_writes_a_rule_sentence_itself(sentence: str) -> None:
    holders = [
        p.relative_to(ROOT).as_posix()
        for p in sorted(TEMPLATES.rglob("*.html"))
        if sentence.lower() in p.read_text(encoding="utf-8").lower()
    ]
    assert holders == []


def test_the_disclaimer_is_one_sentence_about_off_label_use() -> None:
    assert DISCLAIMER.startswith(OFF_LABEL)
    assert "off-label" in OFF_LABEL and "prescriber's judgement" in DISCLAIMER


DAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("reached", "too_early", "expected"),
    [
        (DAY, False, f"Now (since {fmt_date(DAY + dt.timedelta(weeks=12))})"),
        (DAY, True, f"From {fmt_date(DAY + dt.timedelta(weeks=12))}"),
        (None, True, f"12 weeks after the target is reached: {fmt_date(DAY)} at the earliest"),
    ],
    ids=["now", "from", "earliest"],
)
def test_the_judge_date_sentence_comes_from_the_timing(
    reached: dt.date | None, too_early: bool, expected: str
) -> None:
    judge_on = reached + dt.timedelta(weeks=12) if reached else DAY
    timing = Timing(reached, 0, judge_on, too_early, 12)
    assert timing.judge_text == expected
    assert timing.target_text == (fmt_date(reached) if reached else "Not yet")


def test_a_medication_line_is_named_the_same_in_the_table_and_the_chart_note() -> None:
    reading = read_medication_list("oxycodone ER 10 mg twice daily\nQuarbelon 5 mg daily", today=D0)
    table = medication_table(reading)
    opioid = next(r for r in reading.lines if r.category is not None)
    row = next(r for r in table.rows if r.line_no == opioid.line_no)
    assert row.marked and row.kind_label + row.detail == read_as(opioid)
    assert read_as(opioid).startswith("Opioid, in use: ")
    assert "oxycodone" in read_as(opioid)
    assert describe_line(opioid) == f"line {opioid.line_no}: {opioid.text} ({row.why})"
    assert table.open
    assert table.unread_text == "1 could not be read" and table.unread_check == ": check it"
    assert table.to_confirm == ("Quarbelon 5 mg daily",)
    assert table.confirm_button == "Confirm: this line is not an opioid"


def test_a_plain_list_folds_and_counts_its_lines() -> None:
    table = medication_table(
        read_medication_list("duloxetine 60 mg daily\nmelatonin 3 mg", today=D0)
    )
    assert not table.open
    assert table.count_text == "2 lines read" and table.unread_text == ""
    assert table.fold_label == "Show the 2 lines as read"
    assert all(not r.marked and r.detail == "" for r in table.rows)


def test_the_plan_wording_is_frozen() -> None:
    wording = plan_wording(screen(answers(), DEFAULT_SETTINGS))
    with pytest.raises(dataclasses.FrozenInstanceError):
        wording.description = "x"  # type: ignore[misc]
