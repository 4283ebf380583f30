"""The public PKI endpoints judged by OpenSSL: the served CA chain verifies issued certificates;
suspend puts the serial on the served CRL (certificateHold) and OCSP says revoked; restore takes
it off in a CRL with a higher number and OCSP says good; delete is cessationOfOperation."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import func, select

from easypay.certificate.authority import authority_of
from easypay.models import CertificateRevocationList
from tests.certificate.lifecycle_support import (
    api,
    crl_der,
    crl_number,
    device_csr,
    fast_argon,
    issue,
    openssl_ocsp,
    openssl_verify,
    snapshot,
    someone,
)
from tests.certificate.pki_support import issue_user
from tests.money.builders import PIN

__all__ = ["api", "fast_argon"]


async def test_ca_pem_is_the_issuing_then_the_root_certificate(api, settings):
    response = await api.get("/pki/ca.pem")
    assert response.status_code == 200
    chain = x509.load_pem_x509_certificates(response.content)
    authority = authority_of(settings)
    assert chain == [authority.issuing_certificate, authority.root_certificate]


async def test_suspend_then_restore_as_openssl_sees_it(api, database, tmp_path: Path):
    user = await someone(api, database)
    issued = await issue(api, user)
    cid, pem = issued["id"], issued["pem"]
    assert (await openssl_verify(api, pem, tmp_path, with_crl=True)).endswith("OK\n")
    ocsp_text = await openssl_ocsp(api, pem, tmp_path)
    assert "Response verify OK" in ocsp_text
    assert "leaf.pem: good" in ocsp_text

    response = await api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    suspended_number = crl_number(await crl_der(api))
    verdict = await openssl_verify(api, pem, tmp_path, with_crl=True)
    assert "certificate revoked" in verdict
    ocsp_text = await openssl_ocsp(api, pem, tmp_path)
    assert "Response verify OK" in ocsp_text
    assert "leaf.pem: revoked" in ocsp_text
    assert "Reason: certificateHold" in ocsp_text

    response = await api.post(
        f"/api/v1/certificates/{cid}/restore", json={"payment_pin": PIN}, headers=user.headers
    )
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert crl_number(await crl_der(api)) > suspended_number
    assert (await openssl_verify(api, pem, tmp_path, with_crl=True)).endswith("OK\n")
    ocsp_text = await openssl_ocsp(api, pem, tmp_path)
    assert "leaf.pem: good" in ocsp_text


async def test_deleted_is_revoked_for_good(api, database, tmp_path: Path):
    user = await someone(api, database)
    _, csr = device_csr()
    issued = await issue(api, user, csr_pem=csr)
    assert (await openssl_verify(api, issued["pem"], tmp_path, with_crl=True)).endswith("OK\n")
    response = await api.request(
        "DELETE",
        f"/api/v1/certificates/{issued['id']}",
        json={"payment_pin": PIN},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert "certificate revoked" in await openssl_verify(
        api, issued["pem"], tmp_path, with_crl=True
    )
    ocsp_text = await openssl_ocsp(api, issued["pem"], tmp_path)
    assert "leaf.pem: revoked" in ocsp_text
    assert "Reason: cessationOfOperation" in ocsp_text
    response = await api.post(
        f"/api/v1/certificates/{issued['id']}/restore",
        json={"payment_pin": PIN},
        headers=user.headers,
    )
    assert response.status_code == 409
    assert "certificate revoked" in await openssl_verify(
        api, issued["pem"], tmp_path, with_crl=True
    )


async def test_crl_numbers_only_grow_and_the_first_is_made_on_demand(api, database):
    first = crl_number(await crl_der(api))
    assert crl_number(await crl_der(api)) == first  # reading changes nothing
    user = await someone(api, database)
    cid = (await issue(api, user))["id"]
    numbers = [crl_number(await crl_der(api))]
    for action, body in [("suspend", None), ("restore", {"payment_pin": PIN})] * 2:
        response = await api.post(
            f"/api/v1/certificates/{cid}/{action}", json=body, headers=user.headers
        )
        assert response.status_code == 200
        numbers.append(crl_number(await crl_der(api)))
    assert numbers == sorted(set(numbers))
    assert numbers[0] >= first
    crl = x509.load_der_x509_crl(await crl_der(api))
    assert crl.is_signature_valid(
        x509.load_pem_x509_certificates((await api.get("/pki/ca.pem")).content)[0].public_key()  # type: ignore[arg-type]
    )


async def test_ocsp_for_an_unknown_serial_says_unknown(api, settings):
    authority = authority_of(settings)
    # A certificate this CA issued but that EasyPay never recorded.
    foreign = issue_user(authority)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(foreign.certificate, authority.issuing_certificate, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = await api.post("/pki/ocsp", content=request)
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


async def test_unreadable_ocsp_requests_get_malformed_request(api, database):
    before = await snapshot(database)
    for body in (b"", b"not der", b"\x30" * 5000):
        response = await api.post(
            "/pki/ocsp", content=body, headers={"Content-Type": "application/ocsp-request"}
        )
        assert response.status_code == 200
        answer = ocsp.load_der_ocsp_response(response.content)
        assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert await snapshot(database) == before


async def test_concurrent_status_changes_each_get_their_own_crl_number(api, database):
    users = [
        await someone(api, database, name=name) for name in ("김하나", "이두리", "박세나", "최네온")
    ]
    ids = [(await issue(api, user))["id"] for user in users]
    async with database.transaction() as session:
        before = len((await session.execute(select(CertificateRevocationList.number))).all())
    responses = await asyncio.gather(
        *[
            api.post(f"/api/v1/certificates/{cid}/suspend", headers=user.headers)
            for cid, user in zip(ids, users, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [200] * 4
    crl = x509.load_der_x509_crl(await crl_der(api))
    serials = {entry.serial_number for entry in crl}
    assert {int(r.json()["serial_hex"], 16) for r in responses} <= serials
    async with database.transaction() as session:
        numbers = (await session.execute(select(CertificateRevocationList.number))).scalars().all()
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert len(numbers) == before + 4  # one new CRL per suspension, none lost to the race


async def test_a_crl_is_replaced_once_a_day_so_it_is_never_past_its_next_update(
    api, database, fake_clock
):
    """No status change for weeks: each day's first reader gets a new CRL (higher number,
    nextUpdate ahead), and OpenSSL still checks a chain against it after a month."""
    user = await someone(api, database)
    await issue(api, user)
    first = x509.load_der_x509_crl(await crl_der(api))
    fake_clock.advance(hours=23)
    assert x509.load_der_x509_crl(await crl_der(api)).public_bytes(
        serialization.Encoding.DER
    ) == first.public_bytes(serialization.Encoding.DER)
    numbers = [crl_number(first.public_bytes(serialization.Encoding.DER))]
    for _day in range(30):
        fake_clock.advance(days=1)
        crl = x509.load_der_x509_crl(await crl_der(api))
        numbers.append(crl_number(crl.public_bytes(serialization.Encoding.DER)))
        assert crl.next_update_utc is not None
        assert crl.next_update_utc > fake_clock.now()
    assert numbers == sorted(set(numbers))
    issuing = x509.load_pem_x509_certificates((await api.get("/pki/ca.pem")).content)[0]
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]


async def test_concurrent_readers_of_a_stale_crl_make_one_new_crl(api, database, fake_clock):
    await crl_der(api)
    async with database.transaction() as session:
        before = (
            await session.execute(select(func.count(CertificateRevocationList.number)))
        ).scalar_one()
    fake_clock.advance(days=2)
    answers = await asyncio.gather(*(crl_der(api) for _ in range(6)))
    assert len(set(answers)) == 1
    async with database.transaction() as session:
        after = (
            await session.execute(select(func.count(CertificateRevocationList.number)))
        ).scalar_one()
    assert after == before + 1
