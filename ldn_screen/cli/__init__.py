"""``ldn-screen``: start the app, and the operator's commands (schema, admins, settings files).

Every command is here, and this is where the app and its commands meet: the ``ldn-screen``
group builds the app with ``ldn_screen.app.create_app`` and runs each command in its app
context. The app itself knows nothing of the command line, so imports only run downwards
(cli → app → web → forms/store → rules). Tests run a command on their own app with
``app.test_cli_runner().invoke(cli, args=[...])``.
"""

from __future__ import annotations

from importlib.metadata import version

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from ..app import create_app
from .accounts import create_admin, reset_password, sign_out_everywhere
from .api_clients import api_client
from .schema import db_upgrade
from .serve import serve_command
from .settings_files import export_settings, import_settings

__all__ = ["cli", "main"]


cli = FlaskGroup(
    name="ldn-screen",
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    help="ldn-screen: LDN screening for a fibromyalgia clinic.",
)
for _command in (
    serve_command,
    shell_command,
    routes_command,
    db_upgrade,
    create_admin,
    reset_password,
    sign_out_everywhere,
    export_settings,
    import_settings,
    api_client,
):
    cli.add_command(_command)


def main() -> None:
    group = click.version_option(version("ldn-screen"), prog_name="ldn-screen")(cli)
    group(prog_name="ldn-screen")
