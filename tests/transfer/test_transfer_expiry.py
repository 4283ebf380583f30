"""Transfers nobody receives: a reminder a day before the deadline, then back to the sender
(the worker, driven with a fake clock)."""

from __future__ import annotations

import asyncio

from easypay.worker.runner import Worker
from tests.money import builders as money
from tests.transfer import builders


async def sent_and_waiting(client, database):
    sender = await builders.funded(client, await money.person(client, database), 50_000)
    recipient = await money.person(client, database, name="박서연")
    transfer_id = await builders.sent(client, sender, 10_000, recipient)
    return sender, recipient, transfer_id


class TestReminder:
    async def test_arrives_once_a_day_before_the_deadline(self, client, database, fake_clock):
        sender, recipient, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=47, minutes=59)
        assert await builders.run_worker(database) == 0
        fake_clock.advance(minutes=2)
        assert await builders.run_worker(database) == 1
        messages = await builders.inbox(client, recipient)
        assert [m["kind"] for m in messages] == ["transfer.reminder", "transfer.incoming"]
        assert "10,000" in messages[0]["title"]
        assert messages[0]["link"] == f"/transfers/{transfer_id}"
        fake_clock.advance(hours=1)
        assert await builders.run_worker(database) == 0
        assert await builders.kinds(client, recipient) == ["transfer.reminder", "transfer.incoming"]
        assert await builders.status_of(client, sender, transfer_id) == "sent"

    async def test_none_for_a_transfer_already_received(self, client, database, fake_clock):
        _, recipient, transfer_id = await sent_and_waiting(client, database)
        await builders.act(client, recipient, transfer_id, "receive")
        fake_clock.advance(hours=50)
        assert await builders.run_worker(database) == 0
        assert "transfer.reminder" not in await builders.kinds(client, recipient)


class TestReturn:
    async def test_after_72_hours_the_money_goes_back(self, client, database, fake_clock):
        sender, recipient, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=48, minutes=1)
        await builders.run_worker(database)
        fake_clock.advance(hours=23, minutes=58)
        assert await builders.run_worker(database) == 0
        assert await builders.available(client, sender) == 40_000
        fake_clock.advance(minutes=2)
        assert await builders.run_worker(database) == 1
        shown = await builders.transfer(client, sender, transfer_id)
        assert shown["status"] == "returned"
        assert shown["can_cancel"] is False
        assert await builders.available(client, sender) == 50_000
        assert (await money.balance(client, sender))["balance"] == 50_000
        assert await builders.available(client, recipient) == 0
        assert (await builders.kinds(client, sender))[0] == "transfer.returned"
        assert (await builders.kinds(client, recipient))[0] == "transfer.expired"

    async def test_a_second_run_does_nothing_more(self, client, database, fake_clock):
        sender, recipient, _ = await sent_and_waiting(client, database)
        fake_clock.advance(hours=72)
        assert await builders.run_worker(database) == 1
        assert await builders.run_worker(database) == 0
        assert await builders.available(client, sender) == 50_000
        assert (await builders.kinds(client, sender)).count("transfer.returned") == 1
        assert (await builders.kinds(client, recipient)).count("transfer.expired") == 1

    async def test_a_late_worker_returns_without_a_reminder_after_the_fact(
        self, client, database, fake_clock
    ):
        sender, recipient, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=80)
        assert await builders.run_worker(database) == 1
        assert await builders.status_of(client, sender, transfer_id) == "returned"
        assert await builders.kinds(client, recipient) == ["transfer.expired", "transfer.incoming"]
        assert await builders.run_worker(database) == 0

    async def test_two_workers_at_once_return_it_once(self, client, database, fake_clock):
        sender, recipient, _ = await sent_and_waiting(client, database)
        fake_clock.advance(hours=72)
        done = await asyncio.gather(*[builders.run_worker(database) for _ in range(3)])
        assert sum(done) == 1
        assert await builders.available(client, sender) == 50_000
        assert (await builders.kinds(client, sender)).count("transfer.returned") == 1
        assert (await builders.kinds(client, recipient)).count("transfer.expired") == 1

    async def test_the_whole_worker_returns_it_too(self, app, client, database, fake_clock):
        sender, _, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=73)
        assert (
            await Worker(
                database, app.state.settings, app.state.bank, app.state.card_issuer
            ).run_once()
            >= 1
        )
        assert await builders.status_of(client, sender, transfer_id) == "returned"
        assert await builders.available(client, sender) == 50_000


class TestActingAfterTheDeadline:
    async def test_receive_after_expiry_before_the_worker_is_refused(
        self, client, database, fake_clock
    ):
        sender, recipient, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=72)
        for action in ("receive", "decline"):
            response = await builders.act(client, recipient, transfer_id, action)
            assert response.status_code == 409, action
            assert builders.error_of(response) == "TransferExpired"
        assert await builders.available(client, recipient) == 0
        assert await builders.run_worker(database) == 1
        assert await builders.available(client, sender) == 50_000

    async def test_receive_or_decline_after_return_is_refused(self, client, database, fake_clock):
        sender, recipient, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=73)
        await builders.run_worker(database)
        for action in ("receive", "decline"):
            response = await builders.act(client, recipient, transfer_id, action)
            assert response.status_code == 409, action
            assert builders.error_of(response) == "TransferExpired"
        cancel = await builders.act(client, sender, transfer_id, "cancel")
        assert cancel.status_code == 409
        assert builders.error_of(cancel) == "TransferExpired"
        assert await builders.available(client, sender) == 50_000
        assert await builders.available(client, recipient) == 0
        assert await builders.status_of(client, sender, transfer_id) == "returned"

    async def test_receive_just_before_the_deadline_works(self, client, database, fake_clock):
        sender, recipient, transfer_id = await sent_and_waiting(client, database)
        fake_clock.advance(hours=71, minutes=59)
        assert (await builders.act(client, recipient, transfer_id, "receive")).status_code == 200
        fake_clock.advance(hours=1)
        assert await builders.run_worker(database) == 0
        assert await builders.available(client, recipient) == 10_000
        assert (await money.balance(client, sender))["balance"] == 40_000
