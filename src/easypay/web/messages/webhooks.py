"""Strings of the webhooks pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "webhooks.title": ("웹훅", "Webhooks"),
    "webhooks.lead": (
        "결제 승인·취소와 정산 지급을 가맹점 서버로 바로 알려 드려요. 모든 알림은 Standard "
        "Webhooks 방식으로 서명되고, 실패하면 3일 동안 다시 보내요.",
        "We tell your server when a payment is approved or canceled and when a settlement is "
        "paid. Every message is signed (Standard Webhooks) and retried for 3 days if it fails.",
    ),
    "webhooks.endpoint": ("받을 주소", "Endpoint"),
    "webhooks.url": ("웹훅 URL", "Webhook URL"),
    "webhooks.url_hint": (
        "https:// 주소만 쓸 수 있어요 (테스트용으로 localhost는 http:// 가능). 255자 이내.",
        "https:// only (http:// for localhost, for testing). At most 255 characters.",
    ),
    "webhooks.save": ("저장", "Save"),
    "webhooks.on": ("켜짐", "On"),
    "webhooks.off": ("꺼짐", "Off"),
    "webhooks.off_note": (
        "웹훅이 꺼져 있어요. URL을 저장하면 켜지고 서명 비밀키가 만들어져요.",
        "Webhooks are off. Save a URL to turn them on; a signing secret is made.",
    ),
    "webhooks.turn_off": ("웹훅 끄기", "Turn webhooks off"),
    "webhooks.turn_off_confirm": (
        "웹훅을 끌까요? 서명 비밀키도 지워지고, 보내지 못한 알림은 실패로 끝나요.",
        "Turn webhooks off? The signing secret is deleted and unsent events fail.",
    ),
    "webhooks.secret": ("서명 비밀키", "Signing secret"),
    "webhooks.secret_once": (
        "지금 한 번만 보여 드려요. 안전한 곳에 복사해 두세요.",
        "Shown only now. Copy it somewhere safe.",
    ),
    "webhooks.secret_hidden": (
        "비밀키는 만들 때 한 번만 보여 드려요. 잃어버렸다면 새로 만드세요.",
        "The secret is shown once, when it is made. Lost it? Make a new one.",
    ),
    "webhooks.done": ("복사했어요", "I copied it"),
    "webhooks.rotate": ("비밀키 새로 만들기", "Make a new secret"),
    "webhooks.rotate_confirm": (
        "새 비밀키를 만들까요? 지금 쓰는 비밀키는 바로 쓸 수 없게 돼요.",
        "Make a new secret? The current one stops working at once.",
    ),
    "webhooks.events": ("보낸 알림", "Events"),
    "webhooks.no_events": ("아직 보낸 알림이 없어요.", "No events yet."),
    "webhooks.col.attempts": ("시도", "Attempts"),
    "webhooks.state.pending": ("보내는 중", "Pending"),
    "webhooks.state.delivered": ("전달됨", "Delivered"),
    "webhooks.state.failed": ("실패", "Failed"),
    "webhooks.attempt_count": ("{count}회", "{count}"),
    "webhooks.next_attempt": ("다음 시도 {when}", "Next try {when}"),
    "webhooks.show_attempts": ("시도 기록 보기", "Show attempts"),
    "webhooks.no_attempts": ("아직 시도하지 않았어요.", "Not tried yet."),
    "webhooks.attempt.number": ("#", "#"),
    "webhooks.attempt.time": ("시각", "Time"),
    "webhooks.attempt.status": ("응답 코드", "Status"),
    "webhooks.attempt.error": ("오류", "Error"),
    "webhooks.attempt.duration": ("걸린 시간", "Duration"),
    "webhooks.attempt.no_answer": ("응답 없음", "No answer"),
    "webhooks.duration_ms": ("{ms}ms", "{ms} ms"),
    "webhooks.resend": ("다시 보내기", "Resend"),
    "webhooks.payload": ("보낸 내용", "Payload"),
    "webhooks.older": ("이전 알림", "Older"),
    "webhooks.newest": ("최근 알림", "Newest"),
    "webhooks.error.InvalidWebhookUrl": (
        "https:// 로 시작하는 255자 이내의 주소를 넣어 주세요 (http://는 localhost만).",
        "Enter an https:// URL of at most 255 characters (http:// only for localhost).",
    ),
    "webhooks.error.WebhooksOff": (
        "웹훅이 꺼져 있어요. 먼저 URL을 저장해 주세요.",
        "Webhooks are off. Save a URL first.",
    ),
    "webhooks.error.WebhookEventNotFound": ("그런 알림이 없어요.", "No such event."),
    "notice.webhooks_saved": ("웹훅 주소를 저장했어요.", "Webhook URL saved."),
    "notice.webhooks_off": ("웹훅을 껐어요.", "Webhooks turned off."),
    "notice.webhooks_resent": (
        "알림을 다시 보내도록 예약했어요.",
        "The event will be sent again shortly.",
    ),
}
