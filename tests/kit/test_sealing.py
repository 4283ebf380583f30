"""Sealing small secrets with a key derived from the server secret."""

from __future__ import annotations

import base64

import pytest

from easypay.kit.sealing import SealBroken, seal, unseal

pytestmark = pytest.mark.no_database

SERVER = bytes.fromhex("7e" * 32)
OTHER_SERVER = bytes.fromhex("7f" * 32)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class TestSealAndOpen:
    def test_what_is_sealed_opens_with_the_same_server_secret(self):
        sealed = seal(SERVER, SECRET, purpose="webhook-secret", context="7")
        assert unseal(SERVER, sealed, purpose="webhook-secret", context="7") == SECRET

    def test_the_sealed_value_does_not_show_the_secret(self):
        sealed = seal(SERVER, SECRET, purpose="webhook-secret", context="7")
        assert SECRET not in sealed
        assert SECRET.removeprefix("whsec_") not in sealed
        assert sealed.startswith("v1.")

    def test_sealing_twice_gives_different_values(self):
        first = seal(SERVER, SECRET, purpose="p")
        second = seal(SERVER, SECRET, purpose="p")
        assert first != second
        assert unseal(SERVER, first, purpose="p") == unseal(SERVER, second, purpose="p")

    def test_fits_the_column(self):
        sealed = seal(SERVER, "whsec_" + "A" * 44, purpose="webhook-secret", context=str(2**63))
        assert len(sealed) <= 255

    def test_unicode_round_trips(self):
        sealed = seal(SERVER, "비밀 🔑", purpose="p")
        assert unseal(SERVER, sealed, purpose="p") == "비밀 🔑"


class TestRefusals:
    def test_another_server_secret_cannot_open_it(self):
        sealed = seal(SERVER, SECRET, purpose="webhook-secret", context="7")
        with pytest.raises(SealBroken):
            unseal(OTHER_SERVER, sealed, purpose="webhook-secret", context="7")

    def test_another_context_cannot_open_it(self):
        sealed = seal(SERVER, SECRET, purpose="webhook-secret", context="7")
        with pytest.raises(SealBroken):
            unseal(SERVER, sealed, purpose="webhook-secret", context="8")

    def test_another_purpose_cannot_open_it(self):
        sealed = seal(SERVER, SECRET, purpose="webhook-secret", context="7")
        with pytest.raises(SealBroken):
            unseal(SERVER, sealed, purpose="other", context="7")

    def test_a_flipped_bit_is_detected(self):
        sealed = seal(SERVER, SECRET, purpose="p")
        raw = bytearray(base64.urlsafe_b64decode(sealed[3:] + "=" * (-len(sealed[3:]) % 4)))
        raw[20] ^= 1
        tampered = "v1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        with pytest.raises(SealBroken):
            unseal(SERVER, tampered, purpose="p")

    @pytest.mark.parametrize(
        "garbage", ["", "v1.", "v2.AAAA", "v1.!!!!", "v1.AAAA", "plain-text", "v1." + "A" * 30]
    )
    def test_garbage_is_refused(self, garbage):
        with pytest.raises(SealBroken):
            unseal(SERVER, garbage, purpose="p")

    def test_an_empty_server_secret_is_refused(self):
        with pytest.raises(ValueError, match="empty"):
            seal(b"", SECRET, purpose="p")
