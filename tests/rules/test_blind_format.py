"""Format checks for the blind medication-line set and the blind typical lists.

The blind files are a third evaluation set, scored only once, at the end of the medication-list
work, to report how the reader generalises. To keep it blind these tests only check that the
two files are well formed and big enough: they never run the reader, and they open no other
file under tests/data (so they cannot leak the tuning sets into a failure message either).
"""

import csv
import re
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
BLIND_CSV = DATA / "medication_lines_blind.csv"
BLIND_LISTS = DATA / "typical_fibromyalgia_lists_blind.txt"

SCREENING_DATE = "2026-12-01"

ALLOWED = {
    "opioid",
    "opioid_long",
    "opioid_maintenance",
    "naltrexone",
    "opioid_like",
    "non_opioid",
    "allergy",
    "stopped_old",
    "stopped_unclear",
    "negated",
}

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

# Words that would put an opioid, an antagonist or kratom into a "typical list without opioids".
_LIST_FORBIDDEN = re.compile(
    r"codein|morphin|oxycod|oxycont|hydrocod|fentan|tramad|tapentad|methadon|bupren|"
    r"naltrex|naloxon|kratom|mitragyn|percocet|norco|vicodin|dilaudid|co-codamol|co-dydramol",
    re.IGNORECASE,
)

# A negated row must carry one of the negation phrases of the label definition.
_NEGATION = re.compile(r"no codeine|codeine[- ]free|without codeine|w/o codeine", re.IGNORECASE)

# A stopped row must say that the product was stopped, held or is inactive.
_STOP_WORDS = re.compile(
    r"stop|discontinu|d/c|cease|inactive|hold|held|suspend|remov|taper|no longer|not taking|"
    r"past medication|hx of|end date",
    re.IGNORECASE,
)


def _normalise(line: str) -> str:
    return " ".join(line.lower().split())


def _comments(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(ln for ln in lines if ln.startswith("#"))


def _rows() -> list[dict[str, str]]:
    text = BLIND_CSV.read_text(encoding="utf-8")
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    reader = csv.DictReader(body)
    assert reader.fieldnames == ["line", "expect", "group", "note"]
    return list(reader)


def _blocks() -> list[list[str]]:
    text = BLIND_LISTS.read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return [[ln for ln in block.splitlines() if ln.strip()] for block in body.split("\n---\n")]


def test_header_records_provenance_date_and_labels() -> None:
    header = _comments(BLIND_CSV)
    assert SCREENING_DATE in header
    assert "written for this project" in header.lower()
    for source in SOURCES:
        assert source in header, source
    # Each label is defined in the header, so the file can be read on its own.
    for label in ALLOWED:
        assert f"# - {label}:" in header, label


def test_header_comment_lines_come_first() -> None:
    # A data line starting with "#" would silently vanish as a comment.
    lines = BLIND_CSV.read_text(encoding="utf-8").splitlines()
    first_data = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    assert lines[first_data] == "line,expect,group,note"
    assert all(not ln.startswith("#") for ln in lines[first_data:])


def test_every_row_is_complete_and_labelled() -> None:
    for row in _rows():
        assert set(row) == {"line", "expect", "group", "note"}, row
        assert row["line"].strip(), row
        assert row["line"] == row["line"].strip(), row
        assert row["expect"] in ALLOWED, row
        assert row["group"].strip(), row
        assert " " not in row["group"], row
        assert row["note"].strip(), row


def test_counts_meet_minimums() -> None:
    rows = _rows()
    counts = Counter(r["expect"] for r in rows)
    assert len(rows) >= MIN_TOTAL
    opioid_any = counts["opioid"] + counts["opioid_long"] + counts["opioid_maintenance"]
    assert opioid_any >= MIN_OPIOID_ANY
    for label, minimum in MINIMUMS.items():
        assert counts[label] >= minimum, (label, counts[label])
    # The two smaller kinds of line are present too.
    assert counts["naltrexone"] >= 1
    assert counts["opioid_like"] >= 1


def test_every_market_is_represented() -> None:
    groups = {r["group"] for r in _rows()}
    for prefix in MARKET_PREFIXES:
        assert any(g.startswith(prefix) for g in groups), prefix


def test_no_duplicate_lines() -> None:
    normalised = Counter(_normalise(r["line"]) for r in _rows())
    duplicates = sorted(line for line, n in normalised.items() if n > 1)
    assert duplicates == []


def test_negated_rows_carry_a_negation() -> None:
    negated = [r["line"] for r in _rows() if r["expect"] == "negated"]
    assert negated
    assert [ln for ln in negated if not _NEGATION.search(ln)] == []


def test_stopped_rows_say_they_were_stopped() -> None:
    stopped = [r["line"] for r in _rows() if r["expect"] in {"stopped_old", "stopped_unclear"}]
    assert stopped
    assert [ln for ln in stopped if not _STOP_WORDS.search(ln)] == []


def test_typical_lists_header() -> None:
    header = _comments(BLIND_LISTS)
    assert SCREENING_DATE in header
    assert "written for this project" in header.lower()
    assert "provenance" in header.lower()


def test_typical_lists_shape() -> None:
    blocks = _blocks()
    assert len(blocks) == LIST_COUNT
    for block in blocks:
        assert LIST_MIN_LINES <= len(block) <= LIST_MAX_LINES, block


def test_typical_lists_hold_no_opioid_or_antagonist() -> None:
    offending = [ln for block in _blocks() for ln in block if _LIST_FORBIDDEN.search(ln)]
    assert offending == []


def test_typical_lists_have_no_repeated_list() -> None:
    keys = Counter(tuple(_normalise(ln) for ln in block) for block in _blocks())
    assert [k for k, n in keys.items() if n > 1] == []
