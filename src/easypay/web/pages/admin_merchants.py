"""Pages: the operator console's merchants."""

from __future__ import annotations

from easypay.web.route import page_router

router = page_router()
