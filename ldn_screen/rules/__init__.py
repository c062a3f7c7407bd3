"""Clinical rules for LDN screening. Standard library only: no web or database imports.

Read ``engine.screen`` first; each rule lives in a module named after what it checks.
"""

from .engine import screen, verdict_for
from .medications import (
    Certainty,
    LineKind,
    LineReading,
    MatchKind,
    MedicationReading,
    OpioidCategory,
    read_medication_list,
)
from .model import (
    Answer,
    Check,
    CounsellingPoint,
    DosePlan,
    DoseStep,
    Finding,
    Formulation,
    OpioidType,
    OpioidUse,
    PatientAnswers,
    Schedule,
    ScreeningResult,
    Severity,
    SideEffect,
    Verdict,
)
from .settings import DEFAULT_SETTINGS, SETTING_SPECS, RuleSettings, SettingsError, SettingSpec
from .sources import SOURCES, Source

__all__ = [
    "DEFAULT_SETTINGS",
    "SETTING_SPECS",
    "SOURCES",
    "Answer",
    "Certainty",
    "Check",
    "CounsellingPoint",
    "DosePlan",
    "DoseStep",
    "Finding",
    "Formulation",
    "LineKind",
    "LineReading",
    "MatchKind",
    "MedicationReading",
    "OpioidCategory",
    "OpioidType",
    "OpioidUse",
    "PatientAnswers",
    "RuleSettings",
    "Schedule",
    "ScreeningResult",
    "SettingSpec",
    "SettingsError",
    "Severity",
    "SideEffect",
    "Source",
    "Verdict",
    "read_medication_list",
    "screen",
    "verdict_for",
]
