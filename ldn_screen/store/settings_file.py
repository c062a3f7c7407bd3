"""Settings versions as files (JSON or TOML) for review outside the app, and back.

A file holds one envelope: a format marker, the version it was exported from, and the
values. Import refuses anything else (unknown keys included) and validates the values with
the same ``validate_values`` as the admin form.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..rules.settings import SETTING_SPECS, safe_range_text, validate_values
from .settings_store import ActiveSettings

FORMAT_KEY = "ldn_screen_settings"
FORMAT_VERSION = 1
_ENVELOPE = frozenset({FORMAT_KEY, "exported_from_version", "exported_at", "values"})
FORMATS = ("json", "toml")
# A settings file is a few kilobytes; anything this large is not one.
MAX_FILE_BYTES = 1024 * 1024
PROBLEM_MAX_CHARS = 300


def one_line(text: str, limit: int = PROBLEM_MAX_CHARS) -> str:
    """``text`` safe to print on one terminal line: control characters (newlines, escape
    sequences, NUL) shown as escapes, and cut to ``limit`` characters."""
    shown = "".join(ascii(c)[1:-1] if unicodedata.category(c).startswith("C") else c for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class SettingsFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        problems = [one_line(p) for p in problems]
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class SettingsFile:
    values: dict[str, Any]
    exported_from_version: int | None


def export_text(version: ActiveSettings, fmt: str) -> str:
    values = version.settings.as_dict()
    header = {
        FORMAT_KEY: FORMAT_VERSION,
        "exported_from_version": version.number,
        "exported_at": version.created_at.isoformat(),
    }
    if fmt == "json":
        return json.dumps({**header, "values": values}, indent=2) + "\n"
    if fmt == "toml":
        return _toml(header, values, version)
    raise ValueError(f"unknown format {fmt!r}")


def _toml_scalar(value: Any) -> str:
    if isinstance(value, str):
        # JSON string escapes are a subset of TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)  # always has a '.', so TOML reads it back as a float
    return str(value)


def _toml(header: dict[str, Any], values: dict[str, Any], version: ActiveSettings) -> str:
    lines = [
        f"# ldn-screen settings, version {version.number}. Edit the values, then import with:",
        "#   ldn-screen import-settings FILE --author NAME --reason 'why'",
        "# Values outside a setting's safe range also need --departure-reason 'why'.",
    ]
    lines += [f"{key} = {_toml_scalar(value)}" for key, value in header.items()]
    lines += ["", "[values]"]
    for spec in SETTING_SPECS:
        unit = f" ({spec.unit})" if spec.unit else ""
        safe = f"; safe range {safe_range_text(spec)}" if spec.safe is not None else ""
        lines.append(f"# {spec.label}{unit}; cited default {spec.default!r}{safe}")
        lines.append(f"{spec.name} = {_toml_scalar(values[spec.name])}")
    return "\n".join(lines) + "\n"


def parse_text(text: str, fmt: str) -> SettingsFile:
    """Read and check a settings file; raises SettingsFileError listing every problem."""
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except RecursionError as exc:
        raise SettingsFileError(["The file is nested too deeply to be a settings file"]) from exc
    except ValueError as exc:  # the decoders' errors, and int()'s limit on digits
        if "integer string conversion" in str(exc):
            problem = "The file holds a number with thousands of digits"
        else:
            problem = f"The file is not valid {fmt.upper()}: {exc}"
        raise SettingsFileError([problem]) from exc
    if not isinstance(data, dict):
        raise SettingsFileError(["The file must hold one object with a 'values' table"])
    problems = [f"'{key}' is not a known top-level key" for key in data if key not in _ENVELOPE]
    if data.get(FORMAT_KEY) != FORMAT_VERSION:
        problems.append(f"'{FORMAT_KEY} = {FORMAT_VERSION}' is missing: is this a settings file?")
    exported_from = data.get("exported_from_version")
    if exported_from is not None and (
        isinstance(exported_from, bool) or not isinstance(exported_from, int)
    ):
        problems.append("'exported_from_version' must be a whole number")
    values = data.get("values")
    if not isinstance(values, dict):
        problems.append("The 'values' table is missing")
        values = {}
    else:
        for name, messages in validate_values(values).items():
            problems.extend(f"{name}: {message}" for message in messages)
    if problems:
        raise SettingsFileError(problems)
    return SettingsFile(dict(values), exported_from)


def read_file(path: str | Path, fmt: str | None = None) -> SettingsFile:
    """Read, decode and check the settings file at ``path``. Every way it can be wrong (too
    large, not UTF-8, not JSON or TOML, nested too deeply, invalid values) is a
    SettingsFileError, so the caller has one error to report and audit."""
    chosen = format_for(str(path), fmt)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SettingsFileError([f"The file cannot be read: {exc.strerror or exc}"]) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise SettingsFileError(
            [f"The file is over {MAX_FILE_BYTES // 1024} KiB: not a settings file"]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsFileError(
            [f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read)"]
        ) from exc
    return parse_text(text, chosen)


def format_for(path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise SettingsFileError(["Name the file .json or .toml, or pass --format"])
    return suffix
