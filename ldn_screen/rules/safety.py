"""The other safety questions: allergy, pregnancy, liver, kidney, transplant, surgery, age."""

from __future__ import annotations

import datetime as dt

from .diagnosis import Acr2016Answers, check_acr_2016
from .findings import (
    ANSWER_WORDS,
    NALTREXONE_EVIDENCE_ANSWER,
    NALTREXONE_EVIDENCE_LIST,
    NALTREXONE_NOW_TOPIC,
    NALTREXONE_WHERE_ANSWER,
    make_finding,
    yes_no_unsure,
)
from .medications import LineKind, LineReading, MedicationReading
from .model import Answer, Check, DosePlan, Finding, PatientAnswers
from .settings import DiagnosisAction, HepaticAction, RuleSettings
from .units import fmt_date, fmt_mg


def assess_safety(
    answers: PatientAnswers,
    settings: RuleSettings,
    reading: MedicationReading,
    plan: DosePlan,
) -> tuple[list[Finding], list[Check]]:
    """``plan`` is the dose plan the patient would follow, so surgery is judged against it."""
    findings: list[Finding] = []
    checks: list[Check] = []

    if answers.age_years < settings.minimum_age_years:
        findings.append(
            make_finding("under_age", age=answers.age_years, minimum=settings.minimum_age_years)
        )
    checks.append(Check("Age", f"{answers.age_years} years"))

    hepatic_code = (
        "hepatic_failure_stop"
        if settings.hepatic_failure_action == HepaticAction.STOP
        else "hepatic_failure_review"
    )
    # An allergy line of the medication list counts as a "yes" to the structured question.
    # A name read only as a possible misspelling makes the answer "not sure", never "yes".
    allergy_lines = reading.of_kind(LineKind.ALLERGY)
    naltrexone_lines = [r for r in allergy_lines if "naltrexone" in r.ingredients]
    naloxone_lines = [r for r in allergy_lines if r.naloxone]

    def listed(lines: list[LineReading], answer: Answer) -> Answer:
        if any(r.certainty != "possible" for r in lines):
            return Answer.YES
        return Answer.UNSURE if lines and answer is Answer.NO else answer

    for question, answer, code in (
        (
            "Hypersensitivity to naltrexone",
            listed(naltrexone_lines, answers.naltrexone_allergy),
            "naltrexone_allergy",
        ),
        (
            "Reaction to naloxone",
            listed(naloxone_lines, answers.naloxone_allergy),
            "naloxone_allergy",
        ),
        ("Pregnant or planning pregnancy", answers.pregnant_or_planning, "pregnancy"),
        ("Breastfeeding", answers.breastfeeding, "breastfeeding"),
        (
            "Acute hepatitis or liver failure",
            answers.acute_hepatitis_or_liver_failure,
            hepatic_code,
        ),
        ("Other liver disease or cirrhosis", answers.other_liver_disease, "liver_disease"),
        ("Kidney impairment", answers.kidney_impairment, "kidney_impairment"),
        (
            "Organ transplant or immunosuppressants",
            answers.transplant_or_immunosuppressant,
            "transplant",
        ),
    ):
        yes_no_unsure(question, answer, code, findings, checks)

    findings.extend(_surgery(answers, settings, plan, checks))

    if answers.fibromyalgia_diagnosed is not Answer.YES:
        findings.append(
            make_finding(
                "diagnosis_not_confirmed",
                state="not known"
                if answers.fibromyalgia_diagnosed is Answer.UNSURE
                else "not confirmed",
                answer=ANSWER_WORDS[answers.fibromyalgia_diagnosed],
            )
        )
    checks.append(
        Check("Fibromyalgia diagnosis confirmed", ANSWER_WORDS[answers.fibromyalgia_diagnosed])
    )
    findings.append(_diagnosis_criteria(answers.acr_2016, settings, checks))

    findings.extend(
        _naltrexone_now(answers.naltrexone_now, reading.of_kind(LineKind.NALTREXONE), checks)
    )
    loperamide = [
        r for r in reading.of_kind(LineKind.MEDICINE, LineKind.OPIOID) if r.peripheral_opioid
    ]
    if loperamide:
        findings.append(
            make_finding(
                "loperamide", line_ref=f"line {loperamide[0].line_no}: {loperamide[0].text}"
            )
        )
    return findings, checks


