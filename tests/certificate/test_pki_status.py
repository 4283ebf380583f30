"""CRLs and OCSP responses, judged by `openssl verify -crl_check`, `openssl crl` and
`openssl ocsp`."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from easypay.certificate.pki.authority import Authority
from easypay.certificate.pki.status import (
    CertificateStatus,
    RevokedEntry,
    build_crl,
    build_root_crl,
    ocsp_request_from_get_path,
    ocsp_response,
    parse_ocsp_request,
)
from tests.certificate.pki_support import (
    User,
    issue_user,
    make_authority,
    now,
    openssl,
    pem,
    write,
)

pytestmark = pytest.mark.no_database

HOLD = x509.ReasonFlags.certificate_hold


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


def _crl(
    authority: Authority, entries: list[RevokedEntry], number: int
) -> x509.CertificateRevocationList:
    moment = now()
    return build_crl(authority, entries, number, moment, moment + timedelta(days=1))


def _verify(
    authority: Authority,
    user: User,
    crl: x509.CertificateRevocationList,
    tmp_path: Path,
    *,
    all_levels: bool = False,
) -> str:
    files = [crl]
    if all_levels:
        moment = now()
        files.append(build_root_crl(authority, 1, moment, moment + timedelta(days=1)))
    result = openssl(
        "verify",
        "-crl_check_all" if all_levels else "-crl_check",
        "-CAfile", write(tmp_path, "root.pem", pem(authority.root_certificate)),
        "-untrusted", write(tmp_path, "issuing.pem", pem(authority.issuing_certificate)),
        "-CRLfile", write(tmp_path, "crl.pem", pem(*files)),
        write(tmp_path, "leaf.pem", pem(user.certificate)),
        cwd=tmp_path,
    )  # fmt: skip
    return result.stdout


def _crl_text(crl: x509.CertificateRevocationList, tmp_path: Path) -> str:
    result = openssl(
        "crl", "-in", write(tmp_path, "t.pem", pem(crl)), "-noout", "-text", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout
    return result.stdout


class TestCrl:
    def test_a_suspended_certificate_is_revoked_and_the_others_are_not(self, authority, tmp_path):
        suspended, other = issue_user(authority), issue_user(authority, "user:2")
        crl = _crl(authority, [RevokedEntry(suspended.certificate.serial_number, now(), HOLD)], 1)
        assert "certificate revoked" in _verify(authority, suspended, crl, tmp_path)
        assert _verify(authority, other, crl, tmp_path).strip().endswith(": OK")

    def test_the_next_crl_without_the_entry_restores_it_with_a_higher_number(
        self, authority, tmp_path
    ):
        user = issue_user(authority)
        first = _crl(authority, [RevokedEntry(user.certificate.serial_number, now(), HOLD)], 7)
        second = _crl(authority, [], 8)
        assert "certificate revoked" in _verify(authority, user, first, tmp_path)
        assert _verify(authority, user, second, tmp_path).strip().endswith(": OK")
        first_text, second_text = _crl_text(first, tmp_path), _crl_text(second, tmp_path)
        assert "X509v3 CRL Number: \n                7" in first_text
        assert "X509v3 CRL Number: \n                8" in second_text
        assert "Certificate Hold" in first_text
        assert format(user.certificate.serial_number, "X") in first_text.replace(":", "")
        assert "No Revoked Certificates." in second_text

    def test_the_whole_chain_checks_with_the_root_crl_too(self, authority, tmp_path):
        user, deleted = issue_user(authority), issue_user(authority, "user:3")
        entry = RevokedEntry(
            deleted.certificate.serial_number, now(), x509.ReasonFlags.cessation_of_operation
        )
        crl = _crl(authority, [entry], 2)
        assert _verify(authority, user, crl, tmp_path, all_levels=True).strip().endswith(": OK")
        assert "certificate revoked" in _verify(authority, deleted, crl, tmp_path, all_levels=True)
        assert "Cessation Of Operation" in _crl_text(crl, tmp_path)

    def test_without_the_root_crl_the_whole_chain_check_fails(self, authority, tmp_path):
        user = issue_user(authority)
        result = openssl(
            "verify", "-crl_check_all",
            "-CAfile", write(tmp_path, "root.pem", pem(authority.root_certificate)),
            "-untrusted", write(tmp_path, "issuing.pem", pem(authority.issuing_certificate)),
            "-CRLfile", write(tmp_path, "crl.pem", pem(_crl(authority, [], 3))),
            write(tmp_path, "leaf.pem", pem(user.certificate)),
            cwd=tmp_path,
        )  # fmt: skip
        assert "unable to get certificate CRL" in result.stdout

    def test_openssl_checks_the_crl_signature_against_the_issuing_ca(self, authority, tmp_path):
        crl = _crl(authority, [], 4)
        chain = write(tmp_path, "chain.pem", authority.chain_pem())
        result = openssl(
            "crl",
            "-in",
            write(tmp_path, "c.pem", pem(crl)),
            "-CAfile",
            chain,
            "-noout",
            cwd=tmp_path,
        )
        assert "verify OK" in result.stdout
        assert crl.is_signature_valid(authority.issuing_certificate.public_key())  # type: ignore[arg-type]
        other = make_authority(tmp_path / "other")
        assert not crl.is_signature_valid(other.issuing_certificate.public_key())  # type: ignore[arg-type]

    def test_every_reason_is_written(self, authority, tmp_path):
        reasons = [
            x509.ReasonFlags.certificate_hold,
            x509.ReasonFlags.cessation_of_operation,
            x509.ReasonFlags.superseded,
            x509.ReasonFlags.key_compromise,
        ]
        entries = [RevokedEntry(1000 + i, now(), reason) for i, reason in enumerate(reasons)]
        crl = _crl(authority, entries, 5)
        assert len(crl) == 4
        read = {
            r.serial_number: r.extensions.get_extension_for_class(x509.CRLReason).value.reason
            for r in crl
        }
        assert read == {1000 + i: reason for i, reason in enumerate(reasons)}

    def test_a_serial_listed_twice_is_refused(self, authority):
        entry = RevokedEntry(42, now(), HOLD)
        with pytest.raises(ValueError, match="twice"):
            _crl(authority, [entry, entry], 1)

    @pytest.mark.parametrize(
        "reason", [x509.ReasonFlags.unspecified, x509.ReasonFlags.remove_from_crl]
    )
    def test_reasons_that_do_not_belong_are_refused(self, authority, reason):
        with pytest.raises(ValueError, match="does not belong"):
            _crl(authority, [RevokedEntry(42, now(), reason)], 1)

    def test_a_negative_crl_number_or_inverted_dates_are_refused(self, authority):
        with pytest.raises(ValueError, match="CRL number"):
            _crl(authority, [], -1)
        with pytest.raises(ValueError, match="next_update"):
            build_crl(authority, [], 1, now(), now())


def _request(authority: Authority, user: User, tmp_path: Path, *nonce: str) -> bytes:
    result = openssl(
        "ocsp",
        "-issuer", write(tmp_path, "issuing.pem", pem(authority.issuing_certificate)),
        "-sha256",
        "-cert", write(tmp_path, "leaf.pem", pem(user.certificate)),
        "-reqout", "req.der",
        *(nonce or ("-no_nonce",)),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    return (tmp_path / "req.der").read_bytes()


def _judge(response: bytes, tmp_path: Path, *trust: str) -> str:
    """`openssl ocsp` reading the response to the request `_request` made (same files)."""
    write(tmp_path, "resp.der", response)
    result = openssl(
        "ocsp",
        "-respin", "resp.der",
        "-issuer", "issuing.pem",
        *(trust or ("-VAfile", "issuing.pem")),
        "-no_nonce",
        "-sha256",
        "-cert", "leaf.pem",
        cwd=tmp_path,
    )  # fmt: skip
    return result.stdout


def _good(serial: int) -> CertificateStatus:
    return CertificateStatus.good()


class TestOcsp:
    def test_a_good_certificate_is_good(self, authority, tmp_path):
        user = issue_user(authority)
        asked: list[int] = []

        def status_of(serial: int) -> CertificateStatus:
            asked.append(serial)
            return CertificateStatus.good()

        response = ocsp_response(authority, _request(authority, user, tmp_path), status_of)
        verdict = _judge(response, tmp_path)
        assert "Response verify OK" in verdict
        assert "leaf.pem: good" in verdict
        assert asked == [user.certificate.serial_number]

    def test_a_suspended_certificate_is_revoked_with_certificate_hold(self, authority, tmp_path):
        user = issue_user(authority)
        held_at = now() - timedelta(hours=2)
        response = ocsp_response(
            authority,
            _request(authority, user, tmp_path),
            lambda serial: CertificateStatus.revoked(held_at, HOLD),
        )
        verdict = _judge(response, tmp_path)
        assert "Response verify OK" in verdict
        assert "leaf.pem: revoked" in verdict
        assert "Reason: certificateHold" in verdict
        parsed = ocsp.load_der_ocsp_response(response)
        assert parsed.revocation_time_utc == held_at
        assert parsed.revocation_reason == HOLD

    def test_a_deleted_certificate_is_revoked_with_cessation_of_operation(
        self, authority, tmp_path
    ):
        user = issue_user(authority)
        response = ocsp_response(
            authority,
            _request(authority, user, tmp_path),
            lambda serial: CertificateStatus.revoked(
                now(), x509.ReasonFlags.cessation_of_operation
            ),
        )
        verdict = _judge(response, tmp_path)
        assert "leaf.pem: revoked" in verdict
        assert "Reason: cessationOfOperation" in verdict

    def test_an_unknown_serial_is_unknown(self, authority, tmp_path):
        user = issue_user(authority)
        response = ocsp_response(
            authority, _request(authority, user, tmp_path), lambda s: CertificateStatus.unknown()
        )
        verdict = _judge(response, tmp_path)
        assert "Response verify OK" in verdict
        assert "leaf.pem: unknown" in verdict

    def test_the_chain_from_the_root_is_enough_to_trust_the_responder(self, authority, tmp_path):
        user = issue_user(authority)
        response = ocsp_response(authority, _request(authority, user, tmp_path), _good)
        write(tmp_path, "root.pem", pem(authority.root_certificate))
        verdict = _judge(response, tmp_path, "-CAfile", "root.pem", "-verify_other", "issuing.pem")
        assert "Response verify OK" in verdict
        assert "leaf.pem: good" in verdict

    def test_a_response_signed_by_another_authority_is_not_trusted(self, authority, tmp_path):
        user = issue_user(authority)
        request = _request(authority, user, tmp_path)
        other = make_authority(tmp_path / "other")
        # the other CA answers as if it were ours: same request hashes, its own signature
        forged = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=parse_ocsp_request(request).issuer_name_hash,
                issuer_key_hash=parse_ocsp_request(request).issuer_key_hash,
                serial_number=user.certificate.serial_number,
                algorithm=hashes.SHA256(),
                cert_status=ocsp.OCSPCertStatus.GOOD,
                this_update=now(),
                next_update=now() + timedelta(hours=1),
                revocation_time=None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, other.issuing_certificate)
            .sign(other.issuing_signer.builder_key(), hashes.SHA256())
        )
        verdict = _judge(forged.public_bytes(serialization.Encoding.DER), tmp_path)
        assert "Response verify OK" not in verdict

    def test_the_nonce_is_echoed(self, authority, tmp_path):
        user = issue_user(authority)
        request = _request(authority, user, tmp_path, "-nonce")
        nonce = parse_ocsp_request(request).nonce
        assert nonce
        response = ocsp_response(authority, request, _good)
        parsed = ocsp.load_der_ocsp_response(response)
        assert parsed.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
        result = openssl(
            "ocsp", "-reqin", "req.der", "-respin", write(tmp_path, "resp.der", response),
            "-VAfile", "issuing.pem",
            cwd=tmp_path,
        )  # fmt: skip
        assert "Response verify OK" in result.stdout
        assert "WARNING" not in result.stdout
        assert "Nonce Verify error" not in result.stdout
        # a response with another nonce is caught by openssl: the check above means something
        other_request = _request(authority, user, tmp_path, "-nonce")
        other_response = ocsp_response(authority, other_request, _good)
        _request(authority, user, tmp_path, "-nonce")  # a third nonce in req.der
        result = openssl(
            "ocsp", "-reqin", "req.der", "-respin", write(tmp_path, "resp.der", other_response),
            "-VAfile", "issuing.pem",
            cwd=tmp_path,
        )  # fmt: skip
        assert "Nonce Verify error" in result.stdout

    def test_without_a_nonce_none_is_added(self, authority, tmp_path):
        user = issue_user(authority)
        response = ocsp_response(authority, _request(authority, user, tmp_path), _good)
        with pytest.raises(x509.ExtensionNotFound):
            ocsp.load_der_ocsp_response(response).extensions.get_extension_for_class(x509.OCSPNonce)

    def test_the_response_is_fresh_and_names_the_issuing_ca(self, authority, tmp_path):
        user = issue_user(authority)
        moment = now()
        response = ocsp.load_der_ocsp_response(
            ocsp_response(authority, _request(authority, user, tmp_path), _good, now=moment)
        )
        assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.this_update_utc == moment
        assert response.next_update_utc == moment + timedelta(hours=1)
        issuing_ski = authority.issuing_certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
        assert response.responder_key_hash == issuing_ski
        assert response.serial_number == user.certificate.serial_number

    def test_a_sha1_request_is_answered_in_kind(self, authority, tmp_path):
        user = issue_user(authority)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(user.certificate, authority.issuing_certificate, hashes.SHA1())  # noqa: S303 (what old clients send)
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        response = ocsp.load_der_ocsp_response(ocsp_response(authority, request, _good))
        assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert isinstance(response.hash_algorithm, hashes.SHA1)

    def test_a_request_about_another_ca_is_unauthorized(self, authority, tmp_path):
        other = make_authority(tmp_path / "other")
        stranger = issue_user(other)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(stranger.certificate, other.issuing_certificate, hashes.SHA256())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        asked: list[int] = []
        response = ocsp.load_der_ocsp_response(
            ocsp_response(authority, request, lambda s: asked.append(s) or CertificateStatus.good())
        )
        assert response.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
        assert asked == []

    @pytest.mark.parametrize(
        "request_der",
        [b"", b"\x30\x03\x02\x01\x01", b"garbage", b"\x30" * 5000],
        ids=["empty", "wrong-der", "garbage", "huge"],
    )
    def test_an_unreadable_request_is_malformed(self, authority, request_der):
        response = ocsp.load_der_ocsp_response(ocsp_response(authority, request_der, _good))
        assert response.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST

    def test_a_revoked_status_needs_its_time(self, authority, tmp_path):
        user = issue_user(authority)
        with pytest.raises(ValueError, match="revocation time"):
            ocsp_response(
                authority,
                _request(authority, user, tmp_path),
                lambda s: CertificateStatus("revoked"),
            )

    def test_a_get_request_path_decodes_to_the_same_request(self, authority, tmp_path):
        user = issue_user(authority)
        request = _request(authority, user, tmp_path)
        encoded = base64.b64encode(request).decode().replace("/", "%2F").replace("+", "%2B")
        assert ocsp_request_from_get_path(encoded) == request
