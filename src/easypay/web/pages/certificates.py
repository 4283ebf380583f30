"""Certificates: status and actions, history with log proofs, signature requests."""

from __future__ import annotations

from easypay.web.route import page_router

router = page_router()
