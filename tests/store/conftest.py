"""Storage tests run twice: on SQLite and on a real PostgreSQL server started here.

The PostgreSQL cluster is a throwaway one (tests/pg_support.py), started once per test
session and removed at the end. If the binaries are missing the tests fail rather than skip,
so CI can never pass without having run them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from ldn_screen.app import create_app
from ldn_screen.store.db import make_engine, upgrade
from tests.helpers import PageCheckingClient
from tests.pg_support import reset_postgres, throwaway_cluster


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A running PostgreSQL 15 on 127.0.0.1; yields a SQLAlchemy URL (psycopg 3)."""
    with throwaway_cluster() as cluster:
        yield cluster.url()


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


@pytest.fixture()
def app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The whole app on each backend in turn (replaces the SQLite-only app of tests/)."""
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "LDN_AUTO_MIGRATE": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "TESTING": True,
        }
    )
    app.test_client_class = PageCheckingClient
    yield app
    app.extensions["ldn_engine"].dispose()
