"""Sign-in with a certificate: challenge → signature → session (the rules: certificate/signin.py).

`POST /api/v1/auth/certificate/challenge` {phone} → {challenge_id, challenge, expires_at};
`POST /api/v1/auth/certificate/session` {challenge_id, pin} (server-held key) or
{challenge_id, signature} (device-held key: base64 DER ECDSA-SHA256 over
b"easypay-signin-v1:" + the 32 challenge bytes) → a Bearer token, as `POST /api/v1/sessions`.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from easypay.certificate import signin
from easypay.config import AppSettings
from easypay.db import database_of
from easypay.errors import InvalidInput, RateLimited, error_responses
from easypay.identity.endpoints import user_read
from easypay.identity.schemas import SessionCreated

router = APIRouter(prefix="/api/v1/auth/certificate", tags=["certificates"])


class ChallengeCreate(BaseModel):
    phone: str = Field(
        max_length=32,
        description="The phone number of the account whose certificate will sign in.",
        examples=["010-1234-5678"],
    )


class ChallengeRead(BaseModel):
    challenge_id: str = Field(
        description="Send it back with the answer; single use.", examples=["q3Jx0cJ2c3y8m1Vt9bWl"]
    )
    challenge: str = Field(
        description=(
            "32 random bytes, base64url without padding. A device signs "
            'b"easypay-signin-v1:" followed by these 32 bytes (ECDSA P-256, SHA-256).'
        ),
        examples=["d2hhdCBpcyBzaWduZWQgaXMgdGhlIHByZWZpeCBhbmQgdGhpcw"],
    )
    expires_at: datetime = Field(description="Answer before this (2 minutes).")


class SessionAnswer(BaseModel):
    challenge_id: str = Field(max_length=64, description="From the challenge.")
    pin: str | None = Field(
        None,
        max_length=16,
        description="The 6-digit certificate PIN (server-held key). Not with `signature`.",
        examples=["482915"],
    )
    signature: str | None = Field(
        None,
        max_length=400,
        description=(
            "Device-held key: base64 of the DER ECDSA-SHA256 signature over "
            'b"easypay-signin-v1:" + the challenge bytes. Not with `pin`.'
        ),
        examples=["MEUCIQD...=="],
    )


def _client(request: Request) -> tuple[str, str]:
    return request.headers.get("user-agent", ""), request.client.host if request.client else ""


@router.post(
    "/challenge",
    status_code=201,
    summary="Sign in with a certificate, step 1: get a challenge",
    responses=error_responses(InvalidInput, RateLimited),
)
async def create_challenge(
    body: ChallengeCreate, request: Request, settings: AppSettings
) -> ChallengeRead:
    """Answered the same way whether or not the phone has a certificate."""
    _, address = _client(request)
    issued = await signin.create_challenge(database_of(request), settings, body.phone, address)
    return ChallengeRead(
        challenge_id=issued.challenge_id,
        challenge=issued.challenge_b64,
        expires_at=issued.expires_at,
    )


@router.post(
    "/session",
    status_code=201,
    summary="Sign in with a certificate, step 2: answer it and get a Bearer token",
    responses=error_responses(*signin.SESSION_ERRORS),
)
async def open_session(
    body: SessionAnswer, request: Request, settings: AppSettings
) -> SessionCreated:
    """A wrong certificate PIN is counted (5 in a row lock the certificate); the challenge is
    used up by any answer."""
    user_agent, address = _client(request)
    principal, token = await signin.open_session(
        database_of(request),
        settings,
        body.challenge_id,
        pin=body.pin,
        signature=body.signature,
        kind="api",
        user_agent=user_agent,
        ip_address=address,
    )
    return SessionCreated(
        token=token,
        session_id=principal.session.id,
        expires_at=principal.session.expires_at,
        user=user_read(principal.user),
    )
