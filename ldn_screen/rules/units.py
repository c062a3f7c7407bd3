"""How doses, volumes and dates are written, everywhere the product prints them."""

from __future__ import annotations

import datetime as dt
import functools
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


def fmt_ml(volume_ml: float) -> str:
    return f"{volume_ml:g} mL"


@functools.lru_cache(maxsize=4096)  # a summary prints a dozen dates, mostly the same ones
def fmt_date(day: dt.date) -> str:
    """Unambiguous in any locale: 'Mon 7 Dec 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def volume_ml(dose_mg: float, mg_per_ml: float) -> float:
    # Oral syringes are read to 0.1 mL at best; two decimals keeps 0.25 mg at 5 mg/mL exact.
    return round(dose_mg / mg_per_ml, 2)
