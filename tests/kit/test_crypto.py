"""Tokens, keyed hashes and password hashing."""

from __future__ import annotations

import pytest

from easypay.kit.crypto import (
    constant_time_equal,
    hash_password,
    keyed_hash,
    new_token,
    sha256_hex,
    verify_password,
)

pytestmark = pytest.mark.no_database


class TestNewToken:
    def test_tokens_are_long_and_unique(self):
        tokens = {new_token() for _ in range(200)}
        assert len(tokens) == 200
        assert all(len(token) >= 40 for token in tokens)


class TestKeyedHash:
    def test_same_key_and_parts_give_the_same_digest(self):
        assert keyed_hash(b"k" * 32, "pin", "1", "739164") == keyed_hash(
            b"k" * 32, "pin", "1", "739164"
        )

    def test_another_key_gives_another_digest(self):
        assert keyed_hash(b"k" * 32, "pin", "1", "739164") != keyed_hash(
            b"x" * 32, "pin", "1", "739164"
        )

    def test_parts_are_separated(self):
        # "1" + "23" must not collide with "12" + "3"
        assert keyed_hash(b"k", "1", "23") != keyed_hash(b"k", "12", "3")

    def test_is_not_a_plain_hash(self):
        assert keyed_hash(b"k", "739164") != sha256_hex("739164")


class TestPasswords:
    def test_right_password_verifies(self):
        stored = hash_password("correct-horse-42")
        assert stored.startswith("$argon2id$")
        assert verify_password(stored, "correct-horse-42")

    def test_wrong_password_does_not(self):
        assert not verify_password(hash_password("correct-horse-42"), "correct-horse-43")

    def test_a_garbled_hash_does_not_verify(self):
        assert not verify_password("not-a-hash", "correct-horse-42")


class TestConstantTimeEqual:
    def test_compares_strings(self):
        assert constant_time_equal("abc", "abc")
        assert not constant_time_equal("abc", "abd")
        assert not constant_time_equal("abc", "abcd")
