"""The operator console's back end: users, ledger health, recent activity."""
