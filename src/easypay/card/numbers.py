"""Card numbers: the Luhn check, normalising what people type, masking what pages show."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9))
_SEPARATORS = re.compile(r"[\s-]")


def normalize_number(raw: str) -> str:
    """`9490-1200 0000-0012` → `9490120000000012` (digits are not checked here)."""
    return _SEPARATORS.sub("", raw)


def luhn_valid(number: str) -> bool:
    """12 to 19 ASCII digits whose Luhn (mod 10) check digit is right."""
    if not (12 <= len(number) <= 19 and number.isascii() and number.isdigit()):
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def expiry_valid(expiry: str) -> bool:
    """MMYY with a real month."""
    return len(expiry) == 4 and expiry.isascii() and expiry.isdigit() and 1 <= int(expiry[:2]) <= 12


def expired(expiry: str, now: datetime) -> bool:
    """A card is good through the last day of its expiry month (KST)."""
    month, year = int(expiry[:2]), 2000 + int(expiry[2:])
    today = now.astimezone(KST)
    return (today.year, today.month) > (year, month)


def mask(bin_digits: str, last4: str) -> str:
    """`9490-12**-****-0012`: the BIN and the last 4, as receipts print them."""
    return f"{bin_digits[:4]}-{bin_digits[4:6]}**-****-{last4}"
