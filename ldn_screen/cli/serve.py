"""``ldn-screen serve``: start the app under gunicorn, with the shipped gunicorn settings.

Flask's own development server (``flask run``) is deliberately not offered: the app is always
served by gunicorn. An installed wheel has no top-level wsgi.py, so gunicorn is given the
factory itself (``ldn_screen.app:create_app()``); a checkout can also run ``gunicorn wsgi:app``.
"""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Start the app under gunicorn (creates the data folder and database on first run)."""
    # Building the app (done by the command group before this runs) created the instance
    # folder, the secret key, the schema and settings version 1, before any worker starts.
    url = f"http://{host}:{port}/"
    click.echo(
        f"\n  ldn-screen is starting at {url}\n"
        f"  Open {url} in a browser to screen a patient.\n"
        f"  Data folder: {current_app.instance_path}\n"
        "  Admin pages are at /admin. There is no default password; create your first\n"
        "  admin account in another terminal with:\n"
        "      .venv/bin/ldn-screen create-admin YOUR-NAME\n"
        "  Press Ctrl+C to stop.\n"
    )
    sys.stdout.flush()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(  # noqa: S606 - replaces this process with gunicorn, with fixed arguments
        gunicorn,
        [
            gunicorn,
            "--config",
            "python:ldn_screen.config.gunicorn",
            "--bind",
            f"{host}:{port}",
            "ldn_screen.app:create_app()",
        ],
    )
