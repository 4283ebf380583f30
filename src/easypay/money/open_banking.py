"""Placeholder: replaced by the HTTP open-banking gateway."""

from __future__ import annotations

from typing import Any


class OpenBankingGateway:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.base_url = base_url

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(name)
