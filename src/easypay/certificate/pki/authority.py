"""The certificate authority: a root CA and an online issuing CA, and user certificates.

The root (EC P-384, 20 years, path length 1) signs only the issuing CA; the issuing CA (EC P-256,
5 years, path length 0) signs user certificates, CRLs and OCSP responses. Both live in one
directory (keys encrypted, see `signer.FileSigner`; certificates as PEM) that is created on the
first call of `create_authority` and reloaded on every later one.

User certificates carry no personal data: the subject is a pseudonym (a keyed hash of the
verified identity), never a phone number, a name or a birth date, and never anything from a CSR.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from easypay.certificate.pki.errors import AuthorityCorrupt, CertificateRequestRefused, KeyRefused
from easypay.certificate.pki.signer import FileSigner, Signer, write_exclusively
from easypay.kit.clock import clock

ROOT_VALIDITY = timedelta(days=365 * 20 + 5)
ISSUING_VALIDITY = timedelta(days=365 * 5 + 1)
# CA certificates start a little in the past, so a relying party whose clock is slightly behind
# still accepts them.
_BACKDATE = timedelta(minutes=5)
_MAX_CSR_BYTES = 16 * 1024
_USERS_ORGANIZATION = "EasyPay users"
_PSEUDONYM_KEY_INFO = b"easypay certificate subject v1"


@dataclass(frozen=True)
class IdentitySubject:
    """Who a user certificate names: a pseudonym only. Build it with `pseudonymous()` from the
    verified identity (e.g. the user's id or a CI value) so the same person always gets the same
    name while the certificate reveals nothing searchable without the server secret."""

    pseudonym: str

    def __post_init__(self) -> None:
        if not (8 <= len(self.pseudonym) <= 64) or not all(
            ch.isascii() and (ch.isalnum() or ch == "-") for ch in self.pseudonym
        ):
            raise ValueError("a pseudonym is 8-64 ASCII letters, digits and dashes")

    @classmethod
    def pseudonymous(cls, server_secret: bytes, identity_reference: str) -> IdentitySubject:
        if not server_secret or not identity_reference:
            raise ValueError("both the server secret and the identity reference are needed")
        key = hmac.new(server_secret, _PSEUDONYM_KEY_INFO, hashlib.sha256).digest()
        digest = hmac.new(key, identity_reference.encode(), hashlib.sha256).hexdigest()
        return cls(f"EP-{digest[:40]}")

    def name(self) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, _USERS_ORGANIZATION),
                x509.NameAttribute(NameOID.COMMON_NAME, self.pseudonym),
            ]
        )


def new_serial_number() -> int:
    """A random positive 128-bit serial (RFC 5280 allows up to 20 octets; CA/B asks ≥ 64 random
    bits). Stored as hex (`format(serial, "x")`): it does not fit a BIGINT."""
    while True:
        serial = secrets.randbits(128)
        if serial:
            return serial


def is_p256(key: object) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)


@dataclass(frozen=True)
class Authority:
    root_certificate: x509.Certificate
    issuing_certificate: x509.Certificate
    root_signer: Signer
    issuing_signer: Signer

    def chain(self) -> list[x509.Certificate]:
        """Issuing CA then root: what goes after a user certificate in a chain."""
        return [self.issuing_certificate, self.root_certificate]

    def chain_pem(self) -> bytes:
        return certificates_pem(self.chain())

    def issue(
        self,
        public_key: object,
        subject: IdentitySubject,
        serial: int,
        not_before: datetime,
        not_after: datetime,
        crl_url: str,
        ocsp_url: str,
        *,
        ca_issuers_url: str | None = None,
    ) -> x509.Certificate:
        """A user certificate for e-signatures: digitalSignature + nonRepudiation, no extended
        key usage (so `openssl cms -verify`, with its default S/MIME purpose or `-purpose any`,
        and any bank's verifier accept it), the CRL and OCSP addresses, SKI/AKI."""
        if not is_p256(public_key):
            raise KeyRefused()
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        if not 0 < serial < 2**159:
            raise ValueError("a serial number is positive and at most 20 octets")
        if not_before.tzinfo is None or not_after.tzinfo is None:
            raise ValueError("validity times must be timezone-aware")
        if not_after <= not_before:
            raise ValueError("not_after must come after not_before")
        issuing = self.issuing_certificate
        if not_before < issuing.not_valid_before_utc or not_after > issuing.not_valid_after_utc:
            raise ValueError("the validity must lie within the issuing CA's validity")
        for url in (crl_url, ocsp_url, ca_issuers_url):
            if url is not None and not url.startswith(("http://", "https://")):
                raise ValueError("CRL, OCSP and CA addresses are http(s) URLs")
        access = [
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            )
        ]
        if ca_issuers_url:
            access.append(
                x509.AccessDescription(
                    AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(ca_issuers_url),
                )
            )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject.name())
            .issuer_name(issuing.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signing=True), critical=True)
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(crl_url)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
            .add_extension(x509.AuthorityInformationAccess(access), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(_authority_key_identifier(issuing), critical=False)
        )
        return builder.sign(self.issuing_signer.builder_key(), self.issuing_signer.hash_algorithm())


