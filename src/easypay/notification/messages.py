"""How each kind of inbox message reads, in Korean and English.

A message is stored as its kind and facts (`data`); it is worded when read, in the reader's
language. Facts a template names but the message lacks read as "?" rather than failing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# kind → language → (title, body). Amounts arrive as integers and are shown with separators.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "transfer.incoming": {
        "ko": ("{sender}님이 {amount}원을 보냈어요", "받기를 누르면 내 페이머니가 돼요. {message}"),
        "en": (
            "{sender} sent you {amount} KRW",
            "Press receive to add it to your Pay Money. {message}",
        ),
    },
    "transfer.received": {
        "ko": ("{recipient}님이 {amount}원을 받았어요", ""),
        "en": ("{recipient} received your {amount} KRW", ""),
    },
    "transfer.declined": {
        "ko": ("{recipient}님이 {amount}원을 거절했어요", "돈은 내 페이머니로 돌아왔어요."),
        "en": ("{recipient} declined your {amount} KRW", "The money is back in your Pay Money."),
    },
    "transfer.canceled": {
        "ko": ("{sender}님이 {amount}원 송금을 취소했어요", ""),
        "en": ("{sender} canceled sending you {amount} KRW", ""),
    },
    "transfer.returned": {
        "ko": ("{amount}원이 돌아왔어요", "{recipient}님이 기한 안에 받지 않았어요."),
        "en": ("{amount} KRW came back", "{recipient} did not receive it in time."),
    },
    "transfer.expired": {
        "ko": ("{sender}님이 보낸 {amount}원의 받기 기한이 지났어요", "돈은 보낸 분께 돌아갔어요."),
        "en": ("The {amount} KRW from {sender} expired", "The money went back to the sender."),
    },
    "transfer.reminder": {
        "ko": (
            "{sender}님이 보낸 {amount}원을 받아 주세요",
            "{expires_at}까지 받지 않으면 돌아가요.",
        ),
        "en": (
            "Receive the {amount} KRW from {sender}",
            "It goes back if not received by {expires_at}.",
        ),
    },
    "transfer.bank_completed": {
        "ko": ("{holder}님 계좌로 {amount}원을 보냈어요", "{bank}"),
        "en": ("Sent {amount} KRW to {holder}'s account", "{bank}"),
    },
    "transfer.bank_failed": {
        "ko": (
            "{holder}님 계좌로 보낸 {amount}원이 실패했어요",
            "돈은 내 페이머니로 돌아왔어요. {reason}",
        ),
        "en": (
            "Sending {amount} KRW to {holder} failed",
            "The money is back in your Pay Money. {reason}",
        ),
    },
    "request.asked": {
        "ko": ("{requester}님이 {amount}원을 요청했어요", "{title}"),
        "en": ("{requester} asks you for {amount} KRW", "{title}"),
    },
    "request.paid": {
        "ko": ("{payer}님이 {amount}원을 보냈어요", "{title}"),
        "en": ("{payer} paid {amount} KRW", "{title}"),
    },
    "request.declined": {
        "ko": ("{payer}님이 {amount}원 요청을 거절했어요", "{title}"),
        "en": ("{payer} declined your request for {amount} KRW", "{title}"),
    },
    "request.reminder": {
        "ko": ("{requester}님의 정산 {amount}원이 남았어요", "{title}"),
        "en": ("{requester} is still waiting for {amount} KRW", "{title}"),
    },
    "request.closed": {
        "ko": ("{requester}님이 요청을 마감했어요", "{title}"),
        "en": ("{requester} closed the request", "{title}"),
    },
    # Payments, online and in store alike: data merchant, item_name, amount, tid, channel.
    "payment.paid": {
        "ko": ("{merchant}에서 {amount}원을 결제했어요", "{item_name} · 거래번호 {tid}"),
        "en": ("You paid {merchant} {amount} KRW", "{item_name} · Transaction {tid}"),
    },
    "payment.canceled": {
        "ko": (
            "{merchant} 결제 {amount}원이 취소됐어요",
            "{item_name} · 거래번호 {tid} · 결제한 수단으로 돌려드려요.",
        ),
        "en": (
            "{merchant} canceled {amount} KRW of your payment",
            "{item_name} · Transaction {tid} · It goes back to how you paid.",
        ),
    },
    "certificate.sign_request": {
        "ko": (
            "{institution}에서 서명을 요청했어요",
            "{title} · 인증서 PIN으로 승인하거나 거절하세요.",
        ),
        "en": (
            "{institution} asks for your signature",
            "{title} · approve with your certificate PIN, or reject.",
        ),
    },
}


def render(kind: str, data: dict[str, Any], lang: str) -> tuple[str, str]:
    """(title, body) of a message in `lang` (Korean when the language is unknown)."""
    templates = MESSAGES.get(kind)
    if templates is None:
        return kind, ""
    title, body = templates.get(lang) or templates["ko"]
    facts: defaultdict[str, str] = defaultdict(lambda: "?")
    for name, value in data.items():
        facts[name] = (
            f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        )
    return title.format_map(facts), body.format_map(facts).strip()
