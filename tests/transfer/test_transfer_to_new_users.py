"""Sending to a phone number with no EasyPay account: held until someone joins with that number
and receives it within the window, otherwise returned."""

from __future__ import annotations

from tests.identity import builders as identity
from tests.money import builders as money
from tests.transfer import builders


async def sent_to_a_stranger(client, database):
    sender = await builders.funded(client, await money.person(client, database), 50_000)
    phone = builders.phone_nobody_has()
    response = await builders.send(client, sender, 10_000, phone=phone)
    assert response.status_code == 201, response.text
    return sender, phone, response.json()


async def join(client, phone: str, name: str = "박서연"):
    return await identity.signed_up_user(client, phone=phone, name=name)


class TestHeldForAPhoneNumber:
    async def test_the_money_is_held_and_the_number_masked(self, client, database):
        sender, phone, transfer = await sent_to_a_stranger(client, database)
        assert transfer["status"] == "sent"
        assert transfer["recipient"]["id"] is None
        assert transfer["recipient"]["name"].endswith("****")
        assert phone[-4:] not in transfer["recipient"]["name"]
        assert await builders.available(client, sender) == 40_000

    async def test_whoever_joins_with_the_number_can_receive_it(self, client, database):
        sender, phone, transfer = await sent_to_a_stranger(client, database)
        newcomer = await join(client, phone)
        shown = await client.get(f"/api/v1/transfers/{transfer['id']}", headers=newcomer.headers)
        assert shown.status_code == 200
        assert shown.json()["can_receive"] is True
        received = await client.post(
            f"/api/v1/transfers/{transfer['id']}/receive",
            headers={**newcomer.headers, "Idempotency-Key": "claim-1"},
        )
        assert received.status_code == 200, received.text
        assert received.json()["recipient"] == {"id": newcomer.user_id, "name": "박서연"}
        balance = await client.get("/api/v1/money/balance", headers=newcomer.headers)
        assert balance.json()["balance"] == 10_000
        assert (await money.balance(client, sender))["balance"] == 40_000
        assert (await builders.inbox(client, sender))[0]["kind"] == "transfer.received"

    async def test_someone_else_cannot_receive_it(self, client, database):
        _, _, transfer = await sent_to_a_stranger(client, database)
        other = await join(client, builders.phone_nobody_has(), name="이도윤")
        response = await client.post(
            f"/api/v1/transfers/{transfer['id']}/receive",
            headers={**other.headers, "Idempotency-Key": "claim-2"},
        )
        assert response.status_code == 404

    async def test_the_sender_can_cancel_it(self, client, database):
        sender, _, transfer = await sent_to_a_stranger(client, database)
        response = await builders.act(client, sender, transfer["id"], "cancel")
        assert response.status_code == 200, response.text
        assert await builders.available(client, sender) == 50_000


class TestNobodyJoinsInTime:
    async def test_it_returns_to_the_sender(self, client, database, fake_clock):
        sender, phone, transfer = await sent_to_a_stranger(client, database)
        fake_clock.advance(hours=49)
        assert await builders.run_worker(database) == 1  # the reminder, claimed for nobody
        fake_clock.advance(hours=24)
        assert await builders.run_worker(database) == 1
        assert await builders.status_of(client, sender, transfer["id"]) == "returned"
        assert await builders.available(client, sender) == 50_000
        returned = (await builders.inbox(client, sender))[0]
        assert returned["kind"] == "transfer.returned"
        # Joining afterwards gets nothing.
        newcomer = await join(client, phone)
        response = await client.post(
            f"/api/v1/transfers/{transfer['id']}/receive",
            headers={**newcomer.headers, "Idempotency-Key": "late"},
        )
        assert response.status_code == 409
        assert response.json()["error"] == "TransferExpired"

    async def test_someone_who_joined_in_between_is_reminded(self, client, database, fake_clock):
        _, phone, transfer = await sent_to_a_stranger(client, database)
        fake_clock.advance(hours=10)
        newcomer = await join(client, phone)
        fake_clock.advance(hours=39)
        assert await builders.run_worker(database) == 1
        inbox = await client.get("/api/v1/inbox", headers=newcomer.headers)
        messages = inbox.json()["items"]
        assert [m["kind"] for m in messages] == ["transfer.reminder", "transfer.incoming"]
        assert {m["link"] for m in messages} == {f"/transfers/{transfer['id']}"}
