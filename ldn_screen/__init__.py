"""ldn-screen: LDN safety screening for a fibromyalgia clinic.

The factory is imported lazily so that ``ldn_screen.rules`` can be used (and tested) without
loading Flask or the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from .app import create_app as _create_app

    return _create_app(config)
