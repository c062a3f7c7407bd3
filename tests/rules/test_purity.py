"""The rules package is pure standard library: no web or database layer is loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("flask", "wtforms", "flask_wtf", "sqlalchemy", "alembic", "werkzeug", "jinja2")


def test_importing_the_rules_loads_no_web_or_database_module() -> None:
    code = (
        "import sys, ldn_screen.rules as r; "
        "r.screen; "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_rules_module_imports_a_third_party_package() -> None:
    rules = Path(__file__).resolve().parents[2] / "ldn_screen" / "rules"
    for path in rules.glob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and not stripped.startswith("from ."):
                module = stripped.split()[1].split(".")[0]
                assert module in sys.stdlib_module_names or module == "__future__", (path, line)
