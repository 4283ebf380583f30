"""Bad input on every transfer endpoint is a 4xx JSON error that changes nothing; the same
Idempotency-Key replays the first answer, and with another body is refused."""

from __future__ import annotations

import pytest

from tests.money import builders as money
from tests.transfer import builders

FUNDS = 50_000
BAD_AMOUNTS = [0, -1, 2**63, 2**64, "10000", 10000.5, None, True]


async def sender_and_recipient(client, database):
    sender = await builders.funded(client, await money.person(client, database), FUNDS)
    recipient = await money.person(client, database, name="박서연")
    return sender, recipient


async def assert_nothing_moved(client, database, sender, recipient) -> None:
    balance = await money.balance(client, sender)
    assert (balance["balance"], balance["available"]) == (FUNDS, FUNDS)
    assert await money.bank_balance(database, sender) == 5_000_000 - FUNDS
    assert (await money.balance(client, recipient))["balance"] == 0
    assert await money.bank_balance(database, recipient) == 5_000_000
    assert await builders.inbox(client, recipient) == []
    listed = await client.get("/api/v1/transfers", headers=sender.headers)
    assert listed.json()["items"] == []


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert builders.error_of(response) == code


class TestSendBadInput:
    @pytest.mark.parametrize("amount", BAD_AMOUNTS)
    async def test_bad_amounts(self, client, database, amount):
        sender, recipient = await sender_and_recipient(client, database)
        refused(await builders.send(client, sender, amount, to=recipient), 422, "ValidationError")
        await assert_nothing_moved(client, database, sender, recipient)

    async def test_missing_amount(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        response = await client.post(
            "/api/v1/transfers",
            json={"phone": recipient.phone, "pin": money.PIN},
            headers=sender.with_key(),
        )
        refused(response, 422, "ValidationError")
        await assert_nothing_moved(client, database, sender, recipient)

    @pytest.mark.parametrize(
        "fields",
        [
            {},  # neither phone nor friend_id
            {"phone": "RECIPIENT", "friend_id": "RECIPIENT_ID"},
            {"phone": "12345"},
            {"phone": "not a phone"},
            {"phone": 1012345678},
            {"phone": "010-1234-5678-9999-0000"},
            {"friend_id": 0},
            {"friend_id": -1},
            {"friend_id": 2**64},
            {"friend_id": "RECIPIENT_ID_TEXT"},
            {"phone": "RECIPIENT", "message": "x" * 41},
            {"phone": "RECIPIENT", "pin": None},
        ],
    )
    async def test_bad_recipients_and_fields(self, client, database, fields):
        sender, recipient = await sender_and_recipient(client, database)
        substitutes = {
            "RECIPIENT": recipient.phone,
            "RECIPIENT_ID": recipient.user_id,
            "RECIPIENT_ID_TEXT": str(recipient.user_id),
        }
        body = {"amount": 1_000, "pin": money.PIN}
        body.update(
            {k: substitutes.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
        )
        response = await client.post("/api/v1/transfers", json=body, headers=sender.with_key())
        refused(response, 422, "ValidationError")
        await assert_nothing_moved(client, database, sender, recipient)

    async def test_to_myself(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        refused(await builders.send(client, sender, 1_000, to=sender), 422, "CannotSendToYourself")
        local = "0" + sender.phone.removeprefix("+82")
        refused(
            await builders.send(client, sender, 1_000, phone=local), 422, "CannotSendToYourself"
        )
        await assert_nothing_moved(client, database, sender, recipient)

    @pytest.mark.parametrize("who", ["stranger", "nobody", "myself"])
    async def test_friend_id_of_a_non_friend(self, client, database, who):
        sender, recipient = await sender_and_recipient(client, database)
        friend_id = {"stranger": recipient.user_id, "nobody": 999_999, "myself": sender.user_id}
        response = await client.post(
            "/api/v1/transfers",
            json={"friend_id": friend_id[who], "amount": 1_000, "pin": money.PIN},
            headers=sender.with_key(),
        )
        refused(response, 404, "RecipientNotFound")
        assert "박서연" not in response.text
        await assert_nothing_moved(client, database, sender, recipient)

    async def test_wrong_pin(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        response = await builders.send(client, sender, 1_000, to=recipient, pin="000001")
        refused(response, 403, "WrongPin")
        await assert_nothing_moved(client, database, sender, recipient)

    async def test_without_an_idempotency_key(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        response = await client.post(
            "/api/v1/transfers",
            json={"phone": recipient.phone, "amount": 1_000, "pin": money.PIN},
            headers=sender.headers,
        )
        refused(response, 400, "IdempotencyKeyMissing")
        await assert_nothing_moved(client, database, sender, recipient)

    async def test_signed_out(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        response = await client.post(
            "/api/v1/transfers",
            json={"phone": recipient.phone, "amount": 1_000, "pin": money.PIN},
            headers={"Idempotency-Key": "k"},
        )
        assert response.status_code == 401
        await assert_nothing_moved(client, database, sender, recipient)

    async def test_malformed_json(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        response = await client.post(
            "/api/v1/transfers",
            content=b'{"phone": "010-1000-1000", "amount": ',
            headers={**sender.with_key(), "Content-Type": "application/json"},
        )
        refused(response, 422, "ValidationError")
        await assert_nothing_moved(client, database, sender, recipient)


class TestTransitionBadInput:
    @pytest.mark.parametrize("transfer_id", ["0", "-1", str(2**64), "abc", "1.5"])
    @pytest.mark.parametrize("action", ["receive", "decline", "cancel"])
    async def test_bad_ids(self, client, database, transfer_id, action):
        sender, _ = await sender_and_recipient(client, database)
        response = await client.post(
            f"/api/v1/transfers/{transfer_id}/{action}", headers=sender.with_key()
        )
        refused(response, 422, "ValidationError")

    async def test_a_transfer_that_does_not_exist(self, client, database):
        sender, _ = await sender_and_recipient(client, database)
        for action in ("receive", "decline", "cancel"):
            refused(await builders.act(client, sender, 999_999, action), 404, "TransferNotFound")
        response = await client.get("/api/v1/transfers/999999", headers=sender.headers)
        refused(response, 404, "TransferNotFound")

    async def test_without_an_idempotency_key(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        transfer_id = await builders.sent(client, sender, 1_000, recipient)
        response = await client.post(
            f"/api/v1/transfers/{transfer_id}/receive", headers=recipient.headers
        )
        refused(response, 400, "IdempotencyKeyMissing")
        assert await builders.status_of(client, sender, transfer_id) == "sent"

    @pytest.mark.parametrize("params", [{"direction": "sideways"}, {"status": "lost"}])
    async def test_bad_transfer_filters(self, client, database, params):
        sender, _ = await sender_and_recipient(client, database)
        response = await client.get("/api/v1/transfers", params=params, headers=sender.headers)
        refused(response, 422, "ValidationError")

    @pytest.mark.parametrize(
        "params", [{"cursor": "0"}, {"cursor": str(2**64)}, {"limit": "0"}, {"limit": "101"}]
    )
    @pytest.mark.parametrize(
        "path", ["/api/v1/transfers", "/api/v1/bank-transfers", "/api/v1/money-requests"]
    )
    async def test_bad_pages(self, client, database, path, params):
        sender, _ = await sender_and_recipient(client, database)
        response = await client.get(path, params=params, headers=sender.headers)
        refused(response, 422, "ValidationError")

    async def test_bad_request_role(self, client, database):
        sender, _ = await sender_and_recipient(client, database)
        response = await client.get(
            "/api/v1/money-requests", params={"role": "boss"}, headers=sender.headers
        )
        refused(response, 422, "ValidationError")


class TestBankTransferBadInput:
    async def send(self, client, sender, **fields):
        body = {"bank_code": "088", "amount": 1_000, "pin": money.PIN, **fields}
        return await client.post("/api/v1/bank-transfers", json=body, headers=sender.with_key())

    @pytest.mark.parametrize("amount", BAD_AMOUNTS)
    async def test_bad_amounts(self, client, database, amount):
        sender, payee = await sender_and_recipient(client, database)
        response = await self.send(
            client, sender, account_number=payee.account_number, amount=amount
        )
        refused(response, 422, "ValidationError")
        await assert_nothing_moved(client, database, sender, payee)

    @pytest.mark.parametrize(
        ("fields", "status", "code"),
        [
            ({"bank_code": "999"}, 422, "UnknownBank"),
            ({"bank_code": "0888"}, 422, "ValidationError"),
            ({"account_number": "12ab"}, 422, "ValidationError"),
            ({"account_number": "123"}, 422, "ValidationError"),
            ({"account_number": "1" * 31}, 422, "ValidationError"),
            ({"account_number": None}, 422, "ValidationError"),
            ({"account_number": "110999999999"}, 404, "BankAccountNotFound"),
        ],
    )
    async def test_bad_accounts(self, client, database, fields, status, code):
        sender, payee = await sender_and_recipient(client, database)
        response = await self.send(
            client, sender, **{"account_number": payee.account_number, **fields}
        )
        refused(response, status, code)
        await assert_nothing_moved(client, database, sender, payee)

    async def test_a_bad_account_charges_nothing_when_short(self, client, database):
        """Refused before any auto-charge: a wrong account number moves no money at all."""
        sender, payee = await sender_and_recipient(client, database)
        response = await self.send(
            client, sender, account_number="110999999999", amount=FUNDS + 5_000
        )
        refused(response, 404, "BankAccountNotFound")
        await assert_nothing_moved(client, database, sender, payee)

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"bank_code": "088"},
            {"bank_code": 88, "account_number": "110123456789"},
            {"bank_code": "999", "account_number": "110123456789"},
            {"bank_code": "088", "account_number": "12ab"},
        ],
    )
    async def test_bad_inquiries(self, client, database, body):
        sender, _ = await sender_and_recipient(client, database)
        response = await client.post(
            "/api/v1/bank-transfers/inquiry", json=body, headers=sender.headers
        )
        assert response.status_code == 422, response.text
        assert builders.error_of(response) in ("ValidationError", "UnknownBank")

    async def test_bad_ids(self, client, database):
        sender, _ = await sender_and_recipient(client, database)
        for bad in ("0", str(2**64), "x"):
            response = await client.get(f"/api/v1/bank-transfers/{bad}", headers=sender.headers)
            refused(response, 422, "ValidationError")
        response = await client.get("/api/v1/bank-transfers/999999", headers=sender.headers)
        refused(response, 404, "TransferNotFound")


class TestRequestBadInput:
    @pytest.mark.parametrize(
        "body",
        [
            {"people": []},
            {"people": "PAYER"},
            {"people": [{"amount": 1_000}]},
            {"people": [{"phone": "PAYER", "user_id": 1, "amount": 1_000}]},
            {"people": [{"phone": "PAYER"}]},
            {"people": [{"phone": "PAYER", "amount": 0}]},
            {"people": [{"phone": "PAYER", "amount": -5}]},
            {"people": [{"phone": "PAYER", "amount": 2**64}]},
            {"people": [{"phone": "PAYER", "amount": "1000"}]},
            {"people": [{"phone": "PAYER", "amount": 1_000}] * 31},
            {"people": [{"phone": "PAYER", "amount": 1_000}], "title": "x" * 41},
            {"people": [{"phone": "PAYER", "amount": 1_000}], "remind_at": "tomorrow"},
            {"people": [{"phone": "PAYER", "amount": 1_000}], "remind_at": "2030-01-01T09:00"},
            {"people": [{"phone": "not a phone", "amount": 1_000}]},
        ],
    )
    async def test_bad_requests(self, client, database, body):
        requester, payer = await sender_and_recipient(client, database)
        people = body["people"]
        if people == "PAYER":
            body = {**body, "people": payer.phone}
        elif isinstance(people, list):
            body = {
                **body,
                "people": [
                    {**p, "phone": payer.phone} if p.get("phone") == "PAYER" else p for p in people
                ],
            }
        response = await client.post(
            "/api/v1/money-requests", json=body, headers=requester.with_key()
        )
        refused(response, 422, "ValidationError")
        assert await builders.inbox(client, payer) == []

    async def test_unknown_phone(self, client, database):
        requester, _ = await sender_and_recipient(client, database)
        nobody = builders.phone_nobody_has()
        response = await builders.ask(client, requester, [{"phone": nobody, "amount": 1_000}])
        refused(response, 404, "RecipientNotFound")
        listed = await client.get("/api/v1/money-requests", headers=requester.headers)
        assert listed.json()["items"] == []

    async def test_asking_myself(self, client, database):
        requester, _ = await sender_and_recipient(client, database)
        response = await builders.ask(client, requester, [builders.share(requester, 1_000)])
        refused(response, 422, "CannotSendToYourself")

    @pytest.mark.parametrize(
        "fields",
        [
            {"total": 0},
            {"total": -1},
            {"total": "30000"},
            {"total": 2**64},
            {"total": None},
            {"split": "thirds"},
            {"include_me": "yes"},
            {"my_amount": -1},
        ],
    )
    async def test_bad_dutch_pays(self, client, database, fields):
        organiser, friend = await sender_and_recipient(client, database)
        body = {"title": "회식", "total": 30_000, "people": [{"phone": friend.phone}], **fields}
        response = await client.post("/api/v1/dutch-pays", json=body, headers=organiser.with_key())
        refused(response, 422, "ValidationError")
        assert await builders.inbox(client, friend) == []

    async def test_bad_request_ids(self, client, database):
        someone, _ = await sender_and_recipient(client, database)
        for bad in ("0", "-1", str(2**64), "x"):
            response = await client.get(f"/api/v1/money-requests/{bad}", headers=someone.headers)
            refused(response, 422, "ValidationError")
            refused(await builders.pay(client, someone, bad), 422, "ValidationError")
        refused(await builders.pay(client, someone, 999_999), 404, "MoneyRequestNotFound")

    async def test_paying_without_a_pin(self, client, database):
        requester, payer = await sender_and_recipient(client, database)
        await builders.funded(client, payer, 10_000)
        request_id = (await builders.ask(client, requester, [builders.share(payer, 1_000)])).json()[
            "id"
        ]
        response = await client.post(
            f"/api/v1/money-requests/{request_id}/pay", json={}, headers=payer.with_key()
        )
        refused(response, 422, "ValidationError")
        assert (await money.balance(client, payer))["balance"] == 10_000


class TestIdempotency:
    async def test_the_same_key_replays_the_transfer(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        first = await builders.send(client, sender, 10_000, to=recipient, key="lunch-1")
        again = await builders.send(client, sender, 10_000, to=recipient, key="lunch-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert await builders.available(client, sender) == FUNDS - 10_000
        assert await builders.kinds(client, recipient) == ["transfer.incoming"]

    async def test_the_same_key_with_another_body_is_refused(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        await builders.send(client, sender, 10_000, to=recipient, key="lunch-1")
        other = await builders.send(client, sender, 20_000, to=recipient, key="lunch-1")
        refused(other, 409, "IdempotencyKeyReused")
        assert await builders.available(client, sender) == FUNDS - 10_000

    async def test_keys_are_per_user(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        await builders.funded(client, recipient, 20_000)
        mine = await builders.send(client, sender, 10_000, to=recipient, key="same")
        theirs = await builders.send(client, recipient, 10_000, to=sender, key="same")
        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["id"] != theirs.json()["id"]

    async def test_a_replayed_receive_answers_again_without_paying_twice(self, client, database):
        sender, recipient = await sender_and_recipient(client, database)
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        first = await builders.act(client, recipient, transfer_id, "receive", key="take-1")
        again = await builders.act(client, recipient, transfer_id, "receive", key="take-1")
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert await builders.available(client, recipient) == 10_000

    async def test_the_same_key_replays_a_request(self, client, database):
        requester, payer = await sender_and_recipient(client, database)
        first = await builders.ask(client, requester, [builders.share(payer, 1_000)], key="ask-1")
        again = await builders.ask(client, requester, [builders.share(payer, 1_000)], key="ask-1")
        assert again.json() == first.json()
        assert await builders.kinds(client, payer) == ["request.asked"]
        other = await builders.ask(client, requester, [builders.share(payer, 2_000)], key="ask-1")
        refused(other, 409, "IdempotencyKeyReused")

    async def test_the_same_key_replays_a_payment(self, client, database):
        requester, payer = await sender_and_recipient(client, database)
        await builders.funded(client, payer, 10_000)
        request_id = (await builders.ask(client, requester, [builders.share(payer, 1_000)])).json()[
            "id"
        ]
        first = await builders.pay(client, payer, request_id, key="pay-1")
        again = await builders.pay(client, payer, request_id, key="pay-1")
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert (await money.balance(client, payer))["balance"] == 9_000
        assert (await money.balance(client, requester))["balance"] == FUNDS + 1_000

    async def test_the_same_key_replays_a_bank_transfer(self, client, database):
        sender, payee = await sender_and_recipient(client, database)
        body = {
            "bank_code": payee.bank_code,
            "account_number": payee.account_number,
            "amount": 10_000,
            "pin": money.PIN,
        }
        headers = sender.with_key("rent-1")
        first = await client.post("/api/v1/bank-transfers", json=body, headers=headers)
        again = await client.post("/api/v1/bank-transfers", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert await money.bank_balance(database, payee) == 5_010_000
        other = await client.post(
            "/api/v1/bank-transfers", json={**body, "amount": 20_000}, headers=headers
        )
        refused(other, 409, "IdempotencyKeyReused")
        assert await money.bank_balance(database, payee) == 5_010_000
