"""Reading and checking the medication evaluation sets' files (tests/data), shared by the
format tests of each set. Nothing here runs the reader, so a format test never scores a set."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

DATA = Path(__file__).with_name("data")
COLUMNS = ["line", "expect", "group", "note"]
# Every label a line may carry (tests/medication_eval.py scores each one).
LABELS = frozenset(
    {
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
)
OPIOID_LABELS = ("opioid", "opioid_long", "opioid_maintenance")
# Words that would put an opioid, an antagonist or kratom into a "typical list without opioids".
LIST_FORBIDDEN = re.compile(
    r"codein|morphin|oxycod|oxycont|hydrocod|fentan|tramad|tapentad|methadon|bupren|"
    r"naltrex|naloxon|kratom|mitragyn|percocet|norco|vicodin|dilaudid|co-codamol|co-dydramol",
    re.IGNORECASE,
)


def normalise(line: str) -> str:
    return " ".join(line.lower().split())


def comments(path: Path) -> str:
    """The file's header: its '#' lines."""
    return "\n".join(ln for ln in path.read_text(encoding="utf-8").splitlines() if ln[:1] == "#")


def rows(path: Path) -> list[dict[str, str]]:
    body = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    reader = csv.DictReader(body)
    assert reader.fieldnames == COLUMNS
    return list(reader)


def list_blocks(path: Path) -> list[list[str]]:
    """The typical lists of a '---'-separated file, each as its non-blank lines."""
    text = path.read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if ln[:1] != "#")
    return [[ln for ln in block.splitlines() if ln.strip()] for block in body.split("\n---\n")]


def assert_rows_complete(table: list[dict[str, str]]) -> None:
    for row in table:
        assert set(row) == set(COLUMNS), row
        assert row["line"].strip() and row["line"] == row["line"].strip(), row
        assert row["expect"] in LABELS, row
        assert row["group"].strip() and " " not in row["group"], row
        assert row["note"].strip(), row


def assert_counts(
    table: list[dict[str, str]], minimums: dict[str, int], total: int, opioid_total: int
) -> None:
    counts = Counter(r["expect"] for r in table)
    assert len(table) >= total
    assert sum(counts[label] for label in OPIOID_LABELS) >= opioid_total
    for label, minimum in minimums.items():
        assert counts[label] >= minimum, (label, counts[label])


def duplicate_lines(table: list[dict[str, str]]) -> list[str]:
    counted = Counter(normalise(r["line"]) for r in table)
    return sorted(line for line, n in counted.items() if n > 1)


def assert_header_comes_first(path: Path) -> None:
    """A data line starting with '#' would silently vanish as a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first_data = next(i for i, ln in enumerate(lines) if ln[:1] != "#")
    assert lines[first_data] == ",".join(COLUMNS)
    assert all(ln[:1] != "#" for ln in lines[first_data:])


def assert_typical_lists(path: Path, count: int, min_lines: int = 6, max_lines: int = 15) -> None:
    """The typical lists: how many, how long, and never an opioid, antagonist or kratom."""
    blocks = list_blocks(path)
    assert len(blocks) == count
    for block in blocks:
        assert min_lines <= len(block) <= max_lines, block
    assert [ln for block in blocks for ln in block if LIST_FORBIDDEN.search(ln)] == []
