"""The CDS stores on SQLite and PostgreSQL: the jti replay store (one winner among concurrent
uses, expired entries purged) and the issued cards with their feedback."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import Engine

from ldn_screen.store.cds_feedback import FeedbackItem, FeedbackStore, IssuedCard
from ldn_screen.store.cds_replay import DatabaseReplayStore


def test_one_jti_has_exactly_one_first_use_among_concurrent_requests(engine: Engine) -> None:
    store = DatabaseReplayStore(engine)
    results: list[bool] = []
    start = threading.Barrier(8)

    def use() -> None:
        start.wait()
        results.append(store.first_use("https://ehr.example", "same-jti", time.time() + 300))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_expired_jtis_are_purged(engine: Engine) -> None:
    clock = [2_000_000.0]
    store = DatabaseReplayStore(engine, clock=lambda: clock[0])
    assert store.first_use("https://ehr.example", "a", clock[0] + 10)
    assert store.first_use("https://ehr.example", "b", clock[0] + 1000)
    clock[0] += 100
    assert store.purge() == 1
    assert not store.first_use("https://ehr.example", "b", clock[0] + 1000)


def test_feedback_is_counted_per_finding_and_version(engine: Engine) -> None:
    store = FeedbackStore(engine)
    now = dt.datetime.now(dt.UTC)
    store.record_issued(
        [
            IssuedCard("u1", "ldn-order", "opioid_current", 4, {"s": "start date"}),
            IssuedCard("u2", "ldn-order", "opioid_current", 5),
            IssuedCard("u3", "opioid-on-ldn", "surgery_near_start", 5),
        ]
    )
    stored, unknown = store.add(
        "ldn-order",
        [
            FeedbackItem("u1", "accepted", "s", None, False, now),
            FeedbackItem("u2", "overridden", None, "risk-accepted", True, now),
            FeedbackItem("u3", "overridden", None, "x", False, now),  # another service's card
            FeedbackItem("nope", "overridden", None, "x", False, now),
        ],
    )
    assert (stored, unknown) == (2, 2)
    [row] = store.by_finding()
    assert (row.finding_code, row.accepted, row.overridden, row.with_comment) == (
        "opioid_current",
        1,
        1,
        1,
    )
    assert row.suggestions == {"start date": 1}
    assert row.reasons == {"risk-accepted": 1}
    assert row.versions == {4, 5}
    [only_five] = store.by_finding(settings_version=5)
    assert (only_five.accepted, only_five.overridden) == (0, 1)
