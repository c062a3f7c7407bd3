"""``ldn-screen``: start the app under gunicorn, or run any Flask CLI command."""

from __future__ import annotations

import argparse
import os
import sys

from flask.cli import FlaskGroup


def _serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="ldn-screen serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    from . import create_app

    app = create_app()  # creates the instance folder, secret, schema and version 1
    url = f"http://{args.host}:{args.port}/"
    print(
        f"\n  ldn-screen is starting at {url}\n"
        f"  Open {url} in a browser to screen a patient.\n"
        f"  Data folder: {app.instance_path}\n"
        "  Admin pages are at /admin. There is no default password; create your first\n"
        "  admin account in another terminal with:\n"
        "      .venv/bin/ldn-screen create-admin YOUR-NAME\n"
        "  Press Ctrl+C to stop.\n",
        flush=True,
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(  # noqa: S606 - replaces this process with gunicorn, with fixed arguments
        gunicorn,
        [
            gunicorn,
            "--config",
            "python:ldn_screen.gunicorn_conf",
            "--bind",
            f"{args.host}:{args.port}",
            "ldn_screen.wsgi_entry:app",
        ],
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        _serve(sys.argv[2:])
        return
    from . import create_app

    FlaskGroup(create_app=create_app, add_default_commands=True)(prog_name="ldn-screen")
