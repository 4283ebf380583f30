"""Standard Webhooks signatures (https://www.standardwebhooks.com/), and the signing secret kept
sealed with the server secret.

The secret is `whsec_` + base64 of 32 random bytes; the signature is HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature: v1,<base64>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from easypay.kit import sealing

PREFIX = "whsec_"
SECRET_BYTES = 32
PURPOSE = "webhook-secret"


class UnreadableSecret(Exception):
    """The stored secret cannot be opened (another server secret, or altered)."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError) as error:
        raise UnreadableSecret("the signing secret is not base64") from error


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "EasyPay-Webhooks/1",
    }


def seal_secret(server_secret: bytes, merchant_id: int, secret: str) -> str:
    return sealing.seal(server_secret, secret, purpose=PURPOSE, context=str(merchant_id))


def open_secret(server_secret: bytes, merchant_id: int, sealed: str) -> str:
    try:
        return sealing.unseal(server_secret, sealed, purpose=PURPOSE, context=str(merchant_id))
    except sealing.SealBroken as error:
        raise UnreadableSecret(str(error)) from error
