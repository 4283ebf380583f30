"""The certificate lifecycle's refusals: each an `EasyPayError` (4xx, `{"error", "detail"}`)."""

from __future__ import annotations

from easypay.errors import Conflict, EasyPayError, NotFound


class CertificateNotFound(NotFound):
    code = "CertificateNotFound"
    message = "No such certificate."


class CertificateAlreadyActive(Conflict):
    code = "CertificateAlreadyActive"
    message = "You already have an active or suspended certificate."


class CertificateStateConflict(Conflict):
    code = "CertificateStateConflict"
    message = "The certificate cannot do this in its current state."


class RenewalTooEarly(Conflict):
    code = "RenewalTooEarly"
    message = "A certificate can be renewed only in the last 90 days before it expires."


class CertificateLocked(EasyPayError):
    status = 423
    code = "CertificateLocked"
    message = "Five wrong certificate PINs locked this certificate: reissue or restore it."


class NoServerKey(Conflict):
    code = "NoServerKey"
    message = "This certificate's key is held on the device, not by EasyPay."


class IdentityNotVerified(EasyPayError):
    status = 403
    code = "IdentityNotVerified"
    message = "Your identity must be verified before a certificate is issued."


class IssuingCaNotFound(NotFound):
    code = "IssuingCaNotFound"
    message = "There is no issuing CA of this generation."
