"""Every string the web app shows, in Korean (the default) and English.

Templates call `t("key")` (bound to the visitor's language); Python code calls `translate`.
Domain errors are shown through `error_text`, which translates the common error codes and falls
back to the service's own English sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from easypay.errors import EasyPayError
from easypay.web.messages import (
    cards,
    certificate_signin,
    certificates,
    institutions,
    merchant,
    pay_code,
    settlement,
    webhooks,
)

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"

# key: (Korean, English). `{name}` placeholders are filled by `translate(..., name=...)`.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- chrome -------------------------------------------------------------------------------
    "app.name": ("이지페이", "EasyPay"),
    "app.tagline": ("간편하게 충전하고, 보내고, 결제하세요", "Charge, send and pay, simply"),
    "nav.home": ("홈", "Home"),
    "nav.history": ("내역", "History"),
    "nav.friends": ("친구", "Friends"),
    "nav.settings": ("설정", "Settings"),
    "nav.admin": ("운영 콘솔", "Operator console"),
    "nav.back": ("뒤로", "Back"),
    "nav.main": ("주 메뉴", "Main menu"),
    "lang.switch": ("English", "한국어"),
    "lang.switch_label": ("언어 바꾸기", "Change language"),
    "lang.ko": ("한국어", "한국어 (Korean)"),
    "lang.en": ("English (영어)", "English"),
    "common.save": ("저장", "Save"),
    "common.cancel": ("취소", "Cancel"),
    "common.more": ("더 보기", "More"),
    "common.search": ("검색", "Search"),
    "common.coming_soon": ("준비 중", "Coming soon"),
    "common.required": ("필수", "required"),
    "common.none": ("없음", "None"),
    "common.previous": ("이전", "Previous"),
    "common.next": ("다음", "Next"),
    "common.optional_skip": ("나중에 하기", "Later"),
    # --- notices after a redirect ------------------------------------------------------------
    "notice.signed_out": ("로그아웃했습니다.", "You are signed out."),
    "notice.pin_set": (
        "결제 비밀번호를 설정했습니다. 이제 충전할 계좌를 연결해 보세요.",
        "Your payment PIN is set. Now link a bank account to charge from.",
    ),
    "notice.pin_changed": ("결제 비밀번호를 변경했습니다.", "Your payment PIN is changed."),
    "notice.pin_reset": (
        "결제 비밀번호를 재설정했습니다. 잠금도 풀렸습니다.",
        "Your payment PIN is reset, and payments are unlocked.",
    ),
    "notice.linked": ("계좌를 연결했습니다.", "The bank account is linked."),
    "notice.unlinked": ("계좌 연결을 해지했습니다.", "The bank account is unlinked."),
    "notice.session_revoked": ("해당 기기를 로그아웃시켰습니다.", "That session is signed out."),
    "notice.friend_added": ("친구를 추가했습니다.", "Friend added."),
    "notice.friend_removed": ("친구를 삭제했습니다.", "Friend removed."),
    "notice.settings_saved": ("설정을 저장했습니다.", "Settings saved."),
    "notice.user_updated": ("회원 상태를 바꿨습니다.", "The user's status is changed."),
    "notice.transfer_sent": ("보냈어요.", "Sent."),
    "notice.transfer_received": (
        "받았어요. 내 페이머니에 들어왔어요.",
        "Received into your Pay Money.",
    ),
    "notice.transfer_declined": (
        "거절했어요. 돈은 보낸 분께 돌아갔어요.",
        "Declined; the money went back.",
    ),
    "notice.transfer_canceled": (
        "송금을 취소했어요. 돈이 돌아왔어요.",
        "Canceled; the money is back.",
    ),
    "notice.request_sent": ("요청을 보냈어요.", "Request sent."),
    "notice.request_paid": ("정산 금액을 보냈어요.", "Your share is paid."),
    "notice.request_declined": ("요청을 거절했어요.", "You declined the request."),
    "notice.request_closed": ("요청을 마감했어요.", "The request is closed."),
    "notice.inbox_read": ("모두 읽음으로 표시했어요.", "All marked read."),
    # --- sign up / sign in -------------------------------------------------------------------
    "signin.title": ("로그인", "Sign in"),
    "signin.lead": (
        "휴대폰 번호와 비밀번호로 로그인하세요.",
        "Sign in with your phone number and password.",
    ),
    "signin.submit": ("로그인", "Sign in"),
    "signin.no_account": ("아직 회원이 아니신가요?", "New to EasyPay?"),
    "signin.to_signup": ("회원가입", "Create an account"),
    "signup.title": ("회원가입", "Create your account"),
    "signup.lead": (
        "은행 계좌와 같은 실명으로 가입해 주세요.",
        "Use your real name, as on your bank account.",
    ),
    "signup.submit": ("가입하기", "Sign up"),
    "signup.have_account": ("이미 회원이신가요?", "Already have an account?"),
    "signup.password_hint": (
        "8자 이상, 영문과 숫자(또는 기호)를 섞어 주세요.",
        "At least 8 characters, mixing letters and digits (or symbols).",
    ),
    "signup.password_confirm": ("비밀번호 확인", "Confirm password"),
    "signup.password_mismatch": ("비밀번호가 서로 다릅니다.", "The passwords do not match."),
    "steps.signup": ("1/3 · 회원 정보", "1/3 · Your details"),
    "steps.pin": ("2/3 · 결제 비밀번호", "2/3 · Payment PIN"),
    "steps.link": ("3/3 · 계좌 연결", "3/3 · Link a bank account"),
    "signout.submit": ("로그아웃", "Sign out"),
    "field.phone": ("휴대폰 번호", "Phone number"),
    "field.phone_placeholder": ("010-1234-5678", "010-1234-5678"),
    "field.name": ("이름 (실명)", "Name (real name)"),
    "field.birth_date": ("생년월일", "Date of birth"),
    "field.password": ("비밀번호", "Password"),
    "field.pin": ("결제 비밀번호 (6자리)", "Payment PIN (6 digits)"),
    "field.bad_date": ("생년월일을 올바르게 입력해 주세요.", "Enter a valid date of birth."),
    "field.missing": ("빠진 항목이 있습니다: {field}", "Please fill in: {field}"),
    # --- PIN ---------------------------------------------------------------------------------
    "pin.set.title": ("결제 비밀번호 설정", "Set your payment PIN"),
    "pin.set.lead": (
        "충전, 출금, 결제할 때 입력하는 6자리 숫자입니다. "
        "생일이나 같은 숫자 반복, 연속된 숫자는 쓸 수 없어요.",
        "Six digits you enter to charge, withdraw and pay. No birth dates, repeats or sequences.",
    ),
    "pin.set.submit": ("설정하기", "Set PIN"),
    "pin.new": ("새 결제 비밀번호", "New payment PIN"),
    "pin.confirm": ("결제 비밀번호 확인", "Confirm payment PIN"),
    "pin.old": ("현재 결제 비밀번호", "Current payment PIN"),
    "pin.mismatch": ("결제 비밀번호가 서로 다릅니다.", "The two PINs do not match."),
    "pin.change.title": ("결제 비밀번호 변경", "Change payment PIN"),
    "pin.change.submit": ("변경하기", "Change PIN"),
    "pin.reset.title": ("결제 비밀번호 재설정", "Reset payment PIN"),
    "pin.reset.lead": (
        "로그인 비밀번호를 확인한 뒤 새 결제 비밀번호를 설정합니다. 잠긴 결제도 풀립니다.",
        "Confirm your password to set a new PIN. This also unlocks payments.",
    ),
    "pin.reset.submit": ("재설정하기", "Reset PIN"),
    "pin.forgot": ("결제 비밀번호를 잊으셨나요?", "Forgot your PIN?"),
    "pin.not_set_banner": (
        "결제 비밀번호를 설정해야 충전·출금할 수 있어요.",
        "Set your payment PIN to charge and withdraw.",
    ),
    "pin.not_set_action": ("지금 설정하기", "Set it now"),
    "pin.locked_banner": (
        "결제 비밀번호가 여러 번 틀려 결제가 잠겼습니다.",
        "Payments are locked after too many wrong PINs.",
    ),
    "pin.locked_action": ("재설정하기", "Reset PIN"),
    # --- home --------------------------------------------------------------------------------
    "home.title": ("홈", "Home"),
    "home.greeting": ("{name}님, 안녕하세요", "Hello, {name}"),
    "home.money": ("페이머니", "Pay Money"),
    "home.available": ("사용 가능 {amount}", "{amount} available"),
    "home.incoming": ("충전 확인 중 {amount}", "{amount} being confirmed"),
    "home.charge": ("충전", "Charge"),
    "home.withdraw": ("출금", "Withdraw"),
    "home.send": ("송금", "Send"),
    "home.pay": ("매장 결제", "Pay in store"),
    "home.request": ("요청", "Request"),
    "home.dutch": ("정산", "Dutch pay"),
    "home.transfers": ("송금 내역", "Transfers"),
    "home.requests": ("요청 내역", "Requests"),
    "home.history": ("내역", "History"),
    "home.accounts": ("계좌", "Accounts"),
    "home.shortcuts": ("바로가기", "Shortcuts"),
    "home.recent": ("최근 내역", "Recent activity"),
    "home.see_all": ("전체 보기", "See all"),
    "home.no_activity": (
        "아직 내역이 없어요. 첫 충전을 해 보세요.",
        "No activity yet. Try your first charge.",
    ),
    "home.link_banner": (
        "충전하려면 본인 명의 은행 계좌를 연결하세요.",
        "Link a bank account in your name to charge.",
    ),
    "home.link_action": ("계좌 연결하기", "Link an account"),
    # --- bank accounts -----------------------------------------------------------------------
    "accounts.title": ("연결 계좌", "Linked accounts"),
    "accounts.empty": ("연결된 계좌가 없습니다.", "No bank account is linked."),
    "accounts.add": ("계좌 추가", "Add an account"),
    "accounts.unlink": ("연결 해지", "Unlink"),
    "accounts.holder": ("예금주 {name}", "Holder {name}"),
    "link.title": ("계좌 연결", "Link a bank account"),
    "link.lead": (
        "본인 명의 계좌만 연결할 수 있습니다. 은행에서 예금주 이름을 확인합니다.",
        "Only accounts in your own name can be linked; the bank confirms the holder's name.",
    ),
    "link.bank": ("은행", "Bank"),
    "link.bank_choose": ("은행을 선택하세요", "Choose a bank"),
    "link.account_number": ("계좌번호", "Account number"),
    "link.account_hint": (
        "숫자만 입력하세요 ('-' 없이도 됩니다).",
        "Digits only (hyphens are fine).",
    ),
    "link.holder_hint": ("예금주: {name} (본인)", "Holder: {name} (you)."),
    "link.terms_title": ("계좌 연결 및 출금 동의", "Account link and withdrawal terms"),
    "link.terms_text": (
        "1. 이지페이는 페이머니 충전을 위해 회원님이 요청한 금액만큼 연결 계좌에서 출금하고, "
        "출금 요청 시 연결 계좌로 입금합니다.\n"
        "2. 계좌 확인을 위해 은행명, 계좌번호, 예금주 이름, 생년월일을 은행에 조회합니다.\n"
        "3. 동의는 언제든 연결 해지로 철회할 수 있으며, 해지 후에는 출금이 이루어지지 않습니다.\n"
        "4. 동의 일시와 약관 버전은 기록되어 보관됩니다.",
        "1. To charge Pay Money, EasyPay withdraws from the linked account exactly the amounts "
        "you request, and deposits into it when you withdraw.\n"
        "2. To verify the account, EasyPay asks the bank for the bank, account number, holder name "
        "and date of birth.\n"
        "3. You can withdraw this consent at any time by unlinking the account; nothing is "
        "withdrawn after that.\n"
        "4. The time of consent and the version of these terms are recorded.",
    ),
    "link.consent": (
        "위 내용을 확인했으며 계좌 연결 및 출금에 동의합니다.",
        "I have read the terms and agree to the account link and withdrawals.",
    ),
    "link.submit": ("연결하기", "Link account"),
    "link.holder_mismatch": (
        "예금주 이름이 회원님 이름({name})과 다릅니다. 본인 명의 계좌만 연결할 수 있어요.",
        "The account holder's name is not yours ({name}). Only accounts in your own name can be "
        "linked.",
    ),
    # --- charge / withdraw -------------------------------------------------------------------
    "charge.title": ("충전", "Charge"),
    "charge.lead": (
        "연결 계좌에서 페이머니로 충전합니다.",
        "Move money from your bank into Pay Money.",
    ),
    "charge.submit": ("충전하기", "Charge"),
    "charge.limit": ("최대 {amount}까지 충전할 수 있어요.", "You can charge up to {amount}."),
    "charge.range": (
        "충전 금액은 {low} 이상 {high} 이하로 입력해 주세요.",
        "Charge between {low} and {high}.",
    ),
    "withdraw.title": ("출금", "Withdraw"),
    "withdraw.lead": ("페이머니를 연결 계좌로 보냅니다.", "Send Pay Money to your bank account."),
    "withdraw.submit": ("출금하기", "Withdraw"),
    "withdraw.available": ("출금 가능 {amount}", "{amount} can be withdrawn"),
    "withdraw.range": ("출금 금액은 1원 이상이어야 합니다.", "Withdraw at least 1원."),
    "move.account": ("계좌", "Account"),
    "move.amount": ("금액", "Amount"),
    "move.amount_unit": ("원", "won"),
    "move.quick": ("빠른 금액", "Quick amounts"),
    "move.quick_10k": ("+1만", "+10,000"),
    "move.quick_50k": ("+5만", "+50,000"),
    "move.quick_100k": ("+10만", "+100,000"),
    "move.quick_clear": ("지우기", "Clear"),
    "move.bad_amount": ("금액을 숫자로 입력해 주세요.", "Enter the amount in digits."),
    "move.choose_account": ("계좌를 선택해 주세요.", "Choose an account."),
    "move.need_link": (
        "먼저 본인 명의 계좌를 연결해 주세요.",
        "Link a bank account in your name first.",
    ),
    "move.pin_required": (
        "결제 비밀번호 6자리를 입력해 주세요.",
        "Enter your 6-digit payment PIN.",
    ),
    "move.in_flight": (
        "같은 요청을 이미 처리하고 있어요. 잠시 후 내역을 확인해 주세요.",
        "This request is already being processed. Check your history in a moment.",
    ),
    "move.balance": ("현재 잔액 {amount}", "Balance {amount}"),
    "operation.title.charge": ("충전", "Charge"),
    "operation.title.withdrawal": ("출금", "Withdrawal"),
    "operation.completed.charge": ("{amount} 충전 완료", "{amount} charged"),
    "operation.completed.withdrawal": ("{amount} 출금 완료", "{amount} withdrawn"),
    "operation.failed": ("은행이 요청을 거절했습니다.", "The bank declined the request."),
    "operation.pending": (
        "은행의 응답을 기다리고 있어요. 확인되는 대로 자동으로 처리됩니다.",
        "Waiting for the bank's answer; it will be settled automatically.",
    ),
    "operation.to_home": ("홈으로", "Back to home"),
    "operation.new_balance": ("잔액 {amount}", "Balance {amount}"),
    # --- transfers ---------------------------------------------------------------------------
    "send.title": ("송금", "Send money"),
    "send.lead": (
        "친구나 휴대폰 번호, 은행 계좌로 페이머니를 보냅니다.",
        "Send Pay Money to a friend, a phone number or a bank account.",
    ),
    "send.to": ("받는 분", "To"),
    "send.to.friend": ("친구", "Friend"),
    "send.to.phone": ("휴대폰 번호", "Phone"),
    "send.to.bank": ("계좌", "Bank account"),
    "send.no_friends": (
        "아직 친구가 없어요. 휴대폰 번호로 보내거나 친구를 추가해 보세요.",
        "No friends yet. Send by phone number, or add a friend.",
    ),
    "send.add_friend": ("친구 추가", "Add a friend"),
    "send.phone_hint": (
        "이지페이에 아직 없는 번호라도 보낼 수 있어요. 72시간 안에 가입하면 받을 수 있어요.",
        "You can send to a number not on EasyPay yet: they can receive it by signing up within "
        "72 hours.",
    ),
    "send.inquire": ("예금주 조회", "Look up holder"),
    "send.holder": ("예금주: {name}", "Holder: {name}"),
    "send.message": ("받는 분에게 보일 메시지 (선택)", "Message for the recipient (optional)"),
    "send.message_placeholder": ("예: 점심값 고마워", "e.g. Thanks for lunch"),
    "send.next": ("다음", "Next"),
    "send.choose_friend": ("보낼 친구를 선택해 주세요.", "Choose a friend to send to."),
    "send.choose_bank": ("은행을 선택해 주세요.", "Choose a bank."),
    "send.bad_account": ("계좌번호를 입력해 주세요.", "Enter the account number."),
    "send.bad_phone": ("휴대폰 번호를 입력해 주세요.", "Enter a phone number."),
    "send.message_too_long": (
        "메시지는 40자까지 쓸 수 있어요.",
        "The message can be at most 40 characters.",
    ),
    "send.short": (
        "잔액이 부족해요 (사용 가능 {amount}). 먼저 충전하거나 설정에서 자동 충전을 켜 주세요.",
        "Your balance is not enough ({amount} available). Charge first, or turn on auto-charge "
        "in Settings.",
    ),
    "send.auto_charge_note": (
        "잔액이 부족한 {amount}은(는) 연결 계좌에서 1만원 단위로 자동 충전돼요.",
        "The {amount} you are short will be auto-charged from your linked account in 10,000 won "
        "steps.",
    ),
    "send.confirm_title": ("보내기 전에 확인해 주세요", "Check before sending"),
    "send.confirm_to_person": ("{name}님에게", "To {name}"),
    "send.not_member": (
        "아직 이지페이 회원이 아닌 번호예요. 72시간 안에 이 번호로 가입하면 받을 수 있고, "
        "받지 않으면 돌아와요.",
        "This number is not on EasyPay yet. They can receive it by signing up with it within 72 "
        "hours; otherwise it comes back.",
    ),
    "send.hold_note": (
        "받는 분이 받기 전까지 보관되며, {hours}시간 안에 받지 않으면 돌아와요. "
        "그 전에는 취소할 수 있어요.",
        "The money is held until they receive it and comes back if not received within {hours} "
        "hours. You can cancel until then.",
    ),
    "send.bank_note": (
        "계좌 송금은 바로 처리되며 취소할 수 없어요.",
        "A transfer to a bank account is immediate and cannot be canceled.",
    ),
    "send.submit": ("{amount} 보내기", "Send {amount}"),
    "send.edit": ("수정하기", "Change"),
    "send.balance": ("내 잔액 {amount}", "Your balance {amount}"),
    "transfer.title": ("송금 상세", "Transfer"),
    "transfer.sent_to": ("{name}님에게 {amount}을 보냈어요", "You sent {amount} to {name}"),
    "transfer.got_from": ("{name}님이 {amount}을 보냈어요", "{name} sent you {amount}"),
    "transfer.from": ("보낸 분", "From"),
    "transfer.to": ("받는 분", "To"),
    "transfer.amount": ("금액", "Amount"),
    "transfer.message": ("메시지", "Message"),
    "transfer.status": ("상태", "Status"),
    "transfer.created": ("보낸 시각", "Sent"),
    "transfer.deadline": ("받기 기한", "Receive by"),
    "transfer.resolved": ("처리 시각", "Settled"),
    "transfer.receive": ("받기", "Receive"),
    "transfer.decline": ("거절", "Decline"),
    "transfer.cancel": ("송금 취소", "Cancel transfer"),
    "transfer.decline_confirm": (
        "거절하면 돈이 보낸 분께 돌아가요. 거절할까요?",
        "Declining sends the money back. Decline?",
    ),
    "transfer.cancel_confirm": ("송금을 취소할까요?", "Cancel this transfer?"),
    "transfer.receive_note": (
        "{deadline}까지 받지 않으면 보낸 분께 돌아가요.",
        "If not received by {deadline}, it goes back to the sender.",
    ),
    "transfer.expired_note": (
        "받기 기한이 지났어요. 돈은 보낸 분께 돌아가요.",
        "The time to receive it is over; the money goes back to the sender.",
    ),
    "transfer.status.sent": ("받기 대기", "Waiting"),
    "transfer.status.received": ("받음", "Received"),
    "transfer.status.declined": ("거절됨", "Declined"),
    "transfer.status.canceled": ("취소됨", "Canceled"),
    "transfer.status.returned": ("반환됨", "Returned"),
    "transfer.outcome.received": ("받는 분이 받았어요.", "The recipient received it."),
    "transfer.outcome.declined": (
        "받는 분이 거절해 돈이 보낸 분께 돌아갔어요.",
        "The recipient declined; the money went back to the sender.",
    ),
    "transfer.outcome.canceled": (
        "보낸 분이 취소해 돈이 돌아갔어요.",
        "The sender canceled; the money went back.",
    ),
    "transfer.outcome.returned": (
        "기한 안에 받지 않아 돈이 보낸 분께 돌아갔어요.",
        "Not received in time; the money went back to the sender.",
    ),
    "transfer.new_balance": ("내 잔액 {amount}", "Your balance {amount}"),
    "transfers.title": ("송금 내역", "Transfers"),
    "transfers.waiting": ("받을 돈", "Waiting for you"),
    "transfers.all": ("전체 송금", "All transfers"),
    "transfers.empty": ("아직 송금 내역이 없어요.", "No transfers yet."),
    "transfers.send": ("송금하기", "Send money"),
    "transfers.to_name": ("{name}님에게", "To {name}"),
    "transfers.from_name": ("{name}님이 보냄", "From {name}"),
    "transfers.to_bank": ("{bank} {holder}", "{bank} {holder}"),
    "bank_transfer.title": ("계좌 송금", "Bank transfer"),
    "bank_transfer.completed": (
        "{holder}님 계좌로 {amount}을 보냈어요",
        "{amount} sent to {holder}'s account",
    ),
    "bank_transfer.failed": ("계좌 송금이 실패했어요", "The bank transfer failed"),
    "bank_transfer.failed_note": (
        "{amount}은(는) 내 페이머니로 돌아왔어요.",
        "The {amount} is back in your Pay Money.",
    ),
    "bank_transfer.pending": (
        "은행의 응답을 기다리고 있어요. 확인되는 대로 결과를 알려 드릴게요. "
        "실패하면 돈은 페이머니로 돌아와요.",
        "Waiting for the bank's answer; you will be told the result. If it fails, the money "
        "comes back to your Pay Money.",
    ),
    "bank_transfer.status.completed": ("완료", "Completed"),
    "bank_transfer.status.failed": ("실패 · 반환됨", "Failed · returned"),
    "bank_transfer.status.requested": ("처리 중", "Processing"),
    "bank_transfer.status.unknown": ("처리 중", "Processing"),
    "bank_transfer.account": ("받는 계좌", "Account"),
    # --- inbox -------------------------------------------------------------------------------
    "inbox.title": ("알림", "Inbox"),
    "inbox.label": ("알림, 안 읽은 알림 {count}개", "Inbox, {count} unread"),
    "inbox.empty": ("알림이 없어요.", "No messages."),
    "inbox.mark_all": ("모두 읽음", "Mark all read"),
    "inbox.unread": ("안 읽음", "Unread"),
    "inbox.unread_count": ("안 읽은 알림 {count}개", "{count} unread"),
    # --- money requests and dutch pay ---------------------------------------------------------
    "requests.title": ("요청·정산", "Requests"),
    "requests.empty": ("아직 요청이나 정산이 없어요.", "No requests yet."),
    "requests.new": ("돈 요청하기", "Request money"),
    "requests.new_lead": (
        "친구나 휴대폰 번호로 이지페이 회원에게 금액을 요청해요.",
        "Ask EasyPay users, by friend or phone number, for an amount each.",
    ),
    "requests.dutch": ("정산하기", "Dutch pay"),
    "requests.dutch_lead": (
        "함께 낸 금액을 나눠 참여자에게 요청해요. 내 몫은 요청하지 않아요.",
        "Split a bill and ask each participant for their share (never yourself for yours).",
    ),
    "requests.for_title": ("무엇에 대한 요청인가요? (선택)", "What is it for? (optional)"),
    "requests.title_placeholder": ("예: 점심값", "e.g. Lunch"),
    "requests.friends": ("친구", "Friends"),
    "requests.phones": ("휴대폰 번호로 추가", "Add by phone number"),
    "requests.amount_for": ("{name}님에게 요청할 금액", "Amount to ask of {name}"),
    "requests.phone_n": ("휴대폰 번호 {n}", "Phone number {n}"),
    "requests.amount_n": ("금액 {n}", "Amount {n}"),
    "requests.remind_at": ("알림 보낼 시각 (선택)", "Reminder time (optional)"),
    "requests.remind_hint": (
        "이 시각에 아직 보내지 않은 분들께 다시 알려 드려요.",
        "Those who have not paid yet are reminded then.",
    ),
    "requests.submit": ("요청 보내기", "Send request"),
    "requests.nobody": (
        "요청할 사람과 금액을 한 명 이상 입력해 주세요.",
        "Ask at least one person for an amount.",
    ),
    "requests.bad_amount_for": (
        "{name}님의 금액을 숫자로 입력해 주세요.",
        "Enter {name}'s amount in digits.",
    ),
    "requests.twice": ("같은 사람을 두 번 넣었어요.", "The same person is in twice."),
    "requests.bad_remind": (
        "알림 시각은 지금 이후로 입력해 주세요.",
        "The reminder time must be in the future.",
    ),
    "requests.kind.request": ("요청", "Request"),
    "requests.kind.dutch": ("정산", "Dutch pay"),
    "requests.status.open": ("진행 중", "Open"),
    "requests.status.closed": ("마감", "Closed"),
    "requests.item.pending": ("대기", "Pending"),
    "requests.item.paid": ("보냄", "Paid"),
    "requests.item.declined": ("거절", "Declined"),
    "requests.my_turn": ("내가 보낼 차례", "Your turn"),
    "requests.from": ("{name}님의 요청", "From {name}"),
    "requests.mine": ("내가 만든 요청", "Made by you"),
    "requests.untitled": ("제목 없음", "Untitled"),
    "requests.board": ("정산 현황", "Who paid"),
    "requests.paid_total": ("받은 금액", "Paid"),
    "requests.outstanding": ("남은 금액", "Outstanding"),
    "requests.total": ("총액", "Total"),
    "requests.requester_share": ("{name}님 몫 (요청 안 함)", "{name}'s own share (not asked)"),
    "requests.progress": ("{paid}명 / {count}명 보냄", "{paid} of {count} paid"),
    "requests.ask_of_you": ("{name}님이 {amount}을 요청했어요", "{name} asks you for {amount}"),
    "requests.pay": ("{amount} 보내기", "Pay {amount}"),
    "requests.decline": ("거절", "Decline"),
    "requests.decline_confirm": ("이 요청을 거절할까요?", "Decline this request?"),
    "requests.close": ("요청 마감하기", "Close the request"),
    "requests.close_confirm": (
        "마감하면 아무도 더 보낼 수 없어요. 마감할까요?",
        "Once closed, nobody can pay it. Close?",
    ),
    "requests.closed_note": ("마감된 요청이에요.", "This request is closed."),
    "requests.you.paid": ("내 몫 {amount}을 보냈어요.", "You paid your {amount}."),
    "requests.you.declined": (
        "{amount} 요청을 거절했어요.",
        "You declined the request for {amount}.",
    ),
    "requests.remind_on": ("{when}에 알림 예정", "Reminder at {when}"),
    "dutch.total": ("총 금액", "Total"),
    "dutch.participants": ("참여자 (나 말고)", "Participants (other than you)"),
    "dutch.include_me": ("나도 나눠 내요", "I pay a share too"),
    "dutch.split": ("나누는 방법", "How to split"),
    "dutch.split_even": ("똑같이 나누기", "Evenly"),
    "dutch.split_amounts": ("금액 직접 입력", "By amounts"),
    "dutch.share_of": ("{name}님 금액", "{name}'s amount"),
    "dutch.my_amount": ("내 몫", "My share"),
    "dutch.remainder_rule": (
        "1원 단위로 똑같이 나누고, 나누어떨어지지 않는 원은 내가 참여하면 내가 내고, "
        "참여하지 않으면 앞 순서 참여자부터 1원씩 더 내요.",
        "Split evenly in whole won; the won left over are paid by you when you take part, "
        "otherwise by the first participants, 1 won each.",
    ),
    "dutch.order_note": (
        "참여자 순서: 선택한 친구(목록 순서), 그다음 입력한 휴대폰 번호.",
        "Participant order: the friends checked (as listed), then the phone numbers entered.",
    ),
    "dutch.shares": ("나눈 금액", "Shares"),
    "dutch.me": ("나", "Me"),
    "dutch.sum": ("합계 {sum} / 총액 {total}", "Sum {sum} / total {total}"),
    "dutch.sum_off": (
        "합계가 총액과 {diff} 차이 나요.",
        "The shares are {diff} off the total.",
    ),
    "dutch.preview": ("계산해 보기", "Calculate"),
    "dutch.submit": ("정산 요청 보내기", "Send dutch pay"),
    "dutch.bad_total": ("총 금액을 숫자로 입력해 주세요.", "Enter the total in digits."),
    "dutch.nobody": (
        "참여자를 한 명 이상 선택하거나 입력해 주세요.",
        "Choose or enter at least one participant.",
    ),
    "dutch.need_amounts": (
        "금액 직접 입력을 골랐다면 참여자마다 금액을 입력해 주세요.",
        "With split by amounts, enter an amount for each participant.",
    ),
    # --- history -----------------------------------------------------------------------------
    "history.title": ("이용 내역", "History"),
    "history.kind": ("종류", "Kind"),
    "history.kind_all": ("전체", "All"),
    "history.from": ("시작일", "From"),
    "history.to": ("종료일", "To"),
    "history.apply": ("조회", "Apply"),
    "history.empty": ("조건에 맞는 내역이 없습니다.", "Nothing matches these filters."),
    "history.bad_date": ("날짜를 올바르게 입력해 주세요.", "Enter valid dates."),
    "history.status.processing": ("처리 중", "Processing"),
    "history.status.canceled": ("취소됨", "Canceled"),
    "history.status.completed": ("완료", "Completed"),
    "code.charge": ("충전", "Charge"),
    "code.withdrawal": ("출금", "Withdrawal"),
    "code.other": ("기타", "Other"),
    "code.transfer": ("송금", "Transfer"),
    "code.bank_transfer": ("계좌 송금", "Bank transfer"),
    "code.request_payment": ("요청·정산", "Request payment"),
    # --- sessions ----------------------------------------------------------------------------
    "sessions.title": ("로그인 기기 관리", "Signed-in devices"),
    "sessions.lead": (
        "모르는 기기가 있으면 로그아웃시키고 비밀번호를 바꾸세요.",
        "If you do not recognise a device, sign it out and change your password.",
    ),
    "sessions.current": ("현재 기기", "This device"),
    "sessions.kind.web": ("웹", "Web"),
    "sessions.kind.api": ("API", "API"),
    "sessions.created": ("로그인 {when}", "Signed in {when}"),
    "sessions.last_seen": ("최근 사용 {when}", "Last used {when}"),
    "sessions.revoke": ("로그아웃", "Sign out"),
    "sessions.unknown_agent": ("알 수 없는 기기", "Unknown device"),
    # --- friends -----------------------------------------------------------------------------
    "friends.title": ("친구", "Friends"),
    "friends.lead": (
        "휴대폰 번호로 이지페이 회원을 친구로 추가하세요. 송금에 쓰입니다.",
        "Add EasyPay users by phone number; transfers build on this list.",
    ),
    "friends.add": ("친구 추가", "Add friend"),
    "friends.empty": ("아직 친구가 없습니다.", "No friends yet."),
    "friends.remove": ("삭제", "Remove"),
    # --- settings ----------------------------------------------------------------------------
    "settings.title": ("설정", "Settings"),
    "settings.auto_charge": ("자동 충전", "Auto-charge"),
    "settings.auto_charge_help": (
        "결제·송금할 때 잔액이 부족하면 부족한 금액을 1만원 단위로 연결 계좌에서 충전합니다.",
        "When a payment or transfer is short, charge the shortfall from your linked account in "
        "10,000 won steps.",
    ),
    "settings.language": ("언어", "Language"),
    "settings.security": ("보안", "Security"),
    "settings.money": ("페이머니", "Pay Money"),
    "settings.developers": ("개발자", "Developers"),
    "settings.api_docs": ("API 문서", "API documentation"),
    "settings.account": ("계정", "Account"),
    "settings.signed_in_as": ("{name} · {phone}", "{name} · {phone}"),
    # --- admin -------------------------------------------------------------------------------
    "admin.title": ("운영 콘솔", "Operator console"),
    "admin.users": ("회원", "Users"),
    "admin.ledger": ("원장 점검", "Ledger health"),
    "admin.activity": ("최근 활동", "Recent activity"),
    "admin.search_placeholder": ("이름 또는 전화번호", "Name or phone"),
    "admin.total": ("총 {count}명", "{count} users"),
    "admin.col.user": ("회원", "User"),
    "admin.col.status": ("상태", "Status"),
    "admin.col.balance": ("잔액", "Balance"),
    "admin.col.joined": ("가입일", "Joined"),
    "admin.col.action": ("관리", "Action"),
    "admin.col.when": ("시각", "When"),
    "admin.col.kind": ("종류", "What"),
    "admin.col.detail": ("내용", "Detail"),
    "admin.status.active": ("정상", "Active"),
    "admin.status.suspended": ("정지", "Suspended"),
    "admin.pin_locked": ("PIN 잠김", "PIN locked"),
    "admin.operator": ("운영자", "Operator"),
    "admin.suspend": ("정지", "Suspend"),
    "admin.reactivate": ("정지 해제", "Reactivate"),
    "admin.not_self": ("자기 계정은 정지할 수 없습니다.", "You cannot suspend your own account."),
    "admin.no_users": ("검색 결과가 없습니다.", "No users match."),
    "admin.ledger_ok": ("모든 불변식이 성립합니다", "All invariants hold"),
    "admin.ledger_bad": ("불변식 위반이 있습니다", "Invariants are violated"),
    "admin.ledger_counts": (
        "계정 {accounts}개 · 거래 {transfers}건",
        "{accounts} accounts · {transfers} transfers",
    ),
    "admin.check_ok": ("정상", "OK"),
    "admin.check_bad": ("위반", "Violated"),
    "admin.no_activity": ("활동이 없습니다.", "No activity."),
    # --- errors ------------------------------------------------------------------------------
    "error.title": ("문제가 생겼어요", "Something went wrong"),
    "error.csrf_title": ("요청을 확인할 수 없습니다", "This request could not be verified"),
    "error.csrf": (
        "보안 확인에 실패해 아무것도 바뀌지 않았습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요.",
        "The security check failed, so nothing was changed. Reload the page and try again.",
    ),
    "error.forbidden_title": ("접근할 수 없습니다", "Not allowed"),
    "error.not_found_title": ("찾을 수 없습니다", "Not found"),
    "error.internal": (
        "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
        "Something went wrong on our side. Try again in a moment.",
    ),
    "error.unavailable": (
        "서비스가 잠시 응답하지 않습니다. 처리된 것은 없으니 잠시 후 다시 시도해 주세요.",
        "The service is briefly unavailable. Nothing was done; try again in a moment.",
    ),
    "error.to_home": ("홈으로 가기", "Go home"),
    "error.not_found": ("요청한 페이지가 없습니다.", "There is no such page."),
    # --- docs --------------------------------------------------------------------------------
    "docs.title": ("EasyPay API 문서", "EasyPay API documentation"),
    # --- checkout (a shop's payment) ----------------------------------------------------------
    "checkout.title": ("결제하기", "Checkout"),
    "checkout.quantity": ("{count}개", "× {count}"),
    "checkout.quantity_label": ("수량", "Quantity"),
    "checkout.amount": ("결제 금액", "Amount"),
    "checkout.balance": ("페이머니 잔액", "Pay Money balance"),
    "checkout.method": ("결제 수단", "Payment method"),
    "checkout.method_money": ("페이머니", "Pay Money"),
    "checkout.method_card": ("카드", "Card"),
    "checkout.no_cards": ("등록된 카드가 없습니다.", "No card registered."),
    "checkout.add_card": ("카드 등록", "Add a card"),
    "checkout.install_month": ("할부", "Instalments"),
    "checkout.lump_sum": ("일시불", "Pay in full"),
    "checkout.months": ("{count}개월", "{count} months"),
    "checkout.install_hint": (
        "할부는 카드 결제에만 적용됩니다.",
        "Instalments apply to card payments only.",
    ),
    "checkout.auto_charge_note": (
        "부족한 {amount}은 연결된 계좌에서 1만 원 단위로 자동 충전한 뒤 결제합니다.",
        "The {amount} you are short will be auto-charged from your linked account in 10,000 won "
        "steps before paying.",
    ),
    "checkout.short_note": (
        "잔액이 {amount} 부족합니다. 먼저 충전하거나 설정에서 자동 충전을 켜 주세요.",
        "Your balance is {amount} short. Charge first, or turn on auto-charge in Settings.",
    ),
    "checkout.pay": ("{amount} 결제하기", "Pay {amount}"),
    "checkout.quit": ("결제 취소", "Cancel payment"),
    "checkout.deadline": ("{when}까지 결제해 주세요.", "Please pay by {when}."),
    "checkout.back_to_shop": ("상점으로 돌아가기", "Back to the shop"),
    "checkout.not_found": ("결제 정보를 찾을 수 없습니다.", "There is no such payment."),
    "checkout.state.authorized": (
        "이미 결제 비밀번호를 확인한 결제입니다. 상점에서 결제를 마무리하고 있습니다.",
        "This payment is already authorised; the shop is completing it.",
    ),
    "checkout.state.paid": ("이미 결제가 완료된 주문입니다.", "This order is already paid."),
    "checkout.state.quit": ("결제를 취소했습니다.", "You canceled this payment."),
    "checkout.state.failed": (
        "결제 시간이 지났거나 결제에 실패했습니다. 상점에서 다시 시도해 주세요.",
        "This payment expired or failed. Please try again from the shop.",
    ),
}

# Error code → (Korean, English-or-None). None keeps the service's own English sentence, which is
# often more specific ("3 tries left").
ERROR_MESSAGES: dict[str, tuple[str, str | None]] = {
    "PhoneTaken": ("이미 가입된 휴대폰 번호입니다. 로그인해 주세요.", None),
    "WeakPassword": (
        "비밀번호는 8자 이상으로, 영문과 숫자(또는 기호)를 섞고 휴대폰 번호를 넣지 마세요.",
        None,
    ),
    "InvalidCredentials": ("휴대폰 번호 또는 비밀번호가 맞지 않습니다.", None),
    "NotSignedIn": ("먼저 로그인해 주세요.", None),
    "OperatorOnly": ("운영자만 볼 수 있는 페이지입니다.", "Only operators may see this page."),
    "AccountSuspended": ("정지된 계정입니다. 고객센터에 문의해 주세요.", None),
    "PinNotSet": ("먼저 6자리 결제 비밀번호를 설정해 주세요.", None),
    "PinAlreadySet": ("결제 비밀번호가 이미 있습니다. 변경하거나 재설정해 주세요.", None),
    "WeakPin": (
        "결제 비밀번호는 숫자 6자리이며, 같은 숫자 반복·연속 숫자·생년월일은 쓸 수 없습니다.",
        None,
    ),
    "WrongPin": ("결제 비밀번호가 틀렸습니다.", None),
    "PinLocked": (
        "결제 비밀번호를 여러 번 틀려 결제가 잠겼습니다. 로그인 비밀번호로 재설정해 주세요.",
        None,
    ),
    "SessionNotFound": ("이미 로그아웃된 기기입니다.", None),
    "UserNotFound": ("이 번호로 가입한 이지페이 회원이 없습니다.", None),
    "FriendNotFound": ("친구 목록에 없는 사람입니다.", None),
    "CannotFriendSelf": ("자기 자신은 친구로 추가할 수 없습니다.", None),
    "AlreadyFriends": ("이미 친구입니다.", None),
    "ConsentRequired": ("계좌 연결 약관에 동의해 주세요.", None),
    "UnknownBank": ("지원하지 않는 은행입니다.", None),
    "BankAccountNotFound": ("은행에 없는 계좌입니다. 은행과 계좌번호를 확인해 주세요.", None),
    "HolderNameMismatch": (
        "예금주 이름이 회원님 이름과 다릅니다. 본인 명의 계좌만 연결할 수 있어요.",
        None,
    ),
    "AlreadyLinked": ("이미 연결된 계좌입니다.", None),
    "BankLinkNotFound": ("연결된 계좌를 찾을 수 없습니다.", None),
    "NoLinkedAccount": ("먼저 계좌를 연결해 주세요.", None),
    "AmountOutOfRange": ("금액이 허용 범위를 벗어났습니다.", None),
    "BankDeclined": ("은행이 요청을 거절했습니다. 계좌 잔액이나 상태를 확인해 주세요.", None),
    "BankUnavailable": ("지금 은행에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.", None),
    "InsufficientFunds": ("잔액이 부족합니다.", None),
    "HoldingCapExceeded": ("페이머니는 최대 2,000,000원까지 보유할 수 있습니다.", None),
    "SettlementNotFound": ("정산 내역을 찾을 수 없습니다.", None),
    "BusinessDayNotOver": ("아직 끝나지 않은 영업일은 정산할 수 없습니다.", None),
    "BuyerUnavailable": ("이 계정으로는 지금 결제할 수 없습니다.", None),
    "MethodNotSupported": ("이 결제 수단은 아직 매장 결제에 쓸 수 없습니다.", None),
    "ChargePending": ("은행이 아직 충전을 확인하지 않았습니다. 잠시 후 다시 시도해 주세요.", None),
    "TooManyRequests": ("시도가 너무 많습니다. 몇 분 뒤에 다시 시도해 주세요.", None),
    "TransferNotFound": ("송금 내역을 찾을 수 없습니다.", None),
    "RecipientNotFound": ("이 번호로 가입한 이지페이 회원이 없거나 받을 수 없는 분입니다.", None),
    "CannotSendToYourself": ("자기 자신에게는 보낼 수 없습니다.", None),
    "TransferLimitExceeded": ("송금 한도를 넘었습니다.", None),
    "TransferAlreadyResolved": ("이미 받았거나 거절·취소·반환된 송금입니다.", None),
    "TransferExpired": ("받기 기한이 지났습니다. 돈은 보낸 분께 돌아갑니다.", None),
    "RecipientCapExceeded": (
        "받으면 페이머니 보유 한도(2,000,000원)를 넘습니다. 먼저 출금해 주세요.",
        None,
    ),
    "MoneyRequestNotFound": ("요청을 찾을 수 없습니다.", None),
    "MoneyRequestClosed": ("마감된 요청입니다.", None),
    "AlreadyAnswered": ("이미 보냈거나 거절한 요청입니다.", None),
    "SharesDoNotAddUp": ("나눈 금액의 합이 총액과 맞지 않습니다.", None),
    "NotificationNotFound": ("알림을 찾을 수 없습니다.", None),
    "NotFound": ("찾을 수 없습니다.", None),
    "Forbidden": ("이 작업을 할 수 없습니다.", None),
    "PaymentNotFound": ("결제 정보를 찾을 수 없습니다.", "There is no such payment."),
    "PaymentExpired": ("결제 시간이 지났습니다.", "This payment has expired."),
    "AlreadyPaid": ("이미 결제가 진행되었거나 끝난 주문입니다.", None),
    "ApprovalFailed": ("결제하지 못했습니다.", None),
}

_NO_CONTROL_CHARACTERS = "입력한 내용을 확인해 주세요: 제어 문자는 쓸 수 없습니다."
# Sentences of InvalidInput (code "ValidationError"), by how they start.
VALIDATION_MESSAGES: list[tuple[str, str]] = [
    (
        "The form gives a field more than once",
        "입력한 내용을 확인해 주세요: 같은 항목이 두 번 들어 있습니다.",
    ),
    ("Phone number", "휴대폰 번호를 올바르게 입력해 주세요."),
    ("Enter your real name", "이름은 실명을 글자로 입력해 주세요 (50자 이내)."),
    ("You must be at least", "만 14세 이상만 가입할 수 있습니다."),
    ("An account number", "계좌번호는 숫자 6~16자리입니다."),
    (
        "The form contains control characters",
        "입력한 내용을 확인해 주세요: 제어 문자는 쓸 수 없습니다.",
    ),
    (
        "Text cannot contain NUL characters",
        "입력한 내용을 확인해 주세요: 제어 문자는 쓸 수 없습니다.",
    ),
]

_TRIES_LEFT = re.compile(r"(\d+) tries left")
_KRW = re.compile(r"([\d,]+) KRW")


for _area in (
    cards,
    pay_code,
    merchant,
    settlement,
    webhooks,
    certificates,
    institutions,
    certificate_signin,
):
    assert not MESSAGES.keys() & _area.MESSAGES.keys(), "a message key is defined twice"
    MESSAGES.update(_area.MESSAGES)


def language_or_default(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, lang: str, /, **values: object) -> str:
    """The string for `key` in `lang`; the key itself if it is missing (visible, not fatal)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry[0] if lang == "ko" else entry[1]
    return text.format(**values) if values else text


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, /, **values: object) -> str:
        return translate(key, lang, **values)

    return t


