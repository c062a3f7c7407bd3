"""Format checks for the held-out medication-line set and the held-out typical lists.

The held-out files are a second, independent evaluation set: they are never used while
tuning the medication-list reader, only to measure how well it generalises. These tests only
check that the files are well formed and big enough; they never run the reader.
"""

import csv
import re
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
HOLDOUT_CSV = DATA / "medication_lines_holdout.csv"
HOLDOUT_LISTS = DATA / "typical_fibromyalgia_lists_holdout.txt"
FIRST_CSV = DATA / "medication_lines_eval.csv"

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

# Words that would put an opioid, naltrexone or kratom into a "typical list without opioids".
_LIST_FORBIDDEN = re.compile(
    r"codein|morphin|oxycod|oxycont|hydrocod|fentan|tramad|tapentad|methadon|bupren|"
    r"naltrex|kratom|mitragyn|percocet|norco|vicodin|dilaudid|co-codamol|co-dydramol",
    re.IGNORECASE,
)


def _normalise(line: str) -> str:
    return " ".join(line.lower().split())


def _comments(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(ln for ln in lines if ln.startswith("#"))


def _rows() -> list[dict[str, str]]:
    text = HOLDOUT_CSV.read_text(encoding="utf-8")
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    reader = csv.DictReader(body)
    assert reader.fieldnames == ["line", "expect", "group", "note"]
    return list(reader)


def _blocks() -> list[list[str]]:
    text = HOLDOUT_LISTS.read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return [[ln for ln in block.splitlines() if ln.strip()] for block in body.split("\n---\n")]


def test_header_records_provenance_and_screening_date() -> None:
    header = _comments(HOLDOUT_CSV)
    assert "2026-12-01" in header
    assert "written for this project" in header.lower()
    # The provenance names the public sources behind each market's products.
    for source in ("DailyMed", "BNF", "HPRA", "Health Canada", "TGA", "Medsafe", "ISMP"):
        assert source in header, source


def test_header_comment_lines_come_first() -> None:
    # A data line starting with "#" would silently vanish as a comment.
    lines = HOLDOUT_CSV.read_text(encoding="utf-8").splitlines()
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


def test_no_duplicate_lines() -> None:
    normalised = Counter(_normalise(r["line"]) for r in _rows())
    duplicates = sorted(line for line, n in normalised.items() if n > 1)
    assert duplicates == []


def test_few_lines_are_shared_with_the_first_set() -> None:
    # Held out means held out: almost no line may also appear, word for word, in the set used
    # while tuning. Generic entries such as "NKDA" may recur, hence a small allowance. Only
    # counts are compared, so a failure does not print lines of the tuning set.
    if not FIRST_CSV.exists():
        return
    body = [
        ln for ln in FIRST_CSV.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")
    ]
    first = {_normalise(r["line"]) for r in csv.DictReader(body)}
    rows = _rows()
    n_shared = sum(1 for r in rows if _normalise(r["line"]) in first)
    n_allowed = len(rows) // 50
    assert n_shared <= n_allowed, "held-out lines also found in the first set"


def test_typical_lists_shape() -> None:
    assert "2026-12-01" in _comments(HOLDOUT_LISTS)
    assert "written for this project" in _comments(HOLDOUT_LISTS).lower()
    blocks = _blocks()
    assert len(blocks) == LIST_COUNT
    for block in blocks:
        assert LIST_MIN_LINES <= len(block) <= LIST_MAX_LINES, block


def test_typical_lists_hold_no_opioid_or_antagonist() -> None:
    offending = [ln for block in _blocks() for ln in block if _LIST_FORBIDDEN.search(ln)]
    assert offending == []
