"""Alembic environment: runs on the engine the app hands over, never on a guessed URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ldn_screen.store.models import metadata

config = context.config
# No URL configured gives "" and SQLAlchemy's own parse error, never a guessed database.
url = config.get_main_option("sqlalchemy.url", "")
engine = config.attributes.get("engine") or create_engine(url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
