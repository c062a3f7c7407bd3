"""``db-upgrade``, and the check every other command makes first: the schema is current."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..store.db import upgrade
from ..web.stores import SCHEMA_OUTDATED, engine, schema_outdated, settings_store


def require_current_schema() -> None:
    if message := schema_outdated():
        raise click.ClickException(message)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or upgrade the schema, and publish the cited defaults if none exist."""
    upgrade(engine())
    current_app.extensions.pop(SCHEMA_OUTDATED, None)
    settings_store().ensure_seeded()
    click.echo("Schema is up to date.")
