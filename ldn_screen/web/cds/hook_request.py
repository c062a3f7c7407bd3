"""Read a CDS Hooks request the way real EHRs send it, and fill in missing prefetch.

Variants handled on purpose (each has a test): ``draftOrders`` as one resource or a list
instead of a Bundle; prefetch entries written batch-style (``{"resource": …}`` or
``{"response": …, "resource": …}``); ``patientId`` as "Patient/123"; a top-level ``user``
(CDS Hooks 1.0) instead of ``context.userId``; a prefetch key that is ``null`` (no data: an
empty result) versus missing (not sent: fetched, or not available); OperationOutcome entries
inside a search Bundle (dropped, and noted); a Bundle with a ``next`` link (the remaining pages
are fetched, or the result counts as incomplete).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...rules.cds_findings import (
    NOTE_FIRST_PAGE,
    NOTE_MORE_PAGES,
    NOTE_NOT_SENT,
    NOTE_OUTCOME,
    NOTE_TIMEOUT,
)
from .fhir_fetch import MAX_PAGES, FetchFailed, FhirClient


class BadHookRequest(Exception):
    """The request cannot be answered; ``status`` is 400 or 412, ``reason`` says why."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class PrefetchResult:
    """A prefetch key's resources, or None when not available (never "none on record")."""

    resources: list[dict[str, Any]] | None
    notes: list[str] = field(default_factory=list)


@dataclass
class HookRequest:
    hook: str
    hook_instance: str
    context: dict[str, Any]
    patient_id: str | None
    prefetch: dict[str, Any]
    fhir_server: str | None
    fhir_authorization: Mapping[str, Any] | None

    def draft_orders(self) -> list[dict[str, Any]]:
        return resources_of(self.context.get("draftOrders"))


_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_MEDICATION_REFERENCE = re.compile(
    r"^Medication/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?$"
)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def named(name: str, what: str) -> str:
    """ "the 'order-sign' hook" for a name shaped like a hook or service id; anything else
    (free text: whatever a caller pasted, a patient's name included) is not repeated."""
    return f"the '{name}' {what}" if _NAME.fullmatch(name) else f"that {what}"


_REFERENCE = re.compile(r"[A-Z][A-Za-z]{0,63}/[A-Za-z0-9\-.]{1,64}")


def shown_reference(reference: Any) -> str:
    """A FHIR reference ("MedicationRequest/o1") as sent, for an error; anything else is not
    repeated (free text where an id belongs could be anything, a patient's name too)."""
    if isinstance(reference, str) and _REFERENCE.fullmatch(reference):
        return reference
    return "(not a FHIR reference)"


def parse(body: Any, served_hooks: tuple[str, ...]) -> HookRequest:
    if not isinstance(body, dict):
        raise BadHookRequest("The request body must be a JSON object.")
    hook = body.get("hook")
    if not isinstance(hook, str) or not hook:
        raise BadHookRequest("'hook' is missing.")
    if hook not in served_hooks:
        raise BadHookRequest(
            f"This service does not answer {named(hook, 'hook')}; it answers "
            + ", ".join(served_hooks)
            + "."
        )
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not instance:
        raise BadHookRequest("'hookInstance' is missing.")
    context = body.get("context")
    if not isinstance(context, dict):
        raise BadHookRequest("'context' is missing or not an object.")
    patient_id = context.get("patientId")
    if patient_id is not None:
        if not isinstance(patient_id, str):
            raise BadHookRequest("'context.patientId' must be a string.")
        patient_id = patient_id.removeprefix("Patient/")
        if not _ID.match(patient_id):
            raise BadHookRequest("'context.patientId' is not a FHIR id.")
        context = {**context, "patientId": patient_id}
    # CDS Hooks 1.0 sent the user at the top level; 2.0 has context.userId. Either is fine:
    # no card depends on the user.
    if "userId" not in context and isinstance(body.get("user"), str):
        context = {**context, "userId": body["user"]}
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise BadHookRequest("'prefetch' must be an object.")
    server = body.get("fhirServer")
    auth = body.get("fhirAuthorization")
    return HookRequest(
        hook=hook,
        hook_instance=instance,
        context=context,
        patient_id=patient_id,
        prefetch=dict(prefetch or {}),
        fhir_server=server if isinstance(server, str) and server else None,
        fhir_authorization=auth if isinstance(auth, Mapping) else None,
    )


