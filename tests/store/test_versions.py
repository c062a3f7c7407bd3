"""Settings versions on each backend: publish, history, conflicts, rollback and propagation."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, Table, func, insert, select

from ldn_screen.rules import DEFAULT_SETTINGS, SettingsError
from ldn_screen.store.audit import AuditEntry, AuditLog
from ldn_screen.store.models import audit_events, settings_versions
from ldn_screen.store.settings_store import DepartureReasonMissing, PublishConflict, SettingsStore


def _values(**changes: object) -> dict[str, object]:
    return {**DEFAULT_SETTINGS.as_dict(), **changes}


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture()
def store(engine: Engine) -> SettingsStore:
    store = SettingsStore(engine)
    store.ensure_seeded()
    return store


def test_seeding_publishes_the_cited_defaults_once(store: SettingsStore) -> None:
    store.ensure_seeded()
    versions = store.history()
    assert [v.number for v in versions] == [1]
    assert versions[0].settings == DEFAULT_SETTINGS
    assert versions[0].author == "system"


def test_publish_creates_the_next_version_and_keeps_the_old_one(store: SettingsStore) -> None:
    published = store.publish(
        _values(target_dose_mg=3.0), "alice", "Lower target for a pilot", based_on=1
    )
    assert published.number == 2
    assert published.settings.target_dose_mg == 3.0
    assert (published.author, published.reason, published.based_on) == (
        "alice",
        "Lower target for a pilot",
        1,
    )
    assert store.read().active.number == 2
    old = store.version(1)
    assert old is not None and old.settings == DEFAULT_SETTINGS
    assert [v.number for v in store.history()] == [2, 1]


def test_a_stale_based_on_is_a_conflict_and_writes_nothing(
    store: SettingsStore, engine: Engine
) -> None:
    store.publish(_values(review_weeks=16), "alice", "First", based_on=1)
    with pytest.raises(PublishConflict) as caught:
        store.publish(_values(review_weeks=20), "bob", "Second", based_on=1)
    assert caught.value.current == 2
    assert _count(engine, settings_versions) == 2
    assert store.read().active.settings.review_weeks == 16


def test_two_simultaneous_publishes_cannot_both_win(store: SettingsStore, engine: Engine) -> None:
    """Both saw version 1; the unique version number lets exactly one through."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(name: str, weeks: int) -> None:
        other = SettingsStore(engine)  # as another worker would
        barrier.wait()
        try:
            other.publish(_values(review_weeks=weeks), name, "race", based_on=1)
            outcomes.append("published")
        except PublishConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(n, w)) for n, w in (("a", 16), ("b", 20))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "published"]
    assert [v.number for v in store.history()] == [2, 1]


def test_invalid_values_and_an_empty_reason_are_refused(
    store: SettingsStore, engine: Engine
) -> None:
    with pytest.raises(SettingsError) as caught:
        store.publish(_values(target_dose_mg=6.0, max_dose_mg=4.5), "alice", "x", based_on=1)
    assert "target_dose_mg" in caught.value.errors
    with pytest.raises(SettingsError):
        store.publish({**_values(), "surprise": 1}, "alice", "x", based_on=1)
    with pytest.raises(ValueError, match="reason"):
        store.publish(_values(review_weeks=16), "alice", "   ", based_on=1)
    assert _count(engine, settings_versions) == 1


def test_the_audit_row_is_written_with_the_version(store: SettingsStore, engine: Engine) -> None:
    entry = AuditEntry("alice", "publish", "success", "10.1.2.3", {"reason": "why"})
    store.publish(_values(responder_pct=40), "alice", "why", based_on=1, audit=entry)
    [row] = AuditLog(engine).search().records
    assert (row.actor, row.action, row.outcome, row.client) == (
        "alice",
        "publish",
        "success",
        "10.1.2.3",
    )
    assert row.detail == {"reason": "why", "version": 2}
    # A refused publish leaves no audit row behind it.
    with pytest.raises(PublishConflict):
        store.publish(_values(responder_pct=35), "alice", "why", based_on=1, audit=entry)
    assert _count(engine, audit_events) == 1


def test_rollback_publishes_old_values_as_a_new_version(store: SettingsStore) -> None:
    store.publish(_values(washout_days_short_acting=7), "alice", "Shorter", based_on=1)
    store.publish(_values(washout_days_short_acting=8), "bob", "Compromise", based_on=2)
    rolled = store.publish(
        store.version(1).settings.as_dict(),  # type: ignore[union-attr]
        "carol",
        "Back to the label",
        based_on=3,
        restores=1,
    )
    assert rolled.number == 4 and rolled.restores == 1
    assert rolled.settings == DEFAULT_SETTINGS
    assert [v.settings.washout_days_short_acting for v in store.history()] == [10, 8, 7, 10]


