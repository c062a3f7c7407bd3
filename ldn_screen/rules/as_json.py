"""The rules' results as JSON-ready dicts, for the JSON API (and FHIR and CDS Hooks after it).

Standard library only, like the rest of ``rules/``. Every sentence comes from the rules'
own catalogues (findings, wording, chart notes): nothing here writes clinical text, it only
lays out what the dataclasses already hold, so the API and the HTML pages can never say
different things. Dates are ISO 8601 strings, enums their values, doses plain numbers in mg
(and mL for the liquid).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .followup.model import FollowupResult, PainResponse, PlanChange, Timing
from .medication_wording import LINE_KIND_LABELS, read_as, read_as_detail
from .medications import LineReading, MedicationReading
from .model import (
    Check,
    CounsellingPoint,
    DosePlan,
    DoseStep,
    Finding,
    ScreeningResult,
    SideEffect,
    SurgeryStop,
)
from .settings import SETTING_SPECS, RuleSettings, SettingSpec, safe_bounds
from .sources import Source

JSON = dict[str, Any]

# Identifiers a citation may carry, read from its reference text and links, so a system can
# match a source without parsing prose. Each pattern names what its group captures.
_IDENTIFIERS: dict[str, re.Pattern[str]] = {
    "pmid": re.compile(r"(?:PMID\s*|pubmed\.ncbi\.nlm\.nih\.gov/)(\d{5,9})"),
    "doi": re.compile(r"(?:doi:\s*|doi\.org/)(10\.\d{4,9}/[^\s;,)]+[^\s;,.)])", re.IGNORECASE),
    "nct": re.compile(r"\b(NCT\d{8})\b"),
    "dailymed_setid": re.compile(r"setid=([0-9a-f-]{36})"),
}


def plain(value: Any) -> Any:
    """Any value the rules return, as JSON-ready data (dataclasses and named tuples as
    objects, enums as their values, dates as ISO strings, fractions as numbers)."""
    if isinstance(value, Source):
        return source_json(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return float(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return {name: plain(getattr(value, name)) for name in value._fields}
    if isinstance(value, list | tuple | frozenset | set):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def identifiers(source: Source) -> JSON:
    """PMIDs, DOIs, trial registrations and DailyMed set ids named by a source."""
    return {name: list(values) for name, values in _identifiers(source).items()}


@lru_cache(maxsize=256)  # sources are fixed (frozen) and few; a result cites up to 20
def _identifiers(source: Source) -> dict[str, tuple[str, ...]]:
    text = " ".join([source.reference, source.url or "", *(link.url for link in source.also)])
    found: JSON = {}
    for name, pattern in _IDENTIFIERS.items():
        values = tuple(dict.fromkeys(m.group(1) for m in pattern.finditer(text)))
        if values:
            found[name] = values
    return found


def source_json(source: Source) -> JSON:
    return {
        "key": source.key,
        "kind": source.kind.value,
        "label": source.label,
        "title": source.title,
        "reference": source.reference,
        "url": source.url,
        "identifiers": identifiers(source),
        "also": [{"text": link.text, "url": link.url} for link in source.also],
        "verify": source.verify or None,
    }


def finding_json(finding: Finding) -> JSON:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "summary": finding.summary,
        "clinician_text": finding.clinician_text,
        "patient_text": finding.patient_text,
        "source": source_json(finding.source),
    }


def check_json(check: Check) -> JSON:
    return {"topic": check.topic, "outcome": check.outcome}


def line_json(line: LineReading) -> JSON:
    """One medication-list line, with the words the summary's table uses for its reading."""
    return {
        "line_no": line.line_no,
        "text": line.text,
        "kind": line.kind.value,
        "kind_label": LINE_KIND_LABELS[line.kind],
        "read_as": read_as(line),
        "detail": read_as_detail(line),
        "why": line.why,
        "names": list(line.names),
        "ingredients": list(line.ingredients),
        "category": line.category.value if line.category else None,
        "certainty": line.certainty.value if line.certainty else None,
        "maintenance": line.maintenance,
        "looks_like_medicine": line.looks_like_medicine,
        "stopped_by": line.stopped_by.isoformat() if line.stopped_by else None,
        "confirmed": line.confirmed,
        "naloxone": line.naloxone,
        "opioid_indicator": line.opioid_indicator,
    }


def medication_json(reading: MedicationReading) -> list[JSON]:
    return [line_json(line) for line in reading.lines]


def step_json(step: DoseStep) -> JSON:
    return {
        "number": step.number,
        "starts_on": step.starts_on.isoformat(),
        "ends_on": step.ends_on.isoformat() if step.ends_on else None,
        "dose_mg": step.dose_mg,
        "volume_ml": step.volume_ml,
    }


def surgery_stop_json(stop: SurgeryStop | None) -> JSON | None:
    if stop is None:
        return None
    return {
        "surgery_on": stop.surgery_on.isoformat(),
        "stop_from": stop.stop_from.isoformat(),
        "last_dose_on": stop.last_dose_on.isoformat() if stop.last_dose_on else None,
    }


def dose_plan_json(plan: DosePlan | None) -> JSON | None:
    if plan is None:
        return None
    return {
        "schedule": plan.schedule.value,
        "formulation": plan.formulation.value,
        "liquid_mg_per_ml": plan.liquid_mg_per_ml,
        "starts_on": plan.starts_on.isoformat(),
        "steps": [step_json(step) for step in plan.steps],
        "target_dose_mg": plan.target_dose_mg,
        "max_dose_mg": plan.max_dose_mg,
        "target_reached_on": plan.target_reached_on.isoformat(),
        "review_on": plan.review_on.isoformat(),
        "review_weeks": plan.review_weeks,
        "responder_pct": plan.responder_pct,
        "schedule_reasons": list(plan.schedule_reasons),
        "surgery_stop": surgery_stop_json(plan.surgery_stop),
    }


