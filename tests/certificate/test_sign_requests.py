"""The relying-party gateway end to end: an operator makes an institution, which asks a user
to sign; the user approves with the certificate PIN; the institution collects once a CMS that
OpenSSL verifies against the served CA, a JWS, an OCSP answer and a log inclusion proof under a
signed checkpoint. Refusals of every kind change nothing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from fastapi import FastAPI
from sqlalchemy import func, select

from easypay.certificate.endpoints import pki_router, router
from easypay.certificate.pki.signatures import verify_jws
from easypay.certificate.sign_endpoints import institution_router, user_router
from easypay.certificate.tlog.checkpoint import verify_checkpoint
from easypay.certificate.tlog.key import published_key
from easypay.certificate.tlog.merkle import leaf_hash, verify_inclusion
from easypay.db import Database
from easypay.errors import install_error_handlers
from easypay.models import (
    Certificate,
    CertificateEvent,
    Institution,
    Notification,
    SignRequest,
    TlogLeaf,
)
from easypay.notification.messages import render
from tests.certificate.lifecycle_support import (
    CERT_PIN,
    device_csr,
    fast_argon,
    issue,
    someone,
)
from tests.certificate.pki_support import openssl, write
from tests.merchant.builders import operator_headers
from tests.money.builders import Person

__all__ = ["fast_argon"]

BIRTH = "1990-05-17"
_SIDE_PREFIXES = (
    "/pki/",
    "/api/v1/certificates",
    "/api/v1/sign-requests",
    "/api/v1/institution/",
    "/api/v1/admin/institutions",
)


@pytest.fixture
async def gw(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app's own routes plus the certificate and signature-request routers (the app's own
    once mounted, else a side app sharing database and settings)."""
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/v1/institution/sign-requests" in paths and "/pki/ocsp" in paths:
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 51000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
        return
    side = FastAPI()
    install_error_handlers(side)
    for each in (router, pki_router, institution_router, user_router):
        side.include_router(each)
    side.state.database = app.state.database
    side.state.settings = app.state.settings

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        target = side if scope.get("path", "").startswith(_SIDE_PREFIXES) else app
        await target(scope, receive, send)

    transport = httpx.ASGITransport(app=dispatch, client=("10.1.2.3", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def institution(
    gw: httpx.AsyncClient,
    database: Database,
    name: str = "국민은행",
    headers: dict[str, str] | None = None,
) -> str:
    headers = headers or await operator_headers(gw, database)
    response = await gw.post("/api/v1/admin/institutions", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    key = response.json()["api_key"]
    async with database.transaction() as session:
        stored = (
            await session.execute(
                select(Institution).where(Institution.id == response.json()["id"])
            )
        ).scalar_one()
    assert stored.api_key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored.api_key_hash
    return str(key)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def ask_body(who: Person, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phone": who.phone,
        "name": who.name,
        "birth_date": BIRTH,
        "title": "대출 약정서",
        "text": "I agree to the loan terms. 대출 약정에 동의합니다.",
        "expires_in": 600,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def ask(gw: httpx.AsyncClient, key: str, who: Person, **changes: Any) -> str:
    response = await gw.post(
        "/api/v1/institution/sign-requests", json=ask_body(who, **changes), headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["receipt_id"])


async def approve(
    gw: httpx.AsyncClient, who: Person, receipt: str, pin: str = CERT_PIN
) -> httpx.Response:
    return await gw.post(
        f"/api/v1/sign-requests/{receipt}/approve", json={"pin": pin}, headers=who.headers
    )


async def state(gw: httpx.AsyncClient, key: str, receipt: str) -> str:
    response = await gw.get(f"/api/v1/institution/sign-requests/{receipt}", headers=bearer(key))
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def collect(gw: httpx.AsyncClient, key: str, receipt: str) -> httpx.Response:
    return await gw.post(f"/api/v1/institution/sign-requests/{receipt}/result", headers=bearer(key))


async def counts(database: Database) -> tuple[int, int, int, int]:
    async with database.transaction() as session:
        requests = (await session.execute(select(func.count(SignRequest.id)))).scalar_one()
        events = (await session.execute(select(func.count(CertificateEvent.id)))).scalar_one()
        leaves = (await session.execute(select(func.count(TlogLeaf.index)))).scalar_one()
        notes = (await session.execute(select(func.count(Notification.id)))).scalar_one()
    return int(requests), int(events), int(leaves), int(notes)


async def signer(gw: httpx.AsyncClient, database: Database, name: str = "김서연") -> Person:
    who = await someone(gw, database, name)
    await issue(gw, who)
    return who


def openssl_cms_verify(directory: Path, cms: bytes, content: bytes, ca: bytes) -> bool:
    sig = write(directory, "sig.p7s", cms)
    doc = write(directory, "doc", content)
    ca_file = write(directory, "ca.pem", ca)
    result = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", doc,
        "-CAfile", ca_file, "-purpose", "any", "-out", str(directory / "out"),
        cwd=directory,
    )  # fmt: skip
    return result.returncode == 0 and "Verification successful" in result.stdout


class TestFlow:
    async def test_text_signed_collected_and_verified_everywhere(
        self, gw, database, settings, tmp_path: Path
    ):
        key = await institution(gw, database)
        who = await signer(gw, database)
        text = "I agree to the loan terms. 대출 약정에 동의합니다."
        receipt = await ask(gw, key, who, text=text)
        assert await state(gw, key, receipt) == "pending"

        async with database.transaction() as session:
            note = (
                (
                    await session.execute(
                        select(Notification).where(Notification.user_id == who.user_id)
                    )
                )
                .scalars()
                .all()
            )
        assert [n.kind for n in note] == ["certificate.sign_request"]
        assert note[0].data["receipt_id"] == receipt
        title, body = render(note[0].kind, note[0].data, "ko")
        assert title == "국민은행에서 서명을 요청했어요"
        assert "대출 약정서" in body
        assert "?" not in render(note[0].kind, note[0].data, "en")[0]

        pending = await gw.get("/api/v1/sign-requests", headers=who.headers)
        assert pending.status_code == 200
        [item] = pending.json()["items"]
        assert item["text"] == text
        assert item["institution"] == "국민은행"

        response = await approve(gw, who, receipt)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "signed"
        assert await state(gw, key, receipt) == "signed"
        assert (await gw.get("/api/v1/sign-requests", headers=who.headers)).json()["items"] == []

        response = await collect(gw, key, receipt)
        assert response.status_code == 200, response.text
        result = response.json()
        assert await state(gw, key, receipt) == "collected"

        ca = (await gw.get("/pki/ca.pem")).content
        cms = base64.b64decode(result["cms"])
        assert openssl_cms_verify(tmp_path, cms, text.encode(), ca)
        tampered = bytearray(text.encode())
        tampered[0] ^= 0x01
        assert not openssl_cms_verify(tmp_path, cms, bytes(tampered), ca)

        root = x509.load_pem_x509_certificates(ca)[-1]
        verified = verify_jws(result["jws"], [root])
        assert verified.payload == text.encode()
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in result["certificate_chain"]]
        assert verified.certificate == chain[0]
        assert len(chain) == 3

        answer = ocsp.load_der_ocsp_response(base64.b64decode(result["ocsp"]))
        assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert answer.serial_number == chain[0].serial_number

        origin, public_key, _ = published_key(settings)
        checkpoint = verify_checkpoint(result["tlog"]["checkpoint"], public_key, origin)
        assert checkpoint.size == result["tlog"]["tree_size"]
        async with database.transaction() as session:
            leaf = await session.get(TlogLeaf, result["tlog"]["index"])
            assert leaf is not None
            event = (
                await session.execute(
                    select(CertificateEvent).where(
                        CertificateEvent.tlog_index == result["tlog"]["index"]
                    )
                )
            ).scalar_one()
        assert event.kind == "sign"
        assert json.loads(leaf.data)["kind"] == "sign"
        assert json.loads(leaf.data)["serial"] == format(chain[0].serial_number, "x")
        proof = [bytes.fromhex(h) for h in result["tlog"]["proof"]]
        assert verify_inclusion(
            result["tlog"]["index"], checkpoint.size, leaf_hash(leaf.data), proof,
            checkpoint.root_hash,
        )  # fmt: skip
        assert not verify_inclusion(
            result["tlog"]["index"], checkpoint.size, leaf_hash(leaf.data + b"x"), proof,
            checkpoint.root_hash,
        )  # fmt: skip

        # Once only.
        again = await collect(gw, key, receipt)
        assert again.status_code == 410
        assert again.json()["error"] == "ResultGone"

    async def test_document_hash_is_signed_as_its_raw_bytes(
        self, gw, database, settings, tmp_path: Path
    ):
        key = await institution(gw, database)
        who = await signer(gw, database)
        document = b"%PDF-1.7 a contract"
        digest = hashlib.sha256(document).hexdigest()
        receipt = await ask(
            gw, key, who, text=None, document_hash=digest.upper(), purpose="identity"
        )
        assert (await approve(gw, who, receipt)).status_code == 200
        result = (await collect(gw, key, receipt)).json()
        ca = (await gw.get("/pki/ca.pem")).content
        cms = base64.b64decode(result["cms"])
        assert openssl_cms_verify(tmp_path, cms, bytes.fromhex(digest), ca)
        assert not openssl_cms_verify(tmp_path, cms, hashlib.sha256(document + b" ").digest(), ca)
        root = x509.load_pem_x509_certificates(ca)[-1]
        assert verify_jws(result["jws"], [root]).payload == bytes.fromhex(digest)

    async def test_rejected_request_has_no_result(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        response = await gw.post(f"/api/v1/sign-requests/{receipt}/reject", headers=who.headers)
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        assert await state(gw, key, receipt) == "rejected"
        refused = await collect(gw, key, receipt)
        assert refused.status_code == 409
        assert refused.json()["error"] == "ResultNotReady"
        assert (await approve(gw, who, receipt)).status_code == 409

    async def test_pending_result_not_ready(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        before = await counts(database)
        assert (await collect(gw, key, receipt)).status_code == 409
        assert await counts(database) == before
        assert await state(gw, key, receipt) == "pending"


class TestTime:
    async def test_expiry_over_1000_seconds_is_refused(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        before = await counts(database)
        for expires_in in (1001, 0, -5, 10**12):
            response = await gw.post(
                "/api/v1/institution/sign-requests",
                json=ask_body(who, expires_in=expires_in),
                headers=bearer(key),
            )
            assert response.status_code == 422, expires_in
        assert await counts(database) == before

    async def test_past_expiry_it_expires_and_cannot_be_approved(self, gw, database, fake_clock):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who, expires_in=1000)
        fake_clock.advance(seconds=1000)
        response = await approve(gw, who, receipt)
        assert response.status_code == 410
        assert response.json()["error"] == "SignRequestExpired"
        assert await state(gw, key, receipt) == "expired"
        assert (
            await gw.post(f"/api/v1/sign-requests/{receipt}/reject", headers=who.headers)
        ).status_code == 410
        assert (await collect(gw, key, receipt)).status_code == 409
        async with database.transaction() as session:
            kinds = (
                (
                    await session.execute(
                        select(CertificateEvent.kind).where(CertificateEvent.user_id == who.user_id)
                    )
                )
                .scalars()
                .all()
            )
        assert "sign" not in kinds

    async def test_expiry_when_only_polled(self, gw, database, fake_clock):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who, expires_in=30)
        fake_clock.advance(seconds=29)
        assert await state(gw, key, receipt) == "pending"
        fake_clock.advance(seconds=1)
        assert await state(gw, key, receipt) == "expired"
        assert (await gw.get("/api/v1/sign-requests", headers=who.headers)).json()["items"] == []

    async def test_collect_after_ten_minutes_is_refused(self, gw, database, fake_clock):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        first = await ask(gw, key, who)
        assert (await approve(gw, who, receipt)).status_code == 200
        assert (await approve(gw, who, first)).status_code == 200
        fake_clock.advance(minutes=10)
        assert (await collect(gw, key, first)).status_code == 200
        fake_clock.advance(seconds=1)
        late = await collect(gw, key, receipt)
        assert late.status_code == 410
        assert await state(gw, key, receipt) == "signed"


class TestOthers:
    async def test_another_institutions_receipt_is_not_found(self, gw, database):
        operator = await operator_headers(gw, database)
        key = await institution(gw, database, headers=operator)
        other = await institution(gw, database, "삼성화재", headers=operator)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        assert (await approve(gw, who, receipt)).status_code == 200
        for response in (
            await gw.get(f"/api/v1/institution/sign-requests/{receipt}", headers=bearer(other)),
            await collect(gw, other, receipt),
        ):
            assert response.status_code == 404
            assert response.json()["error"] == "SignRequestNotFound"
        assert await state(gw, key, receipt) == "signed"

    async def test_another_user_cannot_see_approve_or_reject(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        intruder = await signer(gw, database, "이도윤")
        receipt = await ask(gw, key, who)
        before = await counts(database)
        assert (await approve(gw, intruder, receipt)).status_code == 404
        for response in (
            await gw.get(f"/api/v1/sign-requests/{receipt}", headers=intruder.headers),
            await gw.post(f"/api/v1/sign-requests/{receipt}/reject", headers=intruder.headers),
        ):
            assert response.status_code == 404
        assert (await gw.get("/api/v1/sign-requests", headers=intruder.headers)).json()[
            "items"
        ] == []
        assert await counts(database) == before
        assert await state(gw, key, receipt) == "pending"

    async def test_bad_institution_key_is_401(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        before = await counts(database)
        for headers in ({}, bearer("inst_" + "0" * 48), bearer(key + "x"), {"Authorization": key}):
            response = await gw.post(
                "/api/v1/institution/sign-requests", json=ask_body(who), headers=headers
            )
            assert response.status_code == 401
        assert await counts(database) == before
        assert (
            await gw.get("/api/v1/institution/sign-requests/SR00", headers={})
        ).status_code == 401

    async def test_only_an_operator_creates_institutions(self, gw, database):
        who = await someone(gw, database)
        response = await gw.post(
            "/api/v1/admin/institutions", json={"name": "x"}, headers=who.headers
        )
        assert response.status_code == 403
        assert (await gw.post("/api/v1/admin/institutions", json={"name": "x"})).status_code == 401


class TestSigner:
    async def test_identity_must_match_exactly_and_the_refusal_says_not_which(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        no_cert = await someone(gw, database, "박지호")
        before = await counts(database)
        details = set()
        for changes in (
            {"name": "김서윤"},
            {"birth_date": "1990-05-18"},
            {"phone": "+821099998888"},
            {"phone": "not a phone"},
            {"phone": no_cert.phone, "name": no_cert.name},
        ):
            response = await gw.post(
                "/api/v1/institution/sign-requests",
                json=ask_body(who, **changes),
                headers=bearer(key),
            )
            assert response.status_code == 404, changes
            details.add(response.text)
        assert len(details) == 1
        assert await counts(database) == before

    async def test_wrong_pin_counts_and_five_lock(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        for left in (4, 3, 2, 1):
            response = await approve(gw, who, receipt, "000000")
            assert response.status_code == 403
            assert f"{left} tries left" in response.json()["detail"]
        async with database.transaction() as session:
            row = (
                await session.execute(select(Certificate).where(Certificate.user_id == who.user_id))
            ).scalar_one()
        assert row.pin_failures == 4
        response = await approve(gw, who, receipt, "000000")
        assert response.status_code == 423
        assert (await approve(gw, who, receipt)).status_code == 423
        assert await state(gw, key, receipt) == "pending"

    async def test_a_suspended_certificate_cannot_sign_or_be_asked(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        [certificate] = (await gw.get("/api/v1/certificates", headers=who.headers)).json()["items"]
        suspended = await gw.post(
            f"/api/v1/certificates/{certificate['id']}/suspend", headers=who.headers
        )
        assert suspended.status_code == 200
        before = await counts(database)
        response = await approve(gw, who, receipt)
        assert response.status_code == 409
        assert await counts(database) == before
        assert await state(gw, key, receipt) == "pending"
        response = await gw.post(
            "/api/v1/institution/sign-requests", json=ask_body(who), headers=bearer(key)
        )
        assert response.status_code == 404
        assert await counts(database) == before


class TestBadInput:
    @pytest.mark.parametrize(
        "changes",
        [
            {"title": None},
            {"title": ""},
            {"title": "x" * 101},
            {"document_hash": "ab" * 32},
            {"text": None},
            {"text": None, "document_hash": "zz" * 32},
            {"text": None, "document_hash": "ab" * 31},
            {"text": "x" * 10_001},
            {"text": ""},
            {"purpose": "pay"},
            {"birth_date": "1990-13-01"},
            {"expires_in": None},
            {"extra": 1},
        ],
    )
    async def test_refused_and_nothing_written(self, gw, database, changes):
        key = await institution(gw, database)
        who = await signer(gw, database)
        before = await counts(database)
        response = await gw.post(
            "/api/v1/institution/sign-requests", json=ask_body(who, **changes), headers=bearer(key)
        )
        assert response.status_code == 422, response.text
        assert await counts(database) == before

    async def test_bad_pin_shape_and_bad_receipt(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        before = await counts(database)
        assert (await approve(gw, who, receipt, "12ab")).status_code == 422
        assert (await approve(gw, who, "SR" + "0" * 32)).status_code == 404
        assert (await approve(gw, who, "x" * 41)).status_code == 422
        assert await counts(database) == before
        assert await state(gw, key, receipt) == "pending"

    async def test_max_text_is_accepted(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who, text="가" * 10_000)
        assert (await approve(gw, who, receipt)).status_code == 200


class TestRaces:
    async def test_two_approvals_at_once_sign_once(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        responses = await asyncio.gather(approve(gw, who, receipt), approve(gw, who, receipt))
        assert sorted(r.status_code for r in responses) == [200, 409]
        async with database.transaction() as session:
            signs = (
                await session.execute(
                    select(func.count(CertificateEvent.id)).where(
                        CertificateEvent.user_id == who.user_id, CertificateEvent.kind == "sign"
                    )
                )
            ).scalar_one()
        assert signs == 1

    async def test_two_collections_at_once_give_one_result(self, gw, database):
        key = await institution(gw, database)
        who = await signer(gw, database)
        receipt = await ask(gw, key, who)
        assert (await approve(gw, who, receipt)).status_code == 200
        responses = await asyncio.gather(collect(gw, key, receipt), collect(gw, key, receipt))
        assert sorted(r.status_code for r in responses) == [200, 410]

    async def test_a_device_held_key_cannot_sign_here(self, gw, database):
        key = await institution(gw, database)
        who = await someone(gw, database)
        _, csr = device_csr()
        await issue(gw, who, csr_pem=csr)
        receipt = await ask(gw, key, who)
        before = await counts(database)
        response = await approve(gw, who, receipt)
        assert response.status_code == 409
        assert response.json()["error"] == "NoServerKey"
        assert await counts(database) == before
