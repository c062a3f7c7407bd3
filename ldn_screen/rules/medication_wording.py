"""How the summary and the chart note name what the medication list reader found.

Each line's reading is named here once: its kind ("Opioid, in use"), its opioid category,
the ingredients found and why it was read so. The summary's table and the chart note print
these words; the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .decision import medication_reading_needs_attention
from .medications import LineKind, LineReading, MedicationReading, OpioidCategory
from .units import fmt_count

CATEGORY_LABELS: dict[OpioidCategory, str] = {
    OpioidCategory.SHORT_ACTING: "short-acting",
    OpioidCategory.LONG_ACTING: "long-acting",
    OpioidCategory.METHADONE: "methadone",
    OpioidCategory.BUPRENORPHINE: "buprenorphine",
    OpioidCategory.DEPOT_BUPRENORPHINE: "depot buprenorphine",
    OpioidCategory.ANTITUSSIVE: "opioid cough product",
    OpioidCategory.ANTIDIARRHOEAL: "opioid antidiarrhoeal",
    OpioidCategory.UNKNOWN: "opioid, product not named",
}

LINE_KIND_LABELS: dict[LineKind, str] = {
    LineKind.OPIOID: "Opioid, in use",
    LineKind.OPIOID_LIKE: "Opioid-like substance",
    LineKind.NALTREXONE: "Naltrexone product",
    LineKind.MEDICINE: "Other medicine",
    LineKind.ALLERGY: "Allergy or intolerance",
    LineKind.STOPPED: "Stopped or past",
    LineKind.NOT_A_MEDICINE: "Not a medicine",
    LineKind.UNRECOGNISED: "Not recognised",
}

# Lines whose text the summary marks: an opioid, or a line nobody could read.
_MARKED_KINDS = frozenset({LineKind.OPIOID, LineKind.OPIOID_LIKE, LineKind.UNRECOGNISED})
CONFIRMED_NOTE = " (confirmed by the clinician)"


def describe_line(reading: LineReading) -> str:
    """'line 3: tramadol 50 mg bid (long-acting: twice-daily schedule ...)'."""
    return f"line {reading.line_no}: {reading.text} ({reading.why})"


def read_as_detail(reading: LineReading) -> str:
    """What follows the kind: ': long-acting (oxycodone)'. An allergy names no category (it
    is not taken), and a plain medicine lists no ingredients (they are not opioids)."""
    category = (
        f": {CATEGORY_LABELS[reading.category]}"
        if reading.category and reading.kind is not LineKind.ALLERGY
        else ""
    )
    ingredients = (
        f" ({', '.join(reading.ingredients)})"
        if reading.ingredients and reading.kind is not LineKind.MEDICINE
        else ""
    )
    return category + ingredients


def read_as(reading: LineReading) -> str:
    """'Opioid, in use: long-acting (oxycodone)'."""
    return LINE_KIND_LABELS[reading.kind] + read_as_detail(reading)


@dataclass(frozen=True, slots=True)
class MedicationRow:
    line_no: int
    text: str
    kind: str  # the LineKind value, for the row's CSS class
    marked: bool  # the text is highlighted
    kind_label: str  # printed in bold
    detail: str
    why: str


@dataclass(frozen=True, slots=True)
class MedicationTable:
    """The summary's medication reading, worded: rows, counts and the confirm form's text."""

    rows: tuple[MedicationRow, ...]
    open: bool  # shown open rather than folded (medication_reading_needs_attention)
    count_text: str  # '3 lines read'
    unread_text: str  # '1 could not be read', or empty
    unread_check: str  # ': check it', or empty
    to_confirm: tuple[str, ...]  # unread lines that may be medicines, as written
    confirm_text: str
    confirm_button: str
    fold_label: str


def medication_table(reading: MedicationReading) -> MedicationTable:
    lines = reading.sorted_for_display()
    unread = reading.unrecognised
    to_confirm = tuple(r.text for r in unread if r.blocks_eligibility)
    one = len(to_confirm) == 1
    rows = tuple(
        MedicationRow(
            line_no=r.line_no,
            text=r.text,
            kind=r.kind.value,
            marked=r.kind in _MARKED_KINDS,
            kind_label=LINE_KIND_LABELS[r.kind],
            detail=read_as_detail(r),
            why=r.why + (CONFIRMED_NOTE if r.confirmed else ""),
        )
        for r in lines
    )
    checked = (
        "this line and it is not" if one else f"these {len(to_confirm)} lines and none of them is"
    )
    return MedicationTable(
        rows=rows,
        open=medication_reading_needs_attention(reading),
        count_text=f"{fmt_count(len(lines), 'line')} read",
        unread_text=f"{len(unread)} could not be read" if unread else "",
        unread_check=f": check {'it' if len(unread) == 1 else 'them'}" if unread else "",
        to_confirm=to_confirm,
        confirm_text=f"If you have checked {checked} an opioid, confirm it: the result is "
        "worked out again and the chart note records your confirmation.",
        confirm_button="Confirm: this line is not an opioid"
        if one
        else "Confirm: these lines are not opioids",
        fold_label=f"Show the {fmt_count(len(lines), 'line')} as read",
    )