def code_label(code: str, lang: str) -> str:
    """What a ledger transfer code (charge, withdrawal, ...) is called on the page."""
    key = f"code.{code}"
    return translate(key, lang) if key in MESSAGES else code


def error_text(error: EasyPayError, lang: str) -> str:
    """A friendly sentence for a domain error, never a stack trace."""
    if error.code == "ValidationError":
        if lang != "ko":
            return error.detail
        for start, korean in VALIDATION_MESSAGES:
            if error.detail.startswith(start):
                return korean
        return f"입력한 내용을 확인해 주세요. ({error.detail})"
    entry = ERROR_MESSAGES.get(error.code)
    if entry is None:
        return error.detail
    korean, english = entry
    if lang != "ko":
        return english or error.detail
    if error.code == "WrongPin":
        match = _TRIES_LEFT.search(error.detail)
        if match:
            return f"{korean} {match.group(1)}번 더 틀리면 결제가 잠깁니다."
    amounts = _KRW.findall(error.detail)
    if error.code == "TransferLimitExceeded" and amounts:
        when = "한 번에" if error.detail.startswith("One transfer") else "하루에"
        return f"{korean} {when} 최대 {amounts[0]}원까지 보낼 수 있습니다."
    if error.code == "SharesDoNotAddUp" and len(amounts) == 2:
        return f"나눈 금액의 합({amounts[0]}원)이 총액({amounts[1]}원)과 맞지 않습니다."
    if error.code == "InsufficientFunds" and "auto-charge is off" in error.detail:
        return f"{korean} 먼저 충전하거나 설정에서 자동 충전을 켜 주세요."
    return korean