def verify_csr(csr_pem: bytes | str) -> ec.EllipticCurvePublicKey:
    """The public key of a device-made CSR, once the CSR proves possession of the private key
    (its self-signature verifies) and the key is EC P-256. Nothing else in the CSR is used: the
    subject comes from the verified identity."""
    data = csr_pem.encode() if isinstance(csr_pem, str) else csr_pem
    if not data or len(data) > _MAX_CSR_BYTES:
        raise CertificateRequestRefused("The CSR is empty or too large.")
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(data)
        else:
            csr = x509.load_der_x509_csr(data)
        public_key = csr.public_key()
        signature_valid = csr.is_signature_valid
    except (ValueError, TypeError) as error:
        raise CertificateRequestRefused("The CSR cannot be read.") from error
    if not is_p256(public_key):
        raise CertificateRequestRefused("The CSR's key must be EC P-256.")
    if not signature_valid:
        raise CertificateRequestRefused("The CSR's signature does not match its key.")
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    return public_key


def _issuing_name(generation: int) -> str:
    """Generation 1 keeps the original file names; a rollover adds `issuing-2`, `issuing-3`..."""
    if generation < 1:
        raise ValueError("issuing CA generations count from 1")
    return "issuing" if generation == 1 else f"issuing-{generation}"


def issuing_generations(directory: Path) -> list[int]:
    """The issuing CA generations stored in `directory`, in order (empty before the first)."""
    found = [1] if (Path(directory) / "issuing.cert.pem").exists() else []
    for path in Path(directory).glob("issuing-*.cert.pem"):
        number = path.name.removeprefix("issuing-").removesuffix(".cert.pem")
        if number.isdigit() and int(number) > 1:
            found.append(int(number))
    return sorted(found)


def create_authority(
    directory: Path,
    server_secret: bytes,
    *,
    now: datetime | None = None,
    organization: str = "EasyPay",
    generation: int = 1,
) -> Authority:
    """The root and issuing CA `generation` kept in `directory`: made on the first call,
    reloaded afterwards (a new generation is a new issuing CA under the same root: the issuing
    CA's rollover). Refuses (AuthorityCorrupt) files that do not belong together instead of
    silently replacing them."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    moment = now or clock.now()
    file_name = _issuing_name(generation)
    root_signer = FileSigner(directory, "root", server_secret, ec.SECP384R1())
    issuing_signer = FileSigner(directory, file_name, server_secret, ec.SECP256R1())
    root_path = directory / "root.cert.pem"
    issuing_path = directory / f"{file_name}.cert.pem"
    if root_path.exists() and not root_signer.exists:
        raise AuthorityCorrupt(f"{root_path} exists without its key")
    if issuing_path.exists() and not issuing_signer.exists:
        raise AuthorityCorrupt(f"{issuing_path} exists without its key")

    if not root_path.exists():
        name = _ca_name(organization, f"{organization} Root CA")
        root = _ca_certificate(
            subject=name,
            issuer=name,
            public_key=root_signer.public_key(),
            signer=root_signer,
            issuer_certificate=None,
            start=moment - _BACKDATE,
            validity=ROOT_VALIDITY,
            path_length=1,
        )
        _store(root_path, root)
    root = _load(root_path)
    _check_pair(root, root_signer, root_path)

    if not issuing_path.exists():
        issuing = _ca_certificate(
            subject=_ca_name(organization, f"{organization} Issuing CA {generation}"),
            issuer=root.subject,
            public_key=issuing_signer.public_key(),
            signer=root_signer,
            issuer_certificate=root,
            start=moment - _BACKDATE,
            validity=ISSUING_VALIDITY,
            path_length=0,
        )
        _store(issuing_path, issuing)
    issuing = _load(issuing_path)
    _check_pair(issuing, issuing_signer, issuing_path)
    try:
        issuing.verify_directly_issued_by(root)
    except (InvalidSignature, ValueError, TypeError) as error:
        raise AuthorityCorrupt(f"{issuing_path} is not signed by {root_path}") from error
    return Authority(root, issuing, root_signer, issuing_signer)


def _ca_name(organization: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_identifier(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _ca_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    signer: Signer,
    issuer_certificate: x509.Certificate | None,
    start: datetime,
    validity: timedelta,
    path_length: int,
) -> x509.Certificate:
    not_after = start + validity
    if issuer_certificate is not None:
        not_after = min(not_after, issuer_certificate.not_valid_after_utc)
    aki = (
        _authority_key_identifier(issuer_certificate)
        if issuer_certificate is not None
        else x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key)
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(new_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(aki, critical=False)
    )
    return builder.sign(signer.builder_key(), signer.hash_algorithm())


def _store(path: Path, certificate: x509.Certificate) -> None:
    # If another process stored its certificate first, that one is kept and loaded.
    with contextlib.suppress(FileExistsError):
        write_exclusively(path, certificate.public_bytes(serialization.Encoding.PEM))


def _load(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as error:
        raise AuthorityCorrupt(f"{path} is not a PEM certificate") from error


def _check_pair(certificate: x509.Certificate, signer: Signer, path: Path) -> None:
    if certificate.public_key() != signer.public_key():
        raise AuthorityCorrupt(f"{path} does not match its key")


def certificates_pem(certificates: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
