"""Storage tests run twice: on SQLite and on a real PostgreSQL server started here.

The PostgreSQL cluster is a throwaway one: initdb in a temporary folder owned by the
``postgres`` user (initdb refuses to run as root), on a free loopback port, started once per
test session and removed at the end. If the binaries are missing the tests fail rather
than skip, so CI can never pass without having run them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ldn_screen.store.db import make_engine, upgrade

PG_BIN = Path(os.environ.get("LDN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres() -> Callable[[list[str]], list[str]]:
    if os.geteuid() == 0:
        return lambda args: ["runuser", "-u", "postgres", "--", *args]
    return lambda args: args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A running PostgreSQL 15 on 127.0.0.1; yields a SQLAlchemy URL (psycopg 3)."""
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not initdb.exists() or not pg_ctl.exists():
        pytest.fail(
            f"PostgreSQL binaries not found in {PG_BIN}: apt-get install postgresql-15 "
            "(or set LDN_PG_BIN). The storage tests must run on PostgreSQL too."
        )
    run = _as_postgres()
    # Not under pytest's tmp folder: its parents are private to root, and postgres must enter.
    base = Path(tempfile.mkdtemp(prefix="ldn-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    subprocess.run(
        run([str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    start = [str(pg_ctl), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60"]
    subprocess.run(run([*start, "-o", options, "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            run([str(pg_ctl), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def reset_postgres(url: str) -> None:
    """An empty public schema, as a new database would have."""
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no schema) on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    url: str = request.getfixturevalue("postgres_server")
    reset_postgres(url)
    return url


@pytest.fixture()
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database upgraded to the newest schema."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()