def _naltrexone_now(
    answer: Answer, listed: tuple[LineReading, ...], checks: list[Check]
) -> list[Finding]:
    """Current naltrexone, from the structured answer and the medication list together.

    Either source alone is enough for the duplicate-therapy review; both give one finding."""
    checks.append(Check(NALTREXONE_NOW_TOPIC, ANSWER_WORDS[answer]))
    if not listed:
        if answer is Answer.YES:
            return [
                make_finding(
                    "naltrexone_already",
                    where=NALTREXONE_WHERE_ANSWER,
                    evidence=NALTREXONE_EVIDENCE_ANSWER[answer],
                )
            ]
        if answer is Answer.UNSURE:
            return [make_finding("unsure_answer", question=NALTREXONE_NOW_TOPIC)]
        return []
    line_ref = f"medication list line {listed[0].line_no}: {listed[0].text}"
    where = f"{NALTREXONE_WHERE_ANSWER}; {line_ref}" if answer is Answer.YES else line_ref
    evidence = NALTREXONE_EVIDENCE_LIST.format(
        line_detail="; ".join(f"line {m.line_no}: {m.text}" for m in listed)
    )
    return [
        make_finding(
            "naltrexone_already",
            where=where,
            evidence=f"{NALTREXONE_EVIDENCE_ANSWER[answer]} {evidence}",
        )
    ]


def _surgery(
    answers: PatientAnswers, settings: RuleSettings, plan: DosePlan, checks: list[Check]
) -> list[Finding]:
    """Planned surgery, judged against the plan: its start and its titration, not today."""
    question = "Surgery planned"
    if answers.surgery_planned is Answer.UNSURE:
        checks.append(Check(question, "Not sure"))
        return [make_finding("unsure_answer", question=question)]
    if answers.surgery_planned is Answer.NO or answers.surgery_on is None:
        checks.append(Check(question, "No"))
        return []
    surgery_on = answers.surgery_on
    checks.append(Check(question, f"Yes, on {fmt_date(surgery_on)}"))
    start = plan.starts_on
    hold = settings.surgery_hold_days
    window = settings.surgery_review_days_before_start
    stop_from = surgery_on - dt.timedelta(days=hold)
    last_dose = stop_from - dt.timedelta(days=1)
    dates = {"surgery_on": fmt_date(surgery_on), "start": fmt_date(start), "hold": hold}
    if surgery_on < start:
        days = (start - surgery_on).days
        if days > window:
            return [make_finding("surgery_before_start", days=days, window=window, **dates)]
        return [
            make_finding(
                "surgery_near_start",
                days=days,
                window=window,
                short_days=settings.washout_days_short_acting,
                long_days=settings.washout_days_long_acting,
                **dates,
            )
        ]
    if last_dose < start:
        return [make_finding("surgery_at_start", stop_from=fmt_date(stop_from), **dates)]
    step = plan.step_on(last_dose)
    dose = fmt_mg(step.dose_mg) if step else fmt_mg(plan.target_dose_mg)
    if surgery_on <= plan.target_reached_on:
        return [
            make_finding(
                "surgery_during_titration",
                target_on=fmt_date(plan.target_reached_on),
                last_dose=fmt_date(last_dose),
                stop_from=fmt_date(stop_from),
                step=step.number if step else len(plan.steps),
                dose=dose,
                **dates,
            )
        ]
    return [
        make_finding(
            "surgery_later",
            stop_by=fmt_date(stop_from),
            last_dose=fmt_date(last_dose),
            dose=dose,
            **dates,
        )
    ]


def _diagnosis_criteria(
    acr: Acr2016Answers | None, settings: RuleSettings, checks: list[Check]
) -> Finding:
    topic = "2016 fibromyalgia criteria"
    if acr is None:
        checks.append(Check(topic, "Not checked (section left blank)"))
        return make_finding("diagnosis_not_checked")
    result = check_acr_2016(acr)
    checks.append(
        Check(
            topic, f"{result.outcome} (WPI {result.wpi}, SSS {result.sss}). {result.deciding_rule}"
        )
    )
    params = {"wpi": result.wpi, "sss": result.sss, "rule": result.deciding_rule}
    if result.met:
        return make_finding("diagnosis_criteria_met", **params)
    if settings.diagnosis_not_met_action == DiagnosisAction.CAUTION:
        return make_finding("diagnosis_criteria_not_met_caution", **params)
    return make_finding("diagnosis_criteria_not_met_review", **params)
