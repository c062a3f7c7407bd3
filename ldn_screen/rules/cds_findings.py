"""Every sentence the CDS Hooks cards add to the screening's own findings.

A sibling of ``findings.CATALOGUE`` (like the follow-up's), kept apart so a clinician can
review what the EHR alerts say in one file. The cards' summaries, details, suggestion and link
labels are here; the web layer only arranges them into CDS Hooks JSON.
"""

from __future__ import annotations

from .findings import FindingSpec, finding_from
from .model import Finding, Severity

S = Severity

CDS_CATALOGUE: dict[str, FindingSpec] = {
    "cds_screening_not_documented": FindingSpec(
        S.REVIEW,
        "LDN order without a documented screening: complete the screening form.",
        "The record sent with this order could not show: {topics}. An unknown answer is never "
        "read as 'no': complete the LDN screening with the patient before the first dose.",
        "policy_unknown_is_review",
    ),
    "cds_titration": FindingSpec(
        S.INFO,
        "Start low and go up slowly: {schedule} schedule from {start}, proposed.",
        "Proposed titration ({schedule} schedule{reasons}): {steps}. The response is judged "
        "on {review_on}.",
        "{schedule_source}",
    ),
    "cds_opioid_on_ldn": FindingSpec(
        S.REVIEW,
        "Patient takes low-dose naltrexone: this opioid may not relieve pain.",
        "The active medications show {ldn_lines}, and {order} is being ordered. Naltrexone "
        "blocks opioid receptors: the label lists patients receiving opioid analgesics as a "
        "contraindication, and for patients on fully blocking doses who need opioid analgesia "
        "it warns that more opioid than usual may be required, with deeper and longer "
        "respiratory depression. Before planned surgery this clinic stops LDN {hold} days "
        "ahead.",
        "label_emergency_pain",
    ),
    "cds_ldn_not_checked": FindingSpec(
        S.REVIEW,
        "Opioid ordered: whether the patient takes low-dose naltrexone could not be checked.",
        "The active medication list was not available, so low-dose naltrexone was not looked "
        "for. Naltrexone blocks opioid receptors, and the label lists patients receiving "
        "opioid analgesics as a contraindication: ask the patient whether they take LDN.",
        "label_contraindications",
    ),
    "cds_review_due": FindingSpec(
        S.INFO,
        "LDN responder review due on {review_on}.",
        "LDN ({order}) started on {start}. On the standard schedule this clinic judges the "
        "response on {review_on}, after {review_period} on the target dose: a pain score "
        "{responder_pct}% lower than at the start counts as a response.",
        "review_point",
    ),
}

# Labels of the suggestions and links (spec: short, human-readable).
SUGGEST_START = "Start on {start}, the earliest safe date"
SUGGEST_START_ACTION = "Set the order's start date to {start}"
SUGGEST_SCHEDULE = "Use the {schedule} titration ({first} mg, then up every {interval} days)"
SUGGEST_SCHEDULE_ACTION = "Replace the dosage with the {schedule} titration steps"
SUGGEST_SCREENING = "Ask for the LDN screening form to be completed"
SUGGEST_SCREENING_ACTION = "Create a task to complete the LDN screening questionnaire"
SCREENING_TASK_TEXT = "Complete the LDN screening questionnaire before the first dose"
LINK_SCREENING = "Open the LDN screening form"
STEP_TEXT = "{dose} mg at bedtime from {start}"
STEP_LIQUID_TEXT = "{dose} mg ({volume} mL of {strength} mg/mL) at bedtime from {start}"
MATCHED_LINES = "Matched on the record: {lines}."
CHECKED_LINES = "Checked on the record: {lines}."
SETTINGS_LINE = "Settings version {version}."
ORDER_LINE = "Order: {order} ({why})."


# Why a kind of record data is missing or partial, as the screening card lists it.
PREFETCH_NOUNS = {
    "patient": "the patient's details",
    "activeMeds": "active prescriptions",
    "recentMeds": "recent prescriptions",
    "dispenses": "pharmacy dispenses",
    "conditions": "active problems",
    "allergies": "allergies",
    "pregnancy": "pregnancy status",
}
NOTE_NOT_SENT = "not sent, and the EHR gave no FHIR access"
NOTE_TIMEOUT = "could not be fetched from the EHR in time"
NOTE_FIRST_PAGE = "only the first page of results was available"
NOTE_MORE_PAGES = "the further pages of results could not be fetched in time"
NOTE_OUTCOME = "the EHR reported a problem with part of this search"
NOTE_LINE = "{what}: {why}"


def make_cds_finding(code: str, **params: object) -> Finding:
    return finding_from(code, CDS_CATALOGUE[code], params)
