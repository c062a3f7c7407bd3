"""How doses, volumes and dates are written, everywhere the product prints them."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable
from fractions import Fraction


def fmt_mg(dose_mg: float) -> str:
    """4.5 -> '4.5 mg', 3.0 -> '3 mg', 0.25 -> '0.25 mg'."""
    return f"{dose_mg:g} mg"


def fmt_count(count: int | Fraction, unit: str, shown: str | None = None) -> str:
    """'1 day', '3 days', '0 points', '0.7 points': singular only for exactly one.

    ``unit`` is the singular of a regular noun (day, week, point); ``shown`` replaces the
    number as written (a PEG change of 2/3 is shown as '0.7').
    """
    number = str(count) if shown is None else shown
    return f"{number} {unit}" if count == 1 else f"{number} {unit}s"


def fmt_number(number: float) -> str:
    """4.0 -> '4', 0.25 -> '0.25': no trailing zeros."""
    return f"{number:g}"


def fmt_amount(number: float, unit: str) -> str:
    """A setting's value with its unit: '1 day', '14 days', '30%', '1 mg/mL', '4.5 mg'.

    ``unit`` is written as the settings declare it (plural for counted units: 'days').
    """
    if not unit:
        return fmt_number(number)
    if unit == "%":
        return f"{fmt_number(number)}%"
    if unit == "mg/mL":
        return f"{fmt_number(number)} {unit}"
    singular = unit.removesuffix("s") if number == 1 else unit
    return f"{fmt_number(number)} {singular}"


def fmt_ml(volume_ml: float) -> str:
    return f"{volume_ml:g} mL"


@functools.lru_cache(maxsize=4096)  # a summary prints a dozen dates, mostly the same ones
def fmt_date(day: dt.date) -> str:
    """Unambiguous in any locale: 'Mon 7 Dec 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def volume_ml(dose_mg: float, mg_per_ml: float) -> float:
    # Oral syringes are read to 0.1 mL at best; two decimals keeps 0.25 mg at 5 mg/mL exact.
    return round(dose_mg / mg_per_ml, 2)


def fmt_score(value: Fraction) -> str:
    """7 -> '7'; 20/3 -> '6.7' (a PEG mean, to one decimal)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.1f}"


def fmt_pct(value: Fraction, edges: Iterable[int | Fraction] = ()) -> str:
    """A percentage of 0 or more, to one decimal, rounded half up (3/7 -> '42.9%').

    The band is decided on the exact value, so the shown value must stay in the same band:
    rounding that would reach or pass an edge goes back to the nearest tenth inside the band
    (29.96% with an edge at 30 shows '29.9%', never '30%'). Edges are at least 0.1 apart.
    """
    if value < 0:
        raise ValueError("fmt_pct takes a size; the caller says 'less' or 'more'")
    tenths = math.floor(value * 10 + Fraction(1, 2))
    for edge in edges:
        if value < edge <= Fraction(tenths, 10):  # rounded up onto or over the edge
            tenths = math.ceil(Fraction(edge) * 10) - 1
        elif Fraction(tenths, 10) < edge <= value:  # rounded down below it
            tenths = math.ceil(Fraction(edge) * 10)
    if tenths == 0 and value > 0:
        return "under 0.1%"  # a change is never shown as none
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}%"


def fmt_days(days: int) -> str:
    """'11 weeks and 6 days', '12 weeks', '1 day', '0 days'."""
    weeks, rest = divmod(days, 7)
    parts = []
    if weeks:
        parts.append(fmt_count(weeks, "week"))
    if rest or not weeks:
        parts.append(fmt_count(rest, "day"))
    return " and ".join(parts)


def fmt_days_away(days: int) -> str:
    """How far ahead a date is: 'today', 'in 1 day', 'in 2 days'."""
    return "today" if days == 0 else f"in {fmt_count(days, 'day')}"
