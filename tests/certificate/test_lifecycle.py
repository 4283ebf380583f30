"""The lifecycle over time (the injectable clock): renew only in the last 90 days with the new
expiry = old expiry + validity, reissue revokes the old one, delete is final."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from sqlalchemy import select

from easypay.certificate import service
from easypay.certificate.authority import authority_of
from easypay.models import Certificate
from tests.certificate.lifecycle_support import (
    CERT_PIN,
    api,
    crl_der,
    device_csr,
    fast_argon,
    issue,
    mine,
    snapshot,
    someone,
)
from tests.money.builders import PASSWORD, PIN, Person

__all__ = ["api", "fast_argon"]


def expiry(item: dict[str, Any]) -> Any:
    return x509.load_pem_x509_certificate(item["pem"].encode()).not_valid_after_utc


async def sign_in_again(api: httpx.AsyncClient, user: Person) -> None:
    """Months pass in these tests: a fresh session, as the user would after that long."""
    response = await api.post("/api/v1/sessions", json={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 201, response.text
    user.headers = {"Authorization": f"Bearer {response.json()['token']}"}


async def renew(api: httpx.AsyncClient, user: Person, cid: int, **body: Any) -> httpx.Response:
    return await api.post(
        f"/api/v1/certificates/{cid}/renew", json={"payment_pin": PIN, **body}, headers=user.headers
    )


class TestRenew:
    async def test_only_in_the_last_90_days_and_the_new_expiry_adds_the_validity(
        self, api, database, settings, fake_clock, monkeypatch: pytest.MonkeyPatch
    ):
        # A one-year validity keeps old expiry + validity inside the issuing CA's five years.
        monkeypatch.setattr(service, "VALIDITY", timedelta(days=365))
        authority_of(settings)
        user = await someone(api, database)
        old = await issue(api, user)
        old_expiry = expiry(old)
        fake_clock.set(old_expiry - timedelta(days=91))
        await sign_in_again(api, user)
        before = await snapshot(database)
        response = await renew(api, user, old["id"], pin=CERT_PIN)
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "RenewalTooEarly"
        assert await snapshot(database) == before

        fake_clock.set(old_expiry - timedelta(days=89))
        response = await renew(api, user, old["id"], pin=CERT_PIN)
        assert response.status_code == 201, response.text
        new = response.json()
        assert expiry(new) == old_expiry + timedelta(days=365)
        assert new["replaces_id"] == old["id"]
        assert new["custody"] == "server"
        items = {c["id"]: c for c in await mine(api, user)}
        assert items[old["id"]]["status"] == "revoked"
        assert items[old["id"]]["revocation_reason"] == "superseded"
        assert [e["kind"] for e in items[new["id"]]["events"]] == ["renewed"]
        # The renewed key opens with the same certificate PIN; the old key is gone.
        response = await api.post(
            f"/api/v1/certificates/{new['id']}/verify-pin",
            json={"pin": CERT_PIN},
            headers=user.headers,
        )
        assert response.status_code == 204
        async with database.transaction() as session:
            row = (
                await session.execute(select(Certificate).where(Certificate.id == old["id"]))
            ).scalar_one()
        assert row.sealed_key is None
        # Renewing the superseded one again is refused.
        response = await renew(api, user, old["id"], pin=CERT_PIN)
        assert response.status_code == 409

    async def test_a_wrong_certificate_pin_is_counted_and_renews_nothing(
        self, api, database, fake_clock
    ):
        user = await someone(api, database)
        old = await issue(api, user)
        fake_clock.set(expiry(old) - timedelta(days=10))
        await sign_in_again(api, user)
        response = await renew(api, user, old["id"], pin="999999")
        assert response.status_code == 403
        (item,) = await mine(api, user)
        assert item["status"] == "active"
        assert item["id"] == old["id"]
        async with database.transaction() as session:
            row = (
                await session.execute(select(Certificate).where(Certificate.id == old["id"]))
            ).scalar_one()
        assert row.pin_failures == 1

    async def test_a_device_certificate_renews_with_a_new_csr_only(self, api, database, fake_clock):
        user = await someone(api, database)
        _, csr = device_csr()
        old = await issue(api, user, csr_pem=csr)
        fake_clock.set(expiry(old) - timedelta(days=10))
        await sign_in_again(api, user)
        before = await snapshot(database)
        assert (await renew(api, user, old["id"], pin=CERT_PIN)).status_code == 422
        assert await snapshot(database) == before
        key, new_csr = device_csr()
        response = await renew(api, user, old["id"], csr_pem=new_csr)
        assert response.status_code == 201, response.text
        renewed = x509.load_pem_x509_certificate(response.json()["pem"].encode())
        assert renewed.public_key() == key.public_key()

    async def test_a_suspended_certificate_cannot_be_renewed(self, api, database, fake_clock):
        user = await someone(api, database)
        old = await issue(api, user)
        await api.post(f"/api/v1/certificates/{old['id']}/suspend", headers=user.headers)
        fake_clock.set(expiry(old) - timedelta(days=10))
        await sign_in_again(api, user)
        before = await snapshot(database)
        assert (await renew(api, user, old["id"], pin=CERT_PIN)).status_code == 409
        assert await snapshot(database) == before

    async def test_a_renewal_refused_by_the_rules_does_not_try_or_count_the_pin(
        self, api, database
    ):
        """Too early: refused before the certificate PIN is opened, so a wrong PIN is not
        counted (and no slow key derivation runs for a request that cannot succeed)."""
        user = await someone(api, database)
        old = await issue(api, user)
        before = await snapshot(database)
        response = await renew(api, user, old["id"], pin="999999")
        assert response.status_code == 409
        assert response.json()["error"] == "RenewalTooEarly"
        assert await snapshot(database) == before


class TestReissue:
    @pytest.mark.parametrize(
        ("reason", "crl_reason"),
        [("lost_device", "keyCompromise"), ("forgotten_pin", "superseded")],
    )
    async def test_reissue_revokes_the_old_one(self, api, database, reason, crl_reason):
        user = await someone(api, database)
        old = await issue(api, user)
        response = await api.post(
            f"/api/v1/certificates/{old['id']}/reissue",
            json={"pin": "975310", "payment_pin": PIN, "reason": reason},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        new = response.json()
        assert new["status"] == "active"
        assert new["serial_hex"] != old["serial_hex"]
        items = {c["id"]: c for c in await mine(api, user)}
        assert items[old["id"]]["status"] == "revoked"
        assert items[old["id"]]["revocation_reason"] == crl_reason
        crl = x509.load_der_x509_crl(await crl_der(api))
        entry = crl.get_revoked_certificate_by_serial_number(int(old["serial_hex"], 16))
        assert entry is not None
        assert (
            entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
            == {
                "keyCompromise": "key_compromise",
                "superseded": "superseded",
            }[crl_reason]
        )
        assert crl.get_revoked_certificate_by_serial_number(int(new["serial_hex"], 16)) is None

    async def test_an_unknown_reason_is_refused(self, api, database):
        user = await someone(api, database)
        old = await issue(api, user)
        before = await snapshot(database)
        response = await api.post(
            f"/api/v1/certificates/{old['id']}/reissue",
            json={"pin": "975310", "payment_pin": PIN, "reason": "bored"},
            headers=user.headers,
        )
        assert response.status_code == 422
        assert await snapshot(database) == before


class TestDelete:
    async def test_delete_is_final_and_destroys_the_key(self, api, database):
        user = await someone(api, database)
        old = await issue(api, user)
        cid = old["id"]
        response = await api.request(
            "DELETE", f"/api/v1/certificates/{cid}", json={"payment_pin": PIN}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "deleted"
        async with database.transaction() as session:
            row = (
                await session.execute(select(Certificate).where(Certificate.id == cid))
            ).scalar_one()
        assert row.sealed_key is None
        assert row.revocation_reason == "cessationOfOperation"
        before = await snapshot(database)
        for method, action, body in [
            ("POST", "/restore", {"payment_pin": PIN}),
            ("POST", "/suspend", None),
            ("POST", "/reissue", {"pin": "975310", "payment_pin": PIN}),
            ("POST", "/verify-pin", {"pin": CERT_PIN}),
            ("DELETE", "", {"payment_pin": PIN}),
        ]:
            response = await api.request(
                method, f"/api/v1/certificates/{cid}{action}", json=body, headers=user.headers
            )
            assert response.status_code == 409, (action, response.text)
        assert await snapshot(database) == before
        # A new certificate may be issued after deletion.
        await issue(api, user)

    async def test_suspend_twice_and_restore_an_active_one_are_refused(self, api, database):
        user = await someone(api, database)
        cid = (await issue(api, user))["id"]
        before = await snapshot(database)
        response = await api.post(
            f"/api/v1/certificates/{cid}/restore", json={"payment_pin": PIN}, headers=user.headers
        )
        assert response.status_code == 409
        assert await snapshot(database) == before
        assert (
            await api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
        ).status_code == 200
        before = await snapshot(database)
        assert (
            await api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
        ).status_code == 409
        response = await api.post(
            f"/api/v1/certificates/{cid}/verify-pin", json={"pin": CERT_PIN}, headers=user.headers
        )
        assert response.status_code == 409
        assert await snapshot(database) == before