def _unwrap(item: Any) -> Any:
    # Batch-style entries: {"resource": {...}} or {"response": {...}, "resource": {...}}.
    if isinstance(item, Mapping) and "resourceType" not in item and "resource" in item:
        return item["resource"]
    return item


def resources_of(value: Any, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """The resources in a Bundle, a list, a batch-style wrapper or a single resource."""
    value = _unwrap(value)
    if value is None:
        return []
    if isinstance(value, list):
        items = value
    elif isinstance(value, Mapping) and value.get("resourceType") == "Bundle":
        items = [e.get("resource") for e in value.get("entry") or () if isinstance(e, Mapping)]
    else:
        items = [value]
    found: list[dict[str, Any]] = []
    for item in items:
        item = _unwrap(item)
        if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
            continue
        if item["resourceType"] == "OperationOutcome":
            if notes is not None:
                notes.append(NOTE_OUTCOME)
            continue
        found.append(item)
    return found


def _next_link(bundle: Any) -> str | None:
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        return None
    for link in bundle.get("link") or ():
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


class Prefetcher:
    """Resolves prefetch keys: from the request, else fetched once within the time budget."""

    def __init__(self, hook_request: HookRequest, budget: float) -> None:
        self.request = hook_request
        self.budget = budget
        self._client: FhirClient | None = None
        self._client_built = False
        self._cache: dict[str, PrefetchResult] = {}

    def client(self) -> FhirClient | None:
        if not self._client_built:
            self._client_built = True
            req = self.request
            try:
                self._client = (
                    FhirClient(
                        req.fhir_server,
                        req.fhir_authorization,
                        self.budget,
                        allow_loopback=_loopback_allowed(),
                    )
                    if req.fhir_server and req.fhir_authorization
                    else None
                )
            except FetchFailed:
                self._client = None
        return self._client

    def get(self, key: str, template: str) -> PrefetchResult:
        if key not in self._cache:
            self._cache[key] = self._resolve(key, template)
        return self._cache[key]

    def _resolve(self, key: str, template: str) -> PrefetchResult:
        notes: list[str] = []
        sent = self.request.prefetch
        value: Any
        if key in sent and not _is_outcome(sent[key]):
            value = sent[key]
            if value is None:  # the EHR says: no data for this query
                return PrefetchResult([], notes)
        else:
            query = self._query(template)
            client = self.client()
            if query is None or client is None:
                return PrefetchResult(None, [NOTE_NOT_SENT])
            try:
                value = client.get(query)
            except FetchFailed:
                return PrefetchResult(None, [NOTE_TIMEOUT])
        resources = resources_of(value, notes)
        link = _next_link(_unwrap(value))
        pages = 1
        while link:
            client = self.client()
            if client is None or pages >= MAX_PAGES:
                notes.append(NOTE_FIRST_PAGE)
                return PrefetchResult(None, notes)
            try:
                page = client.next_page(link)
            except FetchFailed:
                notes.append(NOTE_MORE_PAGES)
                return PrefetchResult(None, notes)
            resources += resources_of(page, notes)
            link = _next_link(page)
            pages += 1
        return PrefetchResult(resources, notes)

    def _query(self, template: str) -> str | None:
        context = self.request.context
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            value = context.get(match.group(1))
            if not isinstance(value, str) or not _ID.match(value.split("/")[-1]):
                missing = True
                return ""
            return value.split("/")[-1]

        query = _TOKEN.sub(fill, template)
        return None if missing else query

    def medication(self, reference: str) -> dict[str, Any] | None:
        """A Medication the orders reference but nobody sent (Epic sends only the display)."""
        client = self.client()
        # Only "Medication/<id>" (or a version of it): never "Medication/../../other" or a
        # query, sent with the EHR's token.
        if client is None or not _MEDICATION_REFERENCE.match(reference):
            return None
        try:
            found = client.get(reference)
        except FetchFailed:
            return None
        return (
            found if isinstance(found, dict) and found.get("resourceType") == "Medication" else None
        )


def _loopback_allowed() -> bool:
    """A fhirServer on this very machine: a local test EHR, never in production."""
    from flask import current_app, has_app_context

    return not has_app_context() or current_app.config.get("LDN_ENV") != "production"


def _is_outcome(value: Any) -> bool:
    value = _unwrap(value)
    return isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome"
