"""The hazard log (docs/safety/hazard-log.md) names only tests that exist, keeps its required
sections and hazards, and rates every risk by its own matrix."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"

# `tests/dir/test_file.py::test_name`, optionally `::Class::test_name`, as the log cites them.
NODE_ID = re.compile(r"`(tests/[\w/.-]+\.py)((?:::\w+)+)`")
HAZARD_HEADING = re.compile(r"^### (H-\d{2}) (.+)$", re.MULTILINE)
RISK = re.compile(
    r"^\*\*(Initial|Residual) risk:\*\* severity (\w+), likelihood ([\w ]+?), rating (\d)\.",
    re.MULTILINE,
)

REQUIRED_SECTIONS = (
    "## Introduction",
    "### Scope",
    "### Intended use",
    "### It supports the prescriber and does not replace them",
    "### How to read this log",
    "## Severity, likelihood and risk rating",
    "### Risk matrix",
    "## Summary of hazards",
    "## Hazards",
    "## Gaps",
    "## Clinical decisions that need a named clinician's sign-off",
)

# The nine hazards the issue requires, by their stable ids: words each title must contain.
REQUIRED_HAZARDS = {
    "H-01": ("missed opioid",),
    "H-02": ("opioid-free interval", "too short"),
    "H-03": ("wrong dose", "volume"),
    "H-04": ("wrong date",),
    "H-05": ("stale", "unsafe settings"),
    "H-06": ("sheet", "disagrees with the summary"),
    "H-07": ("misleading source",),
    "H-08": ("patient data",),
    "H-09": ("review mistaken for a start",),
}

ENTRY_FIELDS = (
    "**Hazard:**",
    "**Causes:**",
    "**Effect on the patient:**",
    "**Initial risk:**",
    "**Controls and the tests that prove them:**",
    "**Residual risk:**",
    "**Status:**",
)

SEVERITIES = ("Minor", "Significant", "Considerable", "Major", "Catastrophic")
LIKELIHOODS = ("Very high", "High", "Medium", "Low", "Very low")


@cache
def log_text() -> str:
    return LOG.read_text(encoding="utf-8")


def cited_node_ids() -> list[tuple[str, str]]:
    """Every (file, ::name[::name]) the log cites, in order, without duplicates."""
    seen: dict[tuple[str, str], None] = {}
    for match in NODE_ID.finditer(log_text()):
        seen[(match.group(1), match.group(2))] = None
    return list(seen)


def hazard_entries() -> dict[str, tuple[str, str]]:
    """Hazard id -> (title, the entry's text up to the next hazard or section)."""
    text = log_text()
    headings = list(HAZARD_HEADING.finditer(text))
    entries = {}
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        body = text[heading.end() : end]
        body = body.split("\n## ", 1)[0]  # the last hazard ends where the next section starts
        entries[heading.group(1)] = (heading.group(2), body)
    return entries


def matrix() -> dict[tuple[str, str], int]:
    """(likelihood, severity) -> rating, read from the log's own risk matrix table."""
    text = log_text()
    table = text[text.index("### Risk matrix") :]
    table = table[: table.index("\n## ")]
    header = next(line for line in table.splitlines() if line.startswith("| Likelihood |"))
    columns = [c.strip() for c in header.strip("|").split("|")][1:]
    assert tuple(columns) == SEVERITIES
    ratings = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells and cells[0] in LIKELIHOODS:
            for severity, rating in zip(columns, cells[1:], strict=True):
                ratings[(cells[0], severity)] = int(rating)
    return ratings


@cache
def collected() -> frozenset[str]:
    """Node ids pytest collects from every file the log cites, parameters stripped, in one
    collection run (so class-based and parametrised tests count as pytest sees them)."""
    files = sorted({path for path, _ in cited_node_ids()})
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert not missing, f"the hazard log cites test files that do not exist: {missing}"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, f"collecting the cited files failed:\n{run.stdout}\n{run.stderr}"
    ids = {line.split("[", 1)[0] for line in run.stdout.splitlines() if "::" in line}
    assert ids, run.stdout  # the collection listed node ids, or this test proves nothing
    return frozenset(ids)


def test_the_log_cites_tests_by_node_id() -> None:
    cited = cited_node_ids()
    assert len(cited) >= 100, len(cited)
    for path, names in cited:
        assert "[" not in names, f"cite {path}{names} without its parameters"


def test_every_cited_node_id_is_collected() -> None:
    found = collected()
    absent = [f"{path}{names}" for path, names in cited_node_ids() if f"{path}{names}" not in found]
    assert not absent, "the hazard log names tests that no longer exist:\n" + "\n".join(absent)


def test_the_rewritten_medication_matcher_tests_are_not_cited() -> None:
    # tests/rules/test_medications.py is being rewritten elsewhere: its names are not stable.
    assert not [p for p, _ in cited_node_ids() if p == "tests/rules/test_medications.py"]


def test_the_required_sections_are_present_in_order() -> None:
    text = log_text()
    lines = text.splitlines()
    positions = []
    for heading in REQUIRED_SECTIONS:
        assert heading in lines, f"missing section: {heading}"
        positions.append(lines.index(heading))
    assert positions == sorted(positions), "the required sections are out of order"


def test_the_nine_required_hazards_are_there() -> None:
    entries = hazard_entries()
    for hazard_id, words in REQUIRED_HAZARDS.items():
        assert hazard_id in entries, f"missing hazard {hazard_id}"
        title = entries[hazard_id][0].lower()
        for word in words:
            assert word in title, (hazard_id, word, title)


def test_hazard_ids_are_numbered_in_order_without_gaps() -> None:
    ids = [m.group(1) for m in HAZARD_HEADING.finditer(log_text())]
    assert ids == [f"H-{n:02d}" for n in range(1, len(ids) + 1)]


def test_every_entry_has_every_field_and_cites_a_test() -> None:
    for hazard_id, (_, body) in hazard_entries().items():
        for field in ENTRY_FIELDS:
            assert field in body, (hazard_id, field)
        assert NODE_ID.search(body), f"{hazard_id} names no test"


def test_every_rating_is_the_one_the_matrix_gives() -> None:
    ratings = matrix()
    assert len(ratings) == 25
    for hazard_id, (_, body) in hazard_entries().items():
        risks = {m.group(1): m.groups()[1:] for m in RISK.finditer(body)}
        assert set(risks) == {"Initial", "Residual"}, (hazard_id, risks)
        for kind, (severity, likelihood, rating) in risks.items():
            assert severity in SEVERITIES and likelihood in LIKELIHOODS, (hazard_id, kind)
            assert ratings[(likelihood, severity)] == int(rating), (hazard_id, kind)


def test_the_summary_table_matches_the_entries() -> None:
    text = log_text()
    summary = text[text.index("## Summary of hazards") : text.index("\n## Hazards")]
    rows = {}
    for line in summary.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if re.fullmatch(r"H-\d{2}", cells[0]):
            rows[cells[0]] = (cells[1], int(cells[2]), int(cells[3]))
    entries = hazard_entries()
    assert set(rows) == set(entries)
    for hazard_id, (title, body) in entries.items():
        risks = {m.group(1): int(m.group(4)) for m in RISK.finditer(body)}
        assert rows[hazard_id] == (title, risks["Initial"], risks["Residual"]), hazard_id


def test_every_gap_named_in_an_entry_is_listed() -> None:
    text = log_text()
    gaps = text[text.index("\n## Gaps") : text.index("\n## Clinical decisions")]
    listed = set(re.findall(r"\*\*(G-\d{2}) \(", gaps))
    named = set(re.findall(r"\bG-\d{2}\b", text[: text.index("\n## Gaps")]))
    assert listed, "the Gaps section lists nothing"
    assert named <= listed, sorted(named - listed)


@pytest.mark.parametrize(
    "words",
    [
        "Opioid-free days after short-acting opioids",
        "Opioid-free days after long-acting opioids",
        "Stop before planned surgery",
        "Surgery review window",
        "Standard schedule",
        "Gentle schedule",
        "Loperamide",
        "Breastfeeding",
    ],
)
def test_the_sign_off_table_leaves_room_for_a_name_and_a_date(words: str) -> None:
    text = log_text()
    section = text[text.index("## Clinical decisions that need a named clinician's sign-off") :]
    row = next((line for line in section.splitlines() if line.startswith(f"| {words}")), None)
    assert row is not None, f"no sign-off row for {words}"
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 5 and cells[3] == "____" and cells[4] == "____", row


def test_the_readme_links_the_log() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/safety/hazard-log.md" in readme
