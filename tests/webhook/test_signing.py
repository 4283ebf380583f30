"""Standard Webhooks signatures, checked against the independent `standardwebhooks` library."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from easypay.webhook import signing

pytestmark = pytest.mark.no_database

BODY = '{"type":"payment.approved","timestamp":"2026-01-01T00:00:00+00:00","data":{"tid":"T1"}}'


class TestSecret:
    def test_new_secrets_are_whsec_and_32_random_bytes(self) -> None:
        made = {signing.new_secret() for _ in range(50)}
        assert len(made) == 50
        for secret in made:
            assert secret.startswith("whsec_")
            assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32

    def test_sealed_secret_opens_only_for_its_merchant_and_server(self) -> None:
        server = bytes.fromhex("ab" * 32)
        secret = signing.new_secret()
        sealed = signing.seal_secret(server, 42, secret)
        assert signing.open_secret(server, 42, sealed) == secret
        with pytest.raises(signing.UnreadableSecret):
            signing.open_secret(server, 43, sealed)
        with pytest.raises(signing.UnreadableSecret):
            signing.open_secret(bytes.fromhex("ac" * 32), 42, sealed)
        with pytest.raises(signing.UnreadableSecret):
            signing.open_secret(server, 42, secret)


class TestSignature:
    def test_matches_the_standard_webhooks_library(self) -> None:
        secret = signing.new_secret()
        now = int(datetime.now(UTC).timestamp())
        headers = signing.headers(secret, "msg_abc", now, BODY)
        assert headers["webhook-id"] == "msg_abc"
        assert headers["webhook-timestamp"] == str(now)
        assert headers["webhook-signature"] == Webhook(secret).sign(
            "msg_abc", datetime.fromtimestamp(now, UTC), BODY
        )
        assert Webhook(secret).verify(BODY, headers)["data"] == {"tid": "T1"}

    def test_non_ascii_bodies_sign_their_utf8_bytes(self) -> None:
        secret = signing.new_secret()
        body = '{"item_name":"초코파이"}'
        now = int(datetime.now(UTC).timestamp())
        Webhook(secret).verify(body, signing.headers(secret, "msg_k", now, body))

    @pytest.mark.parametrize(
        "change",
        [
            {"body": BODY.replace("T1", "T2")},
            {"msg_id": "msg_other"},
            {"timestamp_shift": 1},
        ],
    )
    def test_any_change_breaks_the_signature(self, change: dict[str, object]) -> None:
        secret = signing.new_secret()
        now = int(datetime.now(UTC).timestamp())
        headers = signing.headers(secret, "msg_abc", now, BODY)
        body = str(change.get("body", BODY))
        if "msg_id" in change:
            headers["webhook-id"] = str(change["msg_id"])
        if "timestamp_shift" in change:
            headers["webhook-timestamp"] = str(now + 1)
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body, headers)

    def test_a_stale_timestamp_is_refused_by_receivers(self) -> None:
        secret = signing.new_secret()
        old = int(datetime.now(UTC).timestamp()) - 3600
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(BODY, signing.headers(secret, "msg_abc", old, BODY))
