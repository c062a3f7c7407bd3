"""Fetch what the EHR did not prefetch, from its FHIR server, within a hard time budget.

CDS services should answer in about 500 ms; a sync worker must not wait on a slow EHR. Every
fetch of one hook call shares one deadline (LDN_CDS_FETCH_SECONDS, 0.3 s by default): what is
not back by then is "not available", which the cards report as not checked, never as "no".
Only http(s) servers, only the access token the EHR sent; the token is never logged.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)
MAX_PAGES = 5  # paging beyond this is treated as incomplete
MAX_BYTES = 2 * 1024 * 1024


class FetchFailed(Exception):
    """The resource could not be fetched in time (or at all): treat it as not available."""


class FhirClient:
    def __init__(self, base: str, authorization: Mapping[str, Any] | None, budget: float) -> None:
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise FetchFailed("fhirServer is not an http(s) address")
        self.base = base.rstrip("/")
        self.deadline = time.monotonic() + budget
        token = (authorization or {}).get("access_token")
        kind = (authorization or {}).get("token_type") or "Bearer"
        self.headers = {"Accept": "application/fhir+json, application/json"}
        if isinstance(token, str) and token:
            self.headers["Authorization"] = f"{kind} {token}"

    def _get(self, url: str) -> Any:
        # Imported here: urllib.request brings http.client and ssl, a few MiB that a worker
        # which never fetches (full prefetch, the usual case) need not carry.
        import urllib.error
        import urllib.request

        remaining = self.deadline - time.monotonic()
        if remaining <= 0.005:
            raise FetchFailed("time budget spent")
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310  # nosec B310
        try:
            with urllib.request.urlopen(request, timeout=remaining) as response:  # noqa: S310  # nosec B310
                body = response.read(MAX_BYTES + 1)
        except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
            raise FetchFailed(exc.__class__.__name__) from None
        if time.monotonic() > self.deadline:
            raise FetchFailed("answered after the time budget")
        if len(body) > MAX_BYTES:
            raise FetchFailed("answer too large")
        try:
            return json.loads(body)
        except ValueError:
            raise FetchFailed("answer is not JSON") from None

    def get(self, query: str) -> Any:
        """One read or search (relative to the base, or absolute on the same server)."""
        url = query if query.startswith(self.base + "/") else f"{self.base}/{query.lstrip('/')}"
        return self._get(url)

    def next_page(self, url: str) -> Any:
        # Paging links must stay on the EHR's own server.
        if not url.startswith(self.base + "/") and url != self.base:
            raise FetchFailed("next page is on another server")
        return self._get(url)
