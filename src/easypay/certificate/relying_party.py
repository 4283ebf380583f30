"""What an institution checks in a collected signature, with public material only: the CA
certificates (`/pki/ca.pem`), the log's verifier key (`/tlog/key`) and the log entry
(`/tlog/entries`). Nothing here trusts EasyPay's word beyond those; the demo bank page runs it on
what it collected over HTTP, and an institution written in Python may use it as it is.

`ca_pem` is `/pki/ca.pem` as served: the issuing CAs (several after a rollover) then the root.

The checks (each reported, so a page can show which one failed):
1. the JWS verifies (ES256) and its `x5c` chain leads to the published root; its payload is the
   bytes the institution asked to be signed;
2. the result's certificate chain starts with that same signer certificate;
3. the OCSP response is signed by the issuing CA, is about the signer's serial, and says good;
4. the checkpoint is signed by the log's key, and the inclusion proof puts the entry's leaf
   in the tree it names; the entry is a `sign` event of the signer's serial.
The detached CMS carries the same signature; OpenSSL checks it (README).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from easypay.certificate.pki.errors import SignatureInvalid
from easypay.certificate.pki.signatures import verify_jws
from easypay.certificate.tlog import merkle
from easypay.certificate.tlog.checkpoint import parse_verifier_key, verify_checkpoint


@dataclass(frozen=True)
class Check:
    name: str  # jws | chain | ocsp | log
    ok: bool
    detail: str


def _jws(
    result: Mapping[str, Any], signed: bytes, root: x509.Certificate, now: datetime | None
) -> tuple[x509.Certificate | None, Check]:
    try:
        verified = verify_jws(str(result.get("jws", "")), [root], now=now)
    except SignatureInvalid as refusal:
        return None, Check("jws", False, str(refusal))
    if verified.payload != signed:
        return None, Check("jws", False, "The signature is over other bytes than the document.")
    return verified.certificate, Check("jws", True, "ES256, chain to the published root.")


def _chain(result: Mapping[str, Any], signer: x509.Certificate) -> Check:
    try:
        first = x509.load_pem_x509_certificate(str(result["certificate_chain"][0]).encode())
    except (KeyError, IndexError, ValueError):
        return Check("chain", False, "No readable certificate chain.")
    if first != signer:
        return Check("chain", False, "The chain names another certificate than the JWS.")
    return Check("chain", True, f"Signer serial {signer.serial_number:x}.")


def _ocsp(result: Mapping[str, Any], signer: x509.Certificate, issuing: x509.Certificate) -> Check:
    try:
        answer = ocsp.load_der_ocsp_response(base64.b64decode(str(result["ocsp"])))
    except (KeyError, ValueError):
        return Check("ocsp", False, "No readable OCSP response.")
    if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return Check("ocsp", False, f"OCSP answered {answer.response_status.name}.")
    key = issuing.public_key()
    algorithm = answer.signature_hash_algorithm
    if not isinstance(key, ec.EllipticCurvePublicKey) or algorithm is None:
        return Check("ocsp", False, "The OCSP response is not signed by the issuing CA's key.")
    try:
        key.verify(answer.signature, answer.tbs_response_bytes, ec.ECDSA(algorithm))
    except InvalidSignature:
        return Check("ocsp", False, "The OCSP response's signature does not verify.")
    if answer.serial_number != signer.serial_number:
        return Check("ocsp", False, "The OCSP response is about another certificate.")
    if answer.certificate_status != ocsp.OCSPCertStatus.GOOD:
        return Check("ocsp", False, f"The certificate is {answer.certificate_status.name}.")
    return Check("ocsp", True, "Good, signed by the issuing CA.")


def _log(result: Mapping[str, Any], signer: x509.Certificate, log_key: str, entry: bytes) -> Check:
    try:
        name, public_key = parse_verifier_key(log_key)
        tlog = result["tlog"]
        checkpoint = verify_checkpoint(str(tlog["checkpoint"]), public_key, name)
        proof = [bytes.fromhex(p) for p in tlog["proof"]]
        index, size = int(tlog["index"]), int(tlog["tree_size"])
        fields = json.loads(entry)
    except (KeyError, TypeError, ValueError) as problem:
        return Check("log", False, f"The log proof is unreadable or unsigned ({problem}).")
    if size != checkpoint.size:
        return Check("log", False, "The proof is for another tree than the checkpoint.")
    if not merkle.verify_inclusion(
        index, size, merkle.leaf_hash(entry), proof, checkpoint.root_hash
    ):
        return Check("log", False, "The entry is not in the signed tree.")
    if fields.get("kind") != "sign" or fields.get("serial") != format(signer.serial_number, "x"):
        return Check("log", False, "The log entry is not this signer's signature.")
    return Check("log", True, f"Entry {index} of {size}, checkpoint signed by {name}.")


def verify_result(
    result: Mapping[str, Any],
    *,
    signed: bytes,
    ca_pem: bytes,
    log_key: str,
    log_entry: bytes,
    now: datetime | None = None,
) -> list[Check]:
    """Every check of a collected result (see the module docstring); all ok means trust it."""
    *issuing_cas, root = x509.load_pem_x509_certificates(ca_pem)
    signer, jws_check = _jws(result, signed, root, now)
    if signer is None:
        return [jws_check]
    return [
        jws_check,
        _chain(result, signer),
        _ocsp(result, signer, _issuer(signer, issuing_cas)),
        _log(result, signer, log_key, log_entry),
    ]


def _issuer(signer: x509.Certificate, candidates: list[x509.Certificate]) -> x509.Certificate:
    """The issuing CA (after a rollover there are several) whose key signed `signer`."""
    wanted = signer.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    for candidate in candidates:
        ski = candidate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        if ski.digest == wanted.key_identifier:
            return candidate
    return candidates[0]  # the chain verified, so this is not reached; OCSP then fails
