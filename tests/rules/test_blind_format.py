"""Format checks for the blind medication-line set and the blind typical lists.

The blind files are a third evaluation set, scored only once, at the end of the medication-list
work, to report how the reader generalises. To keep it blind these tests only check that the
two files are well formed and big enough: they never run the reader, and they open no other
file under tests/data (so they cannot leak the tuning sets into a failure message either).
"""

import re

from tests.eval_set_format import (
    DATA,
    LABELS,
    assert_counts,
    assert_header_comes_first,
    assert_rows_complete,
    assert_typical_lists,
    comments,
    duplicate_lines,
    list_blocks,
    normalise,
    rows,
)

BLIND_CSV = DATA / "medication_lines_blind.csv"
BLIND_LISTS = DATA / "typical_fibromyalgia_lists_blind.txt"

SCREENING_DATE = "2026-12-01"

# Minimum rows per label, from the brief for the blind set.
MINIMUMS = {
    "opioid_long": 60,
    "opioid_maintenance": 25,
    "non_opioid": 250,
    "allergy": 50,
    "stopped_old": 15,
    "stopped_unclear": 15,
    "negated": 10,
}
MIN_TOTAL = 600
MIN_OPIOID_ANY = 200
LIST_COUNT = 25
LIST_MIN_LINES = 6
LIST_MAX_LINES = 15

# Every market the brief asks for must be represented by at least one group.
MARKET_PREFIXES = ("us_", "uk_", "ie_", "ca_", "au_", "nz_", "za_", "in_")

# Public sources the header must name, one or more per market, and the ISMP list for shorthand.
SOURCES = ("DailyMed", "BNF", "HPRA", "Health Canada", "TGA", "Medsafe", "SAHPRA", "ISMP")

# A negated row must carry one of the negation phrases of the label definition.
_NEGATION = re.compile(r"no codeine|codeine[- ]free|without codeine|w/o codeine", re.IGNORECASE)

# A stopped row must say that the product was stopped, held or is inactive.
_STOP_WORDS = re.compile(
    r"stop|discontinu|d/c|cease|inactive|hold|held|suspend|remov|taper|no longer|not taking|"
    r"past medication|hx of|end date",
    re.IGNORECASE,
)


def test_header_records_provenance_date_and_labels() -> None:
    header = comments(BLIND_CSV)
    assert SCREENING_DATE in header
    assert "written for this project" in header.lower()
    for source in SOURCES:
        assert source in header, source
    # Each label is defined in the header, so the file can be read on its own.
    for label in LABELS:
        assert f"# - {label}:" in header, label


def test_header_comment_lines_come_first() -> None:
    assert_header_comes_first(BLIND_CSV)


def test_every_row_is_complete_and_labelled() -> None:
    assert_rows_complete(rows(BLIND_CSV))


def test_counts_meet_minimums() -> None:
    table = rows(BLIND_CSV)
    assert_counts(table, MINIMUMS, MIN_TOTAL, MIN_OPIOID_ANY)
    # The two smaller kinds of line are present too.
    labels = {r["expect"] for r in table}
    assert {"naltrexone", "opioid_like"} <= labels


def test_every_market_is_represented() -> None:
    groups = {r["group"] for r in rows(BLIND_CSV)}
    for prefix in MARKET_PREFIXES:
        assert any(g.startswith(prefix) for g in groups), prefix


def test_no_duplicate_lines() -> None:
    assert duplicate_lines(rows(BLIND_CSV)) == []


def test_negated_rows_carry_a_negation() -> None:
    negated = [r["line"] for r in rows(BLIND_CSV) if r["expect"] == "negated"]
    assert negated
    assert [ln for ln in negated if not _NEGATION.search(ln)] == []


def test_stopped_rows_say_they_were_stopped() -> None:
    stopped = [
        r["line"] for r in rows(BLIND_CSV) if r["expect"] in {"stopped_old", "stopped_unclear"}
    ]
    assert stopped
    assert [ln for ln in stopped if not _STOP_WORDS.search(ln)] == []


def test_typical_lists_header() -> None:
    header = comments(BLIND_LISTS)
    assert SCREENING_DATE in header
    assert "written for this project" in header.lower()
    assert "provenance" in header.lower()


def test_typical_lists_shape() -> None:
    assert_typical_lists(BLIND_LISTS, LIST_COUNT, LIST_MIN_LINES, LIST_MAX_LINES)


def test_typical_lists_have_no_repeated_list() -> None:
    keys = [tuple(normalise(ln) for ln in block) for block in list_blocks(BLIND_LISTS)]
    assert len(set(keys)) == len(keys)
