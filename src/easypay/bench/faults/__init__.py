"""Fault runs (issue 6): kill -9 the server, stop PostgreSQL in immediate mode, make the sandbox
bank and card issuer misbehave, and a Jepsen-shaped bank test; each checks afterwards that every
acknowledged operation exists exactly once and nothing else moved (bench/faults/README.md)."""
