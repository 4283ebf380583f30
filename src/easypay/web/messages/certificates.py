"""Strings of the certificate pages (status, actions, history, signature requests): key →
(Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {}
