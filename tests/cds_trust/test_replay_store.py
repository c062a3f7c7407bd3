"""The jti replay store: shared, atomic, emptied of expired entries; in the database by default,
in Redis when configured; and a store that cannot be asked never lets a token through."""

from __future__ import annotations

import time

from flask import Flask

from ldn_screen.store.cds_replay import DatabaseReplayStore, RedisReplayStore, replay_key
from ldn_screen.store.models import cds_seen_jti
from ldn_screen.web.ehr_trust import EXTENSION
from ldn_screen.web.ehr_trust.state import TrustState, replay_storage_uri
from tests.cds_support_jwt import SigningKey, ehr_jwt, trust_issuer, url
from tests.cds_trust.support import BODY, PATH, status_of


def test_the_database_store_accepts_a_jti_once(app: Flask) -> None:
    store = DatabaseReplayStore(app.extensions["ldn_engine"])
    later = time.time() + 300
    assert store.first_use("https://a.example", "j1", later)
    assert not store.first_use("https://a.example", "j1", later)
    # The same jti from another issuer is another token.
    assert store.first_use("https://b.example", "j1", later)


def test_expired_entries_are_purged(app: Flask) -> None:
    engine = app.extensions["ldn_engine"]
    clock = [1_000_000.0]
    store = DatabaseReplayStore(engine, clock=lambda: clock[0])
    assert store.first_use("https://a.example", "old", clock[0] + 60)
    assert store.first_use("https://a.example", "new", clock[0] + 3600)
    clock[0] += 120
    assert store.purge() == 1
    with engine.connect() as conn:
        keys = {row.key for row in conn.execute(cds_seen_jti.select())}
    assert keys == {replay_key("https://a.example", "new")}


def test_the_database_keeps_a_hash_not_the_jti(app: Flask, ehr_key: SigningKey) -> None:
    trust_issuer(app, ehr_key)
    token = ehr_jwt(ehr_key, url(PATH), jti="visible-jti-value")
    assert status_of(app, token) == 200
    with app.extensions["ldn_engine"].connect() as conn:
        rows = [tuple(row) for row in conn.execute(cds_seen_jti.select())]
    assert len(rows) == 1
    assert "visible-jti-value" not in repr(rows)


def test_redis_is_used_when_configured() -> None:
    assert replay_storage_uri({}) is None
    assert replay_storage_uri({"LDN_RATELIMIT_STORAGE_URI": "memory://"}) is None
    assert replay_storage_uri({"LDN_RATELIMIT_STORAGE_URI": "redis://r:6379"}) == "redis://r:6379"
    both = {
        "LDN_RATELIMIT_STORAGE_URI": "redis://r:6379",
        "LDN_CDS_REPLAY_STORAGE_URI": "redis://s",
    }
    assert replay_storage_uri(both) == "redis://s"


def test_the_redis_store_accepts_a_jti_once_and_expires_it(redis_url: str) -> None:
    store = RedisReplayStore(redis_url)
    assert store.first_use("https://a.example", "r1", time.time() + 300)
    assert not store.first_use("https://a.example", "r1", time.time() + 300)
    ttl = store.client.ttl(RedisReplayStore.PREFIX + replay_key("https://a.example", "r1"))
    assert 250 < ttl <= 302


def test_two_apps_share_the_redis_store(app: Flask, redis_url: str, ehr_key: SigningKey) -> None:
    """Two instances on different databases, one Redis: a token used on one is refused on the
    other."""
    from ldn_screen.app import create_app

    other = create_app({"INSTANCE_PATH": app.instance_path + "-other", "TESTING": True})
    try:
        for each in (app, other):
            state = trust_issuer(each, ehr_key)
            each.extensions[EXTENSION] = TrustState(state.issuers, state.engine, redis_url)
        token = ehr_jwt(ehr_key, url(PATH))
        assert status_of(app, token) == 200
        assert status_of(other, token) == 401
    finally:
        other.extensions["ldn_engine"].dispose()


def test_an_unreachable_replay_store_refuses_the_token(app: Flask, ehr_key: SigningKey) -> None:
    from ldn_screen.store.cds_replay import RedisReplayStore as _Redis  # noqa: F401

    state = trust_issuer(app, ehr_key)
    # Nothing listens on port 9 (discard) on the test machine's loopback.
    app.extensions[EXTENSION] = TrustState(state.issuers, state.engine, "redis://127.0.0.1:9")
    response = app.test_client().post(
        PATH, json=BODY, headers={"Authorization": f"Bearer {ehr_jwt(ehr_key, url(PATH))}"}
    )
    assert response.status_code == 503
    assert response.get_data() == b""
