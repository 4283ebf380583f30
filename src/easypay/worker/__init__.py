"""The worker: outbox jobs and time-based work, safe to run on many processes at once."""
