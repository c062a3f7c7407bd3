"""Rollback marker on versions, actor index, and append-only versions and audit log.

The app never updates or deletes a settings version or an audit row. The triggers make the
database refuse it too, so a bug, a hand-run script or a compromised admin session cannot
quietly rewrite history through the app's connection.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TABLES = ("settings_versions", "audit_events")


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy), so the triggers below are never dropped by SQLite.
    op.add_column("settings_versions", sa.Column("restores", sa.Integer, nullable=True))
    op.create_index("ix_audit_events_actor", "audit_events", ["actor"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ldn_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: rows cannot be changed or deleted',
                    TG_TABLE_NAME;
            END $$
            """
        )
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ldn_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ldn_refuse_change()"
            )
    else:
        for table in _TABLES:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be "
                    "changed or deleted'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION ldn_refuse_change()")
    else:
        for table in _TABLES:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")
    op.drop_index("ix_audit_events_actor", "audit_events")
    with op.batch_alter_table("settings_versions") as batch:
        batch.drop_column("restores")
