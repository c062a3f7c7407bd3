"""The app factory, ``create_app``: configuration, storage and the web layer.

gunicorn calls it as ``ldn_screen.app:create_app()``. The command line (``ldn_screen.cli``)
builds the app through it; the app never imports the command line.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from flask import Flask

from . import config as cfg
from .store.db import default_sqlite_url, make_engine, schema_is_current, upgrade
from .store.private_files import create_private_file, make_private_dir
from .store.settings_store import SettingsStore, SettingsUnavailable

_PACKAGE_DIR = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def _asset_dir(name: str) -> str:
    # Inside an installed wheel the folders sit in the package; in a checkout, beside it.
    packaged = _PACKAGE_DIR / name
    return str(packaged if packaged.is_dir() else _PACKAGE_DIR.parent / name)


class OutdatedSchema(RuntimeError):
    pass


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, storage, blueprints and error pages."""
    overrides = dict(config or {})
    if not overrides.get("TESTING"):
        # The medication vocabulary first, while the heap is still small: the memory its
        # data files take while being read is then reused, not left between live objects.
        from .rules.medication_vocabulary import vocabulary

        vocabulary()
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("LDN_INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=_asset_dir("templates"),
        static_folder=_asset_dir("static"),
        instance_path=instance_path,
        instance_relative_config=True,
    )
    app.config.update(cfg.DEFAULTS)
    app.config.update(cfg.from_environment())
    app.config.update(overrides)
    cfg.finalise(app.config, app.instance_path)

    _init_store(app)

    from .web import register

    register(app)
    if not app.testing:  # the test suite builds hundreds of apps; servers build one
        _warm_up(app)
    return app


def _init_store(app: Flask) -> None:
    from .web import stores

    url = app.config.get("DATABASE_URL") or default_sqlite_url(app.instance_path)
    app.config["DATABASE_URL"] = url
    engine = make_engine(url)
    auto = app.config.get("LDN_AUTO_MIGRATE")
    if auto is None:
        # The embedded default upgrades itself so the README's run command just works;
        # a shared PostgreSQL schema is upgraded as an explicit deployment step.
        auto = url.startswith("sqlite")
    store = SettingsStore(engine)
    if auto:
        # gunicorn starts its workers together, and each builds the app: one at a time, please.
        with _instance_lock(app.instance_path):
            if not schema_is_current(engine):
                upgrade(engine)
            store.ensure_seeded()
    else:
        try:
            current = schema_is_current(engine)
        except Exception as exc:  # database down: start anyway and serve the warning pages
            log.warning("settings store unreachable at start-up: %s", exc.__class__.__name__)
        else:
            if not current:
                _outdated_schema(app)
    stores.init_app(app, engine, store)


def _warm_up(app: Flask) -> None:
    """Compile the medication vocabulary and the page templates now, so the first patient of
    each worker does not wait for them."""
    from .rules.medication_vocabulary import vocabulary

    vocabulary()
    for name in ("screening/form.html", "screening/summary.html", "errors/error.html"):
        app.jinja_env.get_template(name)
    _return_freed_memory()


def _return_freed_memory() -> None:
    """Reading the vocabulary files leaves freed memory in the process heap; hand it back to
    the system so each serving worker starts small (glibc only; elsewhere nothing happens)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def _instance_lock(instance_path: str) -> Iterator[None]:
    make_private_dir(instance_path)
    lock = Path(instance_path) / "start-up.lock"
    create_private_file(lock)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


OUTDATED_MESSAGE = (
    "The database schema is older than this release. Run 'ldn-screen db-upgrade' first."
)


def _outdated_schema(app: Flask) -> None:
    """Refuse to serve on an old schema; but let the CLI start, so db-upgrade can fix it."""
    from .web.stores import SCHEMA_OUTDATED

    if click.get_current_context(silent=True) is None:  # gunicorn, wsgi.py, ldn-screen serve
        raise OutdatedSchema(OUTDATED_MESSAGE)
    log.error(OUTDATED_MESSAGE)
    app.extensions[SCHEMA_OUTDATED] = OUTDATED_MESSAGE

    @app.before_request
    def _refuse() -> None:  # e.g. 'flask run' before the upgrade: every page is a 503
        if app.extensions.get(SCHEMA_OUTDATED):
            raise SettingsUnavailable(OUTDATED_MESSAGE)
