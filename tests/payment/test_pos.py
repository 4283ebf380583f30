"""The POS API: charging a scanned code, retries, refusals, auto-charge and the receipt."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from easypay.models import PaymentCode
from easypay.payment import codes
from tests.money import builders as money
from tests.payment import builders as pay
from tests.payment import pos_builders as pos
from tests.transfer import builders as transfer


async def _code_row(database, digits: str) -> PaymentCode:
    async with database.transaction() as session:
        statement = select(PaymentCode).where(PaymentCode.code_hash == codes.digest(digits))
        return (await session.execute(statement)).scalar_one()


class TestCharge:
    async def test_the_wallet_pays_the_merchant(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500, "pos-a1", tax_free_amount=500)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "SUCCESS_PAYMENT"
        assert body["pos_request_id"] == "pos-a1"
        assert body["cid"] == shop.cid
        assert body["payment_method_type"] == "MONEY"
        assert body["amount"] == {"total": 4500, "tax_free": 500, "vat": 364}
        assert body["canceled_amount"] == {"total": 0, "tax_free": 0, "vat": 0}
        assert body["cancel_available_amount"] == 4500
        assert body["approved_at"]
        assert body["canceled_at"] is None
        assert [a["kind"] for a in body["actions"]] == ["PAYMENT"]
        assert digits not in response.text  # the code is never echoed
        assert await pay.available(client, buyer) == 20_000 - 4500
        assert await pay.money_balance(client, buyer) == 20_000 - 4500
        row = await _code_row(database, digits)
        assert row.used_at is not None
        assert row.payment_id is not None

    async def test_spaced_digits_as_typed_by_hand(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, codes.spaced(digits))
        assert response.status_code == 201, response.text

    async def test_the_admin_key_works_too(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, headers=shop.legacy)
        assert response.status_code == 201, response.text

    async def test_the_receipt_is_in_the_buyers_inbox_at_once(self, client, database):
        shop = await pay.shop(database, name="별다방")
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500)
        assert response.status_code == 201, response.text
        newest = (await transfer.inbox(client, buyer))[0]
        assert newest["kind"] == "payment.paid"
        assert "별다방" in newest["title"]
        assert "4,500" in newest["title"]
        assert "아메리카노" in newest["body"]
        assert newest["data"]["tid"] == response.json()["tid"]
        assert newest["data"]["channel"] == "POS"


class TestExpiry:
    async def test_just_before_three_minutes_it_pays(self, client, database, fake_clock):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        fake_clock.advance(minutes=2, seconds=59)
        assert (await pos.charge(client, shop, digits)).status_code == 201

    async def test_an_expired_code_is_refused_and_nothing_is_charged(
        self, client, database, fake_clock
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        fake_clock.advance(minutes=3)
        response = await pos.charge(client, shop, digits)
        assert response.status_code == 409, response.text
        assert pos.error(response) == "PaymentCodeExpired"
        assert await pos.pos_payments(database) == 0
        assert await pay.available(client, buyer) == 20_000
        assert (await _code_row(database, digits)).used_at is None


class TestSingleUse:
    async def test_a_second_charge_with_another_request_id_is_refused(self, client, database):
        shop = await pay.shop(database)
        other_shop = await pay.shop(database, cid="TC0OTHER01", name="다른가게")
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        assert (await pos.charge(client, shop, digits, 4500)).status_code == 201
        for again in (
            await pos.charge(client, shop, digits, 4500),
            await pos.charge(client, other_shop, digits, 4500),
        ):
            assert again.status_code == 409, again.text
            assert pos.error(again) == "PaymentCodeUsed"
        assert await pos.pos_payments(database) == 1
        assert await pay.available(client, buyer) == 20_000 - 4500


class TestSameRequestId:
    async def test_a_retry_gets_the_same_answer_and_one_charge(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        first = await pos.charge(client, shop, digits, 4500, "pos-retry")
        again = await pos.charge(client, shop, digits, 4500, "pos-retry")
        assert first.status_code == again.status_code == 201, again.text
        assert first.json() == again.json()
        assert await pos.pos_payments(database) == 1
        assert await pay.available(client, buyer) == 20_000 - 4500

    @pytest.mark.parametrize(
        "change",
        [{"amount": 4600}, {"tax_free_amount": 100}, {"item_name": "라떼"}, {"code": "other"}],
    )
    async def test_a_different_request_with_the_same_id_is_a_conflict(
        self, client, database, change: dict[str, Any]
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        assert (await pos.charge(client, shop, digits, 4500, "pos-same")).status_code == 201
        if change.get("code") == "other":
            change = {"code": await pos.code_for(database, buyer)}
        body: dict[str, Any] = {"code": digits, "amount": 4500, **change}
        code = body.pop("code")
        amount = body.pop("amount")
        response = await pos.charge(client, shop, code, amount, "pos-same", **body)
        assert response.status_code == 409, response.text
        assert pos.error(response) == "PosRequestIdReused"
        assert await pos.pos_payments(database) == 1
        assert await pay.available(client, buyer) == 20_000 - 4500

    async def test_the_same_request_id_at_another_merchant_is_its_own(self, client, database):
        shop = await pay.shop(database)
        other_shop = await pay.shop(database, cid="TC0OTHER01", name="다른가게")
        buyer = await pay.buyer(client, database, 20_000)
        first = await pos.charge(client, shop, await pos.code_for(database, buyer), 1000, "p-1")
        second = await pos.charge(
            client, other_shop, await pos.code_for(database, buyer), 2000, "p-1"
        )
        assert first.status_code == second.status_code == 201
        assert first.json()["tid"] != second.json()["tid"]
        assert await pay.available(client, buyer) == 20_000 - 3000


class TestBadInput:
    @pytest.mark.parametrize(
        "amount", [0, -1, -4500, 10**12 + 1, 10**30, 4500.5, 4500.0, "4500", None, True, []]
    )
    async def test_amounts_no_payment_may_have(self, client, database, amount: Any):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, amount)
        assert response.status_code == 422, response.text
        assert pos.error(response) == "ValidationError"
        assert await pos.pos_payments(database) == 0
        assert await pay.available(client, buyer) == 20_000
        # The code was not used up by the refusal.
        assert (await pos.charge(client, shop, digits, 4500)).status_code == 201

    async def test_a_huge_amount_within_range_is_declined(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 10**12)
        assert response.status_code == 402, response.text
        assert pos.error(response) == "PaymentDeclined"
        assert await pos.pos_payments(database) == 0
        assert await pay.available(client, buyer) == 20_000

    @pytest.mark.parametrize(
        "extra",
        [
            {"tax_free_amount": 4501},
            {"tax_free_amount": -1},
            {"item_name": ""},
            {"item_name": "가" * 101},
            {"pos_request_id": ""},
            {"pos_request_id": "x" * 65},
            {"pos_request_id": "has space"},
        ],
    )
    async def test_other_fields_out_of_range(self, client, database, extra: dict[str, Any]):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500, **extra)
        assert response.status_code == 422, response.text
        assert await pos.pos_payments(database) == 0

    async def test_missing_fields(self, client, database):
        shop = await pay.shop(database)
        for body in ({}, {"code": "1" * 20}, {"amount": 1}, [], "x"):
            response = await client.post("/api/v1/pos/payments", json=body, headers=shop.current)
            assert response.status_code == 422, response.text

    @pytest.mark.parametrize("code", ["", "abc", "1234", "1" * 19, "1" * 21, "٠" * 20, "1" * 40])
    async def test_codes_that_are_no_code(self, client, database, code: str):
        shop = await pay.shop(database)
        response = await pos.charge(client, shop, code)
        assert response.status_code in (404, 422), response.text
        if response.status_code == 404:
            assert pos.error(response) == "PaymentCodeNotFound"

    async def test_an_unknown_code(self, client, database):
        shop = await pay.shop(database)
        response = await pos.charge(client, shop, codes.new_digits())
        assert response.status_code == 404, response.text
        assert pos.error(response) == "PaymentCodeNotFound"


class TestMerchantKey:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "SECRET_KEY wrong"},
            {"Authorization": "KakaoAK wrong"},
            {"Authorization": "SECRET_KEY "},
            {"Authorization": "Basic abc"},
        ],
    )
    async def test_a_wrong_key_is_401_and_charges_nothing(self, client, database, headers):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, headers=headers)
        assert response.status_code == 401, response.text
        assert pos.error(response) == "InvalidMerchantKey"
        assert (await client.get("/api/v1/pos/payments/x", headers=headers)).status_code == 401
        cancel = await client.post(
            "/api/v1/pos/payments/x/cancel", json={"cancel_request_id": "c"}, headers=headers
        )
        assert cancel.status_code == 401
        assert await pos.pos_payments(database) == 0

    async def test_the_secret_key_under_the_admin_scheme_is_refused(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        headers = {"Authorization": f"KakaoAK {shop.secret_key}"}
        response = await pos.charge(client, shop, digits, headers=headers)
        assert response.status_code == 401, response.text


class TestShortWallet:
    async def test_the_shortfall_is_auto_charged(self, client, database):
        shop = await pay.shop(database)
        buyer = await money.person(client, database)  # linked bank, no Pay Money
        bank_before = await money.bank_balance(database, buyer)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500)
        assert response.status_code == 201, response.text
        assert await money.bank_balance(database, buyer) == bank_before - 10_000
        assert await pay.available(client, buyer) == 10_000 - 4500

    async def test_declined_without_a_linked_bank(self, client, database):
        shop = await pay.shop(database)
        buyer = await money.person(client, database, link=False)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500)
        assert response.status_code == 402, response.text
        assert pos.error(response) == "PaymentDeclined"
        assert await pos.pos_payments(database) == 0
        assert await pay.available(client, buyer) == 0
        assert (await _code_row(database, digits)).used_at is None

    async def test_declined_when_auto_charge_is_off(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 3000)
        bank_before = await money.bank_balance(database, buyer)
        response = await client.patch(
            "/api/v1/me/settings", json={"auto_charge_enabled": False}, headers=buyer.headers
        )
        assert response.status_code == 200, response.text
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500)
        assert response.status_code == 402, response.text
        assert pos.error(response) == "PaymentDeclined"
        assert await money.bank_balance(database, buyer) == bank_before
        assert await pay.available(client, buyer) == 3000
        # Enough money: the same code still pays.
        assert (await pos.charge(client, shop, digits, 3000)).status_code == 201
        assert await pay.available(client, buyer) == 0


class TestRead:
    async def test_read_by_request_id(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        charged = await pos.charge(client, shop, digits, 4500, "pos-read")
        read = await pos.read(client, shop, "pos-read")
        assert read.status_code == 200, read.text
        assert read.json() == charged.json()

    async def test_another_merchants_request_id_is_not_found(self, client, database):
        shop = await pay.shop(database)
        other_shop = await pay.shop(database, cid="TC0OTHER01", name="다른가게")
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        assert (await pos.charge(client, shop, digits, 4500, "pos-mine")).status_code == 201
        for response in (
            await pos.read(client, other_shop, "pos-mine"),
            await pos.read(client, shop, "pos-unknown"),
        ):
            assert response.status_code == 404, response.text
            assert pos.error(response) == "PosPaymentNotFound"


class TestSetup:
    async def test_a_merchant_without_a_onetime_cid_cannot_take_pos_payments(
        self, client, database
    ):
        shop = await pay.shop(database, cid="TCSUB00001", name="구독가게")
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits)
        assert response.status_code == 409, response.text
        assert pos.error(response) == "PosNotEnabled"
        assert await pay.available(client, buyer) == 20_000

    async def test_the_lowest_onetime_cid_is_used(self, client, database):
        from easypay.merchant import service as merchant_service

        async with database.transaction() as session:
            created = await merchant_service.create(
                session, "두CID가게", ["TCSUB00002", "TC0ZZZZZZZ", "TC0AAAAAAA"], 250
            )
        shop = pay.Shop(created.merchant.id, "TC0AAAAAAA", created.admin_key, created.secret_key)
        buyer = await pay.buyer(client, database, 20_000)
        response = await pos.charge(client, shop, await pos.code_for(database, buyer))
        assert response.status_code == 201, response.text
        assert response.json()["cid"] == "TC0AAAAAAA"

    async def test_the_api_is_documented(self, client):
        spec = (await client.get("/openapi.json")).json()
        for path in (
            "/api/v1/pos/payments",
            "/api/v1/pos/payments/{pos_request_id}",
            "/api/v1/pos/payments/{pos_request_id}/cancel",
        ):
            assert path in spec["paths"], path
        charge = spec["paths"]["/api/v1/pos/payments"]["post"]
        assert {"401", "402", "404", "409", "422"} <= set(charge["responses"])

    @pytest.mark.parametrize("request_id", ["a/b", "a b", "a?b", "가나다", "x" * 65])
    async def test_request_ids_that_cannot_travel_in_a_path(
        self, client, database, request_id: str
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        response = await pos.charge(client, shop, digits, 4500, request_id)
        assert response.status_code == 422, response.text
        assert await pos.pos_payments(database) == 0
