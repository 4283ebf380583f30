"""Strings of the cards pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "cards.title": ("내 카드", "My cards"),
    "cards.lead": (
        "결제에 쓸 카드를 등록하세요. 카드번호는 저장하지 않고 카드사가 준 토큰만 보관합니다.",
        "Register cards to pay with. EasyPay keeps only the card issuer's token, never the number.",
    ),
    "cards.empty": ("등록한 카드가 없습니다.", "You have no cards yet."),
    "cards.add": ("카드 등록", "Register a card"),
    "cards.remove": ("삭제", "Remove"),
    "cards.remove_confirm": ("이 카드를 삭제할까요?", "Remove this card?"),
    "cards.type.신용": ("신용", "Credit"),
    "cards.type.체크": ("체크", "Check"),
    "cards.registered_on": ("{day} 등록", "Registered {day}"),
    "cards.register_title": ("카드 등록", "Register a card"),
    "cards.register_lead": (
        "본인 명의의 카드만 등록할 수 있습니다. 카드사가 카드 정보를 확인합니다.",
        "Only cards in your own name. The card issuer checks the details.",
    ),
    "cards.field.number": ("카드번호", "Card number"),
    "cards.field.number_hint": (
        "숫자만 입력하거나 - 로 나눠 입력하세요.",
        "Digits, hyphens allowed.",
    ),
    "cards.field.expiry": ("유효기간 (MMYY)", "Expiry (MMYY)"),
    "cards.field.birth_date": ("생년월일 (YYMMDD)", "Date of birth (YYMMDD)"),
    "cards.field.password": ("카드 비밀번호 앞 2자리", "First 2 digits of the card password"),
    "cards.field.nickname": ("카드 별명 (선택)", "Nickname (optional)"),
    "cards.submit": ("카드 등록하기", "Register the card"),
    "cards.sandbox_hint": (
        "샌드박스 테스트 카드: 9490-1200-0000-0012, 유효기간 1231, 비밀번호 앞 2자리 12.",
        "Sandbox test card: 9490-1200-0000-0012, expiry 1231, password digits 12.",
    ),
    "cards.pin_required": (
        "결제 비밀번호 6자리를 입력해 주세요.",
        "Enter your 6-digit payment PIN.",
    ),
    "notice.cards.registered": ("카드를 등록했습니다.", "The card is registered."),
    "notice.cards.removed": ("카드를 삭제했습니다.", "The card is removed."),
    # --- errors (by code) -----------------------------------------------------------------
    "cards.error.InvalidCardNumber": ("카드번호를 확인해 주세요.", "Check the card number."),
    "cards.error.InvalidCardDetails": (
        "유효기간(MMYY), 생년월일(YYMMDD), 비밀번호 앞 2자리를 확인해 주세요.",
        "Check the expiry (MMYY), birth date (YYMMDD) and the two password digits.",
    ),
    "cards.error.CardExpired": ("유효기간이 지난 카드입니다.", "This card has expired."),
    "cards.error.CardNotYours": (
        "본인 명의의 카드만 등록할 수 있습니다. 생년월일을 확인해 주세요.",
        "Only cards in your own name: check the birth date.",
    ),
    "cards.error.CardVerificationFailed": (
        "카드 정보가 일치하지 않습니다. 유효기간과 비밀번호를 확인해 주세요.",
        "The card details do not match: check the expiry and the password digits.",
    ),
    "cards.error.CardRestricted": (
        "카드사에서 사용을 제한한 카드입니다 (분실·정지).",
        "The card issuer restricts this card (lost or suspended).",
    ),
    "cards.error.CardRefused": ("카드사가 등록을 거절했습니다.", "The card issuer refused it."),
    "cards.error.CardIssuerUnavailable": (
        "카드사가 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
        "The card issuer is not answering. Try again in a moment.",
    ),
    "cards.error.CardAlreadyRegistered": (
        "이미 등록한 카드입니다.",
        "This card is already in your wallet.",
    ),
    "cards.error.CardRegisteredElsewhere": (
        "다른 계정에 등록된 카드입니다.",
        "This card is registered in another wallet.",
    ),
    "cards.error.TooManyCards": (
        "카드는 20장까지 등록할 수 있습니다. 먼저 하나를 삭제해 주세요.",
        "A wallet holds at most 20 cards: remove one first.",
    ),
    "cards.error.CardNotFound": ("카드를 찾을 수 없습니다.", "No such card."),
}
