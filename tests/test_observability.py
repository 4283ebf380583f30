"""Health, metrics, request ids, and logs that never carry secrets."""

from __future__ import annotations

import io
import logging

from easypay.observability import JsonFormatter, RedactingFilter
from tests.money import builders
from tests.money.builders import PASSWORD, PIN


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.json()["status"] == "ok"


async def test_metrics_count_requests_and_ledger_transfers(client, database):
    someone = await builders.person(client, database)
    await builders.charge(client, someone, 10_000)
    text = (await client.get("/metrics")).text
    assert (
        'easypay_http_requests_total{method="POST",route="/api/v1/money/charges",status="201"}'
        in text
    )
    assert 'easypay_ledger_transfers_total{kind="post"}' in text
    assert "easypay_http_request_duration_seconds_bucket" in text


async def test_request_id_is_echoed_or_made(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"


async def test_security_headers(client):
    response = await client.get("/healthz")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_logs_are_json_and_carry_no_secrets(client, database):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 10_000)
        await builders.charge(client, someone, 10_000, pin="000000")
        logging.getLogger("easypay.test").info("token=abcdef123 password: hunter2")
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    logged = stream.getvalue()
    assert '"request_id"' in logged
    token = someone.headers["Authorization"].split()[1]
    for secret in (token, PASSWORD, PIN, "abcdef123", "hunter2"):
        assert secret not in logged
