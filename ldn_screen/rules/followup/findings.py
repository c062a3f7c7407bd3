"""Every sentence the follow-up can show: findings, recommendations, verdicts and method notes.

A sibling of ``findings.CATALOGUE``, kept apart so a clinician can review the follow-up's
wording in one file. Rules choose a code and supply the numbers; placeholders are filled
with ``str.format``.
"""

from __future__ import annotations

from ..findings import FindingSpec, finding_from
from ..model import Finding, Severity

S = Severity

FOLLOWUP_CATALOGUE: dict[str, FindingSpec] = {
    # --- Timing and measurement ---------------------------------------------------------
    "fu_too_early": FindingSpec(
        S.INFO,
        "Too early to judge: {on_target} of {review_period} on the target dose. Judge "
        "from {judge_on}.",
        "No guideline says when to judge LDN; the trials judged it after about 12 weeks. "
        "This clinic judges the response after {review_period} on the target dose, so "
        "it can be judged from {judge_on}.",
        "review_point",
    ),
    "fu_too_early_below_target": FindingSpec(
        S.INFO,
        "Too early to judge: the target dose is not reached yet.",
        "No guideline says when to judge LDN; the trials judged it after about 12 weeks. "
        "This clinic judges the response after {review_period} on the target dose. If "
        "the target were reached today, that would be {judge_on} at the earliest.",
        "review_point",
    ),
    "fu_peg_by_analogy": FindingSpec(
        S.INFO,
        "PEG change judged with the IMMPACT pain thresholds, by analogy.",
        "The PEG score is the mean of 3 items (average pain, interference with enjoyment of "
        "life, interference with general activity), each 0 to 10. Krebs 2009 defines no "
        "threshold for change, so the IMMPACT percentages for pain intensity are borrowed.",
        "peg_by_analogy",
    ),
    "fu_baseline_zero": FindingSpec(
        S.REVIEW,
        "Baseline {measure} was 0: a percentage change cannot be worked out.",
        "The IMMPACT bands are a percentage of the baseline, so they cannot be applied to a "
        "baseline of 0, and LDN cannot be judged on pain relief. The {measure} now is "
        "{current}. Review with the prescriber why LDN is taken and how to judge it.",
        "policy_baseline_zero",
    ),
    # --- Safety since the start ---------------------------------------------------------
    "fu_opioid_current": FindingSpec(
        S.STOP,
        "Taking an opioid while on LDN: they must not be taken together. Prescriber review.",
        "The label contraindicates naltrexone in patients receiving opioid analgesics. LDN "
        "blocks opioids, so the opioid may not relieve pain, and trying to overcome the "
        "blockade with more opioid is dangerous. The prescriber decides which treatment "
        "continues.",
        "label_contraindications",
        "Do not take LDN and an opioid medicine together. Talk to the clinic before your "
        "next dose.",
    ),
    "fu_opioid_stopped": FindingSpec(
        S.REVIEW,
        "An opioid was taken since LDN started, now stopped: prescriber review.",
        "LDN blocks opioids, so the opioid may not have worked as expected. Ask what was "
        "taken, when and why, and confirm that none is taken now. Trying to overcome the "
        "blockade with more opioid is dangerous.",
        "label_surmountable",
    ),
    "fu_pregnancy": FindingSpec(
        S.REVIEW,
        "Pregnant or planning pregnancy: prescriber review.",
        "There are no adequate studies of naltrexone in pregnancy; the label advises use only "
        "if the benefit justifies the risk. The fibromyalgia trials excluded pregnancy.",
        "label_pregnancy",
    ),
    "fu_liver_symptoms": FindingSpec(
        S.STOP,
        "Possible symptoms of acute hepatitis: stop LDN, prescriber review now.",
        "Hepatitis and clinically significant liver dysfunction have been reported with "
        "naltrexone, and the label tells patients to seek care if they get symptoms of acute "
        "hepatitis. Clinically apparent liver injury is rare.",
        "label_hepatotoxicity",
    ),
    "fu_surgery_soon": FindingSpec(
        S.REVIEW,
        "Surgery on {surgery_on} ({away}): LDN stops {hold_period} before, so stop it now and "
        "tell the surgical team.",
        "LDN should stop {hold_period} before surgery, from {stop_by}, because anaesthesia and "
        "pain relief afterwards often use opioids, which LDN blocks. That date has come: stop "
        "now, tell the surgeon and anaesthetist, and review with the prescriber.",
        "surgery_moser",
        "Stop taking LDN now. Tell your surgeon and anaesthetist that you take LDN.",
    ),
    "fu_surgery_later": FindingSpec(
        S.CAUTION,
        "Surgery on {surgery_on}: stop LDN by {stop_by} and tell the surgical team.",
        "Stop LDN {hold_period} before the operation (last dose on {last_dose}) and tell the "
        "surgeon and anaesthetist.",
        "surgery_moser",
        "Stop LDN {hold_period} before your operation: take your last dose on {last_dose}. Tell "
        "your surgeon and anaesthetist that you take LDN.",
    ),
    "fu_surgery_restart": FindingSpec(
        S.INFO,
        "After the operation: restart at the same dose only if off opioid painkillers within "
        "2 weeks.",
        "LDN Research Trust (Dickson): restart at the previous dose if the patient is off "
        "painkillers and it has been 2 weeks or less. Otherwise, or while still on opioid "
        "painkillers, wait until off them and titrate again.",
        "surgery_dickson",
    ),
    "fu_unsure": FindingSpec(
        S.REVIEW,
        "Not sure: {question}",
        "The answer to '{question}' is not known. An unknown answer is never treated as 'no'; "
        "confirm it before the plan is continued or changed.",
        "policy_unknown_is_review",
    ),
    # --- Side effects -------------------------------------------------------------------
    "fu_side_effects_mild": FindingSpec(
        S.INFO,
        "Mild or settled: {effects}. No change needed for these.",
        "Side effects can be transient. If they persist, the dose is halved and titrated back "
        "up more slowly.",
        "ldnrt_titration",
    ),
    "fu_side_effects_persistent": FindingSpec(
        S.CAUTION,
        "Troublesome and not settling: {effects}.",
        "If side effects persist, the LDN Research Trust advises halving the dose and "
        "titrating back up more slowly. Vivid dreams or poor sleep may settle when LDN is "
        "taken in the morning instead of at night.",
        "ldnrt_titration",
    ),
    "fu_side_effects_severe": FindingSpec(
        S.REVIEW,
        "Severe: {effects}. Prescriber review.",
        "No source grades severe side effects of LDN, so a severe one goes to the prescriber, "
        "who decides whether to lower the dose or stop. In FINAL, 8% stopped LDN because of "
        "adverse events (6% on placebo).",
        "policy_severe_side_effect",
    ),
    "fu_stopping_tolerance": FindingSpec(
        S.INFO,
        "If LDN stops: warn again that opioids may act more strongly afterwards.",
        "The naltrexone label: patients should be alerted that they may be more sensitive to "
        "opioids, even at lower doses, after naltrexone is stopped, and should tell the people "
        "closest to them.",
        "label_overdose",
        "After you stop LDN, opioid medicines may affect you more strongly, even at low doses. "
        "Tell your family and the people closest to you.",
    ),
}

