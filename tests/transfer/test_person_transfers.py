"""Sending Pay Money to a person: held until received, declined, canceled or returned."""

from __future__ import annotations

from tests.money import builders as money
from tests.transfer import builders


class TestSendAndReceive:
    async def test_the_money_is_held_then_lands_when_received(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 50_000)
        recipient = await money.person(client, database, name="박서연")
        response = await builders.send(client, sender, 10_000, to=recipient)
        assert response.status_code == 201, response.text
        transfer = response.json()
        assert transfer["status"] == "sent"
        assert await builders.available(client, sender) == 40_000
        assert await builders.available(client, recipient) == 0
        messages = await builders.inbox(client, recipient)
        assert messages[0]["kind"] == "transfer.incoming"
        assert "10,000" in messages[0]["title"]

        received = await builders.act(client, recipient, transfer["id"], "receive")
        assert received.status_code == 200, received.text
        assert received.json()["status"] == "received"
        assert await builders.available(client, recipient) == 10_000
        assert (await money.balance(client, sender))["balance"] == 40_000
        assert (await builders.inbox(client, sender))[0]["kind"] == "transfer.received"

    async def test_declined_money_returns_to_the_sender(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 50_000)
        recipient = await money.person(client, database, name="박서연")
        transfer = (await builders.send(client, sender, 10_000, to=recipient)).json()
        declined = await builders.act(client, recipient, transfer["id"], "decline")
        assert declined.status_code == 200, declined.text
        assert await builders.available(client, sender) == 50_000
        again = await builders.act(client, recipient, transfer["id"], "receive")
        assert again.status_code == 409
        assert await builders.available(client, recipient) == 0

    async def test_the_sender_can_cancel_until_received(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 50_000)
        recipient = await money.person(client, database, name="박서연")
        transfer = (await builders.send(client, sender, 10_000, to=recipient)).json()
        canceled = await builders.act(client, sender, transfer["id"], "cancel")
        assert canceled.status_code == 200, canceled.text
        assert canceled.json()["status"] == "canceled"
        assert await builders.available(client, sender) == 50_000
        late = await builders.act(client, recipient, transfer["id"], "receive")
        assert late.status_code == 409


async def two_people(client, database, funds: int = 50_000):
    sender = await builders.funded(client, await money.person(client, database), funds)
    recipient = await money.person(client, database, name="박서연")
    return sender, recipient


async def money_of(client, *people) -> list[int]:
    return [(await money.balance(client, someone))["balance"] for someone in people]


class TestSendToAFriend:
    async def test_by_friend_id(self, client, database):
        sender, recipient = await two_people(client, database)
        await builders.befriend(client, sender, recipient)
        response = await client.post(
            "/api/v1/transfers",
            json={"friend_id": recipient.user_id, "amount": 7_000, "pin": money.PIN},
            headers=sender.with_key(),
        )
        assert response.status_code == 201, response.text
        transfer = response.json()
        assert transfer["recipient"] == {"id": recipient.user_id, "name": "박서연"}
        assert (transfer["can_cancel"], transfer["can_receive"]) == (True, False)
        seen = await builders.transfer(client, recipient, transfer["id"])
        assert seen["direction"] == "received"
        assert (seen["can_cancel"], seen["can_receive"]) == (False, True)
        assert (await builders.act(client, recipient, transfer["id"], "receive")).status_code == 200
        assert await money_of(client, sender, recipient) == [43_000, 7_000]


