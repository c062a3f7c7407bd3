"""Tables. Versions and audit rows are written once and never updated by the app.

Plain SQLAlchemy Core tables, not ORM classes: serving workers never import
``sqlalchemy.orm`` (about 6 MiB per worker).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    true,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_active", Boolean, nullable=False, default=True, server_default=true()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

settings_versions = Table(
    "settings_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    # The number is unique, so two admins publishing "version N+1" at once cannot both win.
    Column("number", Integer, nullable=False, unique=True),
    Column("values", JSON, nullable=False),
    Column("author", String(80), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("based_on", Integer, ForeignKey("settings_versions.number"), nullable=True),
    # The older version whose values a rollback published again (migration 0002).
    Column("restores", Integer, nullable=True),
    # Why values outside their safe range were published; NULL when none were (migration 0003).
    Column("departure_reason", Text, nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    # Declared as migration 0001 made them, so a schema comparison finds no drift.
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(80), nullable=False, index=True),
    Column("action", String(40), nullable=False, index=True),
    Column("outcome", String(40), nullable=False),
    Column("client", String(64), nullable=False, default="", server_default=""),
    Column("detail", JSON, nullable=False, default=dict),
)

# An open admin session (migration 0004). The browser's cookie holds only the session's id;
# sign-out, time-out, "sign out everywhere" and a password reset delete the row, and a cookie
# whose row is gone opens nothing, whoever holds a copy. The id is stored hashed (SHA-256), so
# a read of this table gives no usable session.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False, index=True),
)

# Failed sign-ins, counted in the database every worker and instance shares (migration 0004).
# One row per throttle key ("account:NAME" or "client:ADDRESS"): ``hits`` holds the times
# (Unix seconds) of the failures still inside the window, changed only by compare-and-swap on
# ``version``. ``refused``/``refused_since`` count the throttled attempts of the current
# reporting period, so the audit log gets one row per period instead of one per request.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("hits", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    # When the newest failure leaves the window: after it, the row only matters for the count.
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("refused", Integer, nullable=False),
    Column("refused_since", DateTime(timezone=True), nullable=True),
    # Who and where the period's first audit row named, for the row with its count.
    Column("refused_actor", String(80), nullable=True),
    Column("refused_client", String(64), nullable=True),
)

# A program allowed to call the JSON API (migration 0005), created and revoked from the
# command line. Only the SHA-256 of its bearer token is kept (store/api_clients.py says why
# that is enough for a random token), so a read of this table gives no usable token. A revoked
# client keeps its row, so the audit log's names always resolve and a name is never reused.
api_clients = Table(
    "api_clients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # The last day (UTC) a call was audited: use is audited once per client per day.
    Column("last_used_on", Date, nullable=True),
)

# CDS Hooks (migration 0006). Seen JWT ids, so a captured token cannot be replayed: the key is
# a SHA-256 of issuer and jti (bounded length; no token content kept), unique, and the row is
# kept until the token expires (tokens may live at most an hour, web/ehr_trust/verify.py).
cds_seen_jti = Table(
    "cds_seen_jti",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# One small row per card the CDS services issue, so feedback (which names only the card's
# uuid) can be counted per finding code and settings version. No patient data: the card's
# uuid, its service, the finding code, the settings version, and labels of its suggestions.
cds_issued_cards = Table(
    "cds_issued_cards",
    metadata,
    Column("uuid", String(64), primary_key=True),
    Column("service_id", String(64), nullable=False),
    Column("finding_code", String(80), nullable=False),
    Column("settings_version", Integer, nullable=False),
    Column("suggestions", JSON, nullable=False, default=dict),
    Column("issued_at", DateTime(timezone=True), nullable=False, index=True),
)

# What the prescriber did with a card (CDS Hooks feedback). Never the patient, the comment's
# text or the JWT: only whether a comment was written.
cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_uuid", String(64), nullable=False, index=True),
    Column("service_id", String(64), nullable=False),
    Column("finding_code", String(80), nullable=False, index=True),
    Column("settings_version", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("accepted_suggestion", String(100), nullable=True),
    Column("override_reason", String(100), nullable=True),
    Column("comment_present", Boolean, nullable=False),
    Column("outcome_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
