"""Strings of the pay_code pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "pay_code.title": ("결제 코드", "Payment code"),
    "pay_code.pin_prompt": (
        "매장에서 보여 줄 결제 코드를 만들어요. 결제 비밀번호를 입력해 주세요.",
        "Enter your payment PIN to show a code to pay in store.",
    ),
    "pay_code.show": ("결제 코드 보기", "Show payment code"),
    "pay_code.method_money": ("페이머니로 결제", "Pay with Pay Money"),
    "pay_code.method_card": ("{card}(으)로 결제", "Pay with {card}"),
    "pay_code.method": ("결제 수단", "Pay with"),
    "pay_code.available": ("사용 가능 {amount}", "Available {amount}"),
    "pay_code.auto_charge_note": (
        "잔액이 부족하면 연결된 계좌에서 10,000원 단위로 자동 충전돼요.",
        "If your balance is short, it is topped up from your linked account in 10,000 KRW steps.",
    ),
    "pay_code.barcode_label": ("결제 바코드", "Payment barcode"),
    "pay_code.qr_label": ("결제 QR 코드", "Payment QR code"),
    "pay_code.digits_label": ("바코드 번호", "Code number"),
    "pay_code.time_left": ("남은 시간", "Time left"),
    "pay_code.expired": (
        "코드가 만료됐어요. 새로 고침을 눌러 주세요.",
        "This code has expired. Press refresh for a new one.",
    ),
    "pay_code.refresh": ("새로 고침", "Refresh"),
    "pay_code.note": (
        "코드는 3분 동안 한 번만 쓸 수 있고 개인정보를 담고 있지 않아요. 계산할 때만 보여 주세요.",
        "A code works once, for 3 minutes, and holds no personal data. Show it only at the till.",
    ),
    "pay_code.pin_again": (
        "새 코드를 보려면 결제 비밀번호를 다시 입력해 주세요.",
        "Enter your payment PIN again to show a new code.",
    ),
}
