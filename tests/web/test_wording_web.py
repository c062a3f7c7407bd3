"""The pages print what the rules word: the summary's plan sentence is the chart note's, the
verdict box takes its tone from the rules, and every footer carries the one disclaimer."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from ldn_screen.rules.wording import DISCLAIMER, DOSE_TIMING, OFF_LABEL
from tests.helpers import check_page, post_screening
from tests.web.test_followup_web import post_followup


def _plan_sentences(raw: str) -> tuple[str, str]:
    """The summary's plan paragraph and the chart note's plan line, as a reader sees them."""
    body = html.unescape(raw)
    match = re.search(r'<p class="plan-text">(.*?)</p>', body, re.S)
    assert match is not None
    note = body[body.index('id="chart-note"') : body.index("</textarea>")]
    plan_line = next(line for line in note.splitlines() if line.startswith("Plan"))
    return match.group(1), plan_line.split(": ", 1)[1]


@pytest.mark.parametrize(
    "overrides",
    [{}, {"formulation": "liquid"}, {"kidney_impairment": "yes"}],
    ids=["eligible", "liquid", "review"],
)
def test_the_summary_and_the_chart_note_print_the_same_plan_sentence(
    client: FlaskClient, overrides: dict[str, str]
) -> None:
    raw = post_screening(client, **overrides).get_data(as_text=True)
    check_page(raw)
    summary, note = _plan_sentences(raw)
    assert summary == note[0].upper() + note[1:]
    assert summary.endswith(DOSE_TIMING)


def test_the_verdict_box_takes_its_tone_and_icon_from_the_rules(client: FlaskClient) -> None:
    eligible = post_screening(client).get_data(as_text=True)
    assert '<div class="verdict decision tone-ok" id="decision">' in eligible
    stop = post_screening(client, naltrexone_allergy="yes").get_data(as_text=True)
    assert '<div class="verdict decision tone-stop" id="decision">' in stop
    # The cross, not the tick: the picture agrees with the tone.
    icon = stop[stop.index('<svg class="verdict-icon"') : stop.index("</svg>")]
    assert "M13 13 L27 27" in icon


def test_the_followup_advice_box_shares_the_verdict_tones(client: FlaskClient) -> None:
    body = post_followup(client).get_data(as_text=True)
    assert re.search(r'<div class="verdict tone-(ok|wait|review|stop)">', body)
    assert "advice-" not in body


@pytest.mark.parametrize("path", ["/", "/followup", "/sheet"])
def test_every_page_footer_carries_the_one_disclaimer(client: FlaskClient, path: str) -> None:
    body = html.unescape(client.get(path).get_data(as_text=True))
    footer = body[body.index("<footer") :]
    assert DISCLAIMER in footer


def test_the_summaries_end_with_the_same_disclaimer(client: FlaskClient) -> None:
    for response in (post_screening(client), post_followup(client)):
        body = html.unescape(response.get_data(as_text=True))
        assert DISCLAIMER in body[body.index("<footer") :]
        assert body.count(OFF_LABEL) == 1
