"""Shared helpers of the PKI tests: an authority on disk, users' keys and certificates, and
OpenSSL (the independent judge) run on files in a temporary directory."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from easypay.certificate.pki.authority import (
    Authority,
    IdentitySubject,
    create_authority,
    new_serial_number,
)

SERVER_SECRET = bytes.fromhex("5a" * 32)
OTHER_SERVER_SECRET = bytes.fromhex("a5" * 32)
CRL_URL = "https://easypay.test/pki/crl"
OCSP_URL = "https://easypay.test/pki/ocsp"
OPENSSL = "/usr/bin/openssl"


def now() -> datetime:
    """OpenSSL judges with the real clock, so what it checks is made at the real time."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class User:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def make_authority(directory: Path) -> Authority:
    return create_authority(directory, SERVER_SECRET, now=now())


def issue_user(authority: Authority, reference: str = "user:1", days: int = 365 * 3) -> User:
    key = ec.generate_private_key(ec.SECP256R1())
    start = now()
    certificate = authority.issue(
        key.public_key(),
        IdentitySubject.pseudonymous(SERVER_SECRET, reference),
        new_serial_number(),
        start,
        start + timedelta(days=days),
        CRL_URL,
        OCSP_URL,
    )
    return User(key, certificate)


def pem(*items: x509.Certificate | x509.CertificateRevocationList) -> bytes:
    return b"".join(item.public_bytes(serialization.Encoding.PEM) for item in items)


def write(directory: Path, name: str, data: bytes) -> str:
    path = directory / name
    path.write_bytes(data)
    return str(path)


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """OpenSSL's verdict; stdout and stderr together in `.stdout`."""
    return subprocess.run(
        [OPENSSL, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    )
