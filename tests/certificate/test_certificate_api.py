"""The user certificate API: issue in both custody modes (OpenSSL verifies the result against
the served CA), the history with its log leaves, the certificate-PIN lock, and refusals of every
kind that change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from easypay.certificate.tlog import store
from easypay.certificate.tlog.merkle import leaf_hash, verify_inclusion
from easypay.models import Certificate
from tests.certificate.lifecycle_support import (
    CERT_PIN,
    api,
    device_csr,
    fast_argon,
    issue,
    mine,
    openssl_verify,
    snapshot,
    someone,
)
from tests.money.builders import PIN

__all__ = ["api", "fast_argon"]


class TestIssue:
    async def test_server_custody_certificate_verifies_with_openssl(
        self, api, database, tmp_path: Path
    ):
        user = await someone(api, database)
        issued = await issue(api, user)
        assert issued["custody"] == "server"
        assert issued["status"] == "active"
        assert (await openssl_verify(api, issued["pem"], tmp_path, with_crl=True)).endswith("OK\n")
        certificate = x509.load_pem_x509_certificate(issued["pem"].encode())
        subject = certificate.subject.rfc4514_string()
        assert user.name not in subject
        assert user.phone not in subject
        assert "1990" not in subject
        validity = certificate.not_valid_after_utc - certificate.not_valid_before_utc
        assert validity.days == 365 * 3
        async with database.transaction() as session:
            row = (
                await session.execute(select(Certificate).where(Certificate.id == issued["id"]))
            ).scalar_one()
        assert row.sealed_key
        assert row.key_salt

    async def test_device_custody_certifies_the_csr_key_only(self, api, database, tmp_path: Path):
        user = await someone(api, database)
        key, csr = device_csr()
        issued = await issue(api, user, csr_pem=csr)
        assert issued["custody"] == "device"
        certificate = x509.load_pem_x509_certificate(issued["pem"].encode())
        assert certificate.public_key() == key.public_key()
        assert "홍길동" not in certificate.subject.rfc4514_string()
        assert (await openssl_verify(api, issued["pem"], tmp_path, with_crl=False)).endswith("OK\n")
        async with database.transaction() as session:
            row = (
                await session.execute(select(Certificate).where(Certificate.id == issued["id"]))
            ).scalar_one()
        assert row.sealed_key is None

    async def test_a_csr_with_a_bad_signature_is_refused(self, api, database):
        user = await someone(api, database)
        _, csr = device_csr()
        der = bytearray(
            x509.load_pem_x509_csr(csr.encode()).public_bytes(serialization.Encoding.DER)
        )
        der[-5] ^= 0x01  # inside the signature
        tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
        before = await snapshot(database)
        response = await api.post(
            "/api/v1/certificates",
            json={"csr_pem": tampered.decode(), "payment_pin": PIN},
            headers=user.headers,
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "CertificateRequestRefused"
        assert await snapshot(database) == before

    @pytest.mark.parametrize(
        "body",
        [
            {"pin": CERT_PIN},  # no payment PIN
            {"payment_pin": PIN},  # neither PIN nor CSR
            {"pin": "12345", "payment_pin": PIN},
            {"pin": "1234567", "payment_pin": PIN},
            {"pin": "12a456", "payment_pin": PIN},
            {"pin": 123456, "payment_pin": PIN},
            {"pin": CERT_PIN, "csr_pem": "x", "payment_pin": PIN},  # both
            {"csr_pem": "not a csr", "payment_pin": PIN},
            {"csr_pem": "A" * 20000, "payment_pin": PIN},
            {"pin": CERT_PIN, "payment_pin": PIN, "extra": 1},
        ],
    )
    async def test_bad_input_is_refused_and_changes_nothing(self, api, database, body):
        user = await someone(api, database)
        before = await snapshot(database)
        response = await api.post("/api/v1/certificates", json=body, headers=user.headers)
        assert 400 <= response.status_code < 500, response.text
        assert {"error", "detail"} <= response.json().keys()
        assert await snapshot(database) == before

    async def test_wrong_payment_pin_or_no_sign_in_is_refused(self, api, database):
        user = await someone(api, database)
        before = await snapshot(database)
        response = await api.post(
            "/api/v1/certificates",
            json={"pin": CERT_PIN, "payment_pin": "000000"},
            headers=user.headers,
        )
        assert response.status_code == 403
        response = await api.post(
            "/api/v1/certificates", json={"pin": CERT_PIN, "payment_pin": PIN}
        )
        assert response.status_code == 401
        assert await snapshot(database) == before

    async def test_one_current_certificate_per_user(self, api, database):
        user = await someone(api, database)
        await issue(api, user)
        before = await snapshot(database)
        response = await api.post(
            "/api/v1/certificates", json={"pin": CERT_PIN, "payment_pin": PIN}, headers=user.headers
        )
        assert response.status_code == 409
        assert response.json()["error"] == "CertificateAlreadyActive"
        assert await snapshot(database) == before


class TestHistory:
    async def test_every_event_has_a_leaf_whose_inclusion_proof_verifies(self, api, database):
        user = await someone(api, database)
        first = await issue(api, user)
        cid = first["id"]
        assert (
            await api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
        ).status_code == 200
        response = await api.post(
            f"/api/v1/certificates/{cid}/restore", json={"payment_pin": PIN}, headers=user.headers
        )
        assert response.status_code == 200
        response = await api.post(
            f"/api/v1/certificates/{cid}/reissue",
            json={"pin": "135790", "payment_pin": PIN, "reason": "lost_device"},
            headers=user.headers,
        )
        assert response.status_code == 201
        items = await mine(api, user)
        assert [c["status"] for c in items] == ["active", "revoked"]
        kinds = {c["id"]: [e["kind"] for e in c["events"]] for c in items}
        assert kinds[cid] == ["issued", "suspended", "restored", "revoked"]
        assert kinds[items[0]["id"]] == ["reissued"]
        events = [e for c in items for e in c["events"]]
        async with database.transaction() as session:
            size = await store.current_size(session)
            for event in events:
                proof = await store.inclusion(session, event["tlog_index"], size)
                (leaf,) = await store.entries(session, event["tlog_index"], event["tlog_index"] + 1)
                assert proof.leaf_hash == leaf_hash(leaf.data)
                assert verify_inclusion(
                    proof.index, proof.tree_size, proof.leaf_hash, proof.proof, proof.root
                )
                data = leaf.data.decode()
                assert event["kind"] in data
                assert user.name not in data
                assert user.phone not in data
        assert len({e["tlog_index"] for e in events}) == len(events)

    async def test_another_users_certificates_are_not_listed(self, api, database):
        owner = await someone(api, database)
        other = await someone(api, database, name="이도윤")
        await issue(api, owner)
        assert await mine(api, other) == []


class TestPinLock:
    async def test_five_wrong_pins_lock_until_restore(self, api, database):
        user = await someone(api, database)
        cid = (await issue(api, user))["id"]
        url = f"/api/v1/certificates/{cid}/verify-pin"
        assert (
            await api.post(url, json={"pin": CERT_PIN}, headers=user.headers)
        ).status_code == 204
        for attempt in range(4):
            response = await api.post(url, json={"pin": "000000"}, headers=user.headers)
            assert response.status_code == 403, response.text
            assert response.json()["error"] == "WrongCertificatePin"
            assert f"{4 - attempt} tries left" in response.json()["detail"]
        response = await api.post(url, json={"pin": "000000"}, headers=user.headers)
        assert response.status_code == 423
        # Locked: even the right PIN is refused, and a refused call counts nothing more.
        before = await snapshot(database)
        response = await api.post(url, json={"pin": CERT_PIN}, headers=user.headers)
        assert response.status_code == 423
        assert await snapshot(database) == before
        (item,) = await mine(api, user)
        assert item["locked"] is True
        assert item["events"][-1]["kind"] == "locked"
        # Restore with the payment PIN (re-authentication) unlocks.
        response = await api.post(
            f"/api/v1/certificates/{cid}/restore", json={"payment_pin": PIN}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        assert (
            await api.post(url, json={"pin": CERT_PIN}, headers=user.headers)
        ).status_code == 204

    async def test_a_right_pin_resets_the_count(self, api, database):
        user = await someone(api, database)
        cid = (await issue(api, user))["id"]
        url = f"/api/v1/certificates/{cid}/verify-pin"
        for _ in range(4):
            assert (
                await api.post(url, json={"pin": "111111"}, headers=user.headers)
            ).status_code == 403
        assert (
            await api.post(url, json={"pin": CERT_PIN}, headers=user.headers)
        ).status_code == 204
        for _ in range(4):
            assert (
                await api.post(url, json={"pin": "111111"}, headers=user.headers)
            ).status_code == 403
        assert (
            await api.post(url, json={"pin": CERT_PIN}, headers=user.headers)
        ).status_code == 204

    async def test_a_reissue_with_a_new_pin_replaces_a_locked_certificate(self, api, database):
        user = await someone(api, database)
        cid = (await issue(api, user))["id"]
        url = f"/api/v1/certificates/{cid}/verify-pin"
        for _ in range(5):
            await api.post(url, json={"pin": "222222"}, headers=user.headers)
        response = await api.post(
            f"/api/v1/certificates/{cid}/reissue",
            json={"pin": "246810", "payment_pin": PIN},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        new_id = response.json()["id"]
        new_url = f"/api/v1/certificates/{new_id}/verify-pin"
        assert (
            await api.post(new_url, json={"pin": "246810"}, headers=user.headers)
        ).status_code == 204
        assert (
            await api.post(url, json={"pin": CERT_PIN}, headers=user.headers)
        ).status_code == 409

    async def test_a_device_certificate_has_no_server_pin(self, api, database):
        user = await someone(api, database)
        _, csr = device_csr()
        cid = (await issue(api, user, csr_pem=csr))["id"]
        response = await api.post(
            f"/api/v1/certificates/{cid}/verify-pin", json={"pin": CERT_PIN}, headers=user.headers
        )
        assert response.status_code == 409
        assert response.json()["error"] == "NoServerKey"


class TestOtherUsers:
    @pytest.mark.parametrize(
        ("method", "action", "body"),
        [
            ("POST", "suspend", None),
            ("POST", "restore", {"payment_pin": PIN}),
            ("POST", "renew", {"pin": CERT_PIN, "payment_pin": PIN}),
            ("POST", "reissue", {"pin": CERT_PIN, "payment_pin": PIN}),
            ("POST", "verify-pin", {"pin": CERT_PIN}),
            ("DELETE", "", {"payment_pin": PIN}),
        ],
    )
    async def test_another_users_certificate_is_not_found(
        self, api, database, method, action, body
    ):
        owner = await someone(api, database)
        intruder = await someone(api, database, name="박지호")
        cid = (await issue(api, owner))["id"]
        before = await snapshot(database)
        url = f"/api/v1/certificates/{cid}" + (f"/{action}" if action else "")
        response = await api.request(method, url, json=body, headers=intruder.headers)
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "CertificateNotFound"
        for missing in ("999999999", "0", "-1", "abc", "99999999999999999999999"):
            url = f"/api/v1/certificates/{missing}" + (f"/{action}" if action else "")
            response = await api.request(method, url, json=body, headers=owner.headers)
            assert response.status_code in (404, 422), response.text
        assert await snapshot(database) == before

    @pytest.mark.parametrize("action", ["restore", "reissue", "renew", ""])
    async def test_missing_or_wrong_payment_pin_changes_nothing(self, api, database, action):
        user = await someone(api, database)
        cid = (await issue(api, user))["id"]
        await api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
        before = await snapshot(database)
        url = f"/api/v1/certificates/{cid}" + (f"/{action}" if action else "")
        method = "DELETE" if not action else "POST"
        extra = {"pin": "864209"} if action in ("reissue", "renew") else {}
        response = await api.request(method, url, json=extra, headers=user.headers)
        assert response.status_code == 422, response.text
        response = await api.request(
            method, url, json={**extra, "payment_pin": "000000"}, headers=user.headers
        )
        assert response.status_code == 403, response.text
        assert await snapshot(database) == before


class TestConcurrency:
    async def test_concurrent_issues_give_one_certificate(self, api, database):
        user = await someone(api, database)
        body = {"pin": CERT_PIN, "payment_pin": PIN}
        responses = await asyncio.gather(
            *[api.post("/api/v1/certificates", json=body, headers=user.headers) for _ in range(4)]
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409, 409, 409], [r.text for r in responses]
        assert len(await mine(api, user)) == 1

    async def test_concurrent_suspends_and_wrong_pins_are_counted_once_each(self, api, database):
        user = await someone(api, database)
        cid = (await issue(api, user))["id"]
        url = f"/api/v1/certificates/{cid}/verify-pin"
        responses = await asyncio.gather(
            *[api.post(url, json={"pin": "333333"}, headers=user.headers) for _ in range(7)]
        )
        assert sorted(r.status_code for r in responses) == [403] * 4 + [423] * 3
        (item,) = await mine(api, user)
        assert item["locked"] is True
        assert [e["kind"] for e in item["events"]] == ["issued", "locked"]
        responses = await asyncio.gather(
            *[
                api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
                for _ in range(3)
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 409, 409]
