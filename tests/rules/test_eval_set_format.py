"""Format checks for the hand-written medication-line evaluation set and the typical lists.

These only check that the data files are well formed and big enough; scoring the reader
against them is done elsewhere.
"""

from tests.eval_set_format import (
    DATA,
    assert_counts,
    assert_rows_complete,
    assert_typical_lists,
    comments,
    duplicate_lines,
    rows,
)

EVAL_CSV = DATA / "medication_lines_eval.csv"
TYPICAL_LISTS = DATA / "typical_fibromyalgia_lists.txt"

# Minimum rows per label (issue 11, section 4, and the brief for the set).
MINIMUMS = {
    "opioid_long": 60,
    "opioid_maintenance": 20,
    "non_opioid": 220,
    "allergy": 60,
    "stopped_old": 20,
    "stopped_unclear": 20,
    "negated": 10,
}
MIN_TOTAL = 550
MIN_OPIOID_ANY = 180


def test_header_records_provenance_and_screening_date() -> None:
    header = comments(EVAL_CSV)
    assert "2026-12-01" in header
    assert "written for this project" in header.lower()


def test_every_row_is_complete_and_labelled() -> None:
    assert_rows_complete(rows(EVAL_CSV))


def test_counts_meet_minimums() -> None:
    assert_counts(rows(EVAL_CSV), MINIMUMS, MIN_TOTAL, MIN_OPIOID_ANY)


def test_no_duplicate_lines() -> None:
    assert duplicate_lines(rows(EVAL_CSV)) == []


def test_typical_lists_shape() -> None:
    assert_typical_lists(TYPICAL_LISTS, 40)
