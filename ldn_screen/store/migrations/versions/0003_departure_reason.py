"""Departure reason on versions: why values outside a setting's safe range were published.

A version whose values all lie inside their safe ranges leaves it empty (NULL). Versions
published before this revision keep NULL too: no safe ranges were checked then.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy), so SQLite keeps the append-only triggers of 0002.
    op.add_column("settings_versions", sa.Column("departure_reason", sa.Text, nullable=True))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no table copy, triggers kept.
    op.execute("ALTER TABLE settings_versions DROP COLUMN departure_reason")
