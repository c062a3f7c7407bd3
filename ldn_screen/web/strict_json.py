"""JSON as RFC 8259 defines it, for the machine endpoints (CDS Hooks, their feedback, FHIR).

Python's ``json.loads`` also accepts ``NaN``, ``Infinity`` and numbers too large for a float
(``1e309`` becomes infinity); a value like that, read from an order or an observation, would
reach an answer as ``NaN``, which no EHR's JSON parser reads. And it lets a RecursionError
through for JSON nested a few thousand deep, which Flask's ``get_json(silent=True)`` turns
into a 500. ``loads`` raises ValueError for all of these.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large for this service")
    return value


def loads(data: bytes | str) -> Any:
    """The parsed JSON; ValueError for anything RFC 8259 does not allow, absurd nesting
    included."""
    try:
        return json.loads(data, parse_constant=_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("nested too deeply") from None
