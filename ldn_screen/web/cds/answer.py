"""What each service answers: the cards for one hook call. The views parse and route; the
rules decide; this module gathers the record and arranges the rules' findings into cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...rules import Schedule, screen
from ...rules.cds_findings import NOTE_LINE, PREFETCH_NOUNS, make_cds_finding
from ...rules.dosing import build_dose_plan
from ...rules.ehr_record import (
    EhrRecord,
    RecordReading,
    medication_entries,
    order_start,
    parse_date,
    read_record,
)
from ...rules.model import Formulation, OpioidUse, ScreeningResult, Verdict
from ...rules.orders import OrderKind, OrderReading, dig, read_order, referenced_medication
from ...rules.override_reasons import OverrideReason, parse_override_reasons
from ...rules.settings import RuleSettings
from ...rules.units import fmt_date
from . import cards
from .hook_request import BadHookRequest, HookRequest, Prefetcher, resources_of, shown_reference
from .services import PREFETCH_ALL, REVIEW_WINDOW_DAYS

# Findings the record can never settle and that the screening card already covers: the
# optional 2016 criteria are only asked on the form.
NOT_CARDED = frozenset({"diagnosis_not_checked"})


@dataclass(frozen=True)
class Context:
    """What every service needs besides the request: settings, links, the clock."""

    settings: RuleSettings
    version: int
    today: dt.date
    form_url: str
    questionnaire: str | None


def _reasons(settings: RuleSettings) -> tuple[OverrideReason, ...]:
    try:
        return parse_override_reasons(settings.cds_override_reasons)
    except ValueError:  # a stored version is validated on publish; never fail a hook for it
        return ()


def _medications(orders: Sequence[dict[str, Any]], prefetcher: Prefetcher) -> dict[str, Any]:
    """Medication resources the orders may reference: sent (in prefetch or beside the draft
    orders), contained, or fetched."""
    found: dict[str, Any] = {}
    sent = [*prefetcher.request.prefetch.values(), prefetcher.request.context.get("draftOrders")]
    for value in sent:
        for resource in resources_of(value):
            if resource.get("resourceType") == "Medication" and resource.get("id"):
                found[f"Medication/{resource['id']}"] = resource
    for order in orders:
        for resource in resources_of(order.get("contained")):
            if resource.get("resourceType") == "Medication" and resource.get("id"):
                found.setdefault(f"Medication/{resource['id']}", resource)
        ref = dig(order, "medicationReference", "reference")
        if isinstance(ref, str) and referenced_medication(order, found) is None:
            key = "/".join(ref.split("/")[-2:])
            if fetched := prefetcher.medication(key):
                found[key] = fetched
    return found


def current_orders(request: HookRequest) -> list[dict[str, Any]]:
    """The orders the service judges: the selections (order-select), or every draft order
    being signed (order-sign). Only MedicationRequests; others are not this service's."""
    drafts = request.draft_orders()
    if "draftOrders" not in request.context:
        raise BadHookRequest("'context.draftOrders' is missing.")
    if request.hook == "order-select":
        selections = request.context.get("selections")
        if selections is None and len(drafts) == 1:
            # Older payloads (the CDC opioid examples) leave selections out when the one
            # draft order is the one being chosen: unambiguous, so it counts as selected.
            selections = [f"{drafts[0].get('resourceType')}/{drafts[0].get('id')}"]
        if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
            raise BadHookRequest("'context.selections' must list the selected order ids.")
        by_ref = {f"{d.get('resourceType')}/{d.get('id')}": d for d in drafts}
        chosen = []
        for ref in selections:
            order = by_ref.get(ref)
            if order is None:
                shown = shown_reference(ref)
                raise BadHookRequest(f"Selected order {shown} is not in draftOrders.")
            chosen.append(order)
        drafts = chosen
    return [d for d in drafts if d.get("resourceType") == "MedicationRequest"]


def _read_orders(
    orders: list[dict[str, Any]], prefetcher: Prefetcher, ctx: Context
) -> list[tuple[dict[str, Any], OrderReading]]:
    medications = _medications(orders, prefetcher)
    readings = []
    for order in orders:
        reading = read_order(order, ctx.settings.max_dose_mg, medications, ctx.today)
        if reading.kind is OrderKind.UNREADABLE:
            ref = dig(order, "medicationReference", "reference")
            named = shown_reference(f"MedicationRequest/{order.get('id')}")
            if isinstance(ref, str):
                raise BadHookRequest(
                    f"Order {named} references {shown_reference(ref)}, which was "
                    "neither sent nor fetchable, and names no medicine otherwise.",
                    412,
                )
            raise BadHookRequest(f"Order {named} names no medicine (no code, text or display).")
        readings.append((order, reading))
    return readings


