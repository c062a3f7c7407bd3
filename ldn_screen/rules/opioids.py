"""The key safety rule: current and recent opioid use, and the opioid-free interval.

Naltrexone blocks opioid receptors. Given to someone with opioids on board it cancels their
effect and can precipitate withdrawal, so this rule is checked first and most strictly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .findings import ANSWER_WORDS, make_finding, yes_no_unsure
from .medications import MatchKind, OpioidCategory, OpioidMatch
from .model import Answer, Check, Finding, OpioidType, OpioidUse, PatientAnswers
from .settings import RuleSettings
from .units import fmt_date

TYPE_LABELS: dict[OpioidType, str] = {
    OpioidType.SHORT_ACTING: "short-acting opioid",
    OpioidType.LONG_ACTING: "long-acting opioid",
    OpioidType.METHADONE: "methadone",
    OpioidType.BUPRENORPHINE: "buprenorphine",
    OpioidType.DEPOT_BUPRENORPHINE: "depot or implant buprenorphine",
    OpioidType.UNKNOWN: "type not known",
}

# Long-acting products, methadone and buprenorphine share the longer interval: the label
# warns of withdrawal "for as long as two weeks" after methadone or buprenorphine.
_LONG_CATEGORIES = frozenset(
    {OpioidCategory.LONG_ACTING, OpioidCategory.METHADONE, OpioidCategory.BUPRENORPHINE}
)


@dataclass(frozen=True, slots=True)
class OpioidAssessment:
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    earliest_start_on: dt.date | None


def describe_match(match: OpioidMatch) -> str:
    """'line 3: tramadol 50 mg ... (short-acting, exact)' for findings and the chart note."""
    what = match.category.value.replace("_", "-") if match.category else match.kind.value
    return f"line {match.line_no}: {match.text} ({what.replace('-', ' ')}, {match.certainty})"


def _line_params(matches: list[OpioidMatch]) -> dict[str, str]:
    first = matches[0]
    more = f" and {len(matches) - 1} more" if len(matches) > 1 else ""
    return {
        "line_ref": f"line {first.line_no}: {first.text}{more}",
        "line_detail": "; ".join(describe_match(m) for m in matches),
        "certainty_word": "a possible" if all(m.certainty == "possible" for m in matches) else "an",
    }


def assess_opioids(
    answers: PatientAnswers,
    settings: RuleSettings,
    matches: list[OpioidMatch],
    planned_start: dt.date,
) -> OpioidAssessment:
    findings: list[Finding] = []
    checks: list[Check] = []
    opioids = [m for m in matches if m.kind is MatchKind.OPIOID]
    depot_in_list = [m for m in opioids if m.category is OpioidCategory.DEPOT_BUPRENORPHINE]
    long_in_list = [m for m in opioids if m.category in _LONG_CATEGORIES]
    earliest: dt.date | None = None
    use = answers.opioid_use
    windows = {
        "short_days": settings.washout_days_short_acting,
        "long_days": settings.washout_days_long_acting,
    }

    if use is OpioidUse.CURRENT:
        if answers.ultra_low_dose_protocol is Answer.YES:
            findings.append(make_finding("ultra_low_dose_protocol"))
        else:
            findings.append(make_finding("opioid_current", **windows))
        checks.append(Check("Current opioid use", "Taking an opioid now"))
    elif use is OpioidUse.UNSURE:
        findings.append(make_finding("opioid_use_unsure"))
        checks.append(Check("Current opioid use", "Not known"))
    elif use is OpioidUse.RECENT:
        stated = answers.opioid_type or OpioidType.UNKNOWN
        if stated is OpioidType.DEPOT_BUPRENORPHINE or depot_in_list:
            findings.append(make_finding("opioid_depot_buprenorphine"))
            checks.append(Check("Recent opioid use", "Depot or implant buprenorphine"))
        elif answers.last_opioid_dose_on is not None:
            finding, earliest = _washout(
                answers.last_opioid_dose_on, settings, stated, long_in_list, planned_start
            )
            findings.extend(finding)
            checks.append(
                Check(
                    "Recent opioid use",
                    f"Last dose {fmt_date(answers.last_opioid_dose_on)} ({TYPE_LABELS[stated]})",
                )
            )
    else:
        checks.append(Check("Current opioid use", "None reported"))
        if depot_in_list:
            findings.append(make_finding("opioid_depot_buprenorphine"))
        if opioids:
            findings.append(make_finding("opioid_in_medication_list", **_line_params(opioids)))

    for question, answer, code in (
        (
            "Opioid dependence or maintenance treatment",
            answers.opioid_dependence,
            "opioid_dependence",
        ),
        ("Acute opioid withdrawal", answers.opioid_withdrawal, "opioid_withdrawal"),
    ):
        yes_no_unsure(question, answer, code, findings, checks)

    kratom_lines = [m for m in matches if m.kind is MatchKind.OPIOID_LIKE]
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
    return OpioidAssessment(tuple(findings), tuple(checks), earliest)


def _washout(
    last: dt.date,
    settings: RuleSettings,
    stated: OpioidType,
    long_in_list: list[OpioidMatch],
    planned_start: dt.date,
) -> tuple[list[Finding], dt.date]:
    findings: list[Finding] = []
    if stated is OpioidType.SHORT_ACTING and not long_in_list:
        days, source_key, type_note = settings.washout_days_short_acting, "label_opioid_free", ""
    else:
        days, source_key = settings.washout_days_long_acting, "label_switching"
        type_note = {
            OpioidType.UNKNOWN: " (the type is not known, so the longer interval is used)",
        }.get(stated, "")
        if stated is OpioidType.SHORT_ACTING:
            type_note = " (the medication list shows a long-acting product)"
            findings.append(make_finding("opioid_list_long_acting", **_line_params(long_in_list)))
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
