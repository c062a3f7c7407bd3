"""``ldn-screen``: start the app, and the operator's commands (schema, admins, settings files).

Every command is here. ``create_app`` adds all but ``serve`` to the app's own command group
(``add_commands``), so ``flask --app ldn_screen COMMAND`` runs them too.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup, routes_command, shell_command

if TYPE_CHECKING:
    from flask import Flask


def add_commands(app: Flask) -> None:
    from .accounts import create_admin, reset_password, sign_out_everywhere
    from .api_clients import api_client
    from .schema import db_upgrade
    from .settings_files import export_settings, import_settings

    for command in (
        db_upgrade,
        create_admin,
        reset_password,
        sign_out_everywhere,
        export_settings,
        import_settings,
        api_client,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from .. import create_app

    return create_app()


def main() -> None:
    from .serve import serve_command

    group = FlaskGroup(
        create_app=_create_app,
        add_default_commands=False,
        add_version_option=False,
        help="ldn-screen: LDN screening for a fibromyalgia clinic.",
    )
    group.add_command(serve_command)
    group.add_command(shell_command)
    group.add_command(routes_command)
    group = click.version_option(version("ldn-screen"), prog_name="ldn-screen")(group)
    group(prog_name="ldn-screen")
