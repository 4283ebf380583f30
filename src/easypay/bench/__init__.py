"""Benchmarks run by `easypay bench ...` (see bench/README.md)."""
