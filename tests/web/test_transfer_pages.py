"""Sending money, one transfer (receive / decline / cancel), the transfers list and the inbox,
through the pages (the bank is the sandbox bank, over real HTTP)."""

from __future__ import annotations

import re

import httpx
import pytest

from easypay.config import Settings
from easypay.kit.clock import FakeClock
from tests.web.helpers import (
    FRIEND_NAME,
    PIN,
    STRANGER_NAME,
    STRANGER_PHONE,
    balance_of,
    bank_headers,
    csrf_of,
    nonce_of,
    open_sandbox_account,
    post_form,
)


async def review(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    return await post_form(client, "/transfers/send", "/transfers/send/review", data)


async def send(client: httpx.AsyncClient, data: dict[str, str], pin: str = PIN) -> httpx.Response:
    """The two steps of the send page: review, then confirm with the PIN."""
    confirm = await review(client, data)
    assert confirm.status_code == 200, confirm.text
    form = {**data, "csrf_token": csrf_of(confirm.text), "nonce": nonce_of(confirm.text)}
    return await client.post("/transfers/send", data={**form, "pin": pin})


def friend_id_on(page: httpx.Response) -> str:
    found = re.search(r'name="friend_id" value="(\d+)"', page.text)
    assert found, page.text
    return found.group(1)


async def send_to_friend(
    client: httpx.AsyncClient, amount: str = "10,000", message: str = "점심값"
) -> str:
    """Send to the (only) friend; the transfer's page."""
    friend_id = friend_id_on(await client.get("/transfers/send?to=friend"))
    data = {"to": "friend", "friend_id": friend_id, "amount": amount, "message": message}
    response = await send(client, data)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/transfers/\d+\?notice=transfer_sent", location), location
    return location.split("?")[0]


async def fault(client: httpx.AsyncClient, settings: Settings, operation: str, mode: str) -> None:
    response = await client.post(
        "/sandbox/bank/_sandbox/faults",
        json={"operation": operation, "mode": mode},
        headers=bank_headers(settings),
    )
    assert response.status_code == 201, response.text


class TestSendPage:
    async def test_lists_friends_and_the_three_ways(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        page = await sender.get("/transfers/send")
        assert page.status_code == 200
        assert FRIEND_NAME in page.text
        for target in ("friend", "phone", "bank"):
            assert f'data-testid="send-to-{target}"' in page.text
        assert "송금" in page.text
        bank = await sender.get("/transfers/send?to=bank")
        assert 'name="bank_code"' in bank.text
        assert 'hx-post="/transfers/inquiry"' in bank.text

    async def test_signed_out_goes_to_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/transfers/send")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")

    async def test_without_a_pin_asks_for_one_first(self, client: httpx.AsyncClient) -> None:
        from tests.web.helpers import sign_up

        await sign_up(client)
        response = await client.get("/transfers/send")
        assert response.headers["location"] == "/pin/set?next=/transfers/send"

    async def test_english(self, sender: httpx.AsyncClient) -> None:
        sender.cookies.set("lang", "en")
        page = await sender.get("/transfers/send?to=phone")
        assert "Send money" in page.text
        assert "Phone number" in page.text


class TestSendToAFriend:
    async def test_the_review_names_the_friend_and_asks_for_the_pin(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        friend_id = friend_id_on(await sender.get("/transfers/send"))
        confirm = await review(
            sender, {"to": "friend", "friend_id": friend_id, "amount": "10000", "message": "hi"}
        )
        assert confirm.status_code == 200
        assert f"{FRIEND_NAME}님에게" in confirm.text
        assert "10,000원" in confirm.text
        assert 'name="pin"' in confirm.text
        assert "72시간 안에 받지 않으면 돌아와요" in confirm.text
        assert await balance_of(sender) == "100,000원"  # nothing moved yet

    async def test_sending_holds_the_money_until_received(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        page = await sender.get(transfer)
        assert f"{FRIEND_NAME}님에게 10,000원을 보냈어요" in page.text
        assert 'data-testid="transfer-status">받기 대기' in page.text
        assert "받는 분이 받기 전까지 보관되며, 72시간 안에 받지 않으면 돌아와요" in page.text
        assert 'data-testid="deadline"' in page.text
        assert 'data-testid="cancel"' in page.text
        assert 'data-testid="receive"' not in page.text
        assert "사용 가능 90,000원" in (await sender.get("/")).text

    async def test_a_form_sent_twice_sends_once(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        friend_id = friend_id_on(await sender.get("/transfers/send"))
        data = {"to": "friend", "friend_id": friend_id, "amount": "10000", "message": ""}
        confirm = await review(sender, data)
        form = {
            **data,
            "csrf_token": csrf_of(confirm.text),
            "nonce": nonce_of(confirm.text),
            "pin": PIN,
        }
        first = await sender.post("/transfers/send", data=form)
        second = await sender.post("/transfers/send", data=form)
        assert first.headers["location"] == second.headers["location"]
        assert "사용 가능 90,000원" in (await sender.get("/")).text

    async def test_a_wrong_pin_sends_nothing(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        friend_id = friend_id_on(await sender.get("/transfers/send"))
        data = {"to": "friend", "friend_id": friend_id, "amount": "10000", "message": ""}
        response = await send(sender, data, pin="111112")
        assert response.status_code == 403
        assert "결제 비밀번호가 틀렸습니다. 4번 더 틀리면 결제가 잠깁니다." in response.text
        assert 'name="pin"' in response.text  # still the confirm step
        assert "Traceback" not in response.text
        assert "사용 가능" not in (await sender.get("/")).text

    async def test_someone_who_is_not_a_friend_cannot_be_picked_by_id(
        self, sender: httpx.AsyncClient, stranger: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        page = await stranger.get("/transfers/send?to=friend")
        assert "아직 친구가 없어요" in page.text
        response = await review(
            stranger,
            {"to": "friend", "friend_id": "1", "amount": "1000", "message": ""},
        )
        assert response.status_code == 404
        assert "받을 수 없는 분입니다" in response.text


class TestSendByPhone:
    async def test_to_a_member(
        self, sender: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        data = {"to": "phone", "phone": STRANGER_PHONE, "amount": "5000", "message": ""}
        confirm = await review(sender, data)
        assert f"{STRANGER_NAME}님에게" in confirm.text
        response = await send(sender, data)
        assert response.status_code == 303
        assert (
            f"{STRANGER_NAME}님에게 5,000원을 보냈어요"
            in (await sender.get(response.headers["location"])).text
        )

    async def test_to_a_number_not_on_easypay_yet(self, sender: httpx.AsyncClient) -> None:
        data = {"to": "phone", "phone": "010-7777-8888", "amount": "5000", "message": ""}
        confirm = await review(sender, data)
        assert "아직 이지페이 회원이 아닌 번호예요" in confirm.text
        response = await send(sender, data)
        assert response.status_code == 303
        page = await sender.get(response.headers["location"])
        assert "010-7777-8888님에게 5,000원을 보냈어요" in page.text

    async def test_refusals_are_explained_in_the_pages_language(
        self, sender: httpx.AsyncClient
    ) -> None:
        assert (await post_form(sender, "/settings", "/settings", {})).status_code == 303
        cases = [
            ({"phone": "010-1234-5678", "amount": "5000"}, 422, "자기 자신에게는 보낼 수 없습니다"),
            ({"phone": "12", "amount": "5000"}, 422, "휴대폰 번호를 올바르게 입력해 주세요"),
            ({"phone": "010-7777-8888", "amount": "abc"}, 422, "금액을 숫자로 입력해 주세요"),
            (
                {"phone": "010-7777-8888", "amount": "2,000,001"},
                403,
                "송금 한도를 넘었습니다. 한 번에 최대 2,000,000원까지 보낼 수 있습니다.",
            ),
            (
                {"phone": "010-7777-8888", "amount": "500,000"},
                422,
                "잔액이 부족해요 (사용 가능 100,000원)",  # and auto-charge is off
            ),
        ]
        for data, status, message in cases:
            response = await review(sender, {"to": "phone", "message": "", **data})
            assert response.status_code == status, data
            assert message in response.text, data
            assert 'data-testid="form-error"' in response.text
        sender.cookies.set("lang", "en")
        english = await review(
            sender, {"to": "phone", "phone": "010-1234-5678", "amount": "5000", "message": ""}
        )
        assert "You cannot send money to yourself." in english.text

    async def test_auto_charge_covers_the_shortfall(
        self, sender: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        settings = await post_form(sender, "/settings", "/settings", {"auto_charge": "on"})
        assert settings.status_code == 303
        data = {"to": "phone", "phone": STRANGER_PHONE, "amount": "125,000", "message": ""}
        confirm = await review(sender, data)
        assert "잔액이 부족한 25,000원은(는) 연결 계좌에서 1만원 단위로 자동 충전돼요" in (
            confirm.text
        )
        response = await send(sender, data)
        assert response.status_code == 303, response.text
        assert "사용 가능 5,000원" in (await sender.get("/")).text  # charged 30,000원

    async def test_no_csrf_token_no_transfer(
        self, sender: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        data = {"to": "phone", "phone": STRANGER_PHONE, "amount": "5000", "message": ""}
        confirm = await review(sender, data)
        response = await sender.post(
            "/transfers/send", data={**data, "nonce": nonce_of(confirm.text), "pin": PIN}
        )
        assert response.status_code == 403
        assert "보안 확인에 실패" in response.text
        assert "사용 가능" not in (await sender.get("/")).text


class TestSendToABankAccount:
    @pytest.fixture
    async def account(self, sender: httpx.AsyncClient, settings: Settings) -> dict[str, str]:
        await open_sandbox_account(
            sender, settings, holder="최유진", number="220011112222", customer="+821099990000"
        )
        return {"to": "bank", "bank_code": "088", "account_number": "220-011-112222"}

    async def test_the_holder_is_named_before_confirming(
        self, sender: httpx.AsyncClient, account: dict[str, str]
    ) -> None:
        inquiry = await post_form(
            sender,
            "/transfers/send?to=bank",
            "/transfers/inquiry",
            {"bank_code": "088", "account_number": "220011112222"},
        )
        assert "예금주: 최유진" in inquiry.text
        confirm = await review(sender, {**account, "amount": "20000", "message": ""})
        assert confirm.status_code == 200
        assert "예금주: 최유진" in confirm.text
        assert "바로 처리되며 취소할 수 없어요" in confirm.text

    async def test_completed(self, sender: httpx.AsyncClient, account: dict[str, str]) -> None:
        response = await send(sender, {**account, "amount": "20000", "message": ""})
        assert response.status_code == 303, response.text
        assert re.fullmatch(r"/transfers/bank/\d+", response.headers["location"])
        result = await sender.get(response.headers["location"])
        assert 'data-status="completed"' in result.text
        assert "최유진님 계좌로 20,000원을 보냈어요" in result.text
        assert await balance_of(sender) == "80,000원"
        listed = await sender.get("/transfers")
        assert 'data-testid="bank-transfer-item"' in listed.text
        assert "완료" in listed.text

    async def test_a_refusal_says_the_money_came_back(
        self, sender: httpx.AsyncClient, account: dict[str, str], settings: Settings
    ) -> None:
        await fault(sender, settings, "deposit", "decline")
        response = await send(sender, {**account, "amount": "20000", "message": ""})
        assert response.status_code == 303, response.text
        result = await sender.get(response.headers["location"])
        assert 'data-status="failed"' in result.text
        assert "계좌 송금이 실패했어요" in result.text
        assert "20,000원은(는) 내 페이머니로 돌아왔어요" in result.text
        assert await balance_of(sender) == "100,000원"

    async def test_an_unknown_account_is_explained(self, sender: httpx.AsyncClient) -> None:
        response = await review(
            sender,
            {"to": "bank", "bank_code": "088", "account_number": "9988776655", "amount": "1000"},
        )
        assert response.status_code == 404
        assert "은행에 없는 계좌입니다" in response.text

    async def test_someone_elses_bank_transfer_is_not_found(
        self, sender: httpx.AsyncClient, account: dict[str, str], stranger: httpx.AsyncClient
    ) -> None:
        response = await send(sender, {**account, "amount": "20000", "message": ""})
        page = await stranger.get(response.headers["location"])
        assert page.status_code == 404
        assert "20,000" not in page.text


class TestOneTransfer:
    async def test_the_recipient_receives_it(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        page = await friend.get(transfer)
        assert page.status_code == 200
        assert "김민준님이 10,000원을 보냈어요" in page.text
        assert "점심값" in page.text
        assert 'data-testid="receive"' in page.text
        assert 'data-testid="cancel"' not in page.text
        response = await post_form(friend, transfer, f"{transfer}/receive", {})
        assert response.headers["location"] == f"{transfer}?notice=transfer_received"
        done = await friend.get(response.headers["location"])
        assert "받았어요. 내 페이머니에 들어왔어요." in done.text
        assert 'data-status="received"' in done.text
        assert "내 잔액 10,000원" in done.text
        assert await balance_of(friend) == "10,000원"
        assert await balance_of(sender) == "90,000원"
        again = await post_form(friend, transfer, f"{transfer}/receive", {})
        assert again.status_code == 409
        assert "이미 받았거나 거절·취소·반환된 송금입니다" in again.text

    async def test_declined_money_goes_back(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        response = await post_form(friend, transfer, f"{transfer}/decline", {})
        assert response.status_code == 303
        assert 'data-status="declined"' in (await friend.get(transfer)).text
        home = (await sender.get("/")).text
        assert "사용 가능" not in home
        assert await balance_of(sender) == "100,000원"

    async def test_the_sender_cancels_before_it_is_received(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        response = await post_form(sender, transfer, f"{transfer}/cancel", {})
        assert response.headers["location"] == f"{transfer}?notice=transfer_canceled"
        late = await post_form(friend, transfer, f"{transfer}/receive", {})
        assert late.status_code == 409
        assert "이미 받았거나" in late.text
        assert await balance_of(friend) == "0원"

    async def test_only_the_two_people_see_it(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        page = await stranger.get(transfer)
        assert page.status_code == 404
        assert "송금 내역을 찾을 수 없습니다" in page.text
        assert "점심값" not in page.text
        steal = await post_form(stranger, "/", f"{transfer}/receive", {})
        assert steal.status_code == 404
        cancel = await post_form(friend, transfer, f"{transfer}/cancel", {})
        assert cancel.status_code == 404  # only the sender may cancel
        for path in ("/transfers/abc", "/transfers/0", "/transfers/bank/x"):
            assert (await sender.get(path)).status_code == 404, path

    async def test_too_late_to_receive(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient, fake_clock: FakeClock
    ) -> None:
        transfer = await send_to_friend(sender)
        fake_clock.advance(hours=73)
        page = await friend.get(transfer)
        assert "받기 기한이 지났어요" in page.text
        assert 'data-testid="receive"' not in page.text
        response = await post_form(friend, transfer, f"{transfer}/receive", {})
        assert response.status_code == 409
        assert "받기 기한이 지났습니다" in response.text

    async def test_no_csrf_token_no_receipt(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        response = await friend.post(f"{transfer}/receive", data={})
        assert response.status_code == 403
        assert await balance_of(friend) == "0원"


class TestTransfersList:
    async def test_waiting_transfers_come_first_with_receive(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender, "3,000", "커피")
        page = await friend.get("/transfers")
        waiting = page.text.split('data-testid="waiting"')[1].split("</section>")[0]
        assert "김민준님이 보냄" in waiting
        assert f'action="{transfer}/receive"' in waiting
        listing = await sender.get("/transfers")
        assert 'data-testid="waiting"' not in listing.text
        assert f"{FRIEND_NAME}님에게" in listing.text
        assert "-3,000원" in listing.text
        assert "받기 대기" in listing.text

    async def test_more_pages(self, sender: httpx.AsyncClient, friend: httpx.AsyncClient) -> None:
        for _ in range(21):
            await send_to_friend(sender, "1000", "")
        first = await sender.get("/transfers")
        assert first.text.count('data-testid="transfer-item"') == 20
        more = re.search(r'href="(/transfers\?[^"]+)" data-testid="transfers-more"', first.text)
        assert more
        rest = await sender.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert rest.text.count('data-testid="transfer-item"') == 1
        assert "transfers-more" not in rest.text

    async def test_empty(self, sender: httpx.AsyncClient) -> None:
        assert "아직 송금 내역이 없어요" in (await sender.get("/transfers")).text

    async def test_the_history_names_transfers(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        await send_to_friend(sender)
        page = await sender.get("/history?kind=transfer")
        assert '<option value="transfer" selected>송금</option>' in page.text
        assert page.text.count('data-testid="activity"') == 1
        assert "-10,000원" in page.text


class TestInbox:
    async def test_a_new_transfer_is_in_the_recipients_inbox(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender)
        home = await friend.get("/")
        assert 'data-testid="unread-badge">1<' in home.text
        inbox = await friend.get("/inbox")
        assert "김민준님이 10,000원을 보냈어요" in inbox.text
        assert "받기를 누르면 내 페이머니가 돼요. 점심값" in inbox.text
        assert 'data-unread="true"' in inbox.text
        action = re.search(r'action="(/inbox/\d+/open)"', inbox.text)
        assert action
        opened = await post_form(friend, "/inbox", action.group(1), {})
        assert opened.headers["location"] == transfer
        after = await friend.get("/inbox")
        assert 'data-unread="true"' not in after.text
        assert "unread-badge" not in after.text

    async def test_in_english(self, sender: httpx.AsyncClient, friend: httpx.AsyncClient) -> None:
        await send_to_friend(sender)
        friend.cookies.set("lang", "en")
        inbox = await friend.get("/inbox")
        assert "김민준 sent you 10,000 KRW" in inbox.text
        assert "Mark all read" in inbox.text

    async def test_newest_first_and_mark_all_read(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        transfer = await send_to_friend(sender, "1000")
        await post_form(friend, transfer, f"{transfer}/receive", {})
        await send_to_friend(sender, "2000")
        inbox = (await sender.get("/inbox")).text
        assert "이서연님이 1,000원을 받았어요" in inbox
        inbox = (await friend.get("/inbox")).text
        assert inbox.index("2,000원을 보냈어요") < inbox.index("1,000원을 보냈어요")
        assert 'data-testid="unread-badge">2<' in inbox
        response = await post_form(friend, "/inbox", "/inbox/read-all", {})
        assert response.headers["location"] == "/inbox?notice=inbox_read"
        assert 'data-unread="true"' not in (await friend.get("/inbox")).text

    async def test_someone_elses_message_is_not_found(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        await send_to_friend(sender)
        action = re.search(r'action="(/inbox/\d+/open)"', (await friend.get("/inbox")).text)
        assert action
        response = await post_form(sender, "/inbox", action.group(1), {})
        assert response.status_code == 404
        assert 'data-unread="true"' in (await friend.get("/inbox")).text

    async def test_empty_and_csrf(self, sender: httpx.AsyncClient) -> None:
        assert "알림이 없어요" in (await sender.get("/inbox")).text
        assert (await sender.post("/inbox/read-all", data={})).status_code == 403

    async def test_signed_out(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/inbox")
        assert response.status_code == 303


class TestHome:
    async def test_shortcuts_lead_to_the_new_pages(self, sender: httpx.AsyncClient) -> None:
        home = (await sender.get("/")).text
        for href in ("/transfers/send", "/requests/new", "/requests/dutch/new", "/transfers"):
            assert f'href="{href}"' in home, href
        for path in ("/transfers/send", "/requests/new", "/requests/dutch/new", "/requests"):
            assert (await sender.get(path)).status_code == 200, path
