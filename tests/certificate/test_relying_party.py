"""`relying_party.verify_result`, the checks an institution runs on a collected signature with
public material only: a genuine result passes all four; each kind of forgery or bad news
(other bytes, a foreign CA, a swapped chain, a revoked certificate, a doctored proof, another
log's key, another entry) fails exactly its check."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from easypay.certificate.pki.authority import create_authority
from easypay.certificate.relying_party import Check, verify_result
from easypay.certificate.tlog.checkpoint import verifier_key
from easypay.db import Database
from tests.certificate.test_sign_requests import (
    approve,
    ask,
    ask_body,
    collect,
    fast_argon,
    gw,
    institution,
    signer,
)

__all__ = ["fast_argon", "gw"]


async def _collected(gw: httpx.AsyncClient, database: Database) -> tuple[dict[str, Any], bytes]:
    key = await institution(gw, database)
    who = await signer(gw, database)
    receipt = await ask(gw, key, who)
    assert (await approve(gw, who, receipt)).status_code == 200
    response = await collect(gw, key, receipt)
    assert response.status_code == 200, response.text
    return response.json(), str(ask_body(who)["text"]).encode()


async def _public(gw: httpx.AsyncClient, result: dict[str, Any]) -> dict[str, Any]:
    index = result["tlog"]["index"]
    entries = (await gw.get(f"/tlog/entries?start={index}&end={index + 1}")).json()["entries"]
    return {
        "ca_pem": (await gw.get("/pki/ca.pem")).content,
        "log_key": (await gw.get("/tlog/key")).text.strip(),
        "log_entry": base64.b64decode(entries[0]["data"]),
    }


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


async def test_a_genuine_result_passes_every_check(gw, database):
    result, signed = await _collected(gw, database)
    checks = verify_result(result, signed=signed, **await _public(gw, result))
    assert [c.name for c in checks] == ["jws", "chain", "ocsp", "log"]
    assert all(c.ok for c in checks), checks


async def test_other_bytes_or_a_foreign_ca_fail_the_signature(gw, database, tmp_path: Path):
    result, signed = await _collected(gw, database)
    public = await _public(gw, result)
    (only,) = verify_result(result, signed=signed + b".", **public)
    assert not only.ok
    assert "other bytes" in only.detail
    foreign = create_authority(tmp_path / "pki", secrets.token_bytes(32))
    (only,) = verify_result(result, signed=signed, **{**public, "ca_pem": foreign.chain_pem()})
    assert not only.ok
    tampered = {
        **result,
        "jws": result["jws"][:-4] + ("AAAA" if result["jws"][-4:] != "AAAA" else "BBBB"),
    }
    (only,) = verify_result(tampered, signed=signed, **public)
    assert not only.ok


async def test_a_swapped_chain_fails_the_chain_check(gw, database):
    result, signed = await _collected(gw, database)
    swapped = {**result, "certificate_chain": result["certificate_chain"][1:]}
    checks = _by_name(verify_result(swapped, signed=signed, **await _public(gw, result)))
    assert not checks["chain"].ok
    assert checks["jws"].ok
    assert checks["ocsp"].ok
    assert checks["log"].ok


async def test_a_certificate_suspended_before_collection_fails_ocsp(gw, database):
    key = await institution(gw, database)
    who = await signer(gw, database)
    receipt = await ask(gw, key, who)
    assert (await approve(gw, who, receipt)).status_code == 200
    (item,) = (await gw.get("/api/v1/certificates", headers=who.headers)).json()["items"]
    suspended = await gw.post(f"/api/v1/certificates/{item['id']}/suspend", headers=who.headers)
    assert suspended.status_code == 200
    result = (await collect(gw, key, receipt)).json()
    signed = str(ask_body(who)["text"]).encode()
    checks = _by_name(verify_result(result, signed=signed, **await _public(gw, result)))
    assert not checks["ocsp"].ok
    assert "REVOKED" in checks["ocsp"].detail
    assert checks["log"].ok


async def test_a_doctored_proof_another_log_key_or_entry_fail_the_log_check(gw, database):
    result, signed = await _collected(gw, database)
    public = await _public(gw, result)
    tlog = result["tlog"]
    if tlog["proof"]:
        bent = [("0" if tlog["proof"][0][0] != "0" else "1") + tlog["proof"][0][1:]]
        doctored = {**result, "tlog": {**tlog, "proof": bent + tlog["proof"][1:]}}
        assert not _by_name(verify_result(doctored, signed=signed, **public))["log"].ok
    grown = {**result, "tlog": {**tlog, "tree_size": tlog["tree_size"] + 1}}
    assert not _by_name(verify_result(grown, signed=signed, **public))["log"].ok
    name = public["log_key"].split("+", 1)[0]
    other_key = verifier_key(name, Ed25519PrivateKey.generate().public_key())
    checks = _by_name(verify_result(result, signed=signed, **{**public, "log_key": other_key}))
    assert not checks["log"].ok
    other_entry = public["log_entry"].replace(b'"kind":"sign"', b'"kind":"issued"')
    checks = _by_name(verify_result(result, signed=signed, **{**public, "log_entry": other_entry}))
    assert not checks["log"].ok
