"""Sign-in with a certificate: challenge → signature → session."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/auth/certificate", tags=["certificates"])
