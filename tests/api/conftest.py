from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ldn_screen.app import create_app
from tests.api.support import create_client
from tests.helpers import PageCheckingClient


@pytest.fixture()
def token(app: Flask) -> str:
    return create_client(app)


@pytest.fixture()
def make_app(tmp_path: Path, _template_instance: Path) -> Iterator[Callable[..., Flask]]:
    """An app with extra configuration, on its own copy of the migrated instance."""
    made: list[Flask] = []

    def _make(**config: Any) -> Flask:
        instance = tmp_path / f"instance-{len(made)}"
        shutil.copytree(_template_instance, instance)
        app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True, **config})
        app.test_client_class = PageCheckingClient
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["ldn_engine"].dispose()