class TestDecline:
    async def test_tells_the_sender_and_frees_the_money(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        response = await builders.act(client, recipient, transfer_id, "decline")
        assert response.json()["status"] == "declined"
        assert response.json()["resolved_at"] is not None
        assert (await builders.inbox(client, sender))[0]["kind"] == "transfer.declined"
        assert await money_of(client, sender, recipient) == [50_000, 0]


class TestCancel:
    async def test_tells_the_recipient(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, sender, transfer_id, "cancel")
        assert await builders.kinds(client, recipient) == ["transfer.canceled", "transfer.incoming"]
        assert await builders.status_of(client, recipient, transfer_id) == "canceled"


class TestReceiveOverTheHoldingCap:
    async def test_is_refused_and_the_transfer_stays_open(self, client, database):
        sender, recipient = await two_people(client, database)
        await builders.funded(client, recipient, 1_995_000)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        response = await builders.act(client, recipient, transfer_id, "receive")
        assert response.status_code == 409
        assert builders.error_of(response) == "RecipientCapExceeded"
        assert await builders.status_of(client, sender, transfer_id) == "sent"
        assert await money_of(client, sender, recipient) == [50_000, 1_995_000]
        assert await builders.available(client, sender) == 40_000
        # Declining still works: the money goes back.
        assert (await builders.act(client, recipient, transfer_id, "decline")).status_code == 200
        assert await builders.available(client, sender) == 50_000


class TestIllegalTransitions:
    """Every move from a final state is 409 and changes nothing."""

    async def assert_refused(self, client, response, code, sender, recipient, balances):
        assert response.status_code == 409, response.text
        assert builders.error_of(response) == code
        assert await money_of(client, sender, recipient) == balances
        assert await builders.available(client, sender) == balances[0]

    async def test_receive_twice(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, recipient, transfer_id, "receive")
        again = await builders.act(client, recipient, transfer_id, "receive")
        await self.assert_refused(
            client, again, "TransferAlreadyResolved", sender, recipient, [40_000, 10_000]
        )

    async def test_cancel_after_receive(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, recipient, transfer_id, "receive")
        late = await builders.act(client, sender, transfer_id, "cancel")
        await self.assert_refused(
            client, late, "TransferAlreadyResolved", sender, recipient, [40_000, 10_000]
        )
        assert await builders.status_of(client, sender, transfer_id) == "received"

    async def test_decline_after_receive(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, recipient, transfer_id, "receive")
        late = await builders.act(client, recipient, transfer_id, "decline")
        await self.assert_refused(
            client, late, "TransferAlreadyResolved", sender, recipient, [40_000, 10_000]
        )

    async def test_cancel_twice(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, sender, transfer_id, "cancel")
        again = await builders.act(client, sender, transfer_id, "cancel")
        await self.assert_refused(
            client, again, "TransferAlreadyResolved", sender, recipient, [50_000, 0]
        )

    async def test_decline_after_cancel(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, sender, transfer_id, "cancel")
        late = await builders.act(client, recipient, transfer_id, "decline")
        await self.assert_refused(
            client, late, "TransferAlreadyResolved", sender, recipient, [50_000, 0]
        )
        assert await builders.status_of(client, sender, transfer_id) == "canceled"

    async def test_cancel_after_decline(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        await builders.act(client, recipient, transfer_id, "decline")
        late = await builders.act(client, sender, transfer_id, "cancel")
        await self.assert_refused(
            client, late, "TransferAlreadyResolved", sender, recipient, [50_000, 0]
        )
        assert await builders.status_of(client, sender, transfer_id) == "declined"


class TestWrongSide:
    """Only the recipient receives or declines, only the sender cancels: the other side is
    told there is no such action for them (404), and nothing changes."""

    async def test_the_sender_cannot_receive_or_decline(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        for action in ("receive", "decline"):
            response = await builders.act(client, sender, transfer_id, action)
            assert response.status_code == 404, response.text
            assert builders.error_of(response) == "TransferNotFound"
        assert await builders.status_of(client, sender, transfer_id) == "sent"
        assert await builders.available(client, sender) == 40_000

    async def test_the_recipient_cannot_cancel(self, client, database):
        sender, recipient = await two_people(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        response = await builders.act(client, recipient, transfer_id, "cancel")
        assert response.status_code == 404
        assert builders.error_of(response) == "TransferNotFound"
        assert await builders.status_of(client, recipient, transfer_id) == "sent"

    async def test_a_stranger_can_neither_see_nor_touch_it(self, client, database):
        sender, recipient = await two_people(client, database)
        stranger = await money.person(client, database, name="이도윤")
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        seen = await client.get(f"/api/v1/transfers/{transfer_id}", headers=stranger.headers)
        assert seen.status_code == 404
        for action in ("receive", "decline", "cancel"):
            response = await builders.act(client, stranger, transfer_id, action)
            assert response.status_code == 404, action
            assert builders.error_of(response) == "TransferNotFound"
        assert await builders.status_of(client, sender, transfer_id) == "sent"
        assert await money_of(client, stranger) == [0]


class TestListTransfers:
    async def test_by_direction_and_status(self, client, database):
        sender, recipient = await two_people(client, database)
        await builders.funded(client, recipient, 30_000)
        first = await builders.sent(client, sender, 1_000, recipient)
        second = await builders.sent(client, sender, 2_000, recipient)
        back = await builders.sent(client, recipient, 3_000, sender)
        await builders.act(client, recipient, first, "receive")

        async def ids(who, **params):
            response = await client.get("/api/v1/transfers", params=params, headers=who.headers)
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        assert await ids(sender) == [back, second, first]
        assert await ids(sender, direction="sent") == [second, first]
        assert await ids(sender, direction="received") == [back]
        assert await ids(sender, status="sent") == [back, second]
        assert await ids(recipient, direction="received", status="received") == [first]
        stranger = await money.person(client, database, name="이도윤")
        assert await ids(stranger) == []

    async def test_pages(self, client, database):
        sender, recipient = await two_people(client, database)
        made = [await builders.sent(client, sender, 1_000 * n, recipient) for n in (1, 2, 3)]
        page = await client.get("/api/v1/transfers", params={"limit": 2}, headers=sender.headers)
        body = page.json()
        assert [item["id"] for item in body["items"]] == [made[2], made[1]]
        rest = await client.get(
            "/api/v1/transfers",
            params={"limit": 2, "cursor": body["next_cursor"]},
            headers=sender.headers,
        )
        assert [item["id"] for item in rest.json()["items"]] == [made[0]]
        assert rest.json()["next_cursor"] is None
