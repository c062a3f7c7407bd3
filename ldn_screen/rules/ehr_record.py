"""Screening answers from what an EHR sent (CDS Hooks prefetch), and what it could not show.

Standard library only; FHIR R4 resources as plain dicts. ``None`` for a kind of resource means
it was not sent and could not be fetched: that is never read as "no". Each question the record
cannot answer is either

* passed to the rules as "not sure" where the rules have their own finding for it (opioid use,
  the fibromyalgia diagnosis), or
* listed in ``not_checked``, which becomes one "screening not documented" finding that keeps
  the verdict at review. The answer the rules see for it is then the neutral one, so that one
  card says what is missing instead of a card per question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .medications import OpioidCategory
from .model import Answer, Check, OpioidType, OpioidUse, PatientAnswers
from .orders import OrderKind, OrderReading, Resource, dig, items, read_order
from .settings import RuleSettings
from .units import fmt_date

# The questions of the form a record cannot answer; the noun is how a card names each.
NOT_IN_RECORD = (
    "breastfeeding",
    "opioid dependence or withdrawal",
    "liver disease or hepatitis",
    "kidney impairment",
    "transplant or immunosuppressants",
    "kratom or similar substances",
    "planned surgery",
    "thyroid condition",
    "sensitivity to medicines",
)
TOPIC_AGE = "age (no birth date)"
TOPIC_PREGNANCY = "pregnancy or planning one"
TOPIC_PLANNING = "planning a pregnancy"
TOPIC_ALLERGY = "allergy to naltrexone or naloxone"
TOPIC_NALTREXONE_NOW = "naltrexone taken now"
TOPIC_DISPENSES = "pharmacy dispenses"
TOPIC_HISTORY = "recently stopped prescriptions"

# Pregnancy status (LOINC 82810-3) answers: the LOINC answer list and the SNOMED CT codes
# US Core uses for the same three values.
PREGNANCY_STATUS_LOINC = "82810-3"
PREGNANT = frozenset({"LA15173-0", "77386006"})
NOT_PREGNANT = frozenset({"LA26683-5", "60001007"})
# Fibromyalgia: SNOMED CT 203082005; ICD-10-CM M79.7 (and its 2022 subcodes).
FIBROMYALGIA_SNOMED = "203082005"
FIBROMYALGIA_ICD10 = "M79.7"

_IGNORED_STATUS = frozenset({"entered-in-error", "cancelled", "declined", "draft"})
_ACTIVE_STATUS = frozenset({"active", "on-hold", "unknown", "in-progress", "preparation"})
_CATEGORY_TYPE = {
    OpioidCategory.SHORT_ACTING: OpioidType.SHORT_ACTING,
    OpioidCategory.LONG_ACTING: OpioidType.LONG_ACTING,
    OpioidCategory.METHADONE: OpioidType.METHADONE,
    OpioidCategory.BUPRENORPHINE: OpioidType.BUPRENORPHINE,
    OpioidCategory.DEPOT_BUPRENORPHINE: OpioidType.DEPOT_BUPRENORPHINE,
}
# The type whose washout is longest wins when several opioids are on the record.
_TYPE_ORDER = (
    OpioidType.DEPOT_BUPRENORPHINE,
    OpioidType.METHADONE,
    OpioidType.BUPRENORPHINE,
    OpioidType.UNKNOWN,
    OpioidType.LONG_ACTING,
    OpioidType.SHORT_ACTING,
)


@dataclass(frozen=True, slots=True)
class EhrRecord:
    """What the EHR sent; ``None`` = not available (never "none on record")."""

    patient: Resource | None = None
    medication_requests: Sequence[Resource] | None = None
    dispenses: Sequence[Resource] | None = None
    conditions: Sequence[Resource] | None = None
    allergies: Sequence[Resource] | None = None
    pregnancy: Sequence[Resource] | None = None
    medications: Mapping[str, Resource] = field(default_factory=dict)
    # False when only the active prescriptions came: a recently stopped opioid could be missing.
    history_available: bool = True


@dataclass(frozen=True, slots=True)
class MedicationEntry:
    """One medicine on the record, read like an order, with when its supply ends."""

    reading: OrderReading
    active: bool
    ends_on: dt.date | None  # the last day of supply the record gives; None: not given
    line: str  # how a card shows it


@dataclass(frozen=True, slots=True)
class RecordReading:
    answers: PatientAnswers
    not_checked: tuple[str, ...]
    checks: tuple[Check, ...]
    opioid_lines: tuple[str, ...]  # the opioids on the record that the answers rest on
    ldn_lines: tuple[str, ...]  # active low-dose naltrexone on the record
    medications_available: bool


def parse_date(value: Any, latest: bool = False) -> dt.date | None:
    """A FHIR date or dateTime; a partial date gives its first (or, ``latest``, last) day."""
    if not isinstance(value, str) or len(value) < 4 or not value[:4].isdigit():
        return None
    parts = value[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else (12 if latest else 1)
        if len(parts) > 2:
            return dt.date(year, month, int(parts[2][:2]))
        if latest:
            following = dt.date(year + (month == 12), month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(year, month, 1)
    except ValueError:
        return None


def age_on(birth_date: Any, today: dt.date) -> int | None:
    """Age in whole years; a partial birth date gives the youngest possible age."""
    born = parse_date(birth_date, latest=True)
    if born is None or born > today:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _codes(concept: Any) -> list[tuple[str, str]]:
    return [
        (str(c.get("system") or ""), str(c.get("code") or ""))
        for c in items(dig(concept, "coding"))
    ]


def _text(concept: Any) -> str:
    words = [dig(concept, "text")] + [c.get("display") for c in items(dig(concept, "coding"))]
    return " ".join(w for w in words if isinstance(w, str))


def order_start(order: Resource) -> dt.date | None:
    """Where a MedicationRequest says it starts (dosage bounds, else the validity period)."""
    for dosage in items(order.get("dosageInstruction")):
        if day := parse_date(dig(dosage, "timing", "repeat", "boundsPeriod", "start")):
            return day
    return parse_date(dig(order, "dispenseRequest", "validityPeriod", "start"))


def _supply_end(resource: Resource) -> dt.date | None:
    """The last day the record's supply covers, read the late way round (safer for washout)."""
    if resource.get("resourceType") == "MedicationDispense":
        handed = parse_date(resource.get("whenHandedOver"), latest=True)
        days = _days(dig(resource, "daysSupply", "value"))
        return handed + dt.timedelta(days=days) if handed and days is not None else None
    ends: list[dt.date] = []
    for dosage in items(resource.get("dosageInstruction")):
        if end := parse_date(dig(dosage, "timing", "repeat", "boundsPeriod", "end"), True):
            ends.append(end)
    if end := parse_date(dig(resource, "dispenseRequest", "validityPeriod", "end"), True):
        ends.append(end)
    supply = dig(resource, "dispenseRequest", "expectedSupplyDuration")
    authored = parse_date(resource.get("authoredOn"), latest=True)
    days = _days(dig(supply, "value"))
    if authored and days is not None and (dig(supply, "code") or "d") == "d":
        ends.append(authored + dt.timedelta(days=days))
    return max(ends) if ends else None


