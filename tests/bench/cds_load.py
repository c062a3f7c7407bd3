"""The CDS Hooks rows of the load benchmark.

Every CDS call, discovery included, must carry a JWT from a trusted issuer whose ``jti`` was
never seen before (the replay store refuses a second use), so wrk cannot replay one request.
Before each wrk run, a pool of tokens is signed here, one per request wrk can possibly send
(the bare hello's rate in the same run, with a margin); a wrk Lua script hands each thread its
own share of the pool, one token per request. A pool that runs out sends "exhausted", which
the service refuses with 401: it shows as non-2xx and fails the run, never as a faster figure.

The tokens are ES256 (the cheapest of the allowed algorithms to sign, so the pool is quick to
build; verifying one costs the server about what an RS384 token from Epic does). The issuer is
trusted through a static JWKS in LDN_CDS_ISSUERS, as an operator would configure it.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cds_support import full_prefetch, med_request, order_request
from tests.cds_support_jwt import SigningKey, ehr_jwt, issuer_config

THREADS = 2  # wrk -t2, as in load_screening.wrk
POOL_MARGIN = 1.25

_KEY = SigningKey.ec("P-256")

LUA = """
local path, threads = {path}, {threads}
local next_offset = 0
function setup(thread)
  thread:set("offset", next_offset)
  next_offset = next_offset + 1
end
function init(args)
  tokens = {{}}
  for line in io.lines(path) do tokens[#tokens + 1] = line end
  position = offset + 1
end
function request()
  local token = tokens[position] or "exhausted"
  position = position + threads
  local headers = {{}}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Authorization"] = "Bearer " .. token
  return wrk.format(nil, nil, headers, nil)
end
"""


def issuers_env() -> dict[str, str]:
    """The environment that makes the benchmark's instance trust the benchmark's EHR."""
    return {"LDN_CDS_ISSUERS": issuer_config(_KEY)}


def typical_order() -> dict[str, Any]:
    """order-select for compounded LDN, with every prefetch key: a patient with fibromyalgia,
    three everyday medicines, and tramadol stopped two months ago."""
    ldn = med_request("o1", "naltrexone 1.5 mg capsule (compounded)", sig="1.5 mg at bedtime")
    meds = [
        med_request("m1", "duloxetine 60 mg capsule", status="active", sig="60 mg daily"),
        med_request("m2", "pregabalin 75 mg capsule", status="active", sig="75 mg twice daily"),
        med_request("m3", "ibuprofen 400 mg tablet", status="active", sig="as needed"),
        med_request("m4", "tramadol 50 mg tablet", status="completed", end=_days_ago(60)),
    ]
    return order_request("order-select", [ldn], prefetch=full_prefetch(*meds))


def _days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def token_pool(tmp: Path, name: str, audience: str, size: int) -> Path:
    path = tmp / f"{name}.tokens"
    with path.open("w") as out:
        for _ in range(size):
            out.write(ehr_jwt(_KEY, audience) + "\n")
    return path


def lua_script(tmp: Path, name: str, tokens: Path, body: str | None) -> Path:
    lines = [LUA.format(path=json.dumps(str(tokens)), threads=THREADS)]
    if body is not None:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = {json.dumps(body)}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    script = tmp / f"{name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def check_once(base: str, path: str, body: str | None) -> dict[str, Any]:
    """One call as the load will make it; the answer, so the caller can check it."""
    request = urllib.request.Request(
        base + path,
        data=body.encode() if body is not None else None,
        headers={
            "Authorization": "Bearer " + ehr_jwt(_KEY, base + path),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


@dataclass(frozen=True)
class TokenLoad:
    """How to load a token-checked path: ``repeats`` wrk runs (``run_wrk(url, script)``),
    each with a fresh pool of tokens sized from the bare hello's rate in the same run."""

    tmp: Path
    duration: int
    repeats: int
    hello_rps: float
    run_wrk: Callable[[str, Path], Any]

    def runs(self, base: str, path: str, body: str | None) -> list[Any]:
        # Enough tokens for the fastest run possible: nothing here outruns the bare hello.
        size = int(self.hello_rps * self.duration * POOL_MARGIN) + 500
        runs = []
        for i in range(self.repeats):
            name = f"{path.strip('/').replace('/', '-')}-{i}"
            tokens = token_pool(self.tmp, name, base + path, size)
            runs.append(self.run_wrk(base + path, lua_script(self.tmp, name, tokens, body)))
            tokens.unlink()
        return runs


def measure_jwt_ceiling(base: str, load: TokenLoad) -> list[Any]:
    """The reference app's /jwt-discovery: the least a CDS call can cost."""
    if "services" not in check_once(base, "/jwt-discovery", None):
        raise RuntimeError("the reference JWT check refused the benchmark's token")
    return load.runs(base, "/jwt-discovery", None)


def measure_cds(base: str, load: TokenLoad) -> dict[str, list[Any]]:
    """Discovery and ldn-order with full prefetch. Returns the runs per label."""
    order = json.dumps(typical_order())
    services = {s["id"] for s in check_once(base, "/cds-services", None)["services"]}
    if "ldn-order" not in services:
        raise RuntimeError("the benchmark's discovery call did not list ldn-order")
    cards = check_once(base, "/cds-services/ldn-order", order)["cards"]
    codes = {card["source"]["topic"]["code"] for card in cards}
    if "cds_screening_not_documented" not in codes:
        raise RuntimeError(f"the benchmark ldn-order call gave unexpected cards: {codes}")
    return {
        "CDS discovery": load.runs(base, "/cds-services", None),
        "CDS ldn-order": load.runs(base, "/cds-services/ldn-order", order),
    }
