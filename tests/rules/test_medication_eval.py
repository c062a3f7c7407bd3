"""The medication-list goals, scored through ``screen()`` on the project's evaluation sets
(see tests/medication_eval.py for what each set is and where it came from)."""

from __future__ import annotations

import pytest

from tests.medication_eval import GOALS, Score, confirm_prompt_rate, score_all

# At most this share of typical fibromyalgia lists may ask the clinician to confirm a line.
PROMPT_RATE_GOAL = 0.10


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return score_all()


@pytest.mark.parametrize("name", list(GOALS))
def test_goal_is_met(
    name: str, scores: dict[str, Score], record_property: pytest.RecordProperty
) -> None:
    score = scores[name]
    record_property("rate", round(score.rate, 4))
    assert score.total > 0, "the set is empty"
    assert score.rate >= GOALS[name], (f"{score.passed}/{score.total}", score.misses[:20])


def test_typical_lists_rarely_ask_for_a_confirmation(
    record_property: pytest.RecordProperty,
) -> None:
    prompted, total, unread = confirm_prompt_rate()
    record_property("prompted_lists", f"{prompted}/{total}")
    assert total >= 40
    assert prompted / total <= PROMPT_RATE_GOAL, unread
