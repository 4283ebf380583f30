"""Strings of the cards pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {}
