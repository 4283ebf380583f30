"""Builders of the certificate page tests: cheap Argon2, issuing through the pages, an
institution asking for a signature through its API, and a snapshot of every certificate row
(to show that a refusal changed nothing)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from easypay.certificate import institutions, service
from easypay.certificate.pki.custody import FAST_FOR_TESTS
from easypay.db import Database
from easypay.models import (
    Certificate,
    CertificateEvent,
    CertificateRevocationList,
    SignRequest,
    TlogLeaf,
)
from tests.web.helpers import BIRTH, NAME, PHONE, PIN, csrf_of, post_form

CERT_PIN = "482915"
NEW_CERT_PIN = "615273"
WRONG_CERT_PIN = "000111"
SIGN_TEXT = '대출 약정에 동의합니다. <script>alert("x")</script> & 끝'


@pytest.fixture
def fast_argon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "ARGON", FAST_FOR_TESTS)


async def issue(
    client: httpx.AsyncClient, pin: str = CERT_PIN, payment_pin: str = PIN
) -> httpx.Response:
    return await post_form(
        client,
        "/certificates",
        "/certificates/issue",
        {"new_pin": pin, "new_pin_confirm": pin, "payment_pin": payment_pin},
    )


async def issued(client: httpx.AsyncClient) -> int:
    """Issue through the page; the new certificate's id."""
    response = await issue(client)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/certificates?notice=certificates.issued"
    return await current_id(client)


async def current_id(client: httpx.AsyncClient) -> int:
    page = await client.get("/certificates")
    found = re.search(r'data-testid="certificate" data-state="\w+" data-id="(\d+)"', page.text)
    assert found, page.text
    return int(found.group(1))


async def act(
    client: httpx.AsyncClient, certificate_id: int, action: str, **data: str
) -> httpx.Response:
    """Send an action form of the certificate page (with the page's CSRF token)."""
    page = await client.get("/certificates")
    body = {"csrf_token": csrf_of(page.text), **data}
    return await client.post(f"/certificates/{certificate_id}/{action}", data=body)


async def certificates(database: Database) -> list[Certificate]:
    async with database.transaction() as session:
        query = select(Certificate).order_by(Certificate.id)
        return list((await session.execute(query)).scalars().all())


async def events(database: Database) -> list[CertificateEvent]:
    async with database.transaction() as session:
        query = select(CertificateEvent).order_by(CertificateEvent.id)
        return list((await session.execute(query)).scalars().all())


async def sign_request(database: Database, receipt_id: str) -> SignRequest:
    async with database.transaction() as session:
        query = select(SignRequest).where(SignRequest.receipt_id == receipt_id)
        return (await session.execute(query)).scalar_one()


async def snapshot(database: Database) -> dict[str, Any]:
    """Everything a certificate action may change."""
    async with database.transaction() as session:
        rows = (await session.execute(select(Certificate).order_by(Certificate.id))).scalars()
        state = [
            (c.id, c.status, c.pin_failures, c.locked_at, c.revocation_reason, c.sealed_key)
            for c in rows
        ]
        counts = [
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (CertificateEvent, CertificateRevocationList, TlogLeaf)
        ]
        requests = (await session.execute(select(SignRequest.receipt_id, SignRequest.status))).all()
    return {"certificates": state, "counts": counts, "requests": sorted(requests)}


async def new_institution(database: Database, name: str = "국민은행") -> str:
    """An institution made in a database transaction; its API key."""
    async with database.transaction() as session:
        created = await institutions.create(session, name)
    return created.api_key


def ask_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phone": PHONE,
        "name": NAME,
        "birth_date": BIRTH,
        "title": "대출 약정서",
        "text": SIGN_TEXT,
        "expires_in": 600,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


async def ask(client: httpx.AsyncClient, key: str, **changes: Any) -> str:
    """The institution asks 김민준 to sign through its API; the receipt id."""
    response = await client.post(
        "/api/v1/institution/sign-requests",
        json=ask_body(**changes),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.text
    receipt: str = response.json()["receipt_id"]
    return receipt


async def approve(client: httpx.AsyncClient, receipt_id: str, pin: str) -> httpx.Response:
    page = f"/certificates/requests/{receipt_id}"
    return await post_form(client, page, f"{page}/approve", {"pin": pin})


async def reject(client: httpx.AsyncClient, receipt_id: str) -> httpx.Response:
    page = f"/certificates/requests/{receipt_id}"
    return await post_form(client, page, f"{page}/reject", {})
