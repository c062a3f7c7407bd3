"""Flask CLI commands: schema upgrade, admin accounts, and settings export and import.

Run them as ``ldn-screen COMMAND`` or ``flask --app ldn_screen COMMAND``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app

from ..rules import RuleSettings
from ..rules.reference_cases import impact
from ..rules.settings import departures
from ..store.audit import AuditEntry, AuditLog
from ..store.db import upgrade
from ..store.diff import diff_values
from ..store.settings_file import (
    FORMATS,
    SettingsFileError,
    export_text,
    one_line,
    read_file,
)
from ..store.settings_store import PublishConflict, SettingsStore, SettingsUnavailable
from ..store.users import AccountError, UserStore, normalise_username

CLI_CLIENT = "command line"


def _cli_actor() -> str:
    """Who ran the command, as the operating system knows them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        name = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"cli:{name}"


def _store() -> SettingsStore:
    return current_app.extensions["ldn_settings"]


def _users() -> UserStore:
    return current_app.extensions["ldn_users"]


def _audit() -> AuditLog:
    return AuditLog(current_app.extensions["ldn_engine"])


def _require_current_schema() -> None:
    message = current_app.extensions.get("ldn_schema_outdated")
    if message:
        raise click.ClickException(message)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; only the line ending is removed, so spaces inside the password count.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(
        "Password (at least 12 characters)",
        hide_input=True,
        confirmation_prompt="Repeat the password",
    )


def _password_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the password from the first line of standard input instead of prompting.",
    )(func)


def _account_change(action: str, name: str, change: Callable[[AuditEntry], Any]) -> Any:
    """Run an account change from the CLI; audit it as a success (inside ``change``, in the
    same transaction) or as a failure, with the reason."""
    entry = AuditEntry(_cli_actor(), action, "success", CLI_CLIENT, {"username": name})
    try:
        return change(entry)
    except AccountError as exc:
        detail = {"username": name[:80], "reason": str(exc)}
        _audit().record(AuditEntry(_cli_actor(), action, "failure", CLI_CLIENT, detail))
        raise click.ClickException(str(exc)) from exc


