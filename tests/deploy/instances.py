"""Several app instances as a deployment runs them: separate gunicorn processes on loopback
ports, in production mode, sharing one secret key and one database; and a small HTTP client
that keeps cookies and never raises on an error status (the status is what is checked)."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from tests.helpers import csrf_token, valid_answers
from tests.pg_support import free_port

# One strong key for every instance, as a deployment shares it: a session or CSRF token
# issued by one instance must be accepted by the next one behind the load balancer.
SHARED_SECRET = secrets.token_hex(32)
BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0
TEST_HOSTS = "127.0.0.1,localhost"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    url: str  # after redirects
    headers: Message

    @property
    def text(self) -> str:
        """The visible text of <main>, tags removed and spaces collapsed."""
        main = self.body[self.body.find("<main") :]
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    """A browser's cookie jar. Cookies are kept per host, not per port (as browsers do), so
    one client talking to several loopback instances is one user behind a load balancer."""

    jar: CookieJar = field(default_factory=CookieJar)

    def _open(self, url: str, data: dict[str, str] | None) -> Reply:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(url, data=body, timeout=10) as response:
                return Reply(
                    response.status, response.read().decode(), response.url, response.headers
                )
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.read().decode(), error.url, error.headers)

    def get(self, url: str) -> Reply:
        return self._open(url, None)

    def post(self, url: str, data: dict[str, str]) -> Reply:
        return self._open(url, data)


@dataclass(frozen=True)
class Instance:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str) -> str:
        return self.base + path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def app_env(database_url: str, instance_path: Path, **extra: str) -> dict[str, str]:
    """The environment of one production instance. Nothing LDN_* leaks in from the caller's
    environment (a stray LDN_RATELIMIT_STORAGE_URI would change what the test measures)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LDN_") and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    return {
        **inherited,
        "LDN_ENV": "production",
        "SECRET_KEY": SHARED_SECRET,
        "DATABASE_URL": database_url,
        "LDN_INSTANCE_PATH": str(instance_path),
        # The instances are reached as http://127.0.0.1:PORT (the port is not checked).
        "LDN_TRUSTED_HOSTS": TEST_HOSTS,
        **extra,
    }


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run ``ldn-screen ARGS`` as an operator would; returns its output, fails on an error."""
    done = subprocess.run(
        [str(BIN / "ldn-screen"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"ldn-screen {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _launch(name: str, env: dict[str, str], workers: int, logs: Path) -> Instance:
    port = free_port()
    log = logs / f"{name}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:ldn_screen.config.gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                "ldn_screen.app:create_app()",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Instance(name, f"http://127.0.0.1:{port}", process, log)


def _wait_until_serving(instance: Instance) -> None:
    """Any HTTP answer counts: an instance started while the database is down answers /healthz
    with 503, and that is a started instance."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(instance.url("/healthz"), timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if instance.process.poll() is not None:
                raise AssertionError(
                    f"instance {instance.name} exited at start-up:\n{instance.log_tail()}"
                ) from None
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"instance {instance.name} did not answer within {START_TIMEOUT:.0f} s:\n"
                    f"{instance.log_tail()}"
                ) from None
            time.sleep(0.1)


@contextlib.contextmanager
def running(specs: list[tuple[str, dict[str, str], int]], logs: Path) -> Iterator[list[Instance]]:
    """Start one gunicorn per (name, environment, workers), in parallel; stop them all."""
    started: list[Instance] = []
    try:
        for name, env, workers in specs:
            started.append(_launch(name, env, workers, logs))
        for instance in started:
            _wait_until_serving(instance)
        yield started
    finally:
        for instance in started:
            instance.process.terminate()
        for instance in started:
            try:
                instance.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait(timeout=10)


def screen(client: Client, instance: Instance) -> Reply:
    """One screening: the form (for its CSRF token), then the answers posted back."""
    token = csrf_token(client.get(instance.url("/")).body)
    return client.post(instance.url("/"), {"csrf_token": token, **valid_answers()})


def poll(
    what: str, check: Callable[[], bool], timeout: float = 20.0, interval: float = 0.1
) -> float:
    """Call ``check()`` until it returns true; returns the seconds it took, fails after
    ``timeout`` with ``what`` in the message."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not reached within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started
