"""Shared fixtures: an app on a copy of a migrated SQLite instance, and its client (helpers
that tests import live in tests/helpers.py).

The suite runs on several processes (pytest-xdist; `--dist loadfile` keeps each file on one
worker). What keeps a test safe there: files under tmp_path (each worker has its own base
folder, and its own template instance), ports from the kernel (tests/pg_support.free_port),
artifacts named after their test, and the same test ids on every worker (no random values in
parametrize ids). Module-level state such as a fuzzer's example counter stays in its file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from sqlalchemy import Engine, event
from werkzeug.routing import Rule

from ldn_screen.app import create_app
from tests.helpers import PageCheckingClient

# In CI the property tests draw the same examples on every run, so a red build can always be
# reproduced; locally they explore new examples each time.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
_skipped: list[str] = []


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for the whole test process.

    The suite builds a new app for almost every test, and each new app would parse and
    compile every page it renders again: that was most of a web test's time. Jinja checks each
    cached entry against the template's source, so an edited template is compiled again; the
    key also holds the environment's options, so an app configured otherwise never gets code
    compiled for another one. Rendering still runs the real templates on every request.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        options = (
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.keep_trailing_newline,
            environment.newline_sequence,
            environment.optimized,
            environment.autoescape(name)
            if callable(environment.autoescape)
            else environment.autoescape,
            tuple(sorted(environment.extensions)),
        )
        return super().get_bucket(environment, f"{name}{options!r}", filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


# Every app the tests build (create_app makes a Flask) shares the one cache.
Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedTemplateCode()}


_URL_BUILDERS: dict[tuple[object, ...], Callable[..., tuple[str, str]]] = {}
_compile_url_builder = Rule._compile_builder


def _shared_url_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    """Werkzeug writes and compiles two URL-builder functions for each route of each new app;
    with about 1,600 apps per run, that was two thirds of building one. A builder is a plain
    function of the rule's parsed parts (it reaches its converters through the rule it is
    bound to), so one per distinct rule serves every app of this process. A server builds
    one app per worker, and is untouched."""
    key = (
        self.rule,
        tuple(self._trace),
        repr(sorted((self.defaults or {}).items())),
        append_unknown,
    )
    builder = _URL_BUILDERS.get(key)
    if builder is None:
        builder = _URL_BUILDERS[key] = _compile_url_builder(self, append_unknown)
    return builder


Rule._compile_builder = _shared_url_builder  # type: ignore[method-assign]


@event.listens_for(Engine, "connect")
def _no_fsync_in_tests(dbapi_connection: object, _record: object) -> None:
    """Test databases are thrown away, so SQLite need not wait for the disk at each commit
    (as the test PostgreSQL clusters run with fsync=off, tests/pg_support.py). Everything a
    test reads back is the same; only a power cut would lose it."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A skipped test is a test that did not run: CI must not pass because a tool was missing.
    if _skipped and not os.environ.get("LDN_ALLOW_SKIPS"):
        print(
            f"\n{len(_skipped)} test(s) skipped; failing the run (set LDN_ALLOW_SKIPS=1 locally)."
        )
        session.exitstatus = 1


@pytest.fixture(scope="session")
def _template_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance folder whose SQLite database is migrated and seeded once per session.

    Migrating costs about half a second; each test copies the finished files instead, so
    every test still gets its own database, exactly as a first start leaves it.
    """
    path = tmp_path_factory.mktemp("template") / "instance"
    app = create_app({"INSTANCE_PATH": str(path), "TESTING": True})
    app.extensions["ldn_engine"].dispose()
    return path


@pytest.fixture()
def app(tmp_path: Path, _template_instance: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    shutil.copytree(_template_instance, instance)
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    app.test_client_class = PageCheckingClient
    yield app
    app.extensions["ldn_engine"].dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """Checks every HTML page it fetches against the page contract (tests/helpers.py)."""
    return app.test_client()
