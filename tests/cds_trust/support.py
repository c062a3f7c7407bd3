"""A CDS call that passes once its token does: feedback on a card this service never issued
(acknowledged with 200, nothing stored)."""

from __future__ import annotations

from flask import Flask

PATH = "/cds-services/ldn-order/feedback"
TIMESTAMP = "2026-11-30T10:00:00Z"
BODY = {
    "feedback": [{"card": "no-such-card", "outcome": "overridden", "outcomeTimestamp": TIMESTAMP}]
}


def status_of(app: Flask, token: str, path: str = PATH) -> int:
    client = app.test_client()
    return client.post(path, json=BODY, headers={"Authorization": f"Bearer {token}"}).status_code
