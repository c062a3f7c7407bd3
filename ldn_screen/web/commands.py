"""Flask CLI commands for deployment: schema upgrade and the first settings version."""

from __future__ import annotations

import click
from flask import Flask, current_app

from ..store.db import upgrade


def init_app(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Create or upgrade the schema, and publish the cited defaults if none exist."""
        upgrade(current_app.extensions["ldn_engine"])
        current_app.extensions["ldn_settings"].ensure_seeded()
        click.echo("Schema is up to date.")
