"""The sandbox card issuer: a fake card company speaking HTTP (mounted at /sandbox/card)."""
