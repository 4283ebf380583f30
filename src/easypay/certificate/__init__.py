"""Certificates (인증서): a private PKI, e-signatures for institutions, and a public
append-only log."""
