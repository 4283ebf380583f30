"""Signed checkpoints (signed tree heads) as C2SP signed notes with an Ed25519 key.

Formats, from c2sp.org/tlog-checkpoint and c2sp.org/signed-note (the format of Go's
golang.org/x/mod/sumdb/note, so Go's note.Open and the transparency-dev witnesses read ours):

    <origin>\\n                       the log's identity, e.g. "easypay.example/certificates"
    <tree size>\\n                    ASCII decimal, no leading zeros
    <base64 root hash>\\n             standard base64 of the 32-byte RFC 9162 root
    [<extension line>\\n ...]         optional, non-empty; this log writes none
    \\n                               the blank line ending the signed text
    — <key name> <base64(key ID || Ed25519 signature)>\\n     one or more signature lines

The signature is Ed25519 over the note text (the lines above the blank line, including the
last newline). key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], 0x01 being
the signed-note type byte of Ed25519. Signatures from other keys (a witness's cosignature, a
rotated key) are ignored, as the spec requires; a signature from our key that fails rejects the
whole note.

Publish `verifier_key(...)` ("<name>+<key ID hex>+<base64(0x01 || public key)>", the Go vkey
format) so outsiders can check checkpoints with their own tools.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from easypay.certificate.tlog.merkle import HASH_SIZE

ED25519_TYPE = b"\x01"  # signed-note signature type byte of Ed25519
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16; Go's note.Open allows 100
_SIGNATURE_PREFIX = "— "  # em dash (U+2014), space
_KEY_ID_SIZE = 4
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_MAX_TREE_SIZE = 2**64 - 1


class NoteError(ValueError):
    """A signed note or checkpoint that cannot be trusted."""


class MalformedNoteError(NoteError):
    """The text is not a well-formed signed note or checkpoint."""


class InvalidSignatureError(NoteError):
    """A signature line from our key is present but does not verify."""


class UnverifiedNoteError(NoteError):
    """No signature line from our key (name and key ID) is present."""


class WrongOriginError(NoteError):
    """A properly signed checkpoint, but of another log than the one asked for."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the log `origin`, its `size` and the RFC 9162 root hash at that size."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text to sign: origin, size and base64 root, one per line, then extensions."""
        _check_line("origin", self.origin)
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise MalformedNoteError("the tree size must be an integer")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise MalformedNoteError(f"the tree size must be within 0..2**64-1, not {self.size}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise MalformedNoteError(f"the root hash must be {HASH_SIZE} bytes")
        for line in self.extensions:
            _check_line("extension line", line)
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _strict_b64decode(text: str) -> bytes:
    """Standard base64 with padding, and only its canonical spelling (so nothing is malleable)."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedNoteError("bad base64") from exc
    if _b64(data) != text:
        raise MalformedNoteError("non-canonical base64")
    return data


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def _check_line(what: str, line: str) -> None:
    if not isinstance(line, str) or not line:
        raise MalformedNoteError(f"the {what} must be a non-empty string")
    if "\n" in line or _has_control(line):
        raise MalformedNoteError(f"the {what} must be one line without control characters")


def _check_key_name(key_name: str) -> None:
    if not isinstance(key_name, str) or not key_name:
        raise MalformedNoteError("a key name must be a non-empty string")
    if "+" in key_name or any(ch.isspace() for ch in key_name) or _has_control(key_name):
        raise MalformedNoteError("a key name must not contain spaces, '+' or control characters")


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """SHA-256(key name || 0x0A || 0x01 || public key)[:4], as signed-note recommends."""
    _check_key_name(key_name)
    material = key_name.encode() + b"\n" + ED25519_TYPE + _raw_public_key(public_key)
    return hashlib.sha256(material).digest()[:_KEY_ID_SIZE]


