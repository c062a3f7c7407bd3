"""The load benchmark itself, run briefly: both apps start under gunicorn, every path is
driven by wrk, and nothing fails. The figures are not judged here (a 1-second run on a busy
CI machine says little); the full run is `python -m tests.bench.load_screening`.
"""

from __future__ import annotations

import pytest

from tests.bench.load_screening import TARGETS, run

pytestmark = pytest.mark.bench


def test_the_load_benchmark_runs_every_path_without_an_error() -> None:
    report = run(duration=1, connections=8, repeats=1)
    assert set(report.results) == {
        "bare hello",
        "bare 25-field form",
        "bare cached page+CSRF",
        "bare CSRF POST 15 KB",
        "bare 40-question POST",
        "GET /",
        "GET / (returning)",
        "POST / (summary)",
        "POST / (bad input)",
        "GET /cds-services",
        "POST ldn-order (full)",
    }
    assert set(TARGETS) <= set(report.results)
    for label, result in report.results.items():
        assert result.rps > 0, label
        assert (result.errors, result.non_2xx) == (0, 0), label
    assert len(report.rss_mib) == 2 and all(size > 10 for size in report.rss_mib)
