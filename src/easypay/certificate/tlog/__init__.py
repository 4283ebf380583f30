"""The certificate transparency log: an RFC 9162 Merkle tree and signed checkpoints.

Pure functions and classes, no database: the log service stores leaf hashes and checkpoints and
uses `merkle` to build proofs and `checkpoint` to sign and check tree heads.
"""
