"""Strings of the pay_code pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {}
