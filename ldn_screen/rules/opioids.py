"""The key safety rule: current and recent opioid use, and the opioid-free interval.

Naltrexone blocks opioid receptors. Given to someone with opioids on board it cancels their
effect and can precipitate withdrawal, so this rule is checked first and most strictly. The
answers and the medication list are read together, and where they disagree the safer one wins:
an opioid line in the list is never waved through because a box said "no opioids".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .findings import ANSWER_WORDS, make_finding, yes_no_unsure
from .medication_vocabulary import WITHDRAWAL_TREATMENT
from .medication_wording import describe_line
from .medications import LineKind, LineReading, MedicationReading, OpioidCategory
from .model import Answer, Check, Finding, OpioidType, OpioidUse, PatientAnswers
from .settings import RuleSettings
from .units import fmt_count, fmt_date

TYPE_LABELS: dict[OpioidType, str] = {
    OpioidType.SHORT_ACTING: "short-acting opioid",
    OpioidType.LONG_ACTING: "long-acting opioid",
    OpioidType.METHADONE: "methadone",
    OpioidType.BUPRENORPHINE: "buprenorphine",
    OpioidType.DEPOT_BUPRENORPHINE: "depot or implant buprenorphine",
    OpioidType.UNKNOWN: "type not known",
}

# Every category but the short-acting ones takes the longer interval: the label's caution
# after methadone or buprenorphine, and no shorter interval is known for extended-release
# products or for an opioid whose product is not named.
_SHORT_CATEGORIES = frozenset(
    {OpioidCategory.SHORT_ACTING, OpioidCategory.ANTITUSSIVE, OpioidCategory.ANTIDIARRHOEAL}
)


@dataclass(frozen=True, slots=True)
class OpioidAssessment:
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    earliest_start_on: dt.date | None
    opioid_taken_now: bool  # answers or list: the patient takes an opioid at present


def interval_days(category: OpioidCategory | None, settings: RuleSettings) -> int:
    if category in _SHORT_CATEGORIES:
        return settings.washout_days_short_acting
    return settings.washout_days_long_acting


def _line_params(readings: tuple[LineReading, ...] | list[LineReading]) -> dict[str, str]:
    first = readings[0]
    more = f" and {len(readings) - 1} more" if len(readings) > 1 else ""
    possible = all(r.certainty == "possible" for r in readings)
    return {
        "line_ref": f"line {first.line_no}: {first.text}{more}",
        "line_detail": "; ".join(describe_line(r) for r in readings),
        "certainty_word": "a possible" if possible else "an",
    }


def assess_opioids(
    answers: PatientAnswers,
    settings: RuleSettings,
    reading: MedicationReading,
    planned_start: dt.date,
) -> OpioidAssessment:
    findings: list[Finding] = []
    checks: list[Check] = []
    current = reading.of_kind(LineKind.OPIOID)
    maintenance = [r for r in current if r.maintenance]
    stopped = [r for r in reading.of_kind(LineKind.STOPPED) if r.names_opioid]
    long_lines = [
        r
        for r in (*current, *stopped)
        if r.category is not None and r.category not in _SHORT_CATEGORIES
    ]
    earliest: dt.date | None = None
    use = answers.opioid_use
    ultra_low = answers.ultra_low_dose_protocol is Answer.YES
    taken_now = use is OpioidUse.CURRENT or bool(current)
    windows = {
        "short_days": settings.washout_days_short_acting,
        "long_days": settings.washout_days_long_acting,
    }

    if taken_now and ultra_low:
        # Micro-doses are outside what this tool calculates: no milligram plan at all.
        findings.append(make_finding("ultra_low_dose_protocol"))
    elif maintenance:
        findings.append(make_finding("opioid_maintenance_in_list", **_line_params(maintenance)))

    if use is OpioidUse.CURRENT:
        if not ultra_low:
            findings.append(make_finding("opioid_current", **windows))
        checks.append(Check("Current opioid use", "Taking an opioid now"))
    elif use is OpioidUse.UNSURE:
        findings.append(make_finding("opioid_use_unsure"))
        checks.append(Check("Current opioid use", "Not known"))
    elif use in (OpioidUse.RECENT, OpioidUse.RECENT_DATE_UNKNOWN):
        # A line that may be a medicine but could not be read may be a long-acting opioid.
        unread = [r for r in reading.unrecognised if r.blocks_eligibility]
        earliest = _recent(
            answers, settings, [*long_lines, *unread], planned_start, findings, checks
        )
        if current and not maintenance and not ultra_low:
            findings.append(
                make_finding(
                    "opioid_in_medication_list",
                    answer_claim="say it was stopped",
                    **_line_params(current),
                )
            )
    else:
        checks.append(Check("Current opioid use", "None reported"))
        if current and not maintenance and not ultra_low:
            findings.append(
                make_finding(
                    "opioid_in_medication_list", answer_claim="say none", **_line_params(current)
                )
            )

    findings.extend(_stopped_lines(stopped, settings, planned_start))
    allergies = [r for r in reading.of_kind(LineKind.ALLERGY) if r.names_opioid]
    if allergies:
        findings.append(
            make_finding(
                "opioid_allergy_recorded",
                names=", ".join(dict.fromkeys(n for r in allergies for n in r.names)),
                line_detail="; ".join(f"line {r.line_no}: {r.text}" for r in allergies),
            )
        )
    findings.extend(_unread_lines(reading))
    indicators = [r for r in reading.of_kind(LineKind.MEDICINE) if r.opioid_indicator]
    # A withdrawal treatment says an opioid is being stopped now, so its caution asks for the
    # date of the last dose. It stays a caution, like the other indicators: it is not an opioid,
    # and the opioid questions already ask about recent use.
    withdrawal = [r for r in indicators if WITHDRAWAL_TREATMENT in r.ingredients]
    others = [r for r in indicators if r not in withdrawal]
    for code, lines in (
        ("opioid_withdrawal_treatment_in_list", withdrawal),
        ("opioid_indicator_in_list", others),
    ):
        if lines and not taken_now:
            findings.append(
                make_finding(
                    code,
                    names=", ".join(dict.fromkeys(n for r in lines for n in r.names)),
                    **_line_params(lines),
                )
            )

    for question, answer, code in (
        (
            "Opioid dependence or maintenance treatment",
            answers.opioid_dependence,
            "opioid_dependence",
        ),
        ("Acute opioid withdrawal", answers.opioid_withdrawal, "opioid_withdrawal"),
    ):
        yes_no_unsure(question, answer, code, findings, checks)

    kratom_lines = reading.of_kind(LineKind.OPIOID_LIKE)
    if answers.kratom_or_similar is Answer.YES or kratom_lines:
        findings.append(make_finding("kratom"))
    elif answers.kratom_or_similar is Answer.UNSURE:
        findings.append(make_finding("unsure_answer", question="Kratom or similar substances"))
    checks.append(
        Check(
            "Kratom or similar substances",
            ANSWER_WORDS[answers.kratom_or_similar]
            + (" (named in the medication list)" if kratom_lines else ""),
        )
    )
    return OpioidAssessment(tuple(findings), tuple(checks), earliest, taken_now)


def _recent(
    answers: PatientAnswers,
    settings: RuleSettings,
    long_lines: list[LineReading],
    planned_start: dt.date,
    findings: list[Finding],
    checks: list[Check],
) -> dt.date | None:
    stated = answers.opioid_type or OpioidType.UNKNOWN
    depot_lines = [r for r in long_lines if r.category is OpioidCategory.DEPOT_BUPRENORPHINE]
    if stated is OpioidType.DEPOT_BUPRENORPHINE or depot_lines:
        findings.append(make_finding("opioid_depot_buprenorphine"))
        checks.append(Check("Recent opioid use", "Depot or implant buprenorphine"))
        return None
    last = answers.last_opioid_dose_on
    date_unknown = answers.opioid_use is OpioidUse.RECENT_DATE_UNKNOWN
    if last is None:
        # Stopped, but nobody can say when: the interval cannot be counted from anything.
        findings.append(
            make_finding("opioid_stopped_date_unknown" if date_unknown else "opioid_recent_no_date")
        )
        checks.append(Check("Recent opioid use", "Stopped; date of the last dose not known"))
        return None
    if date_unknown:
        # The clinician vouches only that no opioid was taken after this date: count the
        # longer interval from it, whatever type was ticked.
        stated = OpioidType.UNKNOWN
    finding, earliest = _washout(last, settings, stated, long_lines, planned_start, date_unknown)
    findings.extend(finding)
    what = "No opioid since" if date_unknown else "Last dose"
    checks.append(Check("Recent opioid use", f"{what} {fmt_date(last)} ({TYPE_LABELS[stated]})"))
    return earliest


def _washout(
    last: dt.date,
    settings: RuleSettings,
    stated: OpioidType,
    long_lines: list[LineReading],
    planned_start: dt.date,
    date_unknown: bool,
) -> tuple[list[Finding], dt.date]:
    findings: list[Finding] = []
    if stated is OpioidType.SHORT_ACTING and not long_lines:
        days, source_key, type_note = settings.washout_days_short_acting, "label_opioid_free", ""
    else:
        days, source_key = settings.washout_days_long_acting, "label_switching"
        type_note = ""
        if stated is OpioidType.UNKNOWN:
            type_note = " (the type is not known, so the longer interval is used)"
        if date_unknown:
            type_note = (
                " (the exact date of the last dose is not known, so the longer interval is "
                "counted from the date the patient was certainly opioid-free)"
            )
        if stated is OpioidType.SHORT_ACTING:
            type_note = " (the medication list shows a long-acting product)"
            findings.append(make_finding("opioid_list_long_acting", **_line_params(long_lines)))
    earliest = last + dt.timedelta(days=days)
    params = {
        "last_dose": fmt_date(last),
        "type_label": TYPE_LABELS[stated],
        "days": days,
        "type_note": type_note,
        "earliest": fmt_date(earliest),
        "washout_source": source_key,
    }
    if earliest > planned_start:
        findings.append(make_finding("opioid_washout", **params))
    else:
        findings.append(
            make_finding(
                "opioid_washout_complete",
                days_since=(planned_start - last).days,
                start=fmt_date(planned_start),
                **params,
            )
        )
    return findings, earliest


def _stopped_lines(
    stopped: list[LineReading], settings: RuleSettings, planned_start: dt.date
) -> list[Finding]:
    """A stopped entry is shown, never dropped; it is history only when its latest possible
    date plus the interval for its category falls before the planned start."""
    unconfirmed, history = [], []
    for line in stopped:
        by = line.stopped_by
        # A depot or implant goes on releasing buprenorphine for months, and the label gives
        # no interval after one: a stopped depot is never history.
        depot = line.category is OpioidCategory.DEPOT_BUPRENORPHINE
        days = interval_days(line.category, settings)
        if by is not None and not depot and by + dt.timedelta(days=days) <= planned_start:
            history.append(line)
        else:
            unconfirmed.append(line)
    findings = []
    if unconfirmed:
        findings.append(make_finding("opioid_stopped_unconfirmed", **_line_params(unconfirmed)))
    if history:
        findings.append(make_finding("opioid_stopped_history", **_line_params(history)))
    return findings


def _unread_lines(reading: MedicationReading) -> list[Finding]:
    unread = reading.unrecognised
    if not unread:
        return []
    params = {
        "count": fmt_count(len(unread), "line"),
        "line_detail": "; ".join(f"line {r.line_no}: {r.text}" for r in unread),
    }
    if any(r.blocks_eligibility for r in unread):
        return [make_finding("medication_lines_unrecognised", **params)]
    return [make_finding("medication_lines_unread", **params)]


def medication_check(reading: MedicationReading, given: bool) -> Check:
    """'What was checked' for the list: never "no opioid found" while a line is unread."""
    if not given:
        return Check("Medication list", "Not given")
    lines = reading.medicine_lines
    opioids = reading.of_kind(LineKind.OPIOID)
    unread = reading.unrecognised
    confirmed = [r for r in lines if r.confirmed]
    parts = [f"{fmt_count(len(lines), 'line')} read"]
    parts.append(f"{fmt_count(len(opioids), 'opioid line')} in current use")
    if unread:
        parts.append(f"{fmt_count(len(unread), 'line')} not recognised: check them")
    if confirmed:
        parts.append(
            f"{fmt_count(len(confirmed), 'line')} confirmed not an opioid by the clinician"
        )
    if not opioids and not unread:
        parts.append("no opioid found")
    return Check("Medication list", "; ".join(parts))
