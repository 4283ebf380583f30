"""Money requests: ask people for amounts; each pays once or declines; the requester sees who
did what, can close it, and the unpaid are reminded at the chosen time."""

from __future__ import annotations

from datetime import timedelta, timezone

from tests.money import builders as money
from tests.transfer import builders

KST = timezone(timedelta(hours=9))


async def requester_and_payers(client, database, count: int = 2, funds: int = 50_000):
    requester = await money.person(client, database, name="김민준")
    names = ["박서연", "이도윤", "최유나", "정하준"]
    payers = [
        await builders.funded(client, await money.person(client, database, name=name), funds)
        for name in names[:count]
    ]
    return requester, payers


async def asked_of(client, requester, payers, amount: int = 12_000, **extra) -> int:
    response = await builders.ask(
        client, requester, [builders.share(p, amount) for p in payers], **extra
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def balances(client, *people) -> list[int]:
    return [(await money.balance(client, someone))["balance"] for someone in people]


class TestAsk:
    async def test_everyone_asked_is_told_and_sees_the_board(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        response = await builders.ask(
            client,
            requester,
            [builders.share(payers[0], 12_000), builders.share(payers[1], 8_000)],
        )
        assert response.status_code == 201, response.text
        request = response.json()
        assert (request["kind"], request["status"], request["total"]) == ("request", "open", 20_000)
        assert (request["paid"], request["outstanding"]) == (0, 20_000)
        assert [(i["payer"]["name"], i["amount"], i["status"]) for i in request["items"]] == [
            ("박서연", 12_000, "pending"),
            ("이도윤", 8_000, "pending"),
        ]
        assert request["my_item_status"] is None
        for payer, amount in zip(payers, ("12,000", "8,000"), strict=True):
            message = (await builders.inbox(client, payer))[0]
            assert message["kind"] == "request.asked"
            assert amount in message["title"]
            seen = await builders.money_request(client, payer, request["id"])
            assert seen["my_item_status"] == "pending"

    async def test_a_friend_by_user_id(self, client, database):
        requester, payers = await requester_and_payers(client, database, count=1)
        await builders.befriend(client, requester, payers[0])
        response = await builders.ask(
            client, requester, [{"user_id": payers[0].user_id, "amount": 5_000}]
        )
        assert response.status_code == 201, response.text

    async def test_a_stranger_by_user_id_is_not_found(self, client, database):
        """Asking by user id is for friends: others are asked by phone number (so ids cannot
        be walked to spam people or learn their names)."""
        requester, payers = await requester_and_payers(client, database, count=1)
        response = await builders.ask(
            client, requester, [{"user_id": payers[0].user_id, "amount": 5_000}]
        )
        assert response.status_code == 404, response.text
        assert builders.error_of(response) == "RecipientNotFound"
        assert "박서연" not in response.text
        assert await builders.inbox(client, payers[0]) == []

    async def test_a_stranger_cannot_see_it(self, client, database):
        requester, payers = await requester_and_payers(client, database, count=1)
        request_id = await asked_of(client, requester, payers)
        stranger = await money.person(client, database, name="정하준")
        response = await client.get(
            f"/api/v1/money-requests/{request_id}", headers=stranger.headers
        )
        assert response.status_code == 404
        assert builders.error_of(response) == "MoneyRequestNotFound"
        for action in ("decline", "close"):
            response = await builders.answer(client, stranger, request_id, action)
            assert response.status_code == 404, action
        response = await builders.pay(client, stranger, request_id)
        assert response.status_code == 404
        assert (await builders.money_request(client, requester, request_id))["status"] == "open"

    async def test_lists_by_role(self, client, database):
        requester, payers = await requester_and_payers(client, database, count=1)
        mine = await asked_of(client, requester, payers)
        theirs = await asked_of(client, payers[0], [requester])

        async def ids(who, **params):
            response = await client.get(
                "/api/v1/money-requests", params=params, headers=who.headers
            )
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        assert await ids(requester) == [theirs, mine]
        assert await ids(requester, role="sent") == [mine]
        assert await ids(requester, role="received") == [theirs]


class TestPay:
    async def test_the_money_goes_to_the_requester(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        response = await builders.pay(client, payers[0], request_id)
        assert response.status_code == 200, response.text
        board = response.json()
        assert board["my_item_status"] == "paid"
        assert (board["paid"], board["outstanding"]) == (12_000, 12_000)
        assert [i["status"] for i in board["items"]] == ["paid", "pending"]
        assert await balances(client, requester, *payers) == [12_000, 38_000, 50_000]
        message = (await builders.inbox(client, requester))[0]
        assert message["kind"] == "request.paid"
        assert "박서연" in message["title"]

    async def test_paying_twice_pays_once(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        await builders.pay(client, payers[0], request_id)
        again = await builders.pay(client, payers[0], request_id)
        assert again.status_code == 409
        assert builders.error_of(again) == "AlreadyAnswered"
        assert await balances(client, requester, payers[0]) == [12_000, 38_000]

    async def test_decline_after_pay_is_refused(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        await builders.pay(client, payers[0], request_id)
        late = await builders.answer(client, payers[0], request_id, "decline")
        assert late.status_code == 409
        assert builders.error_of(late) == "AlreadyAnswered"
        board = await builders.money_request(client, requester, request_id)
        assert board["items"][0]["status"] == "paid"

    async def test_pay_after_decline_is_refused(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        declined = await builders.answer(client, payers[0], request_id, "decline")
        assert declined.status_code == 200, declined.text
        assert (await builders.inbox(client, requester))[0]["kind"] == "request.declined"
        late = await builders.pay(client, payers[0], request_id)
        assert late.status_code == 409
        assert builders.error_of(late) == "AlreadyAnswered"
        assert await balances(client, requester, payers[0]) == [0, 50_000]

    async def test_the_requester_is_not_asked(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        for response in (
            await builders.pay(client, requester, request_id),
            await builders.answer(client, requester, request_id, "decline"),
        ):
            assert response.status_code == 404
            assert builders.error_of(response) == "MoneyRequestNotFound"

    async def test_short_without_auto_charge_is_402(self, client, database):
        requester, payers = await requester_and_payers(client, database, funds=10_000)
        await builders.set_auto_charge(client, payers[0], False)
        request_id = await asked_of(client, requester, payers)
        response = await builders.pay(client, payers[0], request_id)
        assert response.status_code == 402
        assert builders.error_of(response) == "InsufficientFunds"
        assert await balances(client, requester, payers[0]) == [0, 10_000]
        board = await builders.money_request(client, requester, request_id)
        assert board["items"][0]["status"] == "pending"

    async def test_over_the_requesters_holding_cap_is_refused(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        await builders.funded(client, requester, 1_990_000)
        request_id = await asked_of(client, requester, payers)
        response = await builders.pay(client, payers[0], request_id)
        assert response.status_code == 409
        assert builders.error_of(response) == "RecipientCapExceeded"
        assert await balances(client, requester, payers[0]) == [1_990_000, 50_000]
        board = await builders.money_request(client, requester, request_id)
        assert board["items"][0]["status"] == "pending"

    async def test_wrong_pin_pays_nothing(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        response = await builders.pay(client, payers[0], request_id, pin="000001")
        assert response.status_code == 403
        assert builders.error_of(response) == "WrongPin"
        assert await balances(client, requester, payers[0]) == [0, 50_000]


class TestClose:
    async def test_nobody_can_pay_a_closed_request(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        await builders.pay(client, payers[0], request_id)
        closed = await builders.answer(client, requester, request_id, "close")
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed"
        # Only the one who had not answered is told.
        assert (await builders.kinds(client, payers[1]))[0] == "request.closed"
        assert "request.closed" not in await builders.kinds(client, payers[0])
        for response in (
            await builders.pay(client, payers[1], request_id),
            await builders.answer(client, payers[1], request_id, "decline"),
            await builders.answer(client, requester, request_id, "close"),
        ):
            assert response.status_code == 409
            assert builders.error_of(response) == "MoneyRequestClosed"
        assert await balances(client, requester, *payers) == [12_000, 38_000, 50_000]

    async def test_only_the_requester_closes(self, client, database):
        requester, payers = await requester_and_payers(client, database)
        request_id = await asked_of(client, requester, payers)
        response = await builders.answer(client, payers[0], request_id, "close")
        assert response.status_code == 404
        assert (await builders.money_request(client, requester, request_id))["status"] == "open"


class TestRequestReminder:
    async def test_once_at_the_chosen_time_only_to_the_unpaid(self, client, database, fake_clock):
        requester, payers = await requester_and_payers(client, database, count=3)
        remind_at = fake_clock.now() + timedelta(hours=5)
        request_id = await asked_of(client, requester, payers, remind_at=remind_at.isoformat())
        await builders.pay(client, payers[0], request_id)
        await builders.answer(client, payers[1], request_id, "decline")
        fake_clock.advance(hours=4, minutes=59)
        assert await builders.run_worker(database) == 0
        fake_clock.advance(minutes=1)
        assert await builders.run_worker(database) == 1
        reminded = await builders.inbox(client, payers[2])
        assert reminded[0]["kind"] == "request.reminder"
        assert "12,000" in reminded[0]["title"]
        for answered in payers[:2]:
            assert "request.reminder" not in await builders.kinds(client, answered)
        fake_clock.advance(days=1)
        assert await builders.run_worker(database) == 0
        assert (await builders.kinds(client, payers[2])).count("request.reminder") == 1

    async def test_none_for_a_closed_request(self, client, database, fake_clock):
        requester, payers = await requester_and_payers(client, database, count=1)
        remind_at = fake_clock.now() + timedelta(hours=1)
        request_id = await asked_of(client, requester, payers, remind_at=remind_at.isoformat())
        await builders.answer(client, requester, request_id, "close")
        fake_clock.advance(hours=2)
        assert await builders.run_worker(database) == 0
        assert "request.reminder" not in await builders.kinds(client, payers[0])

    async def test_a_remind_at_in_korean_time_is_understood(self, client, database, fake_clock):
        requester, payers = await requester_and_payers(client, database, count=1)
        in_seoul = (fake_clock.now() + timedelta(hours=3)).astimezone(KST)
        request_id = await asked_of(client, requester, payers, remind_at=in_seoul.isoformat())
        shown = await builders.money_request(client, requester, request_id)
        assert shown["remind_at"].startswith(
            (fake_clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        )
        fake_clock.advance(hours=2)
        assert await builders.run_worker(database) == 0
        fake_clock.advance(hours=1)
        assert await builders.run_worker(database) == 1