def _record(prefetcher: Prefetcher, keys: Sequence[str]) -> tuple[EhrRecord, list[str]]:
    notes: list[str] = []

    def get(key: str) -> list[dict[str, Any]] | None:
        result = prefetcher.get(key, PREFETCH_ALL[key])
        what = PREFETCH_NOUNS.get(key, key)
        notes.extend(NOTE_LINE.format(what=what, why=n) for n in dict.fromkeys(result.notes))
        return result.resources

    fetched = {key: get(key) for key in keys}
    patient = fetched.get("patient")
    active, recent = fetched.get("activeMeds"), fetched.get("recentMeds")
    if active is None and recent is None:
        requests = None
    else:  # one order may be in both searches
        merged = {}
        for r in [*(recent or ()), *(active or ())]:
            merged[r.get("id") or id(r)] = r
        requests = list(merged.values())
    return (
        EhrRecord(
            patient=patient[0] if patient else None,
            medication_requests=requests,
            dispenses=fetched.get("dispenses"),
            conditions=fetched.get("conditions"),
            allergies=fetched.get("allergies"),
            pregnancy=fetched.get("pregnancy"),
            history_available=recent is not None,
        ),
        notes,
    )


def _selected(
    request: HookRequest, ctx: Context, budget: float, kind: OrderKind
) -> tuple[Prefetcher, list[tuple[dict[str, Any], OrderReading]]]:
    """The prefetcher for this call, and the current orders of ``kind`` with their readings."""
    prefetcher = Prefetcher(request, budget)
    orders = _read_orders(current_orders(request), prefetcher, ctx)
    return prefetcher, [(o, r) for o, r in orders if r.kind is kind]


def ldn_order(request: HookRequest, ctx: Context, budget: float) -> list[dict[str, Any]]:
    prefetcher, orders = _selected(request, ctx, budget, OrderKind.LDN)
    if not orders:
        return []
    record, notes = _record(prefetcher, list(PREFETCH_ALL))
    draft_ids = frozenset(str(d.get("id")) for d in request.draft_orders() if d.get("id"))
    reasons = _reasons(ctx.settings)
    out: list[dict[str, Any]] = []
    for order, reading in orders:
        start = order_start(order)
        record_reading = read_record(record, ctx.settings, ctx.today, start, draft_ids)
        result = screen(record_reading.answers, ctx.settings)
        line = cards.order_line(reading.label, reading.why)
        for finding in result.findings:
            if finding.code in NOT_CARDED:
                continue
            suggestions = []
            if finding.code == "opioid_washout" and result.earliest_start_on:
                suggestions.append(cards.start_suggestion(order, result.earliest_start_on))
            out.append(
                cards.finding_card(
                    finding,
                    ctx.version,
                    order_line=line,
                    matched=_matched(finding.code, record_reading),
                    override_reasons=reasons,
                    suggestions=suggestions,
                )
            )
        topics = [*record_reading.not_checked, *notes]
        screening = make_cds_finding("cds_screening_not_documented", topics="; ".join(topics))
        out.append(
            cards.finding_card(
                screening,
                ctx.version,
                order_line=line,
                checks=record_reading.checks,
                override_reasons=reasons,
                suggestions=[
                    cards.screening_task_suggestion(
                        request.patient_id, ctx.questionnaire, ctx.today
                    )
                ],
                links=[cards.screening_link(ctx.form_url, request.hook_instance)],
            )
        )
        # A dated plan reads as "go ahead": only when the opioid check was done and gave a
        # start date (never when opioid use, or the last dose's date, is not known).
        if record_reading.answers.opioid_use in (OpioidUse.NONE, OpioidUse.RECENT) and (
            titration := _titration_card(order, result, ctx, line)
        ):
            out.append(titration)
    return out


def _matched(code: str, reading: RecordReading) -> tuple[str, ...]:
    """The record lines a finding rests on: opioids for the opioid findings, LDN for the
    "already taking naltrexone" one."""
    if "opioid" in code:
        return reading.opioid_lines
    if "naltrexone" in code:
        return reading.ldn_lines
    return ()


