"""Admin accounts from the command line: create one, reset a password, end every session.

Each change is audited, as a success (in the same transaction) or as a failure with the reason,
under the operating-system user who ran the command.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext

from ..store.audit import AuditEntry
from ..store.users import AccountError, normalise_username
from ..web.stores import audit_log, users
from .schema import require_current_schema

CLI_CLIENT = "command line"


def cli_actor() -> str:
    """Who ran the command, as the operating system knows them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        name = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"cli:{name}"


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; only the line ending is removed, so spaces inside the password count.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(
        "Password (at least 12 characters)",
        hide_input=True,
        confirmation_prompt="Repeat the password",
    )


def password_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the password from the first line of standard input instead of prompting.",
    )(func)


def account_change(action: str, name: str, change: Callable[[AuditEntry], Any]) -> Any:
    """Run an account change from the CLI; audit it as a success (inside ``change``, in the
    same transaction) or as a failure, with the reason."""
    entry = AuditEntry(cli_actor(), action, "success", CLI_CLIENT, {"username": name})
    try:
        return change(entry)
    except AccountError as exc:
        detail = {"username": name[:80], "reason": str(exc)}
        audit_log().record(AuditEntry(cli_actor(), action, "failure", CLI_CLIENT, detail))
        raise click.ClickException(str(exc)) from exc


@click.command("create-admin")
@with_appcontext
@click.argument("username")
@password_option
def create_admin(username: str, password_stdin: bool) -> None:
    """Create an admin account called USERNAME (asks for the password twice)."""
    require_current_schema()
    name = normalise_username(username)
    password = read_password(password_stdin)
    account = account_change(
        "user_created", name, lambda entry: users().create(username, password, audit=entry)
    )
    click.echo(f"Admin account '{account.username}' created. Sign in at /admin/login.")


@click.command("reset-password")
@with_appcontext
@click.argument("username")
@password_option
def reset_password(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME; the account's open sessions end."""
    require_current_schema()
    name = normalise_username(username)
    password = read_password(password_stdin)
    account = account_change(
        "password_changed",
        name,
        lambda entry: users().set_password(username, password, audit=entry),
    )
    click.echo(f"The password of '{account.username}' is changed.")


@click.command("sign-out-everywhere")
@with_appcontext
@click.argument("username")
def sign_out_everywhere(username: str) -> None:
    """End every open admin session of USERNAME, on every computer (a lost laptop, a
    session that may have been copied). The account can sign in again."""
    require_current_schema()
    name = normalise_username(username)
    ended = account_change(
        "logout_everywhere",
        name,
        lambda entry: users().end_all_sessions(username, audit=entry),
    )
    click.echo(f"Every session of '{name}' has ended ({ended} open).")
