"""Shared fixtures of the certificate lifecycle tests: an API client that reaches the
certificate routers (on their own app sharing the test database until app.py mounts them), a
signed-up user, cheap Argon2, CSRs and OpenSSL checks against the served CA and CRL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from fastapi import FastAPI
from sqlalchemy import func, select

from easypay.certificate import service
from easypay.certificate.endpoints import pki_router, router
from easypay.certificate.pki.custody import FAST_FOR_TESTS
from easypay.db import Database
from easypay.errors import install_error_handlers
from easypay.models import Certificate, CertificateEvent, CertificateRevocationList
from tests.certificate.pki_support import openssl, write
from tests.money.builders import PIN, Person, person

CERT_PIN = "482915"


@pytest.fixture(autouse=True)
def fast_argon(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(service, "ARGON", FAST_FOR_TESTS)
    return


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """One client for everything: the app's own routes (sign-up, PIN) and the certificate
    routers (the app's own once mounted, else a side app sharing database and settings)."""
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/pki/ocsp" in paths and "/api/v1/certificates" in paths:
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 51000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
        return
    side = FastAPI()
    install_error_handlers(side)
    side.include_router(router)
    side.include_router(pki_router)
    side.state.database = app.state.database
    side.state.settings = app.state.settings

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        target = side if path.startswith(("/pki/", "/api/v1/certificates")) else app
        await target(scope, receive, send)

    transport = httpx.ASGITransport(app=dispatch, client=("10.1.2.3", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def someone(api: httpx.AsyncClient, database: Database, name: str = "김서연") -> Person:
    return await person(api, database, name=name, link=False)


def device_csr(
    key: ec.EllipticCurvePrivateKey | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "홍길동 010")]))
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


async def issue(
    api: httpx.AsyncClient, who: Person, *, csr_pem: str | None = None, pin: str = CERT_PIN
) -> dict[str, Any]:
    body: dict[str, Any] = {"payment_pin": PIN}
    if csr_pem is None:
        body["pin"] = pin
    else:
        body["csr_pem"] = csr_pem
    response = await api.post("/api/v1/certificates", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def mine(api: httpx.AsyncClient, who: Person) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/certificates", headers=who.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@dataclass
class Snapshot:
    certificates: list[tuple[Any, ...]]
    events: int
    crls: int


async def snapshot(database: Database) -> Snapshot:
    """Everything a refused call must leave as it was."""
    async with database.transaction() as session:
        rows = (
            await session.execute(
                select(
                    Certificate.id,
                    Certificate.status,
                    Certificate.pin_failures,
                    Certificate.locked_at,
                    Certificate.revoked_at,
                    Certificate.sealed_key,
                    Certificate.not_after,
                ).order_by(Certificate.id)
            )
        ).all()
        events = (await session.execute(select(func.count(CertificateEvent.id)))).scalar_one()
        crls = (
            await session.execute(select(func.count(CertificateRevocationList.number)))
        ).scalar_one()
    return Snapshot([tuple(r) for r in rows], int(events), int(crls))


# --- OpenSSL, the outside judge -------------------------------------------------------------


async def ca_pem(api: httpx.AsyncClient) -> bytes:
    response = await api.get("/pki/ca.pem")
    assert response.status_code == 200
    return response.content


async def crl_der(api: httpx.AsyncClient) -> bytes:
    response = await api.get("/pki/crl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pkix-crl"
    return response.content


def crl_number(der: bytes) -> int:
    loaded = x509.load_der_x509_crl(der)
    return int(loaded.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)


async def openssl_verify(
    api: httpx.AsyncClient, leaf_pem: str, directory: Path, *, with_crl: bool
) -> str:
    ca = write(directory, "ca.pem", await ca_pem(api))
    leaf = write(directory, "leaf.pem", leaf_pem.encode())
    args = ["verify", "-CAfile", ca]
    if with_crl:
        crl = x509.load_der_x509_crl(await crl_der(api))
        crl_file = write(directory, "crl.pem", crl.public_bytes(serialization.Encoding.PEM))
        args += ["-crl_check", "-CRLfile", crl_file]
    result = openssl(*args, leaf, cwd=directory)
    return result.stdout


async def openssl_ocsp(api: httpx.AsyncClient, leaf_pem: str, directory: Path) -> str:
    """Ask our responder over HTTP, then let `openssl ocsp -respin` verify and read the answer."""
    chain = x509.load_pem_x509_certificates(await ca_pem(api))
    issuing = chain[0]
    leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf, issuing, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = await api.post(
        "/pki/ocsp", content=request, headers={"Content-Type": "application/ocsp-request"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ocsp-response"
    answer = write(directory, "ocsp.der", response.content)
    ca = write(directory, "ca.pem", await ca_pem(api))
    issuer = write(directory, "issuing.pem", issuing.public_bytes(serialization.Encoding.PEM))
    leaf_file = write(directory, "leaf.pem", leaf_pem.encode())
    result = openssl(
        "ocsp",
        "-respin",
        answer,
        "-issuer",
        issuer,
        "-CAfile",
        ca,
        "-sha256",
        "-cert",
        leaf_file,
        cwd=directory,
    )
    return result.stdout
