"""CA keys in encrypted files behind the Signer interface."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from easypay.certificate.pki.errors import AuthorityCorrupt
from easypay.certificate.pki.signer import FileSigner, Signer, key_file_passphrase
from tests.certificate.pki_support import OTHER_SERVER_SECRET, SERVER_SECRET, openssl, write

pytestmark = pytest.mark.no_database


class TestFileSigner:
    def test_the_key_is_made_on_first_use_encrypted_and_private(self, tmp_path):
        signer = FileSigner(tmp_path, "issuing", SERVER_SECRET)
        assert not signer.exists
        signer.public_key()
        data = signer.path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert stat.S_IMODE(os.stat(signer.path).st_mode) == 0o600
        with pytest.raises(TypeError):
            serialization.load_pem_private_key(data, password=None)

    def test_openssl_opens_it_only_with_the_derived_passphrase(self, tmp_path):
        signer = FileSigner(tmp_path, "issuing", SERVER_SECRET)
        signer.public_key()
        passphrase = key_file_passphrase(SERVER_SECRET, "issuing").decode()
        opened = openssl(
            "pkey", "-in", str(signer.path), "-passin", f"pass:{passphrase}", "-pubout",
            cwd=tmp_path,
        )  # fmt: skip
        assert opened.returncode == 0, opened.stdout
        assert opened.stdout.encode() == signer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        wrong = key_file_passphrase(OTHER_SERVER_SECRET, "issuing").decode()
        refused = openssl("pkey", "-in", str(signer.path), "-passin", f"pass:{wrong}", cwd=tmp_path)
        assert refused.returncode != 0

    def test_each_key_file_has_its_own_passphrase(self):
        assert key_file_passphrase(SERVER_SECRET, "root") != key_file_passphrase(
            SERVER_SECRET, "issuing"
        )
        with pytest.raises(ValueError, match="empty"):
            key_file_passphrase(b"", "root")

    def test_a_second_signer_on_the_same_file_has_the_same_key(self, tmp_path):
        first = FileSigner(tmp_path, "root", SERVER_SECRET, ec.SECP384R1())
        second = FileSigner(tmp_path, "root", SERVER_SECRET, ec.SECP384R1())
        assert first.public_key() == second.public_key()

    def test_signers_racing_to_create_the_key_end_with_one_key(self, tmp_path):
        signers = [FileSigner(tmp_path, "issuing", SERVER_SECRET) for _ in range(8)]
        barrier = threading.Barrier(len(signers))
        keys: list[bytes] = []

        def create(signer: FileSigner) -> None:
            barrier.wait()
            keys.append(
                signer.public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )

        threads = [threading.Thread(target=create, args=(s,)) for s in signers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(keys) == 8
        assert len(set(keys)) == 1
        assert [p.name for p in tmp_path.iterdir()] == ["issuing.key.pem"]

    def test_another_server_secret_cannot_use_the_key(self, tmp_path):
        FileSigner(tmp_path, "issuing", SERVER_SECRET).public_key()
        with pytest.raises(AuthorityCorrupt, match="cannot be opened"):
            FileSigner(tmp_path, "issuing", OTHER_SERVER_SECRET).public_key()

    @pytest.mark.parametrize(
        ("curve", "algorithm", "digest"),
        [
            (ec.SECP256R1(), "ecdsa-with-SHA256", "-sha256"),
            (ec.SECP384R1(), "ecdsa-with-SHA384", "-sha384"),
        ],
    )
    def test_openssl_verifies_what_it_signs(self, tmp_path, curve, algorithm, digest):
        signer: Signer = FileSigner(tmp_path, "k", SERVER_SECRET, curve)
        assert signer.algorithm == algorithm
        data = b"to be signed"
        signature = signer.sign(data)
        public = signer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        result = openssl(
            "dgst", digest, "-verify", write(tmp_path, "pub.pem", public),
            "-signature", write(tmp_path, "sig.der", signature), write(tmp_path, "data", data),
            cwd=tmp_path,
        )  # fmt: skip
        assert "Verified OK" in result.stdout
        signer.public_key().verify(signature, data, ec.ECDSA(signer.hash_algorithm()))
        assert isinstance(signer.hash_algorithm(), hashes.SHA256 | hashes.SHA384)

    @pytest.mark.parametrize("name", ["", "../escape", "a/b", "dot.name"])
    def test_a_name_that_is_not_a_plain_word_is_refused(self, tmp_path, name):
        with pytest.raises(ValueError, match="key name"):
            FileSigner(tmp_path, name, SERVER_SECRET)

    def test_an_unsupported_curve_is_refused(self, tmp_path):
        with pytest.raises(ValueError, match="unsupported curve"):
            FileSigner(tmp_path, "k", SERVER_SECRET, ec.SECP521R1()).sign(b"x")
