"""``api-client create|revoke|list``: the programs allowed to call the JSON API.

``create`` prints the client's bearer token once; only its SHA-256 is kept, so a lost token is
replaced by revoking the client and creating another. Both changes are audited under the
operating-system user who ran the command, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask.cli import with_appcontext

from ..store.api_clients import ApiClientError
from ..store.audit import AuditEntry
from ..web.stores import api_clients, audit_log
from .accounts import CLI_CLIENT, cli_actor
from .schema import require_current_schema

T = TypeVar("T")


def _change(action: str, name: str, change: Callable[[AuditEntry], T]) -> T:
    entry = AuditEntry(cli_actor(), action, "success", CLI_CLIENT, {"api_client": name[:80]})
    try:
        return change(entry)
    except ApiClientError as exc:
        detail = {"api_client": name[:80], "reason": str(exc)}
        audit_log().record(AuditEntry(cli_actor(), action, "failure", CLI_CLIENT, detail))
        raise click.ClickException(str(exc)) from exc


@click.group("api-client")
def api_client() -> None:
    """Create, revoke and list the programs allowed to call the JSON API (/api/v1)."""


@api_client.command("create")
@with_appcontext
@click.argument("name")
def create(name: str) -> None:
    """Create the API client NAME and print its bearer token (shown only this once)."""
    require_current_schema()
    client, token = _change(
        "api_client_created", name, lambda entry: api_clients().create(name, entry)
    )
    click.echo(f"API client '{client.name}' created. Its bearer token (shown only once):")
    click.echo(token)
    click.echo("Send it as 'Authorization: Bearer TOKEN'. Store it as a secret.")


@api_client.command("revoke")
@with_appcontext
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the API client NAME: its token stops working on the next call."""
    require_current_schema()
    _change("api_client_revoked", name, lambda entry: api_clients().revoke(name, entry))
    click.echo(f"API client '{name}' revoked.")


@api_client.command("list")
@with_appcontext
def list_clients() -> None:
    """List the API clients, when each was created, last used and revoked."""
    require_current_schema()
    clients = api_clients().all()
    if not clients:
        click.echo("No API clients.")
        return
    for c in clients:
        state = f"revoked {c.revoked_at:%Y-%m-%d %H:%M} UTC" if c.revoked_at else "active"
        used = c.last_used_on.isoformat() if c.last_used_on else "never"
        click.echo(f"{c.name}\t{state}\tcreated {c.created_at:%Y-%m-%d}\tlast used {used}")