# One recommendation per follow-up. Its severity shows how much the plan changes.
RECOMMENDATIONS: dict[str, FindingSpec] = {
    "rec_continue": FindingSpec(
        S.INFO,
        "Continue LDN at {dose} a day.",
        "{pct_text} after {on_target} on the target dose is a {band} (IMMPACT). This clinic "
        "counts {responder}% or more as a response.",
        "immpact_2008",
    ),
    "rec_continue_wait": FindingSpec(
        S.INFO,
        "Continue LDN at {dose} a day, and judge the response from {judge_on}.",
        "The patient has been on the target dose for {on_target}; this clinic judges the "
        "response after {review_period} on it.",
        "review_point",
    ),
    "rec_titrate_to_target": FindingSpec(
        S.INFO,
        "Continue, and go up to the target of {target} a day if side effects allow.",
        "The patient takes {dose} a day, below the target. Continue the {schedule} schedule "
        "({step} more every {interval_period}) up to {target} a day while side effects allow. "
        "The response is judged {review_period} after the target is reached.",
        "{schedule_source}",
    ),
    "rec_titrate_to_max": FindingSpec(
        S.CAUTION,
        "{response}: continue, and go up to the maximum of {max_dose} a day if tolerated.",
        "{pct_text} after {on_target} on the target dose is a minimal improvement, below the "
        "{responder}% response threshold. The dose is tolerated and below this clinic's "
        "maximum: a dose-finding study estimated an ED95 of 5.4 mg, and FINAL used 6 mg. Go "
        "up in steps of {step} while tolerated, then judge again {review_period} after "
        "reaching the new dose.",
        "bruun_2020",
    ),
    "rec_morning": FindingSpec(
        S.CAUTION,
        "Take LDN in the morning instead of at night ({effects} not settling).",
        "LDN is usually taken at night, and can be moved to the morning if vivid dreams "
        "disturb sleep. Keep the dose at {dose} a day.",
        "policy_dose_timing",
        "Take your LDN in the morning instead of at bedtime. Keep to the same dose.",
    ),
    "rec_halve": FindingSpec(
        S.CAUTION,
        "Halve the dose to {half} a day, then titrate again slowly ({effects} not settling).",
        "If side effects do not settle, the LDN Research Trust advises halving the dose and "
        "titrating back up more slowly. Go from {dose} to {half} a day, then up again in small "
        "steps (the gentle schedule uses {gentle_step} every {gentle_interval_period}) towards "
        "the previous dose, while tolerated.",
        "ldnrt_titration",
        "Take {half} a day from now. Go up again slowly, as the clinic tells you.",
    ),
    "rec_consider_stopping": FindingSpec(
        S.REVIEW,
        "{response} on the target dose: consider stopping LDN.",
        "{pct_text} after {on_target} on the target dose is below the {responder}% response "
        "threshold{dose_note}. The larger trials (Bested 2023, FINAL 2024, INNOVA) found no "
        "clear benefit over placebo, so no response is a common outcome. Decide with the "
        "patient whether to stop.",
        "negative_trials",
    ),
    # --- Safety first: a stop or review finding replaces any advice about the response -----
    # In SAFETY_ORDER's order, the first that applies is the recommendation.
    "rec_safety_opioid_now": FindingSpec(
        S.STOP,
        "Do not take LDN with the opioid: review with the prescriber before the next dose.",
        "The label contraindicates naltrexone in patients receiving opioid analgesics: LDN and "
        "the opioid must not be taken together, and the prescriber decides which treatment "
        "continues. The response is shown for the prescriber, but no change to the dose is "
        "suggested until then.",
        "label_contraindications",
        "Do not take LDN and an opioid medicine together. Talk to the clinic before your "
        "next dose.",
    ),
    "rec_safety_liver": FindingSpec(
        S.STOP,
        "Stop LDN and review with the prescriber now: possible symptoms of acute hepatitis.",
        "Hepatitis and clinically significant liver dysfunction have been reported with "
        "naltrexone, and the label tells patients to seek care if they get symptoms of acute "
        "hepatitis. This clinic stops LDN until the prescriber has reviewed the symptoms; the "
        "prescriber decides whether it restarts. The response is shown for the prescriber, but "
        "no dose is suggested until then.",
        "policy_followup_safety_first",
        "Stop taking LDN and contact the clinic now about these symptoms.",
    ),
    "rec_safety_surgery_soon": FindingSpec(
        S.STOP,
        "Stop LDN now for surgery on {surgery_on} ({away}); restart only once off opioid "
        "painkillers.",
        "LDN should stop {hold_period} before surgery, from {stop_by}, because anaesthesia and "
        "pain relief afterwards often use opioids, which LDN blocks. That date has come, so "
        "take no more doses, and tell the surgeon and anaesthetist. After the operation, "
        "restart at the previous dose of {dose} a day once off opioid painkillers, if that is "
        "within 2 weeks of stopping; otherwise, or while still on opioid painkillers, wait "
        "until off them and titrate again (LDN Research Trust).",
        "surgery_moser",
        "Stop taking LDN now. Tell your surgeon and anaesthetist that you take LDN. After the "
        "operation, start LDN again only when you no longer need opioid painkillers, as the "
        "clinic tells you.",
    ),
    "rec_safety_pregnancy": FindingSpec(
        S.REVIEW,
        "Pregnant or planning pregnancy: review with the prescriber before LDN continues.",
        "There are no adequate studies of naltrexone in pregnancy; the label advises use only "
        "if the benefit justifies the risk, and the fibromyalgia trials excluded pregnancy. "
        "Whether LDN continues is the prescriber's decision with the patient; no change to the "
        "dose is suggested until then.",
        "label_pregnancy",
    ),
    "rec_safety_opioid_stopped": FindingSpec(
        S.REVIEW,
        "An opioid was taken since LDN started: review with the prescriber before LDN continues.",
        "LDN blocks opioids, so the opioid may not have worked as expected, and trying to "
        "overcome the blockade with more opioid is dangerous. Confirm what was taken, when and "
        "why, and that none is taken now. No change to the dose is suggested until then.",
        "label_surmountable",
    ),
    "rec_safety_unsure": FindingSpec(
        S.REVIEW,
        "Confirm the answers marked 'Not sure' with the prescriber before LDN continues.",
        "Not known: {questions}. An unknown answer is never treated as 'no'; confirm it before "
        "the plan is continued or changed. No change to the dose is suggested until then.",
        "policy_unknown_is_review",
    ),
    "rec_review_baseline_zero": FindingSpec(
        S.REVIEW,
        "Review with the prescriber: the response cannot be measured from a baseline of 0.",
        "With a baseline of 0 there is no pain relief to measure, so this tool cannot suggest "
        "continuing or stopping.",
        "policy_baseline_zero",
    ),
    "rec_review_lowest_dose": FindingSpec(
        S.REVIEW,
        "Review with the prescriber: {effects} not settling at the smallest dose step.",
        "The dose of {dose} a day cannot be halved in steps of {dose_step}. The prescriber "
        "decides whether to continue or stop.",
        "ldnrt_titration",
    ),
}

