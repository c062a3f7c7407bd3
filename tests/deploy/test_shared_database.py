"""Several instances, one PostgreSQL database (issue 6).

Separate gunicorn processes, as separate app servers would be, share one database: a
settings version published through one instance is used by the others from their next
request; while the database is down, an instance that loaded a version keeps screening with
it and says so, and one that never loaded a version refuses to screen; once the database is
back, every instance recovers without a restart.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.admin_support import PASSWORD, form_fields
from tests.deploy.instances import Client, Instance, Reply, app_env, cli, poll, running, screen
from tests.helpers import check_page, csrf_token, valid_answers
from tests.pg_support import PgCluster

pytestmark = pytest.mark.postgres

# Each instance runs one sync worker: a version is cached per worker, so with one worker
# "this instance has loaded a version" is a fact the test can establish, not a likelihood.
WORKERS = 1


def _health(instance: Instance) -> tuple[int, str | None, int | None]:
    reply = Client().get(instance.url("/healthz"))
    body = reply.json()
    return reply.status, body["status"], body["settings_version"]


def _sign_in(client: Client, instance: Instance) -> Reply:
    """Sign in over HTTP with the login page's own CSRF token."""
    login_page = client.get(instance.url("/admin/login"))
    return client.post(
        instance.url("/admin/login"),
        {"csrf_token": csrf_token(login_page.body), "username": "alice", "password": PASSWORD},
    )


def _publish_target_dose(admin: Client, instance: Instance, mg: str) -> Reply:
    """Preview, then publish from the preview page's own hidden fields."""
    data = form_fields(admin.get(instance.url("/admin/settings")).body, "/admin/settings/preview")
    data["target_dose_mg"] = mg
    preview = admin.post(instance.url("/admin/settings/preview"), data)
    assert preview.status == 200, preview.text[:300]
    publish = form_fields(preview.body, "/admin/settings/publish")
    return admin.post(
        instance.url("/admin/settings/publish"),
        {**publish, "reason": "Deployment test", "action": "publish"},
    )


def _assert_unavailable_page(reply: Reply) -> None:
    assert reply.status == 503, reply.text[:300]
    check_page(reply.body)
    assert "Settings unavailable" in reply.text and "Status 503." in reply.text


def _assert_screened(reply: Reply, version: int, *, warning: bool) -> None:
    assert reply.status == 200, reply.text[:300]
    assert f"settings version {version} of" in reply.text
    assert "Target 3 mg a day" in reply.text
    loaded_earlier = (
        f"Warning: The settings store could not be read, so this page uses version {version}"
    )
    assert (loaded_earlier in reply.text) is warning, reply.text[:400]
    assert ("Warning:" in reply.text) is warning


def test_instances_share_one_database_and_ride_out_an_outage(
    deploy_cluster: PgCluster, tmp_path: Path
) -> None:
    # /healthz tests writability at most every LDN_STORE_PROBE_SECONDS (10 by default); 1 s
    # lets step (c) see the recovery within a second of it rather than wait out the window.
    env = app_env(
        deploy_cluster.create_database("shared"),
        tmp_path / "instance",
        LDN_STORE_PROBE_SECONDS="1",
    )
    # PostgreSQL is never migrated by the app: the schema upgrade is the deployment step.
    assert "Schema is up to date." in cli(env, "db-upgrade")
    assert "created" in cli(env, "create-admin", "alice", "--password-stdin", stdin=PASSWORD)
    timings: dict[str, float] = {}

    with running([("one", env, WORKERS), ("two", env, WORKERS)], tmp_path) as (one, two):
        clinician = Client()
        # Both instances load version 1 first, so that step (a) sees a change, not a first read.
        for instance in (one, two):
            first = screen(clinician, instance)
            assert first.status == 200 and "settings version 1 of" in first.text
            assert "Target 4.5 mg a day" in first.text

        # (a) Publish through instance one; instance two's very next screening uses it.
        admin = Client()  # the admin's own browser (its session cookie is the admin's)
        signed_in = _sign_in(admin, one)
        assert signed_in.status == 200 and signed_in.url.endswith("/admin/"), signed_in.text[:300]
        started = time.monotonic()
        done = _publish_target_dose(admin, one, "3")
        assert done.status == 200 and "Version 2 is published." in done.text, done.text[:300]
        _assert_screened(screen(Client(), two), 2, warning=False)
        timings["publish on one + next screening on two"] = time.monotonic() - started
        _assert_screened(screen(Client(), one), 2, warning=False)
        assert _health(one) == _health(two) == (200, "ok", 2)

        try:
            # (b) The database goes away. Both instances loaded version 2 above.
            started = time.monotonic()
            deploy_cluster.stop("fast")
            timings["pg_ctl stop -m fast"] = time.monotonic() - started
            for instance in (one, two):
                started = time.monotonic()
                _assert_screened(screen(clinician, instance), 2, warning=True)
                timings[f"degraded screening on {instance.name}"] = time.monotonic() - started
                assert _health(instance) == (503, "degraded", 2)
            # A browser signed in to the admin pages: every rendered page asks who is signed
            # in, which needs the database. Screening still works; the admin pages and a new
            # sign-in get the 503 page, not a 500.
            _assert_screened(screen(admin, one), 2, warning=True)
            _assert_unavailable_page(admin.get(one.url("/admin/settings")))
            _assert_unavailable_page(_sign_in(Client(), two))

            # An instance started now has never loaded a version: it starts, but refuses to
            # screen rather than fall back to the built-in defaults.
            started = time.monotonic()
            with running([("three", env, WORKERS)], tmp_path) as (three,):
                timings["start of three with the database down"] = time.monotonic() - started
                assert _health(three) == (503, "unavailable", None)
                # It took app.py's "database down at start-up" path, not a lucky connection.
                assert "settings store unreachable at start-up" in three.log.read_text()
                _assert_unavailable_page(clinician.get(three.url("/")))
                # Even a complete screening with a valid token (from instance one; the key is
                # shared) is refused, never screened with defaults.
                token = csrf_token(clinician.get(one.url("/")).body)
                posted = clinician.post(three.url("/"), {"csrf_token": token, **valid_answers()})
                assert posted.status == 503 and "Settings unavailable" in posted.text
                assert "Target" not in posted.text

                # (c) The database comes back on the same port and data folder.
                started = time.monotonic()
                deploy_cluster.start()
                timings["pg_ctl start"] = time.monotonic() - started
                for instance in (one, two, three):
                    timings[f"/healthz 200 again on {instance.name}"] = poll(
                        f"/healthz on {instance.name} back to 200",
                        lambda instance=instance: _health(instance) == (200, "ok", 2),
                    )
                    _assert_screened(screen(clinician, instance), 2, warning=False)
                # The outage did not sign the admin out.
                settings_page = admin.get(one.url("/admin/settings"))
                assert settings_page.status == 200 and "Signed in as alice" in settings_page.text
        finally:
            # Whatever failed above, later tests get a running server.
            if not deploy_cluster.is_running():
                deploy_cluster.start()

    print("\n" + "\n".join(f"{what}: {seconds:.2f} s" for what, seconds in timings.items()))
