"""A new SQLite install started straight under gunicorn: workers build the schema one at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.deploy.instances import BIN, SHARED_SECRET, TEST_HOSTS, running
from tests.pg_support import free_port


def test_four_workers_start_together_on_a_new_instance(tmp_path: Path) -> None:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LDN_")}
    inherited.pop("DATABASE_URL", None)
    for attempt in range(3):
        instance_path = tmp_path / f"instance-{attempt}"
        env = {
            **inherited,
            "LDN_ENV": "production",
            "SECRET_KEY": SHARED_SECRET,
            "LDN_TRUSTED_HOSTS": TEST_HOSTS,
            "LDN_INSTANCE_PATH": str(instance_path),
        }
        with running([(f"fresh-{attempt}", env, 4)], tmp_path) as [instance]:
            time.sleep(1.0)  # let every worker finish booting (or fail to)
            log = instance.log.read_text(errors="replace")
            assert instance.process.poll() is None, log[-2000:]
            assert "Worker failed to boot" not in log and "already exists" not in log, log[-2000:]
            assert log.count("Booting worker") == 4
        assert (instance_path / "ldn_screen.sqlite3").exists()


def test_the_readme_run_command_prints_the_address_and_the_first_admin_step(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDN_")}
    env["LDN_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.pop("DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "ldn-screen"), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert b"Screen a patient" in page.read()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        printed = log.read_text()
        assert f"ldn-screen is starting at http://127.0.0.1:{port}/" in printed
        assert ".venv/bin/ldn-screen create-admin YOUR-NAME" in printed
        assert str(tmp_path / "instance") in printed
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
