"""Strings of the settlement pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # The ledger codes settlement writes (code_label names them on the operator's pages).
    "code.settlement": ("정산 지급", "Settlement payout"),
    "code.settlement_fee": ("결제 수수료", "Payment fee"),
    "settlement.title": ("정산 내역", "Settlements"),
    "settlement.statements": ("정산서", "Statements"),
    "settlement.statement_title": ("{date} 정산서", "Statement of {date}"),
    "settlement.back": ("← 정산 내역", "← Settlements"),
    "settlement.none": ("아직 정산서가 없습니다.", "No statements yet."),
    "settlement.not_found": ("정산서를 찾을 수 없습니다.", "No such statement."),
    "settlement.unsettled": ("정산 예정", "Not settled yet"),
    "settlement.schedule_note": (
        "결제일 다음 날(D+1) 새벽에 취소와 수수료({fee_bp}bp)를 뺀 금액을 "
        "정산 계좌로 보내드립니다.",
        "Paid to your settlement account early the next day (D+1), net of cancels and fees "
        "({fee_bp}bp).",
    ),
    "settlement.carried_note": (
        "취소가 결제보다 많아 다음 정산에서 차감됩니다.",
        "Cancels exceed payments: the difference is taken from the next statement.",
    ),
    "settlement.no_account_banner": (
        "정산 계좌가 등록되지 않아 정산금을 보내드릴 수 없습니다. "
        "키·설정에서 계좌를 등록해 주세요.",
        "No settlement account is set, so nothing can be paid out. Set one under Keys & settings.",
    ),
    "settlement.gross": ("결제", "Payments"),
    "settlement.cancels": ("취소", "Cancels"),
    "settlement.fees": ("수수료", "Fees"),
    "settlement.net": ("정산금", "Net"),
    "settlement.lines": ("거래 내역", "Line items"),
    "settlement.no_lines": ("거래 내역이 없습니다.", "No line items."),
    "settlement.payout": ("지급", "Payout"),
    "settlement.account": ("정산 계좌", "Account"),
    "settlement.bank_tran_id": ("거래고유번호", "Bank transaction id"),
    "settlement.attempts": ("지급 시도", "Attempts"),
    "settlement.bank_answer": ("은행 응답", "Bank's answer"),
    "settlement.paid_at": ("지급 일시", "Paid at"),
    "settlement.created_at": ("작성 일시", "Written at"),
    "settlement.row_summary": (
        "결제 {gross} · 취소 {cancels} · 수수료 {fees} · {count}건",
        "Payments {gross} · cancels {cancels} · fees {fees} · {count} items",
    ),
    "settlement.line_fee": ("수수료 {fee}", "fee {fee}"),
    "settlement.kind.PAYMENT": ("결제", "Payment"),
    "settlement.kind.CANCEL": ("취소", "Cancel"),
    "settlement.status.open": ("지급 대기", "To be paid"),
    "settlement.status.paying": ("지급 중", "Paying"),
    "settlement.status.paid": ("지급 완료", "Paid"),
    "settlement.status.failed": ("지급 실패", "Failed"),
    "settlement.status.nothing": ("지급액 없음", "Nothing to pay"),
    "settlement.reason.no_account": (
        "정산 계좌가 없어 지급을 기다리고 있습니다. 계좌를 등록하면 다음 정산 때 지급됩니다.",
        "Waiting for a settlement account: it is paid by the first run after one is set.",
    ),
    "settlement.reason.failed": (
        "은행이 지급을 거절했습니다. 다음 정산 때 다시 지급합니다.",
        "The bank refused the payout. It is tried again by the next run.",
    ),
    "settlement.reason.paying": (
        "은행의 응답을 기다리고 있습니다. 확인되는 대로 반영됩니다.",
        "Waiting for the bank's answer; it is checked again shortly.",
    ),
    "settlement.reason.nothing": (
        "취소와 수수료를 빼면 지급할 금액이 없습니다.",
        "After cancels and fees there is nothing to pay.",
    ),
    "settlement.reason.open": ("곧 지급됩니다.", "To be paid shortly."),
}