# Which safety finding decides the recommendation, most urgent first, and its advice.
SAFETY_ORDER: dict[str, str] = {
    "fu_opioid_current": "rec_safety_opioid_now",
    "fu_liver_symptoms": "rec_safety_liver",
    "fu_surgery_soon": "rec_safety_surgery_soon",
    "fu_pregnancy": "rec_safety_pregnancy",
    "fu_opioid_stopped": "rec_safety_opioid_stopped",
    "fu_unsure": "rec_safety_unsure",
}

# Added to the safety advice when more than one safety finding applies.
SAFETY_ALSO_TEXT = "The prescriber also needs to review: {others}."

# Under advice that a stop or review finding makes conditional (baseline 0, severe effects).
CONDITIONAL_TEXT = "Only if the prescriber agrees after reviewing the findings below."

# Under any advice that is not a safety action, when surgery is planned with time to stop first.
SURGERY_LATER_NOTE = (
    "Before surgery on {surgery_on}: last dose on {last_dose}, then stop from {stop_by} "
    "({hold_period} before); restart once off opioid painkillers."
)

# The title says what the safety advice does, then how the pain responded.
SAFETY_TITLE = "Safety finding first; response: {response}"

# The title of the result; judged responses add the IMMPACT band in brackets.
VERDICT_TITLES: dict[str, str] = {
    "too_early": "Too early to judge",
    "responding": "Responding",
    "partial": "Partial response",
    "not_responding": "No meaningful response",
    "cannot_judge": "Response cannot be calculated",
}

