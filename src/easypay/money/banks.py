"""Banks EasyPay can link (the sandbox bank answers for all of them)."""

BANK_NAMES = {
    "004": "KB국민은행",
    "011": "NH농협은행",
    "020": "우리은행",
    "081": "하나은행",
    "088": "신한은행",
    "090": "카카오뱅크",
    "092": "토스뱅크",
}


def mask_account(account_number: str) -> str:
    """`110123456789` → `110-***-**6789`: enough to recognise, not enough to use."""
    digits = account_number
    if len(digits) <= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return f"{digits[:3]}-***-**{digits[-4:]}"
