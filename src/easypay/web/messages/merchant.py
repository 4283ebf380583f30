"""Strings of the merchant dashboard, sign-up and the operator's merchant pages."""

MESSAGES: dict[str, tuple[str, str]] = {
    "merchant.dashboard": ("가맹점 관리", "Merchant dashboard"),
    "merchant.tab.payments": ("결제", "Payments"),
    "merchant.tab.settlements": ("정산", "Settlements"),
    "merchant.tab.webhooks": ("웹훅", "Webhooks"),
    "merchant.tab.keys": ("키·설정", "Keys & settings"),
}
