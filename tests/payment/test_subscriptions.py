"""Recurring payments: the first approval on a subscription CID issues a `sid`; the merchant
charges it server to server until it inactivates it; every refusal moves nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from easypay.models import Payment
from tests.payment import builders as pay
from tests.transfer import builders as transfer

SUB_CID = "TCSUBSCRIP"
APPROVE_KEYS = {
    "aid",
    "tid",
    "cid",
    "sid",
    "partner_order_id",
    "partner_user_id",
    "payment_method_type",
    "amount",
    "item_name",
    "quantity",
    "created_at",
    "approved_at",
}


async def subscribed(client, database, settings, funds: int = 100_000) -> tuple[Any, Any, str]:
    """A subscription shop, its buyer, and the sid of the first (paid) approval."""
    shop = await pay.shop(database, cid=SUB_CID)
    buyer = await pay.buyer(client, database, funds)
    started = await pay.ready(client, shop, total_amount=9_900, partner_user_id="member-7")
    token = await pay.authorise(database, settings, buyer, started.tid)
    response = await pay.approve(client, shop, started, token)
    assert response.status_code == 200, response.text
    sid = response.json()["sid"]
    return shop, buyer, sid


def charge_params(shop, sid_value: str, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "cid": shop.cid,
        "sid": sid_value,
        "partner_order_id": "month-2",
        "partner_user_id": "member-7",
        "item_name": "월간 구독",
        "quantity": 1,
        "total_amount": 9_900,
        "tax_free_amount": 0,
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


async def charge(client, shop, sid_value: str, form: pay.Form = "query", **overrides: Any):
    params = charge_params(shop, sid_value, **overrides)
    return await pay.call(client, shop, "subscription", params, form)


async def payments_count(database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(Payment))).scalar_one())


class TestFirstApproval:
    async def test_a_subscription_cid_issues_a_sid(self, client, database, settings):
        _shop, buyer, sid = await subscribed(client, database, settings)
        assert sid.startswith("S")
        assert len(sid) == 20
        assert await pay.available(client, buyer) == 100_000 - 9_900

    async def test_a_one_time_cid_issues_none(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.approve(client, shop, started, token)
        assert "sid" not in response.json()


class TestCharge:
    @pytest.mark.parametrize("form", pay.FORMS)
    async def test_charges_the_buyer_without_a_checkout(self, client, database, settings, form):
        shop, buyer, sid = await subscribed(client, database, settings)
        response = await charge(client, shop, sid, form)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) >= APPROVE_KEYS, body
        assert body["sid"] == sid
        assert body["payment_method_type"] == "MONEY"
        assert body["amount"]["total"] == 9_900
        assert body["amount"]["vat"] == 900
        pay.assert_no_nulls(body)
        assert await pay.available(client, buyer) == 100_000 - 2 * 9_900
        order = await pay.order(client, shop, body["tid"])
        assert order["status"] == "SUCCESS_PAYMENT"
        assert order["payment_action_details"][0]["payment_action_type"] == "PAYMENT"

    async def test_a_recurring_payment_cancels_back_to_the_wallet(self, client, database, settings):
        shop, buyer, sid = await subscribed(client, database, settings)
        tid = (await charge(client, shop, sid)).json()["tid"]
        response = await pay.cancel(client, shop, tid, 9_900)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "CANCEL_PAYMENT"
        assert await pay.available(client, buyer) == 100_000 - 9_900

    async def test_a_short_wallet_is_auto_charged(self, client, database, settings):
        shop, buyer, sid = await subscribed(client, database, settings, funds=10_000)
        response = await charge(client, shop, sid, total_amount=25_000)
        assert response.status_code == 200, response.text
        # 100 left, 24,900 short → 30,000 charged from the linked account
        assert await pay.available(client, buyer) == 100 + 30_000 - 25_000

    async def test_a_short_wallet_without_auto_charge_fails_cleanly(
        self, client, database, settings
    ):
        shop, buyer, sid = await subscribed(client, database, settings, funds=10_000)
        await transfer.set_auto_charge(client, buyer, False)
        before = await payments_count(database)
        response = await charge(client, shop, sid, "json", total_amount=25_000)
        assert response.status_code == 400
        assert pay.error_of(response) == -782
        assert await pay.available(client, buyer) == 100
        assert await payments_count(database) == before

    async def test_two_charges_at_once_never_overdraw(self, client, database, settings):
        shop, buyer, sid = await subscribed(client, database, settings, funds=20_000)
        await transfer.set_auto_charge(client, buyer, False)
        answers = await asyncio.gather(
            *(charge(client, shop, sid, partner_order_id=f"m-{n}") for n in range(3))
        )
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200, 400, 400], [answer.text for answer in answers]
        assert await pay.available(client, buyer) == 20_000 - 2 * 9_900


class TestChargeRefusals:
    async def test_unknown_sid(self, client, database, settings):
        shop, _, _ = await subscribed(client, database, settings)
        response = await charge(client, shop, "S" + "0" * 19)
        assert pay.error_of(response) == -750

    async def test_another_merchants_sid_is_not_found(self, client, database, settings):
        _, _, sid = await subscribed(client, database, settings)
        other = await pay.shop(database, cid="TCSUBOTHER", name="다른상점")
        response = await charge(client, other, sid)
        assert pay.error_of(response) == -750

    async def test_a_cid_of_another_merchant(self, client, database, settings):
        shop, _, sid = await subscribed(client, database, settings)
        response = await charge(client, shop, sid, cid="TC0ONETIME")
        assert pay.error_of(response) == -799

    @pytest.mark.parametrize(
        "overrides",
        [
            {"partner_user_id": "someone-else"},
            {"total_amount": 0},
            {"total_amount": -100},
            {"total_amount": 10**13},
            {"total_amount": "12.5"},
            {"quantity": 0},
            {"tax_free_amount": 10_000},
            {"vat_amount": 9_901},
            {"item_name": None},
            {"sid": None},
        ],
    )
    async def test_bad_parameters_move_nothing(self, client, database, settings, overrides):
        shop, buyer, sid = await subscribed(client, database, settings)
        before = await payments_count(database)
        response = await charge(client, shop, sid, "form", **overrides)
        assert response.status_code == 400, response.text
        assert pay.error_of(response) in (-2, -750)
        assert await pay.available(client, buyer) == 100_000 - 9_900
        assert await payments_count(database) == before

    async def test_a_wrong_key(self, client, database, settings):
        shop, _, sid = await subscribed(client, database, settings)
        response = await pay.call(
            client,
            shop,
            "subscription",
            charge_params(shop, sid),
            headers={"Authorization": "KakaoAK " + "0" * 32},
        )
        assert response.status_code == 401
        assert pay.error_of(response) == -401


class TestManage:
    @pytest.mark.parametrize("form", pay.FORMS)
    async def test_status_then_inactive(self, client, database, settings, form):
        shop, buyer, sid = await subscribed(client, database, settings)
        params = {"cid": shop.cid, "sid": sid}
        status = await pay.call(client, shop, "manage/subscription/status", params, form)
        assert status.status_code == 200, status.text
        body = status.json()
        assert body["available"] is True
        assert body["status"] == "ACTIVE"
        assert body["payment_method_type"] == "MONEY"
        assert {"cid", "sid", "item_name", "created_at", "last_approved_at"} <= set(body)
        assert "inactivated_at" not in body
        stopped = await pay.call(client, shop, "manage/subscription/inactive", params, form)
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["status"] == "INACTIVE"
        assert "inactivated_at" in stopped.json()
        again = await pay.call(client, shop, "manage/subscription/inactive", params, form)
        assert again.json()["inactivated_at"] == stopped.json()["inactivated_at"]
        status = await pay.call(client, shop, "manage/subscription/status", params, form)
        assert status.json()["available"] is False
        refused = await charge(client, shop, sid, form)
        assert pay.error_of(refused) == -751
        assert await pay.available(client, buyer) == 100_000 - 9_900

    async def test_another_merchant_cannot_stop_it(self, client, database, settings):
        shop, _, sid = await subscribed(client, database, settings)
        other = await pay.shop(database, cid="TCSUBOTHER", name="다른상점")
        params = {"cid": other.cid, "sid": sid}
        response = await pay.call(client, other, "manage/subscription/inactive", params)
        assert pay.error_of(response) == -750
        status = await pay.call(
            client, shop, "manage/subscription/status", {"cid": shop.cid, "sid": sid}
        )
        assert status.json()["status"] == "ACTIVE"
