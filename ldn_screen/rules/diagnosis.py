"""The 2016 revised fibromyalgia diagnostic criteria (Wolfe et al. 2016), as a pure check.

Criteria, in the order the paper gives them (clinical reference section 4a):
1. WPI >= 7 and SSS >= 5, or WPI 4-6 and SSS >= 9;
2. generalized pain: pain in at least 4 of the 5 regions, where jaw, chest and abdominal
   pain do not count;
3. symptoms generally present for at least 3 months.
The WPI lower band is 4-6 (2016), not the 3-6 of the 2010 preliminary criteria.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class WpiArea(StrEnum):
    JAW_LEFT = "jaw_left"
    SHOULDER_LEFT = "shoulder_left"
    UPPER_ARM_LEFT = "upper_arm_left"
    LOWER_ARM_LEFT = "lower_arm_left"
    JAW_RIGHT = "jaw_right"
    SHOULDER_RIGHT = "shoulder_right"
    UPPER_ARM_RIGHT = "upper_arm_right"
    LOWER_ARM_RIGHT = "lower_arm_right"
    HIP_LEFT = "hip_left"
    UPPER_LEG_LEFT = "upper_leg_left"
    LOWER_LEG_LEFT = "lower_leg_left"
    HIP_RIGHT = "hip_right"
    UPPER_LEG_RIGHT = "upper_leg_right"
    LOWER_LEG_RIGHT = "lower_leg_right"
    NECK = "neck"
    UPPER_BACK = "upper_back"
    LOWER_BACK = "lower_back"
    CHEST = "chest"
    ABDOMEN = "abdomen"


class Region(StrEnum):
    LEFT_UPPER = "left_upper"
    RIGHT_UPPER = "right_upper"
    LEFT_LOWER = "left_lower"
    RIGHT_LOWER = "right_lower"
    AXIAL = "axial"


A = WpiArea

REGIONS: dict[Region, tuple[WpiArea, ...]] = {
    Region.LEFT_UPPER: (A.JAW_LEFT, A.SHOULDER_LEFT, A.UPPER_ARM_LEFT, A.LOWER_ARM_LEFT),
    Region.RIGHT_UPPER: (A.JAW_RIGHT, A.SHOULDER_RIGHT, A.UPPER_ARM_RIGHT, A.LOWER_ARM_RIGHT),
    Region.LEFT_LOWER: (A.HIP_LEFT, A.UPPER_LEG_LEFT, A.LOWER_LEG_LEFT),
    Region.RIGHT_LOWER: (A.HIP_RIGHT, A.UPPER_LEG_RIGHT, A.LOWER_LEG_RIGHT),
    Region.AXIAL: (A.NECK, A.UPPER_BACK, A.LOWER_BACK, A.CHEST, A.ABDOMEN),
}

# Wolfe 2016: "Jaw, chest, and abdominal pain are not included in generalized pain definition."
NOT_COUNTED_FOR_GENERALIZED_PAIN = frozenset({A.JAW_LEFT, A.JAW_RIGHT, A.CHEST, A.ABDOMEN})

REGION_LABELS: dict[Region, str] = {
    Region.LEFT_UPPER: "Left upper region",
    Region.RIGHT_UPPER: "Right upper region",
    Region.LEFT_LOWER: "Left lower region",
    Region.RIGHT_LOWER: "Right lower region",
    Region.AXIAL: "Axial region",
}

AREA_LABELS: dict[WpiArea, str] = {
    A.JAW_LEFT: "Jaw, left",
    A.SHOULDER_LEFT: "Shoulder girdle, left",
    A.UPPER_ARM_LEFT: "Upper arm, left",
    A.LOWER_ARM_LEFT: "Lower arm, left",
    A.JAW_RIGHT: "Jaw, right",
    A.SHOULDER_RIGHT: "Shoulder girdle, right",
    A.UPPER_ARM_RIGHT: "Upper arm, right",
    A.LOWER_ARM_RIGHT: "Lower arm, right",
    A.HIP_LEFT: "Hip (buttock, trochanter), left",
    A.UPPER_LEG_LEFT: "Upper leg, left",
    A.LOWER_LEG_LEFT: "Lower leg, left",
    A.HIP_RIGHT: "Hip (buttock, trochanter), right",
    A.UPPER_LEG_RIGHT: "Upper leg, right",
    A.LOWER_LEG_RIGHT: "Lower leg, right",
    A.NECK: "Neck",
    A.UPPER_BACK: "Upper back",
    A.LOWER_BACK: "Lower back",
    A.CHEST: "Chest",
    A.ABDOMEN: "Abdomen",
}

# SSS part A anchors, for the past week (Wolfe 2016).
SEVERITY_LABELS: tuple[str, ...] = (
    "0: no problem",
    "1: slight or mild problems, generally mild or intermittent",
    "2: moderate, considerable problems, often present and/or at a moderate level",
    "3: severe, pervasive, continuous, life-disturbing problems",
)

GENERALIZED_PAIN_REGIONS = 4
TOTAL_REGIONS = len(REGIONS)


@dataclass(frozen=True, slots=True)
class Acr2016Answers:
    """What the clinician recorded. Part A items are 0-3 over the past week; part B items
    are symptoms the patient was bothered by during the previous 6 months."""

    painful_areas: frozenset[WpiArea]
    fatigue: int
    waking_unrefreshed: int
    cognitive_symptoms: int
    headaches: bool
    lower_abdominal_pain_or_cramps: bool
    depression: bool
    symptoms_at_least_3_months: bool

    def __post_init__(self) -> None:
        for name in ("fatigue", "waking_unrefreshed", "cognitive_symptoms"):
            if not 0 <= getattr(self, name) <= 3:
                raise ValueError(f"{name} must be 0-3")


@dataclass(frozen=True, slots=True)
class DiagnosisResult:
    met: bool
    wpi: int
    sss: int
    sss_part_a: int
    sss_part_b: int
    severity_met: bool  # criterion 1
    regions_counted: tuple[Region, ...]  # regions with pain, jaw/chest/abdomen not counted
    generalized_pain: bool  # criterion 2
    duration_met: bool  # criterion 3
    deciding_rule: str

    @property
    def outcome(self) -> str:
        return "Criteria met" if self.met else "Criteria not met"


def wpi(areas: frozenset[WpiArea]) -> int:
    return len(areas)


def regions_for_generalized_pain(areas: frozenset[WpiArea]) -> tuple[Region, ...]:
    counted = areas - NOT_COUNTED_FOR_GENERALIZED_PAIN
    return tuple(region for region, members in REGIONS.items() if counted & set(members))


def severity_criterion(wpi_score: int, sss_score: int) -> bool:
    """Criterion 1: WPI >= 7 and SSS >= 5, or WPI 4-6 and SSS >= 9."""
    return (wpi_score >= 7 and sss_score >= 5) or (4 <= wpi_score <= 6 and sss_score >= 9)


def _criterion_1(wpi_score: int, sss_score: int, met: bool) -> str:
    if met:
        band = "7 or more" if wpi_score >= 7 else "4 to 6"
        needed = 5 if wpi_score >= 7 else 9
        return f"criterion 1 met: WPI {wpi_score} ({band}) with SSS {sss_score} ({needed} or more)"
    if wpi_score < 4:
        return f"criterion 1 not met: WPI {wpi_score} is below 4"
    needed = 5 if wpi_score >= 7 else 9
    return (
        f"criterion 1 not met: with WPI {wpi_score}, SSS must be {needed} or more, and it "
        f"is {sss_score}"
    )


def _criterion_2(regions: int, met: bool) -> str:
    counted = "jaw, chest and abdomen not counted"
    if met:
        return f"criterion 2 met: pain in {regions} of {TOTAL_REGIONS} regions ({counted})"
    return (
        f"criterion 2 not met: pain in {regions} of {TOTAL_REGIONS} regions, "
        f"{GENERALIZED_PAIN_REGIONS} or more needed ({counted})"
    )


def _criterion_3(met: bool) -> str:
    if met:
        return "criterion 3 met: symptoms for at least 3 months"
    return "criterion 3 not met: symptoms for less than 3 months"


def check_acr_2016(answers: Acr2016Answers) -> DiagnosisResult:
    """Apply the three criteria. Criterion 4 (valid irrespective of other diagnoses) needs
    no input: it is why nothing here asks about other conditions."""
    wpi_score = wpi(answers.painful_areas)
    part_a = answers.fatigue + answers.waking_unrefreshed + answers.cognitive_symptoms
    part_b = sum((answers.headaches, answers.lower_abdominal_pain_or_cramps, answers.depression))
    sss_score = part_a + part_b
    severity = severity_criterion(wpi_score, sss_score)
    regions = regions_for_generalized_pain(answers.painful_areas)
    generalized = len(regions) >= GENERALIZED_PAIN_REGIONS
    duration = answers.symptoms_at_least_3_months
    met = severity and generalized and duration

    texts = [
        (severity, _criterion_1(wpi_score, sss_score, severity)),
        (generalized, _criterion_2(len(regions), generalized)),
        (duration, _criterion_3(duration)),
    ]
    # Met: show all three. Not met: name every criterion that failed, first to last.
    shown = [text for ok, text in texts if met or not ok]
    deciding = "; ".join(shown)
    deciding = deciding[0].upper() + deciding[1:] + "."
    return DiagnosisResult(
        met=met,
        wpi=wpi_score,
        sss=sss_score,
        sss_part_a=part_a,
        sss_part_b=part_b,
        severity_met=severity,
        regions_counted=regions,
        generalized_pain=generalized,
        duration_met=duration,
        deciding_rule=deciding,
    )
