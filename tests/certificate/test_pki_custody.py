"""Server-held keys sealed under the certificate PIN and the server secret."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from easypay.certificate.pki.custody import (
    FAST_FOR_TESTS,
    PRODUCTION,
    ArgonParameters,
    SealedKeyUnreadable,
    new_salt,
    open_private_key,
    seal_private_key,
)
from easypay.certificate.pki.errors import ServerSecretMismatch, WrongPin
from tests.certificate.pki_support import OTHER_SERVER_SECRET, SERVER_SECRET

pytestmark = pytest.mark.no_database

PIN = "482915"


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def salt() -> bytes:
    return new_salt()


@pytest.fixture(scope="module")
def sealed(key: ec.EllipticCurvePrivateKey, salt: bytes) -> bytes:
    return seal_private_key(key, PIN, SERVER_SECRET, salt, parameters=FAST_FOR_TESTS)


def _same_key(a: ec.EllipticCurvePrivateKey, b: ec.EllipticCurvePrivateKey) -> bool:
    return a.private_numbers() == b.private_numbers()


class TestSealAndOpen:
    def test_the_right_pin_and_server_secret_open_the_key(self, key, salt, sealed):
        assert _same_key(open_private_key(sealed, PIN, SERVER_SECRET, salt), key)

    def test_the_sealed_bytes_do_not_hold_the_key(self, key, sealed):
        scalar = key.private_numbers().private_value.to_bytes(32, "big")
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        assert scalar not in sealed
        assert der[-40:] not in sealed
        assert PIN.encode() not in sealed

    def test_sealing_twice_gives_different_bytes(self, key, salt, sealed):
        again = seal_private_key(key, PIN, SERVER_SECRET, salt, parameters=FAST_FOR_TESTS)
        assert again != sealed
        assert _same_key(open_private_key(again, PIN, SERVER_SECRET, salt), key)

    def test_the_production_parameters_are_the_default_and_work(self, key, salt):
        assert ArgonParameters(time_cost=3, memory_cost_kib=65536, parallelism=4) == PRODUCTION
        sealed = seal_private_key(key, PIN, SERVER_SECRET, salt)
        assert struct.unpack(">4sIIB", sealed[:13]) == (b"EPK1", 3, 65536, 4)
        assert _same_key(open_private_key(sealed, PIN, SERVER_SECRET, salt), key)


class TestRefusals:
    @pytest.mark.parametrize("pin", ["482914", "000000", "999999", "284915"])
    def test_a_wrong_pin_fails(self, salt, sealed, pin):
        with pytest.raises(WrongPin):
            open_private_key(sealed, pin, SERVER_SECRET, salt)

    @pytest.mark.parametrize("pin", ["", "48291", "4829150", "48291a", "４８２９１５", " 482915"])
    def test_a_pin_that_is_not_six_digits_fails(self, salt, sealed, pin):
        with pytest.raises(WrongPin, match="six digits"):
            open_private_key(sealed, pin, SERVER_SECRET, salt)

    def test_another_server_secret_fails_even_with_the_right_pin(self, salt, sealed):
        with pytest.raises(ServerSecretMismatch):
            open_private_key(sealed, PIN, OTHER_SERVER_SECRET, salt)

    def test_no_pin_opens_a_copy_without_the_server_secret(self, salt, sealed):
        """A database thief has the sealed key and the salt, not the server secret: trying PINs
        (the right one among them) with a guessed secret opens nothing. Each try runs the full
        Argon2id + AES-GCM attempt; only then is the failure classified."""
        opened = 0
        pins = [PIN, *(f"{n:06d}" for n in range(0, 1_000_000, 5_000))][:200]
        assert len(set(pins)) == 200
        for pin in pins:
            try:
                open_private_key(sealed, pin, OTHER_SERVER_SECRET, salt)
                opened += 1
            except ServerSecretMismatch:
                pass
        assert opened == 0

    def test_another_salt_fails(self, sealed):
        with pytest.raises((WrongPin, ServerSecretMismatch)):
            open_private_key(sealed, PIN, SERVER_SECRET, new_salt())

    def test_a_key_bound_to_one_context_does_not_open_in_another(self, key, salt):
        sealed = seal_private_key(
            key, PIN, SERVER_SECRET, salt, context=b"serial:01", parameters=FAST_FOR_TESTS
        )
        assert _same_key(
            open_private_key(sealed, PIN, SERVER_SECRET, salt, context=b"serial:01"), key
        )
        with pytest.raises(WrongPin):
            open_private_key(sealed, PIN, SERVER_SECRET, salt, context=b"serial:02")

    @pytest.mark.parametrize("position", [25, 40, -1], ids=["nonce", "ciphertext", "tag"])
    def test_an_altered_byte_fails(self, salt, sealed, position):
        altered = bytearray(sealed)
        altered[position] ^= 0x01
        with pytest.raises(WrongPin):
            open_private_key(bytes(altered), PIN, SERVER_SECRET, salt)

    def test_an_altered_server_secret_check_is_reported_as_a_server_fault(self, salt, sealed):
        """Not a wrong PIN: an altered row must not count towards the user's lock."""
        altered = bytearray(sealed)
        altered[15] ^= 0x01
        with pytest.raises(ServerSecretMismatch):
            open_private_key(bytes(altered), PIN, SERVER_SECRET, salt)

    def test_lowered_parameters_written_into_the_header_fail(self, salt, sealed):
        """The Argon2 parameters are authenticated: rewriting them does not open the key."""
        altered = struct.pack(">4sIIB", b"EPK1", 1, 8, 1) + sealed[13:]
        with pytest.raises(WrongPin):
            open_private_key(altered, PIN, SERVER_SECRET, salt)

    @pytest.mark.parametrize(
        "data",
        [
            b"",
            b"EPK1",
            b"XXXX" + bytes(60),
            struct.pack(">4sIIB", b"EPK1", 1, 4 * 1024 * 1024, 1) + bytes(60),
            struct.pack(">4sIIB", b"EPK1", 0, 64, 1) + bytes(60),
        ],
        ids=["empty", "magic-only", "other-magic", "huge-memory", "zero-time"],
    )
    def test_unreadable_bytes_are_refused_before_any_work(self, salt, data):
        with pytest.raises(SealedKeyUnreadable):
            open_private_key(data, PIN, SERVER_SECRET, salt)

    def test_a_short_salt_or_empty_server_secret_is_refused(self, key):
        with pytest.raises(ValueError, match="salt"):
            seal_private_key(key, PIN, SERVER_SECRET, b"short", parameters=FAST_FOR_TESTS)
        with pytest.raises(ValueError, match="server secret"):
            seal_private_key(key, PIN, b"", new_salt(), parameters=FAST_FOR_TESTS)

    @pytest.mark.parametrize(
        ("time_cost", "memory", "parallelism"), [(0, 64, 1), (1, 4, 1), (1, 2**21, 1), (1, 64, 0)]
    )
    def test_out_of_range_parameters_are_refused(self, time_cost, memory, parallelism):
        with pytest.raises(ValueError, match="Argon2"):
            ArgonParameters(time_cost, memory, parallelism)
