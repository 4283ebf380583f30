"""The PKI's refusals and faults.

Refusals a user or a relying party can cause are `EasyPayError`s with a status and a code, so the
service layer may let them through; faults of the server's own set-up are plain exceptions, so
they are never shown to a user as their mistake.
"""

from __future__ import annotations

from easypay.errors import EasyPayError


class CertificateRequestRefused(EasyPayError):
    """A CSR that cannot be parsed, proves no possession of its key, or has the wrong key type."""

    status = 422
    code = "CertificateRequestRefused"
    message = "The certificate signing request is not acceptable."


class KeyRefused(EasyPayError):
    """A public key the authority does not certify (only EC P-256 is accepted)."""

    status = 422
    code = "CertificateKeyRefused"
    message = "Only EC P-256 keys can be certified."


class WrongPin(EasyPayError):
    """The certificate PIN does not open the server-held key."""

    status = 403
    code = "WrongCertificatePin"
    message = "The certificate PIN is wrong."


class SignatureInvalid(EasyPayError):
    """A JWS that is malformed, altered, or not signed under the trusted chain."""

    status = 422
    code = "SignatureInvalid"
    message = "The signature is not valid."


class AuthorityCorrupt(Exception):
    """The CA files on disk do not belong together (a certificate without its key, or keys that
    do not match their certificates). Never repaired automatically: an operator must look."""


class ServerSecretMismatch(Exception):
    """A sealed private key was sealed under another server secret: the server is misconfigured.
    Not the user's fault, so it must not count as a wrong PIN."""
