"""The login throttle across instances (issue 6).

With LDN_RATELIMIT_STORAGE_URI pointing at one Redis, every instance (and every worker of
each) counts failed sign-ins in the same place, so the per-account limit holds however a
load balancer spreads the attempts. Without it the instances count in the database they
share, with the same result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from ldn_screen.store.db import make_engine, upgrade
from ldn_screen.store.settings_store import SettingsStore
from ldn_screen.store.users import UserStore
from ldn_screen.web.admin.auth import FAILED_MESSAGE
from tests.admin_support import PASSWORD
from tests.deploy.instances import Client, Instance, Reply, app_env, running
from tests.helpers import check_page, csrf_token
from tests.pg_support import PgCluster

pytestmark = pytest.mark.postgres

ACCOUNT_LIMIT = 5  # DEFAULT_ACCOUNT_LIMIT, "5 per 15 minutes"
WRONG = "not the password!"


@pytest.fixture(scope="module")
def database(deploy_cluster: PgCluster) -> Iterator[str]:
    """One database with the schema, version 1 and three admins (alice, bob, carol)."""
    url = deploy_cluster.create_database("throttle")
    engine = make_engine(url)
    upgrade(engine)
    SettingsStore(engine).ensure_seeded()
    users = UserStore(engine)
    users.create("alice", PASSWORD)
    users.create("bob", PASSWORD)
    users.create("carol", PASSWORD)
    engine.dispose()
    yield url


def attempt(instance: Instance, username: str, password: str) -> Reply:
    """One sign-in from a fresh browser: the login page for its token, then the POST."""
    client = Client()
    token = csrf_token(client.get(instance.url("/admin/login")).body)
    return client.post(
        instance.url("/admin/login"),
        {"csrf_token": token, "username": username, "password": password},
    )


def _refused(reply: Reply) -> bool:
    return reply.status == 200 and FAILED_MESSAGE in reply.text


def _throttled(reply: Reply) -> bool:
    return reply.status == 429 and "Too many attempts" in reply.text


def test_failed_logins_on_two_instances_count_against_one_shared_limit(
    database: str, redis_url: str, tmp_path: Path
) -> None:
    env = app_env(database, tmp_path / "instance", LDN_RATELIMIT_STORAGE_URI=redis_url)
    # Two workers each: four processes, one count.
    with running([("one", env, 2), ("two", env, 2)], tmp_path) as (one, two):
        started = time.monotonic()
        for n in range(ACCOUNT_LIMIT):  # one, two, one, two, one
            reply = attempt((one, two)[n % 2], "alice", WRONG)
            assert _refused(reply), f"attempt {n + 1}: {reply.status} {reply.text[:200]}"
        # Neither instance has seen five failures (three and two), yet the account is
        # throttled on both: even the right password is refused now.
        for instance in (two, one):
            blocked = attempt(instance, "alice", PASSWORD)
            assert _throttled(blocked), f"{instance.name}: {blocked.status} {blocked.text[:200]}"
            assert blocked.headers["Retry-After"], "the 429 says when to try again"
            check_page(blocked.body)
        elapsed = time.monotonic() - started
        # Per account, not per client address: another admin from the same address signs in.
        bob = attempt(one, "bob", PASSWORD)
        assert bob.status == 200 and bob.url.endswith("/admin/"), bob.text[:200]

        # The counts live in Redis and nowhere else: once Redis forgets them, alice's right
        # password opens the admin again on both instances (whatever the keys look like).
        redis.Redis.from_url(redis_url).flushall()
        for instance in (one, two):
            again = attempt(instance, "alice", PASSWORD)
            assert again.status == 200 and again.url.endswith("/admin/"), again.text[:200]
    print(f"\n{ACCOUNT_LIMIT} failures + 2 throttled attempts over 2 instances: {elapsed:.2f} s")


def test_without_redis_two_instances_on_one_database_count_once(
    database: str, tmp_path: Path
) -> None:
    """The default: no LDN_RATELIMIT_STORAGE_URI. The counts live in the database the
    instances share, so the limit is exact however the attempts are spread, even sent at
    once (two instances of two workers: four processes, one count). Before, each process
    counted on its own and the limit was really 5 per process."""
    env = app_env(database, tmp_path / "instance")  # no LDN_RATELIMIT_STORAGE_URI
    with running([("one", env, 2), ("two", env, 2)], tmp_path) as (one, two):
        with ThreadPoolExecutor(max_workers=12) as pool:
            replies = list(
                pool.map(lambda n: attempt((one, two)[n % 2], "carol", WRONG), range(12))
            )
        checked = [r for r in replies if _refused(r)]
        paused = [r for r in replies if _throttled(r)]
        assert (len(checked), len(paused)) == (ACCOUNT_LIMIT, 12 - ACCOUNT_LIMIT), [
            r.status for r in replies
        ]
        for instance in (one, two):
            blocked = attempt(instance, "carol", PASSWORD)
            assert _throttled(blocked), f"{instance.name}: {blocked.status} {blocked.text[:200]}"
            assert "Sign-ins to this account are paused until" in blocked.text
            assert blocked.headers["Retry-After"]
            check_page(blocked.body)
        # Per account: another admin from the same address signs in.
        bob = attempt(two, "bob", PASSWORD)
        assert bob.status == 200 and bob.url.endswith("/admin/"), bob.text[:200]
