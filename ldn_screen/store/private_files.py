"""The data folder and its files are readable by the app's own user only.

The SQLite database holds password hashes and the audit log; the folder also holds the local
secret key. Folders are created 0700 and files 0600 whatever the process umask is.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files created meanwhile (SQLite's database, -wal and -shm files) get no group or other
    bits. The umask is process-wide: used only around creation, at start-up."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def make_private_dir(path: str | os.PathLike[str]) -> None:
    """Create ``path`` (and missing parents) 0700. A folder that exists is left as it is: the
    operator may have set its permissions on purpose."""
    with private_umask():
        Path(path).mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def create_private_file(path: str | os.PathLike[str]) -> None:
    """Create an empty file 0600 unless it exists. SQLite gives its -wal and -shm files the
    database file's permissions, so creating the database this way covers them too.

    A missing folder is not created, and a file that cannot be created is left to SQLite:
    a mistyped or unreachable database path must fail as SQLite reports it, not quietly
    become a new, empty database."""
    with contextlib.suppress(FileExistsError, FileNotFoundError, PermissionError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
