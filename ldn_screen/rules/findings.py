"""The catalogue of findings: every clinician-facing sentence the rules can raise.

Rules choose a code and supply the numbers; the wording lives here only, so a clinician
can review all of it in one file. Placeholders are filled with ``str.format``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Answer, Check, Finding, Severity, SurgeryStop
from .sources import source
from .translation import N_
from .units import fmt_date

# The thyroid finding's sentence for the patient, also printed on the sheet: a msgid of the
# sheet's catalogue, so the months are placeholders (no translation holds a digit).
THYROID_RECHECK_MONTHS = (2, 3)
THYROID_PATIENT = N_(
    "Have your thyroid blood tests checked every %(low)s to %(high)s months while your dose "
    "goes up."
)


def thyroid_patient_text(translated: str = THYROID_PATIENT) -> str:
    """The thyroid sentence (``translated``: THYROID_PATIENT in the sheet's language)."""
    low, high = THYROID_RECHECK_MONTHS
    return translated % {"low": low, "high": high}


SUMMARY_MAX_CHARS = 140


@dataclass(frozen=True, slots=True)
class FindingSpec:
    severity: Severity
    summary: str
    clinician_text: str
    source_key: str
    patient_text: str | None = None


S = Severity

CATALOGUE: dict[str, FindingSpec] = {
    # --- Opioids: the key safety rule -------------------------------------------------
    "opioid_current": FindingSpec(
        S.STOP,
        "Taking an opioid now: naltrexone would block it and can bring on sudden withdrawal.",
        "Naltrexone occupies opioid receptors. In someone taking an opioid it can cancel the "
        "pain relief and set off sudden, severe withdrawal; the label lists current opioid "
        "analgesic use as a contraindication. If the opioid can be tapered and stopped, screen "
        "again once the patient has been opioid-free for {short_days} days after short-acting "
        "products or {long_days} days after long-acting ones, methadone or buprenorphine.",
        "label_contraindications",
        "LDN cannot be started while you take any opioid medicine.",
    ),
    "opioid_dependence": FindingSpec(
        S.STOP,
        "Opioid dependence or maintenance treatment (methadone, buprenorphine): do not start.",
        "The label contraindicates naltrexone in people dependent on opioids, including those "
        "maintained on methadone or buprenorphine. Post-marketing reports describe severe "
        "precipitated withdrawal when patients were switched from agonist to antagonist "
        "treatment. Any change belongs with the team that manages the opioid treatment.",
        "label_contraindications",
    ),
    "opioid_withdrawal": FindingSpec(
        S.STOP,
        "In acute opioid withdrawal: do not start.",
        "Acute opioid withdrawal is a label contraindication; naltrexone can make it much "
        "worse. Reassess once withdrawal has settled and the opioid-free interval is complete.",
        "label_contraindications_items_3_5",
    ),
    "naltrexone_allergy": FindingSpec(
        S.STOP,
        "Hypersensitivity to naltrexone: do not start.",
        "A history of sensitivity to naltrexone or the product's ingredients is a label "
        "contraindication. Consider other treatments for fibromyalgia.",
        "label_contraindications_items_3_5",
    ),
    "hepatic_failure_stop": FindingSpec(
        S.STOP,
        "Acute hepatitis or liver failure: do not start (clinic setting).",
        "Older naltrexone labels list acute hepatitis or liver failure as a contraindication; "
        "the current label (since October 2013) gives a hepatotoxicity warning instead. This "
        "clinic is set to treat it as a stop.",
        "label_hepatic_versions",
    ),
    "opioid_washout": FindingSpec(
        S.WAIT,
        "Opioids stopped recently: earliest start {earliest}.",
        "The last opioid dose was on {last_dose} ({type_label}). The opioid-free interval is "
        "{days} days{type_note}, so the earliest safe start is {earliest}. Starting sooner "
        "risks precipitated withdrawal. The patient must take no opioids before that date.",
        "{washout_source}",
        "Do not take any opioid medicine before {earliest}. Your LDN starts on that day at "
        "the earliest.",
    ),
    "opioid_washout_complete": FindingSpec(
        S.INFO,
        "Opioids stopped {days_since} days before the start: interval of {days} days met.",
        "The last opioid dose was on {last_dose} ({type_label}); by the planned start on "
        "{start} the patient will have been opioid-free for {days_since} days, which meets the "
        "{days}-day interval{type_note}.",
        "{washout_source}",
    ),
    "opioid_depot_buprenorphine": FindingSpec(
        S.REVIEW,
        "Depot or implant buprenorphine: no start date can be computed; prescriber review.",
        "Depot injections and implants (Sublocade, Brixadi, Probuphine) release buprenorphine "
        "for a long time, and the naltrexone label gives no opioid-free interval for them. The "
        "prescriber must decide when, or whether, LDN can start.",
        "label_switching",
    ),
    "opioid_use_unsure": FindingSpec(
        S.REVIEW,
        "Opioid use not known: confirm before starting.",
        "Whether the patient takes, or recently took, an opioid is not known. Naltrexone can "
        "precipitate withdrawal, so confirm opioid use (chart, pharmacy record, patient) first.",
        "policy_unknown_is_review",
    ),
    "opioid_maintenance_in_list": FindingSpec(
        S.STOP,
        "Medication list shows opioid maintenance treatment ({line_ref}): do not start.",
        "The medication list shows {line_detail}. Methadone, or buprenorphine for opioid use "
        "disorder, is maintenance on an opioid agonist or partial agonist, which the label "
        "lists as a contraindication, whatever the answers above say. Any change belongs with "
        "the team that manages the opioid treatment.",
        "label_contraindications",
    ),
    "opioid_in_medication_list": FindingSpec(
        S.REVIEW,
        "Medication list names {certainty_word} opioid ({line_ref}) but the answers "
        "{answer_claim}.",
        "The pasted medication list shows {line_detail}. The answers {answer_claim}. The label "
        "contraindicates naltrexone in patients receiving opioid analgesics, so confirm with "
        "the patient whether this medicine is still taken, and when the last dose was, then "
        "correct the answers and screen again.",
        "label_contraindications",
    ),
    "opioid_list_long_acting": FindingSpec(
        S.CAUTION,
        "Medication list shows a long-acting opioid ({line_ref}): the longer interval applies.",
        "The answers describe a short-acting opioid, but the medication list shows "
        "{line_detail}. The longer opioid-free interval is used to be safe.",
        "label_switching",
    ),
    "opioid_recent_no_date": FindingSpec(
        S.REVIEW,
        "Opioid stopped recently, but no date of the last dose: confirm it before starting.",
        "Without the date of the last opioid dose the opioid-free interval cannot be counted. "
        "Find the date (chart, pharmacy record, patient) and screen again.",
        "policy_unknown_is_review",
    ),
    "opioid_stopped_date_unknown": FindingSpec(
        S.REVIEW,
        "Opioid stopped on a date nobody can confirm: prescriber review.",
        "The answers say the opioid was stopped but the date is not known, and no date was "
        "given since which the patient has certainly taken none. The opioid-free interval "
        "cannot be counted; the prescriber decides when LDN may start.",
        "policy_unknown_is_review",
    ),
    "opioid_stopped_unconfirmed": FindingSpec(
        S.REVIEW,
        "Stopped opioid in the list without a safe date ({line_ref}): confirm the last dose.",
        "The list shows {line_detail}. It says the opioid was stopped, but gives no date, or "
        "a date inside the opioid-free interval. Confirm when the last dose was taken and "
        "answer the opioid questions with that date.",
        "policy_medication_list",
    ),
    "opioid_stopped_history": FindingSpec(
        S.INFO,
        "Medication list shows an opioid stopped long ago ({line_ref}).",
        "The list shows {line_detail}. Its latest possible date is outside the opioid-free "
        "interval, so it does not hold up the start. Check the patient has taken no opioid "
        "since.",
        "policy_medication_list",
    ),
    "opioid_allergy_recorded": FindingSpec(
        S.INFO,
        "Opioid allergy or intolerance recorded: {names}.",
        "The list records an allergy or intolerance, not current use: {line_detail}. It does "
        "not hold up the start. Note it for anyone who may later prescribe pain relief.",
        "policy_medication_list",
    ),
    "opioid_indicator_in_list": FindingSpec(
        S.CAUTION,
        "The list names {names} ({line_ref}), usually prescribed with an opioid: check.",
        "The list shows {line_detail}. Naloxone kits and the medicines for opioid-induced "
        "constipation are not opioids themselves, but they are usually prescribed to people "
        "who take one. Ask whether the patient takes, or recently took, an opioid.",
        "policy_medication_list",
    ),
    "opioid_withdrawal_treatment_in_list": FindingSpec(
        S.CAUTION,
        "The list names {names} ({line_ref}), a treatment for opioid withdrawal: confirm the "
        "last opioid dose.",
        "The list shows {line_detail}. Lofexidine eases the symptoms of stopping an opioid, so "
        "the patient is probably coming off one now, whatever the answers say. Naltrexone taken "
        "too soon after an opioid can bring on sudden withdrawal. Confirm the date of the last "
        "opioid dose and the product, then answer the opioid questions to match.",
        "label_lofexidine",
    ),
    "medication_lines_unrecognised": FindingSpec(
        S.REVIEW,
        "{count} of the medication list could not be read: confirm none is an opioid.",
        "These lines look like medicines, but the tool could not recognise them: "
        "{line_detail}. An opioid the tool cannot read must not pass unnoticed, so the verdict "
        "stays at review until you confirm that none of them is an opioid (or correct them).",
        "policy_medication_list",
    ),
    "medication_lines_unread": FindingSpec(
        S.CAUTION,
        "{count} of the medication list could not be read: check them.",
        "The tool could not read these lines: {line_detail}. They do not look like medicines, "
        "but check that none of them names an opioid.",
        "policy_medication_list",
    ),
    "ultra_low_dose_protocol": FindingSpec(
        S.REVIEW,
        "Takes opioids under a supervised ultra-low-dose protocol: outside what this tool "
        "calculates; prescriber decision.",
        "Ultra-low-dose naltrexone means doses below about 1 microgram a day, more than a "
        "thousand times below the milligram doses this tool plans. The label contraindicates "
        "naltrexone with opioid analgesics and names no such exception. No plan, calendar or "
        "counselling sheet is given: only the supervising prescriber can set these doses.",
        "toljan_2018",
    ),
    "kratom": FindingSpec(
        S.REVIEW,
        "Kratom or another opioid-like substance: review before starting.",
        "Kratom's alkaloids (mitragynine, 7-hydroxymitragynine) act on opioid receptors. Case "
        "reports describe naltrexone-precipitated withdrawal in kratom users, and standard "
        "urine drug screens do not detect it. Ask how much and how recently it was used.",
        "kratom_case_reports",
    ),
    # One finding whether the answer, the medication list or both say so.
    "naltrexone_already": FindingSpec(
        S.REVIEW,
        "Already taking naltrexone ({where}): duplicate therapy.",
        "{evidence} Adding LDN would duplicate naltrexone; Vivitrol is an extended-release "
        "injection and Contrave contains naltrexone. Review the current treatment with its "
        "prescriber.",
        "label_indications",
    ),
    "loperamide": FindingSpec(
        S.INFO,
        "Loperamide in the medication list ({line_ref}): recorded, not a stop.",
        "Loperamide is an opioid antidiarrhoeal. No source was found on whether it matters "
        "with naltrexone, so this clinic records it for the prescriber rather than blocking "
        "the start.",
        "loperamide_peripheral",
    ),
    # --- Other safety questions -------------------------------------------------------
    "pregnancy": FindingSpec(
        S.REVIEW,
        "Pregnant or planning pregnancy: prescriber review.",
        "There are no adequate studies of naltrexone in pregnancy; the label advises use only "
        "if the benefit justifies the risk. The fibromyalgia trials excluded pregnancy.",
        "label_pregnancy",
    ),
    "breastfeeding": FindingSpec(
        S.REVIEW,
        "Breastfeeding: prescriber review (sources disagree).",
        "Naltrexone and its metabolite pass into breast milk. Label wording, seen only in "
        "summaries, asks for a choice between nursing and the drug; LactMed finds excretion "
        "minimal. The trials excluded breastfeeding.",
        "lactation_disagree",
    ),
    "hepatic_failure_review": FindingSpec(
        S.REVIEW,
        "Acute hepatitis or liver failure: prescriber review.",
        "Older naltrexone labels list acute hepatitis or liver failure as a contraindication; "
        "the current label gives a hepatotoxicity warning. This clinic is set to send it to "
        "prescriber review.",
        "label_hepatic_versions",
    ),
    "liver_disease": FindingSpec(
        S.REVIEW,
        "Other liver disease or cirrhosis: prescriber review.",
        "Naltrexone exposure is reported to rise about 5-fold in compensated and 10-fold in "
        "decompensated cirrhosis. The trials excluded liver dysfunction.",
        "label_hepatic_pk",
    ),
    "kidney_impairment": FindingSpec(
        S.REVIEW,
        "Kidney impairment: prescriber review.",
        "The label recommends caution when giving naltrexone to patients with renal impairment.",
        "label_renal",
    ),
    "transplant": FindingSpec(
        S.REVIEW,
        "Organ transplant or immunosuppressants: prescriber review.",
        "LDN resources list transplant with long-term immunosuppression as a contraindication. "
        "The concern is theoretical, with no published human reports; if LDN is used at all, "
        "co-manage with the transplant team.",
        "transplant_note",
    ),
    "naloxone_allergy": FindingSpec(
        S.REVIEW,
        "Reaction to naloxone: prescriber review (cross-sensitivity unknown).",
        "The label says it is not known whether people sensitive to naloxone react to naltrexone.",
        "label_naloxone_cross",
    ),
    # Surgery is judged against the plan (its start and titration), never against today. No
    # patient text gives a last dose unless that dose comes on or after the first one.
    "surgery_before_start": FindingSpec(
        S.CAUTION,
        "Surgery on {surgery_on}, {days} days before the start: opioids given for it would "
        "delay the start.",
        "The operation comes {days} days before the planned start on {start}, outside the "
        "{window}-day review window (clinic setting). Anaesthesia and pain relief after "
        "surgery often use opioids, which LDN blocks; if any are given, LDN can start only "
        "after the opioid-free interval. Screen again after the operation, with the date of "
        "the last opioid dose.",
        "policy_surgery_window",
    ),
    "surgery_near_start": FindingSpec(
        S.REVIEW,
        "Surgery on {surgery_on}, {days} days before the start on {start}: prescriber review.",
        "Anaesthesia and pain relief after surgery often use opioids, which LDN blocks, and "
        "LDN can start only after the opioid-free interval ({short_days} days after "
        "short-acting opioids, {long_days} after long-acting ones). This clinic reviews "
        "surgery up to {window} days before the start: consider a start after recovery, once "
        "the patient has been off opioid pain medicines for that interval.",
        "policy_surgery_window",
    ),
    "surgery_at_start": FindingSpec(
        S.REVIEW,
        "Surgery on {surgery_on}, too soon after the start on {start} to stop LDN in time: "
        "prescriber review.",
        "LDN stops {hold} days before an operation, which here would be from {stop_from}, "
        "before the first dose could be taken. Do not start LDN before the operation: choose "
        "a start after recovery, once off opioid pain medicines.",
        "surgery_moser",
    ),
    "surgery_during_titration": FindingSpec(
        S.REVIEW,
        "Surgery on {surgery_on} falls during the titration (target from {target_on}): "
        "prescriber review.",
        "Anaesthesia and pain relief after surgery often use opioids, which LDN blocks. If the "
        "prescriber keeps this start, LDN stops {hold} days before the operation: last dose "
        "on {last_dose} (step {step}, {dose}), none from {stop_from}, and the steps after "
        "that need new dates. Restart only once off opioid pain medicines, at a dose the "
        "prescriber sets. Consider starting after recovery instead.",
        "surgery_moser",
        "If your prescriber keeps this plan, stop LDN {hold} days before your operation: take "
        "your last dose on {last_dose}. Tell your surgeon and anaesthetist that you take LDN. "
        "Start again only when the clinic tells you.",
    ),
    "surgery_later": FindingSpec(
        S.CAUTION,
        "Surgery planned on {surgery_on}: stop LDN by {stop_by} and tell the surgical team.",
        "The operation comes after the titration, on the {dose} dose. Stop LDN {hold} days "
        "before it (last dose on {last_dose}) and tell the surgeon and anaesthetist. Restart "
        "once off opioid pain medicines.",
        "surgery_moser",
        "Stop LDN {hold} days before your operation: take your last dose on {last_dose}. Tell "
        "your surgeon and anaesthetist that you take LDN.",
    ),
    "under_age": FindingSpec(
        S.REVIEW,
        "Age {age} is under {minimum}: prescriber review.",
        "The fibromyalgia trials of LDN enrolled adults only, so there is no trial evidence "
        "for younger patients.",
        "trial_ages",
    ),
    "unsure_answer": FindingSpec(
        S.REVIEW,
        "Not sure: {question}",
        "The answer to '{question}' is not known. An unknown answer is never treated as 'no'; "
        "confirm it before starting.",
        "policy_unknown_is_review",
    ),
    # An unconfirmed diagnosis is at least as doubtful as unmet 2016 criteria, which already
    # give review by default: the weaker doubt must never get the stronger verdict.
    "diagnosis_not_confirmed": FindingSpec(
        S.REVIEW,
        "Fibromyalgia diagnosis {state}: prescriber review.",
        "The answer to 'diagnosed by a clinician' was '{answer}'. The LDN trials enrolled "
        "people with a confirmed fibromyalgia diagnosis, so their results may not apply. "
        "Confirm the diagnosis, or record why LDN is being tried, before starting.",
        "policy_diagnosis",
    ),
    # --- Cautions and information -----------------------------------------------------
    "diagnosis_not_checked": FindingSpec(
        S.INFO,
        "Diagnosis not checked with the 2016 criteria.",
        "The optional section for the 2016 fibromyalgia criteria was left blank, so the "
        "diagnosis was not checked here. The LDN trials enrolled people who met ACR criteria "
        "(INNOVA the 2016 criteria, FINAL those of 1990).",
        "policy_diagnosis",
    ),
    "diagnosis_criteria_met": FindingSpec(
        S.INFO,
        "2016 fibromyalgia criteria met (WPI {wpi}, SSS {sss}).",
        "{rule} A fibromyalgia diagnosis is valid irrespective of other diagnoses, and does "
        "not exclude other clinically important illnesses (criterion 4).",
        "wolfe_2016",
    ),
    "diagnosis_criteria_not_met_review": FindingSpec(
        S.REVIEW,
        "2016 fibromyalgia criteria not met (WPI {wpi}, SSS {sss}): prescriber review.",
        "{rule} The LDN trials enrolled people who met ACR criteria, so their results may not "
        "apply. This clinic is set to send unmet criteria to prescriber review: confirm the "
        "diagnosis, or record why LDN is being tried.",
        "wolfe_2016",
    ),
    "diagnosis_criteria_not_met_caution": FindingSpec(
        S.CAUTION,
        "2016 fibromyalgia criteria not met (WPI {wpi}, SSS {sss}).",
        "{rule} The LDN trials enrolled people who met ACR criteria, so their results may not "
        "apply. This clinic is set to note unmet criteria as a caution: record why LDN is "
        "being tried.",
        "wolfe_2016",
    ),
    "thyroid": FindingSpec(
        S.CAUTION,
        "Thyroid hormone or Hashimoto's: gentle schedule; recheck thyroid tests every 2-3 months.",
        "LDN practice guidance (not trial evidence) says LDN may lower thyroid autoimmunity, "
        "sometimes quickly, so thyroid hormone doses may need to come down in line with blood "
        "tests. Titrate low and slow and check thyroid tests every 2-3 months while "
        "titrating. Feeling 'flat' or hyperthyroid-like symptoms may mean too much LDN or too "
        "much thyroxine.",
        "ldnrt_thyroid",
        thyroid_patient_text(),
    ),
    "sensitive": FindingSpec(
        S.INFO,
        "Sensitive to medicines: gentle schedule chosen.",
        "The patient reports sensitivity to medicines, so the slower schedule is used.",
        "ldnrt_sensitive",
    ),
}


ANSWER_WORDS: dict[Answer, str] = {Answer.YES: "Yes", Answer.NO: "No", Answer.UNSURE: "Not sure"}

# Why the gentle schedule is used; shown beside the plan ("Gentle schedule (...)").
SCHEDULE_REASON_CHOSEN = "chosen by the clinician"
SCHEDULE_REASON_SENSITIVE = "sensitive to medicines"
SCHEDULE_REASON_THYROID = "thyroid hormone or Hashimoto's"


def schedule_override_text(reasons: tuple[str, ...]) -> str:
    """The verdict-area sentence when answers change a chosen standard schedule to gentle."""
    quoted = " and ".join(f"'{r}'" for r in reasons)
    noun = "answer" if len(reasons) == 1 else "answers"
    return (
        f"Gentle schedule used because of the {noun} {quoted}, although the standard "
        "schedule was chosen."
    )


def schedule_override_answer(chosen_label: str, reasons: tuple[str, ...]) -> str:
    """How "Answers given" shows a chosen schedule that the answers changed."""
    return f"{chosen_label} (changed to gentle: {'; '.join(reasons)})"


# The "What was checked" topic for the structured question about current naltrexone.
NALTREXONE_NOW_TOPIC = "Taking naltrexone now (Revia, Vivitrol, Contrave or LDN)"

# How the answer and the medication list are quoted in "naltrexone_already".
NALTREXONE_WHERE_ANSWER = "answered yes"
NALTREXONE_EVIDENCE_ANSWER: dict[Answer, str] = {
    Answer.YES: "The answers say the patient is taking naltrexone now.",
    Answer.NO: "The answers say the patient is not taking naltrexone, but the medication "
    "list disagrees: confirm with the patient.",
    Answer.UNSURE: "The answers say it is not known whether the patient takes naltrexone.",
}
NALTREXONE_EVIDENCE_LIST = "The medication list shows {line_detail}."


def yes_no_unsure(
    question: str, answer: Answer, code: str, findings: list[Finding], checks: list[Check]
) -> None:
    """'Yes' raises ``code``; 'not sure' raises a review (unknown is never 'no')."""
    if answer is Answer.YES:
        findings.append(make_finding(code))
    elif answer is Answer.UNSURE:
        findings.append(make_finding("unsure_answer", question=question))
    checks.append(Check(question, ANSWER_WORDS[answer]))


def _clip(text: str) -> str:
    # Summaries quote pasted chart lines, which can be long; the full line is in the text.
    if len(text) <= SUMMARY_MAX_CHARS:
        return text
    return text[: SUMMARY_MAX_CHARS - 1].rstrip() + "…"


def make_finding(code: str, **params: object) -> Finding:
    """Build a finding from the catalogue, filling in the rule's numbers and dates."""
    return finding_from(code, CATALOGUE[code], params)


def finding_from(code: str, spec: FindingSpec, params: dict[str, object]) -> Finding:
    """Fill in one catalogue entry; sibling catalogues (the follow-up) build theirs here too."""
    source_key = spec.source_key.format(**params)
    patient = spec.patient_text.format(**params) if spec.patient_text else None
    return Finding(
        code=code,
        severity=spec.severity,
        summary=_clip(spec.summary.format(**params)),
        clinician_text=spec.clinician_text.format(**params),
        source=source(source_key),
        patient_text=patient,
    )


# The plan's wording per verdict (heading, sheet button, chart-note lines) is in wording.py.


def surgery_stop_row(stop: SurgeryStop) -> str:
    """The row that marks the stop for surgery in the summary's titration calendar."""
    if stop.last_dose_on is None:
        return (
            f"Operation on {fmt_date(stop.surgery_on)}: LDN would have to stop from "
            f"{fmt_date(stop.stop_from)}, before the first dose. Choose a start after recovery."
        )
    return (
        f"Stop for surgery: last dose on {fmt_date(stop.last_dose_on)}; no LDN from "
        f"{fmt_date(stop.stop_from)}; operation on {fmt_date(stop.surgery_on)}. Later steps "
        "need new dates: restart once off opioid pain medicines, at the dose the prescriber "
        "sets."
    )
