"""fhirServer is the caller's choice: the fetch of missing prefetch must not become a way into
this server's network (SSRF), a way to send the EHR's token elsewhere, or a way to hold a
worker. Each attack: nothing is fetched (or the fetch gives up in time), and the card says
the data was not available, never "no"."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.web.cds.fhir_fetch import FetchFailed, FhirClient
from tests.cds.fhir_server import fhir_server
from tests.cds.test_ldn_order import cards_for
from tests.cds_support import auth_headers, med_request, order_request

LDN = med_request("o1", "naltrexone 1.5 mg capsule (compounded)")
TOKEN = "secret-ehr-token-5f1c"
PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01"}


@contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server on 127.0.0.1 that runs ``answer`` on each connection; yields its base
    URL and what it received."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    received.append(conn.recv(65536))
                    answer(conn)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/fhir", received
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def _payload(base: str, **auth: Any) -> dict[str, Any]:
    return order_request(
        "order-select",
        [LDN],
        fhirServer=base,
        fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer", **auth},
    )


def _not_available(client: FlaskClient, payload: dict[str, Any], within: float = 2.0) -> None:
    """200 with cards, in time (the budget is 0.3 s; the bound leaves room for a busy test
    machine); the patient's record counts as not available."""
    started = time.monotonic()
    cards = cards_for(client, payload)
    assert time.monotonic() - started < within
    text = " ".join(c.get("detail", "") + c.get("summary", "") for c in cards)
    assert "Age: 44" not in text and "Age: 45" not in text and "Age: 46" not in text


@pytest.mark.parametrize(
    "base",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/fhir",
        "http://example.org/fhir",  # plain http to another machine
        "ftp://127.0.0.1/fhir",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "https://user:pass@ehr.example/fhir",
        "https://ehr.example:notaport/fhir",
        "https://[::1/fhir",
        "//127.0.0.1/fhir",
        "http:127.0.0.1/fhir",
    ],
)
def test_addresses_this_service_may_not_call(base: str) -> None:
    with pytest.raises(FetchFailed):
        FhirClient(base, {"access_token": TOKEN}, 0.3, allow_loopback=True).get("Patient/p1")


@pytest.mark.parametrize(
    "base",
    ["https://169.254.169.254/x", "https://[::ffff:169.254.169.254]/x", "https://0.0.0.0:1/x"],
)
def test_https_to_an_inside_address_is_refused_at_connect(base: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed):
        FhirClient(base, {"access_token": TOKEN}, 0.3, allow_loopback=True).get("Patient/p1")
    assert time.monotonic() - started < 1.0


def test_loopback_is_refused_in_production(app: Flask) -> None:
    with fhir_server({"Patient/p1": PATIENT}) as fhir:
        with pytest.raises(FetchFailed):
            FhirClient(fhir.base, {"access_token": TOKEN}, 0.3).get("Patient/p1")
        https_loopback = fhir.base.replace("http://", "https://")
        with pytest.raises(FetchFailed):
            FhirClient(https_loopback, {"access_token": TOKEN}, 0.3).get("Patient/p1")
        app.config["LDN_ENV"] = "production"
        _not_available(app.test_client(), _payload(fhir.base))
    assert fhir.requests == []


def test_loopback_is_allowed_outside_production_and_gets_the_token(client: FlaskClient) -> None:
    with fhir_server({"Patient/p1": PATIENT}) as fhir:
        cards_for(client, _payload(fhir.base))
    assert ("/fhir/Patient/p1", f"Bearer {TOKEN}") in fhir.requests


def test_a_redirect_is_not_followed_so_the_token_goes_nowhere(client: FlaskClient) -> None:
    with fhir_server({"Patient/p1": PATIENT}) as elsewhere:

        def redirect(conn: socket.socket) -> None:
            location = f"{elsewhere.base}/Patient/p1"
            conn.sendall(
                f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
            )

        with raw_server(redirect) as (base, received):
            _not_available(client, _payload(base))
        assert received  # it was asked
    assert elsewhere.requests == []  # and nothing, token or not, went on


def test_token_type_cannot_inject_headers(client: FlaskClient) -> None:
    with raw_server(lambda conn: conn.sendall(b"HTTP/1.1 404 x\r\n\r\n")) as (base, received):
        _not_available(client, _payload(base, token_type="Bearer\r\nX-Injected: 1"))
    assert all(b"X-Injected" not in r for r in received)


def test_token_with_a_newline_is_never_sent(client: FlaskClient) -> None:
    with raw_server(lambda conn: conn.sendall(b"HTTP/1.1 404 x\r\n\r\n")) as (base, received):
        payload = _payload(base)
        payload["fhirAuthorization"]["access_token"] = "abc\r\nX-Injected: 1"
        _not_available(client, payload)
    assert all(b"X-Injected" not in r for r in received)


def _drip(body: bytes, head: bytes = b"") -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        conn.sendall(head)
        for i in range(len(body)):
            conn.sendall(body[i : i + 1])
            time.sleep(0.05)

    return answer


