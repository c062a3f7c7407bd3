"""Settings as files: export a version as JSON or TOML, and publish a reviewed file.

An import follows the admin form's rules: values outside the hard limits are refused, values
outside their safe range need a departure reason, and the impact on the reference patients is
shown before anything is published.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..rules import RuleSettings
from ..rules.reference_cases import impact
from ..rules.settings import departures
from ..store.audit import AuditEntry
from ..store.diff import diff_values
from ..store.settings_file import (
    FORMATS,
    SettingsFileError,
    export_text,
    one_line,
    read_file,
)
from ..store.settings_store import PublishConflict, SettingsUnavailable
from ..web.stores import audit_log, settings_store, users
from .accounts import CLI_CLIENT
from .schema import require_current_schema


@click.command("export-settings")
@with_appcontext
@click.option("--version", "number", type=int, help="Version number (default: the current).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="File to write (or print).")
def export_settings(number: int | None, fmt: str, output: str | None) -> None:
    """Write a settings version as JSON or TOML, for review or for import elsewhere."""
    require_current_schema()
    try:
        version = settings_store().version(number) if number else settings_store().read().active
    except SettingsUnavailable as exc:
        raise click.ClickException(f"The settings cannot be read: {exc}") from exc
    if version is None:
        raise click.ClickException(f"There is no settings version {number}")
    text = export_text(version, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Version {version.number} written to {output}.", err=True)
    else:
        click.echo(text, nl=False)


@click.command("import-settings")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--author", required=True, help="Your admin username (recorded as the author).")
@click.option("--reason", required=True, help="Why these values are published.")
@click.option(
    "--departure-reason",
    help="Why values outside their safe range are published (required when any is).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the name.")
@click.option("--yes", is_flag=True, help="Publish without asking for confirmation.")
def import_settings(
    file: str,
    author: str,
    reason: str,
    departure_reason: str | None,
    fmt: str | None,
    yes: bool,
) -> None:
    """Publish the values in a reviewed FILE as a new settings version.

    The same rules as the admin form: values outside the hard limits are refused, and
    values outside their safe range need --departure-reason."""
    require_current_schema()
    account = users().find(author)
    if account is None or not account.is_active:
        raise click.ClickException(
            f"There is no admin account called '{author}'. Give your admin username "
            "(create one with create-admin)."
        )
    if not reason.strip():
        raise click.ClickException("Give the reason for this change with --reason")
    name = one_line(Path(file).name, 120)

    def audit(outcome: str, **detail: object) -> AuditEntry:
        return AuditEntry(account.username, "import", outcome, CLI_CLIENT, {"file": name, **detail})

    try:
        parsed = read_file(file, fmt)
    except SettingsFileError as exc:
        audit_log().record(audit("invalid", problems=exc.problems[:20]))
        if len(exc.problems) == 1:
            raise click.ClickException(f"The file was not imported: {exc.problems[0]}") from exc
        raise click.ClickException(
            "The file was not imported:\n  " + "\n  ".join(exc.problems)
        ) from exc
    current = settings_store().read().active
    changes = diff_values(current.settings.as_dict(), parsed.values)
    if not changes:
        raise click.ClickException(
            f"The file has the same values as version {current.number}; nothing to import."
        )
    new_settings = RuleSettings.from_dict(parsed.values)
    impacts = impact(current.settings, new_settings, dt.date.today())
    # As on the preview page: the less safe count first, then the rest.
    worse = [i for i in impacts if i.less_safe]
    named = ", ".join(f"{i.case.id} ({', '.join(i.less_safe)})" for i in worse)
    click.echo(
        f"{len(worse)} of {len(impacts)} reference patient(s) would move to a less safe "
        "result (a less safe verdict, an earlier start or a higher first dose)"
        + (f": {named}" if worse else ".")
    )
    click.echo(f"Changes from version {current.number} (current):")
    for change in changes:
        click.echo(f"  {change.label}: {change.old} -> {change.new}")
    moved = [i for i in impacts if i.changed]
    click.echo(
        f"{len(moved)} reference patient(s) would get a different verdict, start date or "
        "dose plan" + (": " + ", ".join(i.case.id for i in moved) if moved else ".")
    )
    found = departures(new_settings.as_dict())
    departure = (departure_reason or "").strip()
    if found:
        click.echo("Outside the safe range:")
        for d in found:
            click.echo(f"  Warning: {d.spec.label}: {d.warning}")
        if not departure:
            problems = [f"{d.spec.name}: {d.message}" for d in found]
            audit_log().record(audit("invalid", problems=problems[:20]))
            raise click.ClickException(
                "The file was not imported: "
                + ("this value is" if len(found) == 1 else "these values are")
                + " outside the safe range. If the departure is intended, say why with "
                "--departure-reason 'why'."
            )
    elif departure:
        click.echo("Every value is inside its safe range: --departure-reason is not kept.")
    if not yes:
        click.confirm(f"Publish these values as version {current.number + 1}?", abort=True)
    based_on = parsed.exported_from_version or current.number
    log = [[c.name, c.old, c.new] for c in changes]
    try:
        version = settings_store().publish(
            new_settings.as_dict(),
            account.username,
            reason.strip(),
            based_on=based_on,
            audit=audit("success", reason=reason.strip(), based_on=based_on, changes=log),
            departure_reason=departure if found else None,
        )
    except PublishConflict as exc:
        audit_log().record(audit("conflict", based_on=based_on, current=exc.current))
        raise click.ClickException(
            f"The file was exported from version {based_on}, but version {exc.current} is "
            "the current version here. Export the current version, apply your changes to "
            "it, and import that file instead (or remove 'exported_from_version' from the "
            "file to publish it on top of the current version)."
        ) from exc
    click.echo(f"Published version {version.number}.")
