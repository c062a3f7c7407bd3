"""Recognising an order: low-dose naltrexone, other naltrexone products, opioids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.rules.medications import OpioidCategory
from ldn_screen.rules.orders import (
    OrderKind,
    daily_dose_mg,
    instructed_daily_dose_mg,
    read_order,
    rxnorm_codes,
)

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
MAX = DEFAULT_SETTINGS.max_dose_mg


def order(text: str | None = None, code: str | None = None, **extra: Any) -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if text:
        concept["text"] = text
    if code:
        concept["coding"] = [{"system": RX, "code": code}]
    result: dict[str, Any] = {"resourceType": "MedicationRequest", **extra}
    if concept:
        result["medicationCodeableConcept"] = concept
    return result


def dose(value: float, unit: str, frequency: int = 1, period: float = 1, per: str = "d") -> dict:
    return {
        "doseAndRate": [{"doseQuantity": {"value": value, "code": unit}}],
        "timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": per}},
    }


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        (order("naltrexone 4.5 mg capsule"), OrderKind.LDN),
        (order("LDN"), OrderKind.LDN),
        (
            order("naltrexone", dosageInstruction=[{"text": "low dose, 1.5 mg at night"}]),
            OrderKind.LDN,
        ),
        (order("naltrexone HCl powder, compounded"), OrderKind.LDN),
        (order("naltrexone", dosageInstruction=[dose(1.5, "mg")]), OrderKind.LDN),
        (
            order("naltrexone", dosageInstruction=[dose(MAX + 0.5, "mg")]),
            OrderKind.NALTREXONE_OTHER,
        ),
        (order("naltrexone 50 mg tablet"), OrderKind.NALTREXONE_OTHER),
        (order(code="1483744"), OrderKind.NALTREXONE_OTHER),
        (
            order(code="1483744", dosageInstruction=[{"text": "LDN: dissolve 1 tab in 50 mL"}]),
            OrderKind.LDN,
        ),
        (order(code="637213"), OrderKind.NALTREXONE_OTHER),
        (order("Vivitrol 380 mg"), OrderKind.NALTREXONE_OTHER),
        (
            order("naltrexone 380 mg", dosageInstruction=[{"route": {"text": "intramuscular"}}]),
            OrderKind.NALTREXONE_OTHER,
        ),
        (order(code="1551468"), OrderKind.NALTREXONE_OTHER),
        (order("Contrave 8 mg-90 mg ER"), OrderKind.NALTREXONE_OTHER),
        (order("Embeda 20 mg-0.8 mg ER capsule"), OrderKind.OPIOID),
        (order("Troxyca ER 10 mg-1.2 mg"), OrderKind.OPIOID),
        (order(code="863848"), OrderKind.OPIOID),  # Embeda by code (CDC value sets)
        (order("oxycodone 5 mg tablet"), OrderKind.OPIOID),
        (order("lisinopril 10 mg"), OrderKind.OTHER),
        (order(), OrderKind.UNREADABLE),
    ],
)
def test_order_kinds(resource: dict[str, Any], kind: OrderKind) -> None:
    assert read_order(resource, MAX).kind is kind


def test_epic_display_and_referenced_medication_are_read() -> None:
    epic = {"resourceType": "MedicationRequest", "medicationReference": {"display": "LDN 3 MG CAP"}}
    assert read_order(epic, MAX).kind is OrderKind.LDN
    referenced = {
        "resourceType": "MedicationRequest",
        "medicationReference": {"reference": "https://ehr.example/fhir/Medication/m1"},
    }
    medication = {"resourceType": "Medication", "id": "m1", "code": {"text": "naltrexone 1.5 mg"}}
    assert read_order(referenced, MAX, {"Medication/m1": medication}).kind is OrderKind.LDN
    contained = {
        **referenced,
        "medicationReference": {"reference": "#m"},
        "contained": [{**medication, "id": "m"}],
    }
    assert read_order(contained, MAX).kind is OrderKind.LDN


def test_opioid_category_comes_from_the_reader() -> None:
    assert read_order(order("OxyContin 20 mg"), MAX).opioid_category is OpioidCategory.LONG_ACTING


@pytest.mark.parametrize(
    ("texts", "dosage", "mg"),
    [
        ([], dose(1.5, "mg"), 1.5),
        ([], dose(0.75, "mg", frequency=2), 1.5),
        ([], dose(3, "mg", period=2), 1.5),
        (["naltrexone 1.5 mg capsule"], dose(2, "{capsule}"), 3.0),
        (["naltrexone 1 mg/mL oral solution"], dose(4.5, "mL"), 4.5),
        (["naltrexone 1 mg/mL and 2 mg/mL"], dose(4.5, "mL"), None),  # which one: not known
        ([], dose(4500, "ug"), 4.5),
        ([], {"text": "take one"}, None),
    ],
)
def test_daily_dose(texts: list[str], dosage: dict[str, Any], mg: float | None) -> None:
    found = daily_dose_mg({"dosageInstruction": [dosage]}, texts)
    assert found == pytest.approx(mg) if mg is not None else found is None


TABLET = "naltrexone 50 mg tablet"


@pytest.mark.parametrize(
    ("sig", "mg"),
    [
        # A solution made from the 50 mg tablet, as LDN is often prescribed.
        ("Dissolve one tablet in 50 mL of water; take 4.5 mL at bedtime", 4.5),
        ("Dissolve 50 mg tablet in 100 mL distilled water. Take 3 mL nightly", 1.5),
        ("crush 1 tab and mix into 50 mL water, then drink 1.5 mL at night", 1.5),
        ("Dissolve two 50 mg tablets in 100 mL; take 2 mL", 2.0),
        ("mix 1 tablet into 10 mL water, take 1 mL at night", 5.0),
        # A dose written in mg in the instructions.
        ("take 4.5 mg by mouth nightly", 4.5),
        ("1.5mg at bedtime", 1.5),
        ("take 4.5 mg twice daily", 9.0),
        # Not a dose that can be worked out: which figure, or from what.
        ("take 1.5 mg, then 3 mg after a week", None),
        ("dissolve in 50 mL of water and take 4.5 mL", None),  # how much was dissolved?
        ("take 4.5 mL at bedtime", None),
        ("1 tablet daily", None),
    ],
)
def test_a_dose_in_the_instructions(sig: str, mg: float | None) -> None:
    found = instructed_daily_dose_mg([TABLET, "sig: " + sig])
    assert found == pytest.approx(mg) if mg is not None else found is None


@pytest.mark.parametrize(
    ("sig", "kind"),
    [
        ("Dissolve one tablet in 50 mL of water; take 4.5 mL at bedtime", OrderKind.LDN),
        ("take 1.5 mg at bedtime", OrderKind.LDN),
        ("take 50 mg daily", OrderKind.NALTREXONE_OTHER),
        ("mix 1 tablet into 10 mL water, take 1 mL at night", OrderKind.NALTREXONE_OTHER),
        ("take 4.5 mg twice daily", OrderKind.NALTREXONE_OTHER),  # 9 mg a day
    ],
)
def test_the_50_mg_tablet_is_ldn_when_its_instructions_give_a_low_dose(
    sig: str, kind: OrderKind
) -> None:
    reading = read_order(order(TABLET, dosageInstruction=[{"text": sig}]), MAX)
    assert reading.kind is kind
    if kind is OrderKind.LDN:
        assert reading.why.startswith("the instructions give ")
        assert reading.daily_dose_mg is not None and reading.daily_dose_mg <= MAX


def test_a_structured_dose_outranks_the_instructions() -> None:
    resource = order(TABLET, dosageInstruction=[{"text": "take 1.5 mg", **dose(50, "mg")}])
    assert read_order(resource, MAX).kind is OrderKind.NALTREXONE_OTHER


def test_the_maximum_follows_the_setting() -> None:
    resource = order("naltrexone", dosageInstruction=[dose(4.5, "mg")])
    assert read_order(resource, 4.5).kind is OrderKind.LDN
    assert read_order(resource, 3.0).kind is OrderKind.NALTREXONE_OTHER


def test_code_data_names_its_sources_and_matches_the_build() -> None:
    codes = rxnorm_codes()
    assert {s["repository"] for s in codes["sources"]} == {
        "cqframework/opioid-cds-r4",
        "cqframework/ecqm-content-r4-2021",
    }
    assert all(len(s["commit"]) == 40 for s in codes["sources"])
    assert "1049621" in codes["opioid"] and "1483744" in codes["naltrexone"]
    script = Path(__file__).resolve().parents[2] / "scripts" / "build_cds_rxnorm_codes.py"
    assert subprocess.run([sys.executable, str(script), "--check"], check=False).returncode == 0