def init_app(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Create or upgrade the schema, and publish the cited defaults if none exist."""
        upgrade(current_app.extensions["ldn_engine"])
        current_app.extensions.pop("ldn_schema_outdated", None)
        _store().ensure_seeded()
        click.echo("Schema is up to date.")

    @app.cli.command("create-admin")
    @click.argument("username")
    @_password_option
    def create_admin(username: str, password_stdin: bool) -> None:
        """Create an admin account called USERNAME (asks for the password twice)."""
        _require_current_schema()
        name = normalise_username(username)
        password = _read_password(password_stdin)
        account = _account_change(
            "user_created", name, lambda entry: _users().create(username, password, audit=entry)
        )
        click.echo(f"Admin account '{account.username}' created. Sign in at /admin/login.")

    @app.cli.command("reset-password")
    @click.argument("username")
    @_password_option
    def reset_password(username: str, password_stdin: bool) -> None:
        """Set a new password for USERNAME; the account's open sessions end."""
        _require_current_schema()
        name = normalise_username(username)
        password = _read_password(password_stdin)
        account = _account_change(
            "password_changed",
            name,
            lambda entry: _users().set_password(username, password, audit=entry),
        )
        click.echo(f"The password of '{account.username}' is changed.")

    @app.cli.command("sign-out-everywhere")
    @click.argument("username")
    def sign_out_everywhere(username: str) -> None:
        """End every open admin session of USERNAME, on every computer (a lost laptop, a
        session that may have been copied). The account can sign in again."""
        _require_current_schema()
        name = normalise_username(username)
        ended = _account_change(
            "logout_everywhere",
            name,
            lambda entry: _users().end_all_sessions(username, audit=entry),
        )
        click.echo(f"Every session of '{name}' has ended ({ended} open).")

    @app.cli.command("export-settings")
    @click.option("--version", "number", type=int, help="Version number (default: the current).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
    @click.option("--output", type=click.Path(dir_okay=False), help="File to write (or print).")
    def export_settings(number: int | None, fmt: str, output: str | None) -> None:
        """Write a settings version as JSON or TOML, for review or for import elsewhere."""
        _require_current_schema()
        try:
            version = _store().version(number) if number else _store().read().active
        except SettingsUnavailable as exc:
            raise click.ClickException(f"The settings cannot be read: {exc}") from exc
        if version is None:
            raise click.ClickException(f"There is no settings version {number}")
        text = export_text(version, fmt)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"Version {version.number} written to {output}.", err=True)
        else:
            click.echo(text, nl=False)

    @app.cli.command("import-settings")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--author", required=True, help="Your admin username (recorded as the author).")
    @click.option("--reason", required=True, help="Why these values are published.")
    @click.option(
        "--departure-reason",
        help="Why values outside their safe range are published (required when any is).",
    )
    @click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the name.")
    @click.option("--yes", is_flag=True, help="Publish without asking for confirmation.")
    def import_settings(
        file: str,
        author: str,
        reason: str,
        departure_reason: str | None,
        fmt: str | None,
        yes: bool,
    ) -> None:
        """Publish the values in a reviewed FILE as a new settings version.

        The same rules as the admin form: values outside the hard limits are refused, and
        values outside their safe range need --departure-reason."""
        _require_current_schema()
        account = _users().find(author)
        if account is None or not account.is_active:
            raise click.ClickException(
                f"There is no admin account called '{author}'. Give your admin username "
                "(create one with create-admin)."
            )
        if not reason.strip():
            raise click.ClickException("Give the reason for this change with --reason")
        name = one_line(Path(file).name, 120)

        def audit(outcome: str, **detail: object) -> AuditEntry:
            return AuditEntry(
                account.username, "import", outcome, CLI_CLIENT, {"file": name, **detail}
            )

        try:
            parsed = read_file(file, fmt)
        except SettingsFileError as exc:
            _audit().record(audit("invalid", problems=exc.problems[:20]))
            if len(exc.problems) == 1:
                raise click.ClickException(f"The file was not imported: {exc.problems[0]}") from exc
            raise click.ClickException(
                "The file was not imported:\n  " + "\n  ".join(exc.problems)
            ) from exc
        current = _store().read().active
        changes = diff_values(current.settings.as_dict(), parsed.values)
        if not changes:
            raise click.ClickException(
                f"The file has the same values as version {current.number}; nothing to import."
            )
        new_settings = RuleSettings.from_dict(parsed.values)
        impacts = impact(current.settings, new_settings, dt.date.today())
        # As on the preview page: the less safe count first, then the rest.
        worse = [i for i in impacts if i.less_safe]
        named = ", ".join(f"{i.case.id} ({', '.join(i.less_safe)})" for i in worse)
        click.echo(
            f"{len(worse)} of {len(impacts)} reference patient(s) would move to a less safe "
            "result (a less safe verdict, an earlier start or a higher first dose)"
            + (f": {named}" if worse else ".")
        )
        click.echo(f"Changes from version {current.number} (current):")
        for change in changes:
            click.echo(f"  {change.label}: {change.old} -> {change.new}")
        moved = [i for i in impacts if i.changed]
        click.echo(
            f"{len(moved)} reference patient(s) would get a different verdict, start date or "
            "dose plan" + (": " + ", ".join(i.case.id for i in moved) if moved else ".")
        )
        found = departures(new_settings.as_dict())
        departure = (departure_reason or "").strip()
        if found:
            click.echo("Outside the safe range:")
            for d in found:
                click.echo(f"  Warning: {d.spec.label}: {d.warning}")
            if not departure:
                problems = [f"{d.spec.name}: {d.message}" for d in found]
                _audit().record(audit("invalid", problems=problems[:20]))
                raise click.ClickException(
                    "The file was not imported: "
                    + ("this value is" if len(found) == 1 else "these values are")
                    + " outside the safe range. If the departure is intended, say why with "
                    "--departure-reason 'why'."
                )
        elif departure:
            click.echo("Every value is inside its safe range: --departure-reason is not kept.")
        if not yes:
            click.confirm(f"Publish these values as version {current.number + 1}?", abort=True)
        based_on = parsed.exported_from_version or current.number
        log = [[c.name, c.old, c.new] for c in changes]
        try:
            version = _store().publish(
                new_settings.as_dict(),
                account.username,
                reason.strip(),
                based_on=based_on,
                audit=audit("success", reason=reason.strip(), based_on=based_on, changes=log),
                departure_reason=departure if found else None,
            )
        except PublishConflict as exc:
            _audit().record(audit("conflict", based_on=based_on, current=exc.current))
            raise click.ClickException(
                f"The file was exported from version {based_on}, but version {exc.current} is "
                "the current version here. Export the current version, apply your changes to "
                "it, and import that file instead (or remove 'exported_from_version' from the "
                "file to publish it on top of the current version)."
            ) from exc
        click.echo(f"Published version {version.number}.")
