"""The double-entry ledger every service moves value through (specs/ledger.md)."""
