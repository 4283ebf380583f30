"""The HTTP idempotency layer every value-moving endpoint declares (specs/ledger.md)."""