def _titration_card(
    order: dict[str, Any], result: ScreeningResult, ctx: Context, line: str
) -> dict[str, Any] | None:
    plan = result.dose_plan
    if plan is None or result.verdict is Verdict.DO_NOT_START:
        return None
    settings = ctx.settings
    other_schedule = Schedule.STANDARD if plan.schedule is Schedule.GENTLE else Schedule.GENTLE
    other = build_dose_plan(settings, other_schedule, plan.formulation, plan.starts_on, (), None)
    plans = sorted((plan, other), key=lambda p: p.schedule is not Schedule.STANDARD)
    suggestions = [
        cards.schedule_suggestion(
            order,
            p,
            recommended=p is plan,
            interval_days=settings.schedule_values(p.schedule is Schedule.GENTLE)[2],
        )
        for p in plans
    ]
    steps = ", then ".join(f"{s.dose_mg:g} mg from {fmt_date(s.starts_on)}" for s in plan.steps)
    finding = make_cds_finding(
        "cds_titration",
        schedule=plan.schedule.value,
        start=fmt_date(plan.starts_on),
        reasons=f": {', '.join(plan.schedule_reasons)}" if plan.schedule_reasons else "",
        steps=steps,
        review_on=fmt_date(plan.review_on),
        schedule_source="ldnrt_sensitive" if plan.schedule is Schedule.GENTLE else "hdrx_dosing",
    )
    return cards.finding_card(finding, ctx.version, order_line=line, suggestions=suggestions)


def opioid_on_ldn(request: HookRequest, ctx: Context, budget: float) -> list[dict[str, Any]]:
    prefetcher, opioids = _selected(request, ctx, budget, OrderKind.OPIOID)
    if not opioids:
        return []
    active = prefetcher.get("activeMeds", PREFETCH_ALL["activeMeds"])
    dispenses = prefetcher.get("dispenses", PREFETCH_ALL["dispenses"])
    reasons = _reasons(ctx.settings)
    label = "; ".join(r.label for _, r in opioids)
    if active.resources is None:
        finding = make_cds_finding("cds_ldn_not_checked")
        return [
            cards.finding_card(
                finding,
                ctx.version,
                order_line=cards.order_line(label, opioids[0][1].why),
                override_reasons=reasons,
            )
        ]
    draft_ids = frozenset(str(d.get("id")) for d in request.draft_orders() if d.get("id"))
    entries = medication_entries(
        [*active.resources, *(dispenses.resources or ())],
        ctx.settings,
        {},
        ctx.today,
        draft_ids,
    )
    ldn = [e.line for e in entries if e.active and e.reading.kind is OrderKind.LDN]
    if not ldn:
        return []
    finding = make_cds_finding(
        "cds_opioid_on_ldn",
        ldn_lines="; ".join(ldn),
        order=label,
        hold=ctx.settings.surgery_hold_days,
    )
    return [
        cards.finding_card(
            finding,
            ctx.version,
            order_line=cards.order_line(label, opioids[0][1].why),
            matched=ldn,
            override_reasons=reasons,
        )
    ]


def ldn_review(request: HookRequest, ctx: Context, budget: float) -> list[dict[str, Any]]:
    """Quiet unless an active LDN order's review falls in the next 14 days."""
    prefetcher = Prefetcher(request, budget)
    active = prefetcher.get("activeMeds", PREFETCH_ALL["activeMeds"]).resources
    out: list[dict[str, Any]] = []
    settings = ctx.settings
    horizon = ctx.today + dt.timedelta(days=REVIEW_WINDOW_DAYS)
    for order in active or ():
        if order.get("resourceType") != "MedicationRequest":
            continue
        reading = read_order(order, settings.max_dose_mg, {}, ctx.today)
        if reading.kind is not OrderKind.LDN:
            continue
        start = order_start(order) or parse_date(order.get("authoredOn"))
        if start is None:
            continue
        plan = build_dose_plan(settings, Schedule.STANDARD, Formulation.CAPSULE, start)
        if not ctx.today <= plan.review_on <= horizon:
            continue
        weeks = settings.review_weeks
        finding = make_cds_finding(
            "cds_review_due",
            order=reading.label,
            start=fmt_date(start),
            review_on=fmt_date(plan.review_on),
            review_period=f"{weeks} weeks",
            responder_pct=settings.responder_pct,
        )
        out.append(cards.finding_card(finding, ctx.version))
    return out
