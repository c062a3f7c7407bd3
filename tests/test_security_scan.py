"""bandit finds nothing of medium severity or above in the application code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_medium_and_above_is_clean() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bandit", "-ll", "-q", "-r", "ldn_screen", "wsgi.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
