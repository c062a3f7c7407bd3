"""Format checks for the held-out medication-line set and the held-out typical lists.

The held-out files are a second, independent evaluation set: they are never used while
tuning the medication-list reader, only to measure how well it generalises. These tests only
check that the files are well formed and big enough; they never run the reader.
"""

from tests.eval_set_format import (
    DATA,
    assert_counts,
    assert_header_comes_first,
    assert_rows_complete,
    assert_typical_lists,
    comments,
    duplicate_lines,
    normalise,
    rows,
)

HOLDOUT_CSV = DATA / "medication_lines_holdout.csv"
HOLDOUT_LISTS = DATA / "typical_fibromyalgia_lists_holdout.txt"
FIRST_CSV = DATA / "medication_lines_eval.csv"

# Minimum rows per label, from the brief for the held-out set.
MINIMUMS = {
    "opioid_long": 80,
    "opioid_maintenance": 30,
    "non_opioid": 300,
    "allergy": 60,
    "stopped_old": 20,
    "stopped_unclear": 20,
    "negated": 10,
}
MIN_TOTAL = 700
MIN_OPIOID_ANY = 250
LIST_COUNT = 30
LIST_MIN_LINES = 6
LIST_MAX_LINES = 15


def test_header_records_provenance_and_screening_date() -> None:
    header = comments(HOLDOUT_CSV)
    assert "2026-12-01" in header
    assert "written for this project" in header.lower()
    # The provenance names the public sources behind each market's products.
    for source in ("DailyMed", "BNF", "HPRA", "Health Canada", "TGA", "Medsafe", "ISMP"):
        assert source in header, source


def test_header_comment_lines_come_first() -> None:
    assert_header_comes_first(HOLDOUT_CSV)


def test_every_row_is_complete_and_labelled() -> None:
    assert_rows_complete(rows(HOLDOUT_CSV))


def test_counts_meet_minimums() -> None:
    assert_counts(rows(HOLDOUT_CSV), MINIMUMS, MIN_TOTAL, MIN_OPIOID_ANY)


def test_no_duplicate_lines() -> None:
    assert duplicate_lines(rows(HOLDOUT_CSV)) == []


def test_few_lines_are_shared_with_the_first_set() -> None:
    # Held out means held out: almost no line may also appear, word for word, in the set used
    # while tuning. Generic entries such as "NKDA" may recur, hence a small allowance. Only
    # counts are compared, so a failure does not print lines of the tuning set.
    first = {normalise(r["line"]) for r in rows(FIRST_CSV)}
    table = rows(HOLDOUT_CSV)
    n_shared = sum(1 for r in table if normalise(r["line"]) in first)
    n_allowed = len(table) // 50
    assert n_shared <= n_allowed, "held-out lines also found in the first set"


def test_typical_lists_shape() -> None:
    assert "2026-12-01" in comments(HOLDOUT_LISTS)
    assert "written for this project" in comments(HOLDOUT_LISTS).lower()
    assert_typical_lists(HOLDOUT_LISTS, LIST_COUNT, LIST_MIN_LINES, LIST_MAX_LINES)
