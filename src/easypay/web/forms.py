"""Reading HTML form posts: every value is a bounded string; numbers and dates are parsed here
so that a bad value is a friendly message on the form, not a 422."""

from __future__ import annotations

import re
from datetime import date

from fastapi import Request

from easypay.errors import InvalidInput

MAX_FIELD_LENGTH = 500
MAX_AMOUNT_DIGITS = 15  # within the ledger's 10**15 and far within 64 bits
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The start of the refusal's sentence (i18n translates InvalidInput sentences by their start).
FIELD_GIVEN_TWICE = "The form gives a field more than once"


async def read_form(request: Request) -> dict[str, str]:
    """Each text field, trimmed and cut to a sane length. A control character (NUL, escapes;
    tab and line breaks are fine) is refused before the page acts: no browser sends one from a
    form, and PostgreSQL cannot store NUL. So is a field given twice (our forms name each field
    once; checkboxes have names of their own): which value counts would be a guess."""
    form = await request.form()
    values: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in form.multi_items():
        if key in seen:
            raise InvalidInput(f"{FIELD_GIVEN_TWICE}: {key[:50]!r}.")
        seen.add(key)
        if not isinstance(value, str):
            continue
        if CONTROL_CHARACTERS.search(value) or CONTROL_CHARACTERS.search(key):
            raise InvalidInput("The form contains control characters.")
        values[key] = value.strip()[:MAX_FIELD_LENGTH]
    return values


def parse_amount(raw: str) -> int | None:
    """`10,000`, `10000` or `10,000원` → 10000; anything else → None."""
    digits = raw.replace(",", "").replace(" ", "").removesuffix("원")
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_AMOUNT_DIGITS:
        return None
    return int(digits)


def parse_id(raw: str | None) -> int | None:
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if value >= 1 else None


def parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def valid_nonce(raw: str) -> bool:
    return bool(_NONCE.match(raw))


def parse_payment_method(raw: str) -> tuple[str, int | None]:
    """The Pay Money / card radio of the checkout and the pay code: "" or "MONEY" → Pay Money,
    "card:<id>" → that card; anything else names no card (the service refuses it)."""
    if raw in ("", "MONEY"):
        return "MONEY", None
    return "CARD", parse_id(raw.removeprefix("card:")) if raw.startswith("card:") else None
