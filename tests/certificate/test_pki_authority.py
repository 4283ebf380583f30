"""The root and issuing CAs and user certificates, judged by `openssl verify` and `x509 -text`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from easypay.certificate.pki.authority import (
    Authority,
    IdentitySubject,
    create_authority,
    new_serial_number,
    verify_csr,
)
from easypay.certificate.pki.errors import (
    AuthorityCorrupt,
    CertificateRequestRefused,
    KeyRefused,
)
from tests.certificate.pki_support import (
    CRL_URL,
    OCSP_URL,
    OTHER_SERVER_SECRET,
    SERVER_SECRET,
    issue_user,
    make_authority,
    now,
    openssl,
    pem,
    write,
)

pytestmark = pytest.mark.no_database


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


def _text(certificate: x509.Certificate, tmp_path: Path) -> str:
    path = write(tmp_path, "c.pem", pem(certificate))
    result = openssl("x509", "-in", path, "-noout", "-text", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    return result.stdout


class TestChain:
    def test_openssl_verifies_a_user_certificate_through_the_issuing_ca(self, authority, tmp_path):
        user = issue_user(authority)
        result = openssl(
            "verify",
            "-CAfile",
            write(tmp_path, "root.pem", pem(authority.root_certificate)),
            "-untrusted",
            write(tmp_path, "issuing.pem", pem(authority.issuing_certificate)),
            write(tmp_path, "leaf.pem", pem(user.certificate)),
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout
        assert result.stdout.strip().endswith(": OK")

    def test_openssl_refuses_it_without_the_issuing_ca(self, authority, tmp_path):
        user = issue_user(authority)
        result = openssl(
            "verify",
            "-CAfile",
            write(tmp_path, "root.pem", pem(authority.root_certificate)),
            write(tmp_path, "leaf.pem", pem(user.certificate)),
            cwd=tmp_path,
        )
        assert result.returncode != 0
        assert "unable to get local issuer certificate" in result.stdout

    def test_openssl_refuses_it_under_another_root(self, authority, tmp_path):
        other = create_authority(tmp_path / "other", SERVER_SECRET, now=now())
        user = issue_user(authority)
        result = openssl(
            "verify",
            "-CAfile",
            write(tmp_path, "root.pem", pem(other.root_certificate)),
            "-untrusted",
            write(tmp_path, "issuing.pem", pem(other.issuing_certificate)),
            write(tmp_path, "leaf.pem", pem(user.certificate)),
            cwd=tmp_path,
        )
        assert result.returncode != 0

    def test_a_user_certificate_cannot_sign_certificates(self, authority, tmp_path):
        """pathlen 0 on the issuing CA and CA:FALSE on users: a user-signed certificate fails."""
        user = issue_user(authority)
        victim_key = ec.generate_private_key(ec.SECP256R1())
        forged = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forged")]))
            .issuer_name(user.certificate.subject)
            .public_key(victim_key.public_key())
            .serial_number(new_serial_number())
            .not_valid_before(now())
            .not_valid_after(now() + timedelta(days=1))
            .sign(user.key, hashes.SHA256())
        )
        result = openssl(
            "verify",
            "-CAfile",
            write(tmp_path, "root.pem", pem(authority.root_certificate)),
            "-untrusted",
            write(tmp_path, "chain.pem", pem(authority.issuing_certificate, user.certificate)),
            write(tmp_path, "forged.pem", pem(forged)),
            cwd=tmp_path,
        )
        assert result.returncode != 0


class TestCaCertificates:
    def test_the_root_is_a_p384_ca_for_twenty_years_with_path_length_one(self, authority, tmp_path):
        text = _text(authority.root_certificate, tmp_path)
        assert "secp384r1" in text
        assert "ecdsa-with-SHA384" in text
        assert "CA:TRUE, pathlen:1" in text
        assert "Certificate Sign, CRL Sign" in text
        assert "X509v3 Subject Key Identifier" in text
        root = authority.root_certificate
        years = (root.not_valid_after_utc - root.not_valid_before_utc).days / 365
        assert 20 <= years < 20.1

    def test_the_issuing_ca_is_p256_for_five_years_with_path_length_zero(self, authority, tmp_path):
        text = _text(authority.issuing_certificate, tmp_path)
        assert "prime256v1" in text
        assert "CA:TRUE, pathlen:0" in text
        assert "Certificate Sign, CRL Sign" in text
        issuing = authority.issuing_certificate
        years = (issuing.not_valid_after_utc - issuing.not_valid_before_utc).days / 365
        assert 5 <= years < 5.1
        root_ski = authority.root_certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
        aki = issuing.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == root_ski

    def test_the_second_call_reloads_the_same_authority(self, tmp_path):
        first = create_authority(tmp_path, SERVER_SECRET, now=now())
        second = create_authority(tmp_path, SERVER_SECRET, now=now() + timedelta(days=3))
        assert second.root_certificate == first.root_certificate
        assert second.issuing_certificate == first.issuing_certificate
        assert second.issuing_signer.public_key() == first.issuing_signer.public_key()
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "issuing.cert.pem",
            "issuing.key.pem",
            "root.cert.pem",
            "root.key.pem",
        ]

    def test_another_server_secret_cannot_open_the_keys(self, tmp_path):
        create_authority(tmp_path, SERVER_SECRET, now=now())
        with pytest.raises(AuthorityCorrupt, match="cannot be opened"):
            create_authority(tmp_path, OTHER_SERVER_SECRET, now=now())

    def test_a_certificate_without_its_key_is_refused_not_replaced(self, tmp_path):
        create_authority(tmp_path, SERVER_SECRET, now=now())
        (tmp_path / "issuing.key.pem").unlink()
        before = (tmp_path / "issuing.cert.pem").read_bytes()
        with pytest.raises(AuthorityCorrupt, match="without its key"):
            create_authority(tmp_path, SERVER_SECRET, now=now())
        assert (tmp_path / "issuing.cert.pem").read_bytes() == before

    def test_a_certificate_swapped_for_another_authoritys_is_refused(self, tmp_path):
        create_authority(tmp_path / "a", SERVER_SECRET, now=now())
        create_authority(tmp_path / "b", SERVER_SECRET, now=now())
        swapped = (tmp_path / "b" / "issuing.cert.pem").read_bytes()
        (tmp_path / "a" / "issuing.cert.pem").write_bytes(swapped)
        with pytest.raises(AuthorityCorrupt, match="does not match its key"):
            create_authority(tmp_path / "a", SERVER_SECRET, now=now())

    def test_a_missing_issuing_ca_is_made_again_under_the_same_root(self, tmp_path):
        first = create_authority(tmp_path, SERVER_SECRET, now=now())
        (tmp_path / "issuing.cert.pem").unlink()
        second = create_authority(tmp_path, SERVER_SECRET, now=now())
        assert second.root_certificate == first.root_certificate
        second.issuing_certificate.verify_directly_issued_by(first.root_certificate)


class TestUserCertificate:
    def test_it_allows_signatures_and_non_repudiation_only(self, authority, tmp_path):
        text = _text(issue_user(authority).certificate, tmp_path)
        assert (
            "X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation\n"
            in (text)
        )
        assert "CA:FALSE" in text
        assert "Extended Key Usage" not in text

    def test_it_carries_the_crl_and_ocsp_addresses_and_key_identifiers(self, authority, tmp_path):
        user = issue_user(authority)
        text = _text(user.certificate, tmp_path)
        assert f"URI:{CRL_URL}" in text
        assert f"OCSP - URI:{OCSP_URL}" in text
        assert "X509v3 Subject Key Identifier" in text
        aki = user.certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        issuing_ski = authority.issuing_certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value
        assert aki.key_identifier == issuing_ski.digest

    def test_the_subject_is_a_pseudonym_without_personal_data(self, authority, tmp_path):
        reference = "phone:01012345678|birth:1990-01-02|name:홍길동"
        certificate = issue_user(authority, reference=reference).certificate
        subject = certificate.subject.rfc4514_string()
        assert subject.startswith("CN=EP-")
        assert "O=EasyPay users" in subject
        der = certificate.public_bytes(serialization.Encoding.DER)
        for secret in (b"01012345678", b"1990", "홍길동".encode()):
            assert secret not in der
        again = issue_user(authority, reference=reference).certificate
        assert again.subject == certificate.subject
        other = issue_user(authority, reference="user:2").certificate
        assert other.subject != certificate.subject

    def test_serials_are_random_positive_and_128_bits(self):
        serials = {new_serial_number() for _ in range(200)}
        assert len(serials) == 200
        assert all(0 < s < 2**128 for s in serials)
        assert max(s.bit_length() for s in serials) > 120

    @pytest.mark.parametrize(
        "key",
        [
            rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(),
            ec.generate_private_key(ec.SECP384R1()).public_key(),
            ed25519.Ed25519PrivateKey.generate().public_key(),
            b"not a key",
        ],
        ids=["rsa", "p384", "ed25519", "bytes"],
    )
    def test_keys_other_than_p256_are_refused(self, authority, key):
        with pytest.raises(KeyRefused):
            authority.issue(
                key,
                IdentitySubject("EP-0123456789"),
                new_serial_number(),
                now(),
                now() + timedelta(days=1),
                CRL_URL,
                OCSP_URL,
            )

    def test_a_validity_beyond_the_issuing_ca_is_refused(self, authority):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        too_late = authority.issuing_certificate.not_valid_after_utc + timedelta(seconds=1)
        with pytest.raises(ValueError, match="issuing CA's validity"):
            authority.issue(
                key,
                IdentitySubject("EP-0123456789"),
                new_serial_number(),
                now(),
                too_late,
                CRL_URL,
                OCSP_URL,
            )

    @pytest.mark.parametrize("serial", [0, -1, 2**159])
    def test_a_bad_serial_is_refused(self, authority, serial):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        with pytest.raises(ValueError, match="serial"):
            authority.issue(
                key,
                IdentitySubject("EP-0123456789"),
                serial,
                now(),
                now() + timedelta(days=1),
                CRL_URL,
                OCSP_URL,
            )

    def test_an_empty_or_inverted_validity_is_refused(self, authority):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        with pytest.raises(ValueError, match="after not_before"):
            authority.issue(
                key,
                IdentitySubject("EP-0123456789"),
                new_serial_number(),
                now(),
                now(),
                CRL_URL,
                OCSP_URL,
            )

    @pytest.mark.parametrize(
        "pseudonym", ["", "short", "has space x", "x" * 65, "이름이름이름이름이름"]
    )
    def test_a_bad_pseudonym_is_refused(self, pseudonym):
        with pytest.raises(ValueError, match="pseudonym"):
            IdentitySubject(pseudonym)

    def test_a_non_http_address_is_refused(self, authority):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        with pytest.raises(ValueError, match="http"):
            authority.issue(
                key,
                IdentitySubject("EP-0123456789"),
                new_serial_number(),
                now(),
                now() + timedelta(days=1),
                "ldap://x/crl",
                OCSP_URL,
            )


def _csr(key: object, signing_key: object | None = None) -> bytes:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "01012345678 phone in a CSR")])
    )
    signer = signing_key or key
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    csr = builder.sign(signer, algorithm)  # type: ignore[arg-type]
    return csr.public_bytes(serialization.Encoding.PEM)


class TestCsr:
    def test_a_p256_csr_gives_its_key_and_the_certificate_ignores_its_subject(self, authority):
        key = ec.generate_private_key(ec.SECP256R1())
        public_key = verify_csr(_csr(key))
        assert public_key == key.public_key()
        certificate = authority.issue(
            public_key,
            IdentitySubject.pseudonymous(SERVER_SECRET, "user:9"),
            new_serial_number(),
            now(),
            now() + timedelta(days=1),
            CRL_URL,
            OCSP_URL,
        )
        assert "01012345678" not in certificate.subject.rfc4514_string()

    def test_a_csr_made_by_openssl_is_accepted_as_der_or_pem(self, tmp_path):
        result = openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "k.pem", "-subj", "/CN=device", "-out", "r.pem", cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout
        verify_csr((tmp_path / "r.pem").read_text())
        converted = openssl("req", "-in", "r.pem", "-outform", "DER", "-out", "r.der", cwd=tmp_path)
        assert converted.returncode == 0, converted.stdout
        verify_csr((tmp_path / "r.der").read_bytes())

    def test_a_csr_whose_signature_does_not_match_its_key_is_refused(self):
        """No proof of possession: the CSR claims one key but is signed by another."""
        claimed = ec.generate_private_key(ec.SECP256R1())
        other = ec.generate_private_key(ec.SECP256R1())
        genuine = x509.load_pem_x509_csr(_csr(claimed))
        forged_signature = b""
        while len(forged_signature) != len(genuine.signature):  # same length: same DER framing
            forged_signature = other.sign(genuine.tbs_certrequest_bytes, ec.ECDSA(hashes.SHA256()))
        der = genuine.public_bytes(serialization.Encoding.DER)
        forged = der.replace(genuine.signature, forged_signature)
        assert x509.load_der_x509_csr(forged).public_key() == claimed.public_key()
        with pytest.raises(CertificateRequestRefused, match="signature"):
            verify_csr(forged)

    def test_a_csr_with_a_flipped_signature_byte_is_refused(self):
        key = ec.generate_private_key(ec.SECP256R1())
        der = bytearray(x509.load_pem_x509_csr(_csr(key)).public_bytes(serialization.Encoding.DER))
        der[-5] ^= 0x01
        with pytest.raises(CertificateRequestRefused):
            verify_csr(bytes(der))

    @pytest.mark.parametrize(
        "key",
        [
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            ec.generate_private_key(ec.SECP384R1()),
            ed25519.Ed25519PrivateKey.generate(),
        ],
        ids=["rsa", "p384", "ed25519"],
    )
    def test_a_csr_with_another_key_type_is_refused(self, key):
        with pytest.raises(CertificateRequestRefused, match="P-256"):
            verify_csr(_csr(key))

    @pytest.mark.parametrize(
        "data",
        [b"", b"garbage", b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END", b"0" * 20_000],
        ids=["empty", "garbage", "broken-pem", "huge"],
    )
    def test_unreadable_input_is_refused(self, data):
        with pytest.raises(CertificateRequestRefused):
            verify_csr(data)
