"""What the printed counselling sheet and its wallet card say to the patient.

Every clinical sentence has one home. Sentences that the screening summary already uses
come from ``counselling.py``; the ones only the sheet needs live here. Numbers come from
``RuleSettings`` and the ``DosePlan``, never from the text. The words are written for US
grade 8 or below; ``tests/rules/test_sheet_text.py`` measures them.

Every patient sentence is a msgid of the sheet's catalogue (``translation.py``): numbers,
doses and dates are placeholders, filled in here, so no translated sentence holds a digit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from .counselling import URGENT_HELP_PATIENT, counselling_points, side_effects
from .dosing import surgery_stop_dates
from .findings import CATALOGUE, THYROID_PATIENT, thyroid_patient_text
from .model import (
    DosePlan,
    Formulation,
    Schedule,
    ScreeningResult,
    SideEffect,
    SurgeryStop,
    Verdict,
)
from .settings import RuleSettings
from .sources import Source, source
from .translation import ENGLISH, N_, Language
from .units import fmt_mg

# Fixed numbers of the sheet's wording, never of a translation (the catalogue's msgstrs hold
# no digit). The PEG's pain item runs from 0 to 10 (Krebs 2009); oral naltrexone's tablet is
# 50 mg and LDN is most often 5 mg a day or less (Toljan & Vrooman 2018).
PAIN_SCALE = (0, 10)
LABEL_TABLET_MG = 50.0
LDN_USUAL_MAX_MG = 5.0
EMERGENCY_NUMBER = "911"

# A step of up to two weeks gets a box per day; longer spans get a box per week, so the
# calendar stays on paper whatever interval the admin sets.
DAILY_TICKS_UP_TO_DAYS = 14

TICK_DAY = "day"
TICK_WEEK = "week"


@dataclass(frozen=True, slots=True)
class CalendarRow:
    """One titration step as the patient ticks it off."""

    step: int
    starts_on: dt.date
    ends_on: dt.date | None  # None: the last step runs until the review
    dose_mg: float
    volume_ml: float | None
    tick_unit: str  # TICK_DAY or TICK_WEEK
    ticks: int


@dataclass(frozen=True, slots=True)
class SideEffectLine:
    """Side effects that share the same advice, printed as one line to save paper."""

    frequency: str
    names: str
    advice: str


@dataclass(frozen=True, slots=True)
class WalletCard:
    title: str
    emergency: str
    how_to_cut: str
    source: Source
    # The card's one-line alert in the sheet's language and in the others the card carries
    # (HTML lang, text): emergency staff may not read the patient's language.
    alerts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PatientSpecifics:
    """What a screening knows about this patient that changes the sheet.

    It reaches the sheet only in a POST body (never an address), so it may hold what an
    address must not: the dates that give away when the patient last took an opioid."""

    no_opioids_before: dt.date | None = None  # the opioid-free interval still runs until then
    surgery_on: dt.date | None = None  # a planned operation (the stop is worked out here)
    thyroid: bool = False  # thyroid hormone or Hashimoto's


@dataclass(frozen=True, slots=True)
class ForYouLine:
    """One line of the sheet's "Just for you" box, with the source it rests on (or none)."""

    key: str  # "no_opioids", "surgery", "thyroid" or "liquid", for the tests and the styles
    text: str
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class SheetText:
    about: tuple[str, ...]
    judging: tuple[str, ...]
    how_to_take: tuple[str, ...]
    calendar_note: str
    side_effects_intro: str
    side_effects: tuple[SideEffectLine, ...]
    urgent_intro: str
    urgent: tuple[str, ...]
    opioids: tuple[str, ...]
    getting_it: tuple[str, ...]
    card: WalletCard
    surgery_stop: str | None = None  # the calendar's stop row, when surgery falls inside it
    for_you: tuple[ForYouLine, ...] = ()  # what applies to this patient only, at the top
    language: str = ENGLISH.code

    def prose(self) -> str:
        """Every sentence the patient reads, in page order (for the readability check)."""
        parts = [
            *(line.text for line in self.for_you),
            *self.about,
            *self.judging,
            *self.how_to_take,
            self.calendar_note,
            *([self.surgery_stop] if self.surgery_stop else []),
            self.side_effects_intro,
            *(f"{e.names}. {e.advice}" for e in self.side_effects),
            self.urgent_intro,
            *self.urgent,
            *self.opioids,
            *self.getting_it,
            self.card.how_to_cut,
            self.card.title,
            self.card.emergency,
        ]
        return " ".join(parts)


