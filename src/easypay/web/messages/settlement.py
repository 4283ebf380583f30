"""Strings of the settlement pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {}
