"""Rule tables for the 2016 fibromyalgia criteria: every WPI/SSS boundary, generalized pain."""

from __future__ import annotations

import dataclasses

import pytest

from ldn_screen.rules.diagnosis import (
    NOT_COUNTED_FOR_GENERALIZED_PAIN,
    REGIONS,
    Acr2016Answers,
    Region,
    check_acr_2016,
    regions_for_generalized_pain,
    severity_criterion,
)
from ldn_screen.rules.diagnosis import WpiArea as A

# Areas in an order that covers 4 regions with the first 4, then fills up to 19, so a WPI
# count can be tested on its own with generalized pain already satisfied.
ORDERED = (
    A.SHOULDER_LEFT,
    A.SHOULDER_RIGHT,
    A.HIP_LEFT,
    A.HIP_RIGHT,
    A.NECK,
    A.UPPER_BACK,
    A.LOWER_BACK,
    A.UPPER_ARM_LEFT,
    A.UPPER_ARM_RIGHT,
    A.LOWER_ARM_LEFT,
    A.LOWER_ARM_RIGHT,
    A.UPPER_LEG_LEFT,
    A.UPPER_LEG_RIGHT,
    A.LOWER_LEG_LEFT,
    A.LOWER_LEG_RIGHT,
    A.JAW_LEFT,
    A.JAW_RIGHT,
    A.CHEST,
    A.ABDOMEN,
)


def criteria(wpi: int = 7, sss: int = 5, months: bool = True) -> Acr2016Answers:
    """Answers with the given WPI and SSS; the SSS fills part A (max 9) before part B."""
    assert 0 <= sss <= 12
    part_a = [min(3, max(0, sss - 3 * i)) for i in range(3)]
    part_b = [sss - 9 > i for i in range(3)]
    return Acr2016Answers(
        painful_areas=frozenset(ORDERED[:wpi]),
        fatigue=part_a[0],
        waking_unrefreshed=part_a[1],
        cognitive_symptoms=part_a[2],
        headaches=part_b[0],
        lower_abdominal_pain_or_cramps=part_b[1],
        depression=part_b[2],
        symptoms_at_least_3_months=months,
    )


def test_the_index_has_19_areas_in_5_regions() -> None:
    sizes = {region: len(areas) for region, areas in REGIONS.items()}
    assert sizes == {
        Region.LEFT_UPPER: 4,
        Region.RIGHT_UPPER: 4,
        Region.LEFT_LOWER: 3,
        Region.RIGHT_LOWER: 3,
        Region.AXIAL: 5,
    }
    every = [area for areas in REGIONS.values() for area in areas]
    assert sorted(every) == sorted(A) and len(set(every)) == 19
    assert sorted(ORDERED) == sorted(A)


# --- Criterion 1: WPI >= 7 and SSS >= 5, or WPI 4-6 and SSS >= 9 --------------------------

SEVERITY_TABLE = [
    # (wpi, sss, met)
    (7, 5, True),  # the lower corner of the first rule
    (7, 4, False),
    (19, 12, True),
    (8, 5, True),
    (6, 9, True),  # the second rule: WPI 4-6 needs SSS 9
    (6, 8, False),
    (5, 9, True),
    (4, 9, True),  # the lower edge of 4-6
    (4, 8, False),
    (4, 12, True),
    (3, 12, False),  # the 2010 criteria allowed WPI 3-6; the 2016 revision does not
    (3, 9, False),
    (0, 12, False),
    (7, 12, True),
    (6, 5, False),  # WPI 6 with SSS 5 meets neither rule
]


@pytest.mark.parametrize(("wpi", "sss", "met"), SEVERITY_TABLE)
def test_severity_criterion_boundaries(wpi: int, sss: int, met: bool) -> None:
    assert severity_criterion(wpi, sss) is met
    result = check_acr_2016(criteria(wpi, sss))
    assert (result.wpi, result.sss) == (wpi, sss)
    assert result.severity_met is met
    # With 4 regions and 3 months given, criterion 1 decides; WPI under 4 cannot reach 4 regions.
    assert result.met is (met and wpi >= 4)


@pytest.mark.parametrize(
    ("wpi", "sss", "text"),
    [
        (7, 5, "Criterion 1 met: WPI 7 (7 or more) with SSS 5 (5 or more)"),
        (4, 9, "Criterion 1 met: WPI 4 (4 to 6) with SSS 9 (9 or more)"),
        (7, 4, "Criterion 1 not met: with WPI 7, SSS must be 5 or more, and it is 4"),
        (5, 8, "Criterion 1 not met: with WPI 5, SSS must be 9 or more, and it is 8"),
        (3, 12, "Criterion 1 not met: WPI 3 is below 4"),
    ],
)
def test_the_deciding_rule_is_spelled_out(wpi: int, sss: int, text: str) -> None:
    assert check_acr_2016(criteria(wpi, sss)).deciding_rule.startswith(text)