def _days(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 3660:
        return None
    return int(value)


def medication_entries(
    resources: Iterable[Resource],
    settings: RuleSettings,
    medications: Mapping[str, Resource],
    today: dt.date,
    exclude_ids: frozenset[str] = frozenset(),
) -> list[MedicationEntry]:
    entries: list[MedicationEntry] = []
    for resource in resources:
        if not isinstance(resource, Mapping) or resource.get("id") in exclude_ids:
            continue
        status = str(resource.get("status") or "unknown")
        if status in _IGNORED_STATUS:
            continue
        reading = read_order(resource, settings.max_dose_mg, medications, today)
        if reading.kind is OrderKind.UNREADABLE:
            continue
        ends_on = _supply_end(resource)
        if resource.get("resourceType") == "MedicationDispense":
            active = ends_on is not None and ends_on >= today
        else:
            active = status in _ACTIVE_STATUS
        when = "active" if active else (f"supply to {fmt_date(ends_on)}" if ends_on else status)
        line = f"{reading.label} ({resource.get('resourceType', 'order')}, {when})"
        entries.append(MedicationEntry(reading, active, ends_on, line))
    return entries


def _opioid_type(category: OpioidCategory | None) -> OpioidType:
    # Cough and antidiarrhoeal opioids, and unnamed ones: type not known (the safer interval).
    return _CATEGORY_TYPE.get(category, OpioidType.UNKNOWN) if category else OpioidType.UNKNOWN


def _opioid_answers(
    entries: list[MedicationEntry], available: bool, start: dt.date, settings: RuleSettings
) -> tuple[dict[str, Any], tuple[str, ...]]:
    opioids = [e for e in entries if e.reading.kind is OrderKind.OPIOID]
    window = dt.timedelta(days=settings.washout_days_long_acting)
    current = [e for e in opioids if e.active]
    recent = [
        e for e in opioids if not e.active and (e.ends_on is None or e.ends_on + window >= start)
    ]
    relevant = current or recent
    types = {_opioid_type(e.reading.opioid_category) for e in relevant}
    opioid_type = next((t for t in _TYPE_ORDER if t in types), None)
    lines = tuple(e.line for e in relevant)
    if current:
        return {"opioid_use": OpioidUse.CURRENT, "opioid_type": opioid_type}, lines
    if recent:
        if any(e.ends_on is None for e in recent):
            return {"opioid_use": OpioidUse.RECENT_DATE_UNKNOWN, "opioid_type": opioid_type}, lines
        last = max(e.ends_on for e in recent if e.ends_on)
        return {
            "opioid_use": OpioidUse.RECENT,
            "opioid_type": opioid_type,
            "last_opioid_dose_on": last,
        }, lines
    return {"opioid_use": OpioidUse.NONE if available else OpioidUse.UNSURE}, lines


def read_record(
    record: EhrRecord,
    settings: RuleSettings,
    today: dt.date,
    start_on: dt.date | None = None,
    exclude_order_ids: frozenset[str] = frozenset(),
) -> RecordReading:
    """The answers the record supports for a start on ``start_on`` (default today)."""
    start = start_on or today
    not_checked: list[str] = []
    checks: list[Check] = []
    values: dict[str, Any] = {"assessed_on": today, "start_on": start_on}

    age = age_on(dig(record.patient, "birthDate"), today)
    if age is None:
        not_checked.append(TOPIC_AGE)
        age = settings.minimum_age_years
    else:
        checks.append(Check("Age", f"{age} years, from the birth date on record"))
    values["age_years"] = age

    requests = record.medication_requests
    available = requests is not None
    resources = [*(requests or ()), *(record.dispenses or ())]
    if record.dispenses is None:
        not_checked.append(TOPIC_DISPENSES)
    entries = medication_entries(resources, settings, record.medications, today, exclude_order_ids)
    opioid, opioid_lines = _opioid_answers(
        entries, available and record.history_available, start, settings
    )
    if available and not record.history_available:
        not_checked.append(TOPIC_HISTORY)
    values.update(opioid)
    if available:
        checks.append(
            Check(
                "Opioids on the record",
                "; ".join(opioid_lines) if opioid_lines else "none in the prescriptions sent",
            )
        )
    active_lines = [e.reading.label for e in entries if e.active]
    values["medication_list"] = "\n".join(active_lines)
    naltrexone = [
        e
        for e in entries
        if e.active and e.reading.kind in (OrderKind.LDN, OrderKind.NALTREXONE_OTHER)
    ]
    ldn_lines = tuple(e.line for e in naltrexone if e.reading.kind is OrderKind.LDN)
    if naltrexone:
        values["naltrexone_now"] = Answer.YES
    elif available:
        values["naltrexone_now"] = Answer.NO
    else:
        not_checked.append(TOPIC_NALTREXONE_NOW)
        values["naltrexone_now"] = Answer.NO

    values["fibromyalgia_diagnosed"] = _fibromyalgia(record.conditions, checks)
    values["pregnant_or_planning"] = _pregnancy(record.pregnancy, not_checked, checks)
    values.update(_allergies(record.allergies, not_checked, checks))
    not_checked.extend(NOT_IN_RECORD)
    return RecordReading(
        answers=PatientAnswers(breastfeeding=Answer.NO, **values),
        not_checked=tuple(not_checked),
        checks=tuple(checks),
        opioid_lines=opioid_lines,
        ldn_lines=ldn_lines,
        medications_available=available,
    )


def _fibromyalgia(conditions: Sequence[Resource] | None, checks: list[Check]) -> Answer:
    for condition in conditions or ():
        status = {code for _, code in _codes(condition.get("clinicalStatus"))}
        if status and not status & {"active", "recurrence", "relapse"}:
            continue
        code = condition.get("code")
        found = any(
            c == FIBROMYALGIA_SNOMED or c.upper().startswith(FIBROMYALGIA_ICD10)
            for _, c in _codes(code)
        ) or ("fibromyalgia" in _text(code).lower())
        if found:
            checks.append(Check("Fibromyalgia", f"on the problem list: {_text(code)}"))
            return Answer.YES
    # Not on the list (or no list): the rules' own "diagnosis not sure" review applies.
    return Answer.UNSURE


def _pregnancy(
    observations: Sequence[Resource] | None, not_checked: list[str], checks: list[Check]
) -> Answer:
    latest: tuple[dt.date, set[str]] | None = None
    for obs in observations or ():
        if obs.get("status") not in ("final", "amended", "corrected", None):
            continue
        if PREGNANCY_STATUS_LOINC not in {c for _, c in _codes(obs.get("code"))}:
            continue
        when = parse_date(obs.get("effectiveDateTime") or obs.get("issued")) or dt.date.min
        values = {c for _, c in _codes(obs.get("valueCodeableConcept"))}
        if latest is None or when > latest[0]:
            latest = (when, values)
    if latest and latest[1] & PREGNANT:
        checks.append(Check("Pregnancy", "pregnant, from the pregnancy status on record"))
        return Answer.YES
    if latest and latest[1] & NOT_PREGNANT:
        # "Not pregnant" does not answer "planning a pregnancy".
        checks.append(Check("Pregnancy", "not pregnant, from the pregnancy status on record"))
        not_checked.append(TOPIC_PLANNING)
    else:
        not_checked.append(TOPIC_PREGNANCY)
    return Answer.NO


def _allergies(
    allergies: Sequence[Resource] | None, not_checked: list[str], checks: list[Check]
) -> dict[str, Answer]:
    if allergies is None:
        not_checked.append(TOPIC_ALLERGY)
        return {}
    found: dict[str, Answer] = {}
    for allergy in allergies:
        status = {code for _, code in _codes(allergy.get("verificationStatus"))}
        if status & {"refuted", "entered-in-error"}:
            continue
        text = _text(allergy.get("code")).lower()
        if "naltrexone" in text:
            found["naltrexone_allergy"] = Answer.YES
        if "naloxone" in text:
            found["naloxone_allergy"] = Answer.YES
    named = " and ".join(k.split("_")[0] for k in found) or "neither naltrexone nor naloxone"
    checks.append(Check("Allergies on record", named))
    return found
