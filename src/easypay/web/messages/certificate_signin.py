"""Strings of sign-in with a certificate: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {}
