"""E-signatures by user certificates: detached CMS SignedData (the main format, verifiable by
any bank's Java/.NET/openssl) and compact JWS ES256 with `x5c` (for JSON relying parties).

`cryptography` builds CMS but cannot verify it; CMS is checked with openssl (see the tests).
JWS is verified here, chain included (`verify_jws`); revocation is a separate question the
relying party asks the OCSP responder.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from easypay.certificate.pki.authority import is_p256
from easypay.certificate.pki.errors import KeyRefused, SignatureInvalid
from easypay.kit.clock import clock

_P256_BYTES = 32
_MAX_JWS_CHARS = 256 * 1024
_MAX_CHAIN = 4


def sign_cms_detached(
    data: bytes,
    certificate: x509.Certificate,
    private_key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
) -> bytes:
    """DER CMS SignedData over `data` (not embedded), SHA-256, with signed attributes
    (content type, message digest, signing time) and the signer's certificate plus `chain`."""
    _check_key_matches(certificate, private_key)
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(certificate, private_key, hashes.SHA256())
    )
    for ca in chain:
        builder = builder.add_certificate(ca)
    return builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )


def sign_jws(
    payload: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
) -> str:
    """A compact JWS (RFC 7515): ES256, the signature as raw r||s (RFC 7518 §3.4), and `x5c`
    holding the signer's certificate then `chain` (standard base64 DER, RFC 7515 §4.1.6)."""
    _check_key_matches(certificate, private_key)
    header = {
        "alg": "ES256",
        "x5c": [
            _b64_std(c.public_bytes(serialization.Encoding.DER)) for c in [certificate, *chain]
        ],
        "x5t#S256": _b64url(certificate.fingerprint(hashes.SHA256())),
    }
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())
        + "."
        + _b64url(payload)
    )
    der = private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
    return signing_input + "." + _b64url(raw)


@dataclass(frozen=True)
class VerifiedJws:
    payload: bytes
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    header: dict[str, Any]


def verify_jws(
    token: str, trusted_roots: Sequence[x509.Certificate], *, now: datetime | None = None
) -> VerifiedJws:
    """Checks a compact ES256 JWS and its `x5c` chain up to one of `trusted_roots` at `now`;
    returns the payload and the signer's certificate, or raises SignatureInvalid. The alg is
    fixed (no `none`, no HMAC with a public key as secret); `crit` is refused."""
    if not isinstance(token, str) or len(token) > _MAX_JWS_CHARS:
        raise SignatureInvalid("The JWS is not a string of acceptable size.")
    parts = token.split(".")
    if len(parts) != 3:
        raise SignatureInvalid("A compact JWS has three parts.")
    encoded_header, encoded_payload, encoded_signature = parts
    try:
        header = json.loads(_unb64url(encoded_header))
        payload = _unb64url(encoded_payload)
        signature = _unb64url(encoded_signature)
    except (ValueError, UnicodeDecodeError) as error:
        raise SignatureInvalid("The JWS is not well formed.") from error
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise SignatureInvalid("Only ES256 is accepted.")
    if "crit" in header:
        raise SignatureInvalid("No critical JWS extensions are understood.")
    certificates = _x5c(header.get("x5c"))
    leaf, intermediates = certificates[0], certificates[1:]
    thumbprint = header.get("x5t#S256")
    if thumbprint is not None and thumbprint != _b64url(leaf.fingerprint(hashes.SHA256())):
        raise SignatureInvalid("x5t#S256 does not name the x5c certificate.")
    key = leaf.public_key()
    if not is_p256(key) or len(signature) != 2 * _P256_BYTES:
        raise SignatureInvalid("The signer's key or the signature is not ES256.")
    assert isinstance(key, ec.EllipticCurvePublicKey)
    der = encode_dss_signature(
        int.from_bytes(signature[:_P256_BYTES], "big"),
        int.from_bytes(signature[_P256_BYTES:], "big"),
    )
    signing_input = f"{encoded_header}.{encoded_payload}".encode("ascii")
    try:
        key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise SignatureInvalid("The signature does not match.") from error
    chain = _verify_chain(leaf, intermediates, trusted_roots, now or clock.now())
    return VerifiedJws(payload=payload, certificate=leaf, chain=chain, header=header)


# The Web PKI rules for end entities, except that a user certificate names no host or address:
# no subjectAltName is required. Unknown critical extensions are still refused.
_USER_POLICY = ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
)


def _verify_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    trusted_roots: Sequence[x509.Certificate],
    moment: datetime,
) -> list[x509.Certificate]:
    """Path validation by `cryptography`'s verifier (RFC 5280 rules: signatures, validity,
    basic constraints, path length, key usage of CAs). The leaf must allow digital signatures;
    its extended key usage is not asked for (user certificates have none; one that has an EKU
    without clientAuth or anyExtendedKeyUsage is refused by the client verifier)."""
    if not trusted_roots:
        raise ValueError("at least one trusted root is needed")
    verifier = (
        PolicyBuilder()
        .store(Store(list(trusted_roots)))
        .time(moment)
        .max_chain_depth(_MAX_CHAIN)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_USER_POLICY)
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(leaf, intermediates)
    except VerificationError as error:
        message = "The signer's certificate is not valid under the trusted roots."
        raise SignatureInvalid(message) from error
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as error:
        raise SignatureInvalid("The signer's certificate has no key usage.") from error
    if not usage.digital_signature:
        raise SignatureInvalid("The signer's certificate does not allow signatures.")
    return list(verified.chain)


def _x5c(value: object) -> list[x509.Certificate]:
    if not isinstance(value, list) or not 1 <= len(value) <= _MAX_CHAIN:
        raise SignatureInvalid("The JWS needs an x5c certificate chain.")
    certificates = []
    for item in value:
        if not isinstance(item, str):
            raise SignatureInvalid("x5c holds base64 certificates.")
        try:
            certificates.append(
                x509.load_der_x509_certificate(base64.b64decode(item, validate=True))
            )
        except (binascii.Error, ValueError) as error:
            raise SignatureInvalid("x5c holds an unreadable certificate.") from error
    return certificates


def _check_key_matches(certificate: x509.Certificate, private_key: object) -> None:
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not is_p256(
        private_key.public_key()
    ):
        raise KeyRefused()
    if certificate.public_key() != private_key.public_key():
        raise ValueError("the private key does not belong to the certificate")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64_std(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64url(text: str) -> bytes:
    """Strict base64url without padding (RFC 7515 §2): anything else is refused."""
    if "=" in text or not all(ch.isalnum() or ch in "-_" for ch in text) or not text.isascii():
        raise ValueError("not base64url")
    if len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url(data) != text:  # unused low bits set: another spelling of the same bytes
        raise ValueError("not canonical base64url")
    return data