# The summary's "Response can be judged" row: now, from a date, or at the earliest.
JUDGE_NOW = "Now (since {judge_on})"
JUDGE_FROM = "From {judge_on}"
JUDGE_EARLIEST = "{review} after the target is reached: {judge_on} at the earliest"
TARGET_NOT_REACHED = "Not yet"
# The PEG has no IMMPACT thresholds of its own (source: peg_by_analogy).
PEG_BAND_NOTE = " (by analogy: PEG)"

BAND_WORDS: dict[str, str] = {
    "substantial": "substantial improvement",
    "moderate": "moderate improvement",
    "minimal": "minimal improvement",
    "none": "no improvement",
    "not_calculable": "not calculable (baseline 0)",
}

METHOD_NAMES: dict[str, str] = {
    "nrs": "Pain intensity, 0 to 10 numeric rating scale (NRS)",
    "peg": "PEG score: mean of 3 items, 0 to 10",
}

METHOD_TEXT: dict[str, str] = {
    "nrs": "Average pain over the past week on a 0 to 10 numeric rating scale. The change is "
    "classified with the IMMPACT thresholds for pain intensity.",
    "peg": "The PEG score is the mean of 3 items: average pain, interference with enjoyment "
    "of life and interference with general activity, each 0 to 10 (Krebs 2009). Krebs 2009 "
    "defines no threshold for change, so the IMMPACT thresholds for pain intensity are used "
    "by analogy.",
}

BANDS_TEXT = (
    "A reduction of {substantial}% or more is a substantial improvement and {moderate}% or "
    "more a moderate one (the response threshold). IMMPACT calls 10-20% minimally important "
    "and names no band between 20% and 30%, so this tool counts every reduction from "
    "{minimal}% up to, but not including, {moderate}% as minimal. Less than {minimal}% is no "
    "improvement."
)

SHEET_RESTART_TEXT = (
    "The counselling sheet restarts a schedule from its starting dose. This one shows the "
    "gentle schedule from {start_dose} a day on {starts_on}, which is not more than half the "
    "current dose. If the prescriber restarts at {half} instead, change the dose on the sheet "
    "by hand."
)

NO_SHEET_TEXT: dict[str, str] = {
    "safety_stop": "LDN stops for now, so there is no new counselling sheet. The prescriber "
    "decides if and how it restarts.",
    "safety_review": "No new counselling sheet until the prescriber has reviewed the safety "
    "findings.",
    "unchanged": "The doses do not change, so the patient's counselling sheet still applies.",
    "above_target": "The counselling sheet shows titration up to the target dose only; write "
    "the steps above {target} on it by hand.",
    "half_below_start": "The counselling sheet can only restart from the gentle schedule's "
    "starting dose ({start_dose}), which is more than half the current dose; write the plan "
    "on it by hand.",
}


def make_followup_finding(code: str, **params: object) -> Finding:
    return finding_from(code, FOLLOWUP_CATALOGUE[code], params)


def make_recommendation(code: str, **params: object) -> Finding:
    return finding_from(code, RECOMMENDATIONS[code], params)