def calendar(plan: DosePlan) -> tuple[CalendarRow, ...]:
    """The titration steps with a tick box per day (or per week for long spans).

    A stop for surgery ends the calendar at the last dose: the steps after it need new
    dates, which the prescriber sets once the patient is off opioid pain medicines."""
    last_dose = plan.surgery_stop.last_dose_on if plan.surgery_stop else None
    rows = []
    for step in plan.steps:
        if last_dose is not None:
            if step.starts_on > last_dose:
                break
            if step.ends_on is None or step.ends_on > last_dose:
                step = dataclasses.replace(step, ends_on=last_dose)
        last_day = step.ends_on or plan.review_on - dt.timedelta(days=1)
        days = (last_day - step.starts_on).days + 1
        if step.ends_on is not None and days <= DAILY_TICKS_UP_TO_DAYS:
            unit, ticks = TICK_DAY, days
        else:
            unit, ticks = TICK_WEEK, -(-days // 7)  # whole weeks, rounded up
        rows.append(
            CalendarRow(
                step.number, step.starts_on, step.ends_on, step.dose_mg, step.volume_ml, unit, ticks
            )
        )
    return tuple(rows)


def side_effect_lines(
    effects: tuple[SideEffect, ...], lang: Language = ENGLISH
) -> tuple[SideEffectLine, ...]:
    """Join side effects of the same frequency and advice: "Nausea, diarrhoea or ..."."""
    groups: dict[tuple[str, str], list[str]] = {}
    for effect in effects:
        groups.setdefault((effect.frequency, effect.advice), []).append(effect.name)
    lines = []
    for (frequency, advice), names in groups.items():
        later = [n[:1].lower() + n[1:] for n in names[1:]]
        joined = ", ".join([names[0], *later[:-1]])
        if later:
            joined = lang.gettext("%(names)s or %(last)s") % {"names": joined, "last": later[-1]}
        lines.append(SideEffectLine(frequency, joined, advice))
    return tuple(lines)


def _about(settings: RuleSettings, lang: Language) -> tuple[str, ...]:
    _ = lang.gettext
    points = {p.key: p.patient_text for p in counselling_points(settings, lang)}
    return (
        # Toljan & Vrooman 2018: LDN is 1-5 mg a day; the label's tablet is 50 mg.
        _(
            "LDN means low-dose naltrexone. Naltrexone is a medicine that blocks opioids. The "
            "usual tablet is %(tablet)s. LDN is a much smaller dose, most often %(usual)s a day "
            "or less. We are trying it to see if it eases your fibromyalgia pain."
        )
        % {"tablet": fmt_mg(LABEL_TABLET_MG), "usual": fmt_mg(LDN_USUAL_MAX_MG)},
        f"{points['off_label']} {points['evidence']}",
    )


def _judging(plan: DosePlan, lang: Language) -> tuple[str, ...]:
    _ = lang.gettext
    pct = plan.responder_pct
    low, high = PAIN_SCALE
    example = high * (100 - pct) / 100
    return (
        # The PEG's pain item, with its 0 and 10 anchors (Krebs 2009).
        _(
            "Before you start, rate your pain on a scale from %(low)s to %(high)s. Think of "
            "your pain on average over the past week. %(low)s means no pain. %(high)s means "
            "pain as bad as you can imagine. Write the number on the line below."
        )
        % {"low": low, "high": high},
        # IMMPACT: a 30% drop is a moderately important change (the admin sets the number).
        lang.ngettext(
            "You will take the full dose for %(weeks)s week. Then, at your review on "
            "%(review)s, we will ask you the same question. If your pain has gone down by "
            "%(pct)s%% or more, we say LDN is working for you. For example, a drop from "
            "%(high)s to %(example)s is %(pct)s%% less pain. If it has not helped, you and the "
            "clinic will decide together whether to stop.",
            "You will take the full dose for %(weeks)s weeks. Then, at your review on "
            "%(review)s, we will ask you the same question. If your pain has gone down by "
            "%(pct)s%% or more, we say LDN is working for you. For example, a drop from "
            "%(high)s to %(example)s is %(pct)s%% less pain. If it has not helped, you and the "
            "clinic will decide together whether to stop.",
            plan.review_weeks,
        )
        % {
            "weeks": plan.review_weeks,
            "review": lang.date(plan.review_on),
            "pct": pct,
            "high": high,
            "example": f"{example:g}",
        },
    )


def _how_to_take(settings: RuleSettings, plan: DosePlan, lang: Language) -> tuple[str, ...]:
    _ = lang.gettext
    points = {p.key: p.patient_text for p in counselling_points(settings, lang)}
    interval_days = settings.schedule_values(plan.schedule is Schedule.GENTLE)[2]
    first, last = plan.steps[0], plan.steps[-1]
    if len(plan.steps) > 1:
        steps = lang.ngettext(
            "Start with %(first)s a day. Every %(days)s day, go up one step, as the table "
            "shows. Stop going up when you reach %(last)s a day. Do not take more than the "
            "table says.",
            "Start with %(first)s a day. Every %(days)s days, go up one step, as the table "
            "shows. Stop going up when you reach %(last)s a day. Do not take more than the "
            "table says.",
            interval_days,
        ) % {"first": fmt_mg(first.dose_mg), "days": interval_days, "last": fmt_mg(last.dose_mg)}
    else:
        steps = _("Take %(dose)s a day. Do not take more than the table says.") % {
            "dose": fmt_mg(first.dose_mg)
        }
    if plan.formulation is Formulation.LIQUID and plan.liquid_mg_per_ml:
        # The strength itself is in the "Just for you" box (liquid_strength_text).
        product = _(
            # Fawcett 1997: the liquid is very bitter and may be mixed with juice.
            "Measure each dose with an oral syringe. The liquid tastes bitter. You may mix it "
            "with a little juice just before you take it. Keep it as the label says, and check "
            "the use-by date."
        )
    else:
        product = _("Check that the strength on the pharmacy label matches the dose for each step.")
    return (f"{points['timing']} {steps}", product)


def _calendar_note(rows: tuple[CalendarRow, ...], lang: Language) -> str:
    _ = lang.gettext
    daily = any(r.tick_unit == TICK_DAY for r in rows)
    weekly = any(r.tick_unit == TICK_WEEK for r in rows)
    parts = []
    if daily:
        parts.append(_("Tick a box each day you take your dose."))
    if weekly:
        parts.append(
            _("Where a row counts weeks, tick one box at the end of each week.")
            if daily
            else _("Tick one box at the end of each week.")
        )
    parts.append(_("Bring this sheet to your review."))
    return " ".join(parts)


def surgery_stop_text(stop: SurgeryStop | None, lang: Language = ENGLISH) -> str | None:
    """The stop row of the patient's calendar. Never a last dose before the first one."""
    if stop is None or stop.last_dose_on is None:
        return None
    return lang.gettext(
        "Stop before your operation. Take your last dose on %(last)s. Take no LDN from "
        "%(stop)s. Your operation is on %(surgery)s. Tell your surgeon and your anaesthetist "
        "that you take LDN. Start again only when the clinic tells you. They will give you the "
        "dose and the date."
    ) % {
        "last": lang.date(stop.last_dose_on),
        "stop": lang.date(stop.stop_from),
        "surgery": lang.date(stop.surgery_on),
    }


def liquid_strength_text(mg_per_ml: float, lang: Language = ENGLISH) -> str:
    """The liquid's strength: the volumes in the calendar are right for this strength only."""
    return lang.gettext(
        "Your liquid has %(dose)s of LDN in each mL. Check that the pharmacy label says the "
        "same. If it does not, call the clinic before you take any."
    ) % {"dose": fmt_mg(mg_per_ml)}


def no_opioids_text(before: dt.date, lang: Language = ENGLISH) -> str:
    """The opioid-free interval that is still running (label: opioid-free before starting)."""
    return lang.gettext(
        "Take no opioid medicines before %(date)s. If an opioid is still in your body when you "
        "start LDN, it can bring on sudden withdrawal."
    ) % {"date": lang.date(before)}


def surgery_text(
    settings: RuleSettings, plan: DosePlan, surgery_on: dt.date, lang: Language = ENGLISH
) -> str | None:
    """The planned operation, in the patient's words. The stop follows the clinic's setting
    (``surgery_hold_days``) exactly as the calendar's stop row does; the restart follows the
    sources: only once off opioid pain medicines, at a dose the prescriber sets."""
    _ = lang.gettext
    if surgery_on < plan.starts_on:
        # Opioids given for the operation would move the start (the opioid-free interval).
        return _(
            "Your operation on %(surgery)s comes before your LDN starts. If you are given "
            "opioid pain medicines for it, tell the clinic before you start LDN. Your start "
            "date may have to move."
        ) % {"surgery": lang.date(surgery_on)}
    stop_from, last_dose = surgery_stop_dates(settings, surgery_on)
    if last_dose < plan.starts_on:
        return None  # a stop before the first dose is no plan: the sheet is not printed
    hold = settings.surgery_hold_days
    dates = {
        "surgery": lang.date(surgery_on),
        "stop": lang.date(stop_from),
        "days": hold,
        "last": lang.date(last_dose),
    }
    if plan.surgery_stop is not None:
        # The calendar's stop row says the rest (surgery_stop_text): two pages hold both.
        return (
            lang.ngettext(
                "Your operation is on %(surgery)s. Stop LDN on %(stop)s, %(days)s day before it: "
                "take your last dose on %(last)s. The Stop row of your calendar says when to start "
                "again.",
                "Your operation is on %(surgery)s. Stop LDN on %(stop)s, %(days)s days before it: "
                "take your last dose on %(last)s. The Stop row of your calendar says when to start "
                "again.",
                hold,
            )
            % dates
        )
    return (
        lang.ngettext(
            "Your operation is on %(surgery)s. Stop LDN on %(stop)s, %(days)s day before it: "
            "take your last dose on %(last)s. Tell your surgeon and your anaesthetist that you "
            "take LDN. Start again only when you no longer need opioid pain medicines and the "
            "clinic tells you the dose and the date.",
            "Your operation is on %(surgery)s. Stop LDN on %(stop)s, %(days)s days before it: "
            "take your last dose on %(last)s. Tell your surgeon and your anaesthetist that you "
            "take LDN. Start again only when you no longer need opioid pain medicines and the "
            "clinic tells you the dose and the date.",
            hold,
        )
        % dates
    )


def for_you_lines(
    settings: RuleSettings,
    plan: DosePlan,
    specifics: PatientSpecifics | None = None,
    lang: Language = ENGLISH,
) -> tuple[ForYouLine, ...]:
    """The lines that apply to this patient only, each exactly when it applies."""
    specifics = specifics or PatientSpecifics()
    lines = []
    if specifics.no_opioids_before is not None:
        lines.append(
            ForYouLine(
                "no_opioids",
                no_opioids_text(specifics.no_opioids_before, lang),
                source("label_opioid_free"),
            )
        )
    if specifics.surgery_on is not None:
        text = surgery_text(settings, plan, specifics.surgery_on, lang)
        if text:
            lines.append(ForYouLine("surgery", text, source("surgery_moser")))
    if specifics.thyroid:
        # The summary's "Tell the patient" sentence for the thyroid finding: one wording.
        thyroid = CATALOGUE["thyroid"]
        if thyroid.patient_text is None:
            raise RuntimeError("the thyroid finding needs its patient sentence")
        text = thyroid_patient_text(lang.gettext(THYROID_PATIENT))
        lines.append(ForYouLine("thyroid", text, source(thyroid.source_key)))
    if plan.formulation is Formulation.LIQUID and plan.liquid_mg_per_ml:
        lines.append(ForYouLine("liquid", liquid_strength_text(plan.liquid_mg_per_ml, lang)))
    return tuple(lines)


def no_sheet_reason(result: ScreeningResult, printable: bool) -> str | None:
    """For staff: why a screening gets no sheet, or None when it may have one.

    ``printable`` is False when the plan has a stop for surgery before its first dose
    (``findings.plan_wording`` decides that once, for the summary's button too)."""
    if result.verdict is Verdict.DO_NOT_START:
        return (
            'The screening result is "do not start", so this patient gets no counselling '
            "sheet. Go back to the summary for the reasons."
        )
    if result.dose_plan is None:
        return (
            "The screening gives no dose plan for this patient, so there is no counselling "
            "sheet. Go back to the summary for the reasons."
        )
    if not printable:
        return (
            "The planned operation comes too soon after the start to stop LDN before it, so "
            "this plan cannot be printed. Choose a start after the operation."
        )
    return None


def missing_clinic_details(settings: RuleSettings) -> str | None:
    """For staff: what the sheet cannot print because the settings leave it blank.

    A sheet that says "call the clinic" without a number is a hazard, so every place that
    makes or configures a sheet says so plainly."""
    missing = [
        noun
        for noun, value in (("name", settings.clinic_name), ("phone number", settings.clinic_phone))
        if not value.strip()
    ]
    if not missing:
        return None
    what = " and ".join(missing)
    verb = "are" if len(missing) > 1 else "is"
    return (
        f"The clinic's {what} {verb} not set in the settings. Sheets print a blank line "
        f"instead: write the clinic's {what} on each sheet and wallet card by hand before you "
        "give it to the patient, or ask an admin to add the clinic details to the settings."
    )


def _urgent_intro(settings: RuleSettings, lang: Language) -> str:
    # Never "call the clinic" without a way to find the number: the clinic's own when the
    # settings have it, else the line under "Your clinic" that the nurse fills in.
    _ = lang.gettext
    phone = settings.clinic_phone.strip()
    if phone:
        text = _(
            "Get medical help right away if you have any of these. Call the clinic on "
            "%(phone)s, or call your emergency number (%(emergency)s in the US). Show your "
            "wallet card."
        )
    else:
        text = _(
            "Get medical help right away if you have any of these. Call the clinic (the number "
            'is under "Your clinic"), or call your emergency number (%(emergency)s in the US). '
            "Show your wallet card."
        )
    return text % {"phone": phone, "emergency": EMERGENCY_NUMBER}


# The card's alert, printed in English and Spanish on every card: emergency staff may not
# read the patient's language. The label's plan for blocked patients: non-opioid pain relief
# first; if opioids are needed, more may be needed and breathing must be watched closely.
CARD_ALERT = N_("I take naltrexone: opioids may not work.")
CARD_TITLE = N_("I take low-dose naltrexone (an opioid blocker).")
CARD_EMERGENCY = N_(
    "In an emergency, opioid pain medicines may not work as usual. Please try other pain "
    "relief first. If I need opioids, I may need more than usual, and I must be watched "
    "closely."
)


def sheet_text(
    settings: RuleSettings,
    plan: DosePlan,
    specifics: PatientSpecifics | None = None,
    lang: Language = ENGLISH,
    card_langs: tuple[Language, ...] = (),
) -> SheetText:
    """All the patient-facing words for one plan under one settings version, in ``lang``.

    ``card_langs``: the other languages whose one-line alert the wallet card also carries
    (the web layer gives every sheet English and Spanish).

    ``specifics`` comes from a screening (posted, never in an address); a reprint from the
    chooser knows only the plan, its liquid strength and a planned operation."""
    _ = lang.gettext
    points = {p.key: p.patient_text for p in counselling_points(settings, lang)}
    return SheetText(
        about=_about(settings, lang),
        judging=_judging(plan, lang),
        how_to_take=_how_to_take(settings, plan, lang),
        calendar_note=_calendar_note(calendar(plan), lang),
        # Younger 2009 and LDN Research Trust: side effects are often mild and short-lived.
        side_effects_intro=_("Side effects are often mild, and many settle with time."),
        side_effects=side_effect_lines(side_effects(lang), lang),
        urgent_intro=_urgent_intro(settings, lang),
        urgent=tuple(_(line) for line in URGENT_HELP_PATIENT),
        opioids=(
            points["opioid_blockade"],
            points["do_not_override"],
            points["emergency"],
            points["surgery"],
            points["tolerance"],
        ),
        getting_it=(points["compounded"], points["cost"]),
        card=WalletCard(
            title=_(CARD_TITLE),
            emergency=_(CARD_EMERGENCY),
            how_to_cut=_(
                "Cut out the card along the dashed line. Fold it in half on the dotted line. "
                "Keep it in your wallet."
            ),
            source=source("label_emergency_pain"),
            alerts=tuple((lg.html_lang, lg.gettext(CARD_ALERT)) for lg in (lang, *card_langs)),
        ),
        surgery_stop=surgery_stop_text(plan.surgery_stop, lang),
        for_you=for_you_lines(settings, plan, specifics, lang),
        language=lang.code,
    )
