"""Schema management on each backend: upgrade, the outdated-schema refusal, append-only rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from ldn_screen.app import OutdatedSchema, create_app
from ldn_screen.store.audit import AuditEntry, AuditLog
from ldn_screen.store.db import (
    HEAD_REVISION,
    alembic_head,
    make_engine,
    schema_is_current,
    upgrade,
)
from ldn_screen.store.settings_store import SettingsStore
from tests.pg_support import reset_postgres


def test_upgrade_creates_every_table_and_is_idempotent(engine: Engine) -> None:
    assert schema_is_current(engine)
    upgrade(engine)  # a second run changes nothing and does not fail
    tables = set(inspect(engine).get_table_names())
    assert {"users", "settings_versions", "audit_events", "alembic_version"} <= tables
    columns = {c["name"] for c in inspect(engine).get_columns("settings_versions")}
    assert "restores" in columns


def test_an_old_schema_is_not_current(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    assert not schema_is_current(engine)
    upgrade(engine)
    assert schema_is_current(engine)
    engine.dispose()


def test_app_refuses_to_serve_on_an_outdated_schema(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    engine.dispose()
    config = {
        "DATABASE_URL": db_url,
        "LDN_AUTO_MIGRATE": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    with pytest.raises(OutdatedSchema, match="db-upgrade"):
        create_app(config)


def test_db_upgrade_command_fixes_an_outdated_schema(db_url: str, tmp_path: Path) -> None:
    """The documented upgrade step must run even though the app refuses to serve."""
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LDN_AUTO_MIGRATE": "0",
        "LDN_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    flask = [str(Path(sys.executable).parent / "ldn-screen")]  # the README's command
    refused = subprocess.run(
        [*flask, "create-admin", "bob", "--password-stdin"],
        env=env,
        input="a long enough password\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "older than this release" in refused.stderr
    done = subprocess.run(
        [*flask, "db-upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Schema is up to date." in done.stdout
    assert schema_is_current(engine)
    assert SettingsStore(engine).read().active.number == 1
    engine.dispose()
    app = create_app({"DATABASE_URL": db_url, "LDN_AUTO_MIGRATE": False, "TESTING": True})
    assert app.test_client().get("/healthz").json["settings_version"] == 1
    app.extensions["ldn_engine"].dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE settings_versions SET reason = 'rewritten'",
        "DELETE FROM settings_versions",
        "UPDATE audit_events SET outcome = 'success'",
        "DELETE FROM audit_events",
    ],
)
def test_versions_and_audit_rows_cannot_be_changed_or_deleted(
    engine: Engine, statement: str
) -> None:
    SettingsStore(engine).ensure_seeded()
    AuditLog(engine).record(AuditEntry("alice", "login", "failure", "10.0.0.1"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM settings_versions")) == 1
        assert conn.scalar(text("SELECT reason FROM settings_versions")) != "rewritten"
        assert conn.scalar(text("SELECT outcome FROM audit_events")) == "failure"


@pytest.mark.postgres
def test_postgres_refuses_truncate_too(postgres_server: str) -> None:
    reset_postgres(postgres_server)  # SQLite has no TRUNCATE; its DELETE trigger is above
    engine = make_engine(postgres_server)
    upgrade(engine)
    AuditLog(engine).record(AuditEntry("alice", "login", "success"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
    engine.dispose()


def test_the_recorded_head_revision_is_alembics_head() -> None:
    # Serving workers compare against HEAD_REVISION without importing Alembic.
    assert alembic_head() == HEAD_REVISION


def test_a_serving_worker_does_not_import_alembic(tmp_path: Path) -> None:
    start = (
        "from ldn_screen.app import create_app\n"
        f"app = create_app({{'INSTANCE_PATH': {str(tmp_path)!r}}})\n"
    )
    subprocess.run([sys.executable, "-c", start], check=True)  # first start: creates the schema
    probe = start + "import sys\nassert app.test_client().get('/').status_code == 200\n"
    probe += "print('alembic' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_the_declared_tables_match_what_the_migrations_built(engine: Engine) -> None:
    """The app writes through ``models.metadata``; the database was built by the migrations.
    Any difference (a column, a type, an index, a default) shows up here, on each backend."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ldn_screen.store.models import metadata

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        drift = compare_metadata(context, metadata)
    # alembic's own bookkeeping table is not part of the app's schema. On SQLite, alembic
    # reads the empty-string default back as the text "''" and reports a change that is not
    # one (PostgreSQL, compared the same way, shows none): that one item is set aside.
    sqlite_quirk = ("modify_default", "audit_events", "client")

    def real(item: object) -> bool:
        if "alembic_version" in repr(item):
            return False
        if engine.dialect.name == "sqlite" and isinstance(item, list):
            op, _, table, column, *_ = item[0]
            return (op, table, column) != sqlite_quirk
        return True

    assert [d for d in drift if real(d)] == []


def test_serving_never_loads_the_orm_or_the_migration_tooling(tmp_path: Path) -> None:
    """A worker reads settings with plain Core queries; the ORM (about 6 MiB a worker) and
    alembic load only where a migration runs."""
    script = (
        "import sys\n"
        "from ldn_screen.app import create_app\n"
        "app = create_app()\n"
        "client = app.test_client()\n"
        "for path in ('/', '/followup', '/sheet', '/healthz', '/admin/login'):\n"
        "    assert client.get(path).status_code == 200, path\n"
        "print(sorted(m for m in ('sqlalchemy.orm', 'alembic') if m in sys.modules))\n"
    )
    env = {**os.environ, "LDN_INSTANCE_PATH": str(tmp_path), "LDN_ENV": "development"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs[0] == "['alembic']"  # the first start builds the SQLite schema
    assert runs[1] == "[]"  # what every gunicorn worker does
