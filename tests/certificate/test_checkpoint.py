"""Signed checkpoints: C2SP signed-note format, Ed25519, and every way a note can be wrong."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from easypay.certificate.tlog.checkpoint import (
    Checkpoint,
    InvalidSignatureError,
    MalformedNoteError,
    NoteError,
    UnverifiedNoteError,
    WrongOriginError,
    key_id,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key,
    verify_checkpoint,
)
from easypay.certificate.tlog.merkle import EMPTY_ROOT, MerkleTree, verify_inclusion

pytestmark = pytest.mark.no_database

# Known answers, verbatim from golang.org/x/mod, sumdb/note/note_test.go (TestSign, TestOpen):
# the reference implementation of the signed-note format.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox3"
    "3WWd1RvMc+QQ=\n"
)

ORIGIN = "easypay.example/certificates"
ROOT_8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
URLSAFE_ROOT = base64.urlsafe_b64encode(bytes([0xFF]) * 32).decode()
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def non_canonical(encoded: str) -> str:
    """The same bytes spelled differently: set an unused low bit of the last base64 digit."""
    body = encoded.rstrip("=")
    digit = B64_ALPHABET[B64_ALPHABET.index(body[-1]) ^ 1]
    spelled = body[:-1] + digit + encoded[len(body) :]
    assert spelled != encoded
    assert base64.b64decode(spelled) == base64.b64decode(encoded)
    return spelled


NON_CANONICAL_ROOT = non_canonical(base64.b64encode(ROOT_8).decode())


def go_private_key() -> Ed25519PrivateKey:
    # "PRIVATE+KEY+<name>+<key ID>+base64(0x01 || 32-byte seed)"; the base64 may hold '+'
    material = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])
    assert material[0] == 1
    return Ed25519PrivateKey.from_private_bytes(material[1:])


@pytest.fixture(scope="module")
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(log_key: Ed25519PrivateKey) -> str:
    return sign_checkpoint(ORIGIN, 8, ROOT_8, log_key, ORIGIN)


def resign(text: str, key: Ed25519PrivateKey, name: str = ORIGIN) -> str:
    """A note whose text is exactly `text`, properly signed: to reach the checkpoint parser."""
    return sign_note(text, key, name)


class TestSignedNoteFormat:
    def test_signing_reproduces_the_go_reference_note_byte_for_byte(self):
        note = sign_note(GO_TEXT, go_private_key(), "PeterNeumann")
        assert note == GO_TEXT + "\n" + GO_PETER_SIG

    def test_the_verifier_key_is_the_go_reference_one(self):
        public = go_private_key().public_key()
        assert verifier_key("PeterNeumann", public) == GO_PETER_KEY
        assert key_id("PeterNeumann", public).hex() == "c74f20a3"
        name, parsed = parse_verifier_key(GO_PETER_KEY)
        assert name == "PeterNeumann"
        assert parsed == public

    def test_the_go_reference_note_opens_and_other_keys_signatures_are_ignored(self):
        peter_name, peter = parse_verifier_key(GO_PETER_KEY)
        enoch_name, enoch = parse_verifier_key(GO_ENOCH_KEY)
        note = GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG
        assert open_note(note, peter, peter_name) == GO_TEXT
        assert open_note(note, enoch, enoch_name) == GO_TEXT
        with pytest.raises(UnverifiedNoteError):
            open_note(GO_TEXT + "\n" + GO_ENOCH_SIG, peter, peter_name)

    def test_a_changed_text_or_signature_fails(self):
        name, peter = parse_verifier_key(GO_PETER_KEY)
        with pytest.raises(InvalidSignatureError):
            open_note(
                GO_TEXT.replace("cryptography", "cryptographY") + "\n" + GO_PETER_SIG, peter, name
            )
        # Go's TestOpen "invalid signature": four more base64 characters inside the signature
        broken = GO_PETER_SIG[:60] + "ABCD" + GO_PETER_SIG[60:]
        with pytest.raises(InvalidSignatureError):
            open_note(GO_TEXT + "\n" + broken, peter, name)

    def test_go_reference_malformed_notes_are_refused(self):
        name, peter = parse_verifier_key(GO_PETER_KEY)
        bad_notes = [  # Go TestOpen's badMsgs that are representable as Python text
            GO_TEXT,
            GO_TEXT + "\n",
            GO_TEXT + "\n" + GO_PETER_SIG[:-1],
            "\x01" + GO_TEXT + "\n" + GO_PETER_SIG,
            GO_TEXT
            + "\n"
            + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
            + "gotpRZb6KE6RyyBwJnAM=",
            GO_TEXT + "\n" + GO_PETER_SIG + "Unexpected line.\n",
        ]
        for note in bad_notes:
            with pytest.raises(MalformedNoteError):
                open_note(note, peter, name)

    def test_too_many_signatures_are_refused(self):
        name, peter = parse_verifier_key(GO_PETER_KEY)
        assert open_note(GO_TEXT + "\n" + GO_PETER_SIG * 100, peter, name) == GO_TEXT
        with pytest.raises(MalformedNoteError):
            open_note(GO_TEXT + "\n" + GO_PETER_SIG * 101, peter, name)

    def test_verifier_keys_with_a_wrong_id_or_type_are_refused(self):
        for bad in (
            GO_PETER_KEY.replace("c74f20a3", "c74f20a4"),
            GO_PETER_KEY.replace("PeterNeumann", "PeterNeuman"),
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ):
            with pytest.raises(MalformedNoteError):
                parse_verifier_key(bad)


class TestCheckpointRoundTrip:
    def test_the_note_has_the_c2sp_shape(self, signed: str, log_key: Ed25519PrivateKey):
        lines = signed.split("\n")
        assert lines[:4] == [ORIGIN, "8", base64.b64encode(ROOT_8).decode(), ""]
        assert lines[5] == ""
        assert len(lines) == 6
        dash, name, blob = lines[4].split(" ")
        assert dash == "—"
        assert name == ORIGIN
        raw = base64.b64decode(blob)
        assert raw[:4] == key_id(ORIGIN, log_key.public_key())
        assert len(raw) == 4 + 64

    def test_a_signed_checkpoint_verifies_and_says_what_was_signed(
        self, signed: str, log_key: Ed25519PrivateKey
    ):
        checkpoint = verify_checkpoint(signed, log_key.public_key(), ORIGIN, origin=ORIGIN)
        assert checkpoint == Checkpoint(ORIGIN, 8, ROOT_8)

    def test_an_empty_log_has_a_checkpoint_too(self, log_key: Ed25519PrivateKey):
        text = sign_checkpoint(ORIGIN, 0, EMPTY_ROOT, log_key, ORIGIN)
        assert text.startswith(ORIGIN + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n")
        assert verify_checkpoint(text, log_key.public_key(), ORIGIN) == Checkpoint(
            ORIGIN, 0, EMPTY_ROOT
        )

    def test_an_inclusion_proof_checks_against_a_verified_checkpoint(
        self, log_key: Ed25519PrivateKey
    ):
        tree = MerkleTree()
        for number in range(1_000):
            tree.append(b"event %d" % number)
        head = sign_checkpoint(ORIGIN, tree.size, tree.root(), log_key, ORIGIN)
        checkpoint = verify_checkpoint(head, log_key.public_key(), ORIGIN)
        index = 417
        assert verify_inclusion(
            index,
            checkpoint.size,
            tree.leaf_hash(index),
            tree.inclusion(index, checkpoint.size),
            checkpoint.root_hash,
        )

    def test_signatures_of_other_keys_are_ignored(self, signed: str, log_key: Ed25519PrivateKey):
        witness = Ed25519PrivateKey.generate()
        cosigned = sign_note(signed.split("\n\n")[0] + "\n", witness, "witness.example/w1")
        witness_line = cosigned.split("\n\n")[1]
        both = signed + witness_line
        assert verify_checkpoint(both, log_key.public_key(), ORIGIN).size == 8
        assert verify_checkpoint(both, witness.public_key(), "witness.example/w1").size == 8

    def test_extension_lines_are_signed_and_returned(self, log_key: Ed25519PrivateKey):
        body = Checkpoint(ORIGIN, 8, ROOT_8, ("ext one", "ext two")).text()
        checkpoint = verify_checkpoint(resign(body, log_key), log_key.public_key(), ORIGIN)
        assert checkpoint.extensions == ("ext one", "ext two")
        assert parse_checkpoint(body) == checkpoint


class TestTamperedCheckpoint:
    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("\n8\n", "\n9\n"),
            ("\n8\n", "\n80\n"),
            (base64.b64encode(ROOT_8).decode(), base64.b64encode(EMPTY_ROOT).decode()),
            (ORIGIN + "\n", "easypay.example/other\n"),
        ],
    )
    def test_a_changed_size_root_or_origin_fails(
        self, signed: str, log_key: Ed25519PrivateKey, old: str, new: str
    ):
        tampered = signed.replace(old, new, 1)
        assert tampered != signed
        with pytest.raises(InvalidSignatureError):
            verify_checkpoint(tampered, log_key.public_key(), ORIGIN)

    def test_a_flipped_signature_byte_fails(self, signed: str, log_key: Ed25519PrivateKey):
        head, line = signed.rsplit("\n\n", 1)
        prefix, blob = line.rstrip("\n").rsplit(" ", 1)
        raw = bytearray(base64.b64decode(blob))
        raw[20] ^= 0x01
        tampered = f"{head}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
        with pytest.raises(InvalidSignatureError):
            verify_checkpoint(tampered, log_key.public_key(), ORIGIN)

    def test_another_key_is_not_our_key(self, signed: str):
        stranger = Ed25519PrivateKey.generate()
        with pytest.raises(UnverifiedNoteError):
            verify_checkpoint(signed, stranger.public_key(), ORIGIN)

    def test_a_forger_copying_our_key_id_fails_the_signature(self, log_key: Ed25519PrivateKey):
        forger = Ed25519PrivateKey.generate()
        body = Checkpoint(ORIGIN, 9, ROOT_8).text()
        signature = forger.sign(body.encode())
        our_id = key_id(ORIGIN, log_key.public_key())
        forged = f"{body}\n— {ORIGIN} {base64.b64encode(our_id + signature).decode()}\n"
        with pytest.raises(InvalidSignatureError):
            verify_checkpoint(forged, log_key.public_key(), ORIGIN)

    def test_a_bad_signature_of_our_key_fails_even_beside_a_good_one(
        self, signed: str, log_key: Ed25519PrivateKey
    ):
        other = sign_checkpoint(ORIGIN, 9, ROOT_8, log_key, ORIGIN)
        wrong_line = other.split("\n\n")[1]  # our key, but over size 9
        with pytest.raises(InvalidSignatureError):
            verify_checkpoint(signed + wrong_line, log_key.public_key(), ORIGIN)

    def test_the_wrong_key_name_finds_no_signature(self, signed: str, log_key: Ed25519PrivateKey):
        with pytest.raises(UnverifiedNoteError):
            verify_checkpoint(signed, log_key.public_key(), "easypay.example/other")

    def test_another_logs_checkpoint_is_refused_by_origin(self, log_key: Ed25519PrivateKey):
        other = sign_checkpoint("easypay.example/other", 8, ROOT_8, log_key, ORIGIN)
        assert verify_checkpoint(other, log_key.public_key(), ORIGIN).origin != ORIGIN
        with pytest.raises(WrongOriginError):
            verify_checkpoint(other, log_key.public_key(), ORIGIN, origin=ORIGIN)


class TestMalformedCheckpoint:
    def test_errors_are_value_errors(self):
        for error in (
            MalformedNoteError,
            InvalidSignatureError,
            UnverifiedNoteError,
            WrongOriginError,
        ):
            assert issubclass(error, NoteError)
        assert issubclass(NoteError, ValueError)

    @pytest.mark.parametrize(
        "case",
        [
            "missing blank line",
            "no signature",
            "no signature lines at all",
            "unterminated signature line",
            "signature without em dash",
            "signature blob not base64",
            "signature blob without padding",
            "signature blob too short",
            "signature blob spelled non-canonically",
            "key name with a plus",
            "carriage return",
            "empty note",
        ],
    )
    def test_malformed_notes_are_refused(self, signed: str, log_key: Ed25519PrivateKey, case: str):
        body, signature_block = signed.split("\n\n")
        blob = signature_block.rstrip("\n").rsplit(" ", 1)[1]
        assert blob.endswith("=")  # a 68-byte blob is padded
        notes = {
            "missing blank line": body + "\n" + signature_block,
            "no signature": body + "\n\n",
            "no signature lines at all": body + "\n",
            "unterminated signature line": body + "\n\n" + signature_block.rstrip("\n"),
            "signature without em dash": body + "\n\n" + signature_block.replace("—", "-"),
            "signature blob not base64": body + "\n\n" + signature_block.replace(blob, "!!!!"),
            "signature blob without padding": (
                body + "\n\n" + signature_block.replace(blob, blob.rstrip("="))
            ),
            "signature blob too short": (
                body + "\n\n" + signature_block.replace(blob, base64.b64encode(b"abcd").decode())
            ),
            "signature blob spelled non-canonically": (
                body + "\n\n" + signature_block.replace(blob, non_canonical(blob))
            ),
            "key name with a plus": body + "\n\n" + signature_block.replace(ORIGIN, "a+b"),
            "carriage return": signed.replace("\n8\n", "\n8\r\n"),
            "empty note": "",
        }
        assert notes[case] != signed
        with pytest.raises(MalformedNoteError):
            verify_checkpoint(notes[case], log_key.public_key(), ORIGIN)

    @pytest.mark.parametrize(
        "body",
        [
            f"{ORIGIN}\n8\n",  # no root line
            f"{ORIGIN}\n",
            f"{ORIGIN}\n08\n{base64.b64encode(ROOT_8).decode()}\n",  # leading zero
            f"{ORIGIN}\n-8\n{base64.b64encode(ROOT_8).decode()}\n",
            f"{ORIGIN}\n+8\n{base64.b64encode(ROOT_8).decode()}\n",
            f"{ORIGIN}\n８\n{base64.b64encode(ROOT_8).decode()}\n",  # a full-width digit
            f"{ORIGIN}\n 8\n{base64.b64encode(ROOT_8).decode()}\n",
            f"{ORIGIN}\n{2**64}\n{base64.b64encode(ROOT_8).decode()}\n",
            f"{ORIGIN}\n{'9' * 5000}\n{base64.b64encode(ROOT_8).decode()}\n",  # past int()'s limit
            f"{ORIGIN}\neight\n{base64.b64encode(ROOT_8).decode()}\n",
            f"{ORIGIN}\n8\n{base64.b64encode(ROOT_8[:31]).decode()}\n",  # 31-byte root
            f"{ORIGIN}\n8\n{ROOT_8.hex()}\n",  # hex, not base64
            f"{ORIGIN}\n8\n{base64.b64encode(ROOT_8).decode().rstrip('=')}\n",
            f"{ORIGIN}\n8\n{URLSAFE_ROOT}\n",  # base64url, not standard base64
            f"{ORIGIN}\n8\n{NON_CANONICAL_ROOT}\n",  # a malleable spelling of the root
            f"\n8\n{base64.b64encode(ROOT_8).decode()}\n",  # empty origin
        ],
    )
    def test_malformed_checkpoint_bodies_are_refused_even_when_signed(
        self, log_key: Ed25519PrivateKey, body: str
    ):
        with pytest.raises(MalformedNoteError):
            verify_checkpoint(resign(body, log_key), log_key.public_key(), ORIGIN)

    def test_a_checkpoint_that_cannot_be_written_is_not_signed(self, log_key: Ed25519PrivateKey):
        for origin, size, root, name in (
            (ORIGIN, -1, ROOT_8, ORIGIN),
            (ORIGIN, True, ROOT_8, ORIGIN),
            (ORIGIN, 2**64, ROOT_8, ORIGIN),
            (ORIGIN, 8, ROOT_8[:31], ORIGIN),
            (ORIGIN, 8, ROOT_8.hex(), ORIGIN),
            ("", 8, ROOT_8, ORIGIN),
            ("two\nlines", 8, ROOT_8, ORIGIN),
            ("tab\there", 8, ROOT_8, ORIGIN),
            (ORIGIN, 8, ROOT_8, ""),
            (ORIGIN, 8, ROOT_8, "has space"),
            (ORIGIN, 8, ROOT_8, "has+plus"),
        ):
            with pytest.raises(MalformedNoteError):
                sign_checkpoint(origin, size, root, log_key, name)  # type: ignore[arg-type]
        with pytest.raises(MalformedNoteError):
            sign_note("no final newline", log_key, ORIGIN)