def test_a_publish_reaches_another_instance_on_its_next_read(
    store: SettingsStore, engine: Engine
) -> None:
    """Two app instances (or workers) share one database: no restart, no stale cache."""
    other = SettingsStore(engine)
    assert other.read().active.number == 1  # cached in the other instance
    store.publish(_values(target_dose_mg=3.0), "alice", "Pilot", based_on=1)
    reading = other.read()
    assert reading.active.number == 2
    assert reading.active.settings.target_dose_mg == 3.0
    assert reading.warning is None


def test_a_release_that_adds_a_setting_publishes_it_at_its_cited_default(engine: Engine) -> None:
    """A version stored by an older release lacks the new setting and has a dropped one."""
    old_values = DEFAULT_SETTINGS.as_dict()
    del old_values["review_weeks"]
    old_values["retired_setting"] = 3
    with engine.begin() as conn:
        conn.execute(
            insert(settings_versions).values(
                number=1,
                values={**old_values, "review_weeks": 16},
                author="alice",
                reason="Longer review",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        conn.execute(
            insert(settings_versions).values(
                number=2,
                values=old_values,
                author="alice",
                reason="Written by an older release",
                created_at=dt.datetime.now(dt.UTC),
                based_on=1,
            )
        )
    store = SettingsStore(engine)
    store.ensure_seeded()
    current = store.read().active
    assert current.number == 3 and current.author == "system"
    assert current.settings.review_weeks == 12  # the cited default
    assert "adds review_weeks" in current.reason and "removes retired_setting" in current.reason
    [row] = AuditLog(engine).search(action="publish").records
    assert row.actor == "system" and row.detail["version"] == 3
    # The older versions stay readable in the history, marked where a default was filled in.
    versions = {v.number: v for v in store.history()}
    assert versions[2].filled == ("review_weeks",)
    assert versions[1].filled == () and versions[1].settings.review_weeks == 16
    store.ensure_seeded()  # nothing more to do
    assert store.read().active.number == 3


def test_the_release_with_plan_based_surgery_review_keeps_every_current_value(
    engine: Engine,
) -> None:
    """Surgery within N days of *today* became N days before the *start*: a different rule,
    so the old value is not carried over; the new setting comes at its cited default in an
    audited version, and every other value the clinic set is kept."""
    before = DEFAULT_SETTINGS.as_dict()
    del before["surgery_review_days_before_start"]
    before.update(surgery_window_days=30, washout_days_short_acting=12, surgery_hold_days=2)
    with engine.begin() as conn:
        conn.execute(
            insert(settings_versions).values(
                number=1,
                values=before,
                author="alice",
                reason="Clinic values",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    store = SettingsStore(engine)
    store.ensure_seeded()
    current = store.read().active
    assert current.number == 2 and current.author == "system"
    assert current.settings.surgery_review_days_before_start == 28
    assert current.settings.washout_days_short_acting == 12
    assert current.settings.surgery_hold_days == 2
    assert "adds surgery_review_days_before_start" in current.reason
    assert "removes surgery_window_days" in current.reason
    [row] = AuditLog(engine).search(action="publish").records
    assert row.actor == "system" and row.detail["version"] == 2


def test_values_outside_the_safe_range_need_a_departure_reason(
    store: SettingsStore, engine: Engine
) -> None:
    departing = _values(washout_days_short_acting=5, minimum_age_years=16)
    for missing in (None, "", "  "):
        with pytest.raises(DepartureReasonMissing) as refused:
            store.publish(departing, "alice", "why", based_on=1, departure_reason=missing)
        names = [d.spec.name for d in refused.value.departures]
        assert names == ["washout_days_short_acting", "minimum_age_years"]
    assert _count(engine, settings_versions) == 1
    entry = AuditEntry("alice", "publish", "success", "test", {"reason": "why"})
    published = store.publish(
        departing, "alice", "why", based_on=1, audit=entry, departure_reason=" Agreed "
    )
    assert published.departure_reason == "Agreed"
    assert store.version(2).departure_reason == "Agreed"
    [row] = AuditLog(engine).search(action="publish").records
    assert row.detail["departure_reason"] == "Agreed"
    assert [d[0] for d in row.detail["departures"]] == names
    # Inside the safe range, a departure reason is not kept.
    inside = store.publish(_values(), "alice", "back", based_on=2, departure_reason="unused")
    assert inside.departure_reason is None


def test_a_release_keeps_the_departure_reason_of_the_values_it_carries(engine: Engine) -> None:
    old_values = _values(washout_days_short_acting=5)
    del old_values["review_weeks"]
    with engine.begin() as conn:
        conn.execute(
            insert(settings_versions).values(
                number=1,
                values=old_values,
                author="alice",
                reason="Pilot",
                created_at=dt.datetime.now(dt.UTC),
                departure_reason="Codeine only",
            )
        )
    store = SettingsStore(engine)
    store.ensure_seeded()
    current = store.read().active
    assert current.number == 2 and current.settings.washout_days_short_acting == 5
    assert current.departure_reason == "Kept from version 1: Codeine only"
