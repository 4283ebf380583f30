"""Merchants: accounts, CIDs and API keys (payments build on this)."""
