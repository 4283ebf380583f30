"""CA keys behind a `Signer` interface; `FileSigner` keeps the key in an encrypted PEM file.

How a signer is used: the x509 builders of `cryptography` (certificates, CRLs, OCSP responses)
sign only with a private-key object of their own backend, never through a callback. So the
authority asks a signer for `builder_key()`: `FileSigner` hands over its in-memory key. A KMS or
HSM signer cannot do that; it would have to build the to-be-signed bytes (e.g. sign with a
throw-away key of the same algorithm, take `tbs_certificate_bytes`), have the KMS sign them with
`sign()`, and assemble the DER `Certificate` by hand. That path is not written; `builder_key()`
on such a signer raises `NotImplementedError`.

`sign()` itself (raw data → DER ECDSA signature) is what a KMS would offer, and is what the
authority uses outside the builders.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from easypay.certificate.pki.errors import AuthorityCorrupt

_PASSPHRASE_INFO = b"easypay pki key file v1: "

SignatureHash = hashes.SHA256 | hashes.SHA384


class Signer(Protocol):
    """Holds one EC private key and signs with it. The key never leaves a real KMS/HSM signer."""

    @property
    def algorithm(self) -> str:
        """The signature algorithm, e.g. "ecdsa-with-SHA256"."""
        ...

    def hash_algorithm(self) -> SignatureHash: ...

    def public_key(self) -> ec.EllipticCurvePublicKey: ...

    def sign(self, data: bytes) -> bytes:
        """A DER-encoded ECDSA signature over `data` with `hash_algorithm()`."""
        ...

    def builder_key(self) -> ec.EllipticCurvePrivateKey:
        """The key object the x509 builders need (see the module docstring)."""
        ...


def hash_for_curve(curve: ec.EllipticCurve) -> SignatureHash:
    """The hash matched to the curve's strength (RFC 5480 §4): SHA-384 for P-384."""
    if isinstance(curve, ec.SECP384R1):
        return hashes.SHA384()
    if isinstance(curve, ec.SECP256R1):
        return hashes.SHA256()
    raise ValueError(f"unsupported curve {curve.name}")


def key_file_passphrase(server_secret: bytes, name: str) -> bytes:
    """The passphrase of a key file, derived from the server secret (kept outside the database)
    and the key's name, so one file's passphrase does not open another."""
    if not server_secret:
        raise ValueError("the server secret is empty")
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_PASSPHRASE_INFO + name.encode()
    )
    return hkdf.derive(server_secret).hex().encode()


class FileSigner:
    """An EC private key in `<directory>/<name>.key.pem`, PEM-encrypted (PKCS#8,
    BestAvailableEncryption) with a passphrase derived from the server secret. Created on first
    use; two processes starting at once end with the same key (the file is created exclusively).
    For development and self-hosting; production CAs belong in a KMS/HSM."""

    def __init__(
        self,
        directory: Path,
        name: str,
        server_secret: bytes,
        curve: ec.EllipticCurve | None = None,
    ) -> None:
        if not name or not name.replace("-", "").isalnum():
            raise ValueError("a key name is letters, digits and dashes")
        self.path = Path(directory) / f"{name}.key.pem"
        self._passphrase = key_file_passphrase(server_secret, name)
        self._curve = curve or ec.SECP256R1()
        self._key: ec.EllipticCurvePrivateKey | None = None

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def _load_or_create(self) -> ec.EllipticCurvePrivateKey:
        if self._key is not None:
            return self._key
        if not self.path.exists():
            self._create()
        try:
            key = serialization.load_pem_private_key(
                self.path.read_bytes(), password=self._passphrase
            )
        except (ValueError, TypeError) as error:
            raise AuthorityCorrupt(
                f"{self.path} cannot be opened with this server secret"
            ) from error
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise AuthorityCorrupt(f"{self.path} does not hold an EC key")
        self._key = key
        return key

    def _create(self) -> None:
        key = ec.generate_private_key(self._curve)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Another process may have won the race: then its key is the key.
        with contextlib.suppress(FileExistsError):
            write_exclusively(self.path, pem, mode=0o600)

    @property
    def algorithm(self) -> str:
        return f"ecdsa-with-{self.hash_algorithm().name.upper()}"

    def hash_algorithm(self) -> SignatureHash:
        return hash_for_curve(self._load_or_create().curve)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._load_or_create().public_key()

    def sign(self, data: bytes) -> bytes:
        key = self._load_or_create()
        return key.sign(data, ec.ECDSA(hash_for_curve(key.curve)))

    def builder_key(self) -> ec.EllipticCurvePrivateKey:
        return self._load_or_create()


def write_exclusively(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write a new file, failing with FileExistsError if it is already there. Written to a
    temporary name first, so a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # atomic, and refuses to replace an existing file
    finally:
        temporary.unlink(missing_ok=True)
