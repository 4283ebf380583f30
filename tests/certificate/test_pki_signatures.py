"""E-signatures: detached CMS judged by `openssl cms -verify`, JWS by `verify_jws` and by
`openssl dgst -verify` on the ES256 signature."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from easypay.certificate.pki.authority import Authority, IdentitySubject
from easypay.certificate.pki.errors import KeyRefused, SignatureInvalid
from easypay.certificate.pki.signatures import sign_cms_detached, sign_jws, verify_jws
from easypay.certificate.pki.status import RevokedEntry, build_crl
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

DOCUMENT = "대출 약정서 — 원금 10,000,000원, 연 4.5%\r\n".encode() + bytes(range(256))


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def user(authority: Authority) -> User:
    return issue_user(authority)


def _cms_verify(
    signature: bytes, document: bytes, ca_pem: bytes, tmp_path: Path, *extra: str
) -> str:
    result = openssl(
        "cms", "-verify", "-binary", "-inform", "DER",
        "-in", write(tmp_path, "sig.p7s", signature),
        "-content", write(tmp_path, "doc", document),
        "-CAfile", write(tmp_path, "ca.pem", ca_pem),
        "-out", str(tmp_path / "out"),
        *extra,
        cwd=tmp_path,
    )  # fmt: skip
    return result.stdout if result.returncode == 0 else "FAILED " + result.stdout


class TestCmsDetached:
    def test_openssl_verifies_the_signature_over_the_document(self, authority, user, tmp_path):
        signature = sign_cms_detached(DOCUMENT, user.certificate, user.key, authority.chain())
        verdict = _cms_verify(
            signature, DOCUMENT, authority.chain_pem(), tmp_path, "-purpose", "any"
        )
        assert "Verification successful" in verdict
        assert (tmp_path / "out").read_bytes() == DOCUMENT

    def test_openssl_verifies_it_with_its_default_smime_purpose_too(
        self, authority, user, tmp_path
    ):
        signature = sign_cms_detached(DOCUMENT, user.certificate, user.key, authority.chain())
        assert "Verification successful" in _cms_verify(
            signature, DOCUMENT, authority.chain_pem(), tmp_path
        )

    def test_the_root_alone_is_enough_as_trust_anchor(self, authority, user, tmp_path):
        """The signature carries the issuing CA, so a bank needs only the root."""
        signature = sign_cms_detached(DOCUMENT, user.certificate, user.key, authority.chain())
        verdict = _cms_verify(
            signature, DOCUMENT, pem(authority.root_certificate), tmp_path, "-purpose", "any"
        )
        assert "Verification successful" in verdict

    @pytest.mark.parametrize("position", [0, 17, len(DOCUMENT) - 1])
    def test_one_changed_byte_of_the_document_fails(self, authority, user, tmp_path, position):
        signature = sign_cms_detached(DOCUMENT, user.certificate, user.key, authority.chain())
        altered = bytearray(DOCUMENT)
        altered[position] ^= 0x01
        verdict = _cms_verify(
            signature, bytes(altered), authority.chain_pem(), tmp_path, "-purpose", "any"
        )
        assert verdict.startswith("FAILED")
        assert "content verify error" in verdict

    def test_a_signature_under_another_authority_fails(self, authority, tmp_path):
        other = make_authority(tmp_path / "other")
        stranger = issue_user(other)
        signature = sign_cms_detached(DOCUMENT, stranger.certificate, stranger.key, other.chain())
        verdict = _cms_verify(
            signature, DOCUMENT, authority.chain_pem(), tmp_path, "-purpose", "any"
        )
        assert verdict.startswith("FAILED")
        assert "certificate verify error" in verdict

    def test_a_suspended_signer_fails_the_crl_check(self, authority, tmp_path):
        held, fine = issue_user(authority, "user:held"), issue_user(authority, "user:fine")
        moment = now()
        crl = build_crl(
            authority,
            [
                RevokedEntry(
                    held.certificate.serial_number, moment, x509.ReasonFlags.certificate_hold
                )
            ],
            1,
            moment,
            moment + timedelta(days=1),
        )
        ca_with_crl = authority.chain_pem() + pem(crl)
        held_signature = sign_cms_detached(DOCUMENT, held.certificate, held.key, authority.chain())
        fine_signature = sign_cms_detached(DOCUMENT, fine.certificate, fine.key, authority.chain())
        refused = _cms_verify(
            held_signature, DOCUMENT, ca_with_crl, tmp_path, "-purpose", "any", "-crl_check"
        )
        assert "certificate revoked" in refused
        accepted = _cms_verify(
            fine_signature, DOCUMENT, ca_with_crl, tmp_path, "-purpose", "any", "-crl_check"
        )
        assert "Verification successful" in accepted

    def test_the_structure_is_detached_sha256_with_three_certificates(
        self, authority, user, tmp_path
    ):
        signature = sign_cms_detached(DOCUMENT, user.certificate, user.key, authority.chain())
        path = write(tmp_path, "s.p7s", signature)
        printed = openssl(
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", path, cwd=tmp_path
        ).stdout  # fmt: skip
        assert "eContent: <ABSENT>" in printed
        assert "algorithm: sha256" in printed
        assert "object: signingTime" in printed
        assert printed.count("cert_info:") == 3
        assert DOCUMENT[:20] not in signature

    def test_a_key_that_is_not_the_certificates_is_refused(self, authority, user):
        with pytest.raises(ValueError, match="does not belong"):
            sign_cms_detached(
                DOCUMENT,
                user.certificate,
                ec.generate_private_key(ec.SECP256R1()),
                authority.chain(),
            )

    def test_an_rsa_key_is_refused(self, authority, user):
        with pytest.raises(KeyRefused):
            sign_cms_detached(
                DOCUMENT,
                user.certificate,
                rsa.generate_private_key(public_exponent=65537, key_size=2048),  # type: ignore[arg-type]
                authority.chain(),
            )


def _parts(token: str) -> list[str]:
    return token.split(".")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


PAYLOAD = json.dumps({"request": "rq_123", "text": "본인확인 동의"}, ensure_ascii=False).encode()


class TestJws:
    def test_a_signed_payload_verifies_with_its_chain(self, authority, user):
        token = sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        verified = verify_jws(token, [authority.root_certificate], now=now())
        assert verified.payload == PAYLOAD
        assert verified.certificate == user.certificate
        assert verified.chain[-1] == authority.root_certificate
        assert verified.header["alg"] == "ES256"
        assert len(verified.header["x5c"]) == 3

    def test_openssl_verifies_the_raw_es256_signature(self, user, authority, tmp_path):
        token = sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        header, payload, signature = _parts(token)
        raw = _unb64url(signature)
        assert len(raw) == 64
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public = user.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        result = openssl(
            "dgst", "-sha256", "-verify", write(tmp_path, "pub.pem", public),
            "-signature", write(tmp_path, "sig.der", der),
            write(tmp_path, "input", f"{header}.{payload}".encode()),
            cwd=tmp_path,
        )  # fmt: skip
        assert "Verified OK" in result.stdout
        x5c_leaf = base64.b64decode(json.loads(_unb64url(header))["x5c"][0])
        assert x5c_leaf == user.certificate.public_bytes(serialization.Encoding.DER)

    def test_a_changed_payload_fails(self, authority, user):
        header, _, signature = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        forged = f"{header}.{_b64url(PAYLOAD.replace(b'rq_123', b'rq_124'))}.{signature}"
        with pytest.raises(SignatureInvalid, match="does not match"):
            verify_jws(forged, [authority.root_certificate], now=now())

    def test_a_changed_signature_fails(self, authority, user):
        header, payload, signature = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        raw = bytearray(_unb64url(signature))
        raw[10] ^= 0x01
        with pytest.raises(SignatureInvalid, match="does not match"):
            verify_jws(
                f"{header}.{payload}.{_b64url(bytes(raw))}", [authority.root_certificate], now=now()
            )

    def test_another_spelling_of_the_same_signature_is_refused(self, authority, user):
        header, payload, signature = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet.index(signature[-1])
        respelled = signature[:-1] + alphabet[last ^ 0b01]  # an unused low bit
        assert _unb64url(respelled) == _unb64url(signature)
        with pytest.raises(SignatureInvalid, match="well formed"):
            verify_jws(f"{header}.{payload}.{respelled}", [authority.root_certificate], now=now())

    def test_a_certificate_swapped_in_the_header_fails(self, authority, user):
        other_user = issue_user(authority, "user:other")
        token = sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        header, payload, signature = _parts(token)
        fields = json.loads(_unb64url(header))
        fields["x5c"][0] = base64.b64encode(
            other_user.certificate.public_bytes(serialization.Encoding.DER)
        ).decode()
        del fields["x5t#S256"]  # a forger drops the thumbprint that would give him away
        swapped = _b64url(json.dumps(fields).encode())
        with pytest.raises(SignatureInvalid, match="does not match"):
            verify_jws(f"{swapped}.{payload}.{signature}", [authority.root_certificate], now=now())

    def test_a_signer_from_another_authority_fails(self, authority, tmp_path):
        other = make_authority(tmp_path / "other")
        stranger = issue_user(other)
        token = sign_jws(PAYLOAD, stranger.key, stranger.certificate, other.chain())
        with pytest.raises(SignatureInvalid, match="trusted root"):
            verify_jws(token, [authority.root_certificate], now=now())

    def test_a_self_made_chain_with_a_trusted_roots_name_fails(self, authority, user, tmp_path):
        """The chain in x5c is checked by signatures, not by names."""
        token = sign_jws(PAYLOAD, user.key, user.certificate, [authority.issuing_certificate])
        verify_jws(token, [authority.root_certificate], now=now())  # the genuine one passes
        lookalike = make_authority(tmp_path / "lookalike")
        assert lookalike.root_certificate.subject == authority.root_certificate.subject
        with pytest.raises(SignatureInvalid, match="trusted root"):
            verify_jws(token, [lookalike.root_certificate], now=now())

    def test_an_expired_or_not_yet_valid_certificate_fails(self, authority, user):
        token = sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        with pytest.raises(SignatureInvalid, match="trusted root"):
            verify_jws(
                token,
                [authority.root_certificate],
                now=user.certificate.not_valid_after_utc + timedelta(seconds=1),
            )
        with pytest.raises(SignatureInvalid, match="trusted root"):
            verify_jws(
                token,
                [authority.root_certificate],
                now=user.certificate.not_valid_before_utc - timedelta(days=1),
            )

    @pytest.mark.parametrize(
        "header", [{"alg": "none"}, {"alg": "HS256"}, {"alg": "ES384"}, {}, []]
    )
    def test_other_algorithms_are_refused(self, authority, user, header):
        _, payload, signature = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        token = f"{_b64url(json.dumps(header).encode())}.{payload}.{signature}"
        with pytest.raises(SignatureInvalid, match="ES256"):
            verify_jws(token, [authority.root_certificate], now=now())

    def test_a_thumbprint_of_another_certificate_is_refused(self, authority, user):
        token = sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        header, payload, signature = _parts(token)
        fields = json.loads(_unb64url(header))
        fields["x5t#S256"] = _b64url(authority.issuing_certificate.fingerprint(hashes.SHA256()))
        forged = f"{_b64url(json.dumps(fields).encode())}.{payload}.{signature}"
        with pytest.raises(SignatureInvalid, match="x5t#S256"):
            verify_jws(forged, [authority.root_certificate], now=now())

    def test_critical_extensions_are_refused(self, authority, user):
        header, payload, signature = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        fields = json.loads(_unb64url(header)) | {"crit": ["exp"], "exp": 1}
        token = f"{_b64url(json.dumps(fields).encode())}.{payload}.{signature}"
        with pytest.raises(SignatureInvalid, match="critical"):
            verify_jws(token, [authority.root_certificate], now=now())

    @pytest.mark.parametrize("x5c", [None, [], ["%%%"], ["AAAA"], [1], ["AA=="] * 5])
    def test_a_missing_or_broken_x5c_is_refused(self, authority, user, x5c):
        header, payload, signature = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        fields = json.loads(_unb64url(header))
        fields["x5c"] = x5c
        token = f"{_b64url(json.dumps(fields).encode())}.{payload}.{signature}"
        with pytest.raises(SignatureInvalid, match="x5c"):
            verify_jws(token, [authority.root_certificate], now=now())

    @pytest.mark.parametrize(
        "token",
        ["", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.", "a=.b.c", "x" * 300_000],
        ids=["empty", "two-parts", "four-parts", "bad-chars", "empty-signature", "padding", "huge"],
    )
    def test_malformed_tokens_are_refused(self, authority, token):
        with pytest.raises(SignatureInvalid):
            verify_jws(token, [authority.root_certificate], now=now())

    def test_a_der_signature_instead_of_r_and_s_is_refused(self, authority, user):
        header, payload, _ = _parts(
            sign_jws(PAYLOAD, user.key, user.certificate, authority.chain())
        )
        der = user.key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        with pytest.raises(SignatureInvalid, match="ES256"):
            verify_jws(
                f"{header}.{payload}.{_b64url(der)}", [authority.root_certificate], now=now()
            )

    def test_signing_with_a_key_that_is_not_the_certificates_is_refused(self, authority, user):
        with pytest.raises(ValueError, match="does not belong"):
            sign_jws(
                PAYLOAD,
                ec.generate_private_key(ec.SECP256R1()),
                user.certificate,
                authority.chain(),
            )


def _hand_made(
    authority: Authority,
    key: ec.EllipticCurvePrivateKey,
    extension: x509.ExtensionType,
    critical: bool,
) -> x509.Certificate:
    """A certificate from our issuing CA, but with an extension `Authority.issue` never adds."""
    start = now()
    return (
        x509.CertificateBuilder()
        .subject_name(IdentitySubject("EP-hand-made").name())
        .issuer_name(authority.issuing_certificate.subject)
        .public_key(key.public_key())
        .serial_number(12345)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                authority.issuing_signer.public_key()
            ),
            critical=False,
        )
        .add_extension(extension, critical=critical)
        .sign(authority.issuing_signer.builder_key(), hashes.SHA256())
    )


class TestJwsCertificateRules:
    def test_an_unknown_critical_extension_is_refused(self, authority):
        key = ec.generate_private_key(ec.SECP256R1())
        unknown = x509.UnrecognizedExtension(
            x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00"
        )
        token = sign_jws(PAYLOAD, key, _hand_made(authority, key, unknown, True), authority.chain())
        with pytest.raises(SignatureInvalid, match="trusted roots"):
            verify_jws(token, [authority.root_certificate], now=now())

    def test_a_certificate_without_digital_signature_is_refused(self, authority):
        key = ec.generate_private_key(ec.SECP256R1())
        usage = x509.KeyUsage(False, True, False, False, False, False, False, False, False)
        token = sign_jws(PAYLOAD, key, _hand_made(authority, key, usage, True), authority.chain())
        with pytest.raises(SignatureInvalid, match="does not allow signatures"):
            verify_jws(token, [authority.root_certificate], now=now())

    def test_an_issuing_ca_certificate_cannot_sign_as_a_user(self, authority):
        """The CA's own key must not pass as a user signature (it is a CA, not an end entity)."""
        key = authority.issuing_signer.builder_key()
        token = sign_jws(PAYLOAD, key, authority.issuing_certificate, [authority.root_certificate])
        with pytest.raises(SignatureInvalid):
            verify_jws(token, [authority.root_certificate], now=now())