# --- The SSS arithmetic ----------------------------------------------------------------------


def test_sss_adds_part_a_0_to_9_and_part_b_0_to_3() -> None:
    answers = Acr2016Answers(
        painful_areas=frozenset(ORDERED[:7]),
        fatigue=3,
        waking_unrefreshed=2,
        cognitive_symptoms=1,
        headaches=True,
        lower_abdominal_pain_or_cramps=False,
        depression=True,
        symptoms_at_least_3_months=True,
    )
    result = check_acr_2016(answers)
    assert (result.sss_part_a, result.sss_part_b, result.sss) == (6, 2, 8)
    assert check_acr_2016(criteria(19, 12)).sss == 12
    assert check_acr_2016(criteria(19, 0)).sss == 0


@pytest.mark.parametrize("score", [-1, 4])
def test_part_a_items_must_be_0_to_3(score: int) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(criteria(), fatigue=score)


# --- Criterion 2: generalized pain; jaw, chest and abdomen do not count ----------------------

GENERALIZED_TABLE = [
    # (areas, regions counted)
    ({A.SHOULDER_LEFT, A.SHOULDER_RIGHT, A.HIP_LEFT, A.HIP_RIGHT}, 4),
    ({A.SHOULDER_LEFT, A.SHOULDER_RIGHT, A.HIP_LEFT, A.NECK}, 4),
    ({A.SHOULDER_LEFT, A.SHOULDER_RIGHT, A.HIP_LEFT}, 3),
    # Jaw pain alone does not put pain in an upper region.
    ({A.JAW_LEFT, A.JAW_RIGHT, A.HIP_LEFT, A.HIP_RIGHT}, 2),
    # Chest and abdomen alone do not put pain in the axial region.
    ({A.CHEST, A.ABDOMEN, A.SHOULDER_LEFT, A.SHOULDER_RIGHT, A.HIP_LEFT}, 3),
    ({A.CHEST, A.LOWER_BACK, A.SHOULDER_LEFT, A.SHOULDER_RIGHT, A.HIP_LEFT}, 4),
    (set(NOT_COUNTED_FOR_GENERALIZED_PAIN), 0),
    (set(A), 5),
]


@pytest.mark.parametrize(("areas", "regions"), GENERALIZED_TABLE)
def test_generalized_pain_leaves_out_jaw_chest_and_abdomen(areas: set[A], regions: int) -> None:
    assert len(regions_for_generalized_pain(frozenset(areas))) == regions
    answers = dataclasses.replace(criteria(19, 12), painful_areas=frozenset(areas))
    result = check_acr_2016(answers)
    assert result.generalized_pain is (regions >= 4)


def test_high_scores_without_generalized_pain_are_not_met() -> None:
    # WPI 7 and SSS 12, but the 7 areas include jaw, chest and abdomen: only 3 regions count.
    areas = frozenset(
        {A.JAW_LEFT, A.JAW_RIGHT, A.CHEST, A.ABDOMEN, A.HIP_LEFT, A.HIP_RIGHT, A.SHOULDER_LEFT}
    )
    result = check_acr_2016(dataclasses.replace(criteria(19, 12), painful_areas=areas))
    assert result.wpi == 7 and result.severity_met
    assert not result.generalized_pain and not result.met
    assert result.deciding_rule == (
        "Criterion 2 not met: pain in 3 of 5 regions, 4 or more needed (jaw, chest and "
        "abdomen not counted)."
    )


# --- Criterion 3: at least 3 months -----------------------------------------------------------


def test_symptoms_under_3_months_are_not_met_and_every_failure_is_named() -> None:
    result = check_acr_2016(criteria(3, 4, months=False))
    assert not result.met
    assert result.deciding_rule == (
        "Criterion 1 not met: WPI 3 is below 4; criterion 2 not met: pain in 3 of 5 regions, "
        "4 or more needed (jaw, chest and abdomen not counted); criterion 3 not met: "
        "symptoms for less than 3 months."
    )


def test_all_three_criteria_are_shown_when_met() -> None:
    result = check_acr_2016(criteria(7, 5))
    assert result.met and result.outcome == "Criteria met"
    assert result.deciding_rule == (
        "Criterion 1 met: WPI 7 (7 or more) with SSS 5 (5 or more); criterion 2 met: pain in "
        "5 of 5 regions (jaw, chest and abdomen not counted); criterion 3 met: symptoms for at "
        "least 3 months."
    )
