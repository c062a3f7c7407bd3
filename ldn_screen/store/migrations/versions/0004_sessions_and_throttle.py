"""Server-side admin sessions and shared sign-in throttle counters.

``admin_sessions``: one row per open admin session; signing out deletes it, so a copied
cookie stops working. ``login_throttle``: failed sign-ins per account and per client address,
shared by every worker and instance on this database.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_admin_sessions_user_id", "admin_sessions", ["user_id"])
    op.create_index("ix_admin_sessions_last_seen", "admin_sessions", ["last_seen"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("hits", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
        sa.Column("refused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_actor", sa.String(80), nullable=True),
        sa.Column("refused_client", sa.String(64), nullable=True),
    )
    op.create_index("ix_login_throttle_expires_at", "login_throttle", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_login_throttle_expires_at", "login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_admin_sessions_last_seen", "admin_sessions")
    op.drop_index("ix_admin_sessions_user_id", "admin_sessions")
    op.drop_table("admin_sessions")
