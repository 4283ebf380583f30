"""Strings of the webhooks pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {}
