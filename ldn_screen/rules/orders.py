"""What a FHIR medication order is, for the CDS Hooks services: low-dose naltrexone, another
naltrexone product, an opioid, or something else. Standard library only; FHIR R4 as plain dicts.

An order is read from every place an EHR may put the medicine: the RxNorm codes, the texts
(``medicationCodeableConcept.text`` and its codings' displays, the referenced ``Medication``'s
``code``, ``medicationReference.display`` as Epic sends it, ``dosageInstruction.text``). The
texts go through the same medication-list reader as the form, so an order names a medicine
exactly when a pasted list line would.

Low-dose naltrexone (issue 17): the naltrexone ingredient; not an opioid combination (Embeda,
Troxyca: read as the opioid they are), not the bupropion combination (Contrave), not the
monthly injection; and one of: a daily dose at or below the clinic's maximum LDN dose (a
versioned setting), "LDN" or "low dose" in the text, or a compounded product (the only way
doses below 50 mg are made; the 50 mg tablet is the only oral product sold).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from .medications import LineKind, LineReading, OpioidCategory, read_medication_list

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

Resource = Mapping[str, Any]


def dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]…``, or None where a step is missing or not an object: EHR
    payloads put lists, strings and numbers where the spec has objects."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def items(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a FHIR list element (a single object counts as a list of one)."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Mapping)]
    return []


class OrderKind(StrEnum):
    LDN = "ldn"
    NALTREXONE_OTHER = "naltrexone_other"  # full-dose tablet, injection, Contrave
    OPIOID = "opioid"
    OTHER = "other"
    UNREADABLE = "unreadable"  # no medicine named anywhere: the order cannot be judged


@dataclass(frozen=True, slots=True)
class OrderReading:
    kind: OrderKind
    label: str  # how the order is named to the clinician (first text found)
    why: str  # how it was recognised
    texts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    daily_dose_mg: float | None = None
    opioid_category: OpioidCategory | None = None


@functools.cache
def rxnorm_codes() -> dict[str, Any]:
    """The packaged code lists (data/cds_rxnorm_codes.json, with their sources)."""
    data = resources.files(__package__).joinpath("data/cds_rxnorm_codes.json").read_text()
    loaded: dict[str, Any] = json.loads(data)
    return loaded


_LOW_DOSE = re.compile(r"(?<![a-z])(?:ldn|low[\s-]*dose)(?![a-z])", re.IGNORECASE)
_COMPOUNDED = re.compile(r"compound", re.IGNORECASE)
_CONTRAVE = re.compile(r"contrave|bupropion", re.IGNORECASE)
_INJECTION = re.compile(
    r"vivitrol|inject|intramuscular|(?<![a-z])i\.?m\.?(?![a-z])|suspension,?\s+extended",
    re.IGNORECASE,
)
# A strength written on the product: "4.5 mg", "4.5MG". Not "mg/mL" (a concentration).
_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*mg(?!\s*/)", re.IGNORECASE)
_CONCENTRATION = re.compile(r"(\d+(?:\.\d+)?)\s*mg\s*/\s*ml", re.IGNORECASE)
_DOSAGE_MARK = "sig: "  # how order_texts marks a dosage text, so a label never is one
# Low-dose naltrexone is often ordered as the 50 mg tablet with the low dose in the
# instructions only: "take 4.5 mg at bedtime", or a solution the patient makes ("dissolve one
# tablet in 50 mL of water; take 4.5 mL"). These read such instructions.
_DISSOLVED = re.compile(
    r"\b(?:dissolve|mix|crush|suspend|add|put)\b(?P<what>[^;.]*?)\bin(?:to)?\s+"
    r"(?P<volume>\d+(?:\.\d+)?)\s*ml\b",
    re.IGNORECASE,
)
_TAKE_ML = re.compile(
    r"\b(?:take|give|drink|swallow|use|measure)\s+(?P<ml>\d+(?:\.\d+)?)\s*ml\b", re.IGNORECASE
)
_TABLETS = re.compile(r"\b(?P<count>one|a|1|two|2)\b[^;.]*?\btab", re.IGNORECASE)
_TIMES_A_DAY = (
    (re.compile(r"\b(?:three times|tid|t\.i\.d\.?|every 8 h)", re.IGNORECASE), 3.0),
    (re.compile(r"\b(?:twice|bid|b\.i\.d\.?|two times|every 12 h)", re.IGNORECASE), 2.0),
)
_PER_DAY = {"d": 1.0, "h": 1 / 24, "wk": 7.0, "mo": 30.0, "min": 1 / 1440, "s": 1 / 86400}


def _codings(concept: Any) -> Iterator[Mapping[str, Any]]:
    yield from items(dig(concept, "coding"))


def _concept_texts(concept: Any) -> list[str]:
    texts: list[str] = []
    if isinstance(concept, Mapping):
        if isinstance(concept.get("text"), str):
            texts.append(concept["text"])
        texts += [c["display"] for c in _codings(concept) if isinstance(c.get("display"), str)]
    return texts


def _rxnorm(concept: Any) -> list[str]:
    return [
        str(c["code"])
        for c in _codings(concept)
        if c.get("code") is not None and c.get("system") in (RXNORM, None)
    ]


def referenced_medication(order: Resource, medications: Mapping[str, Resource]) -> Resource | None:
    """The Medication a ``medicationReference`` points to: contained, or among ``medications``
    (keyed "Medication/id" and by full URL)."""
    ref = order.get("medicationReference")
    if not isinstance(ref, Mapping) or not isinstance(ref.get("reference"), str):
        return None
    target = ref["reference"]
    if target.startswith("#"):
        for contained in items(order.get("contained")):
            if contained.get("id") == target[1:]:
                return contained
        return None
    # "Medication/123", or an absolute "https://ehr.example/fhir/Medication/123".
    return medications.get(target) or medications.get("/".join(target.split("/")[-2:]))


def order_texts(
    order: Resource, medications: Mapping[str, Resource]
) -> tuple[list[str], list[str]]:
    """(texts, RxNorm codes) of a MedicationRequest or MedicationDispense, from every place."""
    texts: list[str] = []
    codes: list[str] = []
    concept = order.get("medicationCodeableConcept")
    texts += _concept_texts(concept)
    codes += _rxnorm(concept)
    ref = order.get("medicationReference")
    if isinstance(ref, Mapping) and isinstance(ref.get("display"), str):
        texts.append(ref["display"])
    medication = referenced_medication(order, medications)
    if medication is not None:
        texts += _concept_texts(medication.get("code"))
        codes += _rxnorm(medication.get("code"))
        form = medication.get("form")
        texts += [t for t in _concept_texts(form) if t]
    for dosage in _dosages(order):
        if isinstance(dosage.get("text"), str):
            texts.append(_DOSAGE_MARK + dosage["text"])
        route = dosage.get("route")
        texts += [f"route: {t}" for t in _concept_texts(route)]
    return [t.strip() for t in texts if t and t.strip()], codes


def _dosages(order: Resource) -> list[Mapping[str, Any]]:
    # A single Dosage where the spec has a list is read too.
    return items(order.get("dosageInstruction") or order.get("dosage"))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def daily_dose_mg(order: Resource, texts: Iterable[str]) -> float | None:
    """The largest daily dose the structured dosage gives, in mg; None when it does not say.

    A dose in mg is taken as written; a dose in units (capsules, tablets) is multiplied by the
    single strength the texts name, a dose in mL by the single mg/mL concentration they name.
    Several dosages (a titration) give their largest day."""
    strengths = {float(m) for t in texts for m in _STRENGTH.findall(t)}
    strength = strengths.pop() if len(strengths) == 1 else None
    concentrations = {float(m) for t in texts for m in _CONCENTRATION.findall(t)}
    concentration = concentrations.pop() if len(concentrations) == 1 else None
    best: float | None = None
    for dosage in _dosages(order):
        per_day = _per_day(dosage.get("timing"))
        for dose_and_rate in items(dosage.get("doseAndRate")):
            quantity = dose_and_rate.get("doseQuantity")
            if not isinstance(quantity, Mapping):
                continue
            value = _number(quantity.get("value"))
            unit = str(quantity.get("code") or quantity.get("unit") or "").lower()
            if value is None:
                continue
            if unit == "mg":
                amount = value
            elif unit == "ug" or unit == "mcg":
                amount = value / 1000
            elif unit == "ml" and concentration is not None:
                amount = value * concentration  # a liquid: mL x the mg/mL written on it
            elif strength is not None and unit not in {"ml", "l", "g"}:
                amount = value * strength
            else:
                continue
            daily = amount * per_day
            best = daily if best is None else max(best, daily)
    return best


def instructed_daily_dose_mg(texts: Iterable[str]) -> float | None:
    """The largest daily dose the dosage texts (the sig) give in mg, or None when none does.

    Either a dose in mg ("take 1.5 mg at bedtime": one figure only, else it is not clear which
    is the dose), or a solution the patient makes from tablets ("dissolve one 50 mg tablet in
    50 mL of water; take 4.5 mL"), whose strength comes from the dissolving clause or, for
    "one tablet", from the single strength the order names."""
    texts = list(texts)
    product = {
        float(m) for t in texts if not t.startswith(_DOSAGE_MARK) for m in _STRENGTH.findall(t)
    }
    best: float | None = None
    for text in texts:
        if not text.startswith(_DOSAGE_MARK):
            continue
        sig = text.removeprefix(_DOSAGE_MARK)
        dose = _dissolved_dose(sig, product)
        if dose is None:
            written = {float(m) for m in _STRENGTH.findall(sig)}
            dose = written.pop() if len(written) == 1 else None
        if dose is None:
            continue
        times = next((n for pattern, n in _TIMES_A_DAY if pattern.search(sig)), 1.0)
        best = dose * times if best is None else max(best, dose * times)
    return best


def _dissolved_dose(sig: str, product: set[float]) -> float | None:
    dissolved, taken = _DISSOLVED.search(sig), _TAKE_ML.search(sig)
    if dissolved is None or taken is None:
        return None
    volume = float(dissolved["volume"])
    written = {float(m) for m in _STRENGTH.findall(dissolved["what"])}
    tablets = _TABLETS.search(dissolved["what"])
    if len(written) == 1:
        amount = written.pop()
        if tablets and tablets["count"].lower() in {"two", "2"}:
            amount *= 2  # "two 50 mg tablets"
    elif not written and tablets and len(product) == 1:
        count = 2.0 if tablets["count"].lower() in {"two", "2"} else 1.0
        amount = count * next(iter(product))
    else:
        return None
    return float(taken["ml"]) * amount / volume if volume > 0 else None


def _per_day(timing: Any) -> float:
    """Doses per day from ``timing.repeat`` (once a day when it does not say)."""
    repeat = timing.get("repeat") if isinstance(timing, Mapping) else None
    if not isinstance(repeat, Mapping):
        return 1.0
    frequency = _number(repeat.get("frequencyMax")) or _number(repeat.get("frequency")) or 1.0
    period = _number(repeat.get("period")) or 1.0
    days = _PER_DAY.get(str(repeat.get("periodUnit") or "d"), 1.0) * period
    return frequency / days if days > 0 else frequency


def read_order(
    order: Resource,
    max_ldn_mg: float,
    medications: Mapping[str, Resource] | None = None,
    today: dt.date | None = None,
) -> OrderReading:
    """What the order is. ``max_ldn_mg`` is the clinic's maximum LDN daily dose (settings)."""
    texts, codes = order_texts(order, medications or {})
    if not texts and not codes:
        return OrderReading(OrderKind.UNREADABLE, "", "no medicine is named in the order")
    known = rxnorm_codes()
    label = order_label(texts, codes)
    opioid_codes = [c for c in codes if c in known["opioid"]]
    naltrexone_codes = [c for c in codes if c in known["naltrexone"]]
    lines = _read(texts, today)
    opioid_lines = [r for r in lines if r.kind is LineKind.OPIOID]
    if opioid_codes or opioid_lines:
        category = opioid_lines[0].category if opioid_lines else None
        why = (
            f"RxNorm {opioid_codes[0]} is in the CDC opioid value sets"
            if opioid_codes
            else f"{opioid_lines[0].text}: {opioid_lines[0].why}"
        )
        return OrderReading(
            OrderKind.OPIOID, label, why, tuple(texts), tuple(codes), None, category
        )
    naltrexone_lines = [
        r for r in lines if r.kind is LineKind.NALTREXONE and "naltrexone" in r.ingredients
    ]
    if not naltrexone_codes and not naltrexone_lines:
        return OrderReading(OrderKind.OTHER, label, "no naltrexone or opioid named", tuple(texts))
    joined = " | ".join(texts)
    forms = {known["naltrexone"][c]["form"] for c in naltrexone_codes}
    if "bupropion_combination" in forms or _CONTRAVE.search(joined):
        return _other(label, "naltrexone with bupropion (Contrave)", texts, codes)
    if "injection" in forms or _INJECTION.search(joined):
        return _other(label, "naltrexone injection", texts, codes)
    dose = daily_dose_mg(order, texts)
    instructed = instructed_daily_dose_mg(texts) if dose is None else None
    if _LOW_DOSE.search(joined):
        why = "the order says low-dose naltrexone"
    elif _COMPOUNDED.search(joined):
        why = "a compounded naltrexone product"
    elif dose is not None and dose <= max_ldn_mg + 1e-9:
        why = f"a daily dose of {dose:g} mg, at or below the {max_ldn_mg:g} mg maximum"
    elif instructed is not None and instructed <= max_ldn_mg + 1e-9:
        dose = instructed
        why = (
            f"the instructions give {_mg(instructed)} mg a day, at or below the "
            f"{max_ldn_mg:g} mg maximum"
        )
    elif dose is None and _single_strength(texts, max_ldn_mg):
        why = f"a strength at or below the {max_ldn_mg:g} mg maximum"
    else:
        return _other(label, "naltrexone above the low-dose maximum", texts, codes, dose)
    return OrderReading(OrderKind.LDN, label, why, tuple(texts), tuple(codes), dose)


def order_label(texts: list[str], codes: list[str]) -> str:
    """How the clinician sees the order named: its first medicine text, else RxNorm's name."""
    known = rxnorm_codes()
    for text in texts:
        if not text.startswith(("route: ", _DOSAGE_MARK)):
            return text
    for code in codes:
        display = known["opioid"].get(code) or known["naltrexone"].get(code, {}).get("display")
        if display:
            return str(display)
    return texts[0].removeprefix(_DOSAGE_MARK) if texts else f"RxNorm {codes[0]}"


def _mg(value: float) -> str:
    return f"{round(value, 2):g}"


def _single_strength(texts: Iterable[str], max_mg: float) -> bool:
    strengths = {float(m) for t in texts for m in _STRENGTH.findall(t)}
    return bool(strengths) and max(strengths) <= max_mg + 1e-9


def _other(
    label: str, why: str, texts: list[str], codes: list[str], dose: float | None = None
) -> OrderReading:
    return OrderReading(OrderKind.NALTREXONE_OTHER, label, why, tuple(texts), tuple(codes), dose)


def _read(texts: list[str], today: dt.date | None) -> tuple[LineReading, ...]:
    # Route lines ("route: oral") are context, not medicine names.
    names = [t.removeprefix(_DOSAGE_MARK) for t in texts if not t.startswith("route: ")]
    if not names:
        return ()
    return read_medication_list("\n".join(names), today=today or dt.date.today()).lines
