"""Password and PIN rules, and the PIN digest.

The PIN is stored as HMAC-SHA256(server secret, user id, PIN). A leaked database alone does not
let anyone search the million possible PINs: every guess needs the server secret, which lives in
a file (or environment variable) outside the database and its backups. Online guessing is stopped
by the lock after five wrong PINs. One HMAC costs microseconds, so the PIN check adds nothing
measurable to a payment; a memory-hard hash (argon2id, used for passwords) would cost ~50 ms of
CPU per payment and protect nothing more once the key is outside the database.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from easypay.identity.errors import WeakPassword, WeakPin
from easypay.kit.crypto import keyed_hash

COMMON_PASSWORDS = {"password", "password1", "qwerty123", "12345678", "123456789", "iloveyou1"}


def check_password_strength(password: str, phone_digits: str) -> None:
    classes = sum(
        [
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if (
        len(password) < 8
        or len(password) > 200
        or classes < 2
        or password.lower() in COMMON_PASSWORDS
        or (phone_digits and phone_digits[-8:] in password)
    ):
        raise WeakPassword()


def check_pin_strength(pin: str, birth_date: date) -> None:
    if len(pin) != 6 or not pin.isascii() or not pin.isdigit():
        raise WeakPin("The payment PIN must be exactly 6 digits.")
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    if steps in ({0}, {1}, {-1}) or pin in (
        birth_date.strftime("%y%m%d"),
        birth_date.strftime("%m%d%y"),
    ):
        raise WeakPin()


def pin_digest(secret: bytes, user_id: int, pin: str) -> str:
    return keyed_hash(secret, "payment-pin", str(user_id), pin)
