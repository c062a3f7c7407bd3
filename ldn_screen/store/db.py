"""Engine and schema management. SQLite in the instance folder by default; PostgreSQL by URL."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from .private_files import create_private_file, make_private_dir
from .writable import watch

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in migrations/versions. A test checks it against Alembic's own view, so
# serving workers can compare revisions without importing Alembic (about 11 MiB per worker).
HEAD_REVISION = "0006"


def make_engine(url: str) -> Engine:
    """An engine that recovers by itself from a spell of being read-only (store/writable.py)."""
    if url.startswith("sqlite"):
        _create_private_database(url)
        engine = create_engine(url, connect_args={"timeout": 15})
        watch(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets gunicorn workers read while an admin publishes. In WAL mode,
            # synchronous=NORMAL (SQLite's advice for WAL) cannot corrupt the database; a power
            # cut may lose only the last few commits, never half of one (a publish and its
            # audit entry stay together). FULL would add a disk flush to every write: each
            # CDS call writes its token id and its cards.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    watch(engine)
    return engine


def _create_private_database(url: str) -> None:
    """A new SQLite file is created 0600 before SQLite opens it (it holds password hashes and
    the audit log); SQLite then gives its -wal and -shm files the same permissions."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        create_private_file(database)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("ldn_screen.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest migration, or to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def alembic_head() -> str | None:
    """The newest revision as Alembic sees it (for the test that guards ``HEAD_REVISION``)."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(create_engine("sqlite://"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        if "alembic_version" in str(exc):  # no table yet: a new, empty database
            return None
        raise


def schema_is_current(engine: Engine) -> bool:
    return schema_revision(engine) == HEAD_REVISION


def default_sqlite_url(instance_path: str) -> str:
    make_private_dir(instance_path)
    return f"sqlite:///{Path(instance_path) / 'ldn_screen.sqlite3'}"
