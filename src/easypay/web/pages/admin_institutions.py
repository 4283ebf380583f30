"""Operator console: institutions (relying parties) and the transparency log."""

from __future__ import annotations

from easypay.web.route import page_router

router = page_router()
