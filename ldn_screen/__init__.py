"""ldn-screen: LDN safety screening for a fibromyalgia clinic.

``create_app`` (the one factory, in app.py) is loaded on first use, so that ``ldn_screen.rules``
can be used (and tested) without loading Flask or the database layer. gunicorn can call it
directly: ``gunicorn 'ldn_screen:create_app()'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        globals()["create_app"] = create_app  # later look-ups skip this function
        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
