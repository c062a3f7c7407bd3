"""Clinical rules for LDN screening. Standard library only: no web or database imports.

Read ``engine.screen`` first; each rule lives in a module named after what it checks.
"""

from .engine import screen, verdict_for
from .medications import Certainty, MatchKind, OpioidCategory, OpioidMatch, find_opioids
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
    "MatchKind",
    "OpioidCategory",
    "OpioidMatch",
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
    "find_opioids",
    "screen",
    "verdict_for",
]
