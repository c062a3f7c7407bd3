"""Field-by-field differences between two sets of settings values, old → new."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..rules.settings import SETTING_SPECS, SPECS_BY_NAME
from ..rules.units import fmt_amount


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    label: str
    group: str
    old: str
    new: str


def show_value(name: str, value: Any) -> str:
    """A stored value as an admin reads it: '4.5 mg', '14 days', '(blank)'."""
    spec = SPECS_BY_NAME[name]
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value if value.strip() else "(blank)"
    return fmt_amount(value, spec.unit)


def _same(a: Any, b: Any) -> bool:
    # 4 and 4.0 are the same dose; a stored int and a typed float must not show as a change.
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def diff_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Changed settings only, in the order of SETTING_SPECS (the form's order)."""
    return [
        Change(
            spec.name,
            spec.label,
            spec.group,
            show_value(spec.name, old.get(spec.name)),
            show_value(spec.name, new.get(spec.name)),
        )
        for spec in SETTING_SPECS
        if not _same(old.get(spec.name), new.get(spec.name))
    ]
