"""Rewrite docs/api/openapi.json from the forms' declarations (tests/api checks it is current).

.venv/bin/python scripts/build_openapi.py
"""

from __future__ import annotations

from pathlib import Path

from ldn_screen.web.api.openapi import as_text, build

TARGET = Path(__file__).resolve().parent.parent / "docs" / "api" / "openapi.json"

if __name__ == "__main__":
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(as_text(build()), encoding="utf-8")
    print(f"wrote {TARGET}")
