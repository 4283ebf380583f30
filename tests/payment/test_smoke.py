"""The thinnest path: ready → the buyer authorises (service) → approve → order → cancel."""

from __future__ import annotations

from easypay.payment import service
from easypay.scripting import create_merchant
from tests.money import builders as money
from tests.transfer import builders


async def test_ready_authorise_approve_cancel(client, database, settings):
    created = await create_merchant(settings, "Shop", ["TC0ONETIME"], 250)
    buyer = await builders.funded(client, await money.person(client, database), 50_000)
    headers = {"Authorization": f"KakaoAK {created['admin_key']}"}
    ready = await client.post(
        "/v1/payment/ready",
        params={
            "cid": "TC0ONETIME",
            "partner_order_id": "o-1",
            "partner_user_id": "u-1",
            "item_name": "초코파이",
            "quantity": "1",
            "total_amount": "2200",
            "tax_free_amount": "0",
            "approval_url": "http://shop.test/ok",
            "cancel_url": "http://shop.test/cancel",
            "fail_url": "http://shop.test/fail",
        },
        headers=headers,
    )
    assert ready.status_code == 200, ready.text
    tid = ready.json()["tid"]
    async with database.transaction() as session:
        from easypay.models import User

        user = await session.get(User, buyer.user_id)
        assert user is not None
        await service.select_method(session, user, tid, "MONEY")
        _, token = await service.authorize(session, settings, user, tid)
    approve = await client.post(
        "/online/v1/payment/approve",
        json={
            "cid": "TC0ONETIME",
            "tid": tid,
            "partner_order_id": "o-1",
            "partner_user_id": "u-1",
            "pg_token": token,
        },
        headers={"Authorization": f"SECRET_KEY {created['secret_key']}"},
    )
    assert approve.status_code == 200, approve.text
    assert approve.json()["amount"]["vat"] == 200
    assert await builders.available(client, buyer) == 47_800
    cancel = await client.post(
        "/v1/payment/cancel",
        data={
            "cid": "TC0ONETIME",
            "tid": tid,
            "cancel_amount": "1000",
            "cancel_tax_free_amount": "0",
        },
        headers=headers,
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "PART_CANCEL_PAYMENT"
    assert await builders.available(client, buyer) == 48_800
    order = await client.post(
        "/v1/payment/order", params={"cid": "TC0ONETIME", "tid": tid}, headers=headers
    )
    assert order.json()["cancel_available_amount"]["total"] == 1200
    wrong = await client.post(
        "/v1/payment/order",
        params={"cid": "TC0ONETIME", "tid": tid},
        headers={"Authorization": "KakaoAK nope"},
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == -401
