"""Money sent to a phone number before its owner joined: theirs when they sign up in time."""

from __future__ import annotations

from tests.money import builders as money
from tests.transfer import builders


class TestClaimOnSignUp:
    async def test_the_new_user_is_told_and_can_receive(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 30_000)
        newcomer_phone = "+821077778888"
        sent = await builders.send(client, sender, 7_000, phone="010-7777-8888")
        assert sent.status_code == 201, sent.text
        assert sent.json()["recipient"]["id"] is None

        newcomer = await money.person(client, database, name="최유나", phone=newcomer_phone)
        messages = await builders.inbox(client, newcomer)
        assert [m["kind"] for m in messages] == ["transfer.incoming"]
        assert messages[0]["link"] == f"/transfers/{sent.json()['id']}"

        received = await builders.act(client, newcomer, sent.json()["id"], "receive")
        assert received.status_code == 200, received.text
        assert await builders.available(client, newcomer) == 7_000
        assert await builders.available(client, sender) == 23_000
