"""The address of a patient sheet for a dose plan, for any page that links to the sheet.

Its own module, so the follow-up (or any other page) links to the sheet without importing the
sheet's blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from ..rules.followup import PlanChange
from ..rules.model import DosePlan


def plan_params(plan: DosePlan | PlanChange, version_number: int) -> dict[str, str]:
    """The plan's non-identifying parameters and the version, as the sheet's address has them.

    The calendar file names its events from these too (web/sheet_calendar.py)."""
    params = {
        "schedule": plan.schedule.value,
        "start": plan.starts_on.isoformat(),
        "formulation": plan.formulation.value,
    }
    if plan.liquid_mg_per_ml:
        params["mg_per_ml"] = f"{plan.liquid_mg_per_ml:g}"
    # Only the operation's date, so the printed calendar can mark the stop before it. The
    # follow-up's plan change has no surgery stop.
    stop = getattr(plan, "surgery_stop", None)
    if stop is not None:
        params["surgery"] = stop.surgery_on.isoformat()
    params["v"] = str(version_number)
    return params


def sheet_url_for(plan: DosePlan | PlanChange | None, version_number: int) -> str | None:
    """The sheet's address for a plan: non-identifying plan parameters and the version only."""
    if plan is None:
        return None
    # Any: url_for's stub types its own flags (_external: bool), so a **str dict cannot match.
    params: dict[str, Any] = plan_params(plan, version_number)
    return url_for("sheet.sheet", **params)
