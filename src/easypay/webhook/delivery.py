"""Delivering webhook events (to be filled): registers the outbox handler on import."""
