"""Sign-in with a certificate over the API: challenge → PIN or signature → session, single use,
the certificate's state, wrong PINs counted, phone enumeration, rate limits, the log leaf."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from easypay.certificate.signin import SIGNED_PREFIX
from easypay.certificate.tlog.key import log_origin, published_key
from easypay.certificate.tlog.verify import verify
from easypay.config import Settings
from easypay.db import Database
from easypay.models import AuditEvent, Certificate, CertificateEvent, TlogLeaf, UserSession
from tests.certificate.lifecycle_support import (
    CERT_PIN,
    api,
    device_csr,
    fast_argon,
    issue,
    snapshot,
    someone,
)
from tests.certificate.pki_support import openssl, write
from tests.money.builders import PIN, Person

__all__ = ["api", "fast_argon"]

BASE = "/api/v1/auth/certificate"
WRONG_PIN = "111111"


async def challenge(api: httpx.AsyncClient, phone: str) -> dict[str, Any]:
    response = await api.post(f"{BASE}/challenge", json={"phone": phone})
    assert response.status_code == 201, response.text
    return dict(response.json())


def challenge_bytes(issued: dict[str, Any]) -> bytes:
    text = issued["challenge"]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: ec.EllipticCurvePrivateKey, issued: dict[str, Any]) -> str:
    signature = key.sign(SIGNED_PREFIX + challenge_bytes(issued), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()


async def answer(api: httpx.AsyncClient, issued: dict[str, Any], **body: Any) -> httpx.Response:
    return await api.post(f"{BASE}/session", json={"challenge_id": issued["challenge_id"], **body})


async def with_pin(api: httpx.AsyncClient, who: Person, pin: str = CERT_PIN) -> httpx.Response:
    return await answer(api, await challenge(api, who.phone), pin=pin)


async def sessions_of(database: Database, user_id: int) -> int:
    async with database.transaction() as session:
        query = select(func.count(UserSession.id)).where(UserSession.user_id == user_id)
        return int((await session.execute(query)).scalar_one())


async def signin_events(database: Database, user_id: int) -> list[CertificateEvent]:
    async with database.transaction() as session:
        query = (
            select(CertificateEvent)
            .where(CertificateEvent.user_id == user_id, CertificateEvent.kind == "signin")
            .order_by(CertificateEvent.id)
        )
        return list((await session.execute(query)).scalars().all())


async def certificate_row(database: Database, certificate_id: int) -> Certificate:
    async with database.transaction() as session:
        found = await session.get(Certificate, certificate_id)
    assert found is not None
    return found


async def device_user(
    api: httpx.AsyncClient, database: Database, name: str = "박지훈"
) -> tuple[Person, ec.EllipticCurvePrivateKey, dict[str, Any]]:
    user = await someone(api, database, name)
    key, csr = device_csr()
    return user, key, await issue(api, user, csr_pem=csr)


def error_of(response: httpx.Response) -> str:
    return str(response.json()["error"])


class TestChallenge:
    async def test_the_same_shape_with_or_without_a_certificate(
        self, api, database, fake_clock
    ) -> None:
        holder = await someone(api, database)
        await issue(api, holder)
        member = await someone(api, database, "이서연")
        answers = [
            await challenge(api, phone) for phone in (holder.phone, member.phone, "010-5555-0101")
        ]
        for issued in answers:
            assert set(issued) == {"challenge_id", "challenge", "expires_at"}
            assert len(challenge_bytes(issued)) == 32
            expires_at = datetime.fromisoformat(issued["expires_at"].replace("Z", "+00:00"))
            assert expires_at == fake_clock.now() + timedelta(minutes=2)
        assert len({a["challenge"] for a in answers}) == 3
        assert len({a["challenge_id"] for a in answers}) == 3

    async def test_a_malformed_phone_is_refused(self, api) -> None:
        for phone in ("", "abc", "1" * 40):
            response = await api.post(f"{BASE}/challenge", json={"phone": phone})
            assert response.status_code == 422, response.text
        response = await api.post(f"{BASE}/challenge", json={})
        assert response.status_code == 422

    async def test_rate_limited_per_phone(self, api, database, settings: Settings) -> None:
        user = await someone(api, database)
        await issue(api, user)
        for _ in range(settings.signin_limit_per_phone):
            await challenge(api, user.phone)
        response = await api.post(f"{BASE}/challenge", json={"phone": user.phone})
        assert response.status_code == 429
        assert error_of(response) == "TooManyRequests"
        # Another phone from the same address still gets one.
        await challenge(api, "010-5555-0202")

    async def test_rate_limited_per_address(self, api, settings: Settings) -> None:
        for number in range(settings.signin_limit_per_ip):
            await challenge(api, f"010-6{number:03d}-0000")
        response = await api.post(f"{BASE}/challenge", json={"phone": "010-7000-0000"})
        assert response.status_code == 429


class TestServerHeldKey:
    async def test_signs_in_and_the_token_works(self, api, database, settings: Settings) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        response = await with_pin(api, user)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["user"]["id"] == user.user_id
        me = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
        assert me.status_code == 200
        assert me.json()["id"] == user.user_id
        async with database.transaction() as session:
            opened = await session.get(UserSession, body["session_id"])
            assert opened is not None
            assert opened.kind == "api"
            audit = (
                await session.execute(
                    select(AuditEvent.detail).where(
                        AuditEvent.user_id == user.user_id, AuditEvent.kind == "user.signed_in"
                    )
                )
            ).scalars()
            assert "api certificate" in list(audit)

        [event] = await signin_events(database, user.user_id)
        assert event.certificate_id == certificate["id"]
        assert event.detail == {"custody": "server", "channel": "api"}
        async with database.transaction() as session:
            leaf = await session.get(TlogLeaf, event.tlog_index)
            assert leaf is not None
            fields = json.loads(leaf.data)
            assert fields["kind"] == "signin"
            assert fields["serial"] == certificate["serial_hex"]
            assert user.phone not in leaf.data.decode()
            report = await verify(session, published_key(settings)[1], log_origin(settings))
        assert report.ok, report.failures()
        # The history shows it.
        listed = await api.get("/api/v1/certificates", headers=user.headers)
        kinds = [e["kind"] for e in listed.json()["items"][0]["events"]]
        assert kinds == ["issued", "signin"]

    async def test_a_challenge_answers_once(self, api, database) -> None:
        user = await someone(api, database)
        await issue(api, user)
        issued = await challenge(api, user.phone)
        assert (await answer(api, issued, pin=CERT_PIN)).status_code == 201
        again = await answer(api, issued, pin=CERT_PIN)
        assert again.status_code == 409
        assert error_of(again) == "SigninChallengeUsed"
        assert await sessions_of(database, user.user_id) == 2  # sign-up's own and one more
        assert len(await signin_events(database, user.user_id)) == 1

    async def test_wrong_pins_are_counted_and_the_fifth_locks(self, api, database) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        for left in (4, 3, 2, 1):
            response = await with_pin(api, user, WRONG_PIN)
            assert response.status_code == 403, response.text
            assert error_of(response) == "WrongCertificatePin"
            assert response.json()["detail"] == (
                f"The phone number or certificate PIN is wrong. {left} tries left."
            )
            row = await certificate_row(database, certificate["id"])
            assert row.pin_failures == 5 - left
        response = await with_pin(api, user, WRONG_PIN)
        assert response.status_code == 423
        assert error_of(response) == "CertificateLocked"
        assert (await certificate_row(database, certificate["id"])).locked_at is not None
        # Locked: even the right PIN is refused, and nothing more is written.
        before = await snapshot(database)
        response = await with_pin(api, user)
        assert response.status_code == 423
        assert await snapshot(database) == before
        assert await sessions_of(database, user.user_id) == 1
        assert await signin_events(database, user.user_id) == []

    async def test_a_right_pin_clears_the_count(self, api, database) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        assert (await with_pin(api, user, WRONG_PIN)).status_code == 403
        assert (await with_pin(api, user)).status_code == 201
        assert (await certificate_row(database, certificate["id"])).pin_failures == 0

    async def test_a_suspended_certificate_cannot_sign_in(self, api, database) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        suspended = await api.post(
            f"/api/v1/certificates/{certificate['id']}/suspend", headers=user.headers
        )
        assert suspended.status_code == 200
        before = await snapshot(database)
        response = await with_pin(api, user)
        assert response.status_code == 403
        assert error_of(response) == "CertificateSuspended"
        assert await snapshot(database) == before
        assert await sessions_of(database, user.user_id) == 1
        # A wrong PIN on it is still counted (the suspension is told only to the PIN's owner).
        response = await with_pin(api, user, WRONG_PIN)
        assert error_of(response) == "WrongCertificatePin"
        assert (await certificate_row(database, certificate["id"])).pin_failures == 1
        restored = await api.post(
            f"/api/v1/certificates/{certificate['id']}/restore",
            json={"payment_pin": PIN},
            headers=user.headers,
        )
        assert restored.status_code == 200, restored.text
        assert (await with_pin(api, user)).status_code == 201

    async def test_an_expired_certificate_cannot_sign_in(self, api, database, fake_clock) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        row = await certificate_row(database, certificate["id"])
        fake_clock.set(row.not_after + timedelta(seconds=1))
        response = await with_pin(api, user)
        assert response.status_code == 403
        assert error_of(response) == "CertificateExpired"
        assert await sessions_of(database, user.user_id) == 1

    async def test_a_deleted_certificate_answers_like_none(self, api, database) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        deleted = await api.request(
            "DELETE",
            f"/api/v1/certificates/{certificate['id']}",
            json={"payment_pin": PIN},
            headers=user.headers,
        )
        assert deleted.status_code == 200, deleted.text
        response = await with_pin(api, user)
        assert response.status_code == 403
        assert response.json() == {
            "error": "WrongCertificatePin",
            "detail": "The phone number or certificate PIN is wrong. 4 tries left.",
        }
        assert await sessions_of(database, user.user_id) == 1

    async def test_a_phone_without_a_certificate_answers_like_a_wrong_pin(
        self, api, database
    ) -> None:
        """The answers for a stranger's phone match a real certificate's wrong PINs."""
        holder = await someone(api, database)
        await issue(api, holder)
        member = await someone(api, database, "이서연")
        for phone_owner in (holder, member, None):
            phone = phone_owner.phone if phone_owner else "010-5555-0303"
            answers = []
            for _ in range(6):
                issued = await challenge(api, phone)
                response = await answer(api, issued, pin=WRONG_PIN)
                answers.append((response.status_code, response.json()))
            assert [status for status, _ in answers] == [403, 403, 403, 403, 423, 423]
            assert [body["detail"] for _, body in answers[:4]] == [
                f"The phone number or certificate PIN is wrong. {left} tries left."
                for left in (4, 3, 2, 1)
            ]
        assert await sessions_of(database, member.user_id) == 1

    async def test_a_device_certificate_has_no_pin(self, api, database) -> None:
        user, _, _ = await device_user(api, database)
        response = await with_pin(api, user)
        assert response.status_code == 403
        assert error_of(response) == "WrongCertificatePin"
        assert await sessions_of(database, user.user_id) == 1

    async def test_malformed_answers_are_refused_and_keep_the_challenge(
        self, api, database
    ) -> None:
        user = await someone(api, database)
        await issue(api, user)
        issued = await challenge(api, user.phone)
        before = await snapshot(database)
        bodies: list[dict[str, Any]] = [
            {},
            {"pin": "12345"},
            {"pin": "12345a"},
            {"pin": "1234567"},
            {"pin": CERT_PIN, "signature": "MEUCIQ=="},
            {"signature": "not base64 !!"},
            {"signature": ""},
            {"pin": 482915},
        ]
        for body in bodies:
            response = await answer(api, issued, **body)
            assert response.status_code == 422, (body, response.text)
        response = await api.post(f"{BASE}/session", json={"pin": CERT_PIN})
        assert response.status_code == 422
        assert await snapshot(database) == before
        assert (await answer(api, issued, pin=CERT_PIN)).status_code == 201

    async def test_an_unknown_challenge_is_not_found(self, api) -> None:
        for challenge_id in ("nope", "x" * 60):
            response = await api.post(
                f"{BASE}/session", json={"challenge_id": challenge_id, "pin": CERT_PIN}
            )
            assert response.status_code == 404
            assert error_of(response) == "SigninChallengeNotFound"

    async def test_an_expired_challenge_is_refused(self, api, database, fake_clock) -> None:
        user = await someone(api, database)
        certificate = await issue(api, user)
        issued = await challenge(api, user.phone)
        fake_clock.advance(seconds=120)
        response = await answer(api, issued, pin=WRONG_PIN)
        assert response.status_code == 410
        assert error_of(response) == "SigninChallengeExpired"
        assert (await certificate_row(database, certificate["id"])).pin_failures == 0

    async def test_concurrent_answers_give_one_session(self, api, database) -> None:
        user = await someone(api, database)
        await issue(api, user)
        issued = await challenge(api, user.phone)
        responses = await asyncio.gather(*(answer(api, issued, pin=CERT_PIN) for _ in range(4)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409, 409, 409], [r.text for r in responses]
        assert await sessions_of(database, user.user_id) == 2
        assert len(await signin_events(database, user.user_id)) == 1


class TestDeviceHeldKey:
    async def test_signs_in_with_the_devices_key(self, api, database, settings) -> None:
        user, key, certificate = await device_user(api, database)
        issued = await challenge(api, user.phone)
        response = await answer(api, issued, signature=sign(key, issued))
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        me = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["id"] == user.user_id
        [event] = await signin_events(database, user.user_id)
        assert event.certificate_id == certificate["id"]
        assert event.detail["custody"] == "device"
        async with database.transaction() as session:
            assert await session.get(TlogLeaf, event.tlog_index) is not None
            report = await verify(session, published_key(settings)[1], log_origin(settings))
        assert report.ok

    async def test_a_key_and_signature_made_by_openssl(self, api, database, tmp_path: Path) -> None:
        """The documented recipe, with OpenSSL as the device: its key, its CSR, its signature."""
        user = await someone(api, database)
        key = openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "key.pem", cwd=tmp_path)
        assert key.returncode == 0, key.stdout
        made = openssl(
            "req", "-new", "-key", "key.pem", "-subj", "/CN=device", "-out", "csr.pem", cwd=tmp_path
        )
        assert made.returncode == 0, made.stdout
        await issue(api, user, csr_pem=(tmp_path / "csr.pem").read_text())
        issued = await challenge(api, user.phone)
        write(tmp_path, "message", SIGNED_PREFIX + challenge_bytes(issued))
        signed = openssl(
            "dgst", "-sha256", "-sign", "key.pem", "-out", "sig.der", "message", cwd=tmp_path
        )
        assert signed.returncode == 0, signed.stdout
        signature = base64.b64encode((tmp_path / "sig.der").read_bytes()).decode()
        response = await answer(api, issued, signature=signature)
        assert response.status_code == 201, response.text

    async def test_url_safe_base64_is_accepted(self, api, database) -> None:
        user, key, _ = await device_user(api, database)
        issued = await challenge(api, user.phone)
        raw = base64.b64decode(sign(key, issued))
        text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        assert (await answer(api, issued, signature=text)).status_code == 201

    async def test_bad_signatures_are_refused(self, api, database) -> None:
        user, key, _ = await device_user(api, database)
        other_key = ec.generate_private_key(ec.SECP256R1())
        earlier = await challenge(api, user.phone)
        cases = {
            "another key": lambda issued: sign(other_key, issued),
            "another challenge": lambda issued: sign(key, earlier),
            "garbage bytes": lambda issued: base64.b64encode(b"\x30\x06garbage").decode(),
            "no prefix": lambda issued: base64.b64encode(
                key.sign(challenge_bytes(issued), ec.ECDSA(hashes.SHA256()))
            ).decode(),
            "sha-384": lambda issued: base64.b64encode(
                key.sign(SIGNED_PREFIX + challenge_bytes(issued), ec.ECDSA(hashes.SHA384()))
            ).decode(),
        }
        before = await snapshot(database)
        for name, make in cases.items():
            issued = await challenge(api, user.phone)
            response = await answer(api, issued, signature=make(issued))
            assert response.status_code == 401, (name, response.text)
            assert error_of(response) == "CertificateSignatureInvalid"
            # The challenge is used up by the wrong answer.
            retry = await answer(api, issued, signature=sign(key, issued))
            assert retry.status_code == 409, name
        assert await snapshot(database) == before
        assert await sessions_of(database, user.user_id) == 1

    async def test_someone_elses_challenge_is_refused(self, api, database) -> None:
        alice, _, _ = await device_user(api, database, "김서연")
        bob, bob_key, _ = await device_user(api, database, "이도윤")
        issued = await challenge(api, alice.phone)
        before = await snapshot(database)
        response = await answer(api, issued, signature=sign(bob_key, issued))
        assert response.status_code == 401
        assert await snapshot(database) == before
        assert await sessions_of(database, alice.user_id) == 1
        assert await sessions_of(database, bob.user_id) == 1

    async def test_a_replayed_signature_is_refused(self, api, database) -> None:
        user, key, _ = await device_user(api, database)
        issued = await challenge(api, user.phone)
        signature = sign(key, issued)
        assert (await answer(api, issued, signature=signature)).status_code == 201
        replay = await answer(api, issued, signature=signature)
        assert replay.status_code == 409
        fresh = await challenge(api, user.phone)
        assert (await answer(api, fresh, signature=signature)).status_code == 401
        assert await sessions_of(database, user.user_id) == 2

    async def test_the_state_is_told_only_after_a_good_signature(self, api, database) -> None:
        user, key, certificate = await device_user(api, database)
        response = await api.post(
            f"/api/v1/certificates/{certificate['id']}/suspend", headers=user.headers
        )
        assert response.status_code == 200
        issued = await challenge(api, user.phone)
        stranger = ec.generate_private_key(ec.SECP256R1())
        response = await answer(api, issued, signature=sign(stranger, issued))
        assert error_of(response) == "CertificateSignatureInvalid"
        issued = await challenge(api, user.phone)
        response = await answer(api, issued, signature=sign(key, issued))
        assert response.status_code == 403
        assert error_of(response) == "CertificateSuspended"
        assert await sessions_of(database, user.user_id) == 1
        assert await signin_events(database, user.user_id) == []

    async def test_a_phone_without_a_certificate_refuses_every_signature(
        self, api, database
    ) -> None:
        member = await someone(api, database)
        key = ec.generate_private_key(ec.SECP256R1())
        for phone in (member.phone, "010-5555-0404"):
            issued = await challenge(api, phone)
            response = await answer(api, issued, signature=sign(key, issued))
            assert response.status_code == 401
            assert error_of(response) == "CertificateSignatureInvalid"

    async def test_a_certificate_replaced_after_the_challenge(self, api, database) -> None:
        user, key, certificate = await device_user(api, database)
        issued = await challenge(api, user.phone)
        _, new_csr = device_csr()
        response = await api.post(
            f"/api/v1/certificates/{certificate['id']}/reissue",
            json={"payment_pin": PIN, "csr_pem": new_csr, "reason": "lost_device"},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        response = await answer(api, issued, signature=sign(key, issued))
        assert response.status_code == 409
        assert error_of(response) == "CertificateNotCurrent"

    async def test_a_suspended_account_cannot_sign_in(self, api, database) -> None:
        user, key, _ = await device_user(api, database)
        async with database.transaction() as session:
            from easypay.models import User

            row = await session.get(User, user.user_id)
            assert row is not None
            row.status = "suspended"
        issued = await challenge(api, user.phone)
        response = await answer(api, issued, signature=sign(key, issued))
        assert response.status_code == 403
        assert error_of(response) == "AccountSuspended"


@pytest.mark.parametrize("body", [{"phone": 1}, {"phone": None}, []])
async def test_challenge_bodies_that_are_not_objects_of_strings(api, body: Any) -> None:
    response = await api.post(f"{BASE}/challenge", json=body)
    assert response.status_code == 422
