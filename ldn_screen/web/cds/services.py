"""The services this CDS Hooks endpoint offers, as discovery lists them.

``ldn-order`` and ``opioid-on-ldn`` are each registered for both ``order-select`` and
``order-sign`` under the same id (one discovery entry per hook, the same ``id``), so an EHR that
re-runs a service at signing replaces the cards it showed at selection. ``ldn-review``
(``patient-view``) is listed only when LDN_CDS_REVIEW_SERVICE is on: a card at every chart
opening is the classic cause of alert fatigue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ORDER_HOOKS = ("order-select", "order-sign")
PATIENT_VIEW = "patient-view"

# CDS Hooks 2.0 prefetch templates (no 3.0 date arithmetic: any 2.0 client can fill them).
PATIENT = "Patient/{{context.patientId}}"
PREFETCH_ALL: dict[str, str] = {
    "patient": PATIENT,
    "activeMeds": "MedicationRequest?patient={{context.patientId}}&status=active",
    "recentMeds": "MedicationRequest?patient={{context.patientId}}&_sort=-authoredon&_count=100",
    "dispenses": "MedicationDispense?patient={{context.patientId}}&_sort=-whenhandedover&_count=50",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
    "allergies": "AllergyIntolerance?patient={{context.patientId}}",
    "pregnancy": "Observation?patient={{context.patientId}}&code=http://loinc.org|82810-3"
    "&_sort=-date&_count=1",
}
PREFETCH_MEDS = {k: PREFETCH_ALL[k] for k in ("activeMeds", "dispenses")}
PREFETCH_REVIEW = {k: PREFETCH_ALL[k] for k in ("activeMeds",)}

NEEDS_MEDS = (
    "Needs the patient's MedicationRequests (prefetch or FHIR access); without them the "
    "opioid check is reported as not checked, never as passed."
)


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    hooks: tuple[str, ...]
    title: str
    description: str
    prefetch: dict[str, str]
    usage: str

    def entries(self) -> list[dict[str, Any]]:
        return [
            {
                "hook": hook,
                "id": self.id,
                "title": self.title,
                "description": self.description,
                "prefetch": dict(self.prefetch),
                "usageRequirements": self.usage,
            }
            for hook in self.hooks
        ]


LDN_ORDER = Service(
    id="ldn-order",
    hooks=ORDER_HOOKS,
    title="Low-dose naltrexone order check",
    description=(
        "When low-dose naltrexone is selected or signed: opioids on the record and the "
        "earliest safe start after the opioid-free interval, the titration as an edit to the "
        "draft order, and what the LDN screening still needs."
    ),
    prefetch=PREFETCH_ALL,
    usage=NEEDS_MEDS,
)
OPIOID_ON_LDN = Service(
    id="opioid-on-ldn",
    hooks=ORDER_HOOKS,
    title="Opioid ordered for a patient on low-dose naltrexone",
    description=(
        "When an opioid is selected or signed for a patient whose active medications include "
        "low-dose naltrexone: the opioid may not relieve pain, and LDN's stop before surgery."
    ),
    prefetch=PREFETCH_MEDS,
    usage=NEEDS_MEDS,
)
LDN_REVIEW = Service(
    id="ldn-review",
    hooks=(PATIENT_VIEW,),
    title="LDN responder review due",
    description="On opening the chart: the LDN responder review is due in the next 14 days.",
    prefetch=PREFETCH_REVIEW,
    usage="Needs the patient's active MedicationRequests; quiet when they are not available.",
)

# The review window of ldn-review, as the issue defines the service (a workflow choice).
REVIEW_WINDOW_DAYS = 14


def services(review_enabled: bool) -> tuple[Service, ...]:
    listed = [LDN_ORDER, OPIOID_ON_LDN]
    if review_enabled:
        listed.append(LDN_REVIEW)
    return tuple(listed)


def discovery(review_enabled: bool) -> dict[str, Any]:
    return {"services": [e for s in services(review_enabled) for e in s.entries()]}
