"""Transfers (송금): send Pay Money to a person (held until received) or to a bank account,
request money, and split a bill (dutch pay)."""
