"""Settings files built to break the import: each is refused with a clear one-line error, a
non-zero exit and an "invalid import" audit row, on each backend. Before, deep nesting gave a
RecursionError traceback, a non-UTF-8 file a UnicodeDecodeError, a 5,000-digit number a
ValueError (none of them audited), and a NUL in a text setting was imported although the
admin form refuses it. The form and the import share one check (``validate_values``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from ldn_screen.cli import cli as ldn_screen_command
from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.rules.settings import validate_values
from ldn_screen.store.audit import AuditLog

PASSWORD = "correct horse battery staple"
DEEP = 100_000


def envelope(**values: object) -> dict[str, object]:
    return {"ldn_screen_settings": 1, "values": {**DEFAULT_SETTINGS.as_dict(), **values}}


def json_file(**values: object) -> bytes:
    return json.dumps(envelope(**values)).encode()


BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "deep-json": ("json", b"[" * DEEP + b"]" * DEEP, "nested too deeply"),
    "deep-json-values": (
        "json",
        b'{"ldn_screen_settings": 1, "values": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        "nested too deeply",
    ),
    "deep-toml": ("toml", b"x = " + b"[" * DEEP + b"]" * DEEP + b"\n", "nested too deeply"),
    "deep-toml-tables": ("toml", b"x = " + b"{a = " * DEEP + b"1" + b"}" * DEEP, "nested"),
    "latin-1-json": (
        "json",
        json_file(clinic_name="Clinique").replace(b"Clinique", b"Clinic\xe9"),
        "not UTF-8",
    ),
    "utf-16-toml": ("toml", "ldn_screen_settings = 1\n".encode("utf-16"), "not UTF-8"),
    "long-int-json": (
        "json",
        json_file(target_dose_mg=0).replace(
            b'"target_dose_mg": 0', b'"target_dose_mg": ' + b"9" * 5000
        ),
        "thousands of digits",
    ),
    "long-int-toml": (
        "toml",
        b"ldn_screen_settings = 1\n[values]\ntarget_dose_mg = " + b"9" * 5000 + b"\n",
        "thousands of digits",
    ),
    "nul-in-text": ("json", json_file(clinic_name="Clinic\x00name"), "without the NUL character"),
    "newline-in-key": (
        "json",
        json.dumps({**envelope(), "\x1b[2Jevil\nkey": 1}).encode(),
        "not a known top-level key",
    ),
    "too-large": ("json", b" " * (1024 * 1024 + 1), "over 1024 KiB"),
}


@pytest.fixture()
def app(app: Flask) -> Flask:
    app.extensions["ldn_users"].create("alice", PASSWORD)
    return app


def run_import(app: Flask, path: Path) -> Result:
    args = ["import-settings", str(path), "--author", "alice", "--reason", "Test", "--yes"]
    return app.test_cli_runner().invoke(ldn_screen_command, args=args)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_settings_file_is_refused_in_one_line_and_audited(
    app: Flask, tmp_path: Path, case: str
) -> None:
    fmt, content, words = BAD_FILES[case]
    path = tmp_path / f"settings.{fmt}"
    path.write_bytes(content)
    versions = len(app.extensions["ldn_settings"].history())

    result = run_import(app, path)

    assert result.exit_code == 1, result.output
    # A ClickException (the one-line "Error: ..." message), never a traceback.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: The file was not imported: ")
    assert words in lines[0]
    assert "\x1b" not in result.output and len(lines[0]) < 400
    [row] = AuditLog(app.extensions["ldn_engine"]).search(action="import").records
    assert (row.actor, row.outcome) == ("alice", "invalid")
    assert row.detail["file"] == path.name and words in row.detail["problems"][0]
    assert len(app.extensions["ldn_settings"].history()) == versions


def test_the_form_and_the_import_refuse_a_nul_with_the_same_check() -> None:
    for name in ("clinic_name", "clinic_phone"):
        errors = validate_values({**DEFAULT_SETTINGS.as_dict(), name: "a\x00b"})
        assert list(errors) == [name]
        assert "without the NUL character" in errors[name][0]
