"""A throwaway PostgreSQL 15 cluster for the tests that need a real server.

initdb in a temporary folder owned by the ``postgres`` user (initdb refuses to run as root),
on a free loopback port, removed at the end. If the binaries are missing the caller's test
fails rather than skips, so CI can never pass without having run it. The cluster can be
stopped and started again on the same port and data folder, for the outage tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from ldn_screen.store.db import make_engine

PG_BIN = Path(os.environ.get("LDN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL's tools refuse to run as root; run them as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass(frozen=True)
class PgCluster:
    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]
        return subprocess.run(as_postgres(command), capture_output=True, text=True, check=False)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.base / "server.log")
        done = self.pg_ctl("-l", log, "-w", "-t", "60", "-o", options, "start")
        assert done.returncode == 0, f"pg_ctl start failed: {done.stdout}{done.stderr}"

    def stop(self, mode: str = "fast") -> None:
        done = self.pg_ctl("-w", "-t", "60", "-m", mode, "stop")
        assert done.returncode == 0, f"pg_ctl stop failed: {done.stdout}{done.stderr}"

    def is_running(self) -> bool:
        return self.pg_ctl("status").returncode == 0

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        psql = [str(PG_BIN / "psql"), "-h", str(self.base), "-p", str(self.port)]
        command = [*psql, "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        done = subprocess.run(
            as_postgres([*command, "-c", f'CREATE DATABASE "{name}"']),
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"CREATE DATABASE failed: {done.stderr}"
        return self.url(name)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[PgCluster]:
    """A running cluster on 127.0.0.1, stopped and removed on exit."""
    initdb = PG_BIN / "initdb"
    if not initdb.exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.fail(
            f"PostgreSQL binaries not found in {PG_BIN}: apt-get install postgresql-15 "
            "(or set LDN_PG_BIN). These tests must run on PostgreSQL."
        )
    # Not under pytest's tmp folder: its parents are private to root, and postgres must enter.
    base = Path(tempfile.mkdtemp(prefix="ldn-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    cluster = PgCluster(base, free_port())
    try:
        subprocess.run(
            as_postgres(
                [str(initdb), "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
        cluster.start()
        yield cluster
    finally:
        if cluster.data.exists():
            cluster.pg_ctl("-m", "immediate", "stop")
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
