"""The data folder and the SQLite files are private to the app's user (security issue, item 9).

They hold the password hashes, the audit log and the local secret key. The tests run under the
common umask 022, which would otherwise give 0755 folders and 0644 files.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ldn_screen.app import create_app


@pytest.fixture(autouse=True)
def common_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_its_files_are_private(tmp_path: Path) -> None:
    instance = tmp_path / "data" / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    engine = app.extensions["ldn_engine"]
    with engine.begin() as conn:  # a write while connected: the -wal and -shm files exist
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        names = {p.name for p in instance.iterdir()}
        assert {"ldn_screen.sqlite3-wal", "ldn_screen.sqlite3-shm"} <= names, names
        modes = {p.name: mode(p) for p in instance.iterdir()}
    engine.dispose()
    assert mode(instance) == 0o700
    assert {"ldn_screen.sqlite3", "secret_key", "start-up.lock"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600), modes
    # The umask is the process's again once the files are made.
    assert os.umask(0o022) == 0o022


def test_a_database_elsewhere_is_private_too(tmp_path: Path) -> None:
    database = tmp_path / "db" / "clinic.sqlite3"
    database.parent.mkdir()
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{database}"}
    )
    app.extensions["ldn_engine"].dispose()
    assert mode(database) == 0o600


def test_a_database_in_a_missing_folder_is_not_quietly_created(tmp_path: Path) -> None:
    """A mistyped path must fail as SQLite reports it, not become a new, empty database."""
    database = tmp_path / "typo" / "clinic.sqlite3"
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{database}",
            "LDN_AUTO_MIGRATE": False,
            "TESTING": True,
        }
    )
    app.extensions["ldn_engine"].dispose()
    assert not database.parent.exists()


def test_an_existing_folder_keeps_the_permissions_its_operator_gave_it(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o750)
    create_app({"INSTANCE_PATH": str(instance)}).extensions["ldn_engine"].dispose()
    assert mode(instance) == 0o750
    assert mode(instance / "ldn_screen.sqlite3") == 0o600
