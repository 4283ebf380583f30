"""The issuing CA's rollover: once the newest issuing CA could not cover a full renewal, the
next certificate comes from a new issuing CA under the same root with its full validity, and
the older CA keeps answering for its own certificates (its CRL, its OCSP). OpenSSL judges the
chains and the CRLs at the moment the (injectable) clock says.

The tests share the session's CA directory, and the clock jumps years ahead: the generation
numbers are read, never assumed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from easypay.certificate import service
from easypay.certificate.authority import ROLL_WHEN_LEFT, authorities_of, crl_path
from easypay.config import Settings
from tests.certificate.lifecycle_support import (
    CERT_PIN,
    api,
    fast_argon,
    issue,
    someone,
)
from tests.certificate.pki_support import openssl, write
from tests.certificate.test_lifecycle import expiry, renew, sign_in_again
from tests.money.builders import Person

__all__ = ["api", "fast_argon"]


def leaf(item: dict[str, Any]) -> x509.Certificate:
    return x509.load_pem_x509_certificate(item["pem"].encode())


def generation(settings: Settings, item: dict[str, Any]) -> int:
    number = authorities_of(settings).generation_of(leaf(item))
    assert number is not None
    return number


def crl_url_of(item: dict[str, Any]) -> str:
    points = leaf(item).extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    return str(points[0].full_name[0].value)  # type: ignore[index]


async def openssl_verify_at(
    api: httpx.AsyncClient, item: dict[str, Any], directory: Path, moment: Any, crl: bytes = b""
) -> str:
    ca = write(directory, "ca.pem", (await api.get("/pki/ca.pem")).content)
    args = ["verify", "-attime", str(int(moment.timestamp())), "-CAfile", ca]
    if crl:
        loaded = x509.load_der_x509_crl(crl)
        args += [
            "-crl_check",
            "-CRLfile",
            write(directory, "crl.pem", loaded.public_bytes(serialization.Encoding.PEM)),
        ]
    return openssl(*args, write(directory, "leaf.pem", item["pem"].encode()), cwd=directory).stdout


async def ocsp_of(api: httpx.AsyncClient, settings: Settings, item: dict[str, Any]) -> Any:
    issuer = authorities_of(settings).generation(generation(settings, item))
    assert issuer is not None
    query = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf(item), issuer.issuing_certificate, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = await api.post(
        "/pki/ocsp", content=query, headers={"Content-Type": "application/ocsp-request"}
    )
    answer = ocsp.load_der_ocsp_response(response.content)
    key = issuer.issuing_certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert answer.signature_hash_algorithm is not None
    key.verify(
        answer.signature, answer.tbs_response_bytes, ec.ECDSA(answer.signature_hash_algorithm)
    )
    return answer


async def test_a_renewal_near_the_end_of_the_issuing_ca_gets_a_new_ca_and_full_validity(
    api, database, settings, fake_clock, tmp_path: Path
):
    user = await someone(api, database)
    old = await issue(api, user)
    fake_clock.set(expiry(old) - timedelta(days=30))
    await sign_in_again(api, user)
    response = await renew(api, user, old["id"], pin=CERT_PIN)
    assert response.status_code == 201, response.text
    new = response.json()
    assert expiry(new) == expiry(old) + service.VALIDITY
    assert generation(settings, new) > generation(settings, old)
    issuing = authorities_of(settings).current.issuing_certificate
    assert issuing.not_valid_after_utc - fake_clock.now() >= ROLL_WHEN_LEFT
    assert leaf(new).issuer == issuing.subject
    assert crl_url_of(new).endswith(crl_path(generation(settings, new)))
    # Both chains verify against the served CA certificates (every issuing CA, then the root).
    served = x509.load_pem_x509_certificates((await api.get("/pki/ca.pem")).content)
    assert len(served) >= 3
    assert served[0] == issuing
    for item in (new, old):
        assert ": OK" in await openssl_verify_at(api, item, tmp_path, fake_clock.now())


async def test_the_older_ca_keeps_answering_for_its_own_certificates(
    api, database, settings, fake_clock, tmp_path: Path
):
    early: Person = await someone(api, database, "김하늘")
    first = await issue(api, early)
    # Late enough that the issuing CA of `first` could not cover a full renewal any more.
    left = leaf(first).not_valid_after_utc
    issuer_end = authorities_of(settings).generation(generation(settings, first))
    assert issuer_end is not None
    fake_clock.set(
        issuer_end.issuing_certificate.not_valid_after_utc - ROLL_WHEN_LEFT + timedelta(days=1)
    )
    assert fake_clock.now() < left
    late = await someone(api, database, "박바다")
    second = await issue(api, late)
    old_generation, new_generation = generation(settings, first), generation(settings, second)
    assert new_generation > old_generation
    await sign_in_again(api, early)
    suspended = await api.post(f"/api/v1/certificates/{first['id']}/suspend", headers=early.headers)
    assert suspended.status_code == 200

    old_crl = (await api.get(crl_path(old_generation))).content
    new_crl = (await api.get(crl_path(new_generation))).content
    old_listed = {r.serial_number for r in x509.load_der_x509_crl(old_crl)}
    new_listed = {r.serial_number for r in x509.load_der_x509_crl(new_crl)}
    assert leaf(first).serial_number in old_listed
    assert leaf(first).serial_number not in new_listed
    verdict = await openssl_verify_at(api, first, tmp_path, fake_clock.now(), old_crl)
    assert "certificate revoked" in verdict
    assert ": OK" in await openssl_verify_at(api, second, tmp_path, fake_clock.now(), new_crl)

    answer = await ocsp_of(api, settings, first)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.certificate_hold
    answer = await ocsp_of(api, settings, second)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD


async def test_a_crl_of_a_generation_that_does_not_exist_is_not_found(api):
    response = await api.get("/pki/crl/9999")
    assert response.status_code == 404
    assert response.json()["error"] == "IssuingCaNotFound"
    assert (await api.get("/pki/crl/0")).status_code == 422
    assert (await api.get("/pki/crl/abc")).status_code == 422


async def test_asking_for_an_unknown_ca_does_not_reload_the_keys(api, monkeypatch):
    """A public request naming a CA generation that does not exist lists the directory; it
    loads (decrypts) the CA keys again only when another process has made a new one."""
    from easypay.certificate import authority

    loads = []
    real_load = authority._load
    monkeypatch.setattr(authority, "_load", lambda *a: loads.append(a) or real_load(*a))
    await api.get("/pki/crl")  # the cache is warm
    loads.clear()
    for _ in range(3):
        assert (await api.get("/pki/crl/9999")).status_code == 404
    assert loads == []
