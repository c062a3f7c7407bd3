"""The CLI on each backend: admin accounts, and settings export and import (JSON and TOML)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from ldn_screen.cli import cli as ldn_screen_command
from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.rules.reference_cases import reference_cases
from ldn_screen.store.audit import AuditLog
from ldn_screen.store.settings_store import SettingsStore

CASES = len(reference_cases(dt.date.today()))  # the impact preview's reference patients

PASSWORD = "correct horse battery staple"


def cli(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(ldn_screen_command, args=list(args), input=input)


def store(app: Flask) -> SettingsStore:
    return SettingsStore(app.extensions["ldn_engine"])


def audit(app: Flask, action: str) -> list:  # type: ignore[type-arg]
    return AuditLog(app.extensions["ldn_engine"]).search(action=action).records


def test_create_admin_asks_twice_with_hidden_input(app: Flask) -> None:
    result = cli(
        app, "create-admin", "Alice", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output  # the first pair differed, so it asked again
    assert PASSWORD not in result.output  # hidden input is never echoed
    assert "Admin account 'alice' created" in result.output
    assert app.extensions["ldn_users"].authenticate("alice", PASSWORD) is not None
    [row] = audit(app, "user_created")
    assert row.outcome == "success" and row.actor.startswith("cli:")
    assert row.detail == {"username": "alice"} and row.client == "command line"


def test_create_admin_reads_the_password_from_stdin(app: Flask) -> None:
    result = cli(app, "create-admin", "bob", "--password-stdin", input=f" {PASSWORD} \n")
    assert result.exit_code == 0, result.output
    users = app.extensions["ldn_users"]
    assert users.authenticate("bob", f" {PASSWORD} ") is not None  # spaces are kept


def test_create_admin_refuses_a_duplicate_and_a_weak_password(app: Flask) -> None:
    assert cli(app, "create-admin", "bob", "--password-stdin", input=PASSWORD).exit_code == 0
    again = cli(app, "create-admin", "BOB", "--password-stdin", input="another long password")
    assert again.exit_code == 1 and "already exists" in again.output
    weak = cli(app, "create-admin", "carol", "--password-stdin", input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    outcomes = sorted(r.outcome for r in audit(app, "user_created"))
    assert outcomes == ["failure", "failure", "success"]


def test_reset_password(app: Flask) -> None:
    cli(app, "create-admin", "bob", "--password-stdin", input=PASSWORD)
    result = cli(app, "reset-password", "bob", "--password-stdin", input="a fresh long password\n")
    assert result.exit_code == 0, result.output
    users = app.extensions["ldn_users"]
    assert users.authenticate("bob", PASSWORD) is None
    assert users.authenticate("bob", "a fresh long password") is not None
    missing = cli(app, "reset-password", "nobody", "--password-stdin", input=PASSWORD)
    assert missing.exit_code == 1 and "no account" in missing.output
    assert [r.outcome for r in audit(app, "password_changed")] == ["failure", "success"]


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_export_then_import_an_edited_file(app: Flask, tmp_path: Path, fmt: str) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    path = tmp_path / f"settings.{fmt}"
    exported = cli(app, "export-settings", "--format", fmt, "--output", str(path))
    assert exported.exit_code == 0, exported.output
    text = path.read_text()
    data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    assert data["exported_from_version"] == 1
    assert data["values"] == DEFAULT_SETTINGS.as_dict()
    path.write_text(text.replace("review_weeks = 12", "review_weeks = 16"))
    if fmt == "json":
        data["values"]["review_weeks"] = 16
        path.write_text(json.dumps(data))

    result = cli(
        app, "import-settings", str(path), "--author", "alice", "--reason", "Trial 2", "--yes"
    )
    assert result.exit_code == 0, result.output
    assert "12 weeks -> 16 weeks" in result.output
    assert "Published version 2." in result.output
    current = store(app).read().active
    assert (current.number, current.author, current.reason) == (2, "alice", "Trial 2")
    assert current.settings.review_weeks == 16
    [row] = audit(app, "import")
    assert row.outcome == "success" and row.actor == "alice"
    assert row.detail["file"] == path.name
    assert row.detail["changes"] == [["review_weeks", "12 weeks", "16 weeks"]]


def test_export_prints_any_version_and_refuses_a_missing_one(app: Flask) -> None:
    printed = cli(app, "export-settings", "--version", "1")
    assert printed.exit_code == 0
    assert json.loads(printed.output)["values"]["target_dose_mg"] == 4.5
    missing = cli(app, "export-settings", "--version", "9")
    assert missing.exit_code == 1 and "no settings version 9" in missing.output


def _file(
    tmp_path: Path,
    values: dict,  # type: ignore[type-arg]
    name: str = "reviewed.json",
    **envelope: object,
) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"ldn_screen_settings": 1, **envelope, "values": values}))
    return path


@pytest.mark.parametrize(
    ("values", "envelope", "message"),
    [
        ({**DEFAULT_SETTINGS.as_dict(), "bonus_dose_mg": 1}, {}, "'bonus_dose_mg' is not a known"),
        ({**DEFAULT_SETTINGS.as_dict(), "target_dose_mg": 9}, {}, "6 mg or less"),
        (
            {**DEFAULT_SETTINGS.as_dict(), "target_dose_mg": 3, "max_dose_mg": 2.5},
            {},
            "must not be above the maximum",
        ),
        (DEFAULT_SETTINGS.as_dict(), {"extra": True}, "'extra' is not a known top-level key"),
        ({"target_dose_mg": 3}, {}, "Enter "),
    ],
)
def test_import_validates_like_the_form_and_audits_the_refusal(
    app: Flask,
    tmp_path: Path,
    values: dict,
    envelope: dict,
    message: str,  # type: ignore[type-arg]
) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    path = _file(tmp_path, values, **envelope)
    result = cli(app, "import-settings", str(path), "--author", "alice", "--reason", "x", "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert store(app).read().active.number == 1
    [row] = audit(app, "import")
    assert row.outcome == "invalid"


def test_import_needs_a_reason_a_real_author_and_a_change(app: Flask, tmp_path: Path) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    path = _file(tmp_path, {**DEFAULT_SETTINGS.as_dict(), "review_weeks": 16})
    no_reason = cli(app, "import-settings", str(path), "--author", "alice", "--yes")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    blank = cli(app, "import-settings", str(path), "--author", "alice", "--reason", " ", "--yes")
    assert blank.exit_code == 1 and "reason" in blank.output
    stranger = cli(app, "import-settings", str(path), "--author", "mallory", "--reason", "x")
    assert stranger.exit_code == 1 and "no admin account called 'mallory'" in stranger.output
    same = _file(tmp_path, DEFAULT_SETTINGS.as_dict(), name="same.json")
    nothing = cli(app, "import-settings", str(same), "--author", "alice", "--reason", "x", "--yes")
    assert nothing.exit_code == 1 and "nothing to import" in nothing.output
    declined = cli(
        app, "import-settings", str(path), "--author", "alice", "--reason", "x", input="n\n"
    )
    assert declined.exit_code == 1 and "Publish these values as version 2?" in declined.output
    assert store(app).read().active.number == 1


def test_import_of_a_file_exported_before_a_newer_version_is_refused(
    app: Flask, tmp_path: Path
) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    store(app).publish(
        {**DEFAULT_SETTINGS.as_dict(), "review_weeks": 20}, "bob", "meanwhile", based_on=1
    )
    path = _file(
        tmp_path, {**DEFAULT_SETTINGS.as_dict(), "review_weeks": 16}, exported_from_version=1
    )
    result = cli(app, "import-settings", str(path), "--author", "alice", "--reason", "x", "--yes")
    assert result.exit_code == 1
    assert "exported from version 1, but version 2 is the current version" in result.output
    assert store(app).read().active.settings.review_weeks == 20
    [row] = audit(app, "import")
    assert row.outcome == "conflict"


def test_import_outside_the_safe_range_needs_a_departure_reason(app: Flask, tmp_path: Path) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    path = _file(tmp_path, {**DEFAULT_SETTINGS.as_dict(), "washout_days_short_acting": 5})
    args = ["import-settings", str(path), "--author", "alice", "--reason", "Pilot", "--yes"]
    refused = cli(app, *args)
    assert refused.exit_code == 1
    # The same warning as the admin pages, with the source, and what to do about it.
    assert "5 days is below the safe range (7 days or more)" in refused.output
    assert "Safe range from Product label" in refused.output
    assert "--departure-reason" in refused.output and "not imported" in refused.output
    # The less safe count comes first, before the list of changes.
    first = refused.output.index(
        f"1 of {CASES} reference patient(s) would move to a less safe result"
    )
    assert first < refused.output.index("Changes from version 1")
    assert "short-acting-8-days (less safe verdict, earlier start)" in refused.output
    assert store(app).read().active.number == 1
    [row] = audit(app, "import")
    assert row.outcome == "invalid"
    assert row.detail["problems"][0].startswith("washout_days_short_acting: 5 days is below")

    blank = cli(app, *args, "--departure-reason", "  ")
    assert blank.exit_code == 1 and store(app).read().active.number == 1

    done = cli(app, *args, "--departure-reason", "Codeine only; agreed by Dr Rahman")
    assert done.exit_code == 0, done.output
    current = store(app).read().active
    assert current.number == 2 and current.settings.washout_days_short_acting == 5
    assert current.departure_reason == "Codeine only; agreed by Dr Rahman"
    success = [r for r in audit(app, "import") if r.outcome == "success"]
    assert success[0].detail["departure_reason"] == current.departure_reason
    assert success[0].detail["departures"][0][0] == "washout_days_short_acting"


def test_import_below_a_hard_limit_is_refused_even_with_a_departure_reason(
    app: Flask, tmp_path: Path
) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    values = {**DEFAULT_SETTINGS.as_dict(), "washout_days_short_acting": 2}
    path = _file(tmp_path, values)
    result = cli(
        app,
        "import-settings",
        str(path),
        "--author",
        "alice",
        "--reason",
        "x",
        "--departure-reason",
        "I insist",
        "--yes",
    )
    assert result.exit_code == 1
    assert "must be 3 days or more" in result.output
    assert store(app).read().active.number == 1


def test_import_inside_the_safe_range_keeps_no_departure_reason(app: Flask, tmp_path: Path) -> None:
    cli(app, "create-admin", "alice", "--password-stdin", input=PASSWORD)
    path = _file(tmp_path, {**DEFAULT_SETTINGS.as_dict(), "washout_days_short_acting": 14})
    result = cli(
        app,
        "import-settings",
        str(path),
        "--author",
        "alice",
        "--reason",
        "Stricter",
        "--departure-reason",
        "not needed",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    assert f"0 of {CASES} reference patient(s) would move to a less safe result (" in result.output
    assert "--departure-reason is not kept" in result.output
    assert store(app).read().active.departure_reason is None


def test_the_toml_export_shows_each_safe_range(app: Flask) -> None:
    text = cli(app, "export-settings", "--format", "toml").output
    assert "safe range 7 days or more" in text and "--departure-reason" in text
