"""What the trials show, in one line: the prescriber's summary and the counselling point share it.

The patient's sheet says the same in plain words (counselling point "evidence"): the biggest
recent studies did not show a clear benefit over a dummy pill.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sources import FINAL_LINK, INNOVA_PROTOCOL_LINK, Link

EVIDENCE_SENTENCE = (
    "Small trials; the largest recent ones (FINAL 2024, n = 99; INNOVA, n = 98) found no clear "
    "benefit over placebo."
)


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    links: tuple[Link, ...]
    note: str


EVIDENCE = Evidence(
    EVIDENCE_SENTENCE,
    (FINAL_LINK, INNOVA_PROTOCOL_LINK),
    # The INNOVA results' journal, PMID and DOI are not confirmed: no citation is printed.
    "INNOVA's results have been reported, but their journal citation is not yet confirmed, "
    "so the link is to its published protocol.",
)