def side_effect_json(effect: SideEffect) -> JSON:
    return {
        "name": effect.name,
        "frequency": effect.frequency,
        "advice": effect.advice,
        "source": source_json(effect.source),
    }


def counselling_json(point: CounsellingPoint) -> JSON:
    return {
        "key": point.key,
        "clinician_text": point.clinician_text,
        "patient_text": point.patient_text,
        "source": source_json(point.source),
    }


def settings_version_json(number: int, created_on: dt.date) -> JSON:
    return {"number": number, "date": created_on.isoformat()}


def screening_json(
    result: ScreeningResult,
    *,
    title: str,
    chart_note: str,
    settings_version: int,
    version_date: dt.date,
    screened_on: dt.date,
) -> JSON:
    """A screening's whole result. ``title`` and ``chart_note`` are the rules' own words
    (``wording.verdict_title``, ``chart_note.chart_note``), passed in so this module stays a
    layout and never words anything itself."""
    plan = result.dose_plan
    return {
        "screened_on": screened_on.isoformat(),
        "verdict": result.verdict.value,
        "verdict_title": title,
        "earliest_start_on": (
            result.earliest_start_on.isoformat() if result.earliest_start_on else None
        ),
        "findings": [finding_json(f) for f in result.findings],
        "checks": [check_json(c) for c in result.checks],
        "medication_list": medication_json(result.medication_reading),
        "dose_plan": dose_plan_json(plan),
        "review_on": plan.review_on.isoformat() if plan else None,
        "schedule_override": result.schedule_override,
        "schedule_override_reasons": list(result.schedule_override_reasons),
        "side_effects": [side_effect_json(e) for e in result.side_effects],
        "counselling": [counselling_json(p) for p in result.counselling],
        "chart_note": chart_note,
        "settings_version": settings_version_json(settings_version, version_date),
    }


def pain_response_json(response: PainResponse) -> JSON:
    return {
        "method": response.method.value,
        "baseline": float(response.baseline),
        "current": float(response.current),
        "change_points": float(response.change_points),
        "change_pct": None if response.change_pct is None else float(response.change_pct),
        "band": response.band.value,
        "band_text": response.band_text,
        "pct_text": response.pct_text,
        "points_text": response.points_text,
        "sources": [source_json(s) for s in response.sources],
    }


def timing_json(timing: Timing) -> JSON:
    return {
        "target_reached_on": (
            timing.target_reached_on.isoformat() if timing.target_reached_on else None
        ),
        "days_on_target": timing.days_on_target,
        "judge_on": timing.judge_on.isoformat(),
        "too_early": timing.too_early,
        "review_weeks": timing.review_weeks,
        "judge_text": timing.judge_text,
    }


def plan_change_json(change: PlanChange | None) -> JSON | None:
    if change is None:
        return None
    return {
        "schedule": change.schedule.value,
        "starts_on": change.starts_on.isoformat(),
        "formulation": change.formulation.value,
        "liquid_mg_per_ml": change.liquid_mg_per_ml,
        "note": change.note,
    }


def followup_json(
    result: FollowupResult,
    *,
    chart_note: str,
    settings_version: int,
    version_date: dt.date,
    assessed_on: dt.date,
) -> JSON:
    return {
        "assessed_on": assessed_on.isoformat(),
        "verdict": result.verdict.value,
        "verdict_title": result.title,
        "recommendation": result.recommendation.value,
        "advice": finding_json(result.advice),
        "advice_notes": list(result.advice_notes),
        "safety_first": result.safety_first,
        "needs_prescriber": result.needs_prescriber,
        "findings": [finding_json(f) for f in result.findings],
        "checks": [check_json(c) for c in result.checks],
        "response": pain_response_json(result.response),
        "timing": timing_json(result.timing),
        "bands_text": result.bands_text,
        "new_plan": plan_change_json(result.new_plan),
        "sheet_note": result.sheet_note,
        "chart_note": chart_note,
        "settings_version": settings_version_json(settings_version, version_date),
    }


def setting_json(spec: SettingSpec, value: Any) -> JSON:
    safe_low, safe_high = safe_bounds(spec)
    return {
        "name": spec.name,
        "label": spec.label,
        "group": spec.group,
        "kind": spec.kind.value,
        "value": plain(value),
        "unit": spec.unit,
        "default": plain(spec.default),
        "minimum": spec.minimum,
        "maximum": spec.maximum,
        "step": spec.step,
        "choices": list(spec.choices),
        "safe_minimum": safe_low,
        "safe_maximum": safe_high,
        "safe_choices": list(spec.safe.choices) if spec.safe else [],
        "why": spec.why,
        "source": source_json(spec.source),
        "safe_range_source": source_json(spec.safe.source) if spec.safe else None,
    }


def settings_json(settings: RuleSettings, *, number: int, created_at: dt.datetime) -> JSON:
    """The published thresholds of one settings version, each with its unit and source."""
    return {
        "version": number,
        "date": created_at.date().isoformat(),
        "published_at": created_at.isoformat(),
        "settings": [setting_json(spec, getattr(settings, spec.name)) for spec in SETTING_SPECS],
    }
