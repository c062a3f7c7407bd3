"""Load benchmark: the app under gunicorn (2 sync workers, loopback), driven by wrk.

Usage:  .venv/bin/python -m tests.bench.load_screening [--duration 10] [--connections 32]

It starts gunicorn on a throwaway SQLite database, takes a real CSRF token and session
cookie from the form, then measures GET / and the screening POST (valid answers, full
summary) three times each and prints the medians: requests per second, p50 and p99
latency, non-2xx count, and each worker's RSS after the run. Needs wrk (Debian package).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import valid_answers  # noqa: E402


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict[str, str], workers: int = 2) -> subprocess.Popen:  # type: ignore[type-arg]
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    proc = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(
        f"gunicorn did not start: {proc.stderr.read().decode() if proc.stderr else ''}"
    )


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def session_and_token(base: str, path: str = "/") -> tuple[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + path, timeout=5).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    if token is None:
        raise RuntimeError("no CSRF token on the page")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token.group(1)


def post_script(tmp: Path, body: str, cookie: str) -> Path:
    lua = tmp / "post.lua"
    lua.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {lua_string(body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = {lua_string(cookie)}\n'
    )
    return lua


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(url: str, duration: int, connections: int, script: Path | None = None) -> Run:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Run(
        rps=rps,
        p50_ms=latency_ms(out, "50%"),
        p99_ms=latency_ms(out, "99%"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def latency_ms(out: str, pct: str) -> float:
    value, unit = re.search(rf"^\s+{re.escape(pct)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def worker_rss_mib(master_pid: int) -> list[float]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        sizes.append(round(kib / 1024, 1))
    return sizes


def median_run(runs: list[Run]) -> Run:
    return Run(
        rps=statistics.median(r.rps for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        non_2xx=sum(r.non_2xx for r in runs),
        errors=sum(r.errors for r in runs),
    )


def measure(base: str, tmp: Path, duration: int, connections: int, repeats: int) -> dict[str, Run]:
    cookie, token = session_and_token(base)
    body = urllib.parse.urlencode({"csrf_token": token, **valid_answers()})
    # Check once that the POST really produces the full summary before loading it.
    request = urllib.request.Request(base + "/", data=body.encode(), headers={"Cookie": cookie})
    page = urllib.request.urlopen(request, timeout=5).read().decode()
    if "Screening result: Eligible to start" not in page:
        raise RuntimeError("the benchmark POST did not produce a summary")
    script = post_script(tmp, body, cookie)
    results: dict[str, Run] = {}
    for label, url, lua in (("GET /", base + "/", None), ("POST / (summary)", base + "/", script)):
        results[label] = median_run([wrk(url, duration, connections, lua) for _ in range(repeats)])
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        env = {**os.environ, "LDN_INSTANCE_PATH": str(tmp / "instance"), "LDN_ENV": "development"}
        port = free_port()
        proc = start_gunicorn("wsgi:app", port, env)
        try:
            results = measure(
                f"http://127.0.0.1:{port}", tmp, args.duration, args.connections, args.repeats
            )
            rss = worker_rss_mib(proc.pid)
        finally:
            stop(proc)
    print(
        f"\nldn-screen under gunicorn (2 sync workers), wrk -t2 -c{args.connections} "
        f"-d{args.duration}s, median of {args.repeats}"
    )
    print(f"{'path':<20}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}{'errors':>8}")
    for label, r in results.items():
        print(
            f"{label:<20}{r.rps:>10.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.non_2xx:>10}{r.errors:>8}"
        )
    print(f"worker RSS after the run (MiB): {rss}")


if __name__ == "__main__":
    main()
