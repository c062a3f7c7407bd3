"""Side effects to watch for and counselling points: the facts a patient takes home.

Clinician and patient wording sit side by side so they cannot drift apart. The patient
wording is written to be read at US grade 8 or below (a test measures it).
"""

from __future__ import annotations

import functools

from .evidence import EVIDENCE_SENTENCE
from .model import CounsellingPoint, SideEffect
from .settings import RuleSettings
from .sources import source
from .translation import ENGLISH, N_, Language
from .wording import DOSE_TIMING

COMMON = "common"
LESS_COMMON = "less common"

PERSISTENT_SIDE_EFFECTS_ADVICE = N_(
    "If a side effect does not settle after a few days, call the clinic. The dose is often "
    "cut in half and then raised again more slowly."
)


@functools.cache
def side_effects(lang: Language = ENGLISH) -> tuple[SideEffect, ...]:
    """The side effects in the patient's words (``lang``: the sheet's language)."""
    _ = lang.gettext
    dreams = source("side_effects_trials")
    # Reported with naltrexone (LiverTox, at 50 mg); the trials name dreams and headache most.
    other = source("livertox")
    halve = source("ldnrt_titration")
    persistent = _(PERSISTENT_SIDE_EFFECTS_ADVICE)
    return (
        SideEffect(
            _("Vivid dreams or nightmares"),
            COMMON,
            _(
                "These often settle with time. If they spoil your sleep, take your dose in the "
                "morning instead of at bedtime."
            ),
            dreams,
        ),
        SideEffect(
            _("Headache"),
            COMMON,
            _("Usually mild. Call the clinic if it keeps coming back or is bad."),
            dreams,
        ),
        SideEffect(_("Nausea (feeling sick)"), LESS_COMMON, persistent, other),
        SideEffect(_("Diarrhoea"), LESS_COMMON, persistent, other),
        SideEffect(_("Feeling anxious"), LESS_COMMON, persistent, other),
        SideEffect(
            _("Trouble sleeping"),
            LESS_COMMON,
            _("Try taking your dose in the morning. If it does not settle, call the clinic."),
            halve,
        ),
    )


@functools.lru_cache(maxsize=8)  # one entry per settings version in use
def counselling_points(
    settings: RuleSettings, lang: Language = ENGLISH
) -> tuple[CounsellingPoint, ...]:
    """The counselling points; the patient's words are in ``lang`` (the clinician's stay in
    English: they are for the summary and the chart note)."""
    _ = lang.gettext
    hold = settings.surgery_hold_days
    return (
        CounsellingPoint(
            "off_label",
            "LDN is off-label: naltrexone is approved only for alcohol and opioid dependence, "
            "with no FDA indication for fibromyalgia.",
            _(
                "LDN is not officially approved for fibromyalgia. Doctors use it 'off-label', "
                "which means for a reason the maker did not list."
            ),
            source("label_indications"),
        ),
        CounsellingPoint(
            "evidence",
            f"The evidence is modest. {EVIDENCE_SENTENCE} Bested 2023 (58 randomised) also "
            "found no clinically relevant effect; a meta-analysis found a small effect against "
            "placebo (d = -0.34). Set expectations honestly.",
            _(
                "Some people with fibromyalgia feel better on LDN. The biggest recent studies "
                "did not show a clear benefit over a dummy pill. We will check together whether "
                "it helps you."
            ),
            source("negative_trials"),
        ),
        CounsellingPoint(
            "compounded",
            "LDN has to be compounded: oral naltrexone is sold only as 50 mg tablets.",
            _(
                "A special (compounding) pharmacy makes LDN for you, because the shop tablets "
                "are much too strong."
            ),
            source("aafp_2024"),
        ),
        CounsellingPoint(
            "cost",
            "Insurance coverage of compounded LDN is a problem: the patient may pay the whole "
            "cost. Ask the compounding pharmacy for its price.",
            _("Insurance often does not pay for it. Ask the pharmacy what it will cost you."),
            source("aafp_2024"),
        ),
        CounsellingPoint(
            "opioid_blockade",
            "Naltrexone blocks opioids: the patient must tell every clinician, dentist and "
            "pharmacist, carry a card, and avoid opioid pain, cough and antidiarrhoeal "
            "medicines (codeine, hydrocodone, Lomotil).",
            _(
                "LDN blocks opioid medicines. Do not take opioid pain pills, cough syrups with "
                "codeine or hydrocodone, or diarrhoea pills like Lomotil. Tell every doctor, "
                "dentist and pharmacist that you take LDN, and carry the wallet card."
            ),
            source("label_opioid_products"),
        ),
        CounsellingPoint(
            "emergency",
            "In an emergency, opioids may not work as expected. The label's plan for blocked "
            "patients: regional anaesthesia, non-opioid pain relief, sedation or general "
            "anaesthesia; if opioids are needed, higher doses with close monitoring. (The "
            "label is written for 50 mg doses.)",
            _(
                "In an emergency, opioid pain medicines may not work as usual. Show the wallet "
                "card so the team can choose other pain relief or watch you closely."
            ),
            source("label_emergency_pain"),
        ),
        CounsellingPoint(
            "surgery",
            f"Stop LDN {hold} days before planned surgery and tell the surgeon and "
            "anaesthetist; restart once off opioid pain medicines.",
            lang.ngettext(
                "If you have an operation planned, stop LDN %(days)s day before it. Tell the "
                "surgeon and the anaesthetist. Start again only when you no longer need opioid "
                "pain medicine.",
                "If you have an operation planned, stop LDN %(days)s days before it. Tell the "
                "surgeon and the anaesthetist. Start again only when you no longer need opioid "
                "pain medicine.",
                hold,
            )
            % {"days": hold},
            source("surgery_moser"),
        ),
        CounsellingPoint(
            "do_not_override",
            "The blockade can be overcome, which is dangerous: large opioid doses taken to "
            "override it can cause coma or death.",
            _(
                "Never take extra opioids to try to get past the block. It can cause a coma or "
                "death."
            ),
            source("label_surmountable"),
        ),
        CounsellingPoint(
            "tolerance",
            "After naltrexone stops, opioid tolerance is lower: a previously tolerated dose can "
            "cause a fatal overdose. The patient should tell family.",
            _(
                "After you stop LDN, your body may react more strongly to opioids. A dose that "
                "was once safe could cause an overdose. Tell your family about this."
            ),
            source("label_overdose"),
        ),
        CounsellingPoint(
            "timing",
            DOSE_TIMING,
            _(
                "Take LDN once a day at bedtime. If dreams keep you awake, take it in the "
                "morning instead."
            ),
            source("policy_dose_timing"),
        ),
    )


URGENT_HELP_PATIENT = (
    N_(
        "Yellow skin or eyes, dark urine, or pain in the upper right side of your belly: these "
        "can be signs of liver trouble."
    ),
    N_(
        "Feeling suddenly and badly unwell soon after a dose, if you have taken any opioid: "
        "this can be opioid withdrawal."
    ),
    N_("A new rash, or any other reaction that worries you."),
)
