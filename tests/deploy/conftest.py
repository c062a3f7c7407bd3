"""Fixtures for the deployment tests: a PostgreSQL cluster of their own, and Redis.

The cluster is separate from the storage tests' one because the outage test stops and
restarts it; nothing else can then be caught by a server that is briefly down.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_support import PgCluster, free_port, throwaway_cluster


@pytest.fixture(scope="package")
def deploy_cluster() -> Iterator[PgCluster]:
    with throwaway_cluster() as cluster:
        yield cluster


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture()
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of the test's own: loopback, a free port, nothing written to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server not found: apt-get install redis-server (.ci/test installs it). "
            "The shared login throttle must be tested against a real Redis, never skipped."
        )
    port = free_port()
    log = tmp_path / "redis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 10
        while not _pong(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
