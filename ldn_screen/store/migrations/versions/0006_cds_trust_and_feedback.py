"""CDS Hooks: the JWT replay store, the cards issued, and the prescribers' feedback.

``cds_seen_jti``: the ids of the EHR tokens already used, until they expire, shared by every
worker and instance. ``cds_issued_cards``: card uuid → service, finding code and settings
version (no patient data). ``cds_feedback``: accepted or overridden, and why.

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_seen_jti",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_seen_jti_expires_at", "cds_seen_jti", ["expires_at"])
    op.create_table(
        "cds_issued_cards",
        sa.Column("uuid", sa.String(64), primary_key=True),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("finding_code", sa.String(80), nullable=False),
        sa.Column("settings_version", sa.Integer, nullable=False),
        sa.Column("suggestions", sa.JSON, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_issued_cards_issued_at", "cds_issued_cards", ["issued_at"])
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("card_uuid", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("finding_code", sa.String(80), nullable=False),
        sa.Column("settings_version", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("accepted_suggestion", sa.String(100), nullable=True),
        sa.Column("override_reason", sa.String(100), nullable=True),
        sa.Column("comment_present", sa.Boolean, nullable=False),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_feedback_card_uuid", "cds_feedback", ["card_uuid"])
    op.create_index("ix_cds_feedback_finding_code", "cds_feedback", ["finding_code"])


def downgrade() -> None:
    op.drop_index("ix_cds_feedback_finding_code", "cds_feedback")
    op.drop_index("ix_cds_feedback_card_uuid", "cds_feedback")
    op.drop_table("cds_feedback")
    op.drop_index("ix_cds_issued_cards_issued_at", "cds_issued_cards")
    op.drop_table("cds_issued_cards")
    op.drop_index("ix_cds_seen_jti_expires_at", "cds_seen_jti")
    op.drop_table("cds_seen_jti")
