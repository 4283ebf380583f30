"""Phone numbers: validated and stored as E.164; Korean local forms accepted."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def normalize_phone(raw: str, default_region: str = "KR") -> str:
    """`010-1234-5678` → `+821012345678`; raises InvalidPhoneNumber for anything not dialable."""
    if not raw or len(raw) > 32:
        raise InvalidPhoneNumber("enter a phone number")
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber("not a phone number") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """`+821012345678` → `010-1234-5678` for Korean numbers, international form otherwise."""
    parsed = phonenumbers.parse(e164, None)
    if parsed.country_code == 82:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