def verifier_key(key_name: str, public_key: Ed25519PublicKey) -> str:
    """The public verifier key in the Go sumdb/note format: name+hex key ID+base64(0x01||key)."""
    identifier = key_id(key_name, public_key).hex()
    return f"{key_name}+{identifier}+{_b64(ED25519_TYPE + _raw_public_key(public_key))}"


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """Read a `verifier_key` string back; checks its key ID, so a typo is caught."""
    parts = vkey.split("+", 2)  # the base64 part may itself contain '+'
    if len(parts) != 3:
        raise MalformedNoteError("a verifier key is name+keyid+base64")
    name, identifier, material = parts
    _check_key_name(name)
    raw = _strict_b64decode(material)
    if len(raw) != 33 or raw[:1] != ED25519_TYPE:
        raise MalformedNoteError("the verifier key is not an Ed25519 key")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if identifier != key_id(name, public_key).hex():
        raise MalformedNoteError("the verifier key's key ID does not match its name and key")
    return name, public_key


def _encode_text(text: str) -> bytes:
    if not text.endswith("\n") or _has_control(text):
        raise MalformedNoteError("note text must end in a newline and hold no control characters")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedNoteError("note text is not valid Unicode") from exc


def sign_note(text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """The signed note: `text`, a blank line and one Ed25519 signature line."""
    message = _encode_text(text)
    signature = private_key.sign(message)
    identifier = key_id(key_name, private_key.public_key())
    return f"{text}\n{_SIGNATURE_PREFIX}{key_name} {_b64(identifier + signature)}\n"


def open_note(note: str, public_key: Ed25519PublicKey, key_name: str) -> str:
    """Verify `note` against our key and return its signed text.

    Raises MalformedNoteError for bad syntax, InvalidSignatureError when a signature line of
    our key fails, UnverifiedNoteError when no line is from our key.
    """
    if not isinstance(note, str) or _has_control(note):
        raise MalformedNoteError("a note is text without control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    message = _encode_text(text)
    if not block.endswith("\n"):
        raise MalformedNoteError("no signature lines, or the last one does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures")
    expected_id = key_id(key_name, public_key)
    verified = False
    for line in lines:
        if not line.startswith(_SIGNATURE_PREFIX):
            raise MalformedNoteError("a signature line must start with an em dash and a space")
        name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        _check_key_name(name)
        blob = _strict_b64decode(encoded)
        if len(blob) <= _KEY_ID_SIZE:
            raise MalformedNoteError("a signature must hold a key ID and a signature")
        if name != key_name or blob[:_KEY_ID_SIZE] != expected_id:
            continue  # another key's signature (a witness, a rotated key): not ours to judge
        try:
            public_key.verify(blob[_KEY_ID_SIZE:], message)
        except InvalidSignature as exc:
            raise InvalidSignatureError(f"the signature of {key_name} does not verify") from exc
        verified = True
    if not verified:
        raise UnverifiedNoteError(f"the note carries no signature of {key_name}")
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Read checkpoint note text (unsigned: only use it after `open_note` returned it)."""
    if not text.endswith("\n"):
        raise MalformedNoteError("checkpoint text must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise MalformedNoteError("a checkpoint is origin, size and root hash on non-empty lines")
    origin, size_line, root_line, *extensions = lines
    # the length check first: int() of a huge digit string is slow, then refused by Python
    if len(size_line) > 20 or not _DECIMAL.fullmatch(size_line) or int(size_line) > _MAX_TREE_SIZE:
        raise MalformedNoteError("the tree size must be decimal without leading zeros")
    root = _strict_b64decode(root_line)
    if len(root) != HASH_SIZE:
        raise MalformedNoteError(f"the root hash must be {HASH_SIZE} bytes")
    return Checkpoint(origin, int(size_line), root, tuple(extensions))


def sign_checkpoint(
    origin: str, size: int, root: bytes, private_key: Ed25519PrivateKey, key_name: str
) -> str:
    """The signed checkpoint note for the tree (size, root) of the log `origin`.

    The C2SP spec asks that the key name match the origin; pass the same string for both.
    """
    return sign_note(Checkpoint(origin, size, root).text(), private_key, key_name)


def verify_checkpoint(
    text: str, public_key: Ed25519PublicKey, key_name: str, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint with our key and return what it says.

    With `origin`, a checkpoint of another log (same key, other origin) is refused too.
    """
    checkpoint = parse_checkpoint(open_note(text, public_key, key_name))
    if origin is not None and checkpoint.origin != origin:
        raise WrongOriginError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
