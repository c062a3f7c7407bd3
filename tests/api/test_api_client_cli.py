"""ldn-screen api-client create | revoke | list."""

from __future__ import annotations

from flask import Flask

from ldn_screen.cli import cli as ldn_screen_command
from ldn_screen.store.audit import AuditLog
from tests.api.support import call


def cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(ldn_screen_command, args=["api-client", *args])


def test_create_prints_the_token_once_and_it_works(app: Flask) -> None:
    created = cli(app, "create", "lab-ehr")
    assert created.exit_code == 0, created.output
    [token] = [line for line in created.output.splitlines() if line.startswith("ldn_")]
    assert len(token) > 40
    assert call(app.test_client(), token, "/settings/current", method="GET").status_code == 200
    listed = cli(app, "list")
    assert "lab-ehr\tactive" in listed.output and token not in listed.output
    [row] = AuditLog(app.extensions["ldn_engine"]).search(action="api_client_created").records
    assert row.actor.startswith("cli:") and row.detail == {"api_client": "lab-ehr"}
    assert token not in str(row)


def test_two_clients_get_different_tokens_and_names_are_never_reused(app: Flask) -> None:
    one, two = cli(app, "create", "a"), cli(app, "create", "b")
    assert one.output.splitlines()[1] != two.output.splitlines()[1]
    again = cli(app, "create", "a")
    assert again.exit_code == 1 and "exists already" in again.output
    assert cli(app, "revoke", "a").exit_code == 0
    assert cli(app, "create", "a").exit_code == 1


def test_revoke_and_its_refusals(app: Flask) -> None:
    assert cli(app, "create", "old").exit_code == 0
    assert cli(app, "revoke", "old").exit_code == 0
    twice = cli(app, "revoke", "old")
    assert twice.exit_code == 1 and "revoked already" in twice.output
    missing = cli(app, "revoke", "nobody")
    assert missing.exit_code == 1 and "no API client called 'nobody'" in missing.output
    assert "old\trevoked" in cli(app, "list").output
    log = AuditLog(app.extensions["ldn_engine"]).search(action="api_client_revoked").records
    assert sorted(r.outcome for r in log) == ["failure", "failure", "success"]


def test_a_bad_name_is_refused(app: Flask) -> None:
    for name in ("", "with space", "x" * 81, ".dot-first", "naïve"):
        result = cli(app, "create", name)
        assert result.exit_code == 1 and "ldn_" not in result.output, result.output
    assert "No API clients." in cli(app, "list").output
