"""Certificate status: the full CRL of the issuing CA and the OCSP responder.

Lifecycle → reason: suspend = `certificateHold` (the next CRL without the entry restores the
certificate), delete = `cessationOfOperation`, renew = `superseded`, reissue after a lost device
= `keyCompromise` (or `superseded` when only the PIN was forgotten). The CRL is regenerated in
full on every status change, with a CRL number that only grows (the caller keeps the counter).

The OCSP responder is the issuing CA itself (RFC 6960 §2.6 allows the CA to sign), so relying
parties need no delegated responder certificate. One certificate per request (a limit of
`cryptography`'s parser; multi-certificate requests get `malformedRequest`).
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from easypay.certificate.pki.authority import Authority
from easypay.kit.clock import clock

OCSP_RESPONSE_VALIDITY = timedelta(hours=1)
_MAX_OCSP_REQUEST_BYTES = 4096
_MAX_SERIAL = 2**159
# `unspecified` should be left out instead (RFC 5280 §5.3.1); `removeFromCRL` belongs to delta
# CRLs only.
_REFUSED_REASONS = {x509.ReasonFlags.unspecified, x509.ReasonFlags.remove_from_crl}


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def build_crl(
    authority: Authority,
    revoked: Sequence[RevokedEntry],
    crl_number: int,
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    """The issuing CA's full CRL: every certificate that is suspended or revoked now."""
    if not 0 <= crl_number < _MAX_SERIAL:
        raise ValueError("a CRL number is a non-negative integer of at most 20 octets")
    if next_update <= this_update:
        raise ValueError("next_update must come after this_update")
    seen: set[int] = set()
    issuing = authority.issuing_certificate
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuing.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_aki(issuing), critical=False)
    )
    for entry in revoked:
        if entry.serial in seen:
            raise ValueError(f"serial {entry.serial:x} is listed twice")
        if not 0 < entry.serial < _MAX_SERIAL:
            raise ValueError("a serial number is positive and at most 20 octets")
        if entry.reason in _REFUSED_REASONS:
            raise ValueError(f"the reason {entry.reason.value} does not belong in a full CRL")
        seen.add(entry.serial)
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.revoked_at)
            .add_extension(x509.CRLReason(entry.reason), critical=False)
            .build()
        )
    signer = authority.issuing_signer
    return builder.sign(signer.builder_key(), signer.hash_algorithm())


def build_root_crl(
    authority: Authority, crl_number: int, this_update: datetime, next_update: datetime
) -> x509.CertificateRevocationList:
    """The root's CRL (empty: revoking the issuing CA is an offline ceremony, not an API call).
    Relying parties that check the whole chain (`openssl verify -crl_check_all`) need it."""
    if next_update <= this_update:
        raise ValueError("next_update must come after this_update")
    root = authority.root_certificate
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_aki(root), critical=False)
    )
    signer = authority.root_signer
    return builder.sign(signer.builder_key(), signer.hash_algorithm())


@dataclass(frozen=True)
class CertificateStatus:
    """What `status_of` tells the responder about one serial number."""

    state: Literal["good", "revoked", "unknown"]
    revoked_at: datetime | None = None
    reason: x509.ReasonFlags | None = None

    @classmethod
    def good(cls) -> CertificateStatus:
        return cls("good")

    @classmethod
    def revoked(cls, at: datetime, reason: x509.ReasonFlags | None) -> CertificateStatus:
        return cls("revoked", at, reason)

    @classmethod
    def unknown(cls) -> CertificateStatus:
        return cls("unknown")


@dataclass(frozen=True)
class OcspQuery:
    """The one question in an OCSP request."""

    serial: int
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    hash_algorithm: hashes.HashAlgorithm
    nonce: bytes | None


class OcspRequestUnreadable(ValueError):
    """Not a (single-certificate) DER OCSP request."""


def parse_ocsp_request(request_der: bytes) -> OcspQuery:
    if not request_der or len(request_der) > _MAX_OCSP_REQUEST_BYTES:
        raise OcspRequestUnreadable("the request is empty or too large")
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        nonce: bytes | None
        try:
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            nonce = None
        return OcspQuery(
            serial=request.serial_number,
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            hash_algorithm=request.hash_algorithm,
            nonce=nonce,
        )
    except (ValueError, TypeError, x509.UnsupportedGeneralNameType) as error:
        raise OcspRequestUnreadable(str(error)) from error


def ocsp_request_from_get_path(encoded: str) -> bytes:
    """The DER request of an HTTP GET (`/pki/ocsp/<url-encoded base64>`, RFC 6960 A.1)."""
    try:
        return base64.b64decode(urllib.parse.unquote(encoded), validate=True)
    except (binascii.Error, ValueError) as error:
        raise OcspRequestUnreadable("not base64") from error


def is_about(query: OcspQuery, issuer: x509.Certificate) -> bool:
    """Whether the request names `issuer` (by the hashes of its name and key)."""
    algorithm = query.hash_algorithm
    if not isinstance(algorithm, hashes.SHA1 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512):
        return False
    name_hash = _digest(algorithm, issuer.subject.public_bytes())
    key_bits = issuer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    key_hash = _digest(algorithm, key_bits)
    return name_hash == query.issuer_name_hash and key_hash == query.issuer_key_hash


def ocsp_response(
    authority: Authority,
    request_der: bytes,
    status_of: Callable[[int], CertificateStatus],
    *,
    now: datetime | None = None,
    validity: timedelta = OCSP_RESPONSE_VALIDITY,
) -> bytes:
    """A DER OCSP response to `request_der`, signed by the issuing CA: good, revoked (with time
    and reason) or unknown, as `status_of(serial)` says; the request's nonce echoed. A request
    this CA cannot read gets `malformedRequest`, one about another CA `unauthorized` (both
    unsigned, as RFC 6960 prescribes)."""
    try:
        query = parse_ocsp_request(request_der)
    except OcspRequestUnreadable:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    issuing = authority.issuing_certificate
    if not is_about(query, issuing):
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    status = status_of(query.serial)
    moment = now or clock.now()
    cert_status = {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }[status.state]
    revoked = status.state == "revoked"
    if revoked and status.revoked_at is None:
        raise ValueError("a revoked status needs its revocation time")
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=query.issuer_name_hash,
        issuer_key_hash=query.issuer_key_hash,
        serial_number=query.serial,
        algorithm=query.hash_algorithm,
        cert_status=cert_status,
        this_update=moment,
        next_update=moment + validity,
        revocation_time=status.revoked_at if revoked else None,
        revocation_reason=status.reason if revoked else None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuing)
    if query.nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(query.nonce), critical=False)
    signer = authority.issuing_signer
    response = builder.sign(signer.builder_key(), signer.hash_algorithm())
    return response.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    digest = hashes.Hash(algorithm)
    digest.update(data)
    return digest.finalize()


def _aki(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