@pytest.mark.parametrize(
    "answer",
    [
        _drip(
            b'{"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01"}' * 3,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n",
        ),
        _drip(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n{}"),
        lambda conn: time.sleep(1.5),
    ],
    ids=["slow-body", "slow-headers", "silent"],
)
def test_a_slow_server_cannot_hold_the_worker(
    client: FlaskClient, answer: Callable[[socket.socket], None]
) -> None:
    with raw_server(answer) as (base, _):
        _not_available(client, _payload(base))


@pytest.mark.parametrize(
    "reply",
    [
        b"HELLO\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n" + b"[" * 100_000,
        b"HTTP/1.1 200 OK\r\n\r\n\xff\xfe",
        b"HTTP/1.1 200 OK\r\n\r\nNaN",
        b"",
    ],
    ids=["not-http", "short", "bad-chunk", "deep", "not-utf8", "nan", "empty"],
)
def test_a_broken_server_counts_as_not_available(client: FlaskClient, reply: bytes) -> None:
    with raw_server(lambda conn: conn.sendall(reply)) as (base, _):
        _not_available(client, _payload(base))


def test_a_giant_answer_is_not_read_past_the_limit(client: FlaskClient) -> None:
    big = b'{"resourceType": "Patient", "id": "p1", "text": "' + b"x" * (3 * 1024 * 1024)

    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        conn.sendall(big)

    with raw_server(answer) as (base, _):
        client.application.config["LDN_CDS_FETCH_SECONDS"] = 1.5
        _not_available(client, _payload(base), within=4.0)


def test_next_page_on_another_server_is_not_fetched(client: FlaskClient) -> None:
    with fhir_server({"Patient/p1": PATIENT}) as other:
        page = {
            "resourceType": "Bundle",
            "link": [{"relation": "next", "url": f"{other.base}/MedicationRequest?page=2"}],
            "entry": [],
        }
        with fhir_server({"Patient/p1": PATIENT, "MedicationRequest": page}) as fhir:
            cards_for(client, _payload(fhir.base))
    assert other.requests == []


def test_the_token_never_reaches_the_log(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    with raw_server(lambda conn: conn.sendall(b"HELLO\r\n\r\n")) as (base, _):
        cards_for(client, _payload(base))
    for bad in ("http://169.254.169.254/", "https://user:pass@x/"):
        cards_for(client, _payload(bad))
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("169.254.169.254", False),
        ("::ffff:169.254.169.254", False),
        ("fe80::1%eth0", False),
        ("0.0.0.0", False),  # noqa: S104  # an address to refuse, not to bind
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("fd00:ec2::254", False),  # cloud metadata outside link-local
        ("100.100.100.200", False),
        ("127.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("10.1.2.3", True),  # a hospital's own network: the usual place for an EHR
        ("93.184.216.34", True),
    ],
)
def test_which_peers_may_be_called_in_production(address: str, allowed: bool) -> None:
    from ldn_screen.web.cds.fhir_fetch import _peer_allowed

    assert _peer_allowed(address, allow_loopback=False) is allowed


def test_the_connected_address_is_checked_whatever_the_name_said() -> None:
    # A name that resolves to an inside address (or rebinds to one) is caught at connect.
    from ldn_screen.web.cds.fhir_fetch import _Guard

    with raw_server(lambda conn: None) as (base, _):
        port = int(base.rsplit(":", 1)[1].split("/")[0])
        sock = socket.create_connection(("127.0.0.1", port))
        with pytest.raises(OSError):
            _Guard(allow_loopback=False, deadline=time.monotonic() + 1).connected(sock)
        assert sock.fileno() == -1  # closed before a byte was sent


def test_nan_from_the_fhir_server_counts_as_not_available(client: FlaskClient) -> None:
    reply = b'HTTP/1.1 200 OK\r\n\r\n{"resourceType": "Patient", "id": "p1", "x": NaN}'
    with raw_server(lambda conn: conn.sendall(reply)) as (base, _):
        response = client.post(
            "/cds-services/ldn-order",
            json=_payload(base),
            headers=auth_headers(client, "/cds-services/ldn-order"),
        )
    assert response.status_code == 200
    assert "NaN" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "reference",
    ["Medication/../../Patient/p1", "Medication/m1?_format=xml", "Medication/m1/../x"],
)
def test_only_a_medication_id_is_fetched(client: FlaskClient, reference: str) -> None:
    order = med_request("o1") | {"medicationReference": {"reference": reference}}
    with fhir_server({"Patient/p1": PATIENT}) as fhir:
        payload = order_request(
            "order-select",
            [order],
            fhirServer=fhir.base,
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
        )
        response = client.post(
            "/cds-services/ldn-order",
            json=payload,
            headers=auth_headers(client, "/cds-services/ldn-order"),
        )
    assert response.status_code == 412
    assert not any("Medication" in path for path, _ in fhir.requests)
