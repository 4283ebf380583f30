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
