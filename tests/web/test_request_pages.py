"""Money requests and dutch pay through the pages: asking, the board of who paid, paying with
the PIN, declining, closing, and the split's shares and remainder rule."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.helpers import (
    FRIEND_NAME,
    PIN,
    STRANGER_NAME,
    STRANGER_PHONE,
    balance_of,
    csrf_of,
    nonce_of,
    post_form,
)


def friend_field(page: httpx.Response, prefix: str) -> str:
    found = re.search(rf'name="({prefix}_friend_\d+)"', page.text)
    assert found, page.text
    return found.group(1)


async def post_page_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Send the form of `page` with its CSRF token and one-time key."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    form = {"csrf_token": csrf_of(shown.text), "nonce": nonce_of(shown.text), **data}
    return await client.post(action, data=form)


async def ask_friend(client: httpx.AsyncClient, amount: str = "5,000") -> str:
    """김민준 asks his friend for `amount`; the request's page."""
    field = friend_field(await client.get("/requests/new"), "amount")
    response = await post_page_form(
        client, "/requests/new", "/requests/new", {"title": "점심값", field: amount}
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/requests/\d+\?notice=request_sent", location), location
    return location.split("?")[0]


async def pay(client: httpx.AsyncClient, board: str, pin: str = PIN) -> httpx.Response:
    return await post_page_form(client, board, f"{board}/pay", {"pin": pin})


class TestRequestMoney:
    async def test_asking_a_friend(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        board = await ask_friend(sender)
        mine = await sender.get(board)
        assert "요청을 보냈어요" in (await sender.get(f"{board}?notice=request_sent")).text
        assert "점심값" in mine.text
        assert FRIEND_NAME in mine.text
        assert 'data-testid="outstanding">5,000원' in mine.text
        assert 'data-testid="close"' in mine.text
        assert 'data-testid="pay"' not in mine.text
        theirs = await friend.get(board)
        assert "김민준님이 5,000원을 요청했어요" in theirs.text
        assert 'data-testid="pay"' in theirs.text
        assert 'data-testid="close"' not in theirs.text
        inbox = await friend.get("/inbox")
        assert "김민준님이 5,000원을 요청했어요" in inbox.text

    async def test_asking_by_phone_number(
        self, sender: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        response = await post_page_form(
            sender,
            "/requests/new",
            "/requests/new",
            {"phone_1": STRANGER_PHONE, "amount_phone_1": "7000"},
        )
        assert response.status_code == 303, response.text
        board = response.headers["location"].split("?")[0]
        assert "김민준님이 7,000원을 요청했어요" in (await stranger.get(board)).text

    async def test_refusals_are_explained(self, sender: httpx.AsyncClient) -> None:
        cases = [
            ({}, "요청할 사람과 금액을 한 명 이상 입력해 주세요"),
            ({"phone_1": "010-7777-8888", "amount_phone_1": "1000"}, "이지페이 회원이 없거나"),
            ({"phone_1": "010-1234-5678", "amount_phone_1": "1000"}, "자기 자신"),
            ({"phone_1": STRANGER_PHONE, "amount_phone_1": "abc"}, "금액을 숫자로 입력해 주세요"),
            ({"phone_1": STRANGER_PHONE}, "금액을 숫자로 입력해 주세요"),
            (
                {
                    "phone_1": "010-7777-8888",
                    "amount_phone_1": "1000",
                    "remind_at": "2001-01-01T09:00",
                },
                "",
            ),
        ]
        for data, message in cases:
            response = await post_page_form(sender, "/requests/new", "/requests/new", data)
            assert response.status_code in (404, 422), data
            assert message in response.text, data
            assert 'data-testid="form-error"' in response.text, data
        assert "아직 요청이나 정산이 없어요" in (await sender.get("/requests")).text

    async def test_no_csrf_token_no_request(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        page = await sender.get("/requests/new")
        field = friend_field(page, "amount")
        response = await sender.post(
            "/requests/new", data={"nonce": nonce_of(page.text), field: "1000"}
        )
        assert response.status_code == 403
        assert "아직 요청이나 정산이 없어요" in (await sender.get("/requests")).text


class TestPayingARequest:
    async def test_paying_with_the_pin(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        board = await ask_friend(sender, "30,000")
        wrong = await pay(friend, board, "111112")
        assert wrong.status_code == 403
        assert "결제 비밀번호가 틀렸습니다" in wrong.text
        # 이서연 has no Pay Money and no account: auto-charge cannot cover it.
        short = await pay(friend, board)
        assert short.status_code == 409
        assert "먼저 계좌를 연결해 주세요" in short.text
        assert 'data-testid="outstanding">30,000원' in (await sender.get(board)).text

    async def test_paid_shows_on_the_board(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        # The other way round: 이서연 asks 김민준, who has Pay Money.
        await post_form(friend, "/friends", "/friends", {"phone": "010-1234-5678"})
        board = await ask_friend(friend, "12,000")
        shown = await sender.get(board)
        response = await pay(sender, board)
        assert response.headers["location"] == f"{board}?notice=request_paid"
        page = await friend.get(board)
        assert 'data-testid="paid-total">12,000원' in page.text
        assert 'data-testid="outstanding">0원' in page.text
        assert 'data-status="paid"' in page.text
        assert "1명 / 1명 보냄" in page.text
        assert await balance_of(friend) == "12,000원"
        assert await balance_of(sender) == "88,000원"
        again = await sender.get(board)
        assert "내 몫 12,000원을 보냈어요." in again.text
        assert 'data-testid="pay"' not in again.text
        late = await sender.post(  # the same form again
            f"{board}/pay",
            data={"csrf_token": csrf_of(shown.text), "nonce": nonce_of(shown.text), "pin": PIN},
        )
        assert late.status_code == 409
        assert "이미 보냈거나 거절한 요청입니다" in late.text

    async def test_decline_then_close(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        board = await ask_friend(sender)
        declined = await post_form(friend, board, f"{board}/decline", {})
        assert declined.headers["location"] == f"{board}?notice=request_declined"
        assert 'data-status="declined"' in (await sender.get(board)).text
        closed = await post_form(sender, board, f"{board}/close", {})
        assert closed.headers["location"] == f"{board}?notice=request_closed"
        page = await sender.get(board)
        assert "마감된 요청이에요" in page.text
        assert 'data-testid="close"' not in page.text
        twice = await post_form(sender, board, f"{board}/close", {})
        assert twice.status_code == 409

    async def test_a_closed_request_cannot_be_paid(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        await post_form(friend, "/friends", "/friends", {"phone": "010-1234-5678"})
        board = await ask_friend(friend)
        shown = await sender.get(board)
        await post_form(friend, board, f"{board}/close", {})
        response = await sender.post(
            f"{board}/pay",
            data={"csrf_token": csrf_of(shown.text), "nonce": nonce_of(shown.text), "pin": PIN},
        )
        assert response.status_code == 409
        assert "마감된 요청입니다" in response.text
        assert await balance_of(sender) == "100,000원"

    async def test_only_the_people_in_it_see_it(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        board = await ask_friend(sender)
        page = await stranger.get(board)
        assert page.status_code == 404
        assert "요청을 찾을 수 없습니다" in page.text
        assert "점심값" not in page.text
        assert (await post_form(stranger, "/", f"{board}/close", {})).status_code == 404
        assert (await post_form(friend, board, f"{board}/close", {})).status_code == 404
        assert (await stranger.get("/requests/abc")).status_code == 404

    async def test_the_list(self, sender: httpx.AsyncClient, friend: httpx.AsyncClient) -> None:
        board = await ask_friend(sender)
        listing = await friend.get("/requests")
        assert f'href="{board}"' in listing.text
        assert "내가 보낼 차례" in listing.text
        assert "김민준님의 요청" in listing.text
        mine = await sender.get("/requests")
        assert "내가 만든 요청" in mine.text

    async def test_no_csrf_token_no_payment(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient
    ) -> None:
        await post_form(friend, "/friends", "/friends", {"phone": "010-1234-5678"})
        board = await ask_friend(friend)
        shown = await sender.get(board)
        response = await sender.post(
            f"{board}/pay", data={"nonce": nonce_of(shown.text), "pin": PIN}
        )
        assert response.status_code == 403
        assert await balance_of(sender) == "100,000원"


class TestDutchPay:
    @pytest.fixture
    async def people(
        self, sender: httpx.AsyncClient, friend: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> dict[str, str]:
        """The form's participants: the friend (ticked) and the stranger by phone number."""
        field = friend_field(await sender.get("/requests/dutch/new"), "share")
        return {field.removeprefix("share_"): "on", "phone_1": STRANGER_PHONE}

    async def test_the_form_states_the_remainder_rule(self, sender: httpx.AsyncClient) -> None:
        page = await sender.get("/requests/dutch/new")
        assert "나누어떨어지지 않는 원은 내가 참여하면 내가 내고" in page.text
        assert 'name="include_me" value="on" checked' in page.text
        sender.cookies.set("lang", "en")
        english = await sender.get("/requests/dutch/new")
        assert "the won left over are paid by you when you take part" in english.text

    async def test_even_split_preview_and_create(
        self, sender: httpx.AsyncClient, people: dict[str, str], stranger: httpx.AsyncClient
    ) -> None:
        form = {"title": "회식", "total": "10,001", "split": "even", "include_me": "on", **people}
        preview = await post_page_form(
            sender, "/requests/dutch/new", "/requests/dutch/preview", form
        )
        assert preview.status_code == 200
        assert re.findall(r'data-testid="share">([^<]+)<', preview.text) == [
            "3,333원",
            "3,333원",
        ]
        assert 'data-testid="share-me">3,335원' in preview.text
        page = await post_page_form(
            sender, "/requests/dutch/new", "/requests/dutch/new", {**form, "action": "preview"}
        )
        assert 'data-testid="share-me">3,335원' in page.text  # without JavaScript too
        created = await post_page_form(
            sender, "/requests/dutch/new", "/requests/dutch/new", {**form, "action": "create"}
        )
        assert created.status_code == 303, created.text
        board = created.headers["location"].split("?")[0]
        page = await sender.get(board)
        assert "회식" in page.text
        assert "김민준님 몫 (요청 안 함)" in page.text
        assert 'data-testid="outstanding">6,666원' in page.text
        assert 'data-testid="paid-total">0원' in page.text
        assert "0명 / 2명 보냄" in page.text
        theirs = await stranger.get(board)
        assert "김민준님이 3,333원을 요청했어요" in theirs.text

    async def test_without_me_the_first_participants_pay_the_remainder(
        self, sender: httpx.AsyncClient, people: dict[str, str]
    ) -> None:
        form = {"total": "10,001", "split": "even", **people}
        preview = await post_page_form(
            sender, "/requests/dutch/new", "/requests/dutch/preview", form
        )
        assert re.findall(r'data-testid="share">([^<]+)<', preview.text) == [
            "5,001원",
            "5,000원",
        ]
        assert "share-me" not in preview.text

    async def test_split_by_amounts_must_add_up(
        self, sender: httpx.AsyncClient, people: dict[str, str]
    ) -> None:
        friend_share = next(k for k in people if k.startswith("friend_")).replace(
            "friend_", "share_friend_"
        )
        form = {
            "total": "30000",
            "split": "amounts",
            "include_me": "on",
            "my_amount": "10000",
            friend_share: "10000",
            "share_phone_1": "5000",
            **people,
        }
        bad = await post_page_form(
            sender, "/requests/dutch/new", "/requests/dutch/new", {**form, "action": "create"}
        )
        assert bad.status_code == 422
        assert "나눈 금액의 합(25,000원)이 총액(30,000원)과 맞지 않습니다" in bad.text
        good = await post_page_form(
            sender,
            "/requests/dutch/new",
            "/requests/dutch/new",
            {**form, "share_phone_1": "10000", "action": "create"},
        )
        assert good.status_code == 303, good.text
        page = await sender.get(good.headers["location"])
        assert 'data-testid="outstanding">20,000원' in page.text
        assert STRANGER_NAME in page.text

    async def test_refusals(self, sender: httpx.AsyncClient, people: dict[str, str]) -> None:
        cases = [
            ({"total": "abc", **people}, "총 금액을 숫자로 입력해 주세요"),
            ({"total": "10000"}, "참여자를 한 명 이상"),
            ({"total": "10000", "split": "amounts", **people}, "참여자마다 금액을 입력해 주세요"),
            ({"total": "2", "include_me": "on", **people}, "나눈 금액의 합"),
        ]
        for data, message in cases:
            response = await post_page_form(
                sender, "/requests/dutch/new", "/requests/dutch/new", {**data, "action": "create"}
            )
            assert response.status_code == 422, data
            assert message in response.text, data
        assert "아직 요청이나 정산이 없어요" in (await sender.get("/requests")).text
