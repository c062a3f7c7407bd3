"""CORS on /cds-services only, for the configured origins; off by default; never '*', never
credentials; the feedback route's preflight answered without a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from ldn_screen.app import create_app
from ldn_screen.config import UnsafeConfiguration
from tests.cds_support_jwt import SigningKey, ehr_jwt, trust_issuer, url
from tests.cds_trust.support import BODY, PATH

ALLOWED = "https://sandbox.cds-hooks.org"
OTHER = "https://evil.example"


@pytest.fixture()
def cors_app(tmp_path: Path, _template_instance: Path) -> Iterator[Flask]:
    import shutil

    instance = tmp_path / "instance"
    shutil.copytree(_template_instance, instance)
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "TESTING": True,
            "LDN_CDS_CORS_ORIGINS": f"{ALLOWED}, https://ehr.clinic.example",
        }
    )
    yield app
    app.extensions["ldn_engine"].dispose()


def preflight(app: Flask, origin: str, path: str = PATH) -> TestResponse:
    client = app.test_client()
    client.check_pages = False  # type: ignore[attr-defined]  # an OPTIONS answer has no page
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_the_feedback_preflight_is_answered_for_an_allowed_origin(cors_app: Flask) -> None:
    response = preflight(cors_app, ALLOWED)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_another_origin_gets_no_cors_headers(cors_app: Flask) -> None:
    response = preflight(cors_app, OTHER)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_an_allowed_origin_can_read_a_cds_answer(cors_app: Flask) -> None:
    key = SigningKey.ec()
    trust_issuer(cors_app, key)
    response = cors_app.test_client().post(
        PATH,
        json=BODY,
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {ehr_jwt(key, url(PATH))}"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    # A refused token is still readable as a 401 by the allowed page (so it can say why).
    refused = cors_app.test_client().post(PATH, json=BODY, headers={"Origin": ALLOWED})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_no_other_path_gets_cors_headers(cors_app: Flask) -> None:
    for path in ("/", "/admin/login", "/healthz", "/cds-servicesX"):
        response = cors_app.test_client().get(path, headers={"Origin": ALLOWED})
        assert "Access-Control-Allow-Origin" not in response.headers, path


def test_cors_is_off_by_default(app: Flask) -> None:
    response = preflight(app, ALLOWED)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_wildcard_origin_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(UnsafeConfiguration, match="not '\\*'"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "TESTING": True,
                "LDN_CDS_CORS_ORIGINS": "*",
            }
        )
